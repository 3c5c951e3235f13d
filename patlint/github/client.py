"""Read-only HTTP client for one GitHub API host: timeouts, retries, rate limits and pacing.

Safety rules enforced here, whatever the caller asks:
- only GET, never a write (not even a deliberately invalid one);
- HTTPS only; plain HTTP only to loopback (tests, local emulators);
- redirects are never followed, so the token never travels to another host;
- the token leaves its `Secret` only to build the Authorization header; it is in no message.
"""

from __future__ import annotations

import ipaddress
import threading
import time
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


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and localhost."""
    host = host.strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_base_url(url: str, where: str = "GitHub API URL") -> str:
    """Validate an API base URL (https, or http to loopback) and return it without a trailing /."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ConfigError(f"{where}: expected an https:// URL, got {url!r}")
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

    session = requests.Session()
    adapter = HTTPAdapter(pool_connections=4, pool_maxsize=max(1, pool_size), max_retries=0)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


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
        timeout: float = 10.0,
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
        self.max_retries = max_retries
        self.backoff = backoff
        self.max_rate_limit_wait = max_rate_limit_wait
        self.pacer = pacer or Pacer(clock=clock)
        self._sleep = sleep
        self._clock = clock
        self._wall = wall_clock

    def get(
        self,
        path: str,
        secret: Secret,
        *,
        params: Mapping[str, str] | None = None,
        deadline: float | None = None,
    ) -> Response:
        """GET `path` with the token; retries 5xx/network errors, waits out short rate limits.

        Raises GitHubError when the host cannot be reached (after bounded retries) or the
        deadline passes. Returns rate-limit responses it chose not to wait for unchanged.
        """
        import requests

        if not path.startswith("/"):
            raise ValueError("path must start with /")
        url = self.base_url + path
        attempts = 0
        waited = 0.0
        failures = 0
        while True:
            attempts += 1
            if not self.pacer.acquire(deadline):
                raise GitHubError(f"{self.host}: gave up waiting for a request slot (deadline)")
            outcome = "other"
            try:
                resp = self.session.get(
                    url,
                    params=dict(params) if params else None,
                    auth=_bearer(secret),
                    headers={
                        "Accept": "application/vnd.github+json",
                        "X-GitHub-Api-Version": API_VERSION,
                        "User-Agent": USER_AGENT,
                    },
                    timeout=self._timeouts(deadline),
                    allow_redirects=False,
                )
                headers = {k.lower(): v for k, v in resp.headers.items()}
                status = resp.status_code
                body = _json(resp)
                resp.close()
                if status == 401:
                    outcome = "bad"
                elif 200 <= status < 300:
                    outcome = "ok"
            except requests.exceptions.Timeout:
                problem = f"timed out after {self.timeout:g}s"
                status = 0
            except requests.exceptions.ConnectionError as exc:
                problem = f"connection failed ({_short(exc)})"
                status = 0
            except requests.exceptions.RequestException as exc:
                raise GitHubError(f"{self.host}: request failed: {_short(exc)}") from None
            finally:
                self.pacer.release(outcome)
            if status == 0 or status in RETRY_STATUSES:
                failures += 1
                what = problem if status == 0 else f"HTTP {status}"
                if failures > self.max_retries:
                    if status == 0:
                        raise GitHubError(f"{self.host}: {what} ({attempts} attempts)")
                    return Response(status, headers, body, path, attempts, waited)
                delay = self.backoff * (2 ** (failures - 1))
                if not self._wait(delay, deadline):
                    if status == 0:
                        raise GitHubError(f"{self.host}: {what}; no time left to retry")
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
        retry_after = response.header("retry-after")
        if retry_after is not None and retry_after.strip().isdigit():
            return float(retry_after.strip())
        reset = response.header("x-ratelimit-reset")
        if reset is not None and reset.strip().isdigit():
            return max(0.0, float(reset.strip()) - self._wall()) + 1.0
        return 60.0  # GitHub: "wait at least one minute" when nothing says how long

    def _timeouts(self, deadline: float | None) -> tuple[float, float]:
        read = self.timeout
        if deadline is not None:
            left = deadline - self._clock()
            if left <= 0:
                raise GitHubError(f"{self.host}: per-token deadline passed")
            read = min(read, left)
        return (min(self.timeout, read), read)

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
    if (response.header("x-ratelimit-remaining") or "").strip() == "0":
        return "primary"
    if response.status == 429:
        return "secondary"
    return None


def _json(resp: Any) -> Any:
    ctype = resp.headers.get("Content-Type", "")
    if "json" not in ctype:
        return None
    try:
        return resp.json()
    except ValueError:
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
