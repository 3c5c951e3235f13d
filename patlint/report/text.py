"""The human report: a table sorted by severity then path, places per token, one summary line."""

from __future__ import annotations

import re
from typing import TextIO

from patlint.model import Finding, Location, ScanResult
from patlint.report.common import ReportMeta, clean_text, shown

PLACES_SHOWN = 20  # places listed per token (a token kept through many commits has many)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")  # newlines too: a name cannot fake a line


def safe(text: str) -> str:
    """Escape control characters (ANSI escapes included) so a file cannot rewrite the terminal."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", clean_text(text))


def _where(f: Finding) -> str:
    if f.location.commit is not None:
        return _where_history(f)
    extra = f" (+{len(f.related)} more)" if f.related else ""
    return shown(f.location.display()) + extra


def _where_history(f: Finding) -> str:
    """`path:line:col @ <commit> <date>` of the introducing commit, then `(+N more commits)`."""
    loc = f.location
    assert loc.commit is not None
    out = f"{shown(loc.display())} @ {loc.commit[:10]}"
    if loc.commit_date:
        out += f" {loc.commit_date[:10]}"
    others = {r.commit for r in f.related if r.commit is not None and r.commit != loc.commit}
    if others:
        out += f" (+{len(others)} more commit{'s' if len(others) != 1 else ''})"
    return out


def _place(loc: Location) -> str:
    if loc.commit is None:
        return shown(f"{loc.where}:{loc.line}" if loc.line is not None else loc.display())
    return f"{shown(loc.display())}@{loc.commit[:10]}"


_LINE_KINDS = ("text", "binary", "shell-history", "shell-rc", "dotenv", "notebook")


def _place_labels(result: ScanResult) -> dict[tuple[str, str, int | None, str | None], str]:
    """`~/.docker/config.json (ghcr.io)`, `~/.bash_history:1023`: each place with its host."""
    out: dict[tuple[str, str, int | None, str | None], str] = {}
    for t in result.tokens:
        for c in t.candidates:
            loc, ctx = c.location, c.context
            if loc.commit is not None or not ctx.host:
                continue
            where = shown(loc.where)
            if ctx.file_type in _LINE_KINDS and loc.line is not None:
                where += f":{loc.line}"
            out[(t.secret.digest, loc.path, loc.offset, loc.commit)] = f"{where} ({safe(ctx.host)})"
    return out


def _context(f: Finding) -> str:
    parts = []
    if f.context.key:
        parts.append(f.context.key)
    if f.context.host:
        parts.append(f"for {f.context.host}")
    if f.context.encoding:
        parts.append(f.context.encoding)
    if f.token_info is not None:
        parts.append(f.token_info.status.value)
    heads = [loc.in_head for loc in (f.location, *f.related) if loc.in_head is not None]
    if heads:
        parts.append("still in HEAD" if any(heads) else "not in HEAD")
    return safe(", ".join(parts))


def summary_line(result: ScanResult, meta: ReportMeta) -> str:
    """`patlint: N findings (…) in M tokens; files …; skipped …; suppressed …; config …`."""
    counts: dict[str, int] = {}
    for f in result.findings:
        counts[f.severity.label] = counts.get(f.severity.label, 0) + 1
    order = ["critical", "high", "medium", "low", "info"]
    sev = ", ".join(f"{counts[s]} {s}" for s in order if s in counts)
    stats = result.stats
    mb = stats.bytes_scanned / 1e6
    skipped = stats.skipped_by_reason()
    skip_txt = f"{len(stats.skipped)} skipped"
    if skipped:
        skip_txt += " (" + ", ".join(f"{k}: {v}" for k, v in skipped.items()) + ")"
    n = len(result.findings)
    head = f"{n} finding{'s' if n != 1 else ''}" + (f" ({sev})" if sev else "")
    missed = len(stats.incomplete())
    incomplete = f"INCOMPLETE: {missed} could not be read (-v lists them); " if missed else ""
    return (
        f"patlint: {head} in {len(result.tokens)} token{'s' if len(result.tokens) != 1 else ''}; "
        f"{stats.files_scanned} files ({mb:.1f} MB) scanned, {skip_txt}; {incomplete}"
        f"{len(result.suppressed)} suppressed; verification: {meta.verification}; "
        f"config: {safe(meta.config_source)}{_narrowed(meta)}"
    )


def _narrowed(meta: ReportMeta) -> str:
    """` (narrowed by the scanned tree's config: 2: exclude vendor/, disable x)`, or nothing."""
    if not meta.config_narrowed:
        return ""
    n = len(meta.config_narrowed)
    return f" (narrowed by the scanned tree's config: {n}: {safe(', '.join(meta.config_narrowed))})"


def render(result: ScanResult, *, stream: TextIO, meta: ReportMeta, verbose: bool = False) -> None:
    """Write the table, the places of tokens seen more than once, notices, skips and the summary."""
    if result.findings:
        # Imported only when there is a table: keeps the pre-commit path light.
        from patlint.report.table import simple_table

        rows = [
            [
                f.severity.label,
                f.rule_id,
                f.token.preview if f.token else "",
                _where(f),
                _context(f),
                safe(f.message),
            ]
            for f in result.findings
        ]
        stream.write(
            simple_table(rows, ["SEVERITY", "RULE", "TOKEN", "WHERE", "CONTEXT", "MESSAGE"]) + "\n"
        )
        multi = {}
        for f in result.findings:
            if f.token is not None and f.related and f.token.sha256 not in multi:
                multi[f.token.sha256] = f
        if multi:
            stream.write("\nTokens seen in several places:\n")
            labels = _place_labels(result)
            for f in multi.values():
                assert f.token is not None
                places = list(
                    dict.fromkeys(
                        labels.get((f.token.sha256, p.path, p.offset, p.commit)) or _place(p)
                        for p in [f.location, *f.related]
                    )
                )
                if len(places) < 2:
                    continue
                stream.write(f"  {f.token.preview} — {len(places)} places: ")
                listed = ", ".join(places[:PLACES_SHOWN])
                more = len(places) - PLACES_SHOWN
                stream.write(listed + (f", … and {more} more" if more > 0 else "") + "\n")
    notices = [*result.stats.notices, *result.notices]
    for notice in notices:
        stream.write(f"note: {safe(notice)}\n")
    if verbose:
        for s in result.stats.skipped:
            stream.write(
                f"skipped: {shown(s.path)}: {s.reason}{': ' + safe(s.detail) if s.detail else ''}\n"
            )
    stream.write(summary_line(result, meta) + "\n")
