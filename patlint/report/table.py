"""tabulate's default ("simple") table, laid out here when the cells are plain text.

Importing tabulate costs ~15 ms (it asks importlib.metadata for its own version), more than a
pre-commit hook spends on its scan. The "simple" layout of plain cells is short: each column as
wide as its widest stripped cell or its header plus two, cells flush left, two spaces between,
a dashed line under the headers, trailing spaces cut. Plain means tabulate would read the cell
as text, not a number, and measures it as one column per character with or without wcwidth
(printable Latin-1 and the "…" of token previews). Any other table goes to tabulate itself;
tests/report/test_table.py checks the two agree.
"""

from __future__ import annotations

from collections.abc import Sequence

# Besides digits and spaces, what float(), int() or tabulate's "1,000.5" may contain
# (signs, points, separators, exponents, inf, infinity, nan).
_NUMERIC_CHARS = frozenset("+-._,eEiInNfFaAtTyY")


def _plain(cell: str) -> bool:
    return cell.isprintable() and all(c <= "\xff" or c == "…" for c in cell)


def _text(cell: str) -> bool:
    """tabulate types this cell as text: not empty, not True/False, not a number."""
    return cell not in ("True", "False") and any(
        not (c.isdecimal() or c.isspace() or c in _NUMERIC_CHARS) for c in cell
    )


def _left_aligned(column: Sequence[str]) -> bool:
    """tabulate aligns this column left, as text (a column of numbers is aligned on the point)."""
    return any(_text(c) for c in column) or all(c in ("", "True", "False") for c in column)


def simple_table(rows: Sequence[Sequence[str]], headers: Sequence[str]) -> str:
    """The text of `tabulate(rows, headers=headers)`."""
    n = len(headers)
    if not (
        rows
        and n
        and all(len(r) == n for r in rows)
        and all(_plain(h) and h == h.strip() for h in headers)
        and all(_plain(c) for r in rows for c in r)
        and all(_left_aligned([r[i] for r in rows]) for i in range(n))
    ):
        from tabulate import tabulate

        return tabulate([list(r) for r in rows], headers=list(headers))
    cells = [[c.strip() for c in r] for r in rows]
    widths = [max(len(h) + 2, *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]

    def line(row: Sequence[str]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()

    return "\n".join([line(headers), line(["-" * w for w in widths]), *map(line, cells)])
