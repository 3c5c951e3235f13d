"""`patlint org` reports: the inventory table and findings (text), or JSON, or the HTML page."""

from __future__ import annotations

import json
from typing import Any, TextIO

from patlint.model import OrgResult, OrgToken
from patlint.redaction import redact_text
from patlint.report.common import ReportMeta, finding_dict
from patlint.report.text import safe

SCHEMA_VERSION = "2.0"  # 2.0: inventory[].repository_count is a number or null


def _date(value: Any) -> str:
    return f"{value:%Y-%m-%d}" if value is not None else ""


def _power(e: OrgToken) -> str:
    if e.source == "saml":
        return ", ".join(sorted(e.scopes or ())) or "(no scopes)"
    writes = [k for k, v in e.permissions.items() if v in ("write", "admin")]
    reads = len(e.permissions) - len(writes)
    return (", ".join(f"{k}: write" for k in writes) or "read only") + (
        f" (+{reads} read)" if reads and writes else ""
    )


def entry_dict(e: OrgToken) -> dict[str, Any]:
    """An inventory entry as JSON-ready data (no token: the API never returns one)."""
    return {
        "source": e.source,
        "id": e.id,
        "kind": e.kind,
        "preview": e.preview,
        "owner": e.owner,
        "name": e.name,
        "repository_selection": e.repository_selection,
        "repository_count": e.repository_count,
        "repositories": list(e.repositories) if e.repositories is not None else None,
        "permissions": dict(e.permissions),
        "scopes": sorted(e.scopes) if e.scopes is not None else None,
        "expires_at": e.expires_at.isoformat() if e.expires_at else None,
        "expired": e.expired,
        "last_used_at": e.last_used_at.isoformat() if e.last_used_at else None,
        "never_used": e.never_used,
        "granted_at": e.granted_at.isoformat() if e.granted_at else None,
    }


def summary_line(result: OrgResult) -> str:
    """`patlint org ORG: N tokens (F fine-grained, S SAML); M findings (…)`."""
    fg = sum(1 for e in result.inventory if e.source == "fine-grained")
    counts: dict[str, int] = {}
    for f in result.findings:
        counts[f.severity.label] = counts.get(f.severity.label, 0) + 1
    order = ["critical", "high", "medium", "low", "info"]
    sev = ", ".join(f"{counts[s]} {s}" for s in order if s in counts)
    n = len(result.findings)
    return (
        f"patlint org {safe(result.org)} ({result.host}): {len(result.inventory)} tokens "
        f"({fg} fine-grained, {len(result.inventory) - fg} SAML-authorized); "
        f"{n} finding{'s' if n != 1 else ''}"
        + (f" ({sev})" if sev else "")
        + f"; {len(result.suppressed)} suppressed"
    )


def render_text(result: OrgResult, *, stream: TextIO, meta: ReportMeta) -> None:
    """Inventory table, then findings table, notices and the summary line."""
    from tabulate import tabulate

    rows = [
        [
            e.preview,
            e.source,
            safe(e.owner),
            safe(redact_text(e.name)[:40]),  # redacted before the cut: no partial token
            e.repositories_shown,
            safe(_power(e)[:60]),
            _date(e.expires_at) or ("expired" if e.expired else "never"),
            _date(e.last_used_at) or ("never" if e.never_used else "unknown"),
        ]
        for e in result.inventory
    ]
    if rows:
        stream.write(
            tabulate(
                rows,
                headers=[
                    "TOKEN",
                    "SOURCE",
                    "OWNER",
                    "NAME",
                    "REPOS",
                    "POWER",
                    "EXPIRES",
                    "LAST USED",
                ],
            )
            + "\n\n"
        )
    if result.findings:
        frows = [
            [f.severity.label, f.rule_id, f.token.preview if f.token else "", safe(f.message)]
            for f in result.findings
        ]
        stream.write(tabulate(frows, headers=["SEVERITY", "RULE", "TOKEN", "MESSAGE"]) + "\n")
    for notice in result.notices:
        stream.write(f"note: {safe(notice)}\n")
    stream.write(summary_line(result) + "\n")


def render_json(result: OrgResult, *, stream: TextIO, meta: ReportMeta) -> None:
    """Sorted-key JSON: the inventory, findings and summary."""
    counts: dict[str, int] = {}
    for f in result.findings:
        counts[f.severity.label] = counts.get(f.severity.label, 0) + 1
    doc = {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "patlint", "version": meta.version},
        "org": result.org,
        "host": result.host,
        "summary": {
            "tokens": len(result.inventory),
            "findings": len(result.findings),
            "by_severity": counts,
            "suppressed": len(result.suppressed),
            "fail_on": meta.fail_on,
            "exit_code": meta.exit_code,
        },
        "inventory": [entry_dict(e) for e in result.inventory],
        "findings": [finding_dict(f) for f in result.findings],
        "suppressed": [finding_dict(f) for f in result.suppressed],
        "notices": list(result.notices),
    }
    json.dump(doc, stream, indent=2, sort_keys=True, ensure_ascii=False)
    stream.write("\n")
