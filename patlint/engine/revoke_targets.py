"""What `patlint revoke` should revoke: tokens re-read from a report's places, a file or stdin.

A JSON report never holds a token, only its SHA-256 and redacted preview. So the report is a
list of places to look: each place is read again (a file, or a git blob for history findings)
and only tokens whose SHA-256 is in the report are kept. The report is safe to pass around;
revoking needs access to the places themselves.
"""

from __future__ import annotations

import functools
import json
import os
import re
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from patlint.detectors.pattern import Detector
from patlint.engine.filescan import FileResult, scan_bytes, scan_path
from patlint.errors import ConfigError
from patlint.hosts import GITHUB_COM
from patlint.model import Candidate, Secret
from patlint.sources import gitcmd, gitguard


@dataclass(frozen=True, slots=True)
class Target:
    """One token to revoke and the GitHub hosts it was found for (github.com when unnamed)."""

    secret: Secret
    hosts: tuple[str, ...]
    places: tuple[str, ...] = ()


@dataclass(slots=True)
class Targets:
    """Tokens to revoke, plus what was listed but could not be found again or is not revocable."""

    found: list[Target] = field(default_factory=list)
    missing: list[tuple[str, str, str, str]] = field(
        default_factory=list
    )  # preview, sha, kind, why
    notes: list[str] = field(default_factory=list)


def _hosts(cands: Iterable[Candidate], default_host: str) -> tuple[str, ...]:
    from patlint.hosts import normalize_host

    out: list[str] = []
    for c in cands:
        host = normalize_host(c.context.host) or default_host
        if host not in out:
            out.append(host)
    return tuple(out) or (default_host,)


def group(cands: Iterable[Candidate], default_host: str = GITHUB_COM) -> list[Target]:
    """One Target per unique token (by digest), in the order first seen."""
    by_digest: dict[str, list[Candidate]] = {}
    for c in cands:
        if c.checksum_valid is False or c.secret.kind == "invalid":
            continue  # checksum fails: not a real token, never sent anywhere
        by_digest.setdefault(c.secret.digest, []).append(c)
    return [
        Target(
            secret=cs[0].secret,
            hosts=_hosts(cs, default_host),
            places=tuple(dict.fromkeys(c.location.display() for c in cs)),
        )
        for cs in by_digest.values()
    ]


def from_text(data: bytes, name: str, detector: Detector, *, host: str = GITHUB_COM) -> Targets:
    """Tokens in a file of tokens (one per line) or any text; they are for `host`."""
    result = scan_bytes(data, name, detector)
    return Targets(found=group(result.candidates, host))


def _resolve(path: str, root: str) -> str | None:
    """The file a report's path names (`~/…` is the home folder), when it lies under `root`;
    None for a place outside it: a forged report naming `/home/you/.config/gh/hosts.yml` (or
    `../../x`) would have `revoke` read, and revoke, a token the user never meant (an
    attacker's review). `--root ~` lets a home scan's `~/…` places be read."""
    if "\0" in path:
        return None
    if path.startswith("~/"):
        name = os.path.join(os.path.expanduser("~"), path[2:])
    else:
        name = os.path.join(root, path)
    real, top = os.path.realpath(name), os.path.realpath(root)
    return name if real == top or real.startswith(top.rstrip(os.sep) + os.sep) else None


def _shown(value: Any) -> str:
    """A report's free text for the terminal: control characters and bidi marks escaped."""
    from patlint.report.common import safe

    return safe(str(value))[:80]


def _unescape(path: str) -> str:
    """A report path back to the file-system name: reports write each byte of a file name that
    is not UTF-8 as `\\xNN` (always >= 0x80), so such a file could not be found again."""
    raw = re.sub(rb"\\x([89a-f][0-9a-f])", lambda m: bytes([int(m[1], 16)]), os.fsencode(path))
    return os.fsdecode(raw)


@functools.lru_cache(maxsize=16)
def _blocked(root: str) -> bool:
    return gitguard.precheck(root) is not None


def _read_blob(root: str, blob: str) -> bytes | None:
    if not all(ch in "0123456789abcdef" for ch in blob) or not 7 <= len(blob) <= 64:
        return None
    if _blocked(root):
        return None  # git would wait for ever there (a FIFO in its git dir): not read again
    try:
        proc = gitguard.run(gitcmd.argv(root, "cat-file", "blob", blob), timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return proc.stdout if proc.returncode == 0 else None


def _load_report(path: str) -> dict[str, Any]:
    from patlint.inputs import MAX_DOCUMENT, read_text

    text = read_text(path, MAX_DOCUMENT, f"--from-report {path}")
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ConfigError(f"--from-report {path}: not JSON ({exc})") from None
    except RecursionError:
        raise ConfigError(f"--from-report {path}: not JSON (nested too deeply)") from None
    if not isinstance(data, dict) or not isinstance(data.get("tokens"), list):
        raise ConfigError(
            f"--from-report {path}: expected a patlint JSON report (`patlint scan --format json`)"
        )
    return data


def _rank(label: Any) -> int:
    from patlint.model import Severity

    try:
        return int(Severity.parse(str(label)))
    except (ValueError, KeyError, ConfigError):
        return -1


def _findings_of(data: dict[str, Any]) -> dict[str, list[tuple[str, int]]]:
    """(rule id, severity rank) of the report's findings, per token SHA-256."""
    out: dict[str, list[tuple[str, int]]] = {}
    for f in data.get("findings") or []:
        token = f.get("token") if isinstance(f, dict) else None
        if isinstance(token, dict) and isinstance(token.get("sha256"), str):
            out.setdefault(token["sha256"], []).append(
                (str(f.get("rule_id", "")), _rank(f.get("severity")))
            )
    return out


def report_rules(path: str) -> set[str]:
    """The rule ids a report's findings name (to check --rule against)."""
    return {r for hits in _findings_of(_load_report(path)).values() for r, _ in hits}


def from_report(
    path: str,
    detector: Detector,
    *,
    root: str = ".",
    max_size: int = 256 << 20,
    rules: Sequence[str] = (),
    min_severity: int | None = None,
) -> Targets:
    """Re-read each place a report lists and keep the tokens whose SHA-256 the report names —
    those with a finding of one of `rules` and at or above `min_severity` when given. A token
    the report says GitHub rejects is listed as skipped, not read again: nothing to revoke."""
    data = _load_report(path)
    out = Targets()
    wanted: dict[str, dict[str, Any]] = {}
    findings = _findings_of(data)
    left_out = 0
    for entry in data["tokens"]:
        if not (isinstance(entry, dict) and isinstance(entry.get("sha256"), str)):
            continue
        sha = entry["sha256"]
        if rules or min_severity is not None:
            hits = [
                (r, rank)
                for r, rank in findings.get(sha, [])
                if (not rules or r in rules) and (min_severity is None or rank >= min_severity)
            ]
            if not hits:
                left_out += 1
                continue
        answer = entry.get("verification")
        if isinstance(answer, dict) and answer.get("status") == "invalid":
            out.missing.append(
                (
                    _shown(entry.get("preview", "")),
                    sha,
                    _shown(entry.get("kind", "")),
                    "GitHub already rejects it (the report's answer): nothing to revoke",
                )
            )
            continue
        wanted[sha] = entry
    if left_out:
        out.notes.append(
            f"{path}: {left_out} token{'s' if left_out != 1 else ''} left out "
            "(no finding matching --rule/--min-severity)"
        )
    found: list[Candidate] = []
    scanned: dict[str, FileResult] = {}
    outside: set[str] = set()
    for entry in wanted.values():
        for loc in entry.get("locations") or []:
            if not isinstance(loc, dict) or not isinstance(loc.get("path"), str):
                continue
            rel = loc["path"]
            blob = loc.get("blob")
            key = f"blob:{blob}" if isinstance(blob, str) else f"path:{rel}"
            if key not in scanned:
                if not isinstance(blob, str) and _resolve(rel, root) is None:
                    outside.add(rel)
                scanned[key] = _scan_place(rel, blob, root, detector, max_size)
            found.extend(c for c in scanned[key].candidates if c.secret.digest == entry["sha256"])
    if outside:
        n = len(outside)
        out.notes.append(
            f"{path}: {n} place{'s' if n != 1 else ''} outside --root {root} not read "
            "(a report's places are read only under the folder it was made for)"
        )
    out.found = group(found)
    have = {t.secret.digest for t in out.found}
    for sha, entry in wanted.items():
        if sha not in have:
            out.missing.append(
                (
                    _shown(entry.get("preview", "")),
                    sha,
                    _shown(entry.get("kind", "")),
                    "not found again at the places the report lists (moved or removed? paths "
                    "are relative to the scanned folder: pass it as --root)",
                )
            )
    return out


def _scan_place(rel: str, blob: Any, root: str, detector: Detector, max_size: int) -> FileResult:
    if isinstance(blob, str):
        data = _read_blob(root, blob)
        if data is None:
            return FileResult()
        return scan_bytes(data, rel, detector)
    out = FileResult()
    # Both names the report's path can stand for (only tokens with its SHA-256 are kept).
    for name in dict.fromkeys((_resolve(rel, root), _resolve(_unescape(rel), root))):
        if name is not None and os.path.isfile(name):
            out.candidates += scan_path(name, rel, detector, max_size=max_size).candidates
    return out


def merge(parts: Sequence[Targets]) -> Targets:
    """Several inputs as one: a token listed twice is revoked once."""
    out = Targets()
    seen: dict[str, int] = {}
    for part in parts:
        for t in part.found:
            if t.secret.digest in seen:
                prev = out.found[seen[t.secret.digest]]
                hosts = tuple(dict.fromkeys((*prev.hosts, *t.hosts)))
                places = tuple(dict.fromkeys((*prev.places, *t.places)))
                out.found[seen[t.secret.digest]] = Target(prev.secret, hosts, places)
                continue
            seen[t.secret.digest] = len(out.found)
            out.found.append(t)
        out.missing.extend(part.missing)
        out.notes.extend(part.notes)
    return out


def only_digests(targets: Targets, prefixes: Sequence[str]) -> Targets:
    """The targets whose SHA-256 starts with one of `prefixes`; a note for a prefix that
    matches none, and ConfigError for one that matches several (which one is meant?)."""
    out = Targets(notes=list(targets.notes))
    for p in prefixes:
        hits = [t for t in targets.found if t.secret.digest.startswith(p)]
        if len(hits) > 1:
            raise ConfigError(f"{p} starts the SHA-256 of {len(hits)} tokens: give more of it")
        if not hits:
            out.notes.append(f"no token with sha256 {p}… in the input: nothing to revoke for it")
        out.found += [t for t in hits if t not in out.found]
    out.missing = [m for m in targets.missing if any(m[1].startswith(p) for p in prefixes)]
    return out
