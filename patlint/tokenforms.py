"""Where an encoded token can hide in text, for the redactor (`patlint.redaction`): the base64
characters a literal fixes at each byte alignment (a token prefix's "fragments"), a regex trie
of many words, the hex of the prefixes, the runs of a character class found at C speed, and
the decodings of a run (base64 at each offset, hex at each digit offset).

Pure functions and constants of the token kinds: no token is held here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from typing import Any

from patlint.kinds import KINDS

PREFIXES = tuple(k.prefix for k in KINDS.values() if k.prefix)  # `ghp_`, `github_pat_`, …
B64_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/_-")
HEX_CHARS = frozenset("0123456789abcdefABCDEF")


def run_table(chars: Iterable[str]) -> bytes | None:
    """A `bytes.translate` table for `long_runs`: each of `chars` to `a`, every other byte to a
    space; None when one of them is not ASCII or is `?` (the stand-in for what latin-1 cannot
    encode), and the caller keeps its regex."""
    table = bytearray(b" " * 256)
    for c in chars:
        if len(c) != 1 or not c.isascii() or c == "?":
            return None
        table[ord(c)] = ord("a")
    return bytes(table)


def long_runs(text: str, table: bytes, n: int) -> list[tuple[int, int]]:
    """The (start, end) of each maximal run of at least `n` characters of `table`'s class in
    `text`: what `(?<![c])[c]{n,}` finds, about 5x faster over a report. `re` tries the class
    at every position and each short run (a word) again from each of its characters; here the
    text becomes one byte a character (latin-1, `?` for anything it cannot hold: never in the
    class) mapped to `a` or space, and C's substring search skips to each run of `n` `a`s."""
    mapped = text.encode("latin-1", "replace").translate(table)
    find, needle = mapped.find, b"a" * n
    out: list[tuple[int, int]] = []
    pos = 0
    while (start := find(needle, pos)) >= 0:
        end = find(b" ", start + n)
        end = len(mapped) if end < 0 else end
        out.append((start, end))
        pos = end
    return out


def _table(chars: Iterable[str]) -> bytes:
    table = run_table(chars)
    assert table is not None  # ASCII, no `?`
    return table


B64_TABLE = _table(B64_CHARS)
HEX_TABLE = _table(HEX_CHARS)


def hex_b64_quads() -> str:
    """A regex for 12 or more base64 quads that each encode three hex digits (either case): any
    base64 text holding a 40-hex token (at any alignment) holds such a stretch."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    hexdigits = b"0123456789abcdefABCDEF"
    # Each quad character depends on at most two of the three bytes: pairs, not triples
    # (10,648 iterations cost start-up ~3.5 ms once a 40-hex token was found).
    pos: list[set[str]] = [
        {alphabet[b0 >> 2] for b0 in hexdigits},
        {alphabet[((b0 & 3) << 4) | (b1 >> 4)] for b0 in hexdigits for b1 in hexdigits},
        {alphabet[((b1 & 15) << 2) | (b2 >> 6)] for b1 in hexdigits for b2 in hexdigits},
        {alphabet[b2 & 63] for b2 in hexdigits},
    ]
    quad = "".join(f"[{''.join(sorted(p))}]" for p in pos)
    return f"{quad}(?:{quad}){{11,}}"  # the first quad spelled out: 6x faster in `re`


@cache
def hex_b64_regex() -> re.Pattern[str]:
    """`hex_b64_quads` compiled once a run needs it (a strict redactor and every learned one)."""
    return re.compile(hex_b64_quads())


def b64_fragments(literal: bytes) -> list[str]:
    """The base64 characters fully determined by `literal` at each byte alignment, in both
    alphabets (what any base64 text holding `literal` must contain)."""
    import binascii  # not base64: its import costs start-up a millisecond

    out = []
    for k, (start, lost) in enumerate(((0, 0), (2, 4), (3, 2))):
        enc = binascii.b2a_base64(b"\0" * k + literal, newline=False).decode("ascii")
        n = (len(literal) * 8 - lost) // 6
        if n >= 4:
            std = enc[start : start + n]
            out += [std, std.replace("+", "-").replace("/", "_")]
    return out


def fragments_of(*values: str) -> set[str]:
    """Fragments of each of `values` as is and upper-cased (lower-case is how it was learned,
    or how the prefixes are issued), with `_` as is or percent-encoded (as the detector's
    keywords). Each distinct form is encoded once (a learned token's body has no `_`: one form
    instead of three; its upper case is its lower case's)."""
    forms = {v for value in values for v in (value, value.upper())}
    forms |= {f.replace("_", pct) for f in forms if "_" in f for pct in ("%5F", "%5f")}
    out: set[str] = set()
    for form in forms:
        out.update(b64_fragments(form.encode("utf-8", "surrogateescape")))
    return out


def trie_alternation(words: Iterable[str]) -> str:
    """A regex matching any of `words`, their common prefixes factored out (`ab(?:c|d)`).

    `re` tries an alternation's branches one by one at every position whose character may
    start one: over a 565 KB report, 108 base64 fragments cost 8.4 ms as `a|b|…`, 2.2 ms as a
    trie. Where a word is a prefix of another, the shorter may match: only where matches
    start is used (each grows to its whole run of base64), and the runs are the same.
    """
    trie: dict[str, Any] = {}
    for word in words:
        if not word:
            continue  # an empty word would match everywhere
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}  # a word ends here

    def build(node: dict[str, Any]) -> str:
        branches = [re.escape(ch) + build(node[ch]) for ch in sorted(node) if ch]
        if not branches:
            return ""
        if len(branches) == 1 and "" not in node:
            return branches[0]
        return "(?:" + "|".join(branches) + ")" + ("?" if "" in node else "")

    return build(trie)


@cache
def prefix_fragments() -> frozenset[str]:
    """Fragments of every token prefix (computed once, when first needed), also of the prefix
    percent-encoded character by character (base64 of `%67%68%70%5F…`), either hex case."""
    out: set[str] = set().union(*(fragments_of(p) for p in PREFIXES))
    for p in PREFIXES:
        for form in {p, p.upper()}:
            for hexcase in ("%{:02X}", "%{:02x}"):
                pct = "".join(hexcase.format(b) for b in form.encode("ascii"))
                out.update(b64_fragments(pct.encode("ascii")))
    # base64 of base64 (a Kubernetes secret holding a Docker config) or of hex: the fragments
    # of each prefix's fragments, or of its hex, as is or upper-cased; decoding then goes one
    # level deeper
    for p in PREFIXES:
        for form in {p, p.upper()}:
            for inner in b64_fragments(form.encode("ascii")):
                out.update(b64_fragments(inner.encode("ascii")))
            hexed = form.encode("ascii").hex()
            for inner in (hexed, hexed.upper()):
                out.update(b64_fragments(inner.encode("ascii")))
    return frozenset(out)


@cache
def prefix_trie() -> re.Pattern[str]:
    """Where base64 may hide a prefixed token: one regex of all the prefixes' fragments, built
    once a run (every redactor of the run shares it)."""
    return re.compile(trie_alternation(prefix_fragments()))


@cache
def hex_prefixes() -> tuple[re.Pattern[str], ...]:
    """Where hex text may hide a prefixed token: the hex of a prefix as is or upper-cased, in
    either hex case (`6768705f`, `4748505F`). Two regexes, each starting with a literal (`676`,
    `474`) that `re` skips to: a quarter of the cost of one regex over a report."""

    def either_case(regex: str) -> str:  # a trie of hex digits: its only letters are digits
        return re.sub("[a-f]", lambda m: f"[{m.group()}{m.group().upper()}]", regex)

    out = []
    for forms in (set(PREFIXES), {p.upper() for p in PREFIXES}):
        hexes = {form.encode("ascii").hex() for form in forms}
        lead = {h[:3] for h in hexes}.pop()  # `g` is 67, `G` is 47, and all start `gh`/`GH`
        out.append(re.compile(lead + either_case(trie_alternation(h[3:] for h in hexes))))
    return tuple(out)


def escape_length(text: str, at: int) -> int:
    """How many characters from `at` belong to a backslash escape that starts just before it:
    `u` and four hex digits, `x` and two, or one (`n`, `t`, …); 0 when no backslash is there."""
    if at == 0 or text[at - 1] != "\\" or at >= len(text):
        return 0
    return {"u": 5, "x": 3}.get(text[at], 1)


def runs(text: str, hits: list[int], chars: frozenset[str]) -> list[tuple[int, int]]:
    """The maximal runs of `chars` holding the positions `hits` (each run once, in order)."""
    out: list[tuple[int, int]] = []
    done = 0
    for pos in sorted(hits):
        if pos < done:
            continue
        start = pos
        while start > done and text[start - 1] in chars:
            start -= 1
        end = pos
        while end < len(text) and text[end] in chars:
            end += 1
        out.append((start, end))
        done = end
    return out


def b64_decodings(run: str) -> list[str]:
    """`run` decoded from each of its four character offsets (latin-1 text of the bytes)."""
    import base64
    import binascii

    std = run.replace("-", "+").replace("_", "/")
    out = []
    for k in range(4):
        chunk = std[k:]
        if len(chunk) % 4 == 1:
            chunk = chunk[:-1]  # one character more than whole bytes: it carries no byte
        if len(chunk) < 8:
            continue
        try:
            out.append(base64.b64decode(chunk + "=" * (-len(chunk) % 4)).decode("latin-1"))
        except (binascii.Error, ValueError):
            continue
    return out


def hex_decodings(run: str) -> list[str]:
    """`run` (hex digits) decoded from each of its two digit offsets (latin-1 text)."""
    out = []
    for k in range(2):
        chunk = run[k:]
        chunk = chunk[: len(chunk) - len(chunk) % 2]
        if len(chunk) >= 16:
            out.append(bytes.fromhex(chunk).decode("latin-1"))
    return out
