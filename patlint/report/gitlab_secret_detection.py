"""`--format gitlab-secret-detection`: GitLab's Secret Detection report
(`artifacts:reports:secret_detection`, security report schema 15.2.4).

GitLab Ultimate shows it in the merge request's security widget, the pipeline's Security tab
and the vulnerability report; every tier can download it. One vulnerability per place (see
`patlint.report.gitlab`), each with the rule as its primary identifier, the file, line and
commit: the introducing commit for a history scan, else the commit the job checked out
(`CI_COMMIT_SHA`, or `0000000` when unknown, as GitLab's own analyzer writes). Never the
source line (`raw_source_code_extract`): it holds the token. Suppressed findings are left out.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timezone
from typing import Any, TextIO

from patlint.model import ScanResult
from patlint.report import jsontext
from patlint.report.common import ReportMeta, cut, lazy_redactor, linked_path
from patlint.report.gitlab import SECRET_DETECTION_SEVERITY, describe, places

SCHEMA_VERSION = "15.2.4"
SCHEMA_URL = (
    "https://gitlab.com/gitlab-org/security-products/security-report-schemas/-/raw/"
    f"v{SCHEMA_VERSION}/dist/secret-detection-report-format.json"
)
INFORMATION_URI = "https://github.com/patlint/patlint"
NO_COMMIT = "0000000"
_URL = re.compile(r"https?://\S+")
_NAMESPACE = uuid.UUID("5a1d2e9c-8f0b-4c43-9a57-2b4f3c6d7e81")  # patlint's, for uuid5 ids


def _time(epoch: float) -> str:
    """GitLab's timestamp: `YYYY-MM-DDTHH:MM:SS`, UTC, no zone or fraction (the schema's pattern)."""
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")


def _tool(meta: ReportMeta) -> dict[str, Any]:
    return {
        "id": "patlint",
        "name": "patlint",
        "version": meta.version,
        "vendor": {"name": "patlint"},
        "url": INFORMATION_URI,
    }


def build(result: ScanResult, meta: ReportMeta, *, now: float | None = None) -> dict[str, Any]:
    """The report as plain data (`now`: the end time, for tests)."""
    end = now if now is not None else datetime.now(timezone.utc).timestamp()
    start = meta.started_at if meta.started_at is not None else end
    vulnerabilities: list[dict[str, Any]] = []
    redact = meta.redact or lazy_redactor(result)  # before a cut: no token cut in two
    for f in result.findings:
        rule = meta.rules.get(f.rule_id)
        refs = [r for r in getattr(rule, "references", ()) if _URL.fullmatch(r)]
        identifier: dict[str, Any] = {
            "type": "patlint_rule_id",
            "name": f"patlint rule {f.rule_id}",
            "value": f.rule_id,
        }
        if refs:
            identifier["url"] = refs[0]
        for loc, fingerprint in places(f):
            location: dict[str, Any] = {
                "file": linked_path(loc.path),
                "commit": {"sha": loc.commit or meta.commit or NO_COMMIT},
            }
            if loc.commit and loc.commit_date:
                location["commit"]["date"] = loc.commit_date
            if loc.line is not None and not loc.binary:
                location["start_line"] = loc.line
                location["end_line"] = loc.line
            item: dict[str, Any] = {
                "id": str(uuid.uuid5(_NAMESPACE, fingerprint)),
                "name": cut(getattr(rule, "name", "") or f.rule_id, 255, redact)
                or "patlint finding",
                "description": describe(f),
                "severity": SECRET_DETECTION_SEVERITY[f.severity],
                "identifiers": [identifier],
                "location": location,
            }
            if f.remediation:
                item["solution"] = cut(f.remediation, 7000, redact)
            if refs:
                item["links"] = [{"url": r} for r in refs]
            vulnerabilities.append(item)
    messages = [{"level": "info", "value": n} for n in [*result.stats.notices, *result.notices]]
    missed = len(result.stats.incomplete())
    if missed:
        messages.append(
            {"level": "warn", "value": f"incomplete scan: {missed} places could not be read"}
        )
    return {
        "version": SCHEMA_VERSION,
        "schema": SCHEMA_URL,
        "scan": {
            "analyzer": _tool(meta),
            "scanner": _tool(meta),
            "type": "secret_detection",
            "start_time": _time(start),
            "end_time": _time(end),
            "status": "success" if meta.exit_code in (0, 1) else "failure",
            "messages": messages,
        },
        "vulnerabilities": vulnerabilities,
    }


def render(result: ScanResult, *, stream: TextIO, meta: ReportMeta) -> None:
    """Write the Secret Detection report."""
    jsontext.dump(build(result, meta), stream)
