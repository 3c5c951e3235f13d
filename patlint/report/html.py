"""`--format html`: one self-contained page for a security team (scan or organization audit).

Tokens are grouped with their places and findings, their power shown as scope badges, and
their expiry on a timeline. Inline CSS only; a Content-Security-Policy forbids every fetch, and
every piece of text (file names, token names, messages) is HTML-escaped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import datetime, timezone
from html import escape
from typing import Any, TextIO

from patlint.kinds import KIND_NAMES
from patlint.model import Finding, Location, ScanResult, Token, TokenInfo, TokenRef
from patlint.report.common import ReportMeta, clean_text, narrowing_note, plural, shown

TIMELINE_DAYS = 400  # the timeline spans today .. today + this many days


def dangerous_scopes(meta: ReportMeta) -> frozenset[str]:
    """The classic scopes shown in red: the god-token rule's `high_risk` list
    (rules/policy/scopes.yml), so the page and the rule never disagree; `admin:` scopes too."""
    rule = meta.rules.get("god-token")
    high_risk = getattr(rule, "params", {}).get("high_risk", ()) if rule is not None else ()
    return frozenset(str(s) for s in high_risk)


def _is_dangerous(scope: str, danger: frozenset[str]) -> bool:
    return scope in danger or scope.startswith("admin:")


_CSS = """
:root{--bg:#fff;--fg:#1f2328;--mute:#656d76;--line:#d0d7de;--crit:#8b0000;--high:#cf222e;
--med:#bc4c00;--low:#9a6700;--info:#0969da;--ok:#1a7f37}
*{box-sizing:border-box}body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;
color:var(--fg);background:var(--bg);margin:0 auto;max-width:1200px;padding:24px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid
var(--line);padding-bottom:4px}code{font:12px ui-monospace,SFMono-Regular,Menlo,monospace;
background:#f6f8fa;padding:1px 4px;border-radius:4px;word-break:break-all}
.meta{color:var(--mute)}.cards{display:grid;gap:12px}
.card{border:1px solid var(--line);border-radius:8px;padding:12px 14px}
.card h3{margin:0 0 6px;font-size:15px}.kv{color:var(--mute);margin-right:12px}
.badge{display:inline-block;border-radius:10px;padding:0 8px;margin:1px 2px;font-size:12px;
border:1px solid var(--line);background:#f6f8fa}.badge.danger{background:#ffebe9;
border-color:#ff8182;color:#82071e}.sev{color:#fff;border:0}.sev.critical{background:var(--crit)}
.sev.high{background:var(--high)}.sev.medium{background:var(--med)}.sev.low{background:var(--low)}
.sev.info{background:var(--info)}.status.valid{background:#dafbe1;color:var(--ok)}
.status.invalid{background:#eee;color:var(--mute)}
ul{margin:4px 0 0;padding-left:20px}li{margin:2px 0}.fix{color:var(--mute);font-size:13px}
.what-to-do{color:inherit;font-size:14px;margin-top:6px}.what-to-do li{margin:4px 0}
table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid var(--line);
padding:4px 6px;text-align:left;vertical-align:top}th{font-size:12px;color:var(--mute)}
.tl{position:relative;height:14px;background:#f6f8fa;border-radius:7px;min-width:200px}
.tl span{position:absolute;top:0;bottom:0;left:0;border-radius:7px}
.tl .never{background:var(--crit);width:100%}.tl .long{background:var(--high)}
.tl .ok{background:var(--ok)}.tl .soon{background:var(--low)}.tl .past{background:#999;width:2%}
.summary .badge{font-size:13px}
"""


def _e(text: object) -> str:
    return escape(clean_text(str(text)), quote=True)


# A tiny, safe Markdown subset for rule texts: `code`, **bold**, [text](https://…) and bare
# https URLs. Everything else is escaped text; no raw HTML passes. Texts can carry names from
# the scanned tree, so links go only to GitHub's own pages (a file named "[x](https://evil)"
# stays text) and never carry credentials.
_MARKDOWN = re.compile(
    r"`(?P<code>[^`\n]+)`"
    r"|\*\*(?P<bold>[^*\n]+)\*\*"
    r"|\[(?P<label>[^\]\n]+)\]\((?P<href>[^\s()]+)\)"
    r"|(?P<bare>https://[^\s<>`\"'()]+)"
)
LINK_HOSTS = frozenset({"github.com", "docs.github.com", "cli.github.com"})


def _link(url: str, label: str) -> str | None:
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme != "https" or parts.hostname not in LINK_HOSTS or "@" in parts.netloc:
        return None
    return f'<a href="{escape(url, quote=True)}" rel="noopener noreferrer">{escape(label)}</a>'


def markdown(text: object, *, links: bool = True) -> str:
    """`text` as HTML: the safe Markdown subset above, the rest escaped. `links=False` for a
    finding's message, which quotes the scanned tree (a job named `[Revoke now](https://github.com/login/oauth/…)`
    would be a live link in a security report): its links stay text."""
    raw = clean_text(str(text))
    out: list[str] = []
    pos = 0
    for m in _MARKDOWN.finditer(raw):
        out.append(escape(raw[pos : m.start()], quote=True))
        pos = m.end()
        if m["code"] is not None:
            out.append(f"<code>{escape(m['code'], quote=True)}</code>")
        elif m["bold"] is not None:
            out.append(f"<b>{escape(m['bold'], quote=True)}</b>")
        elif not links:
            out.append(escape(m.group(), quote=True))
        elif m["label"] is not None:
            out.append(_link(m["href"], m["label"]) or escape(m.group(), quote=True))
        else:
            url = m["bare"].rstrip(".,;:!?")  # the sentence's full stop is not the URL's
            tail = m["bare"][len(url) :]
            out.append((_link(url, url) or escape(url, quote=True)) + escape(tail))
    out.append(escape(raw[pos:], quote=True))
    return "".join(out)


def _sev(label: str) -> str:
    return f'<span class="badge sev {_e(label)}">{_e(label)}</span>'


def _place(loc: Location) -> str:
    text = shown(loc.display())
    if loc.commit:
        text += f" @ {loc.commit[:10]}"
    out = f"<code>{_e(text)}</code>"
    if loc.note:
        out += f' <span class="kv">{_e(shown(loc.note))}</span>'
    return out


def _scopes(info: TokenInfo | None, danger: frozenset[str]) -> str:
    if info is None:
        return '<span class="kv">not verified</span>'
    parts: list[str] = []
    if info.scopes is not None:
        if not info.scopes:
            parts.append('<span class="badge">no scopes</span>')
        for scope in sorted(info.scopes):
            cls = "badge danger" if _is_dangerous(scope, danger) else "badge"
            parts.append(f'<span class="{cls}">{_e(scope)}</span>')
    for name, level in sorted((info.permissions or {}).items()):
        cls = "badge danger" if level in ("write", "admin") else "badge"
        parts.append(f'<span class="{cls}">{_e(name)}: {_e(level)}</span>')
    return "".join(parts) or '<span class="kv">unknown</span>'


def _expiry(info: TokenInfo | None, now: datetime) -> tuple[str, str]:
    """Text and timeline bar for a token's expiry."""
    if info is None:
        return "unknown", ""
    if info.expires_at is not None:
        days = (info.expires_at - now).total_seconds() / 86400
        if days <= 0:
            return f"expired {info.expires_at:%Y-%m-%d}", '<span class="past"></span>'
        width = min(100.0, 100.0 * days / TIMELINE_DAYS)
        cls = "soon" if days <= 14 else ("long" if days > 90 else "ok")
        return (
            f"{info.expires_at:%Y-%m-%d} (in {int(days)} days)",
            f'<span class="{cls}" style="width:{width:.1f}%"></span>',
        )
    if info.never_expires:
        return "never expires", '<span class="never"></span>'
    return "unknown", ""


def _finding_item(f: Finding, *, fix: bool = True) -> str:
    """One finding; its fix below it unless the token's card says it once for all (`fix`)."""
    shown_fix = (
        f'<div class="fix">Fix: {markdown(f.remediation)}</div>' if fix and f.remediation else ""
    )
    where = f" — {_place(f.location)}" if f.token is None else ""
    return (
        f"<li>{_sev(f.severity.label)} <code>{_e(f.rule_id)}</code> "
        f'<span class="msg">{markdown(f.message, links=False)}</span>{where}{shown_fix}</li>'
    )


def _fixes(findings: Sequence[Finding]) -> str:
    """A token's fix, once: each distinct remediation of its findings, most severe first."""
    texts = list(
        dict.fromkeys(
            f.remediation for f in sorted(findings, key=lambda f: -int(f.severity)) if f.remediation
        )
    )
    if not texts:
        return ""
    items = "".join(f"<li>{markdown(t)}</li>" for t in texts)
    return f'<div class="fix what-to-do"><b>What to do</b><ul>{items}</ul></div>'


def _token_card(
    token: Token, findings: Sequence[Finding], now: datetime, danger: frozenset[str]
) -> str:
    locations = [c.location for c in token.candidates]
    return _card(token.ref, token.info, locations, findings, now, danger)


def _reported_card(findings: Sequence[Finding], now: datetime, danger: frozenset[str]) -> str:
    """The card of a token only findings know: one a place rule absorbed (the checkout token
    in `.git/config`), which detection did not report and GitHub was not asked about."""
    ref = findings[0].token
    assert ref is not None
    seen: dict[tuple[str, int | None, str | None], Location] = {}
    for f in findings:
        for loc in (f.location, *f.related):
            seen.setdefault((loc.path, loc.line, loc.commit), loc)
    return _card(ref, findings[0].token_info, list(seen.values()), findings, now, danger)


def _card(
    ref: TokenRef,
    info: TokenInfo | None,
    locations: Sequence[Location],
    findings: Sequence[Finding],
    now: datetime,
    danger: frozenset[str],
) -> str:
    status = info.status.value if info is not None else "unverified"
    owner = f'<span class="kv">owner <b>{_e(info.owner)}</b></span>' if info and info.owner else ""
    expiry, _bar = _expiry(info, now)
    places = "".join(f"<li>{_place(loc)}</li>" for loc in locations[:50])
    if len(locations) > 50:
        places += f"<li>… and {len(locations) - 50} more</li>"
    items = "".join(_finding_item(f, fix=False) for f in findings)
    return (
        f'<section class="card token" data-sha256="{_e(ref.sha256)}">'
        f'<h3><code class="preview">{_e(ref.preview)}</code> '
        f"{_e(KIND_NAMES.get(ref.kind, ref.kind))} "
        f'<span class="badge status {_e(status)}">{_e(status)}</span></h3>'
        f'<div>{owner}<span class="kv">expires: {_e(expiry)}</span>'
        f'<span class="kv">sha256 {_e(ref.sha256[:16])}…</span></div>'
        f'<div class="power">{_scopes(info, danger)}</div>'
        f"<div><b>Places</b><ul>{places}</ul></div>"
        + (f"<div><b>Findings</b><ul>{items}</ul></div>" if items else "")
        + _fixes(findings)
        + "</section>"
    )


def _timeline(tokens: Iterable[Token], now: datetime) -> str:
    rows = []

    def key(t: Token) -> tuple[int, float]:
        info = t.info
        if info is None or (info.expires_at is None and not info.never_expires):
            return (2, 0.0)
        if info.expires_at is None:
            return (1, 0.0)
        return (0, info.expires_at.timestamp())

    for t in sorted(tokens, key=key):
        text, bar = _expiry(t.info, now)
        if not bar:
            continue
        rows.append(
            f"<tr><td><code>{_e(t.ref.preview)}</code></td><td>{_e(text)}</td>"
            f'<td style="width:55%"><div class="tl">{bar}</div></td></tr>'
        )
    if not rows:
        return '<p class="meta">No expiry known (offline scan, or nothing verified).</p>'
    return (
        f'<p class="meta">Bars run from today to {TIMELINE_DAYS} days ahead; a full red bar '
        'never expires.</p><table class="timeline"><tr><th>Token</th><th>Expiry</th>'
        f"<th>Timeline</th></tr>{''.join(rows)}</table>"
    )


def _inventory(result: Any, danger: frozenset[str]) -> str:
    entries = getattr(result, "inventory", None)
    if not entries:
        return ""
    rows = []
    for e in entries:
        perms = "".join(
            f'<span class="badge{" danger" if v in ("write", "admin") else ""}">'
            f"{_e(k)}: {_e(v)}</span>"
            for k, v in e.permissions.items()
        ) + "".join(
            f'<span class="badge{" danger" if _is_dangerous(s, danger) else ""}">{_e(s)}</span>'
            for s in sorted(e.scopes or ())
        )
        repos = e.repositories_shown
        if e.repositories:
            repos += (
                " ("
                + ", ".join(e.repositories[:10])
                + (", …" if len(e.repositories) > 10 else "")
                + ")"
            )
        rows.append(
            "<tr>"
            f"<td><code>{_e(e.preview)}</code></td><td>{_e(e.source)}</td><td>{_e(e.owner)}</td>"
            f"<td>{_e(e.name)}</td><td>{_e(repos)}</td><td>{perms}</td>"
            f"<td>{_e(_date(e.expires_at) if e.expires_at else ('expired' if e.expired else 'never'))}</td>"
            f"<td>{_e(_date(e.last_used_at) or ('never' if e.never_used else 'unknown'))}</td></tr>"
        )
    return (
        f'<h2>Inventory of {_e(getattr(result, "org", ""))}</h2><table class="inventory"><tr>'
        "<th>Token</th><th>Source</th><th>Owner</th><th>Name</th><th>Repositories</th>"
        "<th>Power</th><th>Expires</th><th>Last used</th></tr>" + "".join(rows) + "</table>"
    )


def _date(when: datetime | None) -> str:
    return f"{when:%Y-%m-%d}" if when else ""


def render(
    result: ScanResult, *, stream: TextIO, meta: ReportMeta, now: datetime | None = None
) -> None:
    """Write the HTML page."""
    when = now or datetime.now(timezone.utc)
    org = getattr(result, "org", "")
    title = f"patlint organization audit: {org}" if org else "patlint scan report"
    by_token: dict[str, list[Finding]] = {}
    loose: list[Finding] = []
    for f in result.findings:
        if f.token is None:
            loose.append(f)
        else:
            by_token.setdefault(f.token.sha256, []).append(f)
    counts: dict[str, int] = {}
    for f in result.findings:
        counts[f.severity.label] = counts.get(f.severity.label, 0) + 1
    summary = "".join(
        f"{_sev(s)} {counts[s]} "
        for s in ("critical", "high", "medium", "low", "info")
        if s in counts
    )
    danger = dangerous_scopes(meta)

    def worst(digest: str) -> int:
        return -max((int(f.severity) for f in by_token.get(digest, [])), default=-1)

    made = [
        (worst(t.secret.digest), _token_card(t, by_token.get(t.secret.digest, []), when, danger))
        for t in result.tokens
    ]
    # a token only findings know (a place rule absorbed it) has its card too, never dropped
    carded = {t.secret.digest for t in result.tokens}
    made += [
        (worst(d), _reported_card(fs, when, danger))
        for d, fs in by_token.items()
        if d not in carded
    ]
    made.sort(key=lambda m: m[0])  # stable: in scan order within a severity
    cards = "".join(card for _, card in made)
    notices = [*result.stats.notices, *result.notices]
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'; img-src 'none'; base-uri 'none'; form-action 'none'\">",
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{_e(title)}</h1>",
        f'<p class="meta">patlint {_e(meta.version)} · generated {when:%Y-%m-%d %H:%M} UTC · '
        f"verification: {_e(meta.verification)} · config: {_e(meta.config_source)} · "
        f"exit code {meta.exit_code}</p>",
        *([f'<p class="meta narrowed">{_e(note)}</p>'] if (note := narrowing_note(meta)) else []),
        f'<p class="summary" id="summary">{plural(len(result.findings), "finding")} {summary}· '
        f"{plural(len(made), 'token')} · {len(result.suppressed)} suppressed</p>",
        _inventory(result, danger),
        f'<h2>Tokens</h2><div class="cards">{cards or "<p>No tokens found.</p>"}</div>',
        f"<h2>Expiry timeline</h2>{_timeline(result.tokens, when)}",
    ]
    if loose:
        parts.append(
            "<h2>Other findings</h2><ul>" + "".join(_finding_item(f) for f in loose) + "</ul>"
        )
    if notices:
        parts.append(
            "<h2>Notices</h2><ul>" + "".join(f"<li>{_e(n)}</li>" for n in notices) + "</ul>"
        )
    parts.append("</body></html>\n")
    stream.write("\n".join(parts))
