"""A local GitHub REST API emulator: a real HTTP server on 127.0.0.1 with an ephemeral port.

It holds a table of tokens (kind, owner, scopes, expiry, SSO state, fine-grained read
permissions), serves the endpoints patlint uses under "/" and the GHES prefix "/api/v3", sends
realistic headers, can inject failures (401, rate limits, 5xx, slow answers, redirects) and
records every request (method, path, Authorization header) so tests can assert where each
token went and that only GET was used. Only GET is answered unless a test adds a route.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

FG_PROBES = {
    "/user/emails": "email_addresses",
    "/user/keys": "git_ssh_keys",
    "/user/gpg_keys": "gpg_keys",
    "/user/followers": "followers",
}


@dataclass
class FakeToken:
    """What the emulated GitHub knows about one token."""

    kind: str = "ghp"
    owner: str = "octocat"
    scopes: str | None = "repo"  # X-OAuth-Scopes value; None = header absent
    expiration: str | None = None  # GitHub-Authentication-Token-Expiration value; None = absent
    valid: bool = True  # False: 401 Bad credentials (revoked / expired)
    sso_required_org: str | None = None  # /user answers 403 + X-GitHub-SSO: required
    sso_partial: tuple[str, ...] = ()  # /user/orgs sends X-GitHub-SSO: partial-results
    permissions: dict[str, str] = field(default_factory=dict)  # fine-grained probe -> "read"
    repos: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Fault:
    """An injected answer for the next `count` matching requests."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    count: int = 1
    path: str | None = None  # only requests to this path (after the GHES prefix)
    token: str | None = None  # only requests carrying this token
    delay: float = 0.0  # seconds to wait before answering (slow / timeout)


@dataclass(frozen=True)
class Recorded:
    """One request as the server saw it."""

    method: str
    path: str
    query: str
    authorization: str | None
    at: float
    prefix: str  # "" or "/api/v3"

    @property
    def token(self) -> str | None:
        """The bearer token sent, if any."""
        auth = self.authorization or ""
        for scheme in ("Bearer ", "token "):
            if auth.startswith(scheme):
                return auth[len(scheme) :]
        return None


class Emulator:
    """The emulated API; `base_url` is http://127.0.0.1:PORT (add /api/v3 for GHES style)."""

    def __init__(self) -> None:
        self.tokens: dict[str, FakeToken] = {}
        self.faults: list[Fault] = []
        self.requests: list[Recorded] = []
        self.latency = 0.0
        # Extra routes (tests/github_emulator_org.py): route(method, path, query, headers, body)
        # returns (status, headers, body) to answer, or None to fall through to the default.
        self.routes: list[Any] = []
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.server.daemon_threads = True
        self.server.request_queue_size = 256
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def port(self) -> int:
        """The ephemeral port."""
        return int(self.server.server_address[1])

    @property
    def base_url(self) -> str:
        """Root URL (github.com style API)."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Emulator:
        """Serve in a background thread."""
        self.thread.start()
        return self

    def stop(self) -> None:
        """Shut the server down."""
        self.server.shutdown()
        self.server.server_close()

    def add(self, token: str, **kw: Any) -> FakeToken:
        """Register a token with its properties."""
        fake = FakeToken(**kw)
        self.tokens[token] = fake
        return fake

    def inject(self, status: int, **kw: Any) -> Fault:
        """Answer the next matching request(s) with `status` (see Fault)."""
        fault = Fault(status, **kw)
        with self.lock:
            self.faults.append(fault)
        return fault

    def seen(self, token: str) -> list[Recorded]:
        """Requests that carried `token`."""
        with self.lock:
            return [r for r in self.requests if r.token == token]

    def tokens_seen(self) -> set[str]:
        """Every token that reached this server."""
        with self.lock:
            return {r.token for r in self.requests if r.token}

    def methods(self) -> set[str]:
        """Every HTTP method used against this server."""
        with self.lock:
            return {r.method for r in self.requests}

    # --- answering -----------------------------------------------------------------------

    def take_fault(self, path: str, token: str | None) -> Fault | None:
        """The first pending fault matching this request (consumed)."""
        with self.lock:
            for fault in self.faults:
                if fault.count <= 0:
                    continue
                if fault.path is not None and fault.path != path:
                    continue
                if fault.token is not None and fault.token != token:
                    continue
                fault.count -= 1
                return fault
        return None

    def answer(self, path: str, token: str | None) -> tuple[int, dict[str, str], Any]:
        """Status, headers and JSON body for a GET."""
        fake = self.tokens.get(token or "")
        if fake is None or not fake.valid:
            return 401, {}, {"message": "Bad credentials", "status": "401"}
        headers: dict[str, str] = {}
        if fake.scopes is not None and fake.kind in ("ghp", "gho", "legacy"):
            headers["X-OAuth-Scopes"] = fake.scopes
        if fake.expiration is not None:
            headers["GitHub-Authentication-Token-Expiration"] = fake.expiration
        if path == "/user":
            if fake.kind == "ghs":
                return 403, {}, {"message": "Resource not accessible by integration"}
            if fake.sso_required_org:
                headers["X-GitHub-SSO"] = (
                    f"required; url=https://github.com/orgs/{fake.sso_required_org}/sso"
                    "?authorization_request=AbC123"
                )
                return (
                    403,
                    headers,
                    {"message": "Resource protected by organization SAML enforcement."},
                )
            return 200, headers, {"login": fake.owner, "id": 1, "type": "User"}
        if path == "/installation/repositories":
            if fake.kind != "ghs":
                return 403, {}, {"message": "Must authenticate as an installation"}
            repo = {"name": "app-repo", "private": True, "owner": {"login": fake.owner}}
            return 200, headers, {"total_count": 1, "repositories": [repo]}
        if path == "/user/orgs":
            if fake.sso_partial:
                headers["X-GitHub-SSO"] = (
                    f"partial-results; organizations={','.join(fake.sso_partial)}"
                )
            return 200, headers, []
        if path == "/user/repos":
            return 200, headers, fake.repos
        if path in FG_PROBES:
            if fake.kind == "github_pat" and fake.permissions.get(FG_PROBES[path]) != "read":
                headers["X-Accepted-GitHub-Permissions"] = f"{FG_PROBES[path]}=read"
                return 403, headers, {"message": "Resource not accessible by personal access token"}
            return 200, headers, []
        return 404, headers, {"message": "Not Found"}


def _rate_headers() -> dict[str, str]:
    return {
        "x-ratelimit-limit": "5000",
        "x-ratelimit-remaining": "4999",
        "x-ratelimit-used": "1",
        "x-ratelimit-reset": str(int(time.time()) + 3600),
        "x-ratelimit-resource": "core",
    }


def _handler(emu: Emulator) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            return

        def setup(self) -> None:
            super().setup()
            # headers and body go out in separate writes: without this, Nagle's algorithm and
            # delayed ACKs add ~40 ms to keep-alive responses (an artefact real GitHub lacks)
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def _record(self) -> tuple[str, str, str | None]:
            parts = urlsplit(self.path)
            path = parts.path
            prefix = ""
            if path.startswith("/api/v3/") or path == "/api/v3":
                prefix, path = "/api/v3", path[len("/api/v3") :] or "/"
            rec = Recorded(
                self.command,
                path,
                parts.query,
                self.headers.get("Authorization"),
                time.monotonic(),
                prefix,
            )
            with emu.lock:
                emu.requests.append(rec)
            return path, parts.query, rec.token

        def _send(self, status: int, headers: dict[str, str], body: Any) -> None:
            data = json.dumps(body).encode() if body is not None else b""
            try:
                self.send_response(status)
                merged = {**_rate_headers(), **headers}
                for k, v in merged.items():
                    self.send_header(k, v)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass

        def _handle(self) -> None:
            raw_path = self.path
            path, query, token = self._record()
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            if emu.latency:
                time.sleep(emu.latency)
            fault = emu.take_fault(path, token)
            if fault is not None:
                if fault.delay:
                    time.sleep(fault.delay)
                self._send(fault.status, fault.headers, fault.body)
                return
            headers = {k.lower(): v for k, v in self.headers.items()}
            headers[":path"] = raw_path
            for route in list(emu.routes):
                answer = route(self.command, path, query, headers, body)
                if answer is not None:
                    self._send(*answer)
                    return
            if self.command == "GET":
                self._send(*emu.answer(path, token))
            else:
                self._send(405, {}, {"message": "emulator: no route for this method"})

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

    return Handler


def emulator_running() -> Iterator[Emulator]:
    """Start an emulator, yield it, stop it (the body of the pytest fixtures)."""
    emu = Emulator().start()
    try:
        yield emu
    finally:
        emu.stop()


def parse_query(query: str) -> dict[str, list[str]]:
    """Query string as a dict (for assertions)."""
    return parse_qs(query)
