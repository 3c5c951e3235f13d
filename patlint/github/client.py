"""Read-only HTTP client for one GitHub API host: timeouts, retries, rate limits and pacing.

Safety rules enforced here, whatever the caller asks:
- only GET, never a write (not even a deliberately invalid one);
- HTTPS only; plain HTTP only to loopback (tests, local emulators);
- redirects are never followed, so the token never travels to another host;
- the token leaves its `Secret` only to build the Authorization header; it is in no message;
- every exchange has a total time budget (a watchdog shuts the socket down when it runs out:
  requests' read timeout is per read, so a host dripping one byte a second would never time
  out) and a shorter connect timeout; an answer the watchdog or the peer cut off is a timeout,
  never an answer; answers are capped at MAX_BODY bytes, and a TLS failure is reported as
  "TLS: …" and never retried or downgraded;
- a circuit breaker per host: the first timeout or failed connection marks the host down for
  the rest of the run, and every request still queued for it fails at once (`HostDown`), so N
  tokens for a silent host cost one token's wait, not N.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import re
import socket
import threading
import time
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from patlint import __version__
from patlint.errors import ConfigError, GitHubError
from patlint.model import Secret

if TYPE_CHECKING:
    import requests

API_VERSION = "2022-11-28"
USER_AGENT = f"patlint/{__version__} (+https://github.com/patlint/patlint)"
RETRY_STATUSES = frozenset({500, 502, 503, 504})
MAX_BODY = 1 << 20  # GitHub's answers to our requests are a few KiB; more is a protocol error
DEFAULT_TIMEOUT = 10.0  # seconds one exchange may take in all (connect, send, answer)
DEFAULT_CONNECT_TIMEOUT = 3.0  # seconds to establish a connection (a dropped SYN, a firewall)
_CHUNK = 64 << 10


class ExchangeError(GitHubError):
    """One HTTP exchange failed; `retryable` for network trouble (a timeout, a connection that
    failed or closed mid-answer), not for TLS or protocol errors."""

    def __init__(self, problem: str, *, retryable: bool) -> None:
        super().__init__(problem)
        self.problem = problem
        self.retryable = retryable


class Unreachable(GitHubError):
    """The host did not answer (a timeout, a failed connection, an answer cut off): the circuit
    breaker's trigger. Every later request to it in this run fails at once with `HostDown`."""


class HostDown(Unreachable):
    """Not sent: the host did not answer earlier in this run (see `Unreachable`)."""


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and localhost."""
    host = host.strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


_URL_HOST = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,252})")


def check_base_url(url: str, where: str = "GitHub API URL") -> str:
    """Validate an API base URL (https, or http to loopback) and return it without a trailing /.

    Everything a request would trip over later is refused here, before any scan: a bad IPv6
    literal, a port out of range, spaces or control characters, a host that is no host name.
    """
    try:
        parts = urlsplit(url)
        port = parts.port  # raises for "host:abc" and ports outside 1-65535
    except ValueError as exc:
        raise ConfigError(f"{where}: not a valid URL ({exc})") from None
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ConfigError(f"{where}: expected an https:// URL, got {url!r}")
    if any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in url):
        raise ConfigError(f"{where}: a URL holds no spaces or control characters")
    if port == 0:
        raise ConfigError(f"{where}: port 0 is not a port to connect to")
    host = parts.hostname
    if not _URL_HOST.fullmatch(host) and not _is_ip(host):
        raise ConfigError(f"{where}: {host!r} is not a host name or IP address")
    if parts.username or parts.password or parts.query or parts.fragment:
        raise ConfigError(f"{where}: expected a plain base URL (no credentials, query or fragment)")
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise ConfigError(
            f"{where}: plain http is allowed only to loopback (127.0.0.1, ::1, localhost); "
            f"use https:// for {parts.hostname}"
        )
    return url.rstrip("/")


@dataclass(frozen=True, slots=True)
class Response:
    """What the client hands back: status, lower-cased headers, parsed JSON body (or None)."""

    status: int
    headers: Mapping[str, str]
    body: Any = None
    url_path: str = ""
    attempts: int = 1
    waited: float = 0.0  # seconds spent waiting for rate limits / backoff

    def header(self, name: str) -> str | None:
        """A header value by (case-insensitive) name."""
        return self.headers.get(name.lower())


@dataclass(slots=True)
class Pacer:
    """Slow start for one API host so that possibly-invalid tokens never go out in bursts.

    At most `window` requests are in flight; the window grows by one with each accepted
    credential and halves on each 401, which also doubles the spacing between request starts
    (at least `bad_interval`). GitHub locks out even valid tokens after many bad credentials.
    """

    max_window: int = 8
    bad_interval: float = 0.25
    max_interval: float = 2.0
    window: int = 1
    interval: float = 0.0
    inflight: int = 0
    next_start: float = 0.0
    paused_until: float = 0.0
    clock: Callable[[], float] = time.monotonic
    _cond: threading.Condition = field(default_factory=threading.Condition)

    def acquire(self, deadline: float | None = None) -> bool:
        """Wait for a slot; False when the deadline passes first."""
        with self._cond:
            while True:
                now = self.clock()
                start_at = max(self.next_start, self.paused_until)
                if self.inflight < self.window and now >= start_at:
                    self.inflight += 1
                    self.next_start = now + self.interval
                    return True
                if deadline is not None and now >= deadline:
                    return False
                wait = start_at - now if self.inflight < self.window else 0.05
                if deadline is not None:
                    wait = min(wait, deadline - now)
                self._cond.wait(max(wait, 0.001))

    def release(self, outcome: str) -> None:
        """Record how a request went: "ok" (credential accepted), "bad" (401) or "other"."""
        with self._cond:
            self.inflight -= 1
            if outcome == "ok":
                self.window = min(self.max_window, self.window + 1)
                self.interval = self.interval / 2 if self.interval > 0.01 else 0.0
            elif outcome == "bad":
                self.window = max(1, self.window // 2)
                self.interval = min(self.max_interval, max(self.bad_interval, self.interval * 2))
                self.next_start = max(self.next_start, self.clock() + self.interval)
            self._cond.notify_all()

    def pause(self, seconds: float) -> None:
        """Hold every request to this host for `seconds` (secondary rate limit)."""
        with self._cond:
            self.paused_until = max(self.paused_until, self.clock() + seconds)
            self._cond.notify_all()


def make_session(pool_size: int = 8) -> requests.Session:
    """One pooled session for every API host of a scan (pool sized to the concurrency)."""
    import requests
    from requests.adapters import HTTPAdapter
    from urllib3 import HTTPConnectionPool, HTTPSConnectionPool
    from urllib3.connection import HTTPConnection, HTTPSConnection

    watch = threading.local()  # the _Watchdog of the request running in this thread

    def dog() -> _Watchdog | None:
        found: _Watchdog | None = getattr(watch, "dog", None)
        return found

    def watched_conn(base: type[HTTPConnection]) -> type[HTTPConnection]:
        class Conn(base):  # type: ignore[valid-type,misc]
            """Hands its socket to the current request's watchdog once connected."""

            def connect(self) -> None:
                super().connect()
                current = dog()
                if current is not None:
                    current.watch(self.sock)

        return Conn

    def watched(base: type[HTTPConnectionPool], conn: type[HTTPConnection]) -> type[Any]:
        class Pool(base):  # type: ignore[valid-type,misc]
            """Hands the socket of each kept-alive connection it lends out to the watchdog."""

            ConnectionCls = watched_conn(conn)

            def _get_conn(self, timeout: float | None = None) -> Any:
                got = super()._get_conn(timeout)
                current = dog()
                if current is not None and getattr(got, "sock", None) is not None:
                    current.watch(got.sock)
                return got

        return Pool

    pools = {
        "http": watched(HTTPConnectionPool, HTTPConnection),
        "https": watched(HTTPSConnectionPool, HTTPSConnection),
    }

    class BudgetAdapter(HTTPAdapter):
        """HTTPAdapter whose connections a per-request watchdog can shut down."""

        patlint_watch = watch

        def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
            super().init_poolmanager(*args, **kwargs)
            self.poolmanager.pool_classes_by_scheme = pools

    session = requests.Session()
    adapter = BudgetAdapter(pool_connections=4, pool_maxsize=max(1, pool_size), max_retries=0)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


class _Watchdog:
    """Shuts down the sockets of one exchange when its total time budget runs out."""

    def __init__(self, seconds: float) -> None:
        self._lock = threading.Lock()
        self._socks: list[socket.socket] = []
        self._done = False
        self.fired = False
        self._timer = threading.Timer(max(seconds, 0.001), self._fire)
        self._timer.daemon = True

    def watch(self, sock: socket.socket) -> None:
        """Also shut this socket down when the budget runs out."""
        with self._lock:
            self._socks.append(sock)
            late = self.fired
        if late:
            _shutdown(sock)

    def start(self) -> None:
        """Start the clock."""
        self._timer.start()

    def stop(self) -> None:
        """The exchange is over: never touch its connections again."""
        with self._lock:
            self._done = True
        self._timer.cancel()

    def _fire(self) -> None:
        with self._lock:
            if self._done:
                return
            self.fired = True
            socks = list(self._socks)
        for sock in socks:
            _shutdown(sock)


def _shutdown(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already closed
        socket.socket.shutdown(sock, socket.SHUT_RDWR)  # wakes a blocked recv() with EOF


def exchange(
    session: requests.Session,
    method: str,
    url: str,
    *,
    budget: float,
    connect_timeout: float,
    headers: Mapping[str, str],
    auth: Any,
    params: Mapping[str, str] | None = None,
    data: bytes | None = None,
) -> tuple[int, dict[str, str], Any]:
    """One request → (status, lower-cased headers, JSON body or None), within `budget` seconds.

    Raises ExchangeError: retryable for timeouts, connection failures and answers cut off
    before their end (headers then silence, a body shorter than announced), not for TLS
    failures or protocol errors (an answer over MAX_BODY bytes).
    """
    import requests

    dog = _Watchdog(budget)
    local = getattr(session.get_adapter(url), "patlint_watch", None)
    if local is not None:
        local.dog = dog
    connect = max(0.001, min(connect_timeout, budget))
    per_read = max(0.001, budget)  # the watchdog bounds the whole answer; this, one read
    # Plain http is allowed only to loopback, and only directly: through an HTTP_PROXY or
    # ALL_PROXY from the environment the token would travel in clear to the proxy's host.
    direct = {"http": None, "https": None, "all": None} if url.startswith("http://") else None
    dog.start()
    try:
        resp = session.request(
            method,
            url,
            params=dict(params) if params else None,
            data=data,
            auth=auth,
            proxies=direct,  # type: ignore[arg-type]  # None removes a proxy
            headers={**headers, "Accept-Encoding": "identity"},
            timeout=(connect, per_read),
            allow_redirects=False,
            stream=True,
        )
        try:
            out = {k.lower(): v for k, v in resp.headers.items()}
            body = _read_body(resp, out)
        finally:
            resp.close()
        if dog.fired:  # the watchdog shut the socket: what was read ends early, not at its end
            raise ExchangeError(f"timed out after {budget:g}s (answer cut off)", retryable=True)
        return resp.status_code, out, _json(out, body)
    except requests.exceptions.SSLError as exc:
        raise ExchangeError(f"TLS: {_tls_reason(exc)}", retryable=False) from None
    except requests.exceptions.ConnectTimeout:
        raise ExchangeError(f"connect timed out after {connect:g}s", retryable=True) from None
    except _Incomplete as exc:
        if dog.fired:
            raise ExchangeError(
                f"timed out after {budget:g}s (answer cut off)", retryable=True
            ) from None
        raise ExchangeError(
            f"incomplete answer: the connection closed mid-answer ({exc})", retryable=True
        ) from None
    except (requests.exceptions.Timeout, requests.exceptions.ConnectionError) as exc:
        if dog.fired or isinstance(exc, requests.exceptions.Timeout):
            raise ExchangeError(f"timed out after {budget:g}s", retryable=True) from None
        raise ExchangeError(f"connection failed ({_short(exc)})", retryable=True) from None
    except requests.exceptions.RequestException as exc:
        if dog.fired:
            raise ExchangeError(f"timed out after {budget:g}s", retryable=True) from None
        raise ExchangeError(f"request failed: {_short(exc)}", retryable=False) from None
    finally:
        dog.stop()
        if local is not None:
            local.dog = None


class _Incomplete(Exception):
    """The body ended before its announced end (Content-Length, last chunk)."""


def _read_body(resp: Any, headers: Mapping[str, str]) -> bytes:
    """The raw body, at most MAX_BODY bytes (gzip/deflate inflated with the same cap).

    Raises _Incomplete when the connection ends before the announced end of the body.
    """
    import http.client

    import requests
    import urllib3

    declared = headers.get("content-length", "").strip()
    if declared.isdigit() and int(declared) > MAX_BODY:
        raise ExchangeError(_too_big(f"{int(declared)} bytes announced"), retryable=False)
    chunks: list[bytes] = []
    total = 0
    try:
        while True:
            chunk = resp.raw.read(_CHUNK, decode_content=False)
            if not chunk:
                break
            total += len(chunk)
            if total > MAX_BODY:
                raise ExchangeError(_too_big("more sent"), retryable=False)
            chunks.append(chunk)
    except urllib3.exceptions.ReadTimeoutError:  # urllib3's errors are not requests' errors
        raise requests.exceptions.Timeout() from None
    except urllib3.exceptions.SSLError as exc:
        raise requests.exceptions.SSLError(exc) from None
    except (urllib3.exceptions.ProtocolError, http.client.IncompleteRead) as exc:
        raise _Incomplete(_cut_reason(exc, total)) from None
    except (urllib3.exceptions.HTTPError, http.client.HTTPException, OSError) as exc:
        raise requests.exceptions.ConnectionError(exc) from None
    data = b"".join(chunks)
    encoding = headers.get("content-encoding", "").strip().lower()
    if encoding in ("gzip", "x-gzip", "deflate"):
        inflater = zlib.decompressobj(zlib.MAX_WBITS | 32)  # gzip or zlib header
        try:
            data = inflater.decompress(data, MAX_BODY + 1)
        except zlib.error:
            return b""
        if len(data) > MAX_BODY:
            raise ExchangeError(_too_big("once inflated"), retryable=False)
    elif encoding not in ("", "identity"):
        return b""
    return data


def _cut_reason(exc: BaseException, total: int) -> str:
    """`IncompleteRead(13 bytes read, 387 more expected)` as a short phrase, or what was read."""
    m = re.search(r"(\d+) bytes read, (\d+) more expected", str(exc))
    if m:
        return f"{m.group(1)} bytes read, {m.group(2)} more announced"
    return f"{total} bytes read"


def _too_big(what: str) -> str:
    return f"protocol error: answer larger than {MAX_BODY >> 20} MiB ({what}); not read"


def _tls_reason(exc: BaseException) -> str:
    text = str(exc)
    m = re.search(r"\[SSL[^\]]*\]\s*([^()'\"]+)", text)
    if m:
        return m.group(1).strip().rstrip(".,;:")
    if "hostname" in text.lower():
        return "certificate does not match the host name"
    return "handshake failed"


def _bearer(secret: Secret) -> Any:
    import requests.auth

    class _Bearer(requests.auth.AuthBase):
        """Explicit auth, so requests never substitutes ~/.netrc credentials for ours."""

        def __call__(self, r: Any) -> Any:
            r.headers["Authorization"] = f"Bearer {secret.reveal()}"
            return r

    return _Bearer()


class GitHubClient:
    """GET-only client for one API base URL (github.com, a GHE.com tenant or a GHES host)."""

    def __init__(
        self,
        session: requests.Session,
        base_url: str,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        max_retries: int = 3,
        backoff: float = 0.25,
        max_rate_limit_wait: float = 60.0,
        pacer: Pacer | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.session = session
        self.base_url = check_base_url(base_url)
        self.host = urlsplit(self.base_url).hostname or ""
        self.timeout = timeout
        self.connect_timeout = connect_timeout
        self.max_retries = max_retries
        self.backoff = backoff
        self.max_rate_limit_wait = max_rate_limit_wait
        self.pacer = pacer or Pacer(clock=clock)
        self._sleep = sleep
        self._clock = clock
        self._wall = wall_clock
        self._down: str | None = None  # why the host is down for this run (circuit breaker)
        self._down_lock = threading.Lock()

    @property
    def down(self) -> str | None:
        """Why the host was given up for this run (its first timeout or failed connection)."""
        with self._down_lock:
            return self._down

    def trip(self, problem: str) -> None:
        """Mark the host down for the rest of the run (the first reason is kept)."""
        with self._down_lock:
            if self._down is None:
                self._down = problem

    def get(
        self,
        path: str,
        secret: Secret,
        *,
        params: Mapping[str, str] | None = None,
        deadline: float | None = None,
    ) -> Response:
        """GET `path` with the token; retries 5xx/network errors, waits out short rate limits.

        Raises Unreachable at the first timeout or failed connection (and HostDown, without
        sending anything, once the host is down), GitHubError for TLS and protocol failures or
        when the deadline passes. Returns rate-limit responses it chose not to wait for unchanged.
        """
        if not path.startswith("/"):
            raise ValueError("path must start with /")
        url = self.base_url + path
        attempts = 0
        waited = 0.0
        failures = 0
        headers: dict[str, str] = {}
        body: Any = None
        while True:
            attempts += 1
            if not self.pacer.acquire(deadline):
                raise GitHubError(f"{self.host}: gave up waiting for a request slot (deadline)")
            outcome = "other"
            try:
                down = self.down  # checked once a slot is ours: tokens queued behind a
                if down is not None:  # silent host's first request are not sent at all
                    raise HostDown(f"{self.host}: {down} (host skipped for the rest of the run)")
                budget = self._budget(deadline)
                status, headers, body = exchange(
                    self.session,
                    "GET",
                    url,
                    budget=budget,
                    connect_timeout=self.connect_timeout,
                    params=params,
                    auth=_bearer(secret),
                    headers={
                        "Accept": "application/vnd.github+json",
                        "X-GitHub-Api-Version": API_VERSION,
                        "User-Agent": USER_AGENT,
                    },
                )
                if status == 401:
                    outcome = "bad"
                elif 200 <= status < 300:
                    outcome = "ok"
            except ExchangeError as exc:
                if not exc.retryable:
                    raise GitHubError(f"{self.host}: {exc.problem}") from None
                # A timeout or a failed connection: the host is down for the rest of the run.
                # Retrying a silent host costs a whole budget per try, and every token queued
                # for it would wait for its own; one answer is enough to know.
                self.trip(exc.problem)
                raise Unreachable(f"{self.host}: {exc.problem}") from None
            finally:
                self.pacer.release(outcome)
            if status in RETRY_STATUSES:
                failures += 1
                if failures > self.max_retries:
                    return Response(status, headers, body, path, attempts, waited)
                delay = self.backoff * (2 ** (failures - 1))
                if not self._wait(delay, deadline):
                    return Response(status, headers, body, path, attempts, waited)
                waited += delay
                continue
            response = Response(status, headers, body, path, attempts, waited)
            wait = self.rate_limit_wait(response)
            if wait is None:
                return response
            if wait > self.max_rate_limit_wait or attempts > self.max_retries + 2:
                return response
            if rate_limit_kind(response) == "secondary":
                self.pacer.pause(wait)
            if not self._wait(wait, deadline):
                return response
            waited += wait

    def rate_limit_wait(self, response: Response) -> float | None:
        """Seconds to wait before retrying a rate-limited response; None when not rate-limited."""
        kind = rate_limit_kind(response)
        if kind is None:
            return None
        retry_after = header_numbers(response.header("retry-after"))
        if retry_after:
            return float(max(retry_after))  # sent twice: the longer wait
        reset = header_numbers(response.header("x-ratelimit-reset"))
        if reset:
            return max(0.0, float(max(reset)) - self._wall()) + 1.0
        return 60.0  # GitHub: "wait at least one minute" when nothing says how long

    def _budget(self, deadline: float | None) -> float:
        """Total seconds one exchange may take: the timeout, or less when the deadline is near."""
        budget = self.timeout
        if deadline is not None:
            left = deadline - self._clock()
            if left <= 0:
                raise GitHubError(f"{self.host}: per-token deadline passed")
            budget = min(budget, left)
        return budget

    def _wait(self, seconds: float, deadline: float | None) -> bool:
        if deadline is not None and self._clock() + seconds > deadline:
            return False
        self._sleep(seconds)
        return True


def rate_limit_kind(response: Response) -> str | None:
    """ "primary", "secondary" or None, from status code and headers alone (never the body)."""
    if response.status not in (403, 429):
        return None
    if response.header("retry-after") is not None:
        return "secondary"
    if 0 in header_numbers(response.header("x-ratelimit-remaining")):
        return "primary"  # sent twice ("0, 4999"): any 0 counts
    if response.status == 429:
        return "secondary"
    return None


def header_numbers(value: str | None) -> list[int]:
    """The whole numbers in a header value; a header sent twice arrives joined ("0, 4999")."""
    if value is None:
        return []
    return [int(p) for p in (part.strip() for part in value.split(",")) if p.isdigit()]


def _json(headers: Mapping[str, str], body: bytes) -> Any:
    """The body parsed as JSON when the answer says it is JSON; None otherwise or when broken."""
    if "json" not in headers.get("content-type", "") or not body:
        return None
    try:
        return json.loads(body)
    except (ValueError, RecursionError):  # RecursionError: nesting deeper than the stack
        return None


def _short(exc: BaseException) -> str:
    """An exception as a short phrase; requests messages hold URLs, never our header."""
    text = str(exc.__class__.__name__)
    reason = getattr(exc, "args", ())
    if reason:
        inner = str(reason[0])
        if "Errno" in inner or "refused" in inner.lower():
            idx = inner.find("[Errno")
            text = inner[idx:].rstrip(")'\"") if idx >= 0 else text
    return text
