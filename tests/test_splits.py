"""patlint/splits.py: where echoed text splits a token, and mapping a change back."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from patlint.redaction import Redactor
from patlint.splits import common_length, split_span, split_stretches


def parts(text: str) -> list[list[str]]:
    return [[text[lo:hi] for lo, hi in spans] for spans in split_stretches(text)]


SPLITTERS = ["\n", "\r\n", "\n      ", "\u200b", "\ufeff\u200d", "\\n", "\\x0a", "\\u200b"]
SPLITTERS += ["\\x200b", "%0A", "%e2%80%8b", "&#10;", "&#x200B;"]


@pytest.mark.parametrize("splitter", SPLITTERS)
def test_each_splitter_cuts_a_stretch_in_parts(splitter: str) -> None:
    assert parts(f"name: abc{splitter}def{splitter}ghi: x") == [["abc", "def", "ghi"]]


def test_what_splits_nothing_is_no_stretch() -> None:
    json_lines = '{\n  "a": "b",\n  "c": 1\n}\n'
    assert parts(json_lines) == []
    assert parts("word \u200b word") == []  # nothing on one side


def test_split_span_keeps_the_splitters_outside_the_change() -> None:
    text = "x abc\ndef\nghi y"
    [spans] = split_stretches(text)
    joined = "".join(text[lo:hi] for lo, hi in spans)
    assert joined == "abcdefghi"
    # a change of "cdefg" (joined 2..7): the first splitter is inside it, the second too
    start, end = split_span(spans, 2, 7)
    assert text[start:end] == "c\ndef\ng"
    # a change starting at a part's end keeps the splitter before it, one ending there after
    start, end = split_span(spans, 3, 6)
    assert (text[:start], text[end:]) == ("x abc\n", "\nghi y")
    assert common_length("abcdef", "abcxyz") == 3 and common_length("", "a") == 0


@pytest.mark.parametrize("unit", ["a\u200b", "a\n", "a\\n", "a%0A", "a&#10;", "ab\n  "])
def test_hostile_splitting_costs_about_linear_time(unit: str) -> None:
    """Half a megabyte of splitters between single characters: one stretch, redacted joined
    once (no retry per position, no nesting)."""
    text = unit * (500_000 // len(unit))
    started = time.perf_counter()
    assert len(split_stretches(text)) == 1
    Redactor()(text)
    assert time.perf_counter() - started < 5


def test_a_summary_line_compiles_only_the_splitters_it_holds(tmp_path: Path) -> None:
    """The splitter regexes (~0.75 ms each) are compiled when a text first holds their first
    character, not at import: a clean scan that prints only its (wrapped) summary line, the
    pre-commit hook's output, compiles the line break's alone."""
    code = (
        "import sys\nfrom patlint.cli import main\nimport patlint.splits as s\n"
        "try:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
        "print('compiled:', s._split_at.cache_info().currsize, file=sys.stderr)\n"
    )
    (tmp_path / "clean.py").write_text("print('hello')\n")
    argv = [sys.executable, "-c", code, "scan", "--offline", "--no-progress", "clean.py"]
    res = subprocess.run(argv, capture_output=True, text=True, check=False, cwd=tmp_path)
    assert res.stderr.strip().splitlines()[-1] == "compiled: 1"
