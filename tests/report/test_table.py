"""report/table.py lays out plain tables exactly as tabulate does, and leaves the rest to it."""

from __future__ import annotations

import random
import sys

import pytest
from tabulate import tabulate

from patlint.report.table import simple_table

HEADERS = ["SEVERITY", "RULE", "TOKEN", "WHERE", "CONTEXT", "MESSAGE"]
REPORT_ROWS = [
    [
        "high",
        "github-classic-pat",
        "ghp_…TFCG",
        "src/mod3.py:77:13",
        "GH_TOKEN",
        "GitHub classic personal access token ghp_…TFCG found",
    ],
    [
        "critical",
        "plaintext-credential-store",
        "github_pat_…a9Zq",
        "~/.docker/config.json:4:20 (+2 more)",
        "",
        "Token stored in plain text; café / naïve ¿¡ paths",
    ],
    ["low", "github-token-checksum-invalid", "gho_…0000", "1:2:3", "", "  padded  "],
]

# Cells built from these pieces cover numbers (int, float, 1,000, exponents, inf/nan), bools,
# empty cells, padding and Latin-1 (laid out here unless a column is all numbers) ...
PLAIN = [
    "",
    " ",
    "0",
    "7",
    "12",
    "-3",
    "+4.5",
    "1,000",
    "1e5",
    "E",
    "inf",
    "nan",
    "Infinity",
    "_",
    ".",
    ",",
    "True",
    "False",
    "x",
    "ghp_…9xQ2",
    "a-b",
    "é",
    "ß",
    "¿",
    "²",
    "~/.x:1:2",
]
# ... and unicode digits, wide and combining characters, odd spaces, escapes and newlines.
ODD = ["\xa0", "\xad", "١٢", "漢字", "e\u0301", "\x1b[31m", "\n", "\t", "\x01"]


def _cell(rng: random.Random, pieces: list[str]) -> str:
    return "".join(rng.choice(pieces) for _ in range(rng.choice([1, 1, 1, 2, 3])))


def test_report_rows_are_laid_out_without_tabulate(monkeypatch: pytest.MonkeyPatch) -> None:
    for rows in (REPORT_ROWS, REPORT_ROWS[:1], [REPORT_ROWS[2]]):
        expected = tabulate(rows, headers=HEADERS)
        monkeypatch.setitem(sys.modules, "tabulate", None)  # importing it now fails
        assert simple_table(rows, HEADERS) == expected
        monkeypatch.undo()


def test_same_text_as_tabulate_for_any_cells() -> None:
    rng = random.Random(7)
    for i in range(4000):
        pieces = PLAIN if i % 2 else PLAIN + ODD
        ncols = rng.randint(1, 4)
        names = ["A", "RULE", "x y", "1", "é"] + (["", " pad ", "漢"] if i % 4 == 0 else [])
        headers = [rng.choice(names) for _ in range(ncols)]
        rows = [[_cell(rng, pieces) for _ in range(ncols)] for _ in range(rng.randint(1, 4))]
        assert simple_table(rows, headers) == tabulate(rows, headers=headers), (rows, headers)


def test_numbers_and_odd_cells_still_go_to_tabulate(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "tabulate", None)
    for rows in ([["1"], ["2.5"]], [["漢"]], [["a\nb"]], [["\x1b[31mred"]], [["1,000"], [""]]):
        with pytest.raises(ImportError):
            simple_table(rows, ["H"])
