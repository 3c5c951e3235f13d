"""Helpers for workstation tests: write a fake home directory, scan it like `patlint scan ~`."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from patlint.catalog.ruleset import RuleSet
from patlint.config import Config
from patlint.engine.ruleset import build_ruleset
from patlint.engine.run import ScanOptions, run_scan
from patlint.model import Candidate, Finding, ScanResult, sha256_hex
from patlint.sources.tree import WalkOptions
from patlint.sources.workstation import plan_scan

_RULESET: RuleSet | None = None


def ruleset() -> RuleSet:
    """The default ruleset (built once per test session)."""
    global _RULESET
    if _RULESET is None:
        _RULESET = build_ruleset(Config())
    return _RULESET


def write(home: Path, rel: str, text: str | bytes, mode: int = 0o600) -> Path:
    """Create `home/rel` with `text` and `mode`."""
    path = home / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    path.chmod(mode)
    return path


def scan_home(home: Path, **flags: Any) -> ScanResult:
    """Scan `home` as the CLI would for `patlint scan ~ --offline` (plus flags)."""
    rs = ruleset()
    plan = plan_scan(
        [str(home)],
        WalkOptions(),
        profile=flags.pop("profile", None),
        **flags,
    )
    result = run_scan(plan.roots, rs, ScanOptions(walk=plan.walk, jobs=1), extra_values=plan.values)
    result.notices.extend(plan.notices)
    return result


def places_of(result: ScanResult, token: str) -> list[Candidate]:
    """Every candidate of `token` (compared by digest)."""
    digest = sha256_hex(token)
    return [c for t in result.tokens if t.secret.digest == digest for c in t.candidates]


def at(result: ScanResult, token: str, path: str) -> list[Candidate]:
    """The candidates of `token` at `path`."""
    return [c for c in places_of(result, token) if c.location.path == path]


def hygiene(result: ScanResult, *rule_ids: str) -> list[tuple[str, str, int | None, str | None]]:
    """(rule, path, line, token digest) of findings of the given rules, sorted."""
    out = []
    for f in result.findings:
        if f.rule_id in rule_ids:
            out.append(
                (f.rule_id, f.location.path, f.location.line, f.token.sha256 if f.token else None)
            )
    return sorted(out, key=lambda x: (x[0], x[1], x[2] or 0, x[3] or ""))


def finding(result: ScanResult, rule_id: str) -> list[Finding]:
    """Findings of one rule."""
    return [f for f in result.findings if f.rule_id == rule_id]


def notices(result: ScanResult) -> list[str]:
    """Every notice of the scan (but the engine's "skipped for unverified tokens")."""
    return [
        n
        for n in [*result.stats.notices, *result.notices]
        if not n.startswith("policy rules that need GitHub's answer")
    ]


def digest(token: str) -> str:
    """sha256 of a token."""
    return sha256_hex(token)


__all__ = ["at", "digest", "finding", "hygiene", "notices", "os", "places_of", "scan_home", "write"]
