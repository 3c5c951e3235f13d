"""`patlint org`: judge an organization's token inventory with the scan's policy rules.

Each inventory entry becomes a Token whose TokenInfo is what the organization API said, with
an `InventorySecret` in place of plaintext (patlint never sees these tokens), and the enabled
policy rules whose checks apply to a token without a place run over it: God Token, no
expiration, lifetime, expires soon, classic where fine-grained would do, unused for too long.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any

from patlint.catalog.ruleset import RuleSet
from patlint.model import (
    Candidate,
    Confidence,
    Context,
    Finding,
    Location,
    OrgResult,
    OrgToken,
    Rule,
    ScanStats,
    Secret,
    Severity,
    Token,
    TokenRef,
    sha256_hex,
)

# Policy checks that judge a token by what GitHub says about it, not by where it was found.
ORG_CHECKS = frozenset(
    {"god-token", "no-expiration", "lifetime", "expires-soon", "classic-token", "unused"}
)
INVENTORY_RULE = "org-inventory"


class InventorySecret(Secret):
    """Stands in for a token patlint never saw: a stable identity, a preview, no plaintext."""

    __slots__ = ()

    def __init__(self, identity: str, kind: str, preview: str) -> None:
        self._value = ""
        self.kind = kind
        self.digest = sha256_hex(identity)
        self.preview = preview

    def reveal(self) -> str:
        """There is nothing to reveal: the organization API never returns tokens."""
        raise ValueError("an inventory entry holds no token")

    def __reduce__(self) -> tuple[Any, ...]:
        return (InventorySecret, ("", self.kind, self.preview))


def place(entry: OrgToken, org: str, host: str) -> Location:
    """Where the finding points: the token's page in the organization's settings."""
    if entry.source == "fine-grained":
        path = f"https://{host}/organizations/{org}/settings/personal-access-tokens/{entry.id}"
    else:
        path = f"https://{host}/orgs/{org}/people/{entry.owner}/sso"
    note = f"{entry.source} token of {entry.owner or 'unknown owner'}"
    if entry.name:
        note += f": {entry.name}"
    return Location(path=path, note=note)


def as_token(entry: OrgToken, org: str, host: str, *, now: datetime) -> Token:
    """The inventory entry as a Token the policy checks can judge."""
    secret = InventorySecret(f"{host}/{org}/{entry.source}/{entry.id}", entry.kind, entry.preview)
    cand = Candidate(
        rule_id=INVENTORY_RULE,
        secret=secret,
        location=place(entry, org, host),
        context=Context(file_type="org-inventory", host=host, key=entry.source),
        severity=Severity.INFO,
        confidence=Confidence.HIGH,
    )
    return Token(secret=secret, candidates=(cand,), info=entry.info(host, now=now))


def org_rules(ruleset: RuleSet) -> list[Rule]:
    """Enabled policy rules whose check applies to inventory entries."""
    return [r for r in ruleset.policies if r.check in ORG_CHECKS]


def audit(
    entries: Sequence[OrgToken],
    ruleset: RuleSet,
    *,
    org: str,
    host: str,
    now: datetime | None = None,
    allow: frozenset[str] = frozenset(),
    notices: Sequence[str] = (),
) -> OrgResult:
    """Findings for every inventory entry, sorted like a scan's; allow-listed ones suppressed."""
    from dataclasses import replace

    from patlint.policy import CHECKS
    from patlint.policy.remediation import NEW_FINE_GRAINED

    when = now or datetime.now(timezone.utc)
    tokens = [as_token(e, org, host, now=when) for e in entries]
    active: list[Finding] = []
    suppressed: list[Finding] = []
    for token in tokens:
        primary = token.candidates[0]
        for rule in org_rules(ruleset):
            check = CHECKS[rule.check]
            params = check.parse_params(rule.params, f"rules.{rule.id}.params")
            for verdict in check.evaluate(token, params, now=when):
                finding = Finding(
                    rule_id=rule.id,
                    message=verdict.message,
                    severity=verdict.severity or rule.severity,
                    confidence=rule.confidence,
                    location=primary.location,
                    token=TokenRef.of(token.secret),
                    context=primary.context,
                    token_info=token.info,
                    remediation=verdict.remediation
                    or (
                        f"{rule.remediation} Ask the owner to replace it with a fine-grained "
                        f"token limited to the repositories and permissions it needs "
                        f"({NEW_FINE_GRAINED}), or revoke the organization's access from the "
                        "page the finding points to."
                    ),
                )
                if finding.fingerprint in allow:
                    suppressed.append(replace(finding, suppressed="allow-list"))
                else:
                    active.append(finding)
    order = lambda f: (-int(f.severity), f.location.path, f.rule_id)  # noqa: E731
    active.sort(key=order)
    suppressed.sort(key=order)
    stats = ScanStats(suppressed=len(suppressed))
    return OrgResult(
        tokens=tokens,
        findings=active,
        suppressed=suppressed,
        stats=stats,
        notices=list(notices),
        org=org,
        host=host,
        inventory=list(entries),
    )
