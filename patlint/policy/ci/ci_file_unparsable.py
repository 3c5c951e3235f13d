"""`ci-file-unparsable`: a CI file that is not YAML (or not UTF-8), at the parser's mark."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from patlint.model import Candidate, Context, Location, PlaceFinding
from patlint.sources.readers.ci.common import FILE_TYPE, USAGE
from patlint.sources.readers.ci.model import CiModel
from patlint.suppress import suppression_at

RULE_ID = "ci-file-unparsable"


def check(ci: CiModel, found: Sequence[Candidate]) -> Iterator[PlaceFinding]:
    """One finding where parsing stopped (line 1 when the parser did not say)."""
    failure = ci.failure
    if failure is None:
        return
    line, column = failure.line or 1, failure.column or 1
    offset = _line_offset(ci.data, line) + max(column - 1, 0)
    yield PlaceFinding(
        rule_id=RULE_ID,
        message=f"cannot parse CI file: {failure.reason}; only the text detectors ran on it",
        location=Location(ci.rel, line, column, offset),
        secret=None,
        context=Context(file_type=FILE_TYPE, usage=USAGE),
        suppress=suppression_at(ci.data, offset),
    )


def _line_offset(data: bytes, line: int) -> int:
    pos = 0
    for _ in range(line - 1):
        nxt = data.find(b"\n", pos)
        if nxt < 0:
            return pos
        pos = nxt + 1
    return pos
