"""`--format sarif`: SARIF 2.1.0 for code-scanning dashboards (GitHub, GitLab, Azure DevOps).

Each rule carries its help text and docs link. A finding is one result per file it marks (a
token committed in three files marks all three on a pull request): each carries its location
(line and column for text, byte offset for binary files), the other places as related
locations, the fingerprint of the finding at that path as its partial fingerprint, and only
the token's kind, redacted preview and SHA-256 digest.
"""

from __future__ import annotations

import os
import urllib.parse
from typing import Any, TextIO

from patlint.model import Finding, Location, ScanResult, Severity
from patlint.report import jsontext
from patlint.report.common import (
    Place,
    ReportMeta,
    json_path,
    narrowing_note,
    places_of,
    token_info_dict,
)

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/patlint/patlint"
FINGERPRINT_KEY = "patlint/v1"

LEVELS = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}
# GitHub code scanning ranks security alerts by this number (critical > 9.0, high ≥ 7.0, …).
SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
    Severity.INFO: "1.0",
}
_SUPPRESSION_KIND = {"inline comment": "inSource"}  # allow-list, baseline: external


def artifact_uri(path: str) -> str:
    """A relative URI reference for a report path (`~/…` becomes an absolute file: URI)."""
    if path.startswith("~/"):
        path = os.path.expanduser("~") + path[1:]
    head, bang, member = path.partition("!")
    if bang and any(part in (".", "..") for part in member.split("/")):
        # an archive member named `../../x` would resolve (RFC 3986) to another file of the
        # tree: its slashes are encoded too, so it stays one segment below the archive
        return artifact_uri(head) + urllib.parse.quote(os.fsencode(bang + member), safe="-._~")
    raw = os.fsencode(path)
    quoted = urllib.parse.quote(raw, safe="/-._~")
    if path.startswith("/"):
        return "file://" + quoted
    return quoted


def _camel(rule_id: str) -> str:
    return "".join(part.capitalize() for part in rule_id.split("-"))


def rule_descriptor(rule: Any) -> dict[str, Any]:
    """A reportingDescriptor for a patlint Rule."""
    help_text = f"{rule.description}\n\nHow to fix it: {rule.remediation}"
    markdown = f"## What it does\n\n{rule.description}\n\n## How to fix it\n\n{rule.remediation}"
    if rule.references:
        markdown += "\n\n## References\n\n" + "\n".join(f"- <{r}>" for r in rule.references)
    out: dict[str, Any] = {
        "id": rule.id,
        "name": _camel(rule.id),
        "shortDescription": {"text": rule.name},
        "fullDescription": {"text": rule.description},
        "help": {"text": help_text, "markdown": markdown},
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
        "properties": {
            "tags": sorted({"security", "secret", "github-token", rule.kind}),
            "precision": {0: "low", 1: "medium", 2: "high"}[int(rule.confidence)],
            "security-severity": SECURITY_SEVERITY[rule.severity],
            "patlint-kind": rule.kind,
        },
    }
    if rule.references:
        out["helpUri"] = rule.references[0]
    return out


def _region(loc: Location) -> dict[str, Any] | None:
    if loc.binary or loc.line is None:
        return {"byteOffset": loc.offset} if loc.offset is not None else None
    region: dict[str, Any] = {"startLine": loc.line}
    if loc.column is not None:
        region["startColumn"] = loc.column
    return region


def location(loc: Location, *, ident: int | None = None) -> dict[str, Any]:
    """A SARIF location (with a message naming the note and commit when present)."""
    physical: dict[str, Any] = {"artifactLocation": {"uri": artifact_uri(loc.path)}}
    region = _region(loc)
    if region is not None:
        physical["region"] = region
    out: dict[str, Any] = {"physicalLocation": physical}
    if ident is not None:
        out["id"] = ident
    words = [
        w
        for w in (
            f"repository {loc.repository}" if loc.repository else "",
            loc.note,
            f"commit {loc.commit}" if loc.commit else "",
        )
        if w
    ]
    if words:
        out["message"] = {"text": "; ".join(words)}
    props: dict[str, Any] = {}
    if loc.repository is not None:
        props["repository"] = loc.repository  # fleet scans: the path is in this repository
    if loc.commit:
        props["commit"] = loc.commit
    for name in (
        "commit_date",
        "author_name",
        "author_email",
        "in_head",
        "blob",
    ):  # history (patlint.sources.history.blobs)
        if getattr(loc, name) is not None:
            props[name] = getattr(loc, name)
    if loc.path != json_path(loc.path) or artifact_uri(loc.path) != loc.path:
        props["path"] = json_path(loc.path)
    if props:
        out["properties"] = props
    return out


RELATED_MAX = 100  # related locations per result (GitHub code scanning keeps the first 100)


def results(f: Finding, rule_index: dict[str, int]) -> list[dict[str, Any]]:
    """One SARIF result per file the finding marks (see `places_of`), primary first."""
    return [result(f, rule_index, place) for place in places_of(f)]


def result(f: Finding, rule_index: dict[str, int], place: Place | None = None) -> dict[str, Any]:
    """A SARIF result for one finding at one place (its primary place by default)."""
    place = place or places_of(f)[0]
    out: dict[str, Any] = {
        "ruleId": f.rule_id,
        "level": LEVELS[f.severity],
        "message": {"text": f.message},
        "locations": [location(place.location)],
        "partialFingerprints": {FINGERPRINT_KEY: place.fingerprint},
    }
    if f.rule_id in rule_index:
        out["ruleIndex"] = rule_index[f.rule_id]
    if place.others:
        out["relatedLocations"] = [
            location(r, ident=i + 1) for i, r in enumerate(place.others[:RELATED_MAX])
        ]
    props: dict[str, Any] = {
        "severity": f.severity.label,
        "confidence": f.confidence.label,
        "fingerprint": place.fingerprint,
        "context": f.context.to_dict(),
    }
    if place.fingerprint != f.fingerprint:
        props["findingFingerprint"] = f.fingerprint  # the finding's, as JSON and baselines have it
    if len(place.others) > RELATED_MAX:
        props["relatedCount"] = len(place.others)
    if f.token is not None:
        props["token"] = {
            "kind": f.token.kind,
            "preview": f.token.preview,
            "sha256": f.token.sha256,
        }
    info = token_info_dict(f.token_info)
    if info is not None:
        props["verification"] = info
    if f.remediation:
        props["remediation"] = f.remediation
    out["properties"] = props
    if f.suppressed:
        out["suppressions"] = [
            {
                "kind": _SUPPRESSION_KIND.get(f.suppressed, "external"),
                "justification": f.suppressed,
            }
        ]
    return out


def build(result_: ScanResult, meta: ReportMeta) -> dict[str, Any]:
    """The SARIF log as plain data."""
    rules = [meta.rules[k] for k in sorted(meta.rules)]
    descriptors = [rule_descriptor(r) for r in rules]
    rule_index = {r.id: i for i, r in enumerate(rules)}
    notices = [*result_.stats.notices, *result_.notices]
    invocation: dict[str, Any] = {
        "executionSuccessful": meta.exit_code in (0, 1),
        "exitCode": meta.exit_code,
        "toolExecutionNotifications": [{"level": "note", "message": {"text": n}} for n in notices],
        "properties": {
            "filesScanned": result_.stats.files_scanned,
            "bytesScanned": result_.stats.bytes_scanned,
            "skipped": len(result_.stats.skipped),
            "skippedByReason": result_.stats.skipped_by_reason(),
            "incomplete": len(result_.stats.incomplete()),
            "suppressed": len(result_.suppressed),
            "config": meta.config_source,
            "failOn": meta.fail_on,
            "verification": meta.verification,
        },
    }
    note = narrowing_note(meta)
    if note is not None:  # code scanning shows this run's warnings; a quiet pass would hide it
        invocation["properties"]["configNarrowed"] = list(meta.config_narrowed)
        invocation["toolExecutionNotifications"].insert(
            0, {"level": "warning", "message": {"text": note}}
        )
    return {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "patlint",
                        "version": meta.version,
                        "semanticVersion": meta.version,
                        "informationUri": INFORMATION_URI,
                        "rules": descriptors,
                    }
                },
                "invocations": [invocation],
                "columnKind": "unicodeCodePoints",
                "results": [
                    r
                    for f in [*result_.findings, *result_.suppressed]
                    for r in results(f, rule_index)
                ],
            }
        ],
    }


def render(result: ScanResult, *, stream: TextIO, meta: ReportMeta) -> None:
    """Write the SARIF log."""
    jsontext.dump(build(result, meta), stream)
