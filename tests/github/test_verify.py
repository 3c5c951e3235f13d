"""GitHubResolver against emulators: classification per kind, routing per host, cache, failures."""

from __future__ import annotations

import itertools
import json
import os
import signal
import socket
import stat
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from patlint.github.cache import VerificationCache, cache_dir, cache_key
from patlint.github.verify import (
    GitHubResolver,
    VerifyOptions,
    build_options,
    parse_api_flags,
    route,
    unverified_tokens,
)
from patlint.hosts import normalize_host
from patlint.model import (
    Candidate,
    Confidence,
    Context,
    Location,
    Secret,
    Severity,
    Token,
    TokenInfo,
    TokenStatus,
)
from tests.github_emulator import Emulator

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=timezone.utc)


def tok(
    value: str,
    kind: str,
    *hosts: str | None,
    usage: str | None = None,
    checksum_valid: bool | None = True,
) -> Token:
    secret = Secret(value, kind)
    cands = tuple(
        Candidate(
            rule_id="r",
            secret=secret,
            location=Location(f"f{i}.txt", 1, 1, 0),
            context=Context(host=h, usage=usage),
            severity=Severity.HIGH,
            confidence=Confidence.HIGH,
            checksum_valid=checksum_valid,
        )
        for i, h in enumerate(hosts or (None,))
    )
    return Token(secret=secret, candidates=cands)


def resolver(api: dict[str, str], tmp_path: Path | None = None, **kw: Any) -> GitHubResolver:
    kw.setdefault("use_cache", False)
    kw.setdefault("backoff", 0.01)
    kw.setdefault("bad_interval", 0.02)
    opts = VerifyOptions(api=api, **kw)
    cache = VerificationCache(tmp_path, ttl=opts.cache_ttl) if tmp_path else None
    return GitHubResolver(opts, cache=cache, now=lambda: NOW)


def test_classifies_every_kind(emulator: Emulator, token: Any) -> None:
    ghp, pat, gho, ghu, ghs, ghr, legacy, dead = (
        token("ghp"),
        token("github_pat"),
        token("gho"),
        token("ghu"),
        token("ghs"),
        token("ghr"),
        token("legacy"),
        token("ghp"),
    )
    emulator.add(ghp, scopes="repo, admin:org", owner="alice")
    emulator.add(
        pat,
        kind="github_pat",
        scopes=None,
        owner="bob",
        expiration="2025-09-01 12:00:00 +0200",
        permissions={"email_addresses": "read"},
        repos=[{"name": "a", "private": True}, {"name": "b", "private": False}],
    )
    emulator.add(gho, kind="gho", scopes="repo, gist", owner="carol")
    emulator.add(ghu, kind="ghu", scopes=None, expiration="2025-06-01 20:00:00 UTC", owner="dave")
    emulator.add(ghs, kind="ghs", scopes=None, expiration="2025-06-01 13:00:00 UTC", owner="acme")
    emulator.add(legacy, kind="legacy", scopes="public_repo", owner="erin")
    emulator.add(dead, valid=False)
    kinds = {
        ghp: "ghp",
        pat: "github_pat",
        gho: "gho",
        ghu: "ghu",
        ghs: "ghs",
        ghr: "ghr",
        legacy: "legacy",
        dead: "ghp",
    }
    tokens = [tok(v, k) for v, k in kinds.items()]
    r = resolver({"github.com": emulator.base_url})
    infos = r.resolve(tokens)
    by = {v: infos[Secret(v, k).digest] for v, k in kinds.items()}

    assert by[ghp].status is TokenStatus.VALID
    assert (by[ghp].owner, by[ghp].scopes, by[ghp].never_expires) == (
        "alice",
        {"repo", "admin:org"},
        True,
    )
    assert by[pat].status is TokenStatus.VALID
    assert by[pat].expires_at == datetime(2025, 9, 1, 10, 0, tzinfo=timezone.utc)
    assert by[pat].never_expires is None and by[pat].scopes is None
    assert by[pat].permissions == {
        "repositories": "2 listed, 1 private",
        "email_addresses": "read",
        "git_ssh_keys": "none",
        "gpg_keys": "none",
        "followers": "none",
    }
    assert "write access to anything (patlint sends GET requests only)" in by[pat].undetermined
    assert (by[gho].status, by[gho].owner, by[gho].never_expires) == (
        TokenStatus.VALID,
        "carol",
        None,
    )
    assert by[ghu].expires_at == datetime(2025, 6, 1, 20, 0, tzinfo=timezone.utc)
    assert (by[ghs].status, by[ghs].owner) == (TokenStatus.VALID, "acme")
    assert by[ghr].status is TokenStatus.UNVERIFIED and "refresh tokens" in by[ghr].reason
    assert (by[legacy].status, by[legacy].scopes) == (TokenStatus.VALID, {"public_repo"})
    assert by[dead].status is TokenStatus.INVALID

    # ghs went to the installation endpoint, nobody else did; ghr was never sent; GET only
    assert [(r.path, r.query) for r in emulator.seen(ghs)] == [
        ("/installation/repositories", "per_page=1")
    ]
    assert emulator.seen(ghr) == []
    assert {r.path for r in emulator.seen(ghp)} == {"/user", "/user/orgs"}
    assert [r.path for r in emulator.seen(gho)] == ["/user", "/user/orgs"]
    assert [r.path for r in emulator.seen(dead)] == ["/user"]
    assert emulator.methods() == {"GET"}


def test_checksum_invalid_tokens_are_never_sent(emulator: Emulator, token: Any) -> None:
    bad = token("ghp", valid=False)
    t1 = tok(bad, "invalid")
    t2 = tok(token("ghp", valid=False), "ghp", checksum_valid=False)
    r = resolver({"github.com": emulator.base_url})
    assert r.resolve([t1, t2]) == {}
    assert emulator.requests == []
    assert unverified_tokens([t1, t2]) == []


def test_token_only_goes_to_the_hosts_it_was_found_for(
    emulator: Emulator, emulator2: Emulator, token: Any
) -> None:
    dotcom, ghes, both, unnamed, gitlab = (token("ghp") for _ in range(5))
    for t in (dotcom, ghes, both, unnamed, gitlab):
        emulator.add(t)
        emulator2.add(t)
    tokens = [
        tok(dotcom, "ghp", None, "ghcr.io"),
        tok(ghes, "ghp", "git.corp.example"),
        tok(both, "ghp", "github.com", "git.corp.example"),
        tok(unnamed, "ghp", "other.corp.example"),
        tok(gitlab, "ghp", "gitlab.com"),
    ]
    r = resolver(
        {"github.com": emulator.base_url, "git.corp.example": emulator2.base_url + "/api/v3"}
    )
    infos = r.resolve(tokens)
    assert emulator.tokens_seen() == {dotcom, both}
    assert emulator2.tokens_seen() == {ghes, both}
    assert {rec.prefix for rec in emulator2.requests} == {"/api/v3"}
    assert {rec.prefix for rec in emulator.requests} == {""}
    assert infos[Secret(ghes, "ghp").digest].host == "git.corp.example"
    assert infos[Secret(both, "ghp").digest].status is TokenStatus.VALID
    assert "also checked on git.corp.example: valid" in infos[Secret(both, "ghp").digest].reason
    other = infos[Secret(unnamed, "ghp").digest]
    assert other.status is TokenStatus.UNVERIFIED
    assert (
        "verify_unnamed_hosts" in other.reason
        and "--github-api other.corp.example=URL" in other.reason
    )
    gl = infos[Secret(gitlab, "ghp").digest]
    assert gl.status is TokenStatus.UNVERIFIED and "not GitHub" in gl.reason
    assert any(n.startswith("not verified: 2 tokens") for n in r.notices())


def test_non_github_hosts_never_get_a_token_even_with_unnamed_hosts_enabled() -> None:
    opts = VerifyOptions(verify_unnamed_hosts=True)
    assert route("gitlab.com", opts).base_url is None
    assert route("foo.azurecr.io", opts).base_url is None
    assert route("git.corp.example", opts).base_url == "https://git.corp.example/api/v3"
    # an IPv6 host from the tree (`https://x:TOKEN@[::1]` in .git-credentials) ended the whole
    # scan with exit 2 and no report (an unbracketed URL failed the base-URL check)
    assert route("::1", opts).base_url == "https://[::1]/api/v3"
    assert route("acme.ghe.com", VerifyOptions()).base_url == "https://api.acme.ghe.com"
    assert route("github.com", VerifyOptions()).base_url == "https://api.github.com"


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        (None, None),
        ("ghcr.io", "github.com"),
        ("npm.pkg.github.com", "github.com"),
        ("API.GitHub.com.", "github.com"),
        ("containers.acme.ghe.com", "acme.ghe.com"),
        ("acme.ghe.com", "acme.ghe.com"),
        ("git.corp.example:8443", "git.corp.example"),
    ],
)
def test_normalize_host(host: str | None, expected: str | None) -> None:
    assert normalize_host(host) == expected


def test_api_flags_and_config() -> None:
    assert parse_api_flags(["http://127.0.0.1:9"]) == {"github.com": "http://127.0.0.1:9"}
    assert parse_api_flags(["ghe.corp=https://ghe.corp/api/v3/"]) == {
        "ghe.corp": "https://ghe.corp/api/v3"
    }
    opts = build_options(
        {"ghe.corp": "https://ghe.corp/api/v3"},
        {"timeout": 3, "concurrency": 2, "verify_unnamed_hosts": True},
        ["https://proxy.example/github"],
        cache_ttl=5,
    )
    assert opts.api == {
        "ghe.corp": "https://ghe.corp/api/v3",
        "github.com": "https://proxy.example/github",
    }
    assert (opts.timeout, opts.concurrency, opts.cache_ttl, opts.verify_unnamed_hosts) == (
        3.0,
        2,
        5.0,
        True,
    )


def test_unreachable_host_marks_tokens_and_adds_one_notice(token: Any) -> None:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    tokens = [tok(token("ghp"), "ghp") for _ in range(6)]
    r = resolver({"github.com": f"http://127.0.0.1:{port}"}, max_retries=1, concurrency=2)
    infos = r.resolve(tokens)
    assert {i.status for i in infos.values()} == {TokenStatus.UNREACHABLE}
    assert all("connection failed" in i.reason for i in infos.values())
    notices = r.notices()
    assert len(notices) == 1 and notices[0].startswith("GitHub could not be reached for 6 tokens")
    assert r.summary().startswith("online (6 unverified: ")
    resolved = [Token(t.secret, t.candidates, infos[t.secret.digest]) for t in tokens]
    assert unverified_tokens(resolved) == resolved


def test_long_rate_limit_is_rate_limited_not_invalid(emulator: Emulator, token: Any) -> None:
    t = token("ghp")
    emulator.add(t)
    emulator.inject(
        403,
        headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": "4102444800"},
        body={"message": "Bad credentials"},
    )
    r = resolver({"github.com": emulator.base_url}, max_rate_limit_wait=5)
    info = r.resolve([tok(t, "ghp")])[Secret(t, "ghp").digest]
    assert info.status is TokenStatus.RATE_LIMITED
    assert "primary rate limit until 2100-01-01 00:00:00 UTC" in info.reason
    assert r.notices()[0].startswith("GitHub rate-limited the check of 1 token")


@pytest.mark.parametrize(
    "headers",
    [{"Retry-After": "1"}, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "+1"}],
    ids=["secondary-429", "primary-403"],
)
def test_a_rate_limit_storm_costs_one_wait_not_one_per_token(
    emulator: Emulator, token: Any, headers: dict[str, str]
) -> None:
    """A host that answers every request with a rate limit: each token used to wait (and ask
    again) on its own, 95 s per 8 tokens at the default 60 s. Now the host is waited for once,
    and when it limits again every token left is rate-limited at once, none sent."""
    values = [token("ghp") for _ in range(8)]
    for v in values:
        emulator.add(v)
    status = 429 if "Retry-After" in headers else 403
    if "x-ratelimit-reset" in headers:
        headers = {**headers, "x-ratelimit-reset": str(int(time.time()) + 1)}
    emulator.inject(status, headers=headers, count=10_000)
    r = resolver({"github.com": emulator.base_url})
    start = time.monotonic()
    infos = r.resolve([tok(v, "ghp") for v in values])
    took = time.monotonic() - start
    assert {i.status for i in infos.values()} == {TokenStatus.RATE_LIMITED}, infos
    assert len(emulator.requests) <= 3, len(emulator.requests)
    assert took < 6, took
    [notice] = r.notices()
    assert notice.startswith("GitHub rate-limited the check of 8 tokens"), notice
    assert "could not be reached" not in notice and "--offline" in notice, notice


def test_a_long_secondary_limit_stops_every_request_to_the_host(
    emulator: Emulator, token: Any
) -> None:
    """GitHub said "wait 27 hours": sending the other tokens anyway can get an integration
    banned. The first answer is the only request."""
    values = [token("ghp") for _ in range(6)]
    for v in values:
        emulator.add(v)
    emulator.inject(429, headers={"Retry-After": "100000"}, count=10_000)
    r = resolver({"github.com": emulator.base_url})
    infos = r.resolve([tok(v, "ghp") for v in values])
    assert {i.status for i in infos.values()} == {TokenStatus.RATE_LIMITED}, infos
    assert len(emulator.requests) == 1


def test_checksum_valid_fakes_stop_being_sent_after_ten_rejected_in_a_row(
    emulator: Emulator, token: Any
) -> None:
    """Fakes cost nothing to make: 100 of them (the default cap) cost 194 s and 100 bad
    credentials from this machine's address, and GitHub locks out even valid tokens after many."""
    fakes = [token("ghp") for _ in range(30)]  # none known to the emulator: 401 each
    r = resolver({"github.com": emulator.base_url})
    infos = r.resolve([tok(v, "ghp") for v in fakes])
    assert len(emulator.requests) == 10
    statuses = sorted(i.status.value for i in infos.values())
    assert statuses == ["invalid"] * 10 + ["unverified"] * 20, statuses
    unsent = [i for i in infos.values() if i.status is TokenStatus.UNVERIFIED]
    assert all("10 tokens in a row" in i.reason for i in unsent), unsent[0].reason
    [notice] = [n for n in r.notices() if "in a row" in n]
    assert notice.startswith("not verified: 20 tokens"), notice


@pytest.mark.parametrize(
    ("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)], ids=["TERM", "INT"]
)
def test_a_signal_during_a_rate_limit_wait_stops_the_scan_at_once(
    emulator: Emulator, token: Any, tmp_path: Path, signum: int, code: int
) -> None:
    """`timeout`, CI cancellation and Ctrl-C: the verification threads used to run every
    queued token (and sleep out each rate-limit wait) before the process could exit."""
    tree = tmp_path / "tree"
    tree.mkdir()
    for i in range(6):
        (tree / f"f{i}.env").write_text(f"GITHUB_TOKEN={token('ghp')}\n")
    emulator.inject(429, headers={"Retry-After": "30"}, count=10_000)
    out = tmp_path / "report.json"
    cmd = [
        *(sys.executable, "-m", "patlint", "scan", "--no-progress", "--no-cache"),
        *("--github-api", emulator.base_url, "--format", "json", "-o", str(out), str(tree)),
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        end = time.monotonic() + 20
        while not emulator.requests and time.monotonic() < end:
            time.sleep(0.05)
        assert emulator.requests, "no request reached the API"
        time.sleep(0.5)  # now waiting out the rate limit
        assert proc.poll() is None
        sent = time.monotonic()
        proc.send_signal(signum)
        proc.communicate(timeout=40)
        took = time.monotonic() - sent
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == code
    assert took < 3, f"{took:.1f} s"
    assert not out.exists()


def test_redirect_to_another_host_is_not_followed(
    emulator: Emulator, emulator2: Emulator, token: Any
) -> None:
    t = token("ghp")
    emulator.add(t)
    emulator.inject(301, headers={"Location": emulator2.base_url + "/user"})
    info = resolver({"github.com": emulator.base_url}).resolve([tok(t, "ghp")])[
        Secret(t, "ghp").digest
    ]
    assert info.status is TokenStatus.UNREACHABLE
    assert f"redirect to http://127.0.0.1:{emulator2.port} not followed" in info.reason
    assert emulator2.requests == []


def test_5xx_then_success(emulator: Emulator, token: Any) -> None:
    t = token("ghp")
    emulator.add(t, scopes="repo")
    emulator.inject(500, path="/user", count=2)
    info = resolver({"github.com": emulator.base_url}).resolve([tok(t, "ghp")])[
        Secret(t, "ghp").digest
    ]
    assert info.status is TokenStatus.VALID
    assert [r.path for r in emulator.seen(t)] == ["/user", "/user", "/user", "/user/orgs"]


def test_sso_states(emulator: Emulator, token: Any) -> None:
    required, partial = token("ghp"), token("ghp")
    emulator.add(required, sso_required_org="acme")
    emulator.add(partial, scopes="repo, read:org", sso_partial=("21955855", "20582480"))
    infos = resolver({"github.com": emulator.base_url}).resolve(
        [tok(required, "ghp"), tok(partial, "ghp")]
    )
    a = infos[Secret(required, "ghp").digest]
    assert (a.status, a.sso_orgs) == (TokenStatus.SSO_REQUIRED, ("acme",))
    b = infos[Secret(partial, "ghp").digest]
    assert (b.status, b.sso_orgs) == (TokenStatus.VALID, ("21955855", "20582480"))
    assert b.sso == "partial-results; organizations=21955855,20582480"


def test_invalid_tokens_never_go_out_in_bursts(emulator: Emulator, token: Any) -> None:
    tokens = [tok(token("ghp"), "ghp") for _ in range(4)]  # none registered: all 401
    r = resolver({"github.com": emulator.base_url}, concurrency=8, bad_interval=0.1)
    infos = r.resolve(tokens)
    assert {i.status for i in infos.values()} == {TokenStatus.INVALID}
    starts = sorted(rec.at for rec in emulator.requests)
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    # one at a time, and the spacing doubles after each bad credential: 0.1, 0.2, 0.4 s
    assert len(starts) == 4
    assert gaps[0] >= 0.09 and gaps[1] >= 0.19 and gaps[2] >= 0.39, gaps


def test_cache_serves_second_run_and_holds_no_token(
    emulator: Emulator, token: Any, tmp_path: Path
) -> None:
    values = [token("ghp") for _ in range(3)]
    for v in values:
        emulator.add(v, scopes="gist")
    dead = token("ghp")
    tokens = [tok(v, "ghp") for v in [*values, dead]]
    first = resolver({"github.com": emulator.base_url}, tmp_path, use_cache=True).resolve(tokens)
    sent = len(emulator.requests)
    assert sent == 4
    r2 = resolver({"github.com": emulator.base_url}, tmp_path, use_cache=True)
    second = r2.resolve(tokens)
    assert len(emulator.requests) == sent  # nothing new went out
    assert r2.from_cache == 4
    assert second == first
    path = tmp_path / "verification-v1.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text()
    for v in [*values, dead]:
        assert v not in text and Secret(v, "ghp").digest not in text and v[-8:] not in text
    assert json.loads(text)["version"] == 1
    assert [p.name for p in tmp_path.iterdir()] == ["verification-v1.json"]  # no temp left


def test_cache_ttl_expires(token: Any, tmp_path: Path) -> None:
    digest = Secret(token("ghp"), "ghp").digest
    clock = [1000.0]
    cache = VerificationCache(tmp_path, ttl=60, clock=lambda: clock[0])
    cache.put(digest, "github.com", TokenInfo(TokenStatus.VALID, "ghp", scopes=frozenset({"repo"})))
    cache.save()
    fresh = VerificationCache(tmp_path, ttl=60, clock=lambda: clock[0] + 59)
    got = fresh.get(digest, "github.com")
    assert got is not None and got.scopes == {"repo"}
    assert fresh.get(digest, "ghe.corp") is None
    stale = VerificationCache(tmp_path, ttl=60, clock=lambda: clock[0] + 61)
    assert stale.get(digest, "github.com") is None


@pytest.mark.parametrize("stored_at", [1e12, float("nan")])
def test_cache_entry_stored_in_the_future_is_not_fresh(
    token: Any, tmp_path: Path, stored_at: float
) -> None:
    # A clock set back, or a hand-edited file, put stored_at ahead of now: age < 0 (or NaN)
    # never exceeded the TTL, so such an answer was served (and kept) for ever.
    digest = Secret(token("ghp"), "ghp").digest
    info = TokenInfo(TokenStatus.VALID, "ghp", scopes=frozenset({"repo"}))
    cache = VerificationCache(tmp_path, ttl=60, clock=lambda: 1000.0)
    cache.put(digest, "github.com", info)
    cache.save()
    path = tmp_path / "verification-v1.json"
    data = json.loads(path.read_text())
    [entry] = data["entries"].values()
    entry["stored_at"] = stored_at
    path.write_text(json.dumps(data))
    later = VerificationCache(tmp_path, ttl=60, clock=lambda: 2000.0)
    assert later.get(digest, "github.com") is None
    later.put(digest, "ghe.corp", info)
    later.save()
    assert list(json.loads(path.read_text())["entries"]) == [cache_key(digest, "ghe.corp")]


def test_corrupt_cache_is_ignored_with_a_notice(
    emulator: Emulator, token: Any, tmp_path: Path
) -> None:
    v = token("ghp")
    emulator.add(v)
    (tmp_path / "verification-v1.json").write_text("{not json")
    r = resolver({"github.com": emulator.base_url}, tmp_path, use_cache=True)
    info = r.resolve([tok(v, "ghp")])[Secret(v, "ghp").digest]
    assert info.status is TokenStatus.VALID
    assert any("is corrupt" in n and "ignored" in n for n in r.notices())
    assert json.loads((tmp_path / "verification-v1.json").read_text())["version"] == 1


def test_only_definite_answers_are_cached(emulator: Emulator, token: Any, tmp_path: Path) -> None:
    v = token("ghp")
    emulator.add(v)
    emulator.inject(429, headers={"Retry-After": "3600"})
    resolver({"github.com": emulator.base_url}, tmp_path, use_cache=True).resolve([tok(v, "ghp")])
    assert not (tmp_path / "verification-v1.json").exists()


def test_default_cache_dir_follows_xdg(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert cache_dir() == home / ".cache" / "patlint"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert cache_dir() == Path(os.path.expanduser("~")) / ".cache" / "patlint"


def test_silent_host_is_given_up_after_one_token(token: Any) -> None:
    """A host that accepts connections and never answers costs one token's retries, not N."""
    import socket
    import threading
    import time

    from patlint.github.verify import GitHubResolver, VerifyOptions
    from patlint.model import (
        Candidate,
        Confidence,
        Context,
        Location,
        Secret,
        Severity,
        Token,
        TokenStatus,
    )

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])  # accept, then say nothing
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.getsockname()[1]}"
        toks = []
        for i in range(20):
            secret = Secret(token("ghp"), "ghp")
            cand = Candidate(
                "github-classic-pat",
                secret,
                Location(f"f{i}", 1, 1, 0),
                Context(),
                Severity.HIGH,
                Confidence.HIGH,
            )
            toks.append(Token(secret=secret, candidates=(cand,)))
        resolver = GitHubResolver(
            VerifyOptions(api={"github.com": url}, timeout=0.3, concurrency=1, use_cache=False)
        )
        start = time.monotonic()
        infos = resolver.resolve(toks)
        took = time.monotonic() - start
        assert {i.status for i in infos.values()} == {TokenStatus.UNREACHABLE}
        assert took < 3, took  # one token: one attempt of 0.3 s; the other 19 at once
        assert sum("skipped for the rest of the run" in i.reason for i in infos.values()) == 19
    finally:
        stop.set()
        thread.join()
        for c in held:
            c.close()
        server.close()


@pytest.mark.parametrize(
    "found_for",
    [
        "attacker.example/x.ghe.com",  # a .netrc `machine` or hosts.yml key can be any string
        "attacker.example\\x.ghe.com",
        "x#.ghe.com",
        "x?.ghe.com",
        "user@x.ghe.com",
        "a b.ghe.com",
    ],
)
def test_a_host_that_is_no_host_name_never_gets_the_token(found_for: str, token: Any) -> None:
    # Built into https://api.{host}, "attacker.example/x.ghe.com" sent the token to
    # api.attacker.example, and "x#.ghe.com" crashed the whole scan with a ConfigError.
    assert route(found_for, VerifyOptions(verify_unnamed_hosts=True)).base_url is None
    value = token("ghp")
    infos = resolver({}).resolve([tok(value, "ghp", found_for)])
    info = infos[Secret(value, "ghp").digest]
    assert info.status is TokenStatus.UNVERIFIED
    assert info.reason == "found for a place whose host is not a valid host name; never sent"


def test_host_names_and_addresses_are_still_routed() -> None:
    opts = VerifyOptions(verify_unnamed_hosts=True)
    assert route("git_1.corp-x.example", opts).base_url == "https://git_1.corp-x.example/api/v3"
    assert route("10.0.0.7", opts).base_url == "https://10.0.0.7/api/v3"


def test_cached_valid_answer_for_a_token_that_has_since_expired_is_asked_again(
    emulator: Emulator, token: Any, tmp_path: Path
) -> None:
    from datetime import timedelta

    v = token("ghp")
    emulator.add(v, scopes="repo", expiration="2026-11-21 10:00:00 UTC", valid=False)
    digest = Secret(v, "ghp").digest
    cache = VerificationCache(tmp_path, ttl=3600)
    expired_at = NOW - timedelta(minutes=5)
    cache.put(digest, "github.com", TokenInfo(TokenStatus.VALID, "ghp", expires_at=expired_at))
    cache.save()
    r = resolver({"github.com": emulator.base_url}, tmp_path, use_cache=True)
    info = r.resolve([tok(v, "ghp")])[digest]
    assert r.from_cache == 0
    assert len(emulator.requests) == 1
    assert info.status is TokenStatus.INVALID
