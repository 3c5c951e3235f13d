"""The human report: one block per token — what it is, where, what GitHub said, the findings
(one line each) and the one next step — then the findings about places, notes and a summary.

Everything fits `width` columns (120, or a narrower terminal): long paths lose their middle,
long lines are cut or wrapped. Colour only when the CLI asks for it (a terminal, no NO_COLOR).
Every name, key and message is shown with its control characters escaped, so a file cannot
rewrite the terminal; the CLI's redaction boundary still sees all of it. What is fitted (a path
that gives up its middle, a message cut or wrapped) is redacted first: a token in pieces is a
token no shape finds.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TextIO

from patlint.kinds import KIND_NAMES, REVOCABLE_KINDS, settings_page
from patlint.model import Finding, Location, ScanResult, Token, TokenInfo, TokenRef, TokenStatus
from patlint.report.common import ReportMeta, lazy_redactor, shown

# safe, plural and summary_line live in report.common (a JSON report written to a file prints
# the summary line without importing this module); still named here, where they always were
from patlint.report.common import plural as plural
from patlint.report.common import safe as safe
from patlint.report.common import summary_line as summary_line

WIDTH = 120  # columns the report fits (a narrower terminal makes it narrower)
PLACES_SHOWN = 5  # places listed per token (-v: VERBOSE_PLACES), then "… and N more"
VERBOSE_PLACES = 20
DIGEST_SHOWN = 16  # hex digits of the SHA-256 a block shows (revoke --token takes them)
RULE_COLUMN = 24  # a longer rule id pushes its own message right, not every other one
LABEL = 11  # columns before a block's values: two spaces and the label
_STYLES = {
    "critical": "1;31",
    "high": "31",
    "medium": "33",
    "low": "36",
    "info": "2",
    "bold": "1",
    "dim": "2",
}


def elide(text: str, limit: int) -> str:
    """`text` in at most `limit` columns: the middle gives way ("src/a/…/deep/file.py")."""
    if len(text) <= limit:
        return text
    if limit < 2:
        return text[:limit]
    budget = limit - 1
    first = text[: text.find("/") + 1] if "/" in text.rstrip("/") else ""
    last = text[text.rfind("/") :] if first else ""
    # the first folder and the whole file name say where and what; else keep more of the end
    head = len(first) if first and len(first) + len(last) <= budget else budget // 3
    return text[:head] + "…" + text[len(text) - (budget - head) :]


def cut(text: str, limit: int) -> str:
    """`text` in at most `limit` columns, its end replaced by "…"."""
    return text if len(text) <= limit else text[: max(0, limit - 1)] + "…"


@dataclass(frozen=True, slots=True)
class Paint:
    """SGR colours, or nothing when colour is off."""

    on: bool = False

    def __call__(self, text: str, style: str) -> str:
        return f"\x1b[{_STYLES[style]}m{text}\x1b[0m" if self.on and text else text

    def sev(self, label: str, pad: int = 0) -> str:
        """A severity label, padded to `pad` columns, in its colour."""
        return self(label, label) + " " * max(0, pad - len(label))


@dataclass(frozen=True, slots=True)
class _Layout:
    width: int
    paint: Paint
    verbose: bool
    redact: Callable[[str], str]  # the run's tokens; what is cut, elided or wrapped passes it

    def fitted(self, text: str, room: int) -> str:
        """`text`, redacted first when it is wider than `room` (so about to be cut, elided or
        wrapped); what fits is left to the output's redaction."""
        return text if len(text) <= room else self.redact(text)

    @property
    def room(self) -> int:
        """Columns left after a block's label."""
        return max(20, self.width - LABEL)

    def labelled(self, label: str, values: Sequence[str]) -> list[str]:
        """`  label    value`, then the other values under the first."""
        head = "  " + self.paint(label, "dim") + " " * (LABEL - 2 - len(label))
        return [(head if i == 0 else " " * LABEL) + v for i, v in enumerate(values)]

    def wrapped(self, text: str, *, indent: int = LABEL) -> list[str]:
        """`text` wrapped to the width, every line indented by `indent` (the first included)."""
        room = max(20, self.width - indent)
        lines = textwrap.wrap(self.fitted(text, room), room, break_on_hyphens=False) or [""]
        return [" " * indent + ln for ln in lines]


# --- what a block says -----------------------------------------------------------------------


def _context(loc: Location, parts: Sequence[str]) -> str:
    words = [p for p in parts if p]
    if loc.in_head is not None:
        words.append("still in HEAD" if loc.in_head else "not in HEAD")
    return safe(", ".join(words))


def _ctx_words(token: Token | None, loc: Location) -> list[str]:
    """Key, host and encoding of the candidate at `loc` (what the place says about the token)."""
    if token is None:
        return []
    for c in token.candidates:
        if c.location == loc:
            ctx = c.context
            return [ctx.key or "", f"for {ctx.host}" if ctx.host else "", ctx.encoding or ""]
    return []


def _commit(loc: Location) -> str:
    """History: ` @ <commit> <date> by Name <email>`; nothing for a file."""
    if loc.commit is None:
        return ""
    out = f" @ {loc.commit[:10]}"
    if loc.commit_date:
        out += f" {loc.commit_date[:10]}"
    if loc.author_name is not None:
        email = f" <{loc.author_email}>" if loc.author_email else ""
        out += f" by {safe(loc.author_name)}{safe(email)}"
    return out


def _places(token: Token | None, findings: Sequence[Finding]) -> list[tuple[Location, int]]:
    """Each place once, in scan order, with how many more commits added it (history)."""
    locs = (
        [c.location for c in token.candidates]
        if token is not None
        else [loc for f in findings for loc in (f.location, *f.related)]
    )
    out: dict[tuple[str, int | None, str | None], Location] = {}
    commits: dict[tuple[str, int | None, str | None], set[str]] = {}
    for loc in locs:
        # history: a path kept through many commits is one place (at its oldest commit)
        key = (loc.where, None if loc.commit else loc.offset, loc.note if not loc.commit else None)
        out.setdefault(key, loc)
        if loc.commit:
            commits.setdefault(key, set()).add(loc.commit)
    return [(loc, max(0, len(commits.get(k, ())) - 1)) for k, loc in out.items()]


def _fit(lay: _Layout, path: str, rest: str, ctx: str, room: int) -> str:
    """`path rest  ctx` in `room` columns: the path gives up its middle first (down to a
    readable length), then the line its end (the context, then the author)."""
    line = f"{path}{rest}" + (f"  {ctx}" if ctx else "")
    if len(line) > room:  # about to lose characters: no token may lose only some of its own
        path, rest, ctx = lay.redact(path), lay.redact(rest), lay.redact(ctx)
        line = f"{path}{rest}" + (f"  {ctx}" if ctx else "")
    over = len(line) - room
    if over > 0:
        keep = room - len(rest) - (2 + min(len(ctx), 20) if ctx else 0)  # a little context
        spare = len(path) - min(len(path), max(24, keep))
        if spare > 0:
            path = elide(path, len(path) - min(over, spare))
            line = f"{path}{rest}" + (f"  {ctx}" if ctx else "")
    return cut(line, room)


def _place_lines(lay: _Layout, token: Token | None, findings: Sequence[Finding]) -> list[str]:
    places = _places(token, findings)
    limit = VERBOSE_PLACES if lay.verbose else PLACES_SHOWN
    lines = []
    for loc, more in places[:limit]:
        ctx = _context(loc, _ctx_words(token, loc))
        lines.append(_fit(lay, shown(loc.display()), "", ctx, lay.room))
        if loc.commit is not None:  # history: the commit that added it there, on its own line
            more_txt = f" (+{plural(more, 'more commit')})" if more else ""
            line = "  " + _commit(loc).lstrip() + more_txt
            lines.append(cut(lay.fitted(line, lay.room), lay.room))
    if len(places) > limit:
        lines.append(f"… and {len(places) - limit} more (-v lists {VERBOSE_PLACES}, JSON all)")
    return lines


def _scopes(info: TokenInfo, room: int) -> str:
    if info.scopes is not None:
        names = sorted(info.scopes)
        return "no scopes" if not names else cut("scopes " + ", ".join(names), room)
    granted = {k: v for k, v in (info.permissions or {}).items() if v != "none"}
    if granted:
        perms = ", ".join(f"{k}: {v}" for k, v in sorted(granted.items()))
        return cut("permissions " + perms, room)
    return ""


def _github(info: TokenInfo | None, meta: ReportMeta, room: int) -> str:
    """What GitHub said, or why it was not asked."""
    if info is None:
        if meta.verification == "offline":
            return "not asked (--offline)"
        return "not asked"
    host = f" on {info.host}" if info.host not in ("", "github.com") else ""
    if info.status is TokenStatus.INVALID:
        return safe(f"rejects it{host}: {info.reason or 'revoked, expired or never valid'}")
    if info.status in (TokenStatus.VALID, TokenStatus.SSO_REQUIRED):
        words = [f"live{host}"]
        if info.status is TokenStatus.SSO_REQUIRED:
            orgs = ", ".join(info.sso_orgs)
            words.append(f"SSO authorization required{' for ' + orgs if orgs else ''}")
        if info.owner:
            words.append(f"owner {info.owner}")
        if info.expires_at is not None:
            words.append(f"expires {info.expires_at:%Y-%m-%d}")
        elif info.never_expires:
            words.append("never expires")
        text = safe(" · ".join(words))
        scopes = _scopes(info, max(10, room - len(text) - 3))
        return text + (f" · {safe(scopes)}" if scopes else "")
    why = info.reason or info.status.value
    return safe(
        f"not verified ({info.status.value}: {why})" if info.reason else f"not verified ({why})"
    )


def _short(message: str, preview: str) -> str:
    """A finding's message in its token's block, without the "<kind> token <preview> " it opens
    with (the block's first line says that): "found in 2 files; GitHub accepts it…"."""
    at = message.find(f"{preview} ")
    if at == 0 or (0 < at <= 60 and message[:at].rstrip().lower().endswith("token")):
        return message[at + len(preview) + 1 :]
    return message


def _finding_lines(lay: _Layout, findings: Sequence[Finding]) -> list[str]:
    rule_w = min(RULE_COLUMN, max(len(f.rule_id) for f in findings))
    lines = []
    for f in findings:
        head = f"{f.severity.label:<8} {f.rule_id:<{rule_w}}  "
        room = max(10, lay.room - len(head))
        msg = lay.fitted(safe(_short(f.message, f.token.preview) if f.token else f.message), room)
        painted = lay.paint.sev(f.severity.label, 8) + " " + f"{f.rule_id:<{rule_w}}  "
        if not lay.verbose:
            lines.append(painted + cut(msg, room))
            continue
        rest = textwrap.wrap(msg, room, break_on_hyphens=False) or [""]
        lines.append(painted + rest[0])
        lines += [" " * len(head) + ln for ln in rest[1:]]
    return lines


def _shell_word(text: str) -> str | None:
    """`text` as one shell word (quoted when it must be), or None when it cannot be typed."""
    import shlex

    if safe(text) != text or "\n" in text:
        return None  # control characters or undecodable bytes: a copy would name another file
    return shlex.quote(text)


_SCP_FORM = re.compile(r"^[A-Za-z0-9._~%+-]*@?[A-Za-z0-9.-]+:")


def _file_arg(path: str, base: str | None) -> str | None:
    """The shell word naming a report path from where the scan ran."""
    if path.startswith("~/"):
        rest = _shell_word(path[2:])
        return None if rest is None else "~/" + rest
    if not path.startswith("/"):
        if base is None:
            return None  # several scanned folders: which one this path is in is not known
        if base not in ("", "."):
            import os

            path = os.path.join(base, path)
        elif path.startswith("-"):
            path = "./" + path  # not an option
    return _shell_word(path)


def _revoke_command(token: Token, meta: ReportMeta) -> list[str] | None:
    """The words of `patlint revoke --token <digest> …` reading the token again from one of
    its places (a file, a git blob, a variable); None when no place can be named in a shell."""
    from patlint.hosts import GITHUB_COM, is_non_github, normalize_host

    revoke = ["patlint", "revoke", "--token", token.secret.digest[:DIGEST_SHOWN]]
    stdin = ["|", *revoke[:2], "--file", "-", *revoke[2:], "--yes"]
    for c in token.candidates:
        loc = c.location
        if "name" in loc.note or loc.path in ("<stdin>", "-"):
            continue  # a token in a file name is not in the file; stdin is gone
        host = normalize_host(c.context.host) or GITHUB_COM
        word = _shell_word(host)
        if word is None:
            continue
        flag = [] if host == GITHUB_COM or is_non_github(host) else ["--host", word]
        if loc.commit and loc.blob and loc.repository is not None:  # a fleet scan's repository
            if "://" in loc.repository or _SCP_FORM.match(loc.repository):
                continue  # its mirror is in the cache: `patlint merge` reads it again
            repo = ["-C", _shell_word(loc.repository)]
        elif loc.commit and loc.blob:
            repo = [] if meta.base in (None, "", ".") else ["-C", _shell_word(meta.base or "")]
        if loc.commit and loc.blob:
            if None in repo:
                continue
            return [
                "git",
                *(w or "" for w in repo),
                "cat-file",
                "blob",
                loc.blob[:12],
                *stdin,
                *flag,
            ]
        if loc.commit:
            continue
        if loc.path.startswith("env:"):
            name = _shell_word(loc.path[4:])
            if name is not None:
                return ["printenv", name, *stdin, *flag]
            continue
        arg = _file_arg(loc.path, meta.base)
        if arg is not None:
            return [*revoke, "--file", arg, *flag]
    return None


def _command_lines(lead: str, words: Sequence[str], room: int) -> list[str] | None:
    """`lead` and a command in `room` columns, broken between words with ` \\` (it still
    pastes into a shell); None when one word alone is wider."""
    lines = [lead]
    for word in words:
        if len(lines[-1]) + 1 + len(word) + 2 <= room or lines[-1] == lead:
            lines[-1] += " " + word
        else:
            lines[-1] += " \\"
            lines.append("    " + word)
    return lines if all(len(ln) <= room for ln in lines) else None


def _next_step(
    token: Token | None,
    ref: TokenRef,
    findings: Sequence[Finding],
    meta: ReportMeta,
    lay: _Layout,
) -> list[str]:
    """The one next step, as lines: revoke (or delete) it, then where its replacement lives."""
    info = token.info if token is not None else None
    lines: list[str] = []
    room = lay.room

    def say(text: str) -> None:
        lines.extend(textwrap.wrap(lay.fitted(safe(text), room), room, break_on_hyphens=False))

    if token is None and findings:
        # No token record: a place rule took the token over (the job's own checkout token is
        # never verified nor revoked), so the step is that rule's fix, not the kind's advice.
        worst = max(findings, key=lambda f: int(f.severity))
        if worst.remediation:
            say(worst.remediation)
            return lines

    if info is not None and info.status is TokenStatus.INVALID:
        say("delete it from every place above: GitHub already rejects it, nothing to revoke")
        return lines
    if ref.kind == "ghs":
        say(
            "delete it; an installation token expires within an hour: mint one when needed "
            "(actions/create-github-app-token) instead of storing it"
        )
        return lines
    if ref.kind not in KIND_NAMES or ref.kind == "invalid":
        say("delete it (not a token GitHub issued: its checksum fails)")
        return lines
    words = _revoke_command(token, meta) if token and ref.kind in REVOCABLE_KINDS else None
    command = _command_lines("revoke it:", words, room) if words else None
    if command is not None:
        lines += command
    else:
        say(f"revoke it at {settings_page(ref.kind)}")
    if token is not None:
        from patlint.policy.remediation import storage_for

        say(f"then {storage_for(token)}")
    return lines


def _token_block(
    lay: _Layout,
    ref: TokenRef,
    token: Token | None,
    findings: Sequence[Finding],
    meta: ReportMeta,
) -> list[str]:
    worst = max(findings, key=lambda f: int(f.severity)).severity.label
    name = KIND_NAMES.get(ref.kind, "token-shaped string")
    digest = f"sha256 {ref.sha256[:DIGEST_SHOWN]}"
    if len(ref.preview) + len(name) + len(digest) + len(worst) + 6 > lay.width:
        name = ""  # a narrow terminal: the preview's prefix names the kind too
    head = "  ".join(p for p in (name, digest) if p)
    lines = [f"{lay.paint(ref.preview, 'bold')}  {head}  {lay.paint(worst.upper(), worst)}"]
    lines += lay.labelled("where", _place_lines(lay, token, findings))
    lines += lay.labelled("GitHub", [_github(token.info if token else None, meta, lay.room)])
    lines += lay.labelled("findings", _finding_lines(lay, findings))
    return lines + lay.labelled("next", _next_step(token, ref, findings, meta, lay))


def _place_finding(lay: _Layout, f: Finding) -> list[str]:
    ctx = [f.context.key or "", f"for {f.context.host}" if f.context.host else ""]
    room = max(20, lay.width - 2 - len(f"{f.severity.label:<8} {f.rule_id}  "))
    tail = _fit(
        lay, shown(f.location.display()), _commit(f.location), _context(f.location, ctx), room
    )
    line = "  " + lay.paint.sev(f.severity.label, 8) + f" {f.rule_id}  " + tail
    return [line, *lay.wrapped(safe(f.message), indent=LABEL)]


# --- the footer --------------------------------------------------------------------------------


def _allow_hint(lay: _Layout, findings: Sequence[Finding], meta: ReportMeta) -> list[str]:
    """How to allow a test fixture (and, under a pre-commit hook, that the commit was stopped)."""
    detectors = [
        f.rule_id
        for f in findings
        if f.token is not None and getattr(meta.rules.get(f.rule_id), "kind", "") == "detector"
    ]
    lines: list[str] = []
    if meta.hook and meta.exit_code == 1:
        blocked = plural(len({f.token.sha256 for f in findings if f.token}), "token")
        lines += lay.wrapped(
            f"patlint stopped this {meta.hook}: {blocked} and {plural(len(findings), 'finding')} "
            f"at or above --fail-on {meta.fail_on}. A real token: take it out of the file (see "
            "each token's next step) and revoke it if it ever left this machine.",
            indent=0,
        )
    if detectors:
        lines += lay.wrapped(
            f"Test fixture, not a secret? Put `# patlint: ignore[{detectors[0]}]` on every line that "
            "holds it (what is derived from it goes too) or its sha256 under `allow:` in "
            ".patlint.yaml.",
            indent=0,
        )
    return lines


def _summary_lines(text: str, lay: _Layout) -> list[str]:
    """The summary line, broken after its `; ` separators to fit the width."""
    width = lay.width
    lines: list[str] = []
    for part in text.split("; "):
        if lines and len(lines[-1]) + 2 + len(part) <= width:
            lines[-1] += "; " + part
        else:
            if lines:
                lines[-1] += ";"
            lines.append(("  " if lines else "") + part)
    out: list[str] = []
    for ln in lines:
        ln = lay.fitted(ln, width)  # a part too long for a line (a config path) is wrapped
        out += textwrap.wrap(ln, width, subsequent_indent="  ", break_on_hyphens=False) or [ln]
    return out


# --- the report --------------------------------------------------------------------------------


def render(
    result: ScanResult,
    *,
    stream: TextIO,
    meta: ReportMeta,
    verbose: bool = False,
    color: bool = False,
    width: int = WIDTH,
) -> None:
    """One block per token, the findings about places, notes, skips (-v) and the summary."""
    lay = _Layout(max(60, width), Paint(color), verbose, meta.redact or lazy_redactor(result))
    tokens = {t.secret.digest: t for t in result.tokens}
    blocks: dict[str, list[Finding]] = {}
    loose: list[Finding] = []
    for f in result.findings:  # most severe first: so are the blocks
        if f.token is None:
            loose.append(f)
        else:
            blocks.setdefault(f.token.sha256, []).append(f)
    out: list[str] = []
    for digest, findings in blocks.items():
        ref = findings[0].token
        assert ref is not None
        out += [*_token_block(lay, ref, tokens.get(digest), findings, meta), ""]
    if loose:
        out.append(f"Findings about places ({len(loose)}):")
        for f in loose:
            out += _place_finding(lay, f)
        out.append("")
    out += _allow_hint(lay, result.findings, meta)
    for notice in [*result.stats.notices, *result.notices]:
        out += textwrap.wrap(
            lay.fitted(f"note: {safe(notice)}", lay.width),
            lay.width,
            subsequent_indent="      ",
            break_on_hyphens=False,
        )
    if verbose:
        for s in result.stats.skipped:
            detail = f": {safe(s.detail)}" if s.detail else ""
            out += textwrap.wrap(
                lay.fitted(f"skipped: {shown(s.path)}: {safe(s.reason)}{detail}", lay.width),
                lay.width,
                subsequent_indent="      ",
                break_on_hyphens=False,
            )
    out += _summary_lines(summary_line(result, meta), lay)
    stream.write("\n".join(out) + "\n")
