"""Verification results cached in the user cache dir, keyed by sha256(token digest, host, API).

The token is never stored, nor its digest: only a hash of the digest, the host and the API base
URL that answered (an answer from `--github-api http://127.0.0.1:…` is not github.com's); what
the API answered passes the redactor, so an answer that echoes a token is not kept either. The
file is mode 0600 (folder 0700), written atomically (temporary file + rename) and merged under
a lock with what other scans wrote since it was read, so two concurrent scans lose nothing. It
is opened without blocking (a FIFO at its path cannot hang a scan) and read up to a size
limit; a corrupt, odd or unwritable cache is a notice, never a failed scan. Only definite
answers (valid, invalid, SSO required) are cached.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import stat
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from patlint.model import Secret, TokenInfo, TokenStatus, utc

CACHE_FILE = "verification-v1.json"
CACHE_VERSION = 1
CACHEABLE = frozenset({TokenStatus.VALID, TokenStatus.INVALID, TokenStatus.SSO_REQUIRED})
MAX_CACHE_BYTES = 64 << 20
LOCK_WAIT = 10.0  # seconds to wait for another scan's save before giving up on ours


def cache_dir() -> Path:
    """$XDG_CACHE_HOME/patlint, else ~/.cache/patlint."""
    base = os.environ.get("XDG_CACHE_HOME")
    root = Path(base) if base and os.path.isabs(base) else Path.home() / ".cache"
    return root / "patlint"


def cache_key(token_digest: str, host: str, api: str = "") -> str:
    """sha256 of the token's digest, the host and the API base URL (never the token itself)."""
    text = f"{token_digest}\0{host.lower()}" + (f"\0{api.rstrip('/').lower()}" if api else "")
    return hashlib.sha256(text.encode()).hexdigest()


def info_to_dict(info: TokenInfo) -> dict[str, Any]:
    """TokenInfo as JSON data (round-trips through `info_from_dict`)."""
    return {
        "status": info.status.value,
        "kind": info.kind,
        "host": info.host,
        "owner": info.owner,
        "scopes": sorted(info.scopes) if info.scopes is not None else None,
        "expires_at": info.expires_at.isoformat() if info.expires_at else None,
        "never_expires": info.never_expires,
        "sso": info.sso,
        "sso_orgs": list(info.sso_orgs),
        "permissions": dict(info.permissions) if info.permissions is not None else None,
        "undetermined": list(info.undetermined),
        "reason": info.reason,
        "checked_at": info.checked_at.isoformat() if info.checked_at else None,
    }


def info_from_dict(data: Mapping[str, Any]) -> TokenInfo:
    """Inverse of `info_to_dict`; raises ValueError/KeyError/TypeError on bad data."""

    def when(v: Any) -> datetime | None:  # a cache written by a run that trusted a bad date
        return utc(datetime.fromisoformat(v)) if isinstance(v, str) else None

    scopes = data.get("scopes")
    perms = data.get("permissions")
    return TokenInfo(
        status=TokenStatus(data["status"]),
        kind=str(data["kind"]),
        host=str(data["host"]),
        owner=data.get("owner"),
        scopes=frozenset(str(s) for s in scopes) if isinstance(scopes, list) else None,
        expires_at=when(data.get("expires_at")),
        never_expires=data.get("never_expires"),
        sso=data.get("sso"),
        sso_orgs=tuple(str(o) for o in data.get("sso_orgs") or ()),
        permissions={str(k): str(v) for k, v in perms.items()} if isinstance(perms, dict) else None,
        undetermined=tuple(str(u) for u in data.get("undetermined") or ()),
        reason=str(data.get("reason", "")),
        checked_at=when(data.get("checked_at")),
    )


class _Unusable(Exception):
    """The cache file cannot be used (a notice says why)."""


class VerificationCache:
    """Load once, answer lookups, save once at the end of a scan (merged, locked, atomic)."""

    def __init__(
        self,
        directory: Path | None = None,
        *,
        ttl: float = 3600.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.directory = directory or cache_dir()
        self.path = self.directory / CACHE_FILE
        self.ttl = ttl
        self._clock = clock
        self._entries: dict[str, dict[str, Any]] = {}
        self._new: dict[str, dict[str, Any]] = {}  # what this run learned: merged on save
        self._dirty = False
        self._rewrite = False  # the file on disk is corrupt: write ours even with nothing new
        self._odd = False  # the path is not a regular file: never written over
        self._notices: list[str] = []
        try:
            self._entries = self._read()
        except _Unusable as exc:
            self._notices.append(str(exc))

    def _read(self) -> dict[str, dict[str, Any]]:
        """The entries on disk; {} when there is no file; _Unusable with the reason otherwise."""
        flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
        flags |= getattr(os, "O_NOFOLLOW", 0)
        try:
            fd = os.open(self.path, flags)
        except (FileNotFoundError, NotADirectoryError):
            return {}  # no cache yet (or no folder for it: said when saving fails)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                self._odd = True
                raise _Unusable(
                    f"verification cache {self.path} is a symbolic link; not used"
                ) from None
            raise _Unusable(
                f"verification cache {self.path} unreadable ({exc.strerror or exc}); ignored"
            ) from None
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):  # a FIFO would block a read forever
                self._odd = True
                raise _Unusable(f"verification cache {self.path} is not a regular file; not used")
            if info.st_size > MAX_CACHE_BYTES:
                self._rewrite = True
                raise _Unusable(
                    f"verification cache {self.path} is larger than {MAX_CACHE_BYTES >> 20} MiB; "
                    "ignored and rewritten"
                )
            chunks = []
            total = 0
            while total <= MAX_CACHE_BYTES:
                chunk = os.read(fd, 1 << 20)
                if not chunk:
                    break
                chunks.append(chunk)
                total += len(chunk)
        except OSError as exc:
            raise _Unusable(
                f"verification cache {self.path} unreadable ({exc.strerror or exc}); ignored"
            ) from None
        finally:
            os.close(fd)
        try:
            data = json.loads(b"".join(chunks).decode("utf-8"))
            if not isinstance(data, dict) or data.get("version") != CACHE_VERSION:
                raise ValueError("unexpected layout or version")
            entries = data["entries"]
            if not isinstance(entries, dict):
                raise ValueError("entries is not a mapping")
            for entry in entries.values():
                info_from_dict(entry["info"])  # validate now, not at lookup time
                float(entry["stored_at"])
        except (ValueError, KeyError, TypeError, RecursionError) as exc:
            self._rewrite = True
            raise _Unusable(
                f"verification cache {self.path} is corrupt ({exc.__class__.__name__}); "
                "ignored and rewritten"
            ) from None
        return {str(k): dict(v) for k, v in entries.items()}

    def notices(self) -> list[str]:
        """Problems with the cache file, once."""
        return list(self._notices)

    def get(self, token_digest: str, host: str, api: str = "") -> TokenInfo | None:
        """A fresh cached answer for this token on this host (and API base URL), or None."""
        entry = self._entries.get(cache_key(token_digest, host, api))
        if entry is None or not self._fresh(entry, self._clock()):
            return None
        return info_from_dict(entry["info"])

    def _fresh(self, entry: Mapping[str, Any], now: float) -> bool:
        """Stored at most `ttl` seconds ago; a time in the future (or NaN) is never fresh."""
        try:
            age = now - float(entry["stored_at"])
        except (KeyError, TypeError, ValueError):
            return False
        return 0.0 <= age <= self.ttl

    def put(self, token_digest: str, host: str, info: TokenInfo, api: str = "") -> None:
        """Remember a definite answer (valid, invalid, SSO required); others are not cached."""
        if info.status not in CACHEABLE or self.ttl <= 0:
            return
        entry = {"stored_at": self._clock(), "info": info_to_dict(info)}
        key = cache_key(token_digest, host, api)
        self._entries[key] = entry
        self._new[key] = entry
        self._dirty = True

    def save(self, known: Iterable[Secret] = ()) -> None:
        """Merge what this run learned into the file as it is now, under a lock, atomically
        (mode 0600); expired entries are dropped. Trouble is a notice, never an error.

        The text passes the redactor (taught `known`, the tokens of this run): an API answer
        that echoes a token (as an owner, an SSO header, a reason) is not kept in plaintext.
        """
        if not (self._dirty or self._rewrite) or self._odd:
            return
        try:
            self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
            with _locked(self.directory):
                try:
                    on_disk = self._read()  # what other scans saved since we loaded
                except _Unusable:
                    if self._odd:
                        return
                    on_disk = {}
                self._write({**on_disk, **self._new}, known)
        except (OSError, TimeoutError) as exc:
            if any(
                n.startswith(f"verification cache {self.path} unreadable") for n in self._notices
            ):
                return  # one notice about an unusable cache is enough
            self._notices.append(
                f"verification cache {self.path} not written: "
                f"{getattr(exc, 'strerror', None) or exc}"
            )
            return
        self._dirty = self._rewrite = False
        self._new = {}

    def _write(self, entries: Mapping[str, dict[str, Any]], known: Iterable[Secret]) -> None:
        from patlint.redaction import Redactor

        now = self._clock()
        live = {k: v for k, v in entries.items() if self._fresh(v, now)}
        fd, tmp = tempfile.mkstemp(prefix=".verification-", suffix=".tmp", dir=self.directory)
        try:
            os.fchmod(fd, 0o600)
            text = json.dumps({"version": CACHE_VERSION, "entries": live}, sort_keys=True)
            with os.fdopen(fd, "w", encoding="utf-8") as stream:
                stream.write(Redactor(known)(text))
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise


@contextlib.contextmanager
def _locked(directory: Path) -> Iterator[None]:
    """Hold an exclusive lock on the cache folder for the block (no lock file is left behind);
    best effort where there is no fcntl. TimeoutError when another process holds it for more
    than LOCK_WAIT seconds."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: no merge lock, still atomic
        yield
        return
    fd = os.open(directory, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    try:
        deadline = time.monotonic() + LOCK_WAIT
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise TimeoutError("another patlint held its lock too long") from None
                time.sleep(0.02)
        yield
    finally:
        os.close(fd)  # releases the lock
