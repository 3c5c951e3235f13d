"""Typed values that flow between the stages: walk → decode → detect → resolve → judge → report."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from patlint.records import FleetInfo as FleetInfo
    from patlint.records import OrgResult as OrgResult
    from patlint.records import OrgToken as OrgToken
    from patlint.records import Outcome as Outcome
    from patlint.records import RepoStatus as RepoStatus


class Severity(enum.IntEnum):
    """How bad a finding is; ordered so thresholds compare with `>=`."""

    INFO = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4

    @classmethod
    def parse(cls, value: str) -> Severity:
        """Parse a lower-case severity name; raise ValueError with the allowed names."""
        try:
            return cls[value.strip().upper()]
        except KeyError:
            allowed = ", ".join(s.label for s in cls)
            raise ValueError(f"unknown severity {value!r} (expected one of: {allowed})") from None

    @property
    def label(self) -> str:
        """Lower-case name used in files and output."""
        return self.name.lower()


class Confidence(enum.IntEnum):
    """How sure we are that a candidate is a real token."""

    LOW = 0
    MEDIUM = 1
    HIGH = 2

    @classmethod
    def parse(cls, value: str) -> Confidence:
        """Parse a lower-case confidence name."""
        try:
            return cls[value.strip().upper()]
        except KeyError:
            raise ValueError(
                f"unknown confidence {value!r} (expected low, medium or high)"
            ) from None

    @property
    def label(self) -> str:
        """Lower-case name used in files and output."""
        return self.name.lower()


def sha256_hex(value: str) -> str:
    """Full SHA-256 hex digest of a string (UTF-8)."""
    import hashlib  # here, not at start-up: a scan without tokens never hashes (OpenSSL load)

    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def redact(token: str) -> str:
    """Redacted preview: the kind prefix and the last four characters, e.g. ``ghp_…9xQ2``."""
    if token.startswith("github_pat_"):
        prefix = "github_pat_"
    elif len(token) > 4 and token[3] == "_" and token.startswith("gh"):
        prefix = token[:4]
    else:
        prefix = ""
    tail = token[-4:] if len(token) >= 12 else ""
    return f"{prefix}…{tail}"


class Secret:
    """A plaintext token; `str`/`repr` give only the redacted preview so nothing leaks by accident."""

    __slots__ = ("_value", "digest", "kind", "preview")
    sealed: ClassVar[bool] = False  # True for stand-ins that hold no plaintext (from a report)

    def __init__(self, value: str, kind: str) -> None:
        self._value = value
        self.kind = kind
        self.digest = sha256_hex(value)
        self.preview = redact(value)

    def reveal(self) -> str:
        """The plaintext. Only `github/` (and revocation) may call this."""
        return self._value

    @property
    def sha1(self) -> str:
        """SHA-1 hex of the plaintext, as detect-secrets stores it (`hashed_secret`); never shown."""
        import hashlib

        return hashlib.sha1(self._value.encode("utf-8"), usedforsecurity=False).hexdigest()

    def __repr__(self) -> str:
        return f"Secret({self.preview})"

    def __str__(self) -> str:
        return self.preview

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other.digest == self.digest

    def __hash__(self) -> int:
        return hash(self.digest)

    def __reduce__(self) -> tuple[Any, ...]:
        # Lets candidates cross process boundaries (the parallel walker) without a custom pickler.
        return (Secret, (self._value, self.kind))


@dataclass(frozen=True, slots=True)
class Location:
    """Where a token was seen: path relative to the scan root (or ``~/…``), 1-based line/column."""

    path: str
    line: int | None = None
    column: int | None = None
    offset: int | None = None  # byte offset in the file (or blob); always set by the detectors
    binary: bool = False
    note: str = ""  # e.g. "base64 in auths.ghcr.io.auth", "commit 1a2b3c4"
    commit: str | None = None  # for history scans
    # history scans: author date of `commit` (ISO 8601); whether this blob is still at this
    # path in HEAD (or the --range tip), None when unknown; the git blob id holding the token
    commit_date: str | None = None
    in_head: bool | None = None
    blob: str | None = None
    # history scans: the path git saw this file renamed from in `commit` (`git diff-tree -M`);
    # set only where the several-places rule needs it (see git_history.follow_renames)
    moved_from: str | None = None
    # history scans: the author of `commit` (name and email as the commit object has them)
    author_name: str | None = None
    author_email: str | None = None
    # fleet scans (`scan --repos`): the repository (its URL or path, as listed) `path` is in
    repository: str | None = None

    @property
    def where(self) -> str:
        """The path, prefixed with `[repository] ` in a fleet scan: what tells places apart."""
        return self.path if self.repository is None else f"[{self.repository}] {self.path}"

    def display(self) -> str:
        """`path:line:col` for text, `path@offset` for binary (`[repository] ` first in a fleet)."""
        where = self.where
        if self.binary or self.line is None:
            return f"{where}@{self.offset}" if self.offset is not None else where
        if self.column is not None:
            return f"{where}:{self.line}:{self.column}"
        return f"{where}:{self.line}"


@dataclass(frozen=True, slots=True)
class Context:
    """What the place says about the token: file type, key or field, host it is for, what for."""

    file_type: str = "text"  # text | binary | docker-config | git-credentials | ci-yaml | …
    key: str | None = None  # the variable, key or field the token is the value of
    host: str | None = None  # the GitHub host it is for; None = github.com by default
    usage: str | None = None  # git | container-registry | npm | maven | nuget | gh-cli | shell | …
    encoding: str | None = None  # None, "base64", "percent"

    def to_dict(self) -> dict[str, str]:
        """Non-empty fields as a plain dict (for JSON)."""
        out: dict[str, str] = {"file_type": self.file_type}
        for name in ("key", "host", "usage", "encoding"):
            value = getattr(self, name)
            if value:
                out[name] = value
        return out


@dataclass(frozen=True, slots=True)
class Candidate:
    """A token-shaped string a detection rule accepted at one location."""

    rule_id: str
    secret: Secret
    location: Location
    context: Context
    severity: Severity
    confidence: Confidence
    checksum_valid: bool | None = None  # None where the kind has no checksum
    suppress: str | None = None  # inline suppression on this line: "*" or a comma list of rule ids


@dataclass(frozen=True, slots=True)
class TokenRef:
    """What reports may show of a token: kind, redacted preview, SHA-256 digest."""

    kind: str
    preview: str
    sha256: str

    @classmethod
    def of(cls, secret: Secret) -> TokenRef:
        """Reference for a secret."""
        return cls(kind=secret.kind, preview=secret.preview, sha256=secret.digest)


class TokenStatus(enum.Enum):
    """What GitHub said about a token."""

    VALID = "valid"
    INVALID = "invalid"  # invalid, revoked or expired (HTTP 401)
    SSO_REQUIRED = "sso-required"
    RATE_LIMITED = "rate-limited"
    UNREACHABLE = "unreachable"
    UNVERIFIED = "unverified"  # not asked (offline, or not verifiable)


def utc(when: datetime) -> datetime | None:
    """`when` in UTC (a time without a zone is taken as UTC, as GitHub's are); None when it has
    no UTC form: an API (or a forged report) may send `9999-12-31 23:59:59 -2359`, which Python
    parses and then cannot convert (OverflowError in every later comparison or format)."""
    if when.tzinfo is None:
        return when.replace(tzinfo=timezone.utc)
    try:
        return when.astimezone(timezone.utc)
    except OverflowError:
        return None


@dataclass(frozen=True, slots=True)
class TokenInfo:
    """What GitHub told us about a token; unknown stays None, never guessed."""

    status: TokenStatus
    kind: str  # ghp, github_pat, gho, ghu, ghs, ghr, legacy
    host: str = "github.com"
    owner: str | None = None
    scopes: frozenset[str] | None = (
        None  # classic: as granted (X-OAuth-Scopes); None = not reported
    )
    expires_at: datetime | None = None
    never_expires: bool | None = None  # True: a PAT answered 2xx without an expiration header
    sso: str | None = None  # raw X-GitHub-SSO value
    sso_orgs: tuple[str, ...] = ()
    permissions: Mapping[str, str] | None = None  # fine-grained: what GET probes established
    undetermined: tuple[str, ...] = ()  # what could not be learned, in words
    reason: str = ""  # why status is what it is (e.g. "HTTP 401", "timeout after 10s")
    checked_at: datetime | None = None
    # Usage, known only from an organization's inventory (`patlint org`); a scan never has it.
    last_used_at: datetime | None = None
    never_used: bool | None = None  # True only when GitHub says so (last-used given as null)
    granted_at: datetime | None = None  # when the organization granted/authorized its access

    @property
    def verified(self) -> bool:
        """True when GitHub gave a definite answer (valid, invalid or SSO-required)."""
        return self.status in (TokenStatus.VALID, TokenStatus.INVALID, TokenStatus.SSO_REQUIRED)


@dataclass(frozen=True, slots=True)
class Token:
    """One unique token (by digest) with every place it was seen."""

    secret: Secret
    candidates: tuple[Candidate, ...]
    info: TokenInfo | None = None

    @property
    def ref(self) -> TokenRef:
        """Report-safe reference."""
        return TokenRef.of(self.secret)

    @property
    def locations(self) -> tuple[Location, ...]:
        """Every location, in scan order."""
        return tuple(c.location for c in self.candidates)


def finding_fingerprint(rule_id: str, path: str, token_digest: str) -> str:
    """sha256(rule_id, path, token digest): stable across edits (no line number)."""
    import hashlib

    raw = f"{rule_id}\0{path}\0{token_digest}".encode("utf-8", "surrogateescape")
    return hashlib.sha256(raw).hexdigest()


@dataclass(frozen=True, slots=True)
class Finding:
    """One rule violated by one token at one (primary) place, with the other places as related."""

    rule_id: str
    message: str  # one sentence, never the secret
    severity: Severity
    confidence: Confidence
    location: Location
    token: TokenRef | None  # None for findings about a place, not a token (e.g. a CI file)
    context: Context = field(default_factory=Context)
    token_info: TokenInfo | None = None
    related: tuple[Location, ...] = ()
    remediation: str = ""
    suppressed: str | None = None  # why it is suppressed (inline comment, allow-list, baseline)

    @property
    def fingerprint(self) -> str:
        """Stable identity of this finding for baselines and allow-lists."""
        digest = self.token.sha256 if self.token else ""
        return finding_fingerprint(self.rule_id, self.location.where, digest)


@dataclass(frozen=True, slots=True)
class Skip:
    """A file or place not scanned (or not fully), and why."""

    path: str
    reason: str  # short key: binary-too-large, unreadable, fifo, device, socket, symlink-loop, …
    detail: str = ""


# Skip reasons that mean "meant to be read, could not be": the scan is incomplete. A file left
# out on purpose (excluded, too large, a symlink not followed, a FIFO) is not among them.
INCOMPLETE_REASONS = frozenset(
    {
        "unreadable",  # no permission
        "os-error",  # any other error while listing or opening
        "read-error",  # failed while reading
        "reader-error",  # a structured reader failed on the file: only its text was scanned
        "path-too-long",  # longer than PATH_MAX: no system call can name it
        "missing-object",  # git history: an object that is not in the repository
        "corrupt-object",  # git history: an object git cannot read
        "bad-ref",  # git history: a ref that points to no object
        "repository-not-scanned",  # fleet: a repository that could not be fetched or read
        "stale-mirror",  # fleet: a mirror that could not be updated (an older copy was read)
        "missing-shard",  # merge: a shard of the fleet whose report was not given
        "too-many-tokens",  # more tokens in one file than a scan reports: the rest not searched
        "too-much-encoded",  # more encoded text than one file decodes: the rest not decoded
        "rule-timeout",  # a custom rule gave up on a file, or was dropped for the rest of a scan
    }
)


@dataclass(slots=True)
class ScanStats:
    """Counters for the summary line."""

    files_scanned: int = 0
    bytes_scanned: int = 0
    skipped: list[Skip] = field(default_factory=list)
    suppressed: int = 0
    notices: list[str] = field(default_factory=list)

    def incomplete(self) -> list[Skip]:
        """The places the scan meant to read and could not (see INCOMPLETE_REASONS)."""
        return [s for s in self.skipped if s.reason in INCOMPLETE_REASONS]

    def skipped_by_reason(self) -> dict[str, int]:
        """Counts of skipped places per reason."""
        out: dict[str, int] = {}
        for s in self.skipped:
            out[s.reason] = out.get(s.reason, 0) + 1
        return dict(sorted(out.items()))


@dataclass(frozen=True, slots=True)
class Trigger:
    """What the one-pass pre-check looks for instead of a rule's keywords: one of `literals`,
    right after a fixed-width match of `before` and followed by a match of `after`.

    Every match of the rule's pattern contains one (a relaxation of the pattern); the loader
    checks that each one also holds a keyword. Both regexes use the syntax Python's `re` and
    Hyperscan share: no lookaround, back-reference or anchor.
    """

    literals: tuple[str, ...]
    before: str = ""
    after: str = ""


@dataclass(frozen=True, slots=True)
class Rule:
    """A detection or policy rule as loaded from YAML."""

    id: str
    name: str
    kind: str
    severity: Severity
    confidence: Confidence
    description: str
    remediation: str
    source: str
    references: tuple[str, ...] = ()
    # from a rule folder (--rules, rules_dirs), not shipped: its pattern runs on a time budget
    custom: bool = False
    examples: tuple[Any, ...] = ()
    negative_examples: tuple[Any, ...] = ()
    opt_in: bool = False
    # detector
    token_kind: str = ""
    pattern: str = ""
    keywords: tuple[str, ...] = ()
    validator: str = "none"
    entropy: float = 0.0
    paths: tuple[str, ...] = ()
    window: tuple[int, int] | None = None  # (bytes before, after) a keyword; None: whole buffer
    trigger: Trigger | None = None  # the pre-check's shape, when a keyword alone is too common
    # policy
    check: str = ""
    params: Mapping[str, Any] = field(default_factory=dict)
    requires: str = ""

    def with_overrides(
        self, *, severity: Severity | None, params: Mapping[str, Any] | None
    ) -> Rule:
        """A copy with config overrides applied."""

        merged = dict(self.params)
        if params:
            merged.update(params)
        return replace(
            self, severity=self.severity if severity is None else severity, params=merged
        )


@dataclass(slots=True)
class ScanResult:
    """What the pipeline produced: tokens, active and suppressed findings, counters."""

    tokens: list[Token]
    findings: list[Finding]
    suppressed: list[Finding]
    stats: ScanStats
    notices: list[str] = field(default_factory=list)
    fleet: FleetInfo | None = None  # fleet scans and merges only
    # the place findings as collected, before judging (JSON keeps them for `patlint merge`)
    places: list[PlaceFinding] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class PlaceFinding:
    """A fact about a place that a rule reports (the rule id must name a loaded rule)."""

    rule_id: str
    message: str  # one sentence, never the secret
    location: Location
    secret: Secret | None = None  # the token stored there, when the fact concerns one
    context: Context = field(default_factory=Context)
    severity: Severity | None = None  # None: the rule's severity
    suppress: str | None = None  # inline suppression on that line ("*" or rule ids)


# Defined in `patlint.records`, imported on first use (see there why).
_RECORDS = frozenset({"FleetInfo", "OrgResult", "OrgToken", "Outcome", "RepoStatus"})


def __getattr__(name: str) -> Any:
    if name in _RECORDS:
        from patlint import records

        value = getattr(records, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
