"""`--history`: the git history source (sources/history/) read with the engine's blob scanner."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import BinaryIO

from patlint.detectors.pattern import Detector
from patlint.engine.filescan import (
    PRECHECK_MIN_FILES,
    FileResult,
    scan_stream,
    scan_structured,
)
from patlint.engine.names import NameScan
from patlint.model import Candidate, Rule, Skip
from patlint.sources.history.blobs import HistoryCollected, Progress, read_history
from patlint.sources.names import NameBatch
from patlint.sources.readers import READER_MAX_BYTES
from patlint.sources.readers.registry import may_have_readers, readers_for


class BlobScan:
    """Scans one blob as a file on disk is scanned: the detector over its bytes, plus the
    structured readers its first path picks."""

    def __init__(self, detector: Detector, *, max_size: int) -> None:
        self.detector = detector
        self.max_size = max_size
        self.blobs = 0
        self._names = NameScan(detector)

    def names(self, batch: NameBatch) -> list[tuple[Candidate, int]]:
        """The tokens in a batch of the history's paths (a path is a place, as in a tree
        scan), each with the index of the path it is in."""
        return self._names.search(batch)

    def __call__(self, stream: BinaryIO, path: str, shown: str, size: int) -> FileResult:
        """Scan `size` bytes of `stream`, shown as `shown` (see `BlobScanner`)."""
        detector, max_size = self.detector, self.max_size
        precheck = self.blobs >= PRECHECK_MIN_FILES  # its databases compiled once history is long
        self.blobs += 1
        readers = (
            readers_for(path)
            if path and size <= READER_MAX_BYTES and may_have_readers(path)
            else []
        )
        if not readers:
            return scan_stream(stream, shown, detector, max_size=max_size, precheck=precheck)
        try:
            data = stream.read(size)
        except OSError as exc:
            return FileResult(skip=Skip(shown, "read-error", str(exc)))
        if all(getattr(r, "text_derived", False) for r in readers):
            # e.g. a workflow: the reader only re-labels the file's own hits, and what it says
            # without any is about the file's configuration, which history does not report
            # (`history_places`); most versions of most workflows hold no token
            res = scan_stream(io.BytesIO(data), shown, detector, max_size=max_size)
            if not res.candidates:
                return res
        return scan_structured(data, shown, None, detector, readers, max_size=max_size)


def collect_history(
    repo: str,
    rules: Sequence[Rule],
    *,
    max_file_size: int,
    exclude: Sequence[str] = (),
    since: str | None = None,
    rev_range: str | None = None,
    progress: Progress | None = None,
) -> HistoryCollected:
    """Scan every unique blob in the history of `repo` once with `rules` and attribute hits to
    commits (`patlint.sources.history.blobs.read_history`)."""
    scan = BlobScan(Detector(rules), max_size=max_file_size)
    return read_history(
        repo,
        scan,
        max_file_size=max_file_size,
        exclude=exclude,
        since=since,
        rev_range=rev_range,
        progress=progress,
    )
