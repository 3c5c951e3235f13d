"""Policy rule examples: token descriptions run through the rule's check at a frozen clock.

An example is a mapping describing one token as GitHub would describe it::

    {kind: ghp, status: valid, scopes: [repo, admin:org], expires_at: "+400d",
     never_expires: false, sso: "partial-results; organizations=1", sso_orgs: ["1"],
     permissions: {gpg_keys: read}, owner: octocat,
     contexts: [{usage: container-registry, host: ghcr.io, file_type: docker-config}],
     last_used_at: "-200d", never_used: true, granted_at: "-400d"}

`expires_at` is null, an ISO timestamp, or `+Nd` / `-Nd` / `+Nh` relative to FROZEN_NOW; so are
`last_used_at` and `granted_at`, which only an organization's inventory reports (never a scan).
Omitted fields default to a valid classic token found once in a text file. A positive example
must yield at least one verdict; a negative example must yield none.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

from patlint.kinds import KINDS, PAT_KINDS
from patlint.model import (
    Candidate,
    Confidence,
    Context,
    Location,
    Rule,
    Secret,
    Severity,
    Token,
    TokenInfo,
    TokenStatus,
)
from patlint.policy.base import Verdict

FROZEN_NOW = datetime(2025, 6, 1, 12, 0, 0, tzinfo=timezone.utc)
_RELATIVE = re.compile(r"^([+-])(\d+)([dh])$")
_FIELDS = {
    "kind",
    "status",
    "scopes",
    "expires_at",
    "never_expires",
    "sso",
    "sso_orgs",
    "permissions",
    "owner",
    "host",
    "reason",
    "contexts",
    "last_used_at",
    "never_used",
    "granted_at",
}
_CONTEXT_FIELDS = {"usage", "host", "file_type", "key", "path"}


def _when(value: Any, field: str = "expires_at") -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    if not isinstance(value, str):
        raise ValueError(f"{field}: expected null, '+Nd' or an ISO timestamp, got {value!r}")
    m = _RELATIVE.match(value.strip())
    if m:
        n = int(m.group(2)) * (1 if m.group(1) == "+" else -1)
        return FROZEN_NOW + (timedelta(days=n) if m.group(3) == "d" else timedelta(hours=n))
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{field}: expected '+Nd' or an ISO timestamp, got {value!r}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def _flag(value: Any, field: str) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    raise ValueError(f"{field}: expected true, false or null, got {value!r}")


def build_token(example: Mapping[str, Any], rng: random.Random | None = None) -> Token:
    """A Token with TokenInfo as an example describes it (fresh random token of its kind)."""
    from patlint.tokengen import make_token

    if not isinstance(example, Mapping):
        raise ValueError(f"expected a mapping describing a token, got {example!r}")
    unknown = sorted(set(example) - _FIELDS)
    if unknown:
        raise ValueError(
            f"unknown field(s) {', '.join(unknown)} (allowed: {', '.join(sorted(_FIELDS))})"
        )
    kind = str(example.get("kind", "ghp"))
    status = TokenStatus(str(example.get("status", "valid")))
    expires_at = _when(example.get("expires_at"))
    never = example.get("never_expires")
    if never is None and status is TokenStatus.VALID and kind in PAT_KINDS:
        never = expires_at is None  # what tokens.classify concludes from a missing header
    scopes = example.get("scopes")
    if scopes is not None and not isinstance(scopes, list):
        raise ValueError("scopes: expected a list or null")
    contexts = example.get("contexts") or [{}]
    if not isinstance(contexts, list):
        raise ValueError("contexts: expected a list of mappings")
    secret = Secret(make_token(kind, rng or random.Random(0)), kind)
    candidates = []
    for i, ctx in enumerate(contexts):
        if not isinstance(ctx, Mapping) or set(ctx) - _CONTEXT_FIELDS:
            raise ValueError(
                f"contexts[{i}]: expected a mapping of {', '.join(sorted(_CONTEXT_FIELDS))}"
            )
        candidates.append(
            Candidate(
                rule_id="example",
                secret=secret,
                location=Location(str(ctx.get("path", f"example-{i}.txt")), 1, 1, 0),
                context=Context(
                    file_type=str(ctx.get("file_type", "text")),
                    key=ctx.get("key"),
                    host=ctx.get("host"),
                    usage=ctx.get("usage"),
                ),
                severity=Severity.HIGH,
                confidence=Confidence.HIGH,
            )
        )
    perms = example.get("permissions")
    info = TokenInfo(
        status=status,
        kind=kind,
        host=str(example.get("host", "github.com")),
        owner=example.get("owner"),
        scopes=frozenset(str(s) for s in scopes) if scopes is not None else None,
        expires_at=expires_at,
        never_expires=never,
        sso=example.get("sso"),
        sso_orgs=tuple(str(o) for o in example.get("sso_orgs") or ()),
        permissions={str(k): str(v) for k, v in perms.items()}
        if isinstance(perms, Mapping)
        else None,
        reason=str(example.get("reason", "")),
        checked_at=FROZEN_NOW,
        last_used_at=_when(example.get("last_used_at"), "last_used_at"),
        never_used=_flag(example.get("never_used"), "never_used"),
        granted_at=_when(example.get("granted_at"), "granted_at"),
    )
    return Token(secret=secret, candidates=tuple(candidates), info=info)


def run_example(
    rule: Rule, example: Mapping[str, Any], rng: random.Random | None = None
) -> list[Verdict]:
    """The verdicts `rule` gives for the token an example describes (as `judge` would run it)."""
    from patlint.policy import CHECKS

    check = CHECKS[rule.check]
    params = check.parse_params(rule.params, f"rules.{rule.id}.params")
    token = build_token(example, rng)
    if rule.requires == "github" and (token.info is None or not token.info.verified):
        return []
    verdicts: Iterator[Verdict] = check.evaluate(token, params, now=FROZEN_NOW)
    return list(verdicts)


def check_policy_examples(rule: Rule) -> list[str]:
    """Problems with a policy rule's examples: a positive that yields nothing, a negative that fires."""
    if rule.check == "place":
        return []  # place rules are exercised by the readers that report them
    rng = random.Random(0)
    problems: list[str] = []
    for label, examples, want in (
        ("examples", rule.examples, True),
        ("negative_examples", rule.negative_examples, False),
    ):
        for i, ex in enumerate(examples):
            try:
                verdicts = run_example(rule, ex, rng)
            except ValueError as exc:
                problems.append(f"{label}[{i}]: {exc}")
                continue
            if want and not verdicts:
                problems.append(f"{label}[{i}] does not fire")
            elif not want and verdicts:
                problems.append(f"{label}[{i}] fires: {verdicts[0].message}")
            for v in verdicts:
                if token_leak(v.message):
                    problems.append(f"{label}[{i}]: message holds a token-shaped string")
    return problems


def token_leak(message: str) -> bool:
    """True when a message holds something token-shaped (messages must show previews only)."""
    return _TOKEN_SHAPED.search(message) is not None


# A kind's prefix (legacy hex tokens have none) and 20 or more characters of its body.
_TOKEN_SHAPED = re.compile(
    "|".join(f"{re.escape(k.prefix)}[A-Za-z0-9_]{{20,}}" for k in KINDS.values() if k.prefix)
)
