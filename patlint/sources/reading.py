"""Reading files safely: open without following a final symlink or blocking, read whole or in
chunks, sniff binary content, and map byte offsets to 1-based lines and columns."""

from __future__ import annotations

import errno
import os
import stat
from typing import Protocol

from patlint.model import Skip

BINARY_SNIFF = 8192
UTF8_BOM = b"\xef\xbb\xbf"


OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)


def open_regular(path: str) -> tuple[int, os.stat_result] | Skip:
    """Open without following a final symlink and without blocking; refuse non-regular files."""
    try:
        fd = os.open(path, OPEN_FLAGS)
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


def read_fd(fd: int, size: int) -> bytes:
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


class Readable(Protocol):
    """Anything with a file's `read` (a file, a git blob, decoded text, an archive member)."""

    def read(self, n: int = -1, /) -> bytes:
        """Up to `n` bytes; empty at the end."""


def read_chunk(fh: Readable, size: int) -> bytes:
    """Up to `size` bytes from `fh` (fewer only at end of stream)."""
    parts = []
    want = size
    while want > 0:
        part = fh.read(want)
        if not part:
            break
        parts.append(part)
        want -= len(part)
    return b"".join(parts)


class Prefixed:
    """`head` (bytes already read from `rest`) and then the rest of `rest`."""

    def __init__(self, head: bytes, rest: Readable) -> None:
        self._head, self._rest = head, rest

    def read(self, n: int = -1, /) -> bytes:
        """Up to `n` bytes (everything left when n < 0)."""
        if not self._head:
            return self._rest.read(n)
        if 0 <= n < len(self._head):
            out, self._head = self._head[:n], self._head[n:]
            return out
        out, self._head = self._head, b""
        return out + self._rest.read(-1 if n < 0 else n - len(out))


class Lines:
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
        "start",
    )

    def __init__(self, buf: bytes, base: int, lines_before: int, line_start: int) -> None:
        self.buf, self.base = buf, base
        self.lines_before, self.line_start = lines_before, line_start
        # A UTF-8 byte order mark is no character of the first line (editors do not show it).
        self.start = len(UTF8_BOM) if base == 0 and buf.startswith(UTF8_BOM) else 0
        self._reset()

    def _reset(self) -> None:
        self.pos = 0  # bytes of buf already looked at
        self.lines = 0  # newlines in buf[:pos]
        self.nl = -1  # index of the last newline in buf[:pos]
        self.col_pos = self.start  # where `col` was counted up to
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


def looks_binary(data: bytes) -> bool:
    """True when the first BINARY_SNIFF bytes hold a NUL byte."""
    return data.find(b"\0", 0, BINARY_SNIFF) >= 0
