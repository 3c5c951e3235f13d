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


def test_a_dry_run_says_where_each_token_would_go_and_what_it_breaks(
    token: Callable[..., str],
) -> None:
    from patlint.engine.revoke_plan import dry_run_outcomes

    a, b = Secret(token("ghp"), "ghp"), Secret(token("gho"), "gho")
    plan = plan_revocation(
        Targets(found=[Target(a, ("github.com",)), Target(b, ("github.com",))]), VerifyOptions()
    )
    got = dry_run_outcomes(plan, {b.digest: ["gh (~/.config/gh/hosts.yml)"]})
    assert [(o.sha256, o.status, o.detail) for o in got] == [
        (a.digest, "dry-run", "would be sent to https://api.github.com/credentials/revoke"),
        (
            b.digest,
            "dry-run",
            "would be sent to https://api.github.com/credentials/revoke; "
            "breaks gh (~/.config/gh/hosts.yml)",
        ),
    ]


def test_only_digests_keeps_the_tokens_asked_for_and_refuses_an_ambiguous_prefix(
    token: Callable[..., str],
) -> None:
    import pytest

    from patlint.engine.revoke_targets import only_digests
    from patlint.errors import ConfigError

    a, b = Secret(token("ghp"), "ghp"), Secret(token("ghp"), "ghp")
    targets = Targets(
        found=[Target(a, ("github.com",)), Target(b, ("github.com",))],
        missing=[("p", "ab" * 32, "ghp", "gone"), ("q", "cd" * 32, "ghp", "gone")],
        notes=["n"],
    )
    got = only_digests(targets, [a.digest[:16], "ab", "f" * 64])
    assert [t.secret for t in got.found] == [a] and [m[0] for m in got.missing] == ["p"]
    assert got.notes[0] == "n" and "no token with sha256 ffffffffffff" in got.notes[-1]
    common = next(i for i in range(64) if a.digest[i] != b.digest[i])
    if common:  # both digests start alike: that prefix names two tokens
        with pytest.raises(ConfigError, match="starts the SHA-256 of 2 tokens"):
            only_digests(targets, [a.digest[:common]])
