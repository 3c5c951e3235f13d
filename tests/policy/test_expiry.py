"""no-expiration, lifetime-too-long, expires-soon, dead-token-still-stored."""

from __future__ import annotations

from typing import Any

import pytest

from patlint.errors import ConfigError
from patlint.policy.expiry import LifetimeCheck
from tests.policy.helpers import token, verdicts


def test_no_expiration() -> None:
    t = token(kind="ghp", expires_at=None)
    assert verdicts("no-expiration", t) == [
        f"classic personal access token {t.secret.preview} never expires: if it leaks, it works "
        "until someone notices and revokes it"
    ]
    assert verdicts("no-expiration", token(kind="ghp", expires_at="+10d")) == []
    assert verdicts("no-expiration", token(kind="ghs", never_expires=None)) == []
    assert verdicts("no-expiration", token(kind="ghp", status="invalid")) == []
    assert verdicts("no-expiration", token(kind="gho", never_expires=True), kinds=["ghp"]) == []


def test_lifetime_too_long_uses_the_threshold() -> None:
    t = token(kind="github_pat", expires_at="+400d")
    assert verdicts("lifetime-too-long", t) == [
        f"{t.secret.preview} expires on 2026-07-06, 400 days from now: longer than the 90-day "
        "maximum lifetime"
    ]
    assert verdicts("lifetime-too-long", t, max_lifetime_days=400) == []
    assert verdicts("lifetime-too-long", token(expires_at="+90d")) == []
    assert verdicts("lifetime-too-long", token(expires_at=None)) == []


def test_lifetime_params() -> None:
    with pytest.raises(
        ConfigError, match=r"w.max_lifetime_days: expected a positive whole number, got '90'"
    ):
        LifetimeCheck().parse_params({"max_lifetime_days": "90"}, "w")


@pytest.mark.parametrize(
    ("when", "fires"), [("+3d", True), ("+5h", True), ("+15d", False), ("-1d", False)]
)
def test_expires_soon(when: str, fires: bool) -> None:
    msgs = verdicts("expires-soon", token(expires_at=when))
    assert bool(msgs) is fires
    if when == "+5h":
        assert msgs[0].endswith(
            "expires today (2025-06-01 17:00 UTC); whatever uses it will break then"
        )


def test_dead_token_still_stored() -> None:
    t = token(
        status="invalid",
        reason="HTTP 401: bad credentials",
        contexts=[{"path": "a"}, {"path": "b"}],
    )
    assert verdicts("dead-token-still-stored", t) == [
        f"GitHub rejects {t.secret.preview} (HTTP 401: bad credentials): it is revoked, expired or "
        "was never valid, yet it is still stored in 2 files"
    ]
    e = token(expires_at="-2d")
    assert verdicts("dead-token-still-stored", e) == [
        f"{e.secret.preview} expired on 2025-05-30, yet it is still stored"
    ]
    for status in ("valid", "rate-limited", "unreachable", "unverified"):
        assert verdicts("dead-token-still-stored", token(status=status, expires_at="+1d")) == []


def test_expiry_messages_are_in_utc_whatever_offset_github_sent() -> None:
    # GitHub may send `2025-06-02 01:30:00 +0200` (fine-grained tokens): that is 2025-06-01
    # 23:30 UTC, and the messages used to print the local wall time labelled "UTC".
    from dataclasses import replace

    from patlint.github.tokens import parse_expiration

    def at(header: str) -> Any:
        t = token(kind="github_pat", expires_at="+1d")
        assert t.info is not None
        return replace(t, info=replace(t.info, expires_at=parse_expiration(header)))

    soon = at("2025-06-02 01:30:00 +0200")
    assert verdicts("expires-soon", soon) == [
        f"{soon.secret.preview} expires today (2025-06-01 23:30 UTC); whatever uses it will "
        "break then"
    ]
    dead = at("2025-05-01 01:00:00 +0200")
    assert verdicts("dead-token-still-stored", dead) == [
        f"{dead.secret.preview} expired on 2025-04-30, yet it is still stored"
    ]
    long = at("2026-01-01 01:00:00 +0200")
    assert verdicts("lifetime-too-long", long) == [
        f"{long.secret.preview} expires on 2025-12-31, 213 days from now: longer than the "
        "90-day maximum lifetime"
    ]
