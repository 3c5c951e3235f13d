"""GitHub's token checksum: CRC32 of the random part, Base62-encoded into the last 6 characters."""

from __future__ import annotations

import zlib

BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def base62(n: int, width: int = 6) -> str:
    """Base62 (0-9A-Za-z), most significant digit first, left-padded with '0' to `width`."""
    digits = []
    while n:
        n, r = divmod(n, 62)
        digits.append(BASE62[r])
    return "".join(reversed(digits)).rjust(width, "0")


def checksum_for(entropy: str) -> str:
    """The 6-character checksum GitHub appends to `entropy`."""
    return base62(zlib.crc32(entropy.encode("ascii")) & 0xFFFFFFFF)


def checksum_ok(token: str) -> bool:
    """True when the body after the last `_` ends in the CRC32/Base62 checksum of the rest."""
    body = token.rsplit("_", 1)[-1]
    if len(body) < 7 or not body.isascii():
        return False
    return checksum_for(body[:-6]) == body[-6:]
