"""An archive's kind from a file's first bytes: what every scan asks of every file it reads,
apart from `patlint.sources.archives` (which opens archives, and which only a scan that meets
one imports: its module and dataclasses cost ~2 ms of a 10-file pre-commit run)."""

from __future__ import annotations

# First bytes of each kind (a tar's mark is at byte 257: see `kind_of`).
MAGICS = (b"PK\x03\x04", b"\x1f\x8b\x08", b"BZh", b"\xfd7zXZ\x00")
TAR_MAGIC_AT = 257
HEAD = 512  # bytes `kind_of` needs to see


def may_be_archive(head: bytes) -> bool:
    """Cheap test on a file's first bytes: could it be an archive (`kind_of` decides)."""
    return head.startswith(MAGICS) or head.find(b"ustar", TAR_MAGIC_AT, TAR_MAGIC_AT + 5) >= 0


def kind_of(head: bytes) -> str | None:
    """`zip`, `tar`, `gzip`, `bzip2` or `xz` from a file's first HEAD bytes, else None."""
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    if head.startswith(b"\x1f\x8b\x08"):
        return "gzip"
    if head.startswith(b"BZh") and head[3:4].isdigit() and head[4:10] == b"1AY&SY":
        return "bzip2"
    if head.startswith(b"\xfd7zXZ\x00"):
        return "xz"
    if len(head) >= HEAD and head[TAR_MAGIC_AT : TAR_MAGIC_AT + 5] == b"ustar":
        return "tar" if tar_checksum_ok(head[:512]) else None
    return None


def tar_checksum_ok(block: bytes) -> bool:
    stored = tar_number(block[148:156])
    if stored is None:
        return False
    unsigned = sum(block[:148]) + 8 * 32 + sum(block[156:512])
    signed = unsigned - 2 * sum(b for b in block[:148] + block[156:512] if b > 127)
    return stored in (unsigned, signed)


def tar_number(field: bytes) -> int | None:
    """An octal (or GNU base-256) number field; None when it is neither, or negative."""
    if field[:1] == b"\x80":  # base-256, positive
        return int.from_bytes(field[1:], "big")
    if field[:1] == b"\xff":
        return None  # base-256 negative: no size or checksum is
    text = field.split(b"\0", 1)[0].strip(b" ")
    if not text:
        return 0
    if not all(48 <= c <= 55 for c in text):
        return None
    return int(text, 8)
