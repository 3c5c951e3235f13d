"""Where an encoded token can hide (`patlint.tokenforms`): the regex trie finds what the plain
alternation finds, the fast run finder finds what its regex finds, the hex-in-base64 quads are
those of every three hex digits."""

from __future__ import annotations

import base64
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from patlint.tokenforms import (
    B64_CHARS,
    hex_b64_quads,
    long_runs,
    run_table,
    runs,
    trie_alternation,
)


@settings(max_examples=300, deadline=None)
@given(
    words=st.lists(st.text("abAB+/_-", min_size=1, max_size=6), min_size=1, max_size=12),
    pieces=st.lists(st.text('abAB+/_- .%"', max_size=8), max_size=40),
)
def test_the_trie_finds_the_same_base64_runs_as_the_plain_alternation(
    words: list[str], pieces: list[str]
) -> None:
    # Where matches start is what the redactor uses (each grows to its run of base64
    # characters): the trie may match a shorter word where one is a prefix of another, so
    # its starts are a superset, and the runs they grow to are the same.
    text = "".join(p for pair in zip(pieces, words * 4, strict=False) for p in pair)
    plain = re.compile("|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True)))
    trie = re.compile(trie_alternation(words))
    for w in words:
        assert trie.fullmatch(w)
    a = [m.start() for m in plain.finditer(text)]
    b = [m.start() for m in trie.finditer(text)]
    assert set(a) <= set(b)
    assert runs(text, a, B64_CHARS) == runs(text, b, B64_CHARS)


@settings(max_examples=400, deadline=None)
@given(
    chars=st.text("ab0_-+/?.é", min_size=1, max_size=6),
    text=st.text(st.sampled_from(list("ab0_-+/?.é\udc80 \n\u200b\U0001f600AB")), max_size=120),
    n=st.integers(1, 12),
)
def test_long_runs_are_the_runs_the_regex_finds(chars: str, text: str, n: int) -> None:
    """The redactor's fast run finder gives exactly the spans of `(?<![c])[c]{n,}`, whatever
    the text holds (characters latin-1 cannot encode, lone surrogates, `?`, which it uses as
    the stand-in for those); for a class it cannot serve (non-ASCII, `?`) it says so."""
    table = run_table(chars)
    if any(not c.isascii() or c == "?" for c in chars):
        assert table is None
        return
    assert table is not None
    cls = "".join(re.escape(c) for c in sorted(set(chars)))
    expected = [m.span() for m in re.finditer(f"(?<![{cls}])[{cls}]{{{n},}}", text)]
    assert long_runs(text, table, n) == expected


def test_the_trie_of_no_word_matches_nothing_everywhere() -> None:
    assert trie_alternation(["", "abc"]) == "abc"
    assert re.compile(trie_alternation(["ab", "abcd", "ac"])).fullmatch("abcd")


def test_hex_quads_are_those_of_every_three_hex_digits() -> None:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    triples = [bytes([a, b, c]) for a in b"0123456789abcdefABCDEF" for b in b"0123456789abcdefABCDEF"
               for c in b"0123456789abcdefABCDEF"]  # fmt: skip
    pos: list[set[str]] = [set(), set(), set(), set()]
    for t in triples:
        for i, ch in enumerate(base64.b64encode(t).decode()):
            pos[i].add(ch)
    quad = "".join(f"[{''.join(sorted(p))}]" for p in pos)
    assert hex_b64_quads() == f"{quad}(?:{quad}){{11,}}"
    assert set(alphabet) >= set().union(*pos)
