"""Baselines: the findings a team has accepted, so a scan reports only what is new.

patlint's own baseline is JSON with a schema version; each entry records the finding's
fingerprint and where it was (rule id, path, line, token kind, redacted preview, SHA-256),
never the token. An entry covers every rule for that token at that path, so a baselined
token does not come back as a policy finding once verification is on. A detect-secrets
`.secrets.baseline` is accepted too: its entries match by `hashed_secret` (SHA-1 of the token).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from patlint.errors import ConfigError
from patlint.kinds import CHECKSUM_KINDS
from patlint.model import Finding, finding_fingerprint

SCHEMA_VERSION = 1
# detect-secrets 1.5's own GitHubTokenDetector regex has one capture group, the prefix, so
# its `hashed_secret` is SHA-1("ghp") for every classic token: such entries match no token.
_PREFIX_ONLY = {
    hashlib.sha1(p.encode(), usedforsecurity=False).hexdigest(): p
    for p in sorted(CHECKSUM_KINDS)  # the kinds its regex knows: ghp, gho, ghu, ghs, ghr
}
_HEX64 = frozenset("0123456789abcdef")


@dataclass(frozen=True, slots=True)
class Entry:
    """One accepted finding."""

    fingerprint: str
    rule_id: str
    path: str
    token_sha256: str
    kind: str
    preview: str
    line: int | None = None
    column: int | None = None
    offset: int | None = None
    commit: str | None = None
    reason: str = ""  # why it was accepted; written by people, kept by `baseline update`

    @classmethod
    def of(cls, f: Finding, *, reason: str = "") -> Entry:
        """The entry for a finding."""
        loc = f.location
        return cls(
            fingerprint=f.fingerprint,
            rule_id=f.rule_id,
            path=loc.path,
            token_sha256=f.token.sha256 if f.token else "",
            kind=f.token.kind if f.token else "",
            preview=f.token.preview if f.token else "",
            line=loc.line,
            column=loc.column,
            offset=loc.offset,
            commit=loc.commit,
            reason=reason,
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data (empty optional fields dropped)."""
        out: dict[str, Any] = {
            "fingerprint": self.fingerprint,
            "rule_id": self.rule_id,
            "path": self.path,
            "token": {"kind": self.kind, "preview": self.preview, "sha256": self.token_sha256},
        }
        for name in ("line", "column", "offset", "commit"):
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        if self.reason:
            out["reason"] = self.reason
        return out


@dataclass(frozen=True, slots=True)
class Baseline:
    """A loaded baseline: finding keys (patlint) and token SHA-1s (detect-secrets)."""

    source: str
    format: str  # "patlint" | "detect-secrets"
    entries: tuple[Entry, ...] = ()
    sha1s: frozenset[str] = frozenset()
    notices: tuple[str, ...] = ()

    @property
    def keys(self) -> frozenset[str]:
        """Fingerprints, plus one token-at-path key per entry (covers every rule there)."""
        out: set[str] = set()
        for e in self.entries:
            out.add(e.fingerprint)
            if e.token_sha256:
                out.add(finding_fingerprint("*", e.path, e.token_sha256))
        return frozenset(out)


def entries_for(findings: Iterable[Finding], previous: Baseline | None = None) -> tuple[Entry, ...]:
    """Entries for the findings, sorted by path and line; reasons carried over from `previous`."""
    reasons = {e.fingerprint: e.reason for e in previous.entries} if previous else {}
    seen: set[str] = set()
    out = []
    for f in findings:
        if f.fingerprint in seen:
            continue
        seen.add(f.fingerprint)
        out.append(Entry.of(f, reason=reasons.get(f.fingerprint, "")))
    out.sort(key=lambda e: (e.path, e.offset or 0, e.rule_id))
    return tuple(out)


def to_dict(entries: Sequence[Entry], *, version: str) -> dict[str, Any]:
    """The baseline document."""
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "patlint", "version": version},
        "findings": [e.to_dict() for e in entries],
    }


def dumps(entries: Sequence[Entry], *, version: str) -> str:
    """The baseline as stable, diff-friendly JSON text."""
    return json.dumps(to_dict(entries, version=version), indent=2, sort_keys=True) + "\n"


def load(path: Path) -> Baseline:
    """Load a patlint baseline or a detect-secrets `.secrets.baseline`."""
    from patlint.inputs import MAX_DOCUMENT, read_text

    text = read_text(path, MAX_DOCUMENT, f"{path}: baseline")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path}: baseline is not valid JSON: {exc}") from None
    except RecursionError:
        raise ConfigError(f"{path}: baseline is not valid JSON: nested too deeply") from None
    if isinstance(data, Mapping) and "results" in data and "schema_version" not in data:
        return _detect_secrets(data, str(path))
    return parse(data, str(path))


def parse(data: object, source: str) -> Baseline:
    """Validate a patlint baseline document."""
    if not isinstance(data, Mapping):
        raise ConfigError(f"{source}: expected a JSON object with schema_version and findings")
    version = data.get("schema_version")
    if version != SCHEMA_VERSION:
        raise ConfigError(
            f"{source}: schema_version: expected {SCHEMA_VERSION}, got {version!r} "
            "(recreate it with `patlint baseline create`)"
        )
    items = data.get("findings")
    if not isinstance(items, list):
        raise ConfigError(f"{source}: findings: expected a list")
    return Baseline(
        source=source,
        format="patlint",
        entries=tuple(_entry(item, f"{source}: findings[{i}]") for i, item in enumerate(items)),
    )


def _entry(item: object, where: str) -> Entry:
    if not isinstance(item, Mapping):
        raise ConfigError(f"{where}: expected an object")
    fp = item.get("fingerprint")
    if not isinstance(fp, str) or len(fp) != 64 or not set(fp) <= _HEX64:
        raise ConfigError(f"{where}.fingerprint: expected a SHA-256 hex digest")
    token = item.get("token") or {}
    if not isinstance(token, Mapping):
        raise ConfigError(f"{where}.token: expected an object with kind, preview, sha256")
    digest = str(token.get("sha256", ""))
    if digest and (len(digest) != 64 or not set(digest) <= _HEX64):
        raise ConfigError(f"{where}.token.sha256: expected a SHA-256 hex digest")
    for name in ("rule_id", "path"):
        if not isinstance(item.get(name), str):
            raise ConfigError(f"{where}.{name}: expected a string")

    def opt_int(name: str) -> int | None:
        value = item.get(name)
        if value is None:
            return None
        if not isinstance(value, int) or isinstance(value, bool):
            raise ConfigError(f"{where}.{name}: expected an integer")
        return value

    commit = item.get("commit")
    return Entry(
        fingerprint=fp,
        rule_id=str(item["rule_id"]),
        path=str(item["path"]),
        token_sha256=digest,
        kind=str(token.get("kind", "")),
        preview=str(token.get("preview", "")),
        line=opt_int("line"),
        column=opt_int("column"),
        offset=opt_int("offset"),
        commit=str(commit) if commit is not None else None,
        reason=str(item.get("reason", "")),
    )


def ds_key(path: str, sha1: str) -> str:
    """A detect-secrets entry's identity: its file (as detect-secrets names it) and hashed secret.

    detect-secrets matches per file, so an entry must not hide the same token in another file.
    """
    path = path.replace("\\", "/")
    while path.startswith("./"):
        path = path[2:]
    return f"{path}\0{sha1.lower()}"


def _detect_secrets(data: Mapping[str, Any], source: str) -> Baseline:
    results = data.get("results")
    if not isinstance(results, Mapping):
        raise ConfigError(f"{source}: results: expected an object of file name to secrets")
    sha1s: set[str] = set()
    prefix_only = 0
    for filename, secrets in results.items():
        if not isinstance(secrets, list):
            raise ConfigError(f"{source}: results[{filename!r}]: expected a list")
        for i, secret in enumerate(secrets):
            hashed = secret.get("hashed_secret") if isinstance(secret, Mapping) else None
            if not isinstance(hashed, str) or len(hashed) != 40:
                raise ConfigError(
                    f"{source}: results[{filename!r}][{i}].hashed_secret: expected a SHA-1 hex digest"
                )
            if hashed.lower() in _PREFIX_ONLY:
                prefix_only += 1
                continue
            sha1s.add(ds_key(str(filename), hashed))
    notices: tuple[str, ...] = ()
    if prefix_only:
        notices = (
            f"{source}: {prefix_only} detect-secrets entries hash only a token prefix "
            "(detect-secrets' GitHubTokenDetector) and cannot match a token; rescan with "
            "`detect-secrets scan --plugin <patlint>/detectors/secrets_adapter.py` or use "
            "`patlint baseline create`",
        )
    return Baseline(source=source, format="detect-secrets", sha1s=frozenset(sha1s), notices=notices)
