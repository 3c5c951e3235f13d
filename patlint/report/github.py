"""`--format github`: GitHub Actions workflow commands, one annotation per finding.

`::error file=app/.env,line=3,col=10,title=github-classic-pat (high)::GitHub classic …`
shows up on the pull request diff. Property values escape `%`, CR, LF, `:` and `,`; the
message escapes `%`, CR and LF, as the runner expects. A plain summary line ends the output.
"""

from __future__ import annotations

import re
from typing import TextIO

from patlint.model import Finding, ScanResult, Severity
from patlint.report.common import ReportMeta, clean_text, json_path

COMMANDS = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "notice",
    Severity.INFO: "notice",
}


def escape_data(text: str) -> str:
    """Escape a workflow-command message."""
    return clean_text(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a workflow-command property value (file, title, …); other control characters
    (ANSI escapes in a crafted file name) become \\xNN so the log viewer cannot be recoloured."""
    escaped = escape_data(text).replace(":", "%3A").replace(",", "%2C")
    return re.sub(r"[\x00-\x1f\x7f-\x9f]", lambda m: f"\\x{ord(m.group()):02x}", escaped)


def annotation(f: Finding, meta: ReportMeta) -> str:
    """One `::error …::message` line for a finding."""
    props = [f"file={escape_property(json_path(f.location.path))}"]
    loc = f.location
    if loc.line is not None and not loc.binary:
        props.append(f"line={loc.line}")
        if loc.column is not None:
            props.append(f"col={loc.column}")
    props.append(f"title={escape_property(f'{f.rule_id} ({f.severity.label})')}")
    parts = [f.message.rstrip(".") + "."]
    if f.token is not None:
        parts.append(f"Token {f.token.preview} (sha256 {f.token.sha256}).")
    if loc.binary and loc.offset is not None:
        parts.append(f"At byte offset {loc.offset}.")
    if loc.commit:
        parts.append(f"In commit {loc.commit}.")
    if f.related:
        others = ", ".join(json_path(r.display()) for r in f.related[:5])
        more = f" and {len(f.related) - 5} more" if len(f.related) > 5 else ""
        parts.append(f"Also at {others}{more}.")
    text = " ".join(parts)
    if f.remediation:
        text += f"\nFix: {f.remediation}"
    rule = meta.rules.get(f.rule_id)
    if rule is not None and rule.references:
        text += f"\nDocs: {rule.references[0]}"
    return f"::{COMMANDS[f.severity]} {','.join(props)}::{escape_data(text)}"


def render(result: ScanResult, *, stream: TextIO, meta: ReportMeta) -> None:
    """Write one annotation per active finding, then the summary line."""
    from patlint.report.text import summary_line

    for f in result.findings:
        stream.write(annotation(f, meta) + "\n")
    for notice in [*result.stats.notices, *result.notices]:
        stream.write(f"::notice title=patlint::{escape_data(notice)}\n")
    stream.write(summary_line(result, meta) + "\n")
