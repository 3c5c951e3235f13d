"""GitHubClient over real sockets against the emulator: retries, rate limits, redirects, safety."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from patlint.errors import ConfigError, GitHubError
from patlint.github.client import GitHubClient, HostDown, Pacer, Unreachable, api_id
from patlint.github.transport import check_base_url, make_session
from patlint.model import Secret
from tests.github_emulator import Emulator


class Sleeps:
    """Records waits instead of sleeping (so rate-limit tests are fast and exact)."""

    def __init__(self) -> None:
        self.calls: list[float] = []
        self.t = 1000.0

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)
        self.t += seconds

    def now(self) -> float:
        """A monotonic clock that only moves when we "sleep"."""
        return self.t


def client(emu: Emulator, sleeps: Callable[[float], None] | None = None, **kw: Any) -> GitHubClient:
    kw.setdefault("backoff", 0.01)
    return GitHubClient(make_session(4), emu.base_url, sleep=sleeps or time.sleep, **kw)


@pytest.mark.parametrize(
    "url",
    [
        "http://api.github.com",
        "http://10.0.0.1/api/v3",
        "ftp://x",
        "https://u:p@api.github.com",
        "api.github.com",
    ],
)
def test_base_url_must_be_https_or_loopback(url: str) -> None:
    with pytest.raises(ConfigError):
        check_base_url(url)


@pytest.mark.parametrize(
    "url", ["https://ghe.corp/api/v3/", "http://127.0.0.1:9", "http://[::1]:8", "http://localhost"]
)
def test_base_url_accepted(url: str) -> None:
    assert check_base_url(url) == url.rstrip("/")


def test_get_sends_bearer_and_api_headers(emulator: Emulator, token: Any) -> None:
    t = token("ghp")
    emulator.add(t, scopes="repo, gist")
    resp = client(emulator).get("/user", Secret(t, "ghp"))
    assert resp.status == 200
    assert resp.header("X-OAuth-Scopes") == "repo, gist"
    assert resp.body == {"login": "octocat", "id": 1, "type": "User"}
    [rec] = emulator.requests
    assert (rec.method, rec.path, rec.authorization) == ("GET", "/user", f"Bearer {t}")


def test_netrc_never_replaces_our_token(emulator: Emulator, token: Any, home: Any) -> None:
    t = token("ghp")
    emulator.add(t)
    netrc = home / ".netrc"
    netrc.write_text("machine 127.0.0.1 login someone password other-secret\n")
    netrc.chmod(0o600)
    client(emulator).get("/user", Secret(t, "ghp"))
    assert [r.token for r in emulator.requests] == [t]


@pytest.mark.parametrize("var", ["HTTP_PROXY", "http_proxy", "ALL_PROXY"])
def test_plain_http_never_goes_through_a_proxy(
    emulator: Emulator, emulator2: Emulator, token: Any, monkeypatch: pytest.MonkeyPatch, var: str
) -> None:
    # emulator2 stands in for a proxy on another host: through it the Bearer header of a
    # plain-http request would cross the network in clear.
    t = token("ghp")
    emulator.add(t)
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(var, f"http://127.0.0.1:{emulator2.port}")
    resp = client(emulator).get("/user", Secret(t, "ghp"))
    assert resp.status == 200
    assert emulator2.requests == []
    assert [r.token for r in emulator.requests] == [t]


def test_retries_5xx_with_backoff_then_succeeds(emulator: Emulator, token: Any) -> None:
    t = token("ghp")
    emulator.add(t)
    emulator.inject(502, count=2)
    sleeps = Sleeps()
    resp = client(emulator, sleeps).get("/user", Secret(t, "ghp"))
    assert resp.status == 200
    assert resp.attempts == 3
    assert sleeps.calls == [0.01, 0.02]
    assert len(emulator.requests) == 3


def test_5xx_retries_are_bounded(emulator: Emulator, token: Any) -> None:
    t = token("ghp")
    emulator.add(t)
    emulator.inject(503, count=10)
    resp = client(emulator, Sleeps(), max_retries=2).get("/user", Secret(t, "ghp"))
    assert resp.status == 503
    assert resp.attempts == 3
    assert len(emulator.requests) == 3


def test_primary_rate_limit_waits_until_reset_then_retries(emulator: Emulator, token: Any) -> None:
    t = token("ghp")
    emulator.add(t)
    reset = int(time.time()) + 20
    emulator.inject(
        403, headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(reset)}, count=1
    )
    sleeps = Sleeps()
    # a fake clock: the wait pauses the whole host (no quota is left for any token)
    c = client(emulator, sleeps, wall_clock=lambda: reset - 20.0, clock=sleeps.now)
    resp = c.get("/user", Secret(t, "ghp"))
    assert resp.status == 200
    assert sleeps.calls == [21.0]  # until reset, plus one second
    assert len(emulator.requests) == 2


def test_long_rate_limit_is_returned_not_waited(emulator: Emulator, token: Any) -> None:
    t = token("ghp")
    emulator.add(t)
    reset = int(time.time()) + 3000
    emulator.inject(
        403, headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(reset)}, count=1
    )
    sleeps = Sleeps()
    resp = client(emulator, sleeps, max_rate_limit_wait=60).get("/user", Secret(t, "ghp"))
    assert resp.status == 403
    assert sleeps.calls == []
    assert len(emulator.requests) == 1


def test_429_retry_after_is_obeyed(emulator: Emulator, token: Any) -> None:
    t = token("ghp")
    emulator.add(t)
    emulator.inject(429, headers={"Retry-After": "7"}, count=1)
    sleeps = Sleeps()
    # a fake clock, so the host-wide pause does not block this test in real time
    resp = client(emulator, sleeps, clock=sleeps.now).get("/user", Secret(t, "ghp"))
    assert resp.status == 200
    assert sleeps.calls == [7.0]


def test_secondary_limit_pauses_the_whole_host(emulator: Emulator, token: Any) -> None:
    t = token("ghp")
    emulator.add(t)
    emulator.inject(403, headers={"Retry-After": "1", "x-ratelimit-remaining": "4000"}, count=1)
    c = client(emulator)
    start = time.monotonic()
    resp = c.get("/user", Secret(t, "ghp"))
    assert resp.status == 200
    assert time.monotonic() - start >= 1.0
    first, second = emulator.requests
    assert second.at - first.at >= 1.0


def test_redirect_is_not_followed(emulator: Emulator, emulator2: Emulator, token: Any) -> None:
    t = token("ghp")
    emulator.add(t)
    emulator.inject(302, headers={"Location": emulator2.base_url + "/user"}, count=1)
    resp = client(emulator).get("/user", Secret(t, "ghp"))
    assert resp.status == 302
    assert emulator2.requests == []


def test_timeout_trips_the_breaker_and_raises_without_the_token(
    emulator: Emulator, token: Any
) -> None:
    """The first timeout marks the host down: no retry, and later requests are not sent."""
    t = token("ghp")
    emulator.add(t)
    emulator.inject(200, delay=1.0, count=5)
    c = client(emulator, Sleeps(), timeout=0.2, max_retries=1)
    with pytest.raises(Unreachable) as err:
        c.get("/user", Secret(t, "ghp"))
    assert str(err.value) == "127.0.0.1: timed out after 0.2s"
    assert t not in str(err.value) and t[-8:] not in repr(err.value)
    assert len(emulator.requests) == 1
    with pytest.raises(HostDown) as down:
        c.get("/user", Secret(t, "ghp"))
    assert str(down.value) == (
        "127.0.0.1: timed out after 0.2s (host skipped for the rest of the run)"
    )
    assert len(emulator.requests) == 1  # not sent


def test_connection_refused_raises_github_error(token: Any) -> None:
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens here now
    c = GitHubClient(make_session(), f"http://127.0.0.1:{port}", sleep=Sleeps(), max_retries=1)
    t = token("ghp")
    with pytest.raises(GitHubError) as err:
        c.get("/user", Secret(t, "ghp"))
    assert "connection failed" in str(err.value)
    assert t not in str(err.value)


def test_slow_response_within_timeout_succeeds(emulator: Emulator, token: Any) -> None:
    t = token("ghp")
    emulator.add(t)
    emulator.inject(200, delay=0.3, count=1, body={"login": "slow"})
    resp = client(emulator, timeout=2.0).get("/user", Secret(t, "ghp"))
    assert resp.body == {"login": "slow"}


def test_pacer_slows_down_after_bad_credentials() -> None:
    p = Pacer(max_window=8, bad_interval=0.02)
    for _ in range(3):
        assert p.acquire()
        p.release("ok")
    assert (p.window, p.interval) == (4, 0.0)
    assert p.acquire()
    p.release("bad")
    assert (p.window, p.interval) == (2, 0.02)
    assert p.acquire()
    p.release("bad")
    assert (p.window, p.interval) == (1, 0.04)
    start = time.monotonic()
    assert p.acquire()  # waits out the spacing after the last start
    assert time.monotonic() - start >= 0.015
    p.release("ok")
    assert (p.window, p.interval) == (2, 0.02)
    for _ in range(6):
        assert p.acquire()
        p.release("ok")
    assert (p.window, p.interval) == (8, 0.0)


def test_pacer_deadline() -> None:
    p = Pacer(max_window=1)
    assert p.acquire()
    assert p.acquire(deadline=time.monotonic() + 0.05) is False


def test_api_id_is_a_positive_int_and_never_a_bool() -> None:
    assert [api_id(v) for v in (1, 77, 2**40)] == [1, 77, 2**40]
    assert [api_id(v) for v in (True, False, 0, -1, 7.0, "7", None, [7])] == [None] * 8
