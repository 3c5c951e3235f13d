"""Plan a revocation: for each token to revoke and each host it was found for, the revocation
endpoint it goes to, or why it is skipped (a kind the API does not accept, a host not routed)."""

from __future__ import annotations

from dataclasses import dataclass, field

from patlint.engine.revoke_targets import Targets
from patlint.github.revoke import SKIPPED, revocable
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
