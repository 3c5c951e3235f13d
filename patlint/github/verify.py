"""GitHubResolver: ask each token's own GitHub host what the token is (the engine's Resolver).

A token goes only to the API of a host it was found for: github.com (the default when a place
names no host), a GHE.com tenant, or a GitHub Enterprise Server that is configured (or any
named host when `verification.verify_unnamed_hosts` is true). Known non-GitHub hosts are never
sent a token. Checksum-invalid strings are never sent. Answers are cached by digest and host.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from patlint.errors import ConfigError, GitHubError
from patlint.github.cache import VerificationCache
from patlint.github.client import (
    GitHubClient,
    Pacer,
    RateLimited,
    TooManyRejected,
    Unreachable,
)
from patlint.github.tokens import (
    FINE_GRAINED_PROBES,
    FINE_GRAINED_UNDETERMINED,
    classify,
    endpoint_for,
    parse_sso,
    probe_result,
    repositories_summary,
)
from patlint.github.transport import (
    DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_TIMEOUT,
    check_base_url,
    make_session,
)
from patlint.hosts import (
    DEFAULT_API,
    GITHUB_COM,
    is_host_name,
    is_non_github,
    normalize_host,
    split_api_flag,
)
from patlint.kinds import CLASSIC_KINDS
from patlint.model import Secret, Token, TokenInfo, TokenStatus
from patlint.scopes import expand_scopes

if TYPE_CHECKING:
    import requests


DEFAULT_MAX_TOKENS = 100


@dataclass(frozen=True, slots=True)
class VerifyOptions:
    """How to verify: API bases per host, limits, cache; built by the CLI from config and flags."""

    api: Mapping[str, str] = field(default_factory=dict)  # host -> API base URL
    timeout: float = DEFAULT_TIMEOUT  # one exchange in all
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT
    concurrency: int = 8
    cache_ttl: float = 3600.0
    max_rate_limit_wait: float = 60.0
    verify_unnamed_hosts: bool = False
    use_cache: bool = True
    token_deadline: float | None = None  # overall per token; default 3 x timeout + waits
    max_retries: int = 3
    backoff: float = 0.25
    bad_interval: float = 0.25  # least spacing between requests once a 401 came back
    # Checksum-valid fake tokens cost nothing to make, and each one costs a request (and a bad
    # credential from this machine's address): at most this many are sent per scan / per API.
    max_tokens: int = DEFAULT_MAX_TOKENS
    max_tokens_per_host: int = DEFAULT_MAX_TOKENS


def parse_api_flags(values: Sequence[str]) -> dict[str, str]:
    """`--github-api URL` (for github.com) / `--github-api HOST=URL` → {host: url}."""
    out: dict[str, str] = {}
    for value in values:
        host, url = split_api_flag(value)
        host = normalize_host(host) or GITHUB_COM
        out[host] = check_base_url(url.strip(), f"--github-api {value}")
    return out


def build_options(
    config_api: Mapping[str, str],
    verification: Mapping[str, Any],
    api_flags: Sequence[str] = (),
    *,
    use_cache: bool = True,
    cache_ttl: float | None = None,
    max_tokens: int | None = None,
) -> VerifyOptions:
    """VerifyOptions from config (`github_api`, `verification`) and flags (flags win)."""
    api: dict[str, str] = {}
    for host, url in config_api.items():
        api[normalize_host(host) or GITHUB_COM] = check_base_url(url, f"config: github_api.{host}")
    api.update(parse_api_flags(api_flags))
    v = dict(verification)
    return VerifyOptions(
        api=api,
        timeout=float(v.get("timeout", DEFAULT_TIMEOUT)),
        connect_timeout=float(v.get("connect_timeout", DEFAULT_CONNECT_TIMEOUT)),
        concurrency=int(v.get("concurrency", 8)),
        max_tokens=int(
            max_tokens if max_tokens is not None else v.get("max_tokens", DEFAULT_MAX_TOKENS)
        ),
        max_tokens_per_host=int(v.get("max_tokens_per_host", DEFAULT_MAX_TOKENS)),
        cache_ttl=float(cache_ttl if cache_ttl is not None else v.get("cache_ttl", 3600.0)),
        max_rate_limit_wait=float(v.get("max_rate_limit_wait", 60.0)),
        verify_unnamed_hosts=bool(v.get("verify_unnamed_hosts", False)),
        use_cache=use_cache,
    )


@dataclass(frozen=True, slots=True)
class Route:
    """Where one token goes: an API base for a host, or why it goes nowhere."""

    host: str
    base_url: str | None
    reason: str = ""


def route(host: str, options: VerifyOptions) -> Route:
    """The API base for a host, or why the token is not sent there."""
    if not is_host_name(host):
        # A file can name any string as a host ("evil.example/x.ghe.com" in a .netrc machine
        # line): built into a URL, its authority would be another host than the one named.
        return Route(
            host, None, "found for a place whose host is not a valid host name; never sent"
        )
    if is_non_github(host):
        return Route(host, None, f"found for {host}, which is not GitHub; never sent there")
    configured = options.api.get(host)
    if configured:
        return Route(host, configured)
    if host == GITHUB_COM:
        return Route(host, DEFAULT_API)
    if host.endswith(".ghe.com"):
        return Route(host, f"https://api.{host}")
    if options.verify_unnamed_hosts:
        authority = f"[{host}]" if ":" in host else host  # an IPv6 address, bracketed
        try:
            return Route(host, check_base_url(f"https://{authority}/api/v3", host))
        except ConfigError:  # never the whole scan's error: this token is not sent, that is all
            return Route(host, None, f"found for {host}, which makes no valid API URL; never sent")
    return Route(
        host,
        None,
        f"found for {host}; not verified because that host is not configured "
        f"(pass --github-api {host}=URL, or add `github_api: {{{host}: "
        f"https://{host}/api/v3}}` or `verification: {{verify_unnamed_hosts: true}}` to your "
        "config: --config FILE or ~/.config/patlint/config.yaml)",
    )


def token_hosts(token: Token) -> list[str]:
    """Every GitHub instance the token was found for, in scan order (github.com if unnamed)."""
    out: list[str] = []
    for c in token.candidates:
        h = normalize_host(c.context.host) or GITHUB_COM
        if h not in out:
            out.append(h)
    return out


def sendable(token: Token) -> bool:
    """False for checksum-invalid strings: they are never sent anywhere."""
    if token.secret.kind == "invalid":
        return False
    return not any(c.checksum_valid is False for c in token.candidates)


_RANK = {
    TokenStatus.VALID: 0,
    TokenStatus.SSO_REQUIRED: 1,
    TokenStatus.INVALID: 2,
    TokenStatus.RATE_LIMITED: 3,
    TokenStatus.UNREACHABLE: 4,
    TokenStatus.UNVERIFIED: 5,
}


def merge(infos: Sequence[TokenInfo]) -> TokenInfo:
    """One answer for a token checked on several hosts: the most definite, the others noted."""
    ordered = sorted(infos, key=lambda i: _RANK[i.status])
    best = ordered[0]
    others = [f"{i.host}: {i.status.value}" for i in ordered[1:]]
    if not others:
        return best
    note = "also checked on " + ", ".join(others)
    return replace(best, reason=f"{best.reason}; {note}" if best.reason else note)


def unverified_tokens(tokens: Sequence[Token]) -> list[Token]:
    """Real tokens (checksum not failed) GitHub gave no definite answer about (or was not asked)."""
    return [t for t in tokens if sendable(t) and (t.info is None or not t.info.verified)]


class GitHubResolver:
    """Resolver for run_scan: verifies each unique token on its own host(s), with a cache."""

    def __init__(
        self,
        options: VerifyOptions,
        *,
        session: requests.Session | None = None,
        cache: VerificationCache | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        self.options = options
        # Set when the run is interrupted: rate-limit waits end, queued requests are not sent.
        self._stop = threading.Event()
        self._session = session
        self._cache = cache
        if cache is None and options.use_cache:
            self._cache = VerificationCache(ttl=options.cache_ttl)
        self._now = now
        self._sleep = sleep or self._interruptible_sleep
        self._clients: dict[str, GitHubClient] = {}
        # API base URL -> (host, first reason, digests it left unverified): the circuit breaker
        self._down: dict[str, tuple[str, str, set[str]]] = {}
        # API base URL -> (host, first reason, digests it left unverified): rate-limit breaker
        self._limited: dict[str, tuple[str, str, set[str]]] = {}
        self._capped: set[str] = set()  # digests not sent: over the verification cap
        self._rejected: set[str] = set()  # digests not sent: too many bad credentials in a row
        self._lock = threading.Lock()
        self._notices: list[str] = []
        self.results: dict[str, TokenInfo] = {}
        self.from_cache = 0

    # --- Resolver protocol -------------------------------------------------------------

    def resolve(self, tokens: Sequence[Token]) -> dict[str, TokenInfo]:
        """TokenInfo per token digest; tokens that are never sent get none."""
        jobs: list[tuple[Token, Route]] = []
        answers: dict[str, list[TokenInfo]] = {}
        now = self._now()
        per_host: dict[str, int] = {}
        for token in tokens:
            if not sendable(token):
                continue
            for host in token_hosts(token):
                r = route(host, self.options)
                if r.base_url is None:
                    answers.setdefault(token.secret.digest, []).append(
                        self._info(token, host, TokenStatus.UNVERIFIED, r.reason, now)
                    )
                    continue
                cached = (
                    self._cache.get(token.secret.digest, host, r.base_url) if self._cache else None
                )
                if (
                    cached is not None
                    and cached.status is TokenStatus.VALID
                    and cached.expires_at is not None
                    and cached.expires_at <= now
                ):
                    cached = None  # it expired since it was cached: ask again
                if cached is not None:
                    self.from_cache += 1
                    answers.setdefault(token.secret.digest, []).append(cached)
                elif (
                    len(jobs) >= self.options.max_tokens
                    or per_host.get(r.base_url, 0) >= self.options.max_tokens_per_host
                ):
                    self._capped.add(token.secret.digest)
                    answers.setdefault(token.secret.digest, []).append(
                        self._info(token, host, TokenStatus.UNVERIFIED, self._cap_reason(), now)
                    )
                else:
                    per_host[r.base_url] = per_host.get(r.base_url, 0) + 1
                    jobs.append((token, r))
        if jobs:
            session = self._session or make_session(self.options.concurrency)
            pool = ThreadPoolExecutor(
                max_workers=self.options.concurrency, thread_name_prefix="patlint-verify"
            )
            try:
                results = list(
                    pool.map(lambda job: (job, self._verify(job[0], job[1], session)), jobs)
                )
            except BaseException:
                # SIGTERM or Ctrl-C: no queued token is sent, no wait is slept out; a request
                # in flight ends within its exchange budget. (Leaving the `with` of a pool
                # ran every queued token first.)
                self._halt()
                pool.shutdown(wait=False, cancel_futures=True)
                raise
            else:
                pool.shutdown()
            finally:
                if self._session is None:
                    session.close()
            for (token, r), info in results:
                answers.setdefault(token.secret.digest, []).append(info)
                if self._cache is not None and r.base_url is not None:
                    self._cache.put(token.secret.digest, info.host, info, r.base_url)
        if self._cache is not None:
            self._cache.save(known=[t.secret for t in tokens])
        self.results = {digest: merge(infos) for digest, infos in answers.items()}
        return dict(self.results)

    def _interruptible_sleep(self, seconds: float) -> None:
        """A wait that ends early when the run is interrupted (see `_halt`)."""
        self._stop.wait(seconds)

    def _halt(self) -> None:
        """Stop every wait and every queued request of this run."""
        self._stop.set()
        with self._lock:
            clients = list(self._clients.values())
        for client in clients:
            client.pacer.wake()

    def _cap_reason(self) -> str:
        o = self.options
        return (
            f"not sent: over the verification cap ({o.max_tokens} tokens a scan, "
            f"{o.max_tokens_per_host} per API host; verification.max_tokens in a trusted config, "
            "or --max-verify)"
        )

    def notices(self) -> list[str]:
        """One line per kind of problem (unreachable host, rate limit, hosts not enabled, cache)."""
        out = list(self._cache.notices()) if self._cache is not None else []
        out.extend(self._notices)
        told: set[str] = set()  # digests a host or cap notice already accounts for
        for base_url, (host, reason, digests) in self._down.items():
            left = {d for d in digests if d in self.results and not self.results[d].verified}
            if not left:
                continue
            told |= left
            n = len(left)
            out.append(
                f"GitHub could not be reached for {n} token{'s' if n != 1 else ''} at {host} "
                f"({base_url}: {reason}); the host was skipped for the rest of the run and "
                "their policy rules were skipped; where this machine cannot reach it, "
                "scan with --offline"
            )
        for base_url, (host, reason, digests) in self._limited.items():
            left = {d for d in digests if d in self.results and not self.results[d].verified}
            left -= told
            if not left:
                continue
            told |= left
            n = len(left)
            out.append(
                f"GitHub rate-limited the check of {n} token{'s' if n != 1 else ''} at {host} "
                f"({base_url}: {reason}); the host was not asked again in this run and their "
                "policy rules were skipped; try again later, or scan with --offline"
            )
        rejected = {d for d in self._rejected if d in self.results} - told
        if rejected:
            told |= rejected
            n = len(rejected)
            reason = self.results[min(rejected)].reason
            out.append(
                f"not verified: {n} token{'s' if n != 1 else ''} ({reason}); "
                "their policy rules were skipped"
            )
        capped = {d for d in self._capped if d in self.results and not self.results[d].verified}
        if capped:
            told |= capped
            n = len(capped)
            out.append(
                f"not verified: {n} token{'s' if n != 1 else ''} over the verification cap "
                f"({self.options.max_tokens} a scan, {self.options.max_tokens_per_host} per API "
                "host; raise verification.max_tokens in a trusted config or pass --max-verify); "
                "their policy rules were skipped"
            )
        by_status: dict[TokenStatus, list[TokenInfo]] = {}
        for digest, info in self.results.items():
            if digest not in told:
                by_status.setdefault(info.status, []).append(info)
        labels = {
            TokenStatus.UNREACHABLE: "GitHub could not be reached for",
            TokenStatus.RATE_LIMITED: "GitHub rate-limited the check of",
            TokenStatus.UNVERIFIED: "not verified:",
        }
        for status, label in labels.items():
            infos = by_status.get(status, [])
            if infos:
                n = len(infos)
                hint = (
                    "; try again later, or scan with --offline"
                    if status is TokenStatus.RATE_LIMITED
                    else ""
                )
                out.append(
                    f"{label} {n} token{'s' if n != 1 else ''} ({infos[0].reason}); "
                    f"their policy rules were skipped{hint}"
                )
        return out

    def summary(self) -> str:
        """`online`, or `online (N unverified: reason)` for the report header."""
        bad = [i for i in self.results.values() if not i.verified]
        if not bad:
            return "online"
        return f"online ({len(bad)} unverified: {bad[0].reason})"

    # --- one token on one host ---------------------------------------------------------

    def _client(self, base_url: str, session: requests.Session) -> GitHubClient:
        with self._lock:
            client = self._clients.get(base_url)
            if client is None:
                client = GitHubClient(
                    session,
                    base_url,
                    timeout=self.options.timeout,
                    connect_timeout=self.options.connect_timeout,
                    max_retries=self.options.max_retries,
                    backoff=self.options.backoff,
                    max_rate_limit_wait=self.options.max_rate_limit_wait,
                    pacer=Pacer(
                        max_window=self.options.concurrency,
                        bad_interval=self.options.bad_interval,
                        stop=self._stop,
                    ),
                    sleep=self._sleep,
                )
                self._clients[base_url] = client
            return client

    def _info(
        self, token: Token, host: str, status: TokenStatus, reason: str, now: datetime
    ) -> TokenInfo:
        return TokenInfo(status, kind=token.secret.kind, host=host, reason=reason, checked_at=now)

    def _verify(self, token: Token, r: Route, session: requests.Session) -> TokenInfo:
        now = self._now()
        assert r.base_url is not None
        endpoint = endpoint_for(token.secret.kind)
        if endpoint is None:
            return self._info(
                token,
                r.host,
                TokenStatus.UNVERIFIED,
                "refresh tokens (ghr_) cannot authenticate API requests, and exchanging one "
                "would need the app's secret and invalidate it",
                now,
            )
        client = self._client(r.base_url, session)
        deadline_s = self.options.token_deadline or (
            3 * self.options.timeout + self.options.max_rate_limit_wait + 5
        )
        deadline = time.monotonic() + deadline_s
        path, params = endpoint
        try:
            resp = client.get(path, token.secret, params=params, deadline=deadline)
        except Unreachable as exc:
            # The client's circuit breaker: the host is down for this run, and every other
            # token queued for it comes back at once (HostDown) instead of waiting its turn.
            with self._lock:
                entry = self._down.setdefault(r.base_url, (r.host, client.down or str(exc), set()))
                entry[2].add(token.secret.digest)
            return self._info(token, r.host, TokenStatus.UNREACHABLE, str(exc), now)
        except TooManyRejected as exc:
            with self._lock:
                self._rejected.add(token.secret.digest)
            return self._info(token, r.host, TokenStatus.UNVERIFIED, str(exc), now)
        except RateLimited as exc:
            with self._lock:
                entry = self._limited.setdefault(
                    r.base_url, (r.host, client.limited or str(exc), set())
                )
                entry[2].add(token.secret.digest)
            return self._info(token, r.host, TokenStatus.RATE_LIMITED, str(exc), now)
        except GitHubError as exc:
            return self._info(token, r.host, TokenStatus.UNREACHABLE, str(exc), now)
        info = classify(resp, token.secret.kind, r.host, now=now)
        if info.status is TokenStatus.RATE_LIMITED and client.limited is not None:
            with self._lock:  # the answer that tripped the rate-limit breaker
                entry = self._limited.setdefault(r.base_url, (r.host, client.limited, set()))
                entry[2].add(token.secret.digest)
        if info.status is not TokenStatus.VALID:
            return info
        try:
            return self._probe(client, token.secret, info, deadline)
        except GitHubError as exc:
            return replace(info, undetermined=(*info.undetermined, f"probes failed: {exc}"))

    def _probe(
        self, client: GitHubClient, secret: Secret, info: TokenInfo, deadline: float
    ) -> TokenInfo:
        """Safe GET probes: SSO state for classic tokens, read permissions for fine-grained."""
        kind = secret.kind
        if kind in CLASSIC_KINDS and info.scopes is not None:
            if not info.host.endswith(".ghe.com") and info.host != GITHUB_COM:
                return info  # GHES: SAML SSO is instance-wide, not per organization
            if not expand_scopes(info.scopes) & {"read:org", "repo"}:
                return info
            resp = client.get("/user/orgs", secret, params={"per_page": "100"}, deadline=deadline)
            state, value, orgs = parse_sso(resp.header("x-github-sso"))
            if state is None:
                return info
            return replace(info, sso=value, sso_orgs=orgs)
        if kind != "github_pat":
            return info
        perms: dict[str, str] = {}
        undetermined = list(info.undetermined)
        repos = client.get("/user/repos", secret, params={"per_page": "100"}, deadline=deadline)
        summary = repositories_summary(repos.body) if repos.status == 200 else None
        if summary is not None:
            perms["repositories"] = summary
        else:
            undetermined.append("repository access (GET /user/repos did not answer)")
        for name, path in FINE_GRAINED_PROBES.items():
            result = probe_result(client.get(path, secret, deadline=deadline))
            if result is None:
                undetermined.append(f"{name} (probe got no clear answer)")
            else:
                perms[name] = result
        undetermined.extend(FINE_GRAINED_UNDETERMINED)
        return replace(info, permissions=perms, undetermined=tuple(undetermined))
