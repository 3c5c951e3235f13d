"""Bounded reads of what patlint is handed that is not a scan target.

Configs, baselines, reports, token lists, private keys and rule files are read whole, so each
has a size limit: `--private-key /dev/zero` or 1.5 GB on `revoke --file -` is a clear error
(exit 2), not a process that grows until the kernel kills it. A named file is opened without
blocking on a FIFO that has no writer; a FIFO, a pipe or a device the user names is still read
(process substitution, `/dev/stdin`), up to the limit.
"""

from __future__ import annotations

import os
import stat
from typing import BinaryIO

from patlint.errors import ConfigError

KiB, MiB = 1 << 10, 1 << 20
MAX_CONFIG = 1 * MiB  # .patlint.yaml, pyproject.toml
MAX_RULES = 4 * MiB  # one rule file
MAX_KEY = 64 * KiB  # a PEM private key is ~2-3 KiB
MAX_DOCUMENT = 64 * MiB  # baselines, JSON reports, token lists (revoke --file)
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)


def _mib(limit: int) -> str:
    return f"{limit / MiB:g} MiB" if limit >= MiB else f"{limit // KiB} KiB"


def read_stream(stream: BinaryIO, limit: int, what: str) -> bytes:
    """At most `limit` bytes of `stream`; ConfigError (naming `what`) when there are more."""
    chunks: list[bytes] = []
    total = 0
    while True:
        chunk = stream.read(min(1 * MiB, limit + 1 - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
        if total > limit:
            raise ConfigError(f"{what}: larger than {_mib(limit)}; not read")
    return b"".join(chunks)


FIFO_WAIT = 5.0  # seconds a FIFO may go without a writer before it is an error


def _wait_for_a_writer(fd: int, what: str) -> None:
    """A FIFO opened without blocking reads end-of-file until a writer opens it (`<(…)`, a
    pipe from another job), which read a late writer's report as empty: wait for one, for at
    most FIFO_WAIT seconds (a FIFO in a scanned tree has no writer: a clear error, no hang)."""
    import select

    if not hasattr(select, "poll"):
        return
    poller = select.poll()
    poller.register(fd, select.POLLIN | select.POLLHUP)
    if not poller.poll(int(FIFO_WAIT * 1000)):
        raise ConfigError(f"{what}: a FIFO nothing wrote to within {FIFO_WAIT:g} s; not read")


def read_file(path: str | os.PathLike[str], limit: int, what: str) -> bytes:
    """The bytes of `path`, at most `limit` of them; ConfigError when unreadable or larger."""
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError as exc:
        raise ConfigError(f"{what}: cannot read it ({exc.strerror or exc})") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise ConfigError(f"{what}: is a directory")
        if stat.S_ISREG(info.st_mode) and info.st_size > limit:
            raise ConfigError(f"{what}: {info.st_size} bytes, larger than {_mib(limit)}; not read")
        if stat.S_ISFIFO(info.st_mode):
            _wait_for_a_writer(fd, what)
        if not stat.S_ISREG(info.st_mode):
            os.set_blocking(fd, True)  # a FIFO or device the user named: wait for its data
        with os.fdopen(fd, "rb", buffering=0) as stream:
            fd = -1
            return read_stream(stream, limit, what)
    except OSError as exc:
        raise ConfigError(f"{what}: cannot read it ({exc.strerror or exc})") from None
    finally:
        if fd >= 0:
            os.close(fd)


def read_text(path: str | os.PathLike[str], limit: int, what: str) -> str:
    """`read_file` decoded as UTF-8; ConfigError when it is not UTF-8."""
    data = read_file(path, limit, what)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{what}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None


def read_own(path: str, limit: int) -> bytes | None:
    """The bytes of a cache file patlint wrote: a regular file of this user's, writable by no one
    else, at most `limit` bytes; None for anything else (a link, a FIFO — opened without
    blocking, then refused — another user's file, a larger one, an error)."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        geteuid = getattr(os, "geteuid", None)
        if (
            not stat.S_ISREG(st.st_mode)
            or st.st_mode & 0o022
            or (geteuid is not None and st.st_uid != geteuid())
            or st.st_size > limit
        ):
            return None
        chunks = []
        left = st.st_size + 1
        while left > 0:
            chunk = os.read(fd, left)
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        data = b"".join(chunks)
        return data if len(data) <= limit else None
    except OSError:
        return None
    finally:
        os.close(fd)
