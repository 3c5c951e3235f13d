"""What every CI platform module shares: the file being read and the findings it collects."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from patlint.model import Context, Location, PlaceFinding, Secret, Severity
from patlint.sources.readers.ci.yamldoc import Doc, Path, format_path
from patlint.suppress import suppression_at

FILE_TYPE = "ci-yaml"
USAGE = "ci"

# How a leaked secret got out, as the end of a finding message.
LEAK_WORDS = {
    "log": "is printed to the job log; log masking misses it as soon as the value is "
    "transformed, so pass it to the command through an environment variable or stdin",
    "encoded-log": "is printed to the job log in encoded form, which log masking does not catch",
    "file": "is written to {target}; later steps, caches and artifacts can carry it off",
    "github-env": "is written to $GITHUB_ENV, so every later step of the job gets it in its "
    "environment (and any action there can read it)",
    "github-output": "is written to $GITHUB_OUTPUT; step outputs are not secrets and reach "
    "logs and other jobs",
    "step-summary": "is written to the job summary, which everyone who can read the run sees",
}


@dataclass(slots=True)
class CiFile:
    """One CI file being read: its shown path, bytes, parsed document and collected findings."""

    rel: str
    data: bytes
    doc: Doc
    platform: str
    places: list[PlaceFinding] = field(default_factory=list)
    _byte_lines: list[int] = field(default_factory=list)
    _seen: set[tuple[str, int, int]] = field(default_factory=set)

    def byte_offset(self, index: int) -> int:
        """Byte offset in the file of a character index."""
        if not self._byte_lines:
            self._byte_lines = [0]
            pos = self.data.find(b"\n")
            while pos >= 0:
                self._byte_lines.append(pos + 1)
                pos = self.data.find(b"\n", pos + 1)
        line, _col = self.doc.where(index)
        line_start_char = self.doc.line_starts[line - 1]
        base = self._byte_lines[min(line - 1, len(self._byte_lines) - 1)]
        return base + len(self.doc.text[line_start_char:index].encode("utf-8", "replace"))

    def location(self, index: int, note: str = "") -> Location:
        """A Location (1-based line/column) for a character index."""
        line, column = self.doc.where(index)
        return Location(self.rel, line, column, self.byte_offset(index), note=note)

    def context(self, path: Path | None) -> Context:
        """The Context findings in this file carry: ci-yaml, the YAML path, usage ci."""
        return Context(
            file_type=FILE_TYPE, key=format_path(path) if path is not None else None, usage=USAGE
        )

    def add(
        self,
        rule_id: str,
        message: str,
        index: int,
        path: Path | None,
        *,
        secret: Secret | None = None,
        severity: Severity | None = None,
        suppress: str | None = None,
    ) -> None:
        """Record a place finding at a character index (one per rule and position)."""
        key = (rule_id, index, id(secret))
        if key in self._seen:
            return
        self._seen.add(key)
        loc = self.location(index)
        if suppress is None:
            suppress = suppression_at(self.data, loc.offset or 0)
        self.places.append(
            PlaceFinding(
                rule_id=rule_id,
                message=message,
                location=loc,
                secret=secret,
                context=self.context(path),
                severity=severity,
                suppress=suppress,
            )
        )

    def at_node(self, node: Any) -> int:
        """Character index where a node starts."""
        return self.doc.index_of(node.start_mark)

    def in_value(self, node: Any, offset: int) -> int:
        """Character index of character `offset` of a scalar's value (block scalars included)."""
        return self.doc.value_index(node, offset)
