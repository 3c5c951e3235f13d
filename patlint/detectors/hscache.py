"""Compiled Hyperscan databases kept in the user cache dir, so a scan loads in ~20 µs what
took ~30 ms to compile (the pre-check's database of literals and shapes), once per process
that needs it: the main one before the workers fork, its name search, and each worker for
the rule sets of path-restricted rules.

A database is machine code for one Hyperscan build and one processor, compiled from data this
process chose (the rules), never from the scanned tree; the cache lives where the rule cache
does ($XDG_CACHE_HOME/patlint, else ~/.cache/patlint), never inside a scanned folder. An entry
is used only when all of this holds, else it is ignored (and written again after the compile):

- the folder is this user's and writable by no one else, the file is a regular file of this
  user's (not followed through a link), writable by no one else, and not larger than
  MAX_BYTES;
- it starts with MAGIC, then the exact key text of what it was compiled from (the cache's
  version, the hyperscan package's version, the machine, the mode, the flags and every
  expression) — the file name is only a digest of that text;
- the BLAKE2b-256 digest of the serialized database that follows matches the one stored: a truncated or
  corrupted file is never handed to Hyperscan's deserializer (which does not check);
- Hyperscan accepts it and can allocate scratch space for it (a database built for another
  processor is refused there).

Anyone who can write this user's cache folder can already run code as this user (the shell's
start-up files are in the same home), so the checks guard against corruption, another user's
files and another install's databases, not against the user.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import stat
from collections.abc import Sequence
from typing import Any

CACHE_VERSION = 1
MAGIC = b"patlint-hyperscan-db 1\n"
MAX_BYTES = 32 << 20  # a database of the shipped rules is ~50 KB; user rules may add more
MAX_FILES = 16  # databases kept (one per rule set and version); the oldest go first
PREFIX, SUFFIX = "hs-", ".db"


def cache_dir() -> str:
    """$XDG_CACHE_HOME/patlint, else ~/.cache/patlint (the rule cache's folder)."""
    from patlint.catalog.cache import cache_path

    return os.path.dirname(cache_path())


def key_text(hyperscan: Any, mode: int, expressions: Sequence[bytes], flags: int) -> bytes:
    """Everything a compiled database depends on, as one line of JSON."""
    version = getattr(hyperscan, "__version__", "?")
    parts = [CACHE_VERSION, str(version), platform.machine(), mode, flags]
    return json.dumps([*parts, [e.hex() for e in expressions]]).encode("ascii") + b"\n"


def _digest(data: bytes) -> bytes:
    """BLAKE2b-256 of `data`, without loading OpenSSL (hashlib's import does: the pre-commit
    path loads it only once a token is found; `_blake2` is what hashlib.blake2b is)."""
    try:
        from _blake2 import blake2b
    except ImportError:  # an interpreter without the module: hashlib's, OpenSSL and all
        from hashlib import blake2b
    return blake2b(data, digest_size=32).digest()


def _path(directory: str, key: bytes) -> str:
    return os.path.join(directory, PREFIX + _digest(key).hex()[:32] + SUFFIX)


def _own_dir(directory: str) -> bool:
    """The folder is a real folder of this user's that no one else may write to."""
    try:
        st = os.lstat(directory)
    except OSError:
        return False
    geteuid = getattr(os, "geteuid", None)
    return (
        stat.S_ISDIR(st.st_mode)
        and not st.st_mode & 0o022
        and (geteuid is None or st.st_uid == geteuid())
    )


def _read_own(path: str) -> bytes | None:
    from patlint.inputs import read_own

    return read_own(path, MAX_BYTES)


def load(hyperscan: Any, mode: int, expressions: Sequence[bytes], flags: int) -> Any | None:
    """The cached database compiled from exactly these expressions, or None."""
    directory = cache_dir()
    if not _own_dir(directory):
        return None
    key = key_text(hyperscan, mode, expressions, flags)
    data = _read_own(_path(directory, key))
    if data is None:
        return None
    head = MAGIC + key
    digest_end = len(head) + 32
    if not data.startswith(head) or len(data) <= digest_end:
        return None
    payload = data[digest_end:]
    if _digest(payload) != data[len(head) : digest_end]:
        return None
    try:
        db = hyperscan.loadb(payload, mode)
        hyperscan.Scratch(db)  # refused for a database built for another processor
    except Exception:  # any refusal (old loadb signature, version, platform): compile instead
        return None
    return db


def store(hyperscan: Any, db: Any, mode: int, expressions: Sequence[bytes], flags: int) -> None:
    """Write the database atomically (0600 file, 0700 folder); a failure only costs a compile."""
    import tempfile

    directory = cache_dir()
    tmp = None
    try:
        payload = bytes(hyperscan.dumpb(db))
        key = key_text(hyperscan, mode, expressions, flags)
        os.makedirs(directory, mode=0o700, exist_ok=True)
        if not _own_dir(directory):
            return
        fd, tmp = tempfile.mkstemp(prefix=".hs-", suffix=".tmp", dir=directory)
        if hasattr(os, "fchmod"):
            os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as stream:
            stream.write(MAGIC + key + _digest(payload) + payload)
        os.replace(tmp, _path(directory, key))
        tmp = None
        _prune(directory)
    except Exception:  # no space, read-only home, a dumpb refusal…: compile next time
        return
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def _prune(directory: str) -> None:
    """Keep the MAX_FILES most recently written databases."""
    found: list[tuple[float, str]] = []
    with os.scandir(directory) as entries:
        for entry in entries:
            if entry.name.startswith(PREFIX) and entry.name.endswith(SUFFIX):
                with contextlib.suppress(OSError):
                    found.append((entry.stat(follow_symlinks=False).st_mtime, entry.path))
    found.sort()
    for _mtime, path in found[:-MAX_FILES]:
        with contextlib.suppress(OSError):
            os.unlink(path)
