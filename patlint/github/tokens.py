"""Turn GitHub API responses into TokenInfo: status from status code and headers, never body words
(but a 2xx counts only with a body shaped as GitHub's identity answer: a captive portal's page
or a cut answer is no "live").

Also: X-OAuth-Scopes parsing, the two formats of
GitHub-Authentication-Token-Expiration, and X-GitHub-SSO.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timezone
from urllib.parse import urlsplit

from patlint.github.client import rate_limit_kind
from patlint.github.transport import Response, header_numbers
from patlint.kinds import CLASSIC_KINDS, KINDS, PAT_KINDS
from patlint.model import TokenInfo, TokenStatus, utc

_SSO_ORG = re.compile(r"/orgs/([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))/sso")


def parse_scopes(value: str | None) -> frozenset[str] | None:
    """`repo, admin:org` → {"repo", "admin:org"}; None when the header is absent."""
    if value is None:
        return None
    return frozenset(s.strip() for s in value.split(",") if s.strip())


def parse_expiration(value: str) -> datetime | None:
    """`2021-10-07 19:07:53 UTC` or `2023-04-26 23:23:18 +0200` → aware datetime; None if neither."""
    text = " ".join(value.split())
    if text.endswith(" UTC"):
        try:
            naive = datetime.strptime(text[:-4], "%Y-%m-%d %H:%M:%S")
        except ValueError:
            return None
        return naive.replace(tzinfo=timezone.utc)
    try:
        return utc(datetime.strptime(text, "%Y-%m-%d %H:%M:%S %z"))
    except ValueError:
        return None


def parse_sso(value: str | None) -> tuple[str | None, str | None, tuple[str, ...]]:
    """X-GitHub-SSO → (state, value without the one-hour authorization query, orgs).

    `required; url=https://github.com/orgs/acme/sso?authorization_request=…` → ("required", …, ("acme",));
    `partial-results; organizations=21955855,20582480` → ("partial-results", …, ("21955855", …)).
    """
    if not value:
        return None, None, ()
    head, _, rest = value.partition(";")
    state = head.strip().lower()
    rest = rest.strip()
    orgs: tuple[str, ...] = ()
    shown = state
    if rest.startswith("url="):
        url = rest[4:].strip()
        try:
            parts = urlsplit(url)
        except ValueError:  # `https://[::1:bad/…`: an answer's URL that is no URL
            return state, f"{state}; url=(unreadable)", ()
        m = _SSO_ORG.search(parts.path)
        orgs = (m.group(1),) if m else ()
        shown = f"{state}; url={parts.scheme}://{parts.netloc}{parts.path}"
    elif rest.startswith("organizations="):
        orgs = tuple(o.strip() for o in rest[len("organizations=") :].split(",") if o.strip())
        shown = f"{state}; organizations={','.join(orgs)}"
    return state, shown, orgs


def endpoint_for(kind: str) -> tuple[str, dict[str, str]] | None:
    """The read-only endpoint that accepts this kind of token, or None (refresh tokens)."""
    known = KINDS.get(kind)
    if known is None or known.identity is None:
        return None
    return known.identity, dict(known.identity_params)


def _reset_text(response: Response) -> str:
    reset = header_numbers(response.header("x-ratelimit-reset"))
    if reset:
        try:
            when = datetime.fromtimestamp(max(reset), tz=timezone.utc)
        except (OverflowError, ValueError, OSError):  # a reset far beyond year 9999
            return " (reset time out of range)"
        return f" until {when:%Y-%m-%d %H:%M:%S} UTC"
    retry = header_numbers(response.header("retry-after"))
    if retry:
        return f" for {max(retry)}s"
    return ""


def _not_an_identity_answer(response: Response, kind: str) -> str | None:
    """What a 2xx answer of the identity endpoint lacks to be GitHub's, or None: JSON (the
    transport parses only a complete JSON answer), and an object with a string `login` (for
    an installation token, a `repositories` list)."""
    body = response.body
    if body is None:
        return "no complete JSON body"
    if not isinstance(body, dict):
        return "the JSON body is not an object"
    if kind == "ghs":
        if not isinstance(body.get("repositories"), list):
            return "no list of repositories in the body"
    elif not isinstance(body.get("login"), str):
        return "no login in the body"
    return None


def _owner(body: object, kind: str) -> str | None:
    if not isinstance(body, dict):
        return None
    if kind == "ghs":
        repos = body.get("repositories")
        if isinstance(repos, list) and repos and isinstance(repos[0], dict):
            owner = repos[0].get("owner")
            if isinstance(owner, dict) and isinstance(owner.get("login"), str):
                return str(owner["login"])
        return None
    login = body.get("login")
    return login if isinstance(login, str) else None


def classify(response: Response, kind: str, host: str, *, now: datetime) -> TokenInfo:
    """TokenInfo from the answer of the kind's identity endpoint (see `endpoint_for`)."""
    status = response.status
    base = {"kind": kind, "host": host, "checked_at": now}
    if status == 401:
        return TokenInfo(
            TokenStatus.INVALID,
            reason="HTTP 401: bad credentials (invalid, revoked or expired)",
            **base,  # type: ignore[arg-type]
        )
    if 300 <= status < 400:
        try:
            target = urlsplit(response.header("location") or "")
            where = f"{target.scheme}://{target.netloc}" if target.netloc else "another location"
        except ValueError:  # `Location: https://[::1/…`
            where = "another location"
        return TokenInfo(
            TokenStatus.UNREACHABLE,
            reason=f"HTTP {status} redirect to {where} not followed (the token is never sent on)",
            **base,  # type: ignore[arg-type]
        )
    limit = rate_limit_kind(response)
    if limit is not None:
        return TokenInfo(
            TokenStatus.RATE_LIMITED,
            reason=f"HTTP {status}: {limit} rate limit{_reset_text(response)}",
            **base,  # type: ignore[arg-type]
        )
    sso_state, sso_value, sso_orgs = parse_sso(response.header("x-github-sso"))
    scopes = parse_scopes(response.header("x-oauth-scopes"))
    if status == 403 and sso_state == "required":
        return TokenInfo(
            TokenStatus.SSO_REQUIRED,
            scopes=scopes,
            sso=sso_value,
            sso_orgs=sso_orgs,
            reason="HTTP 403 with X-GitHub-SSO: required (SAML SSO authorization missing)",
            **base,  # type: ignore[arg-type]
        )
    if not 200 <= status < 300:
        if status >= 500:
            what = TokenStatus.UNREACHABLE
            reason = f"HTTP {status} from {host} after {response.attempts} attempts"
        elif status == 403:
            what = TokenStatus.UNVERIFIED
            reason = (
                "HTTP 403 without rate-limit or SSO headers (GitHub may be refusing "
                "authentication after failed logins); try again later"
            )
        else:
            what = TokenStatus.UNVERIFIED
            reason = f"unexpected HTTP {status} from {response.url_path or 'the API'} on {host}"
        return TokenInfo(what, reason=reason, **base)  # type: ignore[arg-type]
    missing = _not_an_identity_answer(response, kind)
    if missing is not None:  # a captive portal, a proxy's login page, a cut answer
        return TokenInfo(
            TokenStatus.UNVERIFIED,
            reason=f"the API answered {status} without a GitHub answer: {missing}",
            **base,  # type: ignore[arg-type]
        )
    undetermined: list[str] = []
    raw_exp = response.header("github-authentication-token-expiration")
    expires_at = parse_expiration(raw_exp) if raw_exp else None
    never: bool | None = None
    if raw_exp is not None and expires_at is None:  # present but empty or unparsable
        undetermined.append("expiry (unreadable expiration header)")
    elif raw_exp is None:
        if kind in PAT_KINDS:
            never = True
        else:
            undetermined.append("expiry (GitHub does not report it for this kind of token)")
    if scopes is None and kind in CLASSIC_KINDS:
        undetermined.append("scopes (no X-OAuth-Scopes header)")
    owner = _owner(response.body, kind)
    if owner is None:
        undetermined.append("owner")
    return TokenInfo(
        TokenStatus.VALID,
        owner=owner,
        scopes=scopes,
        expires_at=expires_at,
        never_expires=never,
        sso=sso_value,
        sso_orgs=sso_orgs,
        undetermined=tuple(undetermined),
        reason=f"HTTP {status}",
        **base,  # type: ignore[arg-type]
    )


# Safe GET probes for fine-grained tokens: permission name -> path. 200 = read granted;
# 403/404 = not granted. Writes are never tried, so write access stays undetermined.
FINE_GRAINED_PROBES: Mapping[str, str] = {
    "email_addresses": "/user/emails",
    "git_ssh_keys": "/user/keys",
    "gpg_keys": "/user/gpg_keys",
    "followers": "/user/followers",
}
FINE_GRAINED_UNDETERMINED = (
    "write access to anything (patlint sends GET requests only)",
    "repository permissions beyond listing (contents, issues, pull requests, …)",
    "organization permissions",
)


def probe_result(response: Response) -> str | None:
    """ "read" (2xx), "none" (403/404 without rate limit), None (could not tell)."""
    if 200 <= response.status < 300:
        return "read"
    if response.status in (403, 404) and rate_limit_kind(response) is None:
        return "none"
    return None


def repositories_summary(body: object) -> str | None:
    """From GET /user/repos: "N listed, M private" (what the token can at least read)."""
    if not isinstance(body, list):
        return None
    private = sum(1 for r in body if isinstance(r, dict) and r.get("private") is True)
    return f"{len(body)} listed, {private} private"
