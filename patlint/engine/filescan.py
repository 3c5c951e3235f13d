"""Read one file once (in overlapping chunks when large) and run the detector over its bytes."""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from patlint.detectors.pattern import Detector, Hit
from patlint.model import Candidate, Context, Location, Secret, Skip
from patlint.sources.readers import READER_MAX_BYTES, PlaceFinding

CHUNK = 8 << 20  # bytes read and scanned at once
OVERLAP = 16 << 10  # carried into the next chunk so no token (or base64 region) is cut in two
# Already-reported bytes also kept before the next chunk's first reportable offset: what the
# detector looks back at (a key before its value, `https://` before a legacy token, the start of
# a base64 run, a suppression comment earlier on the line) is then never cut off at a boundary.
LOOKBEHIND = 4 << 10
BINARY_SNIFF = 8192


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


_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)


def open_regular(path: str) -> tuple[int, os.stat_result] | Skip:
    """Open without following a final symlink and without blocking; refuse non-regular files."""
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError as exc:
        if exc.errno in (errno.EACCES, errno.EPERM):
            return Skip(path, "unreadable", exc.strerror or "")
        if exc.errno == errno.ELOOP:
            return Skip(path, "symlink", "not followed")
        if exc.errno == errno.ENOENT:
            return Skip(path, "missing", "vanished during the scan")
        return Skip(path, "os-error", exc.strerror or str(exc))
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        return Skip(path, "not-a-regular-file", "changed type during the scan")
    return fd, st


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
    from patlint.sources.registry import readers_for

    readers = readers_for(rel) if st.st_size <= READER_MAX_BYTES else []
    if not readers and st.st_size < CHUNK:
        # The common case: one os.read of the whole file, no file object, no chunk loop.
        try:
            data = _read_fd(fd, st.st_size + 1)
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
            data = _read_chunk(fh, READER_MAX_BYTES + 1)
        except OSError as exc:
            return FileResult(skip=Skip(rel, "read-error", exc.strerror or str(exc)))
    return scan_structured(data, rel, st, detector, readers, max_size=max_size)


def scan_paths(
    batch: Sequence[tuple[str, str]], detector: Detector, *, max_size: int
) -> tuple[int, int, list[FileResult]]:
    """Scan many files: (files scanned clean, their bytes, every other result).

    The hot loop of a tree scan. Most files are small, claimed by no reader and hold no
    keyword: each costs one open, fstat, read and close, and one keyword pass that stops at
    the first hit. Anything else (a keyword, a reader, a large, growing or odd file) goes
    through `scan_path`, which gives exactly the result it would give alone.
    """
    from patlint.sources.registry import may_have_readers

    if not batch:
        return 0, 0, []
    clean = 0
    clean_bytes = 0
    kept: list[FileResult] = []
    may_hit = detector.may_hit_checker()
    small = min(CHUNK, max_size)
    # Bound once: this loop runs for every file of the tree.
    open_, fstat, read, close, isreg = os.open, os.fstat, os.read, os.close, stat.S_ISREG
    flags = _OPEN_FLAGS
    for path, rel in batch:
        data = b""
        if not may_have_readers(rel):
            try:
                fd = open_(path, flags)
            except OSError:
                fd = -1  # scan_path says why
            if fd >= 0:
                try:
                    st = fstat(fd)
                    if isreg(st.st_mode) and st.st_size < small:
                        data = read(fd, st.st_size + 1)
                        if len(data) != st.st_size:
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


def scan_structured(
    data: bytes,
    rel: str,
    st: os.stat_result | None,
    detector: Detector,
    readers: list[Any],
    *,
    max_size: int,
) -> FileResult:
    """Text detectors, then each structured reader; a reader's tokens replace the text ones.

    `st` is None for bytes with no file behind them (a git blob): no permission checks.
    """
    import io

    result = scan_stream(io.BytesIO(data), rel, detector, max_size=max_size)
    for reader in readers:
        out = reader.read(data, rel, st, detector, list(result.candidates))
        if out.candidates:
            digests = {c.secret.digest for c in out.candidates}
            result.candidates = [c for c in result.candidates if c.secret.digest not in digests]
            result.candidates.extend(out.candidates)
        if out.decoded:  # keys and values the reader unescaped: tokens the text could hide
            from patlint.sources.structured import decoded_candidates

            seen = {c.secret.digest for c in result.candidates}
            result.candidates += decoded_candidates(
                out.decoded, rel=rel, data=data, detector=detector, seen=seen
            )
        result.places.extend(out.places)
        result.notices.extend(out.notices)
    _file_done(detector, rel, result)
    return result


def scan_stream(
    fh: BinaryIO, rel: str, detector: Detector, *, max_size: int, file_type: str | None = None
) -> FileResult:
    """Scan a byte stream chunk by chunk; memory stays bounded by CHUNK + OVERLAP + LOOKBEHIND."""
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
            data = _read_chunk(fh, CHUNK)
            result.bytes_read += len(data)
            eof = len(data) < CHUNK
            buf = carry + data if carry else data
            if binary is None:
                binary = buf.find(b"\0", 0, BINARY_SNIFF) >= 0
            limit = len(buf) if eof else max(0, len(buf) - OVERLAP)
            lines = _Lines(buf, base, lines_before, line_start)
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
    result = FileResult(bytes_read=len(data), scanned=True)
    detector.begin_file()
    binary = data.find(b"\0", 0, BINARY_SNIFF) >= 0
    lines = _Lines(data, 0, 0, 0)
    for hit in detector.scan(data, allowed=detector.rules_for_path(rel)):
        result.candidates.append(_candidate(hit, lines, rel, binary, file_type))
    _file_done(detector, rel, result)
    return result


def _file_done(detector: Detector, rel: str, result: FileResult) -> None:
    """What the detector could not finish in this file: notices, and incomplete marks."""
    notices, skips = detector.budget_report(rel)
    result.timeouts.extend(notices)
    result.partial.extend(skips)
    cut = detector.take_capped()
    if cut is not None:
        result.notices.append(f"{rel}: {cut[1]}")
        result.partial.append(Skip(rel, *cut))


def _read_fd(fd: int, size: int) -> bytes:
    """Up to `size` bytes from `fd` (fewer only at end of file)."""
    data = os.read(fd, size)
    if not data or len(data) == size:
        return data
    parts = [data]
    want = size - len(data)
    while want > 0:
        part = os.read(fd, want)
        if not part:
            break
        parts.append(part)
        want -= len(part)
    return b"".join(parts)


def _read_chunk(fh: BinaryIO, size: int) -> bytes:
    parts = []
    want = size
    while want > 0:
        part = fh.read(want)
        if not part:
            break
        parts.append(part)
        want -= len(part)
    return b"".join(parts)


class _Lines:
    """1-based line and column of offsets in one buffer, computed incrementally.

    Hits arrive sorted by offset, so each call only looks at the bytes since the previous one:
    a file with many tokens on one long line costs linear, not quadratic, time.
    """

    __slots__ = (
        "base",
        "buf",
        "col",
        "col_pos",
        "line_start",
        "lines",
        "lines_before",
        "nl",
        "pos",
    )

    def __init__(self, buf: bytes, base: int, lines_before: int, line_start: int) -> None:
        self.buf, self.base = buf, base
        self.lines_before, self.line_start = lines_before, line_start
        self._reset()

    def _reset(self) -> None:
        self.pos = 0  # bytes of buf already looked at
        self.lines = 0  # newlines in buf[:pos]
        self.nl = -1  # index of the last newline in buf[:pos]
        self.col_pos = 0  # where `col` was counted up to
        self.col = 0  # characters from the current line's start to col_pos

    def at(self, off: int) -> tuple[int, int]:
        """(line, column) of buf offset `off`; columns count characters (bytes for a line that
        began in an earlier chunk)."""
        if off < self.pos:
            self._reset()
        buf = self.buf
        newlines = buf.count(b"\n", self.pos, off)
        if newlines:
            self.lines += newlines
            self.nl = buf.rfind(b"\n", self.pos, off)
            self.col_pos, self.col = self.nl + 1, 0
        self.pos = off
        line = self.lines_before + self.lines + 1
        if self.nl < 0 and self.line_start != self.base:
            return line, self.base + off - self.line_start + 1
        self.col += len(buf[self.col_pos : off].decode("utf-8", "replace"))
        self.col_pos = off
        return line, self.col + 1


def _candidate(hit: Hit, lines: _Lines, rel: str, binary: bool, file_type: str | None) -> Candidate:
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
