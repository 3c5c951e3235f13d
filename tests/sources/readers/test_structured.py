"""The helpers every structured reader shares (patlint/sources/readers/structured.py): byte
offsets to lines and columns, finding a value where it is written, the notice for a file that
cannot be parsed, the strings of parsed data (bounded), and host names as the readers compare
them. Their input is a credential file's contents: hostile."""

from __future__ import annotations

from typing import Any

import pytest

from patlint.model import Context
from patlint.sources.readers.structured import (
    Locator,
    cannot_parse,
    decoded_strings,
    find_on_line,
    iter_lines,
    line_col,
    normalize_host,
)


def test_lines_keep_byte_offsets_and_undecodable_bytes() -> None:
    data = b"one\r\nt\xffwo\n\nlast"
    lines = list(iter_lines(data))
    assert [offset for offset, _ in lines] == [0, 5, 10, 11]
    assert [text for _, text in lines] == ["one", "t\udcffwo", "", "last"]
    assert data[lines[3][0] :] == b"last"


def test_line_and_column_count_characters_not_bytes() -> None:
    data = "a\nnäme=ghp\n".encode()
    at = data.index(b"ghp")
    assert line_col(data, at) == (2, 6)  # "näme=" is 5 characters, 6 bytes
    assert line_col(data, 0) == (1, 1)
    assert line_col(data, len(data)) == (3, 1)


def test_find_on_line_stays_on_its_line() -> None:
    data = b"user=alice\npassword=secret\n"
    assert find_on_line(data, "alice", 0) == 5
    assert find_on_line(data, "secret", 0) is None  # on the next line: not this one
    assert find_on_line(data, "secret", 11) == 20
    assert find_on_line(data, "", 0) is None


def test_the_locator_gives_each_duplicate_its_own_place() -> None:
    data = b"a=tok\nb=tok\nc=tok\n"
    loc = Locator(data)
    assert [loc.find("tok") for _ in range(3)] == [2, 8, 14]
    assert loc.find("tok") == 2  # past the last: from the start again
    assert loc.find("absent") is None and loc.find("") is None
    # a JSON "\udcff" is a lone surrogate: found as the undecodable byte it stands for
    assert Locator(b"x \xff y").find("\udcff") == 2
    assert Locator(data).find("tok", near=7) == 8


def test_cannot_parse_redacts_before_it_cuts_and_folds_whitespace(token: Any) -> None:
    secret = token("ghp")
    for lead in range(180, 200):  # every cut that would fall inside the token
        notice = cannot_parse("gh/hosts.yml", "x" * lead + " " + secret)
        assert secret[:6] not in notice, lead
        assert notice.startswith("cannot parse gh/hosts.yml: ")
        assert notice.endswith(", scanned as text")
    assert (
        cannot_parse("a", "line 1\n\tcolumn  2")
        == "cannot parse a: line 1 column 2, scanned as text"
    )


def test_decoded_strings_walks_keys_and_values_in_order_and_is_bounded() -> None:
    ctx = Context(file_type="json")
    doc = {"short": "tiny", "a-long-key": ["value-one", {"nested-key": "value-two"}], "n": 12345678}
    got = [d.text for d in decoded_strings(doc, ctx)]
    assert got == ["a-long-key", "value-one", "nested-key", "value-two"]
    notices: list[str] = []
    many = {"k": [f"value-{i:04}" for i in range(50)]}
    out = decoded_strings(many, ctx, limit=10, rel="big.json", notices=notices)
    assert [d.text for d in out] == [f"value-{i:04}" for i in range(10)]
    assert notices == [
        "big.json: more than 10 strings; the escaped text of the rest was not searched "
        "(its plain text was)"
    ]


def test_decoded_strings_of_deep_data_do_not_recurse() -> None:
    deep: Any = "the-bottom-value"
    for _ in range(100_000):  # deeper than Python's recursion limit
        deep = [deep]
    assert [d.text for d in decoded_strings(deep, Context())] == ["the-bottom-value"]


@pytest.mark.parametrize(
    ("value", "host"),
    [
        ("https://ghcr.io/v2/", "ghcr.io"),
        ("//npm.pkg.github.com/", "npm.pkg.github.com"),
        ("GitHub.com.", "github.com"),
        ("https://user:pass@git.example.com/x", "git.example.com"),
        ("  https://a@b@evil.example/x  ", "evil.example"),
        ("ghcr.io:443", "ghcr.io:443"),
    ],
)
def test_normalize_host(value: str, host: str) -> None:
    assert normalize_host(value) == host
