"""Read-only client for one GitHub API host: retries, rate limits, pacing, circuit breaker.

Safety rules enforced here, whatever the caller asks (the transport, transport.py, adds its own):
- only GET, never a write (not even a deliberately invalid one);
- a circuit breaker per host: the first timeout or failed connection marks the host down for
  the rest of the run, and every request still queued for it fails at once (`HostDown`), so N
  tokens for a silent host cost one token's wait, not N;
- a rate-limit breaker per host: a rate limit is waited out once per host (every request to it
  pauses, not just the one that was limited); a limit longer than `max_rate_limit_wait`, or a
  limit again after that wait, stops every request to the host for the rest of the run
  (`RateLimited`): N tokens cost one wait, and a host that said "stop" is not sent more;
- a bad-credential breaker per host: after `MAX_REJECTED_IN_A_ROW` 401s in a row (with no
  accepted token between), nothing more is sent there in this run (`TooManyRejected`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from patlint.errors import GitHubError
from patlint.github.transport import (
    API_VERSION,
    DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_TIMEOUT,
    USER_AGENT,
    ExchangeError,
    Response,
    _bearer,
    check_base_url,
    exchange,
    header_numbers,
    resolve_within,
)
from patlint.model import Secret

if TYPE_CHECKING:
    import requests


RETRY_STATUSES = frozenset({500, 502, 503, 504})


class Unreachable(GitHubError):
    """The host did not answer (a timeout, a failed connection, an answer cut off): the circuit
    breaker's trigger. Every later request to it in this run fails at once with `HostDown`."""


class HostDown(Unreachable):
    """Not sent: the host did not answer earlier in this run (see `Unreachable`)."""


MAX_REJECTED_IN_A_ROW = 10
SLOW_BUDGET = 3  # timeouts' worth of slow answers a host may cost a run (`_count_slow`)


class TooManyRejected(GitHubError):
    """Not sent: the last `MAX_REJECTED_IN_A_ROW` tokens sent to the host were bad credentials.

    Checksum-valid fakes cost nothing to make, and many bad credentials from one address make
    GitHub lock out even valid tokens: the rest of the run sends no more there."""


class RateLimited(GitHubError):
    """Not sent: the host rate-limited this run past what we wait for (see `GitHubClient.get`)."""


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
    stop: threading.Event = field(default_factory=threading.Event)  # the run is ending
    closed: bool = False  # a breaker tripped: nothing more is sent to this host
    _cond: threading.Condition = field(default_factory=threading.Condition)

    def acquire(self, deadline: float | None = None) -> bool:
        """Wait for a slot; False when the deadline passes first (or the run is stopping)."""
        with self._cond:
            while True:
                if self.stop.is_set() or self.closed:
                    return False
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

    def close(self) -> None:
        """Refuse every request from now on (waiting ones included)."""
        with self._cond:
            self.closed = True
            self._cond.notify_all()

    def wake(self) -> None:
        """Wake every waiting request (to see `stop`)."""
        with self._cond:
            self._cond.notify_all()

    def pause(self, seconds: float) -> None:
        """Hold every request to this host for `seconds` (secondary rate limit)."""
        with self._cond:
            self.paused_until = max(self.paused_until, self.clock() + seconds)
            self._cond.notify_all()


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
        self._limited: str | None = None  # why it rate-limited us for the rest of the run
        self._resume_at: float | None = None  # when the one rate-limit wait ends
        self._rejected_in_a_row = 0  # 401s since the last accepted credential
        self._slow = 0.0  # seconds spent in answers slower than half the timeout
        self._resolved = False  # the host's name resolved within the connect timeout
        self._down_lock = threading.Lock()

    @property
    def down(self) -> str | None:
        """Why the host was given up for this run (its first timeout or failed connection)."""
        with self._down_lock:
            return self._down

    @property
    def limited(self) -> str | None:
        """Why the host was given up for rate limits in this run (see `GitHubClient.get`)."""
        with self._down_lock:
            return self._limited

    def _rate_limited(self, response: Response, wait: float, sent_at: float) -> bool:
        """Whether this rate-limited answer trips the rate-limit breaker (else: wait once)."""
        with self._down_lock:
            again = self._resume_at is not None and sent_at >= self._resume_at
            if self._limited is None and (wait > self.max_rate_limit_wait or again):
                kind = rate_limit_kind(response) or "a"
                self._limited = f"HTTP {response.status}: {kind} rate limit"
            if self._limited is not None:
                self.pacer.close()
                return True
            self._resume_at = max(self._resume_at or 0.0, self._clock() + wait)
            return False

    def _check_rejected(self) -> None:
        """Raise TooManyRejected once the bad-credential breaker has tripped."""
        with self._down_lock:
            rejected = self._rejected_in_a_row
        if rejected >= MAX_REJECTED_IN_A_ROW:
            raise TooManyRejected(
                f"{self.host}: not sent: the last {rejected} tokens in a row sent there were "
                "bad credentials (likely fakes; many more from this address make GitHub lock "
                "out even valid tokens)"
            )

    def _count_slow(self, took: float) -> None:
        """The slow-host breaker: an answer that takes most of the timeout (a 404 after 9 s of
        10) is no timeout, so the first breaker never trips, and each token would wait its own
        (63 tokens cost 570 s in an attacker's test). Once such answers add up to
        SLOW_BUDGET timeouts, the host is given up for the rest of the run."""
        if took <= self.timeout / 2:
            return
        with self._down_lock:
            self._slow += took
            spent = self._slow
        if spent >= SLOW_BUDGET * self.timeout:
            self.trip(
                f"answers too slowly ({spent:.0f} s in answers of over {self.timeout / 2:g} s "
                f"each; limit {SLOW_BUDGET * self.timeout:g} s)"
            )

    def trip(self, problem: str) -> None:
        """Mark the host down for the rest of the run (the first reason is kept)."""
        with self._down_lock:
            if self._down is None:
                self._down = problem
        self.pacer.close()

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
            self._check_rejected()  # before queueing for a slot (spaced out after 401s)
            if not self.pacer.acquire(deadline):
                if self.pacer.stop.is_set():
                    raise GitHubError(f"{self.host}: not sent (the run is stopping)")
                self._check_rejected()
                down = self.down
                if down is not None:
                    raise HostDown(f"{self.host}: {down} (host skipped for the rest of the run)")
                limited = self.limited
                if limited is not None:
                    raise RateLimited(f"{self.host}: {limited} (host not asked again in this run)")
                if self.pacer.paused_until > self._clock():
                    raise RateLimited(f"{self.host}: rate-limited; gave up waiting (deadline)")
                raise GitHubError(f"{self.host}: gave up waiting for a request slot (deadline)")
            outcome = "other"
            try:
                down = self.down  # checked once a slot is ours: tokens queued behind a
                if down is not None:  # silent host's first request are not sent at all
                    raise HostDown(f"{self.host}: {down} (host skipped for the rest of the run)")
                self._check_rejected()
                limited = self.limited
                if limited is not None:
                    raise RateLimited(f"{self.host}: {limited} (host not asked again in this run)")
                budget = self._budget(deadline)
                if not self._resolved:  # first contact: resolution gets the connect timeout
                    resolve_within(self.host, max(0.001, min(self.connect_timeout, budget)))
                    self._resolved = True
                sent_at = self._clock()
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
                self._count_slow(self._clock() - sent_at)
                if status == 401:
                    outcome = "bad"
                elif 200 <= status < 300:
                    outcome = "ok"
                with self._down_lock:
                    if outcome == "bad":
                        self._rejected_in_a_row += 1
                        if self._rejected_in_a_row >= MAX_REJECTED_IN_A_ROW:
                            self.pacer.close()
                    elif outcome == "ok":
                        self._rejected_in_a_row = 0
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
            if self._rate_limited(response, wait, sent_at) or attempts > self.max_retries + 2:
                return response
            self.pacer.pause(wait)  # no request to this host before then, whichever token
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


def api_id(value: object) -> int | None:
    """An id from an API answer that may go into a path: a positive int, never a bool (an int
    to isinstance: `{"id": true}` would become `/True/`); None for anything else."""
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    return None
