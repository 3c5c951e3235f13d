"""`--format gitlab-codequality`: GitLab's Code Quality report (`artifacts:reports:codequality`).

A JSON array of CodeClimate issues, the fields GitLab reads: `description`, `check_name` (the
rule id), `fingerprint`, `severity` (`info`, `minor`, `major`, `critical`, `blocker`) and
`location` (`path`, `lines.begin`). The merge request widget shows them in every GitLab tier.
One entry per place (see `patlint.report.gitlab`); suppressed findings are left out.
"""

from __future__ import annotations

from typing import Any, TextIO

from patlint.model import ScanResult
from patlint.report import jsontext
from patlint.report.common import ReportMeta, json_path, linked_path
from patlint.report.gitlab import CODE_QUALITY_SEVERITY, describe, places


def build(result: ScanResult, meta: ReportMeta) -> list[dict[str, Any]]:
    """The report as plain data."""
    out: list[dict[str, Any]] = []
    for f in result.findings:
        for loc, fingerprint in places(f):
            line = loc.line if loc.line is not None and not loc.binary else 1
            text = describe(f)
            if loc.binary and loc.offset is not None:
                text += f" At byte offset {loc.offset}."
            if loc.commit:
                text += f" Added in commit {loc.commit}."
            if linked_path(loc.path) != json_path(loc.path):
                text += f" In {json_path(loc.path)}."
            issue: dict[str, Any] = {
                "type": "issue",
                "check_name": f.rule_id,
                "description": text,
                "categories": ["Security"],
                "severity": CODE_QUALITY_SEVERITY[f.severity],
                "fingerprint": fingerprint,
                "location": {"path": linked_path(loc.path), "lines": {"begin": line}},
                "engine_name": "patlint",
            }
            if f.remediation:
                issue["content"] = {"body": f.remediation}
            out.append(issue)
    return out


def render(result: ScanResult, *, stream: TextIO, meta: ReportMeta) -> None:
    """Write the Code Quality report."""
    jsontext.dump(build(result, meta), stream)
