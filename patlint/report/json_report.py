"""`--format json`: one document, sorted keys, versioned schema (patlint/schemas/report-v1.json)."""

from __future__ import annotations

from typing import Any, TextIO

from patlint.model import PlaceFinding, ScanResult
from patlint.report import jsontext
from patlint.report.common import (
    ReportMeta,
    finding_dict,
    json_path,
    location_dict,
    token_info_dict,
)

# 1.1: `repository` and `moved_from` in locations, `detections` per token, `collected` and
# `fleet`: what `patlint merge` reads back to judge the union of several reports again.
SCHEMA_VERSION = "1.1"


def place_dict(p: PlaceFinding) -> dict[str, Any]:
    """A place finding as collected (before judging), for `patlint merge`; never the token."""
    return {
        "rule_id": p.rule_id,
        "message": p.message,
        "location": location_dict(p.location),
        "token": (
            {"kind": p.secret.kind, "preview": p.secret.preview, "sha256": p.secret.digest}
            if p.secret is not None
            else None
        ),
        "context": p.context.to_dict(),
        "severity": p.severity.label if p.severity is not None else None,
        "suppress": p.suppress,
    }


def build(result: ScanResult, meta: ReportMeta) -> dict[str, Any]:
    """The report as plain data."""
    by_sev: dict[str, int] = {}
    for f in result.findings:
        by_sev[f.severity.label] = by_sev.get(f.severity.label, 0) + 1
    rules_by_token: dict[str, list[str]] = {}
    for f in [*result.findings, *result.suppressed]:
        if f.token is not None:
            rules_by_token.setdefault(f.token.sha256, []).append(f.rule_id)
    stats = result.stats
    doc: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "patlint", "version": meta.version},
        "summary": {
            "findings": len(result.findings),
            "by_severity": by_sev,
            "tokens": len(result.tokens),
            "files_scanned": stats.files_scanned,
            "bytes_scanned": stats.bytes_scanned,
            "skipped": len(stats.skipped),
            "skipped_by_reason": stats.skipped_by_reason(),
            "incomplete": len(stats.incomplete()),
            "suppressed": len(result.suppressed),
            "config": meta.config_source,
            "config_narrowed": list(meta.config_narrowed),
            "fail_on": meta.fail_on,
            "exit_code": meta.exit_code,
            "verification": meta.verification,
        },
        "findings": [finding_dict(f) for f in result.findings],
        "suppressed": [finding_dict(f) for f in result.suppressed],
        "tokens": [
            {
                "sha256": t.secret.digest,
                "kind": t.secret.kind,
                "preview": t.secret.preview,
                "locations": [location_dict(c.location) for c in t.candidates],
                "contexts": [c.context.to_dict() for c in t.candidates],
                "verification": token_info_dict(t.info),
                "rules": sorted(set(rules_by_token.get(t.secret.digest, []))),
                "detections": [
                    {
                        "rule_id": c.rule_id,
                        "checksum_valid": c.checksum_valid,
                        "suppress": c.suppress,
                    }
                    for c in t.candidates
                ],
            }
            for t in result.tokens
        ],
        "skipped": [
            {"path": json_path(s.path), "reason": s.reason, "detail": s.detail}
            for s in stats.skipped
        ],
        "notices": [*stats.notices, *result.notices],
        "collected": {
            "places": [place_dict(p) for p in result.places],
            "notices": list(stats.notices),
        },
    }
    if result.fleet is not None:
        doc["fleet"] = {
            "shards": list(result.fleet.shards),
            "repositories": [
                {"name": r.name, "status": r.status, **({"detail": r.detail} if r.detail else {})}
                for r in result.fleet.repositories
            ],
        }
    return doc


def render(result: ScanResult, *, stream: TextIO, meta: ReportMeta) -> None:
    """Write the JSON report."""
    # Messages and notices may quote a file name with undecodable bytes: keep the JSON UTF-8.
    jsontext.dump(build(result, meta), stream)
