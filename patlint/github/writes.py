"""The only POST requests patlint makes, each behind an explicit command.

- `patlint revoke`: POST /credentials/revoke (the tokens are the body);
- `patlint org`: POST /app/installations/{id}/access_tokens (an App JWT exchanged for an
  installation token).

Same safety rules as the read-only client: HTTPS only (plain HTTP only to loopback), redirects
never followed, explicit auth (never ~/.netrc), and no token in any message.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from patlint.errors import GitHubError
from patlint.github.client import Unreachable
from patlint.github.transport import (
    API_VERSION,
    DEFAULT_CONNECT_TIMEOUT,
    USER_AGENT,
    ExchangeError,
    Response,
    _bearer,
    exchange,
)
from patlint.model import Secret

if TYPE_CHECKING:
    import requests


def post_json(
    session: requests.Session,
    url: str,
    body: Mapping[str, Any],
    *,
    auth: Secret | None,
    timeout: float,
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
    path: str = "",
) -> Response:
    """POST JSON to `url` (already checked by `check_base_url`).

    Raises Unreachable on a timeout, a failed connection or an answer cut off (the request
    may or may not have reached the host), GitHubError on TLS and protocol failures. With
    `auth=None` no Authorization header is sent at all (github.com's revocation endpoint
    refuses authenticated requests).
    """
    data = json.dumps(body).encode("utf-8")
    try:
        status, headers, answer = exchange(
            session,
            "POST",
            url,
            budget=timeout,
            connect_timeout=connect_timeout,
            data=data,
            auth=_bearer(auth) if auth is not None else _NoAuth(),
            headers={
                "Accept": "application/vnd.github+json",
                "Content-Type": "application/json",
                "X-GitHub-Api-Version": API_VERSION,
                "User-Agent": USER_AGENT,
            },
        )
    except ExchangeError as exc:
        error = Unreachable if exc.retryable else GitHubError
        raise error(f"POST {path or 'request'}: {exc.problem}") from None
    return Response(status, headers, answer, path)


class _NoAuth:
    """Explicitly no credentials: requests would otherwise read ~/.netrc for the host."""

    def __call__(self, r: Any) -> Any:
        r.headers.pop("Authorization", None)
        return r
