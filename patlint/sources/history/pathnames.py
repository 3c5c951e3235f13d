"""The paths a history listing names, searched as names (a path can hold a token too, as in a
tree scan): in batches, each hit joined to the hits of the blob its path names."""

from __future__ import annotations

from typing import Any, Protocol, cast

from patlint.model import Candidate
from patlint.sources.history.attribution import _Hit
from patlint.sources.names import BATCH as NAME_BATCH
from patlint.sources.names import NameBatch


class PathScanner(Protocol):
    """A `BlobScanner` that also searches paths as names (`names`): optional."""

    def names(self, batch: NameBatch) -> list[tuple[Candidate, int]]:
        """The tokens in a batch of paths, each with the index of the path it is in."""


class PathNames:
    """The paths the listing names, searched as names in batches (when the scanner can):
    a hit joins the hits of the blob its path names (see `_place`)."""

    def __init__(self, scan: Any) -> None:
        self.scanner = cast("PathScanner | None", scan if hasattr(scan, "names") else None)
        self.paths: list[str] = []
        self.oids: list[str] = []
        self.found: list[tuple[Candidate, str]] = []

    def add(self, path: str, oid: str) -> None:
        if self.scanner is None:
            return
        self.paths.append(path)
        self.oids.append(oid)
        if len(self.paths) >= NAME_BATCH:
            self._flush()

    def _flush(self) -> None:
        if self.scanner is not None and self.paths:
            for candidate, i in self.scanner.names(NameBatch.of(self.paths)):
                self.found.append((candidate, self.oids[i]))
        self.paths, self.oids = [], []

    def into(self, hits: dict[str, _Hit]) -> dict[str, _Hit]:
        """`hits` with the name hits found so far added."""
        self._flush()
        for candidate, oid in self.found:
            hit = hits.get(oid)
            if hit is None:
                hits[oid] = hit = _Hit(candidate.location.path, [], [])
            hit.candidates.append(candidate)
        self.found = []
        return hits
