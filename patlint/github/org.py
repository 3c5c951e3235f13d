"""An organization's token inventory, read through the API (never with a leaked token).

- Fine-grained tokens with access to the organization: GET /orgs/{org}/personal-access-tokens
  (only a GitHub App installation token may call it), with the repositories of tokens limited to
  a selection from GET /orgs/{org}/personal-access-tokens/{id}/repositories.
- On GitHub Enterprise Cloud, the classic tokens (and OAuth app tokens) authorized for the
  organization's SAML SSO: GET /orgs/{org}/credential-authorizations (an owner's token).

Every list is paged through `Link: <…>; rel="next"`; the next-page URL is followed only on the
same API host and base path, so the credential never goes elsewhere. Rate limits are the read
client's business (it waits them out or gives up with an answer).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from patlint.errors import GitHubError
from patlint.github.client import GitHubClient, api_id, rate_limit_kind
from patlint.model import OrgToken, utc

MAX_PAGES = 1000
PER_PAGE = "100"
_LINK = re.compile(r'<([^>]*)>\s*;\s*rel="?([^";]+)"?')
CREDENTIAL_KINDS = {"personal access token": "ghp", "oauth app token": "gho"}


def parse_time(value: Any) -> datetime | None:
    """ISO 8601 from the API (`2025-01-01T00:00:00Z`) → aware datetime; None when absent/bad.
    A time without a zone is UTC, as GitHub's are (a naive one cannot be compared with now)."""
    if not isinstance(value, str) or not value:
        return None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return utc(when)


def said_null(item: Mapping[str, Any], key: str) -> bool:
    """True when the API sent `key` as null: GitHub's word for "never used". A missing key
    (an older server, a trimmed answer) says nothing, so it stays unknown."""
    return key in item and item[key] is None


def next_link(link: str | None) -> str | None:
    """The rel="next" URL of a Link header."""
    if not link:
        return None
    for url, rel in _LINK.findall(link):
        if "next" in rel.split():
            return str(url)
    return None


class IncompleteListing(GitHubError):
    """A listing that failed after some of it was read: `partial` holds what was read."""

    def __init__(self, message: str, partial: list[OrgToken]) -> None:
        super().__init__(message)
        self.partial = partial


def _keep_partial(exc: GitHubError, out: list[OrgToken]) -> GitHubError:
    """The error to raise when a listing fails: what was read so far is kept with it."""
    if not out:
        return exc
    return IncompleteListing(f"{exc} (stopped after {len(out)} listed)", out)


def paginate(
    client: GitHubClient, path: str, secret: Any, params: Mapping[str, str] | None = None
) -> Iterator[Any]:
    """Every item of a list endpoint, page after page (Link rel="next", same host only)."""
    query: dict[str, str] = {"per_page": PER_PAGE, **(params or {})}
    for _page in range(MAX_PAGES):
        resp = client.get(path, secret, params=query)
        if rate_limit_kind(resp) is not None:
            raise GitHubError(f"GET {path}: rate-limited by {client.host} (HTTP {resp.status})")
        if resp.status in (401, 403, 404):
            raise GitHubError(_denied(path, resp.status, client.host))
        if resp.status != 200 or not isinstance(resp.body, list):
            raise GitHubError(f"GET {path}: unexpected HTTP {resp.status} from {client.host}")
        yield from resp.body
        nxt = next_link(resp.header("link"))
        if nxt is None:
            return
        followed = next_page(client.base_url, nxt)
        if followed is None:
            raise GitHubError(f"GET {path}: the next page is on another host or path; not followed")
        path, query = followed
    raise GitHubError(f"GET {path}: more than {MAX_PAGES} pages; stopped")


def next_page(base_url: str, url: str) -> tuple[str, dict[str, str]] | None:
    """(path, query) of a next-page URL on the same scheme and host, under the API base path at a
    segment boundary (`/api/v3/…` yes, `/api/v30/…` no); None for anything else."""
    try:
        base, parts = urlsplit(base_url), urlsplit(url)
    except ValueError:  # `http://[::1/…` in an answer's Link header: no URL, not followed
        return None
    prefix = base.path.rstrip("/")
    rest = parts.path[len(prefix) :]
    if (parts.scheme, parts.netloc) != (base.scheme, base.netloc):
        return None
    if not (parts.path.startswith(prefix) and rest.startswith("/")):
        return None
    return rest, dict(parse_qsl(parts.query))


def _denied(path: str, status: int, host: str) -> str:
    if "personal-access-tokens" in path:
        need = "a GitHub App installation with the organization permission 'Personal access tokens: read'"
    else:
        need = "an organization owner's token on GitHub Enterprise Cloud (SAML SSO enabled)"
    return f"GET {path}: HTTP {status} from {host}; this needs {need}"


def _flatten(perms: Any) -> dict[str, str]:
    out: dict[str, str] = {}
    if isinstance(perms, dict):
        for ptype, group in perms.items():
            if isinstance(group, dict):
                for name, level in group.items():
                    out[f"{ptype}:{name}"] = str(level)
    return dict(sorted(out.items()))


def fine_grained_tokens(
    client: GitHubClient, org: str, secret: Any, *, list_repositories: bool = True
) -> list[OrgToken]:
    """The approved fine-grained tokens with access to `org` (GitHub App installation token)."""
    out: list[OrgToken] = []
    try:
        _fine_grained(client, org, secret, list_repositories, out)
    except GitHubError as exc:
        raise _keep_partial(exc, out) from None
    return out


def _fine_grained(
    client: GitHubClient, org: str, secret: Any, list_repositories: bool, out: list[OrgToken]
) -> None:
    for item in paginate(client, f"/orgs/{org}/personal-access-tokens", secret):
        if not isinstance(item, dict) or (grant := api_id(item.get("id"))) is None:
            continue
        owner = item.get("owner") if isinstance(item.get("owner"), dict) else {}
        selection = item.get("repository_selection")
        repos: tuple[str, ...] | None = None
        if list_repositories and selection == "subset":
            path = f"/orgs/{org}/personal-access-tokens/{grant}/repositories"
            repos = tuple(
                str(r.get("full_name") or r.get("name"))
                for r in paginate(client, path, secret)
                if isinstance(r, dict)
            )
        out.append(
            OrgToken(
                source="fine-grained",
                id=grant,
                kind="github_pat",
                owner=str((owner or {}).get("login") or ""),
                name=str(item.get("token_name") or ""),
                repository_selection=str(selection) if selection else None,
                repositories=repos,
                permissions=_flatten(item.get("permissions")),
                expires_at=parse_time(item.get("token_expires_at")),
                expired=item.get("token_expired") is True,
                last_used_at=parse_time(item.get("token_last_used_at")),
                never_used=said_null(item, "token_last_used_at"),
                granted_at=parse_time(item.get("access_granted_at")),
            )
        )


def saml_tokens(client: GitHubClient, org: str, secret: Any) -> list[OrgToken]:
    """Classic and OAuth tokens authorized for `org`'s SAML SSO (SSH keys are left out)."""
    out: list[OrgToken] = []
    try:
        _saml(client, org, secret, out)
    except GitHubError as exc:
        raise _keep_partial(exc, out) from None
    return out


def _saml(client: GitHubClient, org: str, secret: Any, out: list[OrgToken]) -> None:
    for item in paginate(client, f"/orgs/{org}/credential-authorizations", secret):
        if not isinstance(item, dict):
            continue
        kind = CREDENTIAL_KINDS.get(str(item.get("credential_type", "")).lower())
        credential = api_id(item.get("credential_id"))
        if kind is None or credential is None:
            continue
        scopes = item.get("scopes")
        last8 = item.get("token_last_eight")
        out.append(
            OrgToken(
                source="saml",
                id=credential,
                kind=kind,
                owner=str(item.get("login") or ""),
                name=str(item.get("authorized_credential_title") or ""),
                scopes=frozenset(str(s) for s in scopes) if isinstance(scopes, list) else None,
                expires_at=parse_time(item.get("authorized_credential_expires_at")),
                last_used_at=parse_time(item.get("credential_accessed_at")),
                never_used=said_null(item, "credential_accessed_at"),
                granted_at=parse_time(item.get("credential_authorized_at")),
                last_eight=str(last8) if isinstance(last8, str) and last8 else None,
            )
        )


def org_repositories(client: GitHubClient, org: str, secret: Any) -> list[dict[str, Any]]:
    """Every repository of `org` the credential can see (`GET /orgs/ORG/repos`, paged):
    the API's items as they are (the caller checks each `clone_url`)."""
    from urllib.parse import quote

    path = f"/orgs/{quote(org, safe='')}/repos"
    return [r for r in paginate(client, path, secret, {"type": "all"}) if isinstance(r, dict)]


def repos_list(
    items: list[dict[str, Any]], *, archived: bool, forks: bool
) -> tuple[list[str], list[str]]:
    """The `--repos` FILE lines (https clone URLs, sorted) and notices for items left out.

    The API's answer is hostile: a `clone_url` is kept only when it is an https URL that
    `scan --repos` accepts (no other transport, no option-looking path, no credentials, no
    control characters that would split a line)."""
    from patlint.sources.repos import parse_line

    lines: set[str] = set()
    notices: list[str] = []
    for item in items:
        if (item.get("archived") is True and not archived) or (
            item.get("fork") is True and not forks
        ):
            continue
        url = item.get("clone_url")
        name = str(item.get("full_name") or item.get("name") or "?")[:100]
        try:
            if not isinstance(url, str):
                raise ValueError("no clone_url")
            repo = parse_line(url)
            if repo.scheme != "https" or url != url.strip():
                raise ValueError("not an https URL")
        except ValueError as exc:
            shown = name.encode("ascii", "backslashreplace").decode().replace("\n", "\\n")
            notices.append(f"repository {shown!r} left out: its clone_url is unusable ({exc})")
            continue
        lines.add(url)
    return sorted(lines), notices
