"""Scan one file once (in overlapping chunks when large): the detector over its bytes, then what
its structured readers learned, joined (engine/readings.py). The reading itself is in
sources/reading.py."""

from __future__ import annotations

import io
import os
import stat
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import BinaryIO, cast

from patlint.detectors.pattern import Detector, Hit
from patlint.model import Candidate, Context, Location, PlaceFinding, Secret, Skip
from patlint.sources.archive_kinds import HEAD, MAGICS, TAR_MAGIC_AT, kind_of, may_be_archive
from patlint.sources.readers import READER_MAX_BYTES, FileReader
from patlint.sources.reading import (
    OPEN_FLAGS,
    Lines,
    Readable,
    looks_binary,
    open_regular,
    read_chunk,
    read_fd,
)
from patlint.sources.transcode import (
    NUL_WINDOW,
    Codec,
    OffsetMap,
    Utf8Stream,
    decode,
    file_width,
    sniff,
)

CHUNK = 8 << 20  # bytes read and scanned at once
# The tree scan's first read of a file: 99% of a real tree's files are smaller, and a read that
# comes back short needs no fstat (a 1-byte pread at its end instead: ~0.4 µs a file less).
# Larger buffers cost more to allocate.
FIRST_READ = 64 << 10
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
    # places inside the file passed over (archive members: a bomb, a limit, an encrypted one)
    skipped: list[Skip] = field(default_factory=list)
    # custom rules that ran out of their time budget on this file (a notice each)
    timeouts: list[str] = field(default_factory=list)
    # scanned, but not all of it: too many tokens, too much encoded text (incomplete)
    partial: list[Skip] = field(default_factory=list)


def scan_path(
    path: str, rel: str, detector: Detector, *, max_size: int, archives: bool = True
) -> FileResult:
    """Scan the file at `path`, shown as `rel` (and the members of an archive, `archives`)."""
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
            return scan_data(data, rel, detector, max_size=max_size, archives=archives)
        os.lseek(fd, 0, os.SEEK_SET)  # it grew while we read: stream it from the start
    with os.fdopen(fd, "rb", buffering=0) as fh:
        if not readers:
            kind = _archive_kind(fh) if archives else None
            result = scan_stream(fh, rel, detector, max_size=max_size)
            if kind is None or result.skip is not None:
                return result
            from patlint.engine.archivescan import merged, scan_archive

            fh.seek(0)
            return merged(result, scan_archive(fh, kind, rel, detector, max_size=max_size))
        try:
            data = read_chunk(fh, READER_MAX_BYTES + 1)
        except OSError as exc:
            return FileResult(skip=Skip(rel, "read-error", exc.strerror or str(exc)))
    if archives and kind_of(data[:HEAD]) is not None:
        return scan_data(data, rel, detector, max_size=max_size)
    return scan_structured(data, rel, st, detector, readers, max_size=max_size)


def _archive_kind(fh: BinaryIO) -> str | None:
    """The archive kind of a file from its first bytes (read, then the file rewound)."""
    try:
        head = read_chunk(fh, HEAD)
        fh.seek(0)
    except OSError:
        return None
    return kind_of(head)


def scan_data(
    data: bytes, rel: str, detector: Detector, *, max_size: int, archives: bool = True
) -> FileResult:
    """A whole file in memory: its bytes, and the members of an archive (`archives`)."""
    kind = kind_of(data[:HEAD]) if archives and may_be_archive(data) else None
    result = scan_bytes(data, rel, detector)
    if kind is None:
        return result

    from patlint.engine.archivescan import merged, scan_archive

    return merged(result, scan_archive(io.BytesIO(data), kind, rel, detector, max_size=max_size))


PRECHECK_MIN_FILES = 200  # a scan of fewer files: compiling the pre-check costs more than it saves
# A first byte after which a file may be UTF-16/32 text (a byte order mark, or NUL) or an
# archive (its magic); `plain_head` is true without a look at anything else for the others.
_ODD_FIRST = frozenset(b"\xff\xfe\0" + bytes(m[0] for m in MAGICS))


def plain_head(data: bytes) -> bool:
    """True only when `sniff(data)` is None and `may_be_archive(data)` is False (no byte order
    mark, no NUL in the first NUL_WINDOW bytes, no archive magic), in one call instead of two:
    the tree scan asks this for every file without a keyword. False: ask those two."""
    return (
        (not data or data[0] not in _ODD_FIRST)
        and data.find(b"\0", 0, NUL_WINDOW) < 0
        and data.find(b"ustar", TAR_MAGIC_AT, TAR_MAGIC_AT + 5) < 0
    )


def scan_paths(
    batch: Sequence[tuple[str, str]],
    detector: Detector,
    *,
    max_size: int,
    precheck: bool = True,
    archives: bool = True,
) -> tuple[int, int, list[FileResult]]:
    """Scan many files: (files scanned clean, their bytes, every other result).

    `precheck=False` (a scan of a few files, PRECHECK_MIN_FILES) sends every file to the full
    detector: the pre-check's databases take ~5-30 ms to compile, more than a pre-commit run
    of ten files spends scanning; its answer never changes a result, only how fast it comes.

    The hot loop of a tree scan. Most files are small, claimed by no reader and hold no
    keyword: each costs one open, read and close (and an fstat when empty or of FIRST_READ bytes
    or more), and one keyword pass that stops at the first hit. Anything else (a keyword, a
    reader, a large, growing or odd file) goes through `scan_path`, which gives exactly the
    result it would give alone. A file whose name only hints at a reader (`*.yml` that is no
    CI file, a dot file that is no rc file) takes the fast path too: without a reader,
    `scan_path` would only scan its bytes.
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
    first = min(FIRST_READ, small)
    # Bound once: this loop runs for every file of the tree.
    open_, fstat, read, close, isreg = os.open, os.fstat, os.read, os.close, stat.S_ISREG
    pread = os.pread
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
                    # No fstat for most files: a read shorter than `first` that ends at the
                    # end of the file (a 1-byte pread there gives nothing; a read may come back
                    # short on some file systems) is a regular file whole. The walk saw a
                    # regular file: a FIFO or device swapped in since cannot be pread, reads
                    # nothing or fills the buffer, and fstat then says what it is.
                    data = read(fd, first)
                    whole = 0 < len(data) < first and not pread(fd, 1, len(data))
                    if not whole:  # empty, larger, or no regular file after all
                        st = fstat(fd)
                        size = st.st_size
                        if size < small and isreg(st.st_mode):
                            if size >= len(data):
                                data += read(fd, size + 1 - len(data))
                            whole = len(data) == size  # else short read or grown: scan_path
                    if not whole:
                        data = b""  # scan_path streams it, or says why not
                    elif not may_hit(data) and (
                        plain_head(data)
                        or (sniff(data) is None and not (archives and may_be_archive(data)))
                    ):
                        clean += 1
                        clean_bytes += len(data)
                        continue
                except OSError:
                    data = b""
                finally:
                    close(fd)
        if data:  # what scan_path does with these bytes
            res = scan_data(data, rel, detector, max_size=max_size, archives=archives)
        else:
            res = scan_path(path, rel, detector, max_size=max_size, archives=archives)
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
    transcode: bool = True,
    searched: tuple[FileResult, list[tuple[int, int]]] | None = None,
) -> FileResult:
    """The detector over the file once, then each structured reader's view of it, joined: a
    reader's tokens replace the file's own (same token, richer context).

    `st` is None for bytes with no file behind them (a git blob): no permission checks.
    UTF-16/32 text is decoded first, and the readers read the text (`decoded_result`).
    `searched` is what `scan_buffer` already gave for `data`, when the caller has it.
    """
    from patlint.engine.readings import FileHits, join

    codec = sniff(data) if transcode else None
    if codec is not None:
        return decoded_result(
            data,
            codec,
            rel,
            detector,
            lambda text: scan_structured(
                text, rel, st, detector, readers, max_size=max_size, transcode=False
            ),
        )
    result, spans = searched if searched is not None else scan_buffer(data, rel, detector)
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
        if out.candidates or out.absorbed:
            digests = {c.secret.digest for c in out.candidates} | out.absorbed
            result.candidates = [c for c in result.candidates if c.secret.digest not in digests]
            result.candidates.extend(out.candidates)
        result.places.extend(out.places)
        result.notices.extend(out.notices)
    _file_done(detector, rel, result)
    return result


def scan_stream(
    fh: Readable,
    rel: str,
    detector: Detector,
    *,
    max_size: int,
    file_type: str | None = None,
    precheck: bool = False,
    transcode: bool = True,
) -> FileResult:
    """Scan a byte stream chunk by chunk; memory stays bounded by CHUNK + OVERLAP + LOOKBEHIND.

    `precheck`: a stream that fits in one chunk goes to the detector only when the pre-check
    lets it through (`Detector.may_hit` says no only where the detector would find nothing:
    never a different result, less work for most blobs). Not per chunk of a larger stream:
    8 MB of text nearly always holds a keyword, and the pre-check then only adds a pass.

    UTF-16/32 text (`transcode.sniff` on the first chunk) is scanned decoded, chunk by chunk
    as well; when the stream can be read again from its start (a file), its raw bytes are
    scanned too, as before, so text appended in another encoding is not lost.
    `transcode=False`: the bytes are known to be UTF-8 already (decoded by the caller).
    """
    result = FileResult()
    detector.begin_file()
    try:
        head = read_chunk(fh, CHUNK)
        codec = sniff(head) if transcode else None
        if codec is None:
            _scan_chunks(head, fh, rel, detector, result, max_size, file_type, precheck)
        else:
            decoded = Utf8Stream(fh, codec, head)
            first = decoded.read(CHUNK)
            _scan_chunks(
                first, decoded, rel, detector, result, max_size, file_type, precheck, codec
            )
            result.bytes_read = decoded.consumed
            if _rewindable(fh):
                cast(BinaryIO, fh).seek(0)
                raw = FileResult()
                _scan_chunks(
                    read_chunk(fh, CHUNK), fh, rel, detector, raw, max_size, file_type, precheck
                )
                result.candidates += raw.candidates
                result.skip = result.skip or raw.skip
    except OSError as exc:
        result.skip = Skip(rel, "read-error", exc.strerror or str(exc))
        return result
    finally:
        _file_done(detector, rel, result)
    result.scanned = True
    return result


def _rewindable(fh: Readable) -> bool:
    try:
        return bool(fh.seekable())  # type: ignore[attr-defined]
    except (AttributeError, OSError, ValueError):
        return False


def _scan_chunks(
    data: bytes,
    fh: Readable,
    rel: str,
    detector: Detector,
    result: FileResult,
    max_size: int,
    file_type: str | None,
    precheck: bool,
    codec: Codec | None = None,
) -> None:
    """The chunk loop of `scan_stream`: `data` is the first chunk, `fh` gives the rest.

    With a `codec`, `fh` gives decoded UTF-8: hits are placed by line and column of the
    text and by their byte offset in the file (`OffsetMap`), noted with the encoding.
    """
    allowed = detector.rules_for_path(rel)
    carry = b""
    base = 0  # stream offset of buf[0]
    file_base = codec.bom if codec is not None else 0  # file offset of buf[0]
    lines_before = 0  # newlines before stream offset `counted`
    counted = 0
    line_start = 0  # stream offset where the line containing buf[0] starts
    # A file read from its start: the newlines of the chunks already passed are counted only
    # when a later chunk holds a hit, by reading them again (most large files hold none, and
    # counting costs as much as searching); a pipe or an archive member is counted as it goes.
    reread = _reread_origin(fh, len(data)) if codec is None else None
    binary: bool | None = False if codec is not None else None
    lead = min(LOOKBEHIND, OVERLAP // 2)
    first = 0  # hits before buf[first] were reported by the previous chunk
    while True:
        result.bytes_read += len(data)
        eof = len(data) < CHUNK
        buf = carry + data if carry else data
        if binary is None:
            binary = looks_binary(buf)
        limit = len(buf) if eof else max(0, len(buf) - OVERLAP)
        if not (precheck and eof and not base) or detector.may_hit(buf):
            lines: Lines | None = None
            where = OffsetMap(buf, codec, file_base) if codec is not None else None
            for hit in detector.scan(buf, allowed=allowed):
                if first <= hit.offset < limit:
                    if lines is None:
                        if counted < base:
                            assert reread is not None
                            lines_before += _newlines_between(reread, counted, base)
                            counted = base
                        lines = Lines(buf, base, lines_before, line_start)
                    result.candidates.append(
                        _candidate(hit, lines, rel, binary, file_type, where, codec)
                    )
        if eof:
            break
        if result.bytes_read > max_size:
            result.skip = Skip(rel, "too-large", f"grew past {max_size} bytes while read")
            break
        keep = max(0, limit - lead)
        newline = buf.rfind(b"\n", 0, keep)
        if newline >= 0:
            line_start = base + newline + 1
        if reread is None:
            lines_before += buf.count(b"\n", 0, keep)
            counted = base + keep
        if codec is not None:
            file_base += file_width(buf[:keep], codec)
        carry = buf[keep:]
        base += keep
        first = limit - keep
        data = read_chunk(fh, CHUNK)


def _reread_origin(fh: Readable, already: int) -> tuple[int, int] | None:
    """(descriptor, file offset of the stream's start) when the bytes `fh` gives can be read
    again with `os.pread` (a regular file), else None; `already`: bytes read from it so far."""
    if type(fh) is not io.FileIO:
        return None
    try:
        if not fh.seekable():
            return None
        fd = fh.fileno()
        return fd, os.lseek(fd, 0, os.SEEK_CUR) - already
    except (OSError, ValueError):
        return None


def _newlines_between(reread: tuple[int, int], start: int, end: int) -> int:
    """Newlines in stream offsets [start, end), read again from the file (fewer when it shrank
    since: line numbers are then as good as the file's present bytes allow)."""
    fd, origin = reread
    count = 0
    pos = start
    while pos < end:
        try:
            piece = os.pread(fd, min(CHUNK, end - pos), origin + pos)
        except OSError:
            break
        if not piece:
            break
        count += piece.count(b"\n")
        pos += len(piece)
    return count


def scan_bytes(
    data: bytes, rel: str, detector: Detector, *, file_type: str | None = None
) -> FileResult:
    """Scan a whole file already in memory (what `scan_stream` does for a one-chunk file)."""
    codec = sniff(data)
    if codec is not None:
        return decoded_result(
            data,
            codec,
            rel,
            detector,
            lambda text: scan_buffer(text, rel, detector, file_type, binary=False)[0],
        )
    return scan_buffer(data, rel, detector, file_type)[0]


def scan_buffer(
    data: bytes,
    rel: str,
    detector: Detector,
    file_type: str | None = None,
    *,
    binary: bool | None = None,
) -> tuple[FileResult, list[tuple[int, int]]]:
    """`scan_bytes`, and the bytes each candidate was read from ([offset, end), `Hit.end`)."""
    if binary is None:
        binary = looks_binary(data)
    result = FileResult(bytes_read=len(data), scanned=True)
    spans = []
    detector.begin_file()
    lines = Lines(data, 0, 0, 0)
    for hit in detector.scan(data, allowed=detector.rules_for_path(rel)):
        result.candidates.append(_candidate(hit, lines, rel, binary, file_type))
        spans.append((hit.offset, max(hit.end, hit.offset + len(hit.token))))
    _file_done(detector, rel, result)
    return result, spans


def decoded_result(
    data: bytes,
    codec: Codec,
    rel: str,
    detector: Detector,
    scan: Callable[[bytes], FileResult],
) -> FileResult:
    """`scan` over UTF-16/32 `data` decoded to UTF-8, its offsets moved back to the file's
    bytes and its locations noted with the encoding; then the raw bytes as before (binary),
    so nothing the file held outside its text is lost."""
    text = decode(data, codec)
    result = scan(text)
    offsets = sorted(
        {c.location.offset for c in result.candidates if c.location.offset is not None}
        | {p.location.offset for p in result.places if p.location.offset is not None}
    )
    where = OffsetMap(text, codec, codec.bom)
    moved = {off: where.at(off) for off in offsets}
    result.candidates = [
        replace(c, location=_relocated(c.location, moved, codec)) for c in result.candidates
    ]
    result.places = [
        replace(p, location=_relocated(p.location, moved, codec)) for p in result.places
    ]
    raw = scan_buffer(data, rel, detector)[0]
    result.candidates += raw.candidates
    result.timeouts += raw.timeouts
    result.partial += raw.partial
    result.notices += raw.notices
    result.bytes_read = len(data)
    return result


def _relocated(loc: Location, moved: dict[int, int], codec: Codec) -> Location:
    offset = moved.get(loc.offset, loc.offset) if loc.offset is not None else None
    return replace(loc, offset=offset, note=_with_codec(loc.note, codec))


def _with_codec(note: str, codec: Codec) -> str:
    return f"{codec.label} text, {note}" if note else f"{codec.label} text"


def _file_done(detector: Detector, rel: str, result: FileResult) -> None:
    """What the detector could not finish in this file: notices, and incomplete marks."""
    notices, skips = detector.budget_report(rel)
    result.timeouts.extend(notices)
    result.partial.extend(skips)
    cut = detector.take_capped()
    if cut is not None:
        result.notices.append(f"{rel}: {cut[1]}")
        result.partial.append(Skip(rel, *cut))


def _candidate(
    hit: Hit,
    lines: Lines,
    rel: str,
    binary: bool,
    file_type: str | None,
    where: OffsetMap | None = None,
    codec: Codec | None = None,
) -> Candidate:
    off = hit.offset
    offset = lines.base + off if where is None else where.at(off)
    line: int | None = None
    column: int | None = None
    if not binary:
        line, column = lines.at(off)
    note = f"{hit.encoding}-encoded" if hit.encoding else ""
    if codec is not None:
        note = _with_codec(note, codec)
    rule = hit.rule
    return Candidate(
        rule_id=rule.id,
        secret=Secret(hit.token, rule.token_kind),
        location=Location(rel, line, column, offset, binary, note),
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
