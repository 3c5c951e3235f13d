"""Authenticate as a GitHub App: an RS256 JWT from the App's private key, exchanged for an
installation token for one organization (needed for GET /orgs/{org}/personal-access-tokens).

PyJWT (with `cryptography`) is imported lazily, only by `patlint org`.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from patlint.errors import ConfigError, GitHubError
from patlint.github.client import GitHubClient, HostDown, Unreachable, api_id
from patlint.github.writes import post_json
from patlint.model import Secret

JWT_BACKDATE = 60  # GitHub's advice: iat 60 s in the past against clock drift
JWT_LIFETIME = 540  # exp at most 10 minutes after iat; stay under it


def app_jwt(app_id: str, private_key_pem: bytes, *, now: float | None = None) -> Secret:
    """A signed RS256 JWT (iat, exp, iss=app id) for the App, wrapped so it is never shown."""
    try:
        import jwt
    except ImportError:  # pragma: no cover - depends on the installation
        raise ConfigError(
            "patlint org needs PyJWT with cryptography: pip install 'PyJWT[crypto]'"
        ) from None
    if not app_id.strip().isdigit() and not app_id.strip().startswith("Iv"):
        raise ConfigError(f"--app-id: expected the App's numeric ID or client ID, got {app_id!r}")
    issued = int(now if now is not None else time.time()) - JWT_BACKDATE
    claims = {"iat": issued, "exp": issued + JWT_BACKDATE + JWT_LIFETIME, "iss": app_id.strip()}
    try:
        token = jwt.encode(claims, private_key_pem, algorithm="RS256")
    except (ValueError, TypeError, jwt.exceptions.PyJWTError) as exc:
        raise ConfigError(
            f"--private-key: not an RSA private key in PEM format ({exc.__class__.__name__})"
        ) from None
    return Secret(token, "jwt")


def installation_token(
    client: GitHubClient,
    org: str,
    jwt_secret: Secret,
    *,
    timeout: float | None = None,
    now: Callable[[], float] = time.time,
) -> Secret:
    """Find the App's installation on `org` and exchange the JWT for an installation token."""
    resp = client.get(f"/orgs/{org}/installation", jwt_secret)
    if resp.status == 404:
        raise GitHubError(f"the App is not installed on organization {org!r} ({client.host})")
    if resp.status == 401:
        raise GitHubError(
            f"{client.host} rejected the App JWT (HTTP 401): wrong --app-id or --private-key, "
            "or the clock is off"
        )
    if resp.status != 200 or not isinstance(resp.body, dict) or "id" not in resp.body:
        raise GitHubError(f"GET /orgs/{org}/installation: unexpected HTTP {resp.status}")
    inst_id = api_id(resp.body["id"])  # {"id": true} is no /app/installations/True/
    if inst_id is None:
        raise GitHubError(f"GET /orgs/{org}/installation: no installation id in the answer")
    path = f"/app/installations/{inst_id}/access_tokens"
    down = client.down
    if down is not None:
        raise HostDown(f"{client.host}: {down} (host skipped for the rest of the run)")
    try:
        made = post_json(
            client.session,
            client.base_url + path,
            {},
            auth=jwt_secret,
            timeout=client.timeout if timeout is None else timeout,
            connect_timeout=client.connect_timeout,
            path=path,
        )
    except Unreachable as exc:
        client.trip(str(exc))
        raise
    body = made.body
    if made.status != 201 or not isinstance(body, dict) or not isinstance(body.get("token"), str):
        raise GitHubError(
            f"POST {path}: HTTP {made.status} (the App needs the organization permission "
            "'Personal access tokens: read')"
        )
    return Secret(body["token"], "ghs")
