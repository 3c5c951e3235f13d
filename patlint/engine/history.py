"""`--history`: the git history source (sources/history/) read with the engine's blob scanner."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, BinaryIO, cast

from patlint.detectors.pattern import Detector
from patlint.engine.filescan import (
    PRECHECK_MIN_FILES,
    FileResult,
    scan_buffer,
    scan_stream,
    scan_structured,
)
from patlint.engine.names import NameScan
from patlint.model import Candidate, Rule, Skip
from patlint.sources.archives import HEAD, kind_of
from patlint.sources.history.blobs import HistoryCollected, Progress, read_history
from patlint.sources.names import NameBatch
from patlint.sources.readers import READER_MAX_BYTES
from patlint.sources.readers.registry import may_have_readers, readers_for
from patlint.sources.reading import Prefixed
from patlint.sources.transcode import sniff

if TYPE_CHECKING:
    from patlint.catalog.ruleset import RuleSet
    from patlint.engine.run import Resolver, ScanOptions
    from patlint.model import ScanResult

ARCHIVE_IN_MEMORY = 64 << 20  # an archive blob is opened in memory (zipfile seeks) up to this


class BlobScan:
    """Scans one blob as a file on disk is scanned: the detector over its bytes, plus the
    structured readers its first path picks, or the members of an archive (`archives`)."""

    def __init__(self, detector: Detector, *, max_size: int, archives: bool = True) -> None:
        self.detector = detector
        self.max_size = max_size
        self.archives = archives
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
        if self.archives and size >= 4:
            try:
                head = stream.read(min(size, HEAD))
            except OSError as exc:
                return FileResult(skip=Skip(shown, "read-error", str(exc)))
            if kind_of(head) is not None:
                return self._archive(head, stream, shown, size)
            stream = cast(BinaryIO, Prefixed(head, stream))
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
        searched = None
        if sniff(data) is None and all(getattr(r, "text_derived", False) for r in readers):
            # e.g. a workflow: the reader only re-labels the file's own hits, and what it says
            # without any is about the file's configuration, which history does not report
            # (`history_places`); most versions of most workflows hold no token. Those that
            # do go to the reader with the hits already found: the blob is searched once.
            searched = scan_buffer(data, shown, detector)
            if not searched[0].candidates:
                return searched[0]
        return scan_structured(
            data, shown, None, detector, readers, max_size=max_size, searched=searched
        )

    def _archive(self, head: bytes, stream: BinaryIO, shown: str, size: int) -> FileResult:
        """An archive in history: its bytes and its members, as in a tree scan; one larger than
        ARCHIVE_IN_MEMORY is scanned as bytes, with a skip saying its members were not read."""
        from patlint.engine.filescan import scan_data

        detector, max_size = self.detector, self.max_size
        if size > ARCHIVE_IN_MEMORY:
            whole = cast(BinaryIO, Prefixed(head, stream))
            res = scan_stream(whole, shown, detector, max_size=max_size)
            res.partial.append(
                Skip(
                    shown, "archive-too-large", f"over {ARCHIVE_IN_MEMORY} bytes: members not read"
                )
            )
            return res
        try:
            data = head + stream.read(size - len(head))
        except OSError as exc:
            return FileResult(skip=Skip(shown, "read-error", str(exc)))
        return scan_data(data, shown, detector, max_size=max_size)


def collect_history(
    repo: str,
    rules: Sequence[Rule],
    *,
    max_file_size: int,
    exclude: Sequence[str] = (),
    since: str | None = None,
    rev_range: str | None = None,
    progress: Progress | None = None,
    archives: bool = True,
) -> HistoryCollected:
    """Scan every unique blob in the history of `repo` once with `rules` and attribute hits to
    commits (`patlint.sources.history.blobs.read_history`)."""
    scan = BlobScan(Detector(rules), max_size=max_file_size, archives=archives)
    return read_history(
        repo,
        scan,
        max_file_size=max_file_size,
        exclude=exclude,
        since=since,
        rev_range=rev_range,
        progress=progress,
    )


def scan_history(
    root: str,
    ruleset: RuleSet,
    options: ScanOptions,
    *,
    resolver: Resolver | None,
    progress: Progress | None,
    since: str | None,
    rev_range: str | None,
) -> ScanResult:
    """`scan --history`: every blob in the repository's history once, then the shared
    pipeline (resolve, judge) as a tree scan."""
    from patlint.engine.run import Collected, finish

    hist = collect_history(
        root,
        ruleset.detectors,
        max_file_size=options.max_file_size,
        exclude=options.walk.exclude,
        since=since,
        rev_range=rev_range,
        progress=progress,
        archives=options.archives,
    )
    collected = Collected(candidates=hist.candidates, places=hist.places, stats=hist.stats)
    return finish(collected, ruleset, options, resolver=resolver)
