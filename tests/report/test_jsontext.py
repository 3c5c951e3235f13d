"""The JSON reports' writer: byte for byte what `json.dump(clean_data(...), indent=2,
sort_keys=True, ensure_ascii=False)` writes, for any data, hostile strings included."""

from __future__ import annotations

import io
import json
from enum import IntEnum
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from patlint.report.common import clean_data
from patlint.report.jsontext import dump, dumps


def reference(data: Any) -> str:
    return json.dumps(clean_data(data), indent=2, sort_keys=True, ensure_ascii=False)


# Any text: lone surrogates (undecodable file names), control characters, quotes, backslashes,
# non-ASCII letters and characters beyond the BMP.
texts = st.text(st.characters(codec=None, min_codepoint=0, max_codepoint=0x10FFFF))
scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | texts
)
documents = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(texts, inner, max_size=5),
    max_leaves=40,
)


@settings(max_examples=400, deadline=None)
@given(documents)
@example({"k\udc80": ["a\ud800", 3, None], "k\\x80": 1})  # two keys clean to one, as clean_data
@example({"b": {}, "a": [], "c": [[{}]], "é": '\u2028\x00"\\'})
@example([1.5, -0.0, 1e300, float("nan"), float("inf"), -float("inf"), 2**70, True, False])
def test_same_text_as_the_standard_library(data: Any) -> None:
    assert dumps(data) == reference(data)


class Level(IntEnum):
    HIGH = 3


def test_subclasses_and_tuples_are_written_as_json_writes_them() -> None:
    data = {"level": Level.HIGH, "pair": ("x", 2), "nested": {"t": ()}}
    assert dumps(data) == reference(data)
    assert '"level": 3' in dumps(data)


def test_what_json_refuses_is_refused_the_same_way() -> None:
    with pytest.raises(TypeError, match="not JSON serializable"):
        dumps({"a": [object()]})
    # keys that are not strings: json's own conversion rules, through the fallback
    assert dumps({1: "x", 2: None}) == reference({1: "x", 2: None})
    with pytest.raises(TypeError):  # mixed key types cannot be sorted: json's error too
        dumps({1: "x", "2": None})


def test_dump_writes_one_line_ending() -> None:
    stream = io.StringIO()
    dump({"a": ["\udcff"]}, stream)
    assert stream.getvalue() == '{\n  "a": [\n    "\\\\xff"\n  ]\n}\n'
    stream.getvalue().encode("utf-8")  # valid UTF-8 text, surrogate cleaned


def test_a_large_report_is_written_in_chunks_with_the_same_text() -> None:
    data = {"tokens": [{"path": f"dir/{i}\udcff", "n": i, "ok": [True, None]} for i in range(5000)]}
    stream = io.StringIO()
    dump(data, stream)
    assert stream.getvalue() == reference(data) + "\n"
