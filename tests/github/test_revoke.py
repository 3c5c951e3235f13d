"""patlint/github/revoke.py against the local emulator: batches, pacing, hosts, refusals."""

from __future__ import annotations

import random
import time
from collections.abc import Callable

import pytest
import requests

from patlint.github.revoke import FAILED, SUBMITTED, Revoker, batches, revocable
from patlint.model import Secret
from patlint.tokengen import make_token
from tests.github_emulator import Emulator
from tests.github_emulator_org import install


def secrets(n: int, kind: str = "ghp", seed: int = 7) -> list[Secret]:
    rng = random.Random(seed)
    return [Secret(make_token(kind, rng), kind) for _ in range(n)]


class Sleeps:
    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


def revoker(emu: Emulator, sleep: Callable[[float], None], **kw: object) -> Revoker:
    return Revoker(requests.Session(), emu.base_url, "github.com", sleep=sleep, **kw)  # type: ignore[arg-type]


def test_batches_hold_at_most_1000_in_order() -> None:
    items = secrets(2501)
    parts = batches(items)
    assert [len(p) for p in parts] == [1000, 1000, 501]
    assert [s for p in parts for s in p] == items
    assert [len(p) for p in batches(items[:5], size=5000)] == [5]  # never above 1000


def test_revocable_kinds() -> None:
    assert {
        k for k in ("ghp", "github_pat", "gho", "ghu", "ghr", "ghs", "legacy") if revocable(k)
    } == {
        "ghp",
        "github_pat",
        "gho",
        "ghu",
        "ghr",
    }


def test_2500_tokens_go_in_three_unauthenticated_posts(emulator: Emulator) -> None:
    state = install(emulator)
    items = secrets(2500)
    sleeps = Sleeps()
    out = revoker(emulator, sleeps).revoke(items)
    assert [len(r.credentials) for r in state.revocations] == [1000, 1000, 500]
    assert state.revoked() == [s.reveal() for s in items]
    assert all(r.authorization is None and r.prefix == "" for r in state.revocations)
    assert [o.status for o in out] == [SUBMITTED] * 2500
    assert [o.sha256 for o in out] == [s.digest for s in items]
    assert all(s.reveal() not in o.preview + o.detail for s, o in zip(items, out, strict=True))
    assert sleeps.calls == []
    posts = [r for r in emulator.requests if r.method == "POST"]
    assert [r.path for r in posts] == ["/credentials/revoke"] * 3


def test_retry_after_is_obeyed_then_the_batch_is_resent(emulator: Emulator) -> None:
    state = install(emulator)
    emulator.inject(403, headers={"Retry-After": "7"}, path="/credentials/revoke")
    sleeps = Sleeps()
    items = secrets(3)
    out = revoker(emulator, sleeps).revoke(items)
    assert sleeps.calls == [7.0]
    assert state.revoked() == [s.reveal() for s in items]
    assert {o.status for o in out} == {SUBMITTED}


def test_used_up_quota_waits_for_the_reset_before_the_next_batch(emulator: Emulator) -> None:
    state = install(emulator)
    reset = int(time.time()) + 120
    emulator.inject(
        202,
        headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(reset)},
        body={},
        path="/credentials/revoke",
    )
    sleeps = Sleeps()
    now = float(reset - 100)
    r = Revoker(
        requests.Session(),
        emulator.base_url,
        "github.com",
        sleep=sleeps,
        wall_clock=lambda: now,
        batch_size=2,
    )
    out = r.revoke(secrets(3))
    # the first batch was answered by the injected 202 (quota now 0): wait 100 s + 1, then go on
    assert sleeps.calls == [101.0]
    assert [len(x.credentials) for x in state.revocations] == [1]
    assert [o.status for o in out] == [SUBMITTED] * 3


def test_a_wait_longer_than_max_wait_fails_the_rest_without_sending(emulator: Emulator) -> None:
    state = install(emulator)
    emulator.inject(
        403,
        headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(time.time()) + 3000)},
        path="/credentials/revoke",
    )
    sleeps = Sleeps()
    out = revoker(emulator, sleeps, max_wait=60, batch_size=2).revoke(secrets(5))
    assert sleeps.calls == []
    assert state.revocations == []
    assert [o.status for o in out] == [FAILED] * 5
    assert out[0].detail.startswith("rate limit: github.com asks to wait")
    assert len([r for r in emulator.requests if r.method == "POST"]) == 1


def test_422_fails_the_batch_and_is_not_retried(emulator: Emulator) -> None:
    state = install(emulator)
    state.revoke_status = 422
    out = revoker(emulator, Sleeps()).revoke(secrets(2))
    assert [o.status for o in out] == [FAILED, FAILED]
    assert "HTTP 422" in out[0].detail
    assert len(state.revocations) == 1


def test_5xx_is_retried_with_backoff(emulator: Emulator) -> None:
    state = install(emulator)
    emulator.inject(502, path="/credentials/revoke", count=2)
    sleeps = Sleeps()
    out = revoker(emulator, sleeps).revoke(secrets(1))
    assert [o.status for o in out] == [SUBMITTED]
    assert sleeps.calls == [1.0, 2.0]
    assert len(state.revocations) == 1


def test_ghes_is_authenticated_under_api_v3(emulator: Emulator) -> None:
    state = install(emulator)
    auth = Secret("ghp_enterpriseadmintoken0000000000000000", "ghp")
    r = Revoker(
        requests.Session(), emulator.base_url + "/api/v3", "ghe.example", auth=auth, sleep=Sleeps()
    )
    out = r.revoke(secrets(2))
    assert [o.status for o in out] == [SUBMITTED] * 2
    assert [o.host for o in out] == ["ghe.example"] * 2
    assert state.revocations[0].prefix == "/api/v3"
    assert state.revocations[0].authorization == f"Bearer {auth.reveal()}"


def test_authenticated_request_to_github_com_is_refused_with_a_reason(emulator: Emulator) -> None:
    install(emulator)
    auth = Secret("ghp_someoneelsestoken000000000000000000000", "ghp")
    out = revoker(emulator, Sleeps(), auth=auth).revoke(secrets(1))
    assert out[0].status == FAILED
    assert "accepts revocation requests only unauthenticated" in out[0].detail


def test_redirects_are_not_followed(emulator: Emulator, emulator2: Emulator) -> None:
    other = install(emulator2)
    install(emulator)
    emulator.inject(
        307,
        headers={"Location": emulator2.base_url + "/credentials/revoke"},
        path="/credentials/revoke",
    )
    out = revoker(emulator, Sleeps()).revoke(secrets(1))
    assert out[0].status == FAILED and "redirect not followed" in out[0].detail
    assert other.revocations == [] and emulator2.requests == []


def test_plain_http_only_to_loopback() -> None:
    from patlint.errors import ConfigError

    with pytest.raises(ConfigError, match="plain http is allowed only to loopback"):
        Revoker(requests.Session(), "http://api.github.com", "github.com")


@pytest.mark.parametrize(
    "headers",
    [{"Retry-After": "\u00b2"}, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "9" * 400}],
    ids=["superscript", "400-digit-reset"],
)
def test_a_rate_limit_header_that_is_no_number_is_no_crash(
    emulator: Emulator, headers: dict[str, str]
) -> None:
    """`could not convert string to float: '²'` ended `patlint revoke` with exit 3."""
    install(emulator)
    emulator.inject(403, headers=headers, path="/credentials/revoke")
    sleeps = Sleeps()
    out = revoker(emulator, sleeps).revoke(secrets(2))
    assert len(out) == 2 and all(s <= 60 for s in sleeps.calls)
