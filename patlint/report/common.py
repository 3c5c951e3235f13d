"""Shared report helpers: report metadata, serialisable views of model values."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from patlint.model import Finding, Location, ScanResult, TokenInfo, finding_fingerprint


@dataclass(frozen=True, slots=True)
class ReportMeta:
    """What the report says about the run itself."""

    version: str
    config_source: str
    fail_on: str
    exit_code: int
    verification: str  # "offline", "online", "not requested"
    rules: dict[str, Any] = field(default_factory=dict)  # rule id -> Rule (for help text, docs)
    config_narrowed: tuple[str, ...] = ()  # what the scanned tree's own config narrowed
    started_at: float | None = None  # when the run started (epoch seconds), when known
    commit: str | None = None  # the commit a CI job checked out (CI_COMMIT_SHA), when known
    # the folder report paths are relative to, as typed (None: several roots, not one place)
    base: str | None = "."
    hook: str = ""  # "commit" or "push" when a pre-commit hook runs the scan (PRE_COMMIT=1)
    # the run's redactor (the CLI's): a renderer that cuts, elides or wraps text redacts it
    # first, since a token in pieces is a token no shape finds; None: the renderer builds one
    redact: Callable[[str], str] | None = None


def narrowing_note(meta: ReportMeta) -> str | None:
    """One line naming what the scanned tree's own config narrowed, or None."""
    if not meta.config_narrowed:
        return None
    n = len(meta.config_narrowed)
    return f"narrowed by the scanned tree's config ({n}): {', '.join(meta.config_narrowed)}"


_SURROGATE = re.compile("[\ud800-\udfff]")


def clean_text(text: str) -> str:
    """Text that encodes as UTF-8: undecodable bytes become \\xNN, lone surrogates \\uNNNN."""

    def esc(m: re.Match[str]) -> str:
        code = ord(m.group())
        return f"\\x{code - 0xDC00:02x}" if 0xDC80 <= code <= 0xDCFF else f"\\u{code:04x}"

    if text.isascii():  # the common case: nothing to escape, no regex pass
        return text
    return _SURROGATE.sub(esc, text)


def clean_data(value: Any) -> Any:
    """JSON-ready data with every string passed through `clean_text` (keys included)."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {clean_data(k): clean_data(v) for k, v in value.items()}
    if isinstance(value, list):
        return [clean_data(v) for v in value]
    return value


def json_path(path: str) -> str:
    """A path as valid Unicode: undecodable bytes become \\xNN, everything else stays."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def linked_path(path: str) -> str:
    """`path` (as `json_path`) for a report whose reader links it into the repository (a
    GitHub annotation's `file=`, GitLab's `location`): an archive member whose name has a `.`
    or `..` segment (`a.zip!../../README.md`) would resolve to another file of the tree, so
    the archive itself is named."""
    head, bang, member = path.partition("!")
    if bang and any(part in (".", "..") for part in member.replace("\\", "/").split("/")):
        return json_path(head)
    return json_path(path)


def location_dict(loc: Location) -> dict[str, Any]:
    """A Location as JSON-ready data (null fields dropped)."""
    out: dict[str, Any] = {"path": json_path(loc.path)}
    for name in (
        "line",
        "column",
        "offset",
        "commit",
        "commit_date",
        "author_name",
        "author_email",
        "in_head",
        "blob",
    ):
        value = getattr(loc, name)
        if value is not None:
            out[name] = value
    if loc.moved_from is not None:
        out["moved_from"] = json_path(loc.moved_from)
    if loc.repository is not None:
        out["repository"] = loc.repository
    if loc.binary:
        out["binary"] = True
    if loc.note:
        out["note"] = loc.note
    return out


def token_info_dict(info: TokenInfo | None) -> dict[str, Any] | None:
    """TokenInfo as JSON-ready data; never holds the token."""
    if info is None:
        return None
    out: dict[str, Any] = {"status": info.status.value, "kind": info.kind, "host": info.host}
    if info.owner is not None:
        out["owner"] = info.owner
    if info.scopes is not None:
        out["scopes"] = sorted(info.scopes)
    if info.expires_at is not None:
        out["expires_at"] = info.expires_at.isoformat()
    if info.never_expires is not None:
        out["never_expires"] = info.never_expires
    if info.sso:
        out["sso"] = info.sso
    if info.sso_orgs:
        out["sso_orgs"] = list(info.sso_orgs)
    if info.permissions is not None:
        out["permissions"] = dict(sorted(info.permissions.items()))
    if info.undetermined:
        out["undetermined"] = list(info.undetermined)
    if info.reason:
        out["reason"] = info.reason
    if info.checked_at is not None:
        out["checked_at"] = info.checked_at.isoformat()
    for name in ("last_used_at", "granted_at"):  # org inventory only
        when = getattr(info, name)
        if when is not None:
            out[name] = when.isoformat()
    if info.never_used is not None:
        out["never_used"] = info.never_used
    return out


def finding_dict(f: Finding) -> dict[str, Any]:
    """A Finding as JSON-ready data."""
    return {
        "rule_id": f.rule_id,
        "severity": f.severity.label,
        "confidence": f.confidence.label,
        "message": f.message,
        "fingerprint": f.fingerprint,
        "location": location_dict(f.location),
        "related": [location_dict(r) for r in f.related],
        "token": (
            {"kind": f.token.kind, "preview": f.token.preview, "sha256": f.token.sha256}
            if f.token
            else None
        ),
        "context": f.context.to_dict(),
        "token_info": token_info_dict(f.token_info),
        "remediation": f.remediation,
        "suppressed": f.suppressed,
    }


@dataclass(frozen=True, slots=True)
class Place:
    """One file a finding marks: its first location there, the fingerprint of the finding at
    that path (the finding's own for the primary place), and every other location."""

    location: Location
    fingerprint: str
    others: tuple[Location, ...]


def places_of(f: Finding) -> list[Place]:
    """One Place per distinct path of a finding, the primary first (a token committed in three
    files marks three files; two lines of one file, or one file kept through many commits, are
    one place with the rest as related locations)."""
    everywhere = (f.location, *f.related)
    digest = f.token.sha256 if f.token else ""
    out: list[Place] = []
    seen: set[str] = set()
    for i, loc in enumerate(everywhere):
        if loc.path in seen:
            continue
        seen.add(loc.path)
        fingerprint = f.fingerprint if i == 0 else finding_fingerprint(f.rule_id, loc.path, digest)
        others = everywhere[:i] + everywhere[i + 1 :]
        out.append(Place(loc, fingerprint, others))
    return out


def shown(path: str) -> str:
    """A path for a terminal: control characters, undecodable bytes and the invisible
    characters that reorder text (bidi overrides, zero-width marks) escaped."""
    return _INVISIBLE.sub(lambda m: f"\\u{ord(m.group()):04x}", display_path(path))


_INVISIBLE = re.compile("[\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")


def display_path(path: str) -> str:
    """A path safe to print: undecodable bytes as \\xNN, control and invisible characters
    escaped (`_CONTROL`, below: `\\x200b` for a zero-width space, a form `patlint.splits`
    knows)."""
    raw = os.fsencode(path)
    text = raw.decode("utf-8", "backslashreplace")
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


# Control characters (newlines too: a name cannot fake a line), and the invisible ones that
# reorder or hide text on a terminal (bidi overrides and isolates, zero-width marks)
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")


def safe(text: str) -> str:
    """Escape control characters (ANSI escapes included) so a file cannot rewrite the terminal."""
    return _CONTROL.sub(_escaped, clean_text(text))


def _escaped(m: re.Match[str]) -> str:
    code = ord(m.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def lazy_redactor(result: ScanResult) -> Callable[[str], str]:
    """A redactor of the run's tokens, built when a first text needs it (most runs never)."""
    from patlint.redaction import Redactor

    built: list[Redactor] = []

    def redact(text: str) -> str:
        if not built:
            built.append(Redactor(t.secret for t in result.tokens))
        return built[0](text)

    return redact


def cut(text: str, limit: int, redact: Callable[[str], str]) -> str:
    """`text` shortened to at most `limit` characters for a field that has a length limit:
    redacted first (with the run's tokens: `redact`), then cut at a space or line break, so
    that no token (which holds neither) is cut in two. A piece of one is a token the final
    redaction pass cannot recognise: a custom rule's, a 40-hex one, a body after its prefix."""
    if len(text) <= limit:
        return text
    text = redact(text)
    if len(text) <= limit:
        return text
    head = text[: limit + 1]  # one more: a cut right before a space keeps the whole word
    space = max(head.rfind(" "), head.rfind("\n"), head.rfind("\t"))
    return head[:space].rstrip() if space > 0 else ""


def plural(n: int, word: str, words: str | None = None) -> str:
    """`1 file`, `2 files` (or the plural given)."""
    return f"{n} {word if n == 1 else (words or word + 's')}"


def tokens_reported(findings: Iterable[Finding]) -> int:
    """How many distinct tokens the findings are about: one block each in the text report.

    Not `len(result.tokens)`: those are what detection found, without the token a place rule
    absorbs (the checkout token in `.git/config`, reported by its place finding alone) and with
    tokens whose every finding is suppressed (counted as suppressed, not listed).
    """
    return len({f.token.sha256 for f in findings if f.token is not None})


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
    head = plural(len(result.findings), "finding") + (f" ({sev})" if sev else "")
    missed = len(stats.incomplete())
    incomplete = f"INCOMPLETE: {missed} could not be read (-v lists them); " if missed else ""
    return (
        f"patlint: {head} in {plural(tokens_reported(result.findings), 'token')}; "
        f"{plural(stats.files_scanned, 'file')} ({mb:.1f} MB) scanned, {skip_txt}; {incomplete}"
        f"{len(result.suppressed)} suppressed; verification: {meta.verification}; "
        f"config: {safe(meta.config_source)}{_narrowed(meta)}"
    )


def _narrowed(meta: ReportMeta) -> str:
    """` (narrowed by the scanned tree's config: 2: exclude vendor/, disable x)`, or nothing."""
    if not meta.config_narrowed:
        return ""
    n = len(meta.config_narrowed)
    return f" (narrowed by the scanned tree's config: {n}: {safe(', '.join(meta.config_narrowed))})"
