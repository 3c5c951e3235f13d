"""The load-time guard for custom patterns (trusted places only, with the time budget behind
it): bounded repeats that add up to a loop are checked as loops, bounded repeats in a row that
split the same text many ways are refused, and the guard's own cost stays about linear in the
pattern (a long pattern is refused before it is walked)."""

from __future__ import annotations

import time

import pytest

from patlint.catalog.rules import backtracking_risk
from tests.detectors.test_properties import A40, _runs_longer_than


@pytest.mark.parametrize(
    ("pattern", "why"),
    [
        (
            r"((?:a|a){8}(?:a|a){8}(?:a|a){8}(?:a|a){8}!)",
            "alternatives that can both match nothing, inside a repeat",
        ),
        (r"((?:(?:a|a){1,8}){1,8})!", "a variable repeat inside a repeat"),
        (r"((?:a{1,8}){1,8}){1,8}!", "a variable repeat inside a repeat"),
        (r"(.{0,1000}.{0,1000}.{0,1000}!)", "bounded repeats in a row whose text overlaps"),
    ],
)
def test_bounded_repeats_that_multiply_are_refused(pattern: str, why: str) -> None:
    assert _runs_longer_than(pattern, b"a" * 1000, 0.3)  # each really is slow on 1,000 a's
    risk = backtracking_risk(pattern)
    assert risk is not None and risk.startswith(why), risk


@pytest.mark.parametrize(
    "pattern",
    [
        r"((?:a|a){1,3}!)",
        r"(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})",
        r"(https?://[a-z]{1,20}:[A-Za-z0-9]{1,40}@)",
        r"((?:[a-z]{1,2}\.){3}x)",
        r"(\w*\w*x)",  # unbounded and polynomial: left to the time budget
    ],
)
def test_ordinary_bounded_repeats_pass(pattern: str) -> None:
    assert backtracking_risk(pattern) is None
    assert not _runs_longer_than(pattern, A40 * 3, 0.3)


def test_the_guard_is_cheap_on_long_patterns_and_refuses_longer_ones() -> None:
    for pattern, refused in (
        ("(x" + r"\b" * 2000 + "y)", False),  # 2,000 items that can match nothing
        ("(x" + "a?" * 2000 + ")", True),  # a?a?a?…: the classic exponential one
        ("(x" + "(?:a?b)" * 580 + ")", False),
    ):
        start = time.perf_counter()
        risk = backtracking_risk(pattern)
        assert time.perf_counter() - start < 0.25, pattern[:20]
        assert (risk is not None) is refused, risk
    start = time.perf_counter()
    assert backtracking_risk("(x" + "a?" * 8000 + ")") == "longer than 4096 characters"
    assert time.perf_counter() - start < 0.05
