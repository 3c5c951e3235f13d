"""sso-not-authorized."""

from __future__ import annotations

from tests.policy.helpers import token, verdicts


def test_sso_required_names_the_org() -> None:
    t = token(
        status="sso-required",
        sso="required; url=https://github.com/orgs/acme/sso",
        sso_orgs=["acme"],
    )
    assert verdicts("sso-not-authorized", t) == [
        f"{t.secret.preview} is not authorized for SAML single sign-on in acme; it is either meant "
        "for something else (then it holds more than it needs) or it fails where it is used"
    ]


def test_partial_results_name_org_ids() -> None:
    t = token(sso="partial-results; organizations=1,2", sso_orgs=["1", "2"])
    [msg] = verdicts("sso-not-authorized", t)
    assert "in organization ids 1, 2;" in msg


def test_no_sso_problem() -> None:
    assert verdicts("sso-not-authorized", token(scopes=["repo"])) == []
