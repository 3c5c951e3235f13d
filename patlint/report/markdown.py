"""The job summary: a Markdown page for GitHub Actions' `$GITHUB_STEP_SUMMARY`.

Counts by severity, one row per token (its preview, kind, what GitHub said, its places, the
rules it broke with their docs, the fix), the findings about places, and the notes. GitHub
renders it under the workflow run, so everything the scanned tree or an API answer brings
(paths, keys, hosts, messages, an owner's login) is first redacted, then escaped: control
and invisible characters become `\\xNN`, and every ASCII punctuation character gets a
backslash (CommonMark's escape), so no file name can open a link, an image, HTML, a
mention or a table cell. Code spans of fix texts stay code spans, and only links this module
writes itself (rule docs, GitHub's settings pages) are links.

GitHub refuses a step summary over 1 MiB: `render` stops adding rows at `budget` bytes and
says how many it left out.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import TextIO

from patlint.kinds import KIND_NAMES
from patlint.model import Finding, Location, ScanResult, Severity, TokenInfo, TokenStatus
from patlint.redaction import Redactor
from patlint.report.common import ReportMeta, clean_text, json_path, tokens_reported

LIMIT = 1024 * 1024  # GitHub: "each step is restricted to a maximum size of 1MiB"
PLACES_SHOWN = 5
_ORDER = (Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW, Severity.INFO)
# Control characters, and the invisible ones that reorder or hide text (bidi overrides,
# zero-width characters, line and paragraph separators, the BOM).
_HIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")
_PUNCT = re.compile(r"([!-/:-@\[-`{-~])")
_CODE = re.compile(r"(`+)(.+?)\1")
# Links patlint's own fix texts point to; nothing else becomes a link.
_OWN_URL = re.compile(r"https://(?:docs\.)?github\.com/[A-Za-z0-9/_~-]*[A-Za-z0-9/_~-]")
_DOC_URL = re.compile(r"https://[A-Za-z0-9.-]+(?:/[A-Za-z0-9/._~%#=&?+-]*)?")
_FOOTER_RESERVE = 600  # bytes kept for the "N more not shown" line and the closing lines


def _escape_hidden(m: re.Match[str]) -> str:
    code = ord(m.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _visible(text: str) -> str:
    return _HIDDEN.sub(_escape_hidden, clean_text(text))


def md_text(text: str) -> str:
    """Text that renders as itself in a Markdown table cell: no markup can start in it."""
    return _PUNCT.sub(r"\\\1", _visible(text))


def md_code(text: str) -> str:
    """An inline code span holding `text` (a cell's `|` escaped, as GitHub's tables need)."""
    body = _visible(text).replace("|", "\\|")
    longest = max((len(m) for m in re.findall(r"`+", body)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if body.startswith("`") or body.endswith("`") else ""
    return f"{fence}{pad}{body}{pad}{fence}"


def md_rich(text: str) -> str:
    """A fix text: its `code spans` stay code, patlint's own GitHub links stay links, the
    rest is plain text (`md_text`)."""
    out: list[str] = []
    at = 0
    for m in _CODE.finditer(text):
        out.append(_linked(text[at : m.start()]))
        out.append(md_code(m.group(2)))
        at = m.end()
    out.append(_linked(text[at:]))
    return "".join(out)


def _linked(text: str) -> str:
    out: list[str] = []
    at = 0
    for m in _OWN_URL.finditer(text):
        out.append(md_text(text[at : m.start()]))
        out.append(f"<{m.group()}>")
        at = m.end()
    out.append(md_text(text[at:]))
    return "".join(out)


def _doc_link(rule_id: str, meta: ReportMeta) -> str:
    rule = meta.rules.get(rule_id)
    name = md_text(rule_id)
    refs = getattr(rule, "references", ()) if rule is not None else ()
    if refs and _DOC_URL.fullmatch(refs[0]):
        return f"[{name}]({refs[0]})"
    return name


def _status(info: TokenInfo | None, meta: ReportMeta, redact: Callable[[str], str]) -> str:
    if info is None:
        return "not verified (offline)" if meta.verification == "offline" else "not verified"
    words = {
        TokenStatus.VALID: "live",
        TokenStatus.INVALID: "rejected by GitHub (revoked, expired or never valid)",
        TokenStatus.SSO_REQUIRED: "live, needs SSO authorization",
        TokenStatus.RATE_LIMITED: "unknown (rate-limited)",
        TokenStatus.UNREACHABLE: "unknown (API unreachable)",
        TokenStatus.UNVERIFIED: "not verified",
    }[info.status]
    if info.status in (TokenStatus.VALID, TokenStatus.SSO_REQUIRED):
        if info.owner:
            words += f", owner {info.owner}"
        if info.never_expires:
            words += ", never expires"
        elif info.expires_at is not None:
            words += f", expires {info.expires_at.date().isoformat()}"
    return md_text(redact(words))


def _place(loc: Location, redact: Callable[[str], str]) -> str:
    where = json_path(loc.display())
    if loc.commit:
        where += f" @ {loc.commit[:10]}"
    return md_text(redact(where))


def _places(findings: Iterable[Finding], redact: Callable[[str], str]) -> str:
    seen: dict[tuple[str, int | None, str | None], Location] = {}
    for f in findings:
        for loc in (f.location, *f.related):
            seen.setdefault((loc.path, loc.line, loc.commit), loc)
    shown = [_place(loc, redact) for loc in list(seen.values())[:PLACES_SHOWN]]
    more = len(seen) - PLACES_SHOWN
    return "<br>".join(shown) + (f"<br>… and {more} more" if more > 0 else "")


def _head(result: ScanResult, meta: ReportMeta, redact: Callable[[str], str]) -> list[str]:
    n, t = len(result.findings), tokens_reported(result.findings)
    verdict = (
        f"❌ fails: findings at or above {md_code(meta.fail_on)} (exit {meta.exit_code})"
        if meta.exit_code == 1
        else "✅ passes"
        if meta.exit_code == 0
        else f"⚠️ exit {meta.exit_code}"
    )
    counts = {s: 0 for s in _ORDER}
    for f in result.findings:
        counts[f.severity] += 1
    stats = result.stats
    missed = len(stats.incomplete())
    scanned = (
        f"{stats.files_scanned} file{'s' if stats.files_scanned != 1 else ''} "
        f"({stats.bytes_scanned / 1e6:.1f} MB) scanned, {len(stats.skipped)} skipped"
        + (f", **incomplete: {missed} could not be read**" if missed else "")
        + f"; verification: {md_text(meta.verification)}; config: {md_text(redact(meta.config_source))}"
    )
    return [
        f"## patlint: {n} finding{'s' if n != 1 else ''} in {t} token{'s' if t != 1 else ''}",
        "",
        verdict,
        "",
        "| " + " | ".join(s.label for s in _ORDER) + " | suppressed |",
        "|" + "---:|" * (len(_ORDER) + 1),
        "| " + " | ".join(str(counts[s]) for s in _ORDER) + f" | {len(result.suppressed)} |",
        "",
        scanned,
        "",
    ]


def _token_rows(
    result: ScanResult, meta: ReportMeta, redact: Callable[[str], str]
) -> list[tuple[Severity, str]]:
    by_token: dict[str, list[Finding]] = {}
    for f in result.findings:
        if f.token is not None:
            by_token.setdefault(f.token.sha256, []).append(f)
    info = {t.secret.digest: t.info for t in result.tokens}
    rows: list[tuple[Severity, str]] = []
    for digest, found in by_token.items():
        found.sort(key=lambda f: -f.severity)
        top = found[0]
        assert top.token is not None
        rules = ", ".join(_doc_link(r, meta) for r in dict.fromkeys(f.rule_id for f in found))
        fix = next((f.remediation for f in found if f.remediation), "")
        cells = [
            md_code(top.token.preview),
            md_text(KIND_NAMES.get(top.token.kind, top.token.kind)),
            _status(info.get(digest) or top.token_info, meta, redact),
            top.severity.label,
            _places(found, redact),
            rules,
            md_rich(redact(fix)),
        ]
        rows.append((top.severity, "| " + " | ".join(cells) + " |"))
    rows.sort(key=lambda r: -r[0])
    return rows


def _place_rows(
    result: ScanResult, meta: ReportMeta, redact: Callable[[str], str]
) -> list[tuple[Severity, str]]:
    rows = []
    for f in sorted((f for f in result.findings if f.token is None), key=lambda f: -f.severity):
        cells = [
            f.severity.label,
            _doc_link(f.rule_id, meta),
            _place(f.location, redact),
            md_text(redact(f.message)),
            md_rich(redact(f.remediation)),
        ]
        rows.append((f.severity, "| " + " | ".join(cells) + " |"))
    return rows


def build(result: ScanResult, meta: ReportMeta, *, budget: int = LIMIT) -> str:
    """The summary as Markdown, at most `budget` bytes (UTF-8)."""
    redactor = Redactor(t.secret for t in result.tokens)
    lines = _head(result, meta, redactor)
    size = sum(len(ln.encode("utf-8")) + 1 for ln in lines)
    left_out = 0

    def add(section: list[str], rows: list[tuple[Severity, str]]) -> None:
        nonlocal size, left_out
        if not rows:
            return
        if left_out:
            left_out += len(rows)
            return
        head = sum(len(ln.encode("utf-8")) + 1 for ln in section)
        if size + head + _FOOTER_RESERVE > budget:
            left_out += len(rows)
            return
        lines.extend(section)
        size += head
        for i, (_sev, row) in enumerate(rows):
            cost = len(row.encode("utf-8")) + 1
            if size + cost + _FOOTER_RESERVE > budget:
                left_out += len(rows) - i
                break
            lines.append(row)
            size += cost
        lines.append("")
        size += 1

    add(
        [
            "### Tokens",
            "",
            "| token | kind | GitHub says | severity | places | rules | fix |",
            "|---|---|---|---|---|---|---|",
        ],
        _token_rows(result, meta, redactor),
    )
    add(
        [
            "### Other findings",
            "",
            "| severity | rule | where | finding | fix |",
            "|---|---|---|---|---|",
        ],
        _place_rows(result, meta, redactor),
    )
    notes = [*result.stats.notices, *result.notices]
    tail: list[str] = []
    if left_out:
        tail += [
            f"**{left_out} more row{'s' if left_out != 1 else ''} not shown**: a job summary is "
            "limited to 1 MiB; the JSON and SARIF reports list every finding.",
            "",
        ]
    if result.findings:
        tail += ["Why each rule matters and how to fix it: `patlint explain RULE`.", ""]
    if len(result.findings) > 10:
        tail += [
            "GitHub shows at most 10 annotations of each level per step (50 per job): "
            "the tables above list every token.",
            "",
        ]
    tail_size = sum(len(ln.encode("utf-8")) + 1 for ln in tail)
    if notes and size + tail_size + _FOOTER_RESERVE < budget:
        note_lines = [f"<details><summary>Notes ({len(notes)})</summary>", ""]
        shown = 0
        for note in notes:
            line = f"- {md_text(redactor(note))}"
            cost = len(line.encode("utf-8")) + 1
            if size + tail_size + cost + _FOOTER_RESERVE > budget:
                break
            note_lines.append(line)
            size += cost
            shown += 1
        if shown < len(notes):
            note_lines.append(f"- … and {len(notes) - shown} more")
        note_lines += ["", "</details>", ""]
        lines += note_lines
    lines += tail
    return "\n".join(lines) + "\n"


def render(result: ScanResult, *, stream: TextIO, meta: ReportMeta, budget: int = LIMIT) -> None:
    """Write the Markdown summary (at most `budget` bytes)."""
    stream.write(build(result, meta, budget=budget))
