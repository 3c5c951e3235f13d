"""The contract every policy check implements; thresholds come from the rule's YAML params."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from patlint.model import Confidence, Severity, Token


@dataclass(frozen=True, slots=True)
class Verdict:
    """One violation: a one-sentence message (never the secret), optional severity change, and
    `confidence` when the check is less sure than its rule says (the finding takes the lower)."""

    message: str
    severity: Severity | None = None
    remediation: str | None = None
    confidence: Confidence | None = None


@dataclass(frozen=True, slots=True)
class PolicyContext:
    """What the user told patlint about the scan that a check may need besides its params.

    `github_hosts`: the hosts configured as GitHub API targets (`--github-api HOST=URL`,
    `github_api:` in config), lower case without port; known under `--offline` too.
    """

    github_hosts: frozenset[str] = frozenset()


NO_CONTEXT = PolicyContext()


class PolicyCheck(Protocol):
    """A kind of policy check (`check:` in a rule), e.g. expiry or scopes."""

    name: str

    def parse_params(self, params: Mapping[str, Any], where: str) -> Any:
        """Validate params (raise ConfigError naming `where`) and return a typed value."""

    def evaluate(
        self, token: Token, params: Any, *, now: datetime, ctx: PolicyContext = NO_CONTEXT
    ) -> Iterator[Verdict]:
        """Violations of this check by `token` (its info may be None when offline)."""
