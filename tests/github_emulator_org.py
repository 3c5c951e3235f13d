"""Routes for the local GitHub API emulator (tests/github_emulator.py) used by `patlint revoke`
and `patlint org`: credential revocation, GitHub App authentication, an organization's
fine-grained token inventory and SAML credential authorizations.

`install(emu)` registers the routes on an Emulator (served under "/" and "/api/v3") and returns
the state they read and record. Lists are paged with `Link` headers (page size capped by
`page_size`), App JWTs are verified with the App's public key (RS256, iat/exp/iss).
"""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

Answer = tuple[int, dict[str, str], Any]


@dataclass
class Revocation:
    """One POST /credentials/revoke as received."""

    credentials: list[str]
    authorization: str | None
    prefix: str


@dataclass
class OrgState:
    """What the emulated GitHub knows about Apps, organizations and revocations."""

    base_url: str
    app_id: str = "4242"
    public_key_pem: bytes = b""
    installations: dict[str, int] = field(default_factory=dict)  # org -> installation id
    pats: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # org -> API items
    pat_repos: dict[int, list[dict[str, Any]]] = field(default_factory=dict)  # grant id -> repos
    credential_authorizations: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    owner_tokens: dict[str, str] = field(default_factory=dict)  # token -> org it owns
    page_size: int = 2
    repos: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # org -> /orgs/ORG/repos
    revocations: list[Revocation] = field(default_factory=list)
    revoke_status: int = 202
    issued: dict[str, str] = field(default_factory=dict)  # installation token -> org
    jwts: list[dict[str, Any]] = field(default_factory=list)  # verified JWT claims
    lock: threading.Lock = field(default_factory=threading.Lock)

    def revoked(self) -> list[str]:
        """Every credential submitted for revocation, in order."""
        with self.lock:
            return [c for r in self.revocations for c in r.credentials]


def _bearer(headers: dict[str, str]) -> str | None:
    auth = headers.get("authorization") or ""
    for scheme in ("Bearer ", "token "):
        if auth.startswith(scheme):
            return auth[len(scheme) :]
    return None


def _page(state: OrgState, items: list[Any], path: str, query: str, prefix: str) -> Answer:
    q = parse_qs(query)
    per_page = min(int((q.get("per_page") or ["30"])[0]), state.page_size)
    page = int((q.get("page") or ["1"])[0])
    chunk = items[(page - 1) * per_page : page * per_page]
    last = max(1, -(-len(items) // per_page))
    headers: dict[str, str] = {}
    links = []
    url = f"{state.base_url}{prefix}{path}"
    if page < last:
        links.append(f'<{url}?per_page={per_page}&page={page + 1}>; rel="next"')
    links.append(f'<{url}?per_page={per_page}&page={last}>; rel="last"')
    headers["Link"] = ", ".join(links)
    return 200, headers, chunk


def _check_jwt(state: OrgState, headers: dict[str, str]) -> bool:
    import jwt

    token = _bearer(headers)
    if not token or token.count(".") != 2:
        return False
    try:
        claims = jwt.decode(
            token,
            state.public_key_pem,
            algorithms=["RS256"],
            options={"require": ["iat", "exp", "iss"]},
        )
    except jwt.exceptions.PyJWTError:
        return False
    if str(claims.get("iss")) != state.app_id or claims["exp"] - claims["iat"] > 660:
        return False
    with state.lock:
        state.jwts.append(claims)
    return True


_PATS = re.compile(r"^/orgs/([^/]+)/personal-access-tokens$")
_PAT_REPOS = re.compile(r"^/orgs/([^/]+)/personal-access-tokens/(\d+)/repositories$")
_CRED_AUTH = re.compile(r"^/orgs/([^/]+)/credential-authorizations$")
_ORG_REPOS = re.compile(r"^/orgs/([^/]+)/repos$")
_ORG_INST = re.compile(r"^/orgs/([^/]+)/installation$")
_ACCESS = re.compile(r"^/app/installations/(\d+)/access_tokens$")


def install(emu: Any, **kw: Any) -> OrgState:
    """Register the routes on `emu` and return their state."""
    state = OrgState(base_url=emu.base_url, **kw)

    def route(
        method: str, path: str, query: str, headers: dict[str, str], body: bytes
    ) -> Answer | None:
        prefix = "/api/v3" if headers.get(":path", "").startswith("/api/v3") else ""
        if method == "POST" and path == "/credentials/revoke":
            return _revoke(state, emu, headers, body, prefix)
        if method == "POST" and (m := _ACCESS.match(path)):
            if not _check_jwt(state, headers):
                return 401, {}, {"message": "A JSON web token could not be decoded"}
            inst = int(m.group(1))
            org = next((o for o, i in state.installations.items() if i == inst), None)
            if org is None:
                return 404, {}, {"message": "Not Found"}
            from patlint.tokengen import make_token

            token = make_token("ghs")
            with state.lock:
                state.issued[token] = org
            expires = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 3600))
            return 201, {}, {"token": token, "expires_at": expires, "permissions": {}}
        if method != "GET":
            return None
        if path == "/app/installations":
            if not _check_jwt(state, headers):
                return 401, {}, {"message": "A JSON web token could not be decoded"}
            items = [{"id": i, "account": {"login": o}} for o, i in state.installations.items()]
            return 200, {}, items
        if m := _ORG_INST.match(path):
            if not _check_jwt(state, headers):
                return 401, {}, {"message": "A JSON web token could not be decoded"}
            inst_id = state.installations.get(m.group(1))
            if inst_id is None:
                return 404, {}, {"message": "Not Found"}
            return 200, {}, {"id": inst_id, "account": {"login": m.group(1)}}
        if m := _PATS.match(path):
            if state.issued.get(_bearer(headers) or "") != m.group(1):
                return 403, {}, {"message": "Resource not accessible by integration"}
            return _page(state, state.pats.get(m.group(1), []), path, query, prefix)
        if m := _PAT_REPOS.match(path):
            if state.issued.get(_bearer(headers) or "") != m.group(1):
                return 403, {}, {"message": "Resource not accessible by integration"}
            return _page(state, state.pat_repos.get(int(m.group(2)), []), path, query, prefix)
        if m := _ORG_REPOS.match(path):
            who = _bearer(headers) or ""
            if m.group(1) not in (state.issued.get(who), state.owner_tokens.get(who)):
                return 404, {}, {"message": "Not Found"}
            return _page(state, state.repos.get(m.group(1), []), path, query, prefix)
        if m := _CRED_AUTH.match(path):
            if state.owner_tokens.get(_bearer(headers) or "") != m.group(1):
                return 403, {}, {"message": "Must have admin rights to organization"}
            items = state.credential_authorizations.get(m.group(1), [])
            return _page(state, items, path, query, prefix)
        return None

    emu.routes.append(route)
    return state


def _revoke(state: OrgState, emu: Any, headers: dict[str, str], body: bytes, prefix: str) -> Answer:
    auth = headers.get("authorization")
    if prefix == "" and auth:
        return 403, {}, {"message": "Authenticated requests are not allowed"}
    if prefix == "/api/v3" and not auth:
        return 401, {}, {"message": "Requires authentication"}
    try:
        doc = json.loads(body or b"null")
    except ValueError:
        return 400, {}, {"message": "Problems parsing JSON"}
    creds = doc.get("credentials") if isinstance(doc, dict) else None
    if not isinstance(creds, list) or not creds or len(creds) > 1000:
        return 422, {}, {"message": "Validation Failed"}
    with state.lock:
        state.revocations.append(Revocation(list(creds), auth, prefix))
    if state.revoke_status == 202:
        for cred in creds:
            fake = emu.tokens.get(cred)
            if fake is not None:
                fake.valid = False
    return state.revoke_status, {}, {} if state.revoke_status == 202 else {"message": "no"}
