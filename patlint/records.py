"""The model's records that only the fleet, org and revoke commands build: kept out of
`patlint.model` so that every other run (a scan, `--version`) does not pay for creating their
dataclasses at import (~0.5 ms each: `dataclasses` compiles every generated method).
`patlint.model` still answers for them (`from patlint.model import OrgToken` works, lazily)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from patlint.model import ScanResult, TokenInfo, TokenStatus


@dataclass(frozen=True, slots=True)
class RepoStatus:
    """A repository of a fleet scan and what became of it."""

    name: str  # as listed (its URL or path)
    status: str  # scanned | stale (an older mirror was read) | not-scanned
    detail: str = ""


@dataclass(frozen=True, slots=True)
class FleetInfo:
    """What a fleet scan (`scan --repos`) or a merge of them covered."""

    shards: tuple[str, ...]  # "K/N" of each shard covered ("1/1": the whole list)
    repositories: tuple[RepoStatus, ...]


@dataclass(frozen=True, slots=True)
class Outcome:
    """What happened to one token: never the token itself, only its preview and digest."""

    preview: str
    sha256: str
    kind: str
    host: str
    status: str  # submitted | dry-run | failed | skipped
    detail: str = ""


@dataclass(frozen=True, slots=True)
class OrgToken:
    """One token the organization knows about; never the token, only GitHub's description."""

    source: str  # "fine-grained" (personal-access-tokens) or "saml" (credential-authorizations)
    id: int  # grant id (fine-grained) or credential id (SAML)
    kind: str  # github_pat, ghp, gho
    owner: str
    name: str = ""  # token name (fine-grained) or credential title (SAML)
    repository_selection: str | None = None  # all | subset | none (fine-grained)
    repositories: tuple[str, ...] | None = None  # the selection, when listed
    permissions: Mapping[str, str] = field(default_factory=dict)  # "repository:contents": write
    scopes: frozenset[str] | None = None  # classic (SAML) tokens
    expires_at: datetime | None = None
    expired: bool = False
    last_used_at: datetime | None = None
    never_used: bool = False  # the API gave its last-use date as null (absent: unknown)
    granted_at: datetime | None = None
    last_eight: str | None = None  # SAML: the token's last eight characters, as GitHub shows them

    @property
    def preview(self) -> str:
        """How reports name it: the kind and last four characters, or the token's name and id."""
        if self.last_eight:
            return f"{self.kind}_…{self.last_eight[-4:]}"
        return f"{self.kind} #{self.id}"

    @property
    def repository_count(self) -> int | None:
        """How many repositories it reaches: 0 for "none", the selection's length when listed;
        None for "all" (`repository_selection` says so) or when the selection is not known."""
        if self.repository_selection == "none":
            return 0
        if self.repository_selection == "all" or self.repositories is None:
            return None
        return len(self.repositories)

    @property
    def repositories_shown(self) -> str:
        """The count as a report's column shows it: "all", "none", a number, or "?"."""
        if self.repository_selection in ("all", "none"):
            return self.repository_selection
        count = self.repository_count
        return "?" if count is None else str(count)

    def equivalent_scopes(self) -> frozenset[str] | None:
        """Classic scopes that give the same power (fine-grained), or the scopes (classic)."""
        if self.source != "fine-grained":
            return self.scopes
        out: set[str] = set()
        if self.repository_selection == "all" and any(
            k.startswith("repository:") and v in ("write", "admin")
            for k, v in self.permissions.items()
        ):
            out.add("repo")
        from patlint.scopes import FINE_GRAINED_EQUIVALENTS  # only for an org inventory

        for ptype, name, level, scope in FINE_GRAINED_EQUIVALENTS:
            if self.permissions.get(f"{ptype}:{name}") in (level, "admin"):
                out.add(scope)
        return frozenset(out)

    def info(self, host: str, *, now: datetime) -> TokenInfo:
        """A TokenInfo built from the inventory, so the scan's policy checks judge it too."""
        status = TokenStatus.INVALID if self.expired else TokenStatus.VALID
        return TokenInfo(
            status,
            kind=self.kind,
            host=host,
            owner=self.owner or None,
            scopes=self.equivalent_scopes(),
            expires_at=self.expires_at,
            never_expires=self.expires_at is None and not self.expired,
            permissions=dict(self.permissions) or None,
            reason=f"from the organization's {self.source} token inventory",
            checked_at=now,
            last_used_at=self.last_used_at,
            never_used=True if self.never_used else (False if self.last_used_at else None),
            granted_at=self.granted_at,
        )


@dataclass(slots=True)
class OrgResult(ScanResult):
    """A ScanResult (so every report format renders it) plus the inventory itself."""

    org: str = ""
    host: str = "github.com"
    inventory: list[OrgToken] = field(default_factory=list)
