"""Structured readers: understand a known file (Docker config, .git-credentials, a workflow…).

A reader sees the whole file once (after the text detectors ran on it) and returns tokens with a
richer context (host, usage, key) and facts about the place itself (`PlaceFinding`: a
world-readable credential file, `permissions: write-all` in a workflow, an unparsable file).
Readers are registered explicitly in `patlint.sources.readers.registry.REGISTRY`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Protocol

from patlint.detectors.pattern import Detector
from patlint.model import Candidate, Context, PlaceFinding

READER_MAX_BYTES = 8 << 20  # larger files get the text detectors only


@dataclass(frozen=True, slots=True)
class Decoded:
    """A key, name or value as the reader decoded it (a JSON `\\u0067`, a YAML `"\\x67"`, an
    XML `&#103;`): the text detectors saw it only escaped, so `scan_structured` scans it."""

    text: str
    context: Context
    offset: int | None = None  # byte offset where it is written, when the parser says


@dataclass(slots=True)
class ReaderOutput:
    """What a reader learned from one file."""

    candidates: list[Candidate] = field(default_factory=list)
    places: list[PlaceFinding] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    decoded: list[Decoded] = field(default_factory=list)  # keys and names too: tokens as well


class FileReader(Protocol):
    """A structured reader for one kind of file."""

    name: str

    def matches(self, rel: str) -> bool:
        """Cheap test on the shown path (POSIX separators, may start with `~/`)."""

    def read(
        self,
        data: bytes,
        rel: str,
        st: os.stat_result | None,
        detector: Detector,
        text_candidates: list[Candidate],
    ) -> ReaderOutput:
        """Parse `data`; never raise on malformed input (report it as a PlaceFinding or notice).

        `st` is the file's stat, for permission checks; None when there is no file behind
        `data` (a blob from git history): then no permission-based place finding is made.
        """
