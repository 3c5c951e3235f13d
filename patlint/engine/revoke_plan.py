"""Plan a revocation: for each token to revoke and each host it was found for, the revocation
endpoint it goes to, or why it is skipped (a kind the API does not accept, a host not routed)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from patlint.engine.revoke_targets import Targets
from patlint.github.revoke import DRY_RUN, SKIPPED, revocable
from patlint.github.verify import VerifyOptions, route
from patlint.hosts import GITHUB_COM
from patlint.kinds import KIND_NAMES
from patlint.model import Outcome, Secret


@dataclass(slots=True)
class RevokePlan:
    """The outcomes already settled (skipped tokens) and, per API base, the tokens it revokes."""

    outcomes: list[Outcome] = field(default_factory=list)
    by_api: dict[str, tuple[str, list[Secret]]] = field(default_factory=dict)  # base: (host, …)

    @property
    def queued(self) -> list[tuple[str, str, Secret]]:
        """(API base, host, token) for every token to send, in plan order."""
        return [(base, h, s) for base, (h, ss) in self.by_api.items() for s in ss]

    @property
    def ghes(self) -> list[str]:
        """The GitHub Enterprise Servers among the queued hosts (their API needs a token)."""
        return sorted(
            {h for _b, h, _s in self.queued if h != GITHUB_COM and not h.endswith(".ghe.com")}
        )


def plan_revocation(targets: Targets, options: VerifyOptions) -> RevokePlan:
    """Where each target goes; tokens listed but not found again are skipped with their reason."""
    plan = RevokePlan(
        outcomes=[Outcome(p, sha, kind, "", SKIPPED, why) for p, sha, kind, why in targets.missing]
    )
    for t in targets.found:
        for h in t.hosts:
            s = t.secret
            r = route(h, options)
            if not revocable(s.kind):
                why = "GitHub's revocation API does not accept this kind " + (
                    "(ghs_ expires within an hour)"
                    if s.kind == "ghs"
                    else f"({KIND_NAMES.get(s.kind, s.kind)})"
                )
                plan.outcomes.append(Outcome(s.preview, s.digest, s.kind, h, SKIPPED, why))
            elif r.base_url is None:
                plan.outcomes.append(Outcome(s.preview, s.digest, s.kind, h, SKIPPED, r.reason))
            else:
                plan.by_api.setdefault(r.base_url, (h, []))[1].append(s)
    return plan


def dry_run_outcomes(plan: RevokePlan, in_use: Mapping[str, Sequence[str]]) -> list[Outcome]:
    """What a dry run reports for each queued token: where it would go, what it would break."""
    return [
        Outcome(
            s.preview,
            s.digest,
            s.kind,
            h,
            DRY_RUN,
            f"would be sent to {base}/credentials/revoke"
            + (f"; breaks {', '.join(in_use[s.digest])}" if s.digest in in_use else ""),
        )
        for base, h, s in plan.queued
    ]


def execute(
    plan: RevokePlan, *, auth: Secret | None, max_wait: float, notify: Callable[[str], None]
) -> list[Outcome]:
    """Send each queued token to its revocation endpoint (`auth`: the one GHES token, for the
    GHES host of the plan only); the outcome of each."""
    from patlint.github.revoke import Revoker
    from patlint.github.transport import make_session

    ghes = set(plan.ghes)
    outcomes: list[Outcome] = []
    session = make_session(1)
    try:
        for base, (h, secrets) in plan.by_api.items():
            revoker = Revoker(
                session, base, h, auth=auth if h in ghes else None, max_wait=max_wait, notify=notify
            )
            outcomes += revoker.revoke(secrets)
    finally:
        session.close()
    return outcomes
