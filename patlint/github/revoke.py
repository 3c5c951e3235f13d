"""Submit leaked tokens to GitHub's credential revocation API (POST /credentials/revoke).

At most 1000 tokens per request. On github.com the endpoint is unauthenticated and has its own
low rate limit (60 requests an hour), so tokens go in as few batches as possible, one request
at a time, and the client waits out `Retry-After` / `X-RateLimit-Reset` (up to `max_wait`).
On GitHub Enterprise Server (3.18 and later) the request is authenticated with a token from the
environment. GitHub answers 202 for a whole batch and revokes asynchronously; it says nothing
per token, so each token of an accepted batch is "submitted".
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from patlint.errors import GitHubError
from patlint.github.client import Unreachable
from patlint.github.transport import (
    DEFAULT_CONNECT_TIMEOUT,
    Response,
    check_base_url,
    header_numbers,
)
from patlint.github.writes import post_json
from patlint.kinds import REVOCABLE_KINDS
from patlint.model import Outcome, Secret

if TYPE_CHECKING:
    import requests

REVOKE_PATH = "/credentials/revoke"
MAX_BATCH = 1000
# Prefixes the revocation API accepts (ghs_ installation tokens are not among them).
SUBMITTED, DRY_RUN, FAILED, SKIPPED = "submitted", "dry-run", "failed", "skipped"


def batches(secrets: Sequence[Secret], size: int = MAX_BATCH) -> list[list[Secret]]:
    """Split into batches of at most `size` (and at most 1000), order kept."""
    size = max(1, min(size, MAX_BATCH))
    return [list(secrets[i : i + size]) for i in range(0, len(secrets), size)]


def revocable(kind: str) -> bool:
    """True for the kinds GitHub's revocation API accepts."""
    return kind in REVOCABLE_KINDS


class Revoker:
    """Revocation for one GitHub host: batching, pacing and rate-limit waits."""

    def __init__(
        self,
        session: requests.Session,
        base_url: str,
        host: str,
        *,
        auth: Secret | None = None,
        timeout: float = 30.0,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        max_wait: float = 900.0,
        max_attempts: int = 4,
        batch_size: int = MAX_BATCH,
        notify: Callable[[str], None] = lambda _msg: None,
        sleep: Callable[[float], None] = time.sleep,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.session = session
        self.base_url = check_base_url(base_url, f"revocation API for {host}")
        self.host = host
        self.auth = auth
        self.timeout = timeout
        self.connect_timeout = connect_timeout
        self.max_wait = max_wait
        self.max_attempts = max_attempts
        self.batch_size = batch_size
        self.notify = notify
        self._sleep = sleep
        self._wall = wall_clock
        self.down: str | None = None  # the host did not answer: nothing more is sent to it

    def revoke(self, secrets: Sequence[Secret]) -> list[Outcome]:
        """Submit every token; one Outcome per token, in order."""
        out: list[Outcome] = []
        todo = batches(secrets, self.batch_size)
        for index, batch in enumerate(todo):
            status, detail = self._submit(batch, index + 1, len(todo))
            out.extend(self._outcome(s, status, detail) for s in batch)
            rest = [s for b in todo[index + 1 :] for s in b]
            if status == FAILED and detail.startswith("rate limit"):
                out.extend(self._outcome(s, FAILED, detail) for s in rest)
                break
            if self.down is not None:
                why = f"not sent: {self.host} did not answer earlier in this run ({self.down})"
                out.extend(self._outcome(s, FAILED, why) for s in rest)
                n = len(rest) + len(batch)
                self.notify(
                    f"{self.host} could not be reached ({self.down}); {n} "
                    f"token{'' if n == 1 else 's'} not confirmed revoked there (the batch it met "
                    "may or may not have been received; the rest were not sent); check the "
                    "network path to it (or --github-api) and run again"
                )
                break
        return out

    def _outcome(self, secret: Secret, status: str, detail: str) -> Outcome:
        return Outcome(secret.preview, secret.digest, secret.kind, self.host, status, detail)

    def _submit(self, batch: list[Secret], number: int, total: int) -> tuple[str, str]:
        url = self.base_url + REVOKE_PATH
        failures = 0
        while True:
            body = {"credentials": [s.reveal() for s in batch]}
            try:
                resp = post_json(
                    self.session,
                    url,
                    body,
                    auth=self.auth,
                    timeout=self.timeout,
                    connect_timeout=self.connect_timeout,
                    path=REVOKE_PATH,
                )
            except Unreachable as exc:
                # A timeout, a failed connection or an answer cut off: the batch may or may
                # not have arrived, and the host is down for the rest of this run.
                self.down = str(exc)
                return FAILED, (
                    f"{self.host}: {exc}; GitHub may or may not have received the batch "
                    "(revocation is safe to repeat: run again)"
                )
            except GitHubError as exc:  # TLS or protocol failure: the same again next time
                return FAILED, f"{self.host}: {exc}"
            if resp.status in (200, 201, 202, 204):
                self._pace(resp, number < total)
                return SUBMITTED, f"HTTP {resp.status}: accepted (GitHub revokes asynchronously)"
            wait = self._rate_limit_wait(resp)
            if wait is not None:
                if wait > self.max_wait:
                    return FAILED, (
                        f"rate limit: {self.host} asks to wait {wait:.0f}s, more than "
                        f"--max-wait {self.max_wait:g}s; try again later"
                    )
                failures += 1
                if failures >= self.max_attempts:
                    return FAILED, f"rate limit: still limited after {failures} attempts"
                self.notify(f"{self.host}: revocation rate limit; waiting {wait:.0f}s")
                self._sleep(wait)
                continue
            if resp.status >= 500:
                failures += 1
                if failures >= self.max_attempts:
                    return FAILED, f"HTTP {resp.status} from {self.host} ({failures} attempts)"
                self._sleep(min(30.0, 0.5 * 2**failures))
                continue
            return FAILED, _refusal(resp, self.auth is not None)

    def _rate_limit_wait(self, resp: Response) -> float | None:
        if resp.status not in (403, 429):
            return None
        retry_after = header_numbers(resp.header("retry-after"))
        if retry_after:
            return float(max(retry_after))
        remaining = header_numbers(resp.header("x-ratelimit-remaining"))
        reset = header_numbers(resp.header("x-ratelimit-reset"))
        if 0 in remaining and reset:
            return max(0.0, float(max(reset)) - self._wall()) + 1.0
        if resp.status == 429:
            return 60.0
        return None

    def _pace(self, resp: Response, more: bool) -> None:
        """Before the next batch: wait for the window to reset when no request is left."""
        if not more:
            return
        remaining = header_numbers(resp.header("x-ratelimit-remaining"))
        reset = header_numbers(resp.header("x-ratelimit-reset"))
        if 0 in remaining and reset:
            wait = max(0.0, float(max(reset)) - self._wall()) + 1.0
            if wait <= self.max_wait:
                self.notify(f"{self.host}: revocation quota used up; waiting {wait:.0f}s")
                self._sleep(wait)


def _refusal(resp: Response, authenticated: bool) -> str:
    if resp.status == 422:
        return "HTTP 422: GitHub refused the batch (validation failed, or the endpoint was spammed)"
    if resp.status == 403 and authenticated:
        return "HTTP 403: refused (github.com accepts revocation requests only unauthenticated)"
    if resp.status in (401, 403):
        return (
            f"HTTP {resp.status}: not allowed (GitHub Enterprise Server needs an authenticated "
            "request: set the token in the environment variable named by --token-env)"
        )
    if resp.status == 404:
        return (
            "HTTP 404: no revocation endpoint here (GitHub Enterprise Server 3.18 or later needed)"
        )
    if 300 <= resp.status < 400:
        return f"HTTP {resp.status}: redirect not followed (tokens are never sent on)"
    return f"HTTP {resp.status}: unexpected answer"
