"""plan_revocation: where each token goes, and why the others are skipped."""

from __future__ import annotations

from collections.abc import Callable

from patlint.engine.revoke_plan import plan_revocation
from patlint.engine.revoke_targets import Target, Targets
from patlint.github.verify import VerifyOptions
from patlint.model import Secret


def test_each_token_goes_to_its_hosts_api_or_is_skipped_with_a_reason(
    token: Callable[..., str],
) -> None:
    pat, app = Secret(token("ghp"), "ghp"), Secret(token("ghs"), "ghs")
    ghes = Secret(token("ghp"), "ghp")
    targets = Targets(
        found=[
            Target(pat, ("github.com", "gitlab.com")),
            Target(app, ("github.com",)),
            Target(ghes, ("ghe.example.com",)),
        ],
        missing=[("ghp_…abcd", "0" * 64, "ghp", "not found again")],
    )
    options = VerifyOptions(api={"ghe.example.com": "https://ghe.example.com/api/v3"})
    plan = plan_revocation(targets, options)
    assert plan.queued == [
        ("https://api.github.com", "github.com", pat),
        ("https://ghe.example.com/api/v3", "ghe.example.com", ghes),
    ]
    assert plan.ghes == ["ghe.example.com"]
    skipped = [(o.preview, o.host, o.status, o.detail.split(" ")[0]) for o in plan.outcomes]
    assert skipped == [
        ("ghp_…abcd", "", "skipped", "not"),
        (pat.preview, "gitlab.com", "skipped", "found"),
        (app.preview, "github.com", "skipped", "GitHub's"),
    ]


def test_a_legacy_token_is_not_said_to_expire_within_an_hour(token: Callable[..., str]) -> None:
    """Only ghs_ tokens expire within the hour; a legacy 40-hex token is skipped for its kind."""
    legacy, app = Secret(token("legacy"), "legacy"), Secret(token("ghs"), "ghs")
    targets = Targets(found=[Target(legacy, ("github.com",)), Target(app, ("github.com",))])
    why = {o.kind: o.detail for o in plan_revocation(targets, VerifyOptions()).outcomes}
    assert why == {
        "legacy": "GitHub's revocation API does not accept this kind (legacy 40-hex token)",
        "ghs": "GitHub's revocation API does not accept this kind (ghs_ expires within an hour)",
    }
