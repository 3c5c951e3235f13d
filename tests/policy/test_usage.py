"""token-unused: last used too long ago, or never used since an old grant; silent otherwise."""

from __future__ import annotations

import pytest

from patlint.errors import ConfigError
from patlint.policy.usage import UnusedCheck
from tests.policy.helpers import NOW, token, verdicts


def test_last_used_longer_ago_than_days_fires_with_owner_and_days() -> None:
    t = token(kind="github_pat", owner="alice", last_used_at="-200d")
    assert verdicts("token-unused", t) == [
        f"{t.secret.preview} of alice has not been used for 200 days (last used 2024-11-13; "
        "limit 90): access nobody uses is only risk"
    ]


def test_threshold_is_exclusive_and_params_change_it() -> None:
    assert verdicts("token-unused", token(last_used_at="-90d")) == []
    assert len(verdicts("token-unused", token(last_used_at="-91d"))) == 1
    assert verdicts("token-unused", token(last_used_at="-200d"), days=365) == []
    t = token(last_used_at="-31d")
    assert verdicts("token-unused", t, days=30) == [
        f"{t.secret.preview} has not been used for 31 days (last used 2025-05-01; limit 30): "
        "access nobody uses is only risk"
    ]


def test_never_used_fires_only_with_an_old_grant_date() -> None:
    t = token(kind="github_pat", owner="dave", never_used=True, granted_at="-120d")
    assert verdicts("token-unused", t) == [
        f"{t.secret.preview} of dave has never been used in the 120 days since the organization "
        "granted its access (2025-02-01; limit 90): access nobody uses is only risk"
    ]
    assert verdicts("token-unused", token(never_used=True, granted_at="-30d")) == []
    # never used, but no grant date: its age is unknown, so nothing is claimed
    assert verdicts("token-unused", token(never_used=True)) == []
    # a grant date without usage data (GitHub did not say "never used") is no evidence either
    assert verdicts("token-unused", token(granted_at="-400d")) == []


def test_silent_for_scanned_tokens_and_dead_ones() -> None:
    # what a file scan knows: status, scopes, expiry, never any usage
    assert verdicts("token-unused", token(kind="ghp", scopes=["repo"], expires_at=None)) == []
    assert verdicts("token-unused", token(status="unverified")) == []
    assert verdicts("token-unused", token(status="invalid", last_used_at="-400d")) == []
    assert len(verdicts("token-unused", token(status="sso-required", last_used_at="-400d"))) == 1
    # a last use in the future (clock skew) is a recent use
    assert verdicts("token-unused", token(last_used_at="+2d")) == []


def test_remediation_points_at_the_org_settings_page_only_for_inventory_entries() -> None:
    page = "https://github.com/organizations/acme/settings/personal-access-tokens/7"
    check = UnusedCheck()
    params = check.parse_params({}, "w")
    entry = token(
        owner="alice", last_used_at="-200d", contexts=[{"file_type": "org-inventory", "path": page}]
    )
    [verdict] = check.evaluate(entry, params, now=NOW)
    assert verdict.remediation == (
        f"Revoke the organization's access from {page} (the token's page in the organization "
        "settings). If something turns out to need it, ask alice for a new token with an "
        "expiration date and only the repositories and permissions it uses."
    )
    [plain] = check.evaluate(token(last_used_at="-200d"), params, now=NOW)
    assert plain.remediation is None  # the rule's own remediation then applies


def test_params_are_validated() -> None:
    with pytest.raises(ConfigError, match=r"w.days: expected a positive whole number, got 0"):
        UnusedCheck().parse_params({"days": 0}, "w")
    with pytest.raises(ConfigError, match=r"w: unknown param\(s\) max_days \(allowed: days\)"):
        UnusedCheck().parse_params({"max_days": 30}, "w")
    assert UnusedCheck().parse_params({}, "w").days == 90
