"""Verification results cached in the user cache dir, keyed by sha256(token digest, host).

The token is never stored, nor its digest: only a hash of the digest and the host; what the API
answered passes the redactor, so an answer that echoes a token is not kept either. The file is
mode 0600 (folder 0700), written atomically (temporary file + rename); a corrupt file is ignored
with a notice and rewritten. Only definite answers (valid, invalid, SSO required) are cached.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from patlint.model import Secret, TokenInfo, TokenStatus

CACHE_FILE = "verification-v1.json"
CACHE_VERSION = 1
CACHEABLE = frozenset({TokenStatus.VALID, TokenStatus.INVALID, TokenStatus.SSO_REQUIRED})


def cache_dir() -> Path:
    """$XDG_CACHE_HOME/patlint, else ~/.cache/patlint."""
    base = os.environ.get("XDG_CACHE_HOME")
    root = Path(base) if base and os.path.isabs(base) else Path.home() / ".cache"
    return root / "patlint"


def cache_key(token_digest: str, host: str) -> str:
    """sha256 of the token's digest and the API host (never the token itself)."""
    return hashlib.sha256(f"{token_digest}\0{host.lower()}".encode()).hexdigest()


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

    def when(v: Any) -> datetime | None:
        return datetime.fromisoformat(v) if isinstance(v, str) else None

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


class VerificationCache:
    """Load once, answer lookups, save once (atomically) at the end of a scan."""

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
        self._dirty = False
        self._notices: list[str] = []
        self._load()

    def _load(self) -> None:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return
        except (OSError, UnicodeDecodeError) as exc:
            self._notices.append(
                f"verification cache {self.path} unreadable ({getattr(exc, 'strerror', None) or exc}); ignored"
            )
            return
        try:
            data = json.loads(text)
            if not isinstance(data, dict) or data.get("version") != CACHE_VERSION:
                raise ValueError("unexpected layout or version")
            entries = data["entries"]
            if not isinstance(entries, dict):
                raise ValueError("entries is not a mapping")
            for entry in entries.values():
                info_from_dict(entry["info"])  # validate now, not at lookup time
                float(entry["stored_at"])
        except (ValueError, KeyError, TypeError, RecursionError) as exc:
            self._notices.append(
                f"verification cache {self.path} is corrupt ({exc.__class__.__name__}); "
                "ignored and rewritten"
            )
            self._dirty = True
            return
        self._entries = {str(k): dict(v) for k, v in entries.items()}

    def notices(self) -> list[str]:
        """Problems with the cache file, once."""
        return list(self._notices)

    def get(self, token_digest: str, host: str) -> TokenInfo | None:
        """A fresh cached answer for this token on this host, or None."""
        entry = self._entries.get(cache_key(token_digest, host))
        if entry is None or not self._fresh(entry, self._clock()):
            return None
        return info_from_dict(entry["info"])

    def _fresh(self, entry: Mapping[str, Any], now: float) -> bool:
        """Stored at most `ttl` seconds ago; a time in the future (or NaN) is never fresh."""
        age = now - float(entry["stored_at"])
        return 0.0 <= age <= self.ttl

    def put(self, token_digest: str, host: str, info: TokenInfo) -> None:
        """Remember a definite answer (valid, invalid, SSO required); others are not cached."""
        if info.status not in CACHEABLE or self.ttl <= 0:
            return
        self._entries[cache_key(token_digest, host)] = {
            "stored_at": self._clock(),
            "info": info_to_dict(info),
        }
        self._dirty = True

    def save(self, known: Iterable[Secret] = ()) -> None:
        """Write the cache (expired entries dropped) atomically with mode 0600.

        The text passes the redactor (taught `known`, the tokens of this run): an API answer
        that echoes a token (as an owner, an SSO header, a reason) is not kept in plaintext.
        """
        if not self._dirty:
            return
        from patlint.redaction import Redactor

        now = self._clock()
        live = {k: v for k, v in self._entries.items() if self._fresh(v, now)}
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(prefix=".verification-", suffix=".tmp", dir=self.directory)
        try:
            os.fchmod(fd, 0o600)
            text = json.dumps({"version": CACHE_VERSION, "entries": live}, sort_keys=True)
            with os.fdopen(fd, "w", encoding="utf-8") as stream:
                stream.write(Redactor(known)(text))
            os.replace(tmp, self.path)
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            self._notices.append(
                f"verification cache {self.path} not written: {exc.strerror or exc}"
            )
            return
        self._dirty = False
