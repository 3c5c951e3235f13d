"""`--format github`: GitHub Actions workflow commands, one annotation per finding and file.

`::error file=app/.env,line=3,col=10,title=github-classic-pat (high)::GitHub classic …`
shows up on the pull request diff; a token committed in three files marks all three. Property
values escape `%`, CR, LF, `:` and `,`; the message escapes `%`, CR and LF, as the runner
expects. GitHub shows 10 annotations of each level per step: the most severe come first, the
rest are plain log lines (control characters escaped, so none can start a command) and one
notice says how many. A plain summary line ends the output.
"""

from __future__ import annotations

import re
from typing import TextIO

from patlint.model import Finding, ScanResult, Severity
from patlint.report.common import (
    Place,
    ReportMeta,
    clean_text,
    json_path,
    linked_path,
    places_of,
)

COMMANDS = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "notice",
    Severity.INFO: "notice",
}
# Annotations GitHub shows per step and level (error, warning, notice): the rest are dropped.
# A job shows 50 in all, so a job with one patlint step (at most 30) keeps every one of them.
PER_STEP = 10
# all but the newline of "Fix:", and the invisible characters that reorder text (bidi)
_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")


def _visible(text: str) -> str:
    """Control characters (ANSI escapes in a name, an author, a key, a shard's notice) and
    bidi marks as \\xNN / \\uNNNN: they cannot recolour or reorder the log."""
    return _CONTROL.sub(
        lambda m: (
            f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100 else f"\\u{ord(m.group()):04x}"
        ),
        clean_text(text),
    )


def escape_data(text: str) -> str:
    """Escape a workflow-command message."""
    return clean_text(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a workflow-command property value (file, title, …); other control characters
    (ANSI escapes in a crafted file name) and bidi marks become \\xNN / \\uNNNN so the log
    viewer cannot be recoloured or reordered."""
    return _visible(escape_data(text).replace(":", "%3A").replace(",", "%2C"))


def annotation(f: Finding, meta: ReportMeta, place: Place | None = None) -> str:
    """One `::error …::message` line for a finding at one place (its primary place by default)."""
    place = place or places_of(f)[0]
    loc = place.location
    props = [f"file={escape_property(linked_path(loc.path))}"]
    if loc.line is not None and not loc.binary:
        props.append(f"line={loc.line}")
        if loc.column is not None:
            props.append(f"col={loc.column}")
    props.append(f"title={escape_property(f'{f.rule_id} ({f.severity.label})')}")
    parts = [f.message.rstrip(".") + "."]
    if f.token is not None:
        parts.append(f"Token {f.token.preview} (sha256 {f.token.sha256}).")
    if linked_path(loc.path) != json_path(
        loc.path
    ):  # a member named `../x`: the archive is the file
        parts.append(f"In {json_path(loc.path)}.")
    if loc.binary and loc.offset is not None:
        parts.append(f"At byte offset {loc.offset}.")
    if loc.commit:
        by = f" by {loc.author_name} <{loc.author_email}>" if loc.author_name else ""
        parts.append(f"In commit {loc.commit}{by}.")
    if place.others:
        others = ", ".join(json_path(r.display()) for r in place.others[:5])
        more = f" and {len(place.others) - 5} more" if len(place.others) > 5 else ""
        parts.append(f"Also at {others}{more}.")
    text = " ".join(parts)
    if f.remediation:
        text += f"\nFix: {f.remediation}"
    rule = meta.rules.get(f.rule_id)
    if rule is not None and rule.references:
        text += f"\nDocs: {rule.references[0]}"
    text = _visible(text)
    return f"::{COMMANDS[f.severity]} {','.join(props)}::{escape_data(text)}"


def _plain(f: Finding, place: Place) -> str:
    """A log line (no workflow command) for a finding GitHub would not show as an annotation."""
    from patlint.report.text import safe

    where = safe(json_path(place.location.display()))
    return (
        f"patlint: not annotated: {COMMANDS[f.severity]} {f.rule_id} ({f.severity.label}) at "
        f"{where}: {safe(f.message)}"
    )


def render(result: ScanResult, *, stream: TextIO, meta: ReportMeta) -> None:
    """One annotation per finding and file it marks, most severe first, as many of each level
    as GitHub shows; the rest as plain log lines with one notice saying so; then the summary."""
    from patlint.report.text import safe, summary_line

    marks = [(f, place) for f in result.findings for place in places_of(f)]
    marks.sort(key=lambda m: -int(m[0].severity))  # stable: the report's order within a severity
    wanted: dict[str, int] = {}
    for f, _ in marks:
        wanted[COMMANDS[f.severity]] = wanted.get(COMMANDS[f.severity], 0) + 1
    left = dict.fromkeys(("error", "warning", "notice"), PER_STEP)
    if any(n > PER_STEP for n in wanted.values()):
        left["notice"] -= 1  # kept for the notice that says what is not annotated
    rest: list[str] = []
    for f, place in marks:
        level = COMMANDS[f.severity]
        if left[level] > 0:
            left[level] -= 1
            stream.write(annotation(f, meta, place) + "\n")
        else:
            rest.append(_plain(f, place))
    for line in rest:
        stream.write(line + "\n")
    if rest:
        n = len(rest)
        stream.write(
            f"::notice title=patlint::{escape_data(f'{n} finding{_s(n)} are not annotated')}"
            f"{escape_data(f' (GitHub shows {PER_STEP} errors, warnings and notices per step): ')}"
            f"{escape_data('they are listed in this log (patlint: not annotated …)')}\n"
        )
    for notice in [*result.stats.notices, *result.notices]:
        if left["notice"] > 0:
            left["notice"] -= 1
            stream.write(f"::notice title=patlint::{escape_data(_visible(notice))}\n")
        else:
            stream.write(f"patlint: note: {safe(notice)}\n")
    stream.write(summary_line(result, meta) + "\n")


def _s(n: int) -> str:
    return "" if n == 1 else "s"
