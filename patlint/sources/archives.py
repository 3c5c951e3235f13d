"""Archives read member by member in memory: zip (jar, whl, war, …), tar, gzip, bzip2, xz.

A token in a deflated zip member, a `.tar.gz` or a gzip'd build log is invisible to a detector
reading the file's bytes. Here an archive is recognised by its first bytes (never by its
name) and each member becomes a stream of its own, shown as `archive.zip!lib/app.jar`; the
engine scans it like a file, and opens it in turn when it is an archive itself.

Everything in an archive is hostile, so nothing is ever written to disk (a member's name is
only ever shown, never a path anyone opens) and every cost is bounded (`Limits`):

- a member larger than the file size limit is skipped (a zip member by its declared size,
  past which zipfile never inflates; any other by what it really gives);
- decompression ratio: a member that inflates more than `ratio` times its compressed size,
  once past `ratio_floor` bytes, is a bomb: a zip member by its declared sizes, before a byte
  is inflated; a gzip/bzip2/xz stream while it inflates;
- nesting: archives at most `depth` deep (the archive on disk is the first); a deeper one is
  scanned as bytes and, like a bomb, counted: after `bombs` of them (42.zip nests 16 zips in
  each of 5 levels) the rest of the archive is not read;
- per top-level archive, nested ones included: at most `total` bytes inflated and `members`
  members; a zip inside an archive is opened in memory, up to `in_memory` bytes;
- a zip's central directory is sized before zipfile parses it (it makes one object per
  entry); bzip2 zip members are inflated here, in bounded steps (zipfile inflates a whole
  read's worth of bzip2 at once), LZMA ones are not opened;
- tar headers are parsed here, not by `tarfile` (whose parser has hung on crafted headers):
  a long name or pax header is bounded, a size must be a number.

Each skip is a `Skip` with a reason (`archive-bomb`, `archive-too-large`, `too-large`,
`archive-too-deep`, `archive-encrypted`, `archive-unsupported`, `archive-corrupt`), counted
like any other. Modules that inflate are imported only when an archive is met.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO, ClassVar, cast

from patlint.model import Skip

# An archive's kind from its first bytes lives in `archive_kinds` (every scan asks; only a
# scan that meets an archive imports this module); named here too, where they always were.
from patlint.sources.archive_kinds import HEAD as HEAD
from patlint.sources.archive_kinds import MAGICS as MAGICS
from patlint.sources.archive_kinds import TAR_MAGIC_AT as TAR_MAGIC_AT
from patlint.sources.archive_kinds import kind_of as kind_of
from patlint.sources.archive_kinds import may_be_archive as may_be_archive
from patlint.sources.archive_kinds import tar_checksum_ok as tar_checksum_ok
from patlint.sources.archive_kinds import tar_number as tar_number
from patlint.sources.reading import Readable

STEP = 64 << 10  # bytes inflated at once
INPUT_STEP = 8 << 10  # compressed bytes read at once (the ratio is measured on what was read)


@dataclass(frozen=True, slots=True)
class Limits:
    """What one top-level archive may cost."""

    member_size: int = 256 << 20  # one member, inflated (the scan's --max-file-size)
    total: int = 1 << 30  # inflated bytes of one archive, nested ones included
    members: int = 100_000  # members of one archive, nested ones included
    depth: int = 4  # archives inside archives
    ratio: int = 200  # inflated : compressed, beyond `ratio_floor`
    ratio_floor: int = 1 << 20
    bombs: int = 8  # members over the ratio before the rest of the archive is given up
    in_memory: int = 32 << 20  # a zip inside an archive is read into memory to be opened
    zip_directory: int = 8 << 20  # bytes of a zip's central directory
    header: int = 1 << 20  # bytes of a tar long name or pax header
    xz_memory: int = 128 << 20  # what an xz stream may ask to be inflated with


class Budget:
    """What is left of one top-level archive's limits; shared by everything nested in it."""

    def __init__(self, limits: Limits, rel: str) -> None:
        self.limits = limits
        self.rel = rel  # the top-level archive, where a spent budget is reported
        self.inflated = 0
        self.members = 0
        self.bombs = 0
        self._told = False

    def spent(self) -> Skip | None:
        """Once the archive may cost nothing more: the Skip saying why, the first time only
        (every nesting level asks); None while there is room (and after the first time)."""
        lim = self.limits
        if self.bombs >= lim.bombs:
            why = (
                "archive-bomb",
                f"{self.bombs} members inflate more than {lim.ratio}:1 or nest archives more "
                f"than {lim.depth} deep; the rest is not read",
            )
        elif self.inflated >= lim.total:
            why = ("archive-too-large", f"inflated past {lim.total} bytes; the rest is not read")
        elif self.members >= lim.members:
            why = ("archive-too-large", f"more than {lim.members} members; the rest is not read")
        else:
            return None
        if self._told:
            return None
        self._told = True
        return Skip(self.rel, *why)

    def exhausted(self) -> bool:
        """True once a limit of the whole archive is reached."""
        lim = self.limits
        return self.bombs >= lim.bombs or self.inflated >= lim.total or self.members >= lim.members


class Guarded:
    """A member's bytes, cut (as if they ended) where a limit is reached; `stopped` says why.

    `unread` gives bytes back (a peek at a member's first bytes). `counts`: the bytes add to
    the archive's inflated total (False when an outer stream has counted them already).
    """

    def __init__(
        self,
        raw: Readable,
        rel: str,
        budget: Budget,
        *,
        compressed: Callable[[], int] | None = None,
        counts: bool = True,
    ) -> None:
        self._raw = raw
        self.rel = rel
        self._budget = budget
        self._compressed = compressed  # input consumed so far (None: not inflated here)
        self._counts = counts
        self._back = b""
        self.out = 0
        self.stopped: Skip | None = None
        self.container = False  # a whole .tar inside a .gz: its members have the size limit

    def unread(self, data: bytes) -> None:
        """Give `data` (just read) back: the next read starts with it."""
        self._back = data + self._back

    def read(self, n: int = -1, /) -> bytes:
        """Up to `n` bytes (empty at the end, or once a limit is reached)."""
        if self._back:
            take = len(self._back) if n < 0 else min(n, len(self._back))
            data, self._back = self._back[:take], self._back[take:]
            return data
        if self.stopped is not None:
            return b""
        lim = self._budget.limits
        cap = lim.total if self.container else lim.member_size
        room = cap + 1 - self.out
        if self._counts:
            room = min(room, lim.total - self._budget.inflated)
            if room <= 0:
                self._budget.inflated = max(self._budget.inflated, lim.total)
                self.stopped = Skip(
                    self.rel, "archive-too-large", f"the archive inflated past {lim.total} bytes"
                )
                return b""
        # One step at a time: the limits are checked at least every STEP bytes inflated.
        data = self._raw.read(min(STEP if n < 0 else n, room, STEP))
        self.out += len(data)
        if self._counts:
            self._budget.inflated += len(data)
        if self.out > cap:
            self.stopped = Skip(
                self.rel, "too-large", f"inflates past {lim.member_size} bytes (--max-file-size)"
            )
            return data[: len(data) - (self.out - cap)]
        if self._compressed is not None and self.out > lim.ratio_floor:
            used = max(self._compressed(), 1)
            if self.out > lim.ratio * used:
                self._budget.bombs += 1
                self.stopped = Skip(
                    self.rel,
                    "archive-bomb",
                    f"inflates more than {lim.ratio}:1 ({self.out} bytes from {used})",
                )
                return b""
        return data


@dataclass(slots=True)
class Member:
    """One member, shown as `rel` (`outer.zip!inner/name`). Read `stream` before asking for the
    next member (a tar is one stream); then `stream.stopped` says whether a limit cut it (a
    member that could not be read to its end is a Skip the iterator yields next)."""

    rel: str
    stream: Guarded


def read_upto(stream: Readable, n: int) -> bytes:
    """Up to `n` bytes of `stream` (fewer only at its end)."""
    parts = []
    want = n
    while want > 0:
        part = stream.read(want)
        if not part:
            break
        parts.append(part)
        want -= len(part)
    return b"".join(parts)


def members(source: Readable, kind: str, rel: str, budget: Budget) -> Iterator[Member | Skip]:
    """The members of the archive `source` (of `kind`, shown as `rel`), and a Skip for each
    member (or rest of the archive) passed over. A zip `source` must be a seekable file."""
    if kind == "zip":
        yield from _zip_members(cast(BinaryIO, source), rel, budget)
    elif kind == "tar":
        from patlint.sources.tararchive import tar_members

        yield from tar_members(source, rel, budget)
    else:
        yield from _compressed_members(source, kind, rel, budget)


# --- gzip, bzip2, xz: one member, or a tar ---------------------------------------------------


def _compressed_members(
    source: Readable, kind: str, rel: str, budget: Budget
) -> Iterator[Member | Skip]:
    inflating = Inflating(source, kind, budget.limits)
    stream = Guarded(inflating, _single_name(rel), budget, compressed=lambda: inflating.consumed)
    head = read_upto(stream, HEAD)
    stream.unread(head)
    if kind_of(head) == "tar":  # a .tar.gz is one archive: its members under the outer name
        stream.container = True
        from patlint.sources.tararchive import tar_members

        yield from tar_members(stream, rel, budget)
        if stream.stopped is not None:  # (a member's own limit is reported by the scan)
            yield stream.stopped
    else:
        budget.members += 1
        yield Member(stream.rel, stream)
    if inflating.errors and stream.stopped is None:
        yield Skip(rel, "archive-corrupt", inflating.errors[0])


def _single_name(rel: str) -> str:
    """`logs/build.log.gz` → `logs/build.log.gz!build.log`; `x.tgz` → `x.tgz!x.tar`."""
    name = rel.rsplit("!", 1)[-1].rsplit("/", 1)[-1]
    lower = name.lower()
    for suffix, instead in (
        (".tgz", ".tar"),
        (".tbz2", ".tar"),
        (".tbz", ".tar"),
        (".txz", ".tar"),
        (".gz", ""),
        (".bz2", ""),
        (".xz", ""),
    ):
        if lower.endswith(suffix) and len(name) > len(suffix):
            return f"{rel}!{name[: -len(suffix)]}{instead}"
    return f"{rel}!{name}"


class Inflating:
    """The inflated bytes of a gzip, bzip2 or xz stream (concatenated streams too), produced
    in bounded steps; `consumed` counts compressed bytes read, `errors` says what failed."""

    _MARKS: ClassVar[dict[str, bytes]] = {
        "gzip": b"\x1f\x8b",
        "bzip2": b"BZh",
        "xz": b"\xfd7zXZ\x00",
    }

    def __init__(self, raw: Readable, kind: str, limits: Limits) -> None:
        self._raw, self._kind, self._limits = raw, kind, limits
        self._in = b""
        self._done = False
        self._read = 0
        self.errors: list[str] = []
        self._failures: tuple[type[BaseException], ...] = (OSError, EOFError, ValueError)
        self._d: Any = self._new()

    def _new(self) -> Any:
        if self._kind == "gzip":
            import zlib

            self._failures = (OSError, EOFError, ValueError, zlib.error)
            return zlib.decompressobj(16 + zlib.MAX_WBITS)
        if self._kind == "bzip2":
            import bz2

            return bz2.BZ2Decompressor()
        import lzma

        self._failures = (OSError, EOFError, ValueError, lzma.LZMAError)
        return lzma.LZMADecompressor(format=lzma.FORMAT_XZ, memlimit=self._limits.xz_memory)

    def _more(self) -> bytes:
        data = self._raw.read(INPUT_STEP)
        self._read += len(data)
        return data

    @property
    def consumed(self) -> int:
        """Compressed bytes read and handed to the decompressor."""
        return self._read - len(self._in)

    def read(self, n: int = -1, /) -> bytes:
        """Up to `n` inflated bytes (STEP when n < 0); empty at the end or after an error."""
        want = STEP if n < 0 else n
        parts: list[bytes] = []
        stalled = 0
        while want > 0 and not self._done:
            try:
                # (bounded output per call: an error loses at most one step of what came before)
                piece = self._step(min(want, STEP))
            except self._failures as exc:  # corrupt data, or an xz stream asking too much
                self._fail(f"cannot inflate: {exc}")
                break
            if piece:
                parts.append(piece)
                want -= len(piece)
                stalled = 0
            else:
                stalled += 1
                if stalled > 1000:  # no output and no end: never loop forever on odd input
                    self._fail("cannot inflate: no progress")
        return b"".join(parts)

    def _fail(self, why: str) -> None:
        self.errors.append(why)
        self._done = True

    def _step(self, want: int) -> bytes:
        d = self._d
        if d.eof:
            rest = d.unused_data + self._in
            if self._kind == "xz":
                rest = rest.lstrip(b"\0")  # stream padding
            if not rest:
                rest = self._more()
                if self._kind == "xz":
                    rest = rest.lstrip(b"\0")
            if not rest or not rest.startswith(self._MARKS[self._kind][: len(rest)]):
                self._done = True  # the end, or trailing bytes that start no stream
                return b""
            self._d, self._in = self._new(), rest
            return b""
        if self._kind == "gzip":
            if not self._in:
                self._in = self._more()
                if not self._in:
                    self._fail("cut short")
                    return b""
            piece: bytes = d.decompress(self._in, want)
            self._in = d.unconsumed_tail
            return piece
        data = b""
        if d.needs_input:
            if not self._in:
                self._in = self._more()
                if not self._in:
                    self._fail("cut short")
                    return b""
            data, self._in = self._in, b""
        out: bytes = d.decompress(data, max_length=want)
        return out


# --- zip -------------------------------------------------------------------------------------


def _zip_members(source: BinaryIO, rel: str, budget: Budget) -> Iterator[Member | Skip]:
    import zipfile
    import zlib

    failures = (OSError, EOFError, ValueError, RuntimeError, zipfile.BadZipFile, zlib.error)
    lim = budget.limits
    problem = _zip_directory_problem(source, lim)
    if problem is not None:
        yield Skip(rel, *problem)
        return
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
        yield Skip(rel, "archive-corrupt", f"not a readable zip: {exc}")
        return
    with archive:
        for info in archive.infolist():
            spent = budget.spent()
            if spent is not None or budget.exhausted():
                if spent is not None:
                    yield spent
                return
            if info.is_dir():
                continue
            mrel = f"{rel}!{info.filename}"
            budget.members += 1
            if info.flag_bits & 0x1:
                yield Skip(mrel, "archive-encrypted", "encrypted: its content cannot be read")
                continue
            if info.file_size > lim.member_size:
                yield Skip(
                    mrel,
                    "too-large",
                    f"{info.file_size} bytes > limit {lim.member_size} (--max-file-size)",
                )
                continue
            used = max(info.compress_size, 1)
            if info.file_size > lim.ratio_floor and info.file_size > lim.ratio * used:
                budget.bombs += 1
                yield Skip(
                    mrel,
                    "archive-bomb",
                    f"would inflate more than {lim.ratio}:1 ({info.file_size} bytes "
                    f"from {info.compress_size})",
                )
                continue
            opened = _open_zip_member(archive, source, info, lim)
            if isinstance(opened, tuple):
                yield Skip(mrel, *opened)
                continue
            errors: list[str] = []
            stream = Guarded(
                _Failsafe(opened, errors, failures), mrel, budget, compressed=_constant(used)
            )
            yield Member(mrel, stream)
            if isinstance(opened, Inflating):
                errors += opened.errors
            if errors:
                yield Skip(mrel, "archive-corrupt", errors[0])


def _constant(value: int) -> Callable[[], int]:
    return lambda: value


def _open_zip_member(
    archive: Any, source: BinaryIO, info: Any, lim: Limits
) -> Readable | tuple[str, str]:
    """A stream of one member's content, or (reason, detail) why it cannot be read."""
    import zipfile

    if info.compress_type == zipfile.ZIP_BZIP2:
        # zipfile inflates each read's worth of bzip2 in one call (a few KB can hold GBs):
        # inflate it here in bounded steps, from the member's compressed bytes.
        start = _zip_data_offset(source, info.header_offset)
        if start is None:
            return ("archive-corrupt", "bad local header")
        return Inflating(_Window(source, start, info.compress_size), "bzip2", lim)
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        return ("archive-unsupported", f"compression method {info.compress_type} is not read")
    try:
        member: Readable = archive.open(info)
    except NotImplementedError as exc:
        return ("archive-unsupported", str(exc))
    except (zipfile.BadZipFile, OSError, ValueError, RuntimeError, EOFError) as exc:
        return ("archive-corrupt", str(exc))
    return member


def _zip_directory_problem(fh: BinaryIO, lim: Limits) -> tuple[str, str] | None:
    """(reason, detail) when the central directory the end record names is too large to
    parse; None otherwise (zipfile then parses it, or says it is no zip)."""
    try:
        fh.seek(0, 2)
        size = fh.tell()
        tail_len = min(size, 22 + 0xFFFF + 20)
        fh.seek(size - tail_len)
        tail = fh.read(tail_len)
    except (OSError, ValueError):
        return None
    # Where zipfile looks: an end record without comment first, else the last one.
    if len(tail) >= 22 and tail[-22:-18] == b"PK\x05\x06" and tail[-2:] == b"\0\0":
        at = len(tail) - 22
    else:
        at = tail.rfind(b"PK\x05\x06")
        if at < 0 or len(tail) - at < 22:
            return None
    entries, directory = struct.unpack("<HI", tail[at + 10 : at + 16])
    if (entries == 0xFFFF or directory == 0xFFFFFFFF) and at >= 20:
        locator = tail[at - 20 : at]
        if locator[:4] == b"PK\x06\x07":
            (where,) = struct.unpack("<Q", locator[8:16])
            try:
                fh.seek(where)
                record = fh.read(56)
            except (OSError, ValueError, OverflowError):
                return None
            if len(record) == 56 and record[:4] == b"PK\x06\x06":
                entries, directory = struct.unpack("<QQ", record[32:48])
    if directory > lim.zip_directory:
        return (
            "archive-too-large",
            f"central directory of {directory} bytes > {lim.zip_directory}",
        )
    if entries > lim.members:
        return ("archive-too-large", f"{entries} members > {lim.members}")
    return None


def _zip_data_offset(fh: BinaryIO, header_offset: int) -> int | None:
    try:
        fh.seek(header_offset)
        header = fh.read(30)
    except (OSError, ValueError, OverflowError):
        return None
    if len(header) != 30 or header[:4] != b"PK\x03\x04":
        return None
    name_len = int.from_bytes(header[26:28], "little")
    extra_len = int.from_bytes(header[28:30], "little")
    return header_offset + 30 + name_len + extra_len


class _Window:
    """`size` bytes of a seekable file from `start` (other readers of it move its position)."""

    def __init__(self, fh: BinaryIO, start: int, size: int) -> None:
        self._fh, self._pos, self._left = fh, start, size

    def read(self, n: int = -1, /) -> bytes:
        want = self._left if n < 0 else min(n, self._left)
        if want <= 0:
            return b""
        self._fh.seek(self._pos)
        data = self._fh.read(want)
        self._pos += len(data)
        self._left -= len(data)
        return data


class _Failsafe:
    """A zip member stream whose read errors (bad CRC, corrupt deflate data) end it instead of
    raising; what went wrong is added to `errors`."""

    def __init__(
        self, raw: Readable, errors: list[str], failures: tuple[type[BaseException], ...]
    ) -> None:
        self._raw, self._errors, self._failures = raw, errors, failures

    def read(self, n: int = -1, /) -> bytes:
        if self._errors:
            return b""
        try:
            return self._raw.read(n)
        except self._failures as exc:
            self._errors.append(f"cannot read: {exc}")
        return b""
