"""A JSON report of `patlint scan` read back as what its sources collected (`patlint merge`).

A report never holds a token: each is known by its SHA-256, kind and preview. So the tokens
read back are `ReportedSecret`s, which have those and refuse to reveal anything; the places
(`tokens[].locations` with their `contexts` and `detections`, and `collected.places`) become
candidates and place findings again, to be grouped, verified and judged once more with
everything else. Reports of another patlint or schema version are refused (their rules or
fields may mean something else); so is anything malformed, each with the JSON path of what is
wrong (exit 2).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NoReturn

from patlint.errors import ConfigError, PatlintError
from patlint.model import (
    Candidate,
    Context,
    FleetInfo,
    Location,
    PlaceFinding,
    RepoStatus,
    Rule,
    Secret,
    Severity,
    Skip,
    TokenInfo,
    TokenStatus,
    utc,
)

MISSING_SHARD = "missing-shard"  # a merge's own skip: worked out again at every merge
_WORD = re.compile(r"[A-Za-z0-9_.:-]{1,64}")


class ReportedSecret(Secret):
    """A token read back from a report: SHA-256, kind and preview, no plaintext."""

    __slots__ = ()
    sealed = True

    def __init__(self, digest: str, kind: str, preview: str) -> None:
        self._value = ""
        self.kind = kind
        self.digest = digest
        self.preview = preview

    def reveal(self) -> str:
        """Nothing to reveal: a report holds no token."""
        raise PatlintError(f"token {self.preview} is known only by its SHA-256 (from a report)")

    @property
    def sha1(self) -> str:
        """Unknown: the SHA-1 of a token needs its plaintext."""
        raise PatlintError(f"token {self.preview} is known only by its SHA-256 (from a report)")

    def __reduce__(self) -> tuple[Any, ...]:
        return (ReportedSecret, (self.digest, self.kind, self.preview))


@dataclass(slots=True)
class LoadedReport:
    """What one report's sources collected, and what GitHub said then."""

    source: str
    candidates: list[Candidate] = field(default_factory=list)
    places: list[PlaceFinding] = field(default_factory=list)
    infos: dict[str, TokenInfo] = field(default_factory=dict)  # digest -> verification
    skipped: list[Skip] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    files_scanned: int = 0
    bytes_scanned: int = 0
    fleet: FleetInfo | None = None


class _Reader:
    """Typed access to a report's JSON with errors that name the report and the JSON path."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, where: str, expected: str) -> NoReturn:
        raise ConfigError(f"{self.source}: {where}: expected {expected}")

    def obj(self, value: Any, where: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            self.fail(where, "an object")
        return value

    def arr(self, value: Any, where: str) -> list[Any]:
        if not isinstance(value, list):
            self.fail(where, "a list")
        return value

    def text(self, value: Any, where: str) -> str:
        if not isinstance(value, str):
            self.fail(where, "a string")
        return value

    def opt_text(self, value: Any, where: str) -> str | None:
        return None if value is None else self.text(value, where)

    def opt_int(self, value: Any, where: str) -> int | None:
        if value is None:
            return None
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            self.fail(where, "a whole number")
        return value

    def opt_bool(self, value: Any, where: str) -> bool | None:
        if value is not None and not isinstance(value, bool):
            self.fail(where, "true, false or null")
        return value

    def word(self, value: Any, where: str) -> str:
        """A name patlint writes (a kind, a skip reason, a status): letters, digits, `-_.:`."""
        text = self.text(value, where)
        if not _WORD.fullmatch(text):
            self.fail(where, "a name of letters, digits and -_.: (at most 64)")
        return text

    def preview(self, value: Any, where: str) -> str:
        """A token's redacted preview: short, printable, nothing that can move a terminal."""
        text = self.text(value, where)
        if len(text) > 64 or not text.isprintable():
            self.fail(where, "a redacted preview (printable, at most 64 characters)")
        return text

    def sha(self, value: Any, where: str) -> str:
        text = self.text(value, where)
        if len(text) != 64 or any(c not in "0123456789abcdef" for c in text):
            self.fail(where, "a SHA-256 in hex")
        return text

    def when(self, value: Any, where: str) -> datetime | None:
        if value is None:
            return None
        try:
            when = utc(datetime.fromisoformat(self.text(value, where).replace("Z", "+00:00")))
        except ValueError:
            when = None
        if when is None:
            self.fail(where, "an ISO 8601 time (in UTC between years 1 and 9999)")
        return when


def parse_report(
    text: str,
    source: str,
    *,
    version: str,
    schema_version: str,
    rules: Mapping[str, Rule],
) -> LoadedReport:
    """A report's collected places; ConfigError for another version or anything malformed."""
    try:
        data = json.loads(text)
    except RecursionError:
        raise ConfigError(f"{source}: not JSON (nested too deeply)") from None
    except ValueError as exc:
        raise ConfigError(f"{source}: not JSON ({exc})") from None
    r = _Reader(source)
    if not isinstance(data, dict) or not isinstance(data.get("tool"), dict):
        raise ConfigError(f"{source}: not a patlint JSON report (`patlint scan --format json`)")
    tool = data["tool"]
    if tool.get("name") != "patlint" or "tokens" not in data:
        raise ConfigError(f"{source}: not a JSON report of `patlint scan`")
    made_by, schema = tool.get("version"), data.get("schema_version")
    if made_by != version or schema != schema_version:
        raise ConfigError(
            f"{source}: written by patlint {made_by} (report schema {schema}); this is patlint "
            f"{version} (schema {schema_version}): merge only reports of the same patlint "
            "version, its rules decide what each place means (scan again, or merge with that "
            "version)"
        )
    collected = r.obj(data.get("collected"), "collected")
    out = LoadedReport(source)
    for i, entry in enumerate(r.arr(data.get("tokens"), "tokens")):
        _token(r, r.obj(entry, f"tokens[{i}]"), f"tokens[{i}]", rules, out)
    for i, entry in enumerate(r.arr(collected.get("places"), "collected.places")):
        out.places.append(
            _place(r, r.obj(entry, f"collected.places[{i}]"), f"collected.places[{i}]")
        )
    out.notices = [
        r.text(n, f"collected.notices[{i}]")
        for i, n in enumerate(r.arr(collected.get("notices"), "collected.notices"))
    ]
    for i, entry in enumerate(r.arr(data.get("skipped"), "skipped")):
        where = f"skipped[{i}]"
        obj = r.obj(entry, where)
        skip = Skip(
            r.text(obj.get("path"), f"{where}.path"),
            r.word(obj.get("reason"), f"{where}.reason"),
            r.text(obj.get("detail", ""), f"{where}.detail"),
        )
        if skip.reason != MISSING_SHARD:
            out.skipped.append(skip)
    summary = r.obj(data.get("summary"), "summary")
    out.files_scanned = r.opt_int(summary.get("files_scanned"), "summary.files_scanned") or 0
    out.bytes_scanned = r.opt_int(summary.get("bytes_scanned"), "summary.bytes_scanned") or 0
    if data.get("fleet") is not None:
        out.fleet = _fleet(r, r.obj(data["fleet"], "fleet"))
    return out


def _location(r: _Reader, obj: dict[str, Any], where: str) -> Location:
    return Location(
        path=r.text(obj.get("path"), f"{where}.path"),
        line=r.opt_int(obj.get("line"), f"{where}.line"),
        column=r.opt_int(obj.get("column"), f"{where}.column"),
        offset=r.opt_int(obj.get("offset"), f"{where}.offset"),
        binary=bool(r.opt_bool(obj.get("binary"), f"{where}.binary")),
        note=r.text(obj.get("note", ""), f"{where}.note"),
        commit=r.opt_text(obj.get("commit"), f"{where}.commit"),
        commit_date=r.opt_text(obj.get("commit_date"), f"{where}.commit_date"),
        in_head=r.opt_bool(obj.get("in_head"), f"{where}.in_head"),
        blob=r.opt_text(obj.get("blob"), f"{where}.blob"),
        moved_from=r.opt_text(obj.get("moved_from"), f"{where}.moved_from"),
        author_name=r.opt_text(obj.get("author_name"), f"{where}.author_name"),
        author_email=r.opt_text(obj.get("author_email"), f"{where}.author_email"),
        repository=_repository(r, obj.get("repository"), f"{where}.repository"),
    )


def _repository(r: _Reader, value: Any, where: str) -> str | None:
    """A repository as a `--repos` list names it (what a fleet scan writes): anything else is
    no scan's output, and is not echoed (a token as a URL's user would be shown in full)."""
    from patlint.sources.repos import looks_like_token, parse_line

    name = r.opt_text(value, where)
    if name is not None:
        try:
            parse_line(name)
        except ValueError as exc:
            why = "" if looks_like_token(str(exc)) else f" ({exc})"
            r.fail(where, f"a repository as a --repos list names it{why}")
    return name


def _context(r: _Reader, obj: dict[str, Any], where: str) -> Context:
    return Context(
        file_type=r.text(obj.get("file_type", "text"), f"{where}.file_type"),
        key=r.opt_text(obj.get("key"), f"{where}.key"),
        host=r.opt_text(obj.get("host"), f"{where}.host"),
        usage=r.opt_text(obj.get("usage"), f"{where}.usage"),
        encoding=r.opt_text(obj.get("encoding"), f"{where}.encoding"),
    )


def _secret(r: _Reader, obj: dict[str, Any], where: str) -> ReportedSecret:
    return ReportedSecret(
        r.sha(obj.get("sha256"), f"{where}.sha256"),
        r.word(obj.get("kind"), f"{where}.kind"),
        r.preview(obj.get("preview"), f"{where}.preview"),
    )


def _token(
    r: _Reader, obj: dict[str, Any], where: str, rules: Mapping[str, Rule], out: LoadedReport
) -> None:
    secret = _secret(r, obj, where)
    locations = r.arr(obj.get("locations"), f"{where}.locations")
    contexts = r.arr(obj.get("contexts"), f"{where}.contexts")
    detections = r.arr(obj.get("detections"), f"{where}.detections")
    if not (len(locations) == len(contexts) == len(detections)):
        r.fail(where, "as many contexts and detections as locations")
    for i, (loc, ctx, det) in enumerate(zip(locations, contexts, detections, strict=True)):
        d = r.obj(det, f"{where}.detections[{i}]")
        rule_id = r.text(d.get("rule_id"), f"{where}.detections[{i}].rule_id")
        rule = rules.get(rule_id)
        if rule is None:
            raise ConfigError(
                f"{r.source}: {where}: rule {rule_id!r} is not known here (a rule of --rules "
                "DIR or rules_dirs? give merge the same rules)"
            )
        out.candidates.append(
            Candidate(
                rule_id=rule_id,
                secret=secret,
                location=_location(
                    r, r.obj(loc, f"{where}.locations[{i}]"), f"{where}.locations[{i}]"
                ),
                context=_context(r, r.obj(ctx, f"{where}.contexts[{i}]"), f"{where}.contexts[{i}]"),
                severity=rule.severity,
                confidence=rule.confidence,
                checksum_valid=r.opt_bool(d.get("checksum_valid"), f"{where}.detections[{i}]"),
                suppress=r.opt_text(d.get("suppress"), f"{where}.detections[{i}].suppress"),
            )
        )
    if obj.get("verification") is not None:
        out.infos[secret.digest] = token_info(
            r, r.obj(obj["verification"], f"{where}.verification"), f"{where}.verification"
        )


def _place(r: _Reader, obj: dict[str, Any], where: str) -> PlaceFinding:
    token = obj.get("token")
    severity = r.opt_text(obj.get("severity"), f"{where}.severity")
    try:
        parsed = Severity.parse(severity) if severity is not None else None
    except ValueError:
        r.fail(f"{where}.severity", "info, low, medium, high, critical or null")
    return PlaceFinding(
        rule_id=r.text(obj.get("rule_id"), f"{where}.rule_id"),
        message=r.text(obj.get("message"), f"{where}.message"),
        location=_location(r, r.obj(obj.get("location"), f"{where}.location"), f"{where}.location"),
        secret=_secret(r, r.obj(token, f"{where}.token"), f"{where}.token")
        if token is not None
        else None,
        context=_context(r, r.obj(obj.get("context"), f"{where}.context"), f"{where}.context"),
        severity=parsed,
        suppress=r.opt_text(obj.get("suppress"), f"{where}.suppress"),
    )


def token_info(r: _Reader, obj: dict[str, Any], where: str) -> TokenInfo:
    """A report's `verification` object back as a TokenInfo."""
    try:
        status = TokenStatus(r.text(obj.get("status"), f"{where}.status"))
    except ValueError:
        r.fail(f"{where}.status", "a verification status")
    scopes = obj.get("scopes")
    perms = obj.get("permissions")
    return TokenInfo(
        status,
        kind=r.word(obj.get("kind"), f"{where}.kind"),
        host=r.text(obj.get("host", "github.com"), f"{where}.host"),
        owner=r.opt_text(obj.get("owner"), f"{where}.owner"),
        scopes=(
            frozenset(r.text(s, f"{where}.scopes") for s in r.arr(scopes, f"{where}.scopes"))
            if scopes is not None
            else None
        ),
        expires_at=r.when(obj.get("expires_at"), f"{where}.expires_at"),
        never_expires=r.opt_bool(obj.get("never_expires"), f"{where}.never_expires"),
        sso=r.opt_text(obj.get("sso"), f"{where}.sso"),
        sso_orgs=tuple(
            r.text(s, f"{where}.sso_orgs")
            for s in r.arr(obj.get("sso_orgs", []), f"{where}.sso_orgs")
        ),
        permissions=(
            {
                r.text(k, f"{where}.permissions"): r.text(v, f"{where}.permissions")
                for k, v in r.obj(perms, f"{where}.permissions").items()
            }
            if perms is not None
            else None
        ),
        undetermined=tuple(
            r.text(s, f"{where}.undetermined")
            for s in r.arr(obj.get("undetermined", []), f"{where}.undetermined")
        ),
        reason=r.text(obj.get("reason", ""), f"{where}.reason"),
        checked_at=r.when(obj.get("checked_at"), f"{where}.checked_at"),
        last_used_at=r.when(obj.get("last_used_at"), f"{where}.last_used_at"),
        never_used=r.opt_bool(obj.get("never_used"), f"{where}.never_used"),
        granted_at=r.when(obj.get("granted_at"), f"{where}.granted_at"),
    )


def _fleet(r: _Reader, obj: dict[str, Any]) -> FleetInfo:
    shards = tuple(r.text(s, "fleet.shards") for s in r.arr(obj.get("shards"), "fleet.shards"))
    repos = []
    for i, entry in enumerate(r.arr(obj.get("repositories"), "fleet.repositories")):
        where = f"fleet.repositories[{i}]"
        e = r.obj(entry, where)
        repos.append(
            RepoStatus(
                _repository(r, r.text(e.get("name"), f"{where}.name"), f"{where}.name") or "",
                r.word(e.get("status"), f"{where}.status"),
                r.text(e.get("detail", ""), f"{where}.detail"),
            )
        )
    return FleetInfo(shards, tuple(repos))
