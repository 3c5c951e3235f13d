"""Text written in UTF-16 or UTF-32, turned into UTF-8 before detection.

Windows PowerShell 5.1 writes UTF-16LE for `>` and `Out-File`, and many Windows tools export
their configuration that way: every ASCII character of a token is then followed by a NUL byte,
and a detector reading bytes sees nothing. A file is taken for UTF-16/32 text when it starts
with a byte order mark, or when its first bytes hold NULs in the pattern mostly-ASCII text
has in that encoding (every second or every fourth byte) and the sample decodes to text
with few control characters. Anything else (UTF-8, ASCII, binary) is left as it is.

The decoded text is scanned as UTF-8, so lines and columns count characters of the decoded
text; offsets are mapped back to bytes of the file (`OffsetMap`). Large files are decoded
as a stream (`Utf8Stream`), so a token cut by a chunk border (or a code unit cut by a read)
is still found. Only this module knows which encodings exist.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from patlint.sources.reading import Readable


@dataclass(frozen=True, slots=True)
class Codec:
    """A UTF-16 or UTF-32 byte order, and how the file said so."""

    name: str  # Python's codec name: "utf-16-le"
    label: str  # how a location's note names it: "UTF-16LE"
    unit: int  # bytes per code unit: 2 or 4
    bom: int  # bytes of byte order mark at the start of the file (0: none)

    @property
    def errors(self) -> str:
        """UTF-16 keeps a lone surrogate (two bytes, one character); UTF-32 replaces what is
        no code point (four bytes, one character): either way each character of the decoded
        text stands for a known number of file bytes, which `OffsetMap` relies on."""
        return "surrogatepass" if self.unit == 2 else "replace"


UTF16LE = Codec("utf-16-le", "UTF-16LE", 2, 0)
UTF16BE = Codec("utf-16-be", "UTF-16BE", 2, 0)
UTF32LE = Codec("utf-32-le", "UTF-32LE", 4, 0)
UTF32BE = Codec("utf-32-be", "UTF-32BE", 4, 0)
# Longest first: the UTF-32LE mark starts with the UTF-16LE one.
_BOMS = (
    (b"\xff\xfe\0\0", Codec("utf-32-le", "UTF-32LE", 4, 4)),
    (b"\0\0\xfe\xff", Codec("utf-32-be", "UTF-32BE", 4, 4)),
    (b"\xff\xfe", Codec("utf-16-le", "UTF-16LE", 2, 2)),
    (b"\xfe\xff", Codec("utf-16-be", "UTF-16BE", 2, 2)),
)
_MARK_STARTS = (b"\xff\xfe", b"\xfe\xff")  # (the UTF-32BE mark starts with NUL: found below)
NUL_WINDOW = 64  # UTF-16/32 text with any ASCII in its first characters has a NUL in here
SAMPLE = 4096  # bytes the NUL pattern is judged on
_CONTROL = re.compile("[\0-\x08\x0e-\x1f\x7f]")  # not in text (tab, newlines, form feed are)
MAX_CONTROL = 0.02  # share of control characters a decoded sample may hold


def sniff(data: bytes) -> Codec | None:
    """The UTF-16/32 encoding of the text `data` starts, or None (UTF-8, ASCII or binary).

    Cheap where it matters: text without a byte order mark and without a NUL in its first
    NUL_WINDOW bytes (every UTF-8 and ASCII file) costs one prefix test and one bounded
    `find`; a binary file also costs a count of NULs over SAMPLE bytes.
    """
    if data.startswith(_MARK_STARTS) or data.startswith(b"\0\0\xfe\xff"):
        for mark, codec in _BOMS:
            if data.startswith(mark):
                return codec
    if data.find(b"\0", 0, NUL_WINDOW) < 0:
        return None
    return _by_nul_pattern(data[:SAMPLE])


def _by_nul_pattern(sample: bytes) -> Codec | None:
    """UTF-16/32 without a mark: the high bytes of mostly-ASCII text are NUL, the low ones
    are not, and the sample decodes to text (few control characters)."""
    n4 = len(sample) // 4
    if n4 >= 2:
        s = sample[: n4 * 4]
        # Every code point is at most 0x10FFFF: its highest byte is always 0.
        if s[3::4].count(0) == n4 and _mostly(s[2::4], n4) and _rarely(s[0::4], n4):
            return _checked(s, UTF32LE)
        if s[0::4].count(0) == n4 and _mostly(s[1::4], n4) and _rarely(s[3::4], n4):
            return _checked(s, UTF32BE)
    n2 = len(sample) // 2
    if n2 < 2:
        return None
    s = sample[: n2 * 2]
    high_le, high_be = s[1::2].count(0), s[0::2].count(0)
    if high_le * 5 >= n2 * 2 and high_be * 20 <= n2:  # >= 40 % vs <= 5 % NUL
        return _checked(s, UTF16LE)
    if high_be * 5 >= n2 * 2 and high_le * 20 <= n2:
        return _checked(s, UTF16BE)
    return None


def _mostly(column: bytes, n: int) -> bool:
    return column.count(0) * 10 >= n * 9


def _rarely(column: bytes, n: int) -> bool:
    return column.count(0) * 10 <= n


def _checked(sample: bytes, codec: Codec) -> Codec | None:
    """`codec` when the sample decodes to text; the last code unit may be cut in two."""
    try:
        text = codecs.getincrementaldecoder(codec.name)("strict").decode(sample)
    except UnicodeDecodeError:
        return None
    if not text or len(_CONTROL.findall(text)) > MAX_CONTROL * len(text):
        return None
    return codec


def decode(data: bytes, codec: Codec) -> bytes:
    """The whole of `data` (mark included) as UTF-8; a cut last code unit is dropped."""
    body = data[codec.bom :]
    body = body[: len(body) - len(body) % codec.unit]
    return body.decode(codec.name, codec.errors).encode("utf-8", "surrogatepass")


# Bytes of UTF-8 that start no character (continuation bytes), and those that start one of
# four bytes (a code point above U+FFFF: two UTF-16 code units). `bytes.translate` deletes
# all others in C, so counting them is one pass whatever the text holds.
_ALL = bytes(range(256))
_NOT_CONTINUATION = bytes(b for b in range(256) if not 0x80 <= b <= 0xBF)
_NOT_FOUR_BYTE_LEAD = bytes(b for b in range(256) if not 0xF0 <= b <= 0xF7)


def file_width(utf8: bytes, codec: Codec) -> int:
    """How many bytes of the file `codec` wrote for the decoded text `utf8`."""
    chars = len(utf8) - len(utf8.translate(_ALL, _NOT_CONTINUATION))
    if codec.unit == 4:
        return 4 * chars
    return 2 * (chars + len(utf8.translate(_ALL, _NOT_FOUR_BYTE_LEAD)))


class OffsetMap:
    """Offsets in one buffer of decoded UTF-8 → byte offsets in the file it was decoded from.

    `file_base` is the file offset of buf[0]. Asked in increasing order (hits arrive sorted),
    each call only measures the text since the previous one: linear, not quadratic.
    """

    __slots__ = ("_start", "buf", "codec", "file_at", "pos")

    def __init__(self, buf: bytes, codec: Codec, file_base: int) -> None:
        self.buf, self.codec = buf, codec
        self.pos, self.file_at = 0, file_base
        self._start = file_base

    def at(self, off: int) -> int:
        """File offset of buf[off]."""
        if off < self.pos:
            self.pos, self.file_at = 0, self._start
        self.file_at += file_width(self.buf[self.pos : off], self.codec)
        self.pos = off
        return self.file_at


class Utf8Stream:
    """A UTF-16/32 byte stream read as UTF-8 text: `read(n)` gives up to n bytes of UTF-8.

    The incremental decoder keeps a code unit (or surrogate pair) cut by a read for the next
    one. `consumed` counts the file bytes read so far (the mark included).
    """

    RAW = 1 << 20  # file bytes decoded at once

    def __init__(self, raw: Readable, codec: Codec, head: bytes = b"") -> None:
        self._raw = raw
        self._head = head  # bytes already read from `raw` (the sniffed start)
        self._decoder = codecs.getincrementaldecoder(codec.name)(codec.errors)
        self._skip = codec.bom
        self._out = b""
        self._eof = False
        self.consumed = 0

    def read(self, n: int = -1) -> bytes:
        """Up to `n` bytes of UTF-8 (fewer only at the end); everything left when n < 0."""
        parts = [self._out]
        have = len(self._out)
        while (n < 0 or have < n) and not self._eof:
            more = self._decoded()
            parts.append(more)
            have += len(more)
        data = b"".join(parts)
        if n < 0 or len(data) <= n:
            self._out = b""
            return data
        self._out = data[n:]
        return data[:n]

    def _decoded(self) -> bytes:
        """UTF-8 of the next raw read (empty at the end of the stream)."""
        if self._head:
            chunk, self._head = self._head, b""
        else:
            chunk = self._raw.read(self.RAW)
        if not chunk:
            self._eof = True
            return b""
        self.consumed += len(chunk)
        if self._skip:
            cut = min(self._skip, len(chunk))
            chunk, self._skip = chunk[cut:], self._skip - cut
        return self._decoder.decode(chunk).encode("utf-8", "surrogatepass")
