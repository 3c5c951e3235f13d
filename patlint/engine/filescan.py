"""Scan one file once (in overlapping chunks when large): the detector over its bytes, then what
its structured readers learned, joined (engine/readings.py). The reading itself is in
sources/reading.py."""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import BinaryIO

from patlint.detectors.pattern import Detector, Hit
from patlint.model import Candidate, Context, Location, PlaceFinding, Secret, Skip
from patlint.sources.readers import READER_MAX_BYTES, FileReader
from patlint.sources.reading import (
    OPEN_FLAGS,
    Lines,
    looks_binary,
    open_regular,
    read_chunk,
    read_fd,
)

CHUNK = 8 << 20  # bytes read and scanned at once
OVERLAP = 16 << 10  # carried into the next chunk so no token (or base64 region) is cut in two
# Already-reported bytes also kept before the next chunk's first reportable offset: what the
# detector looks back at (a key before its value, `https://` before a legacy token, the start of
# a base64 run, a suppression comment earlier on the line) is then never cut off at a boundary.
LOOKBEHIND = 4 << 10


@dataclass(slots=True)
class FileResult:
    """What scanning one file produced."""

    candidates: list[Candidate] = field(default_factory=list)
    bytes_read: int = 0
    skip: Skip | None = None
    scanned: bool = False
    places: list[PlaceFinding] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    # custom rules that ran out of their time budget on this file (a notice each)
    timeouts: list[str] = field(default_factory=list)
    # scanned, but not all of it: too many tokens, too much encoded text (incomplete)
    partial: list[Skip] = field(default_factory=list)


def scan_path(path: str, rel: str, detector: Detector, *, max_size: int) -> FileResult:
    """Scan the file at `path`, shown as `rel`."""
    opened = open_regular(path)
    if isinstance(opened, Skip):
        return FileResult(skip=Skip(rel, opened.reason, opened.detail))
    fd, st = opened
    if st.st_size > max_size:
        os.close(fd)
        return FileResult(
            skip=Skip(rel, "too-large", f"{st.st_size} bytes > limit {max_size} (--max-file-size)")
        )
    from patlint.sources.readers.registry import readers_for

    readers = readers_for(rel) if st.st_size <= READER_MAX_BYTES else []
    if not readers and st.st_size < CHUNK:
        # The common case: one os.read of the whole file, no file object, no chunk loop.
        try:
            data = read_fd(fd, st.st_size + 1)
        except OSError as exc:
            os.close(fd)
            return FileResult(skip=Skip(rel, "read-error", exc.strerror or str(exc)))
        if len(data) <= st.st_size:
            os.close(fd)
            return scan_bytes(data, rel, detector)
        os.lseek(fd, 0, os.SEEK_SET)  # it grew while we read: stream it from the start
    with os.fdopen(fd, "rb", buffering=0) as fh:
        if not readers:
            return scan_stream(fh, rel, detector, max_size=max_size)
        try:
            data = read_chunk(fh, READER_MAX_BYTES + 1)
        except OSError as exc:
            return FileResult(skip=Skip(rel, "read-error", exc.strerror or str(exc)))
    return scan_structured(data, rel, st, detector, readers, max_size=max_size)


PRECHECK_MIN_FILES = 200  # a scan of fewer files: compiling the pre-check costs more than it saves


def scan_paths(
    batch: Sequence[tuple[str, str]], detector: Detector, *, max_size: int, precheck: bool = True
) -> tuple[int, int, list[FileResult]]:
    """Scan many files: (files scanned clean, their bytes, every other result).

    `precheck=False` (a scan of a few files, PRECHECK_MIN_FILES) sends every file to the full
    detector: the pre-check's databases take ~5-30 ms to compile, more than a pre-commit run
    of ten files spends scanning; its answer never changes a result, only how fast it comes.

    The hot loop of a tree scan. Most files are small, claimed by no reader and hold no
    keyword: each costs one open, fstat, read and close, and one keyword pass that stops at
    the first hit. Anything else (a keyword, a reader, a large, growing or odd file) goes
    through `scan_path`, which gives exactly the result it would give alone. A file whose
    name only hints at a reader (`*.yml` that is no CI file, a dot file that is no rc file)
    takes the fast path too: without a reader, `scan_path` would only scan its bytes.
    """
    from patlint.sources.readers.registry import may_have_readers_checker, readers_for

    if not batch:
        return 0, 0, []
    clean = 0
    clean_bytes = 0
    kept: list[FileResult] = []
    may_hit = detector.may_hit_checker() if precheck else _always
    may_have_readers = may_have_readers_checker()
    small = min(CHUNK, max_size)
    # Bound once: this loop runs for every file of the tree.
    open_, fstat, read, close, isreg = os.open, os.fstat, os.read, os.close, stat.S_ISREG
    flags = OPEN_FLAGS
    for path, rel in batch:
        data = b""
        if not (may_have_readers(rel) and readers_for(rel)):
            try:
                fd = open_(path, flags)
            except OSError:
                fd = -1  # scan_path says why
            if fd >= 0:
                try:
                    st = fstat(fd)
                    size = st.st_size
                    if size < small and isreg(st.st_mode):
                        data = read(fd, size + 1)
                        if len(data) != size:
                            data = b""  # short read or grown: scan_path streams it
                        elif not may_hit(data):
                            clean += 1
                            clean_bytes += len(data)
                            continue
                except OSError:
                    data = b""
                finally:
                    close(fd)
        if data:
            res = scan_bytes(data, rel, detector)  # what scan_path does with these bytes
        else:
            res = scan_path(path, rel, detector, max_size=max_size)
        if res.scanned and not (
            res.candidates or res.skip or res.places or res.notices or res.timeouts or res.partial
        ):
            clean += 1
            clean_bytes += res.bytes_read
        else:
            kept.append(res)
    return clean, clean_bytes, kept


def _always(_data: bytes) -> bool:
    return True


def scan_structured(
    data: bytes,
    rel: str,
    st: os.stat_result | None,
    detector: Detector,
    readers: Sequence[FileReader],
    *,
    max_size: int,
) -> FileResult:
    """The detector over the file once, then each structured reader's view of it, joined: a
    reader's tokens replace the file's own (same token, richer context).

    `st` is None for bytes with no file behind them (a git blob): no permission checks.
    """
    from patlint.engine.readings import FileHits, join

    result, spans = _scan_buffer(data, rel, detector)
    hits = FileHits(data, rel, list(result.candidates), spans)
    for reader in readers:
        try:
            out = join(reader.read(data, rel, st), hits, list(result.candidates), st, detector)
        except Exception as exc:  # one hostile file must never end the scan
            # A reader bug a crafted file reaches: keep what the text detectors found, and say
            # the file was not fully read (counted as incomplete). Only the exception's class is
            # shown: its message may quote the file, and so a token.
            result.skip = Skip(
                rel, "reader-error", f"{reader.name} reader failed: {type(exc).__name__}"
            )
            continue
        if out.candidates:
            digests = {c.secret.digest for c in out.candidates}
            result.candidates = [c for c in result.candidates if c.secret.digest not in digests]
            result.candidates.extend(out.candidates)
        result.places.extend(out.places)
        result.notices.extend(out.notices)
    _file_done(detector, rel, result)
    return result


def scan_stream(
    fh: BinaryIO,
    rel: str,
    detector: Detector,
    *,
    max_size: int,
    file_type: str | None = None,
    precheck: bool = False,
) -> FileResult:
    """Scan a byte stream chunk by chunk; memory stays bounded by CHUNK + OVERLAP + LOOKBEHIND.

    `precheck`: a stream that fits in one chunk goes to the detector only when the pre-check
    lets it through (`Detector.may_hit` says no only where the detector would find nothing:
    never a different result, less work for most blobs). Not per chunk of a larger stream:
    8 MB of text nearly always holds a keyword, and the pre-check then only adds a pass.
    """
    result = FileResult()
    detector.begin_file()
    allowed = detector.rules_for_path(rel)
    carry = b""
    base = 0  # file offset of buf[0]
    lines_before = 0  # newlines before buf[0]
    line_start = 0  # file offset where the line containing buf[0] starts
    binary: bool | None = None
    lead = min(LOOKBEHIND, OVERLAP // 2)
    first = 0  # hits before buf[first] were reported by the previous chunk
    try:
        while True:
            data = read_chunk(fh, CHUNK)
            result.bytes_read += len(data)
            eof = len(data) < CHUNK
            buf = carry + data if carry else data
            if binary is None:
                binary = looks_binary(buf)
            limit = len(buf) if eof else max(0, len(buf) - OVERLAP)
            if not (precheck and eof and not base) or detector.may_hit(buf):
                lines = Lines(buf, base, lines_before, line_start)
                for hit in detector.scan(buf, allowed=allowed):
                    if first <= hit.offset < limit:
                        result.candidates.append(_candidate(hit, lines, rel, binary, file_type))
            if eof:
                break
            if result.bytes_read > max_size:
                result.skip = Skip(rel, "too-large", f"grew past {max_size} bytes while read")
                break
            keep = max(0, limit - lead)
            newline = buf.rfind(b"\n", 0, keep)
            if newline >= 0:
                line_start = base + newline + 1
            lines_before += buf.count(b"\n", 0, keep)
            carry = buf[keep:]
            base += keep
            first = limit - keep
    except OSError as exc:
        result.skip = Skip(rel, "read-error", exc.strerror or str(exc))
        return result
    finally:
        _file_done(detector, rel, result)
    result.scanned = True
    return result


def scan_bytes(
    data: bytes, rel: str, detector: Detector, *, file_type: str | None = None
) -> FileResult:
    """Scan a whole file already in memory (what `scan_stream` does for a one-chunk file)."""
    return _scan_buffer(data, rel, detector, file_type)[0]


def _scan_buffer(
    data: bytes, rel: str, detector: Detector, file_type: str | None = None
) -> tuple[FileResult, list[tuple[int, int]]]:
    """`scan_bytes`, and the bytes each candidate was read from ([offset, end), `Hit.end`)."""
    result = FileResult(bytes_read=len(data), scanned=True)
    spans = []
    detector.begin_file()
    binary = looks_binary(data)
    lines = Lines(data, 0, 0, 0)
    for hit in detector.scan(data, allowed=detector.rules_for_path(rel)):
        result.candidates.append(_candidate(hit, lines, rel, binary, file_type))
        spans.append((hit.offset, max(hit.end, hit.offset + len(hit.token))))
    _file_done(detector, rel, result)
    return result, spans


def _file_done(detector: Detector, rel: str, result: FileResult) -> None:
    """What the detector could not finish in this file: notices, and incomplete marks."""
    notices, skips = detector.budget_report(rel)
    result.timeouts.extend(notices)
    result.partial.extend(skips)
    cut = detector.take_capped()
    if cut is not None:
        result.notices.append(f"{rel}: {cut[1]}")
        result.partial.append(Skip(rel, *cut))


def _candidate(hit: Hit, lines: Lines, rel: str, binary: bool, file_type: str | None) -> Candidate:
    off = hit.offset
    base = lines.base
    line: int | None = None
    column: int | None = None
    if not binary:
        line, column = lines.at(off)
    note = f"{hit.encoding}-encoded" if hit.encoding else ""
    rule = hit.rule
    return Candidate(
        rule_id=rule.id,
        secret=Secret(hit.token, rule.token_kind),
        location=Location(rel, line, column, base + off, binary, note),
        context=Context(
            file_type=file_type or ("binary" if binary else "text"),
            key=hit.key,
            host=hit.host,
            encoding=hit.encoding,
        ),
        severity=rule.severity,
        confidence=rule.confidence,
        checksum_valid=hit.checksum_valid,
        suppress=None if binary else hit.suppress,
    )
