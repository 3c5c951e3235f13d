"""Tar archives, parsed here rather than by `tarfile` (whose parser has hung on crafted
headers): ustar, GNU long names, pax `path` and `size`; a long name or pax header is bounded,
a size must be a number. Links and devices have no content: they are passed over."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator

from patlint.model import Skip
from patlint.sources.archives import Budget, Guarded, Member, read_upto, tar_checksum_ok, tar_number
from patlint.sources.reading import Readable


def tar_members(source: Readable, rel: str, budget: Budget) -> Iterator[Member | Skip]:
    """Members of a tar stream, parsed here (ustar, GNU long names, pax `path` and `size`)."""
    lim = budget.limits
    counts = not isinstance(source, Guarded)  # an inflating stream counted them already
    long_name: bytes | None = None
    pax: dict[bytes, bytes] = {}
    while True:
        spent = budget.spent()
        if spent is not None or budget.exhausted():
            if spent is not None:
                yield spent
            return
        block = read_upto(source, 512)
        if len(block) < 512:
            if block:
                yield Skip(rel, "archive-corrupt", "cut short inside a tar header")
            return
        if block == bytes(512):
            return  # end of archive
        if not tar_checksum_ok(block):
            yield Skip(
                rel, "archive-corrupt", "a tar header with a bad checksum: the rest not read"
            )
            return
        size = tar_number(block[124:136])
        typ = block[156:157]
        if size is None:
            yield Skip(rel, "archive-corrupt", "a tar header with a bad size: the rest not read")
            return
        if typ in (b"L", b"K", b"x", b"g"):  # long name, long link, pax: a header for the next
            if size > lim.header:
                yield Skip(rel, "archive-corrupt", f"a tar header record of {size} bytes")
                return
            data = read_upto(source, _padded(size))[:size]
            if typ == b"L":
                long_name = data.split(b"\0", 1)[0]
            elif typ == b"x":
                pax = _pax_records(data)
            continue
        name = block[0:100].split(b"\0", 1)[0]
        if block[257:263] == b"ustar\0":  # POSIX: a prefix field (GNU uses it for times)
            prefix = block[345:500].split(b"\0", 1)[0]
            if prefix:
                name = prefix + b"/" + name
        if long_name is not None:
            name = long_name
        if b"path" in pax:
            name = pax[b"path"]
        if b"size" in pax:
            size = _decimal(pax[b"size"]) if _decimal(pax[b"size"]) is not None else size
        long_name, pax = None, {}
        assert size is not None
        shown = f"{rel}!{name.decode('utf-8', 'surrogateescape')}"
        if typ in _NO_CONTENT:  # (an unknown type is a regular file, as POSIX says)
            _discard(source, _padded(size))
            continue
        budget.members += 1
        if size > lim.member_size:
            yield Skip(
                shown, "too-large", f"{size} bytes > limit {lim.member_size} (--max-file-size)"
            )
            _discard(source, _padded(size))
            continue
        window = _Slice(source, size)
        yield Member(shown, Guarded(window, shown, budget, counts=counts))
        _discard(window, window.left)  # what the scan did not read
        if window.cut and not (isinstance(source, Guarded) and source.stopped is not None):
            yield Skip(shown, "archive-corrupt", "cut short: the archive ends inside it")
            return
        _discard(source, _padded(size) - size)
        if isinstance(source, Guarded) and source.stopped is not None:
            return  # the inflating stream was cut: the caller reports why


# Links, devices, folders, FIFOs, GNU volume labels, multi-volume parts, dump dirs.
_NO_CONTENT = frozenset((b"1", b"2", b"3", b"4", b"5", b"6", b"V", b"M", b"D"))


def _padded(size: int) -> int:
    return (size + 511) // 512 * 512


def _decimal(text: bytes) -> int | None:
    return int(text) if text.isdigit() and len(text) <= 20 else None


def _pax_records(data: bytes) -> dict[bytes, bytes]:
    """`length key=value\\n` records; malformed ones end the parse."""
    out: dict[bytes, bytes] = {}
    pos = 0
    while pos < len(data):
        space = data.find(b" ", pos, pos + 21)
        if space < 0:
            break
        length = _decimal(data[pos:space])
        if length is None or length <= space - pos or pos + length > len(data):
            break
        record = data[space + 1 : pos + length]
        key, eq, value = record.partition(b"=")
        if eq and record.endswith(b"\n"):
            out[key] = value[:-1]
        pos += length
    return out


class _Slice:
    """The next `size` bytes of a stream."""

    def __init__(self, raw: Readable, size: int) -> None:
        self._raw, self.left = raw, size
        self.cut = False  # the stream ended before `size` bytes

    def read(self, n: int = -1, /) -> bytes:
        want = self.left if n < 0 else min(n, self.left)
        if want <= 0:
            return b""
        data = self._raw.read(want)
        self.left -= len(data)
        if not data:
            self.left, self.cut = 0, True
        return data


def _discard(stream: Readable, n: int) -> None:
    """Pass over `n` bytes: a seek in a file, else read (and counted) in steps."""
    if n > 0 and isinstance(stream, io.IOBase) and stream.seekable():
        with contextlib.suppress(OSError, OverflowError, ValueError):
            stream.seek(n, 1)  # (beyond any end: the next read gives nothing)
        return
    while n > 0:
        data = stream.read(min(n, 1 << 20))
        if not data:
            return
        n -= len(data)
