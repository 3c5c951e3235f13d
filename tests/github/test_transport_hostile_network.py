"""Hostile API hosts over raw sockets: silence, drip-feed, huge bodies, bad headers, redirects, TLS.

Each server is a real TCP listener on 127.0.0.1 (ephemeral port) whose per-connection behaviour
a test chooses. Every loop is bounded by a stop event, and the fixture always shuts it down.
What must hold for each: the exchange ends within the configured time budget, the token comes
back unverified with the reason, it never travels in clear or to another host, and a scan still
finishes and reports everything else.
"""

from __future__ import annotations

import datetime as dt
import json
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from patlint.cli import cli
from patlint.errors import GitHubError
from patlint.github.client import GitHubClient
from patlint.github.transport import MAX_BODY, make_session
from patlint.github.verify import GitHubResolver, VerifyOptions
from patlint.github.writes import post_json
from patlint.model import (
    Candidate,
    Confidence,
    Context,
    Location,
    Secret,
    Severity,
    Token,
    TokenStatus,
)

Behaviour = Callable[[socket.socket, "RawServer"], None]


class RawServer:
    """A TCP server on 127.0.0.1; each accepted connection runs `behaviour(conn, server)`."""

    def __init__(self, behaviour: Behaviour, *, tls: ssl.SSLContext | None = None) -> None:
        self.behaviour = behaviour
        self.tls = tls
        self.stop = threading.Event()
        self.connections = 0
        self.received = bytearray()  # every byte read off the wire, before any TLS
        self.sent = 0
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.05)
        self._threads: list[threading.Thread] = []
        self._accept = threading.Thread(target=self._serve, daemon=True)
        self._accept.start()

    @property
    def url(self) -> str:
        """Base URL (http, or https with `tls`)."""
        port = self._listener.getsockname()[1]
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{port}"

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with self._lock:
                self.connections += 1
            t = threading.Thread(target=self._handle, args=(conn,), daemon=True)
            self._threads.append(t)
            t.start()

    def _handle(self, conn: socket.socket) -> None:
        conn.settimeout(0.05)
        try:
            if self.tls is not None:
                self._deadline_peek(conn)
                conn.settimeout(2.0)
                with self.tls.wrap_socket(conn, server_side=True) as tconn:
                    self.behaviour(tconn, self)
            else:
                self.behaviour(conn, self)
        except (OSError, ssl.SSLError):
            pass  # the client hung up, or refused our certificate
        finally:
            conn.close()

    def _deadline_peek(self, conn: socket.socket) -> None:
        """Record the bytes the client sent in clear (the TLS ClientHello) without consuming them."""
        end = time.monotonic() + 2.0
        while time.monotonic() < end and not self.stop.is_set():
            try:
                data = conn.recv(65536, socket.MSG_PEEK)
            except TimeoutError:
                continue
            with self._lock:
                self.received += data
            return

    def read_request(self, conn: socket.socket) -> bytes:
        """Read one request head (up to the blank line), bounded by time and size."""
        buf = b""
        end = time.monotonic() + 5.0
        while b"\r\n\r\n" not in buf and len(buf) < 65536 and time.monotonic() < end:
            if self.stop.is_set():
                break
            try:
                chunk = conn.recv(4096)
            except TimeoutError:
                continue
            if not chunk:
                break
            buf += chunk
        with self._lock:
            self.received += buf
        return buf

    def send(self, conn: socket.socket, data: bytes) -> None:
        """Send all of `data`, counting it."""
        conn.sendall(data)
        with self._lock:
            self.sent += len(data)

    def idle(self, seconds: float) -> None:
        """Wait, but wake up at once when the server stops."""
        self.stop.wait(seconds)

    def close(self) -> None:
        """Stop accepting, wake every handler, wait for all threads."""
        self.stop.set()
        self._listener.close()
        self._accept.join(5)
        for t in self._threads:
            t.join(5)


@pytest.fixture
def serve() -> Iterator[Callable[..., RawServer]]:
    """`serve(behaviour, tls=None)` starts a RawServer that is always shut down."""
    servers: list[RawServer] = []

    def start(behaviour: Behaviour, **kw: Any) -> RawServer:
        s = RawServer(behaviour, **kw)
        servers.append(s)
        return s

    yield start
    for s in servers:
        s.close()


# --- behaviours -------------------------------------------------------------------------------

HEAD_OK = (
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
    b"X-OAuth-Scopes: repo\r\nConnection: close\r\n"
)


def silent(conn: socket.socket, srv: RawServer) -> None:
    """Accept, read the request, never answer."""
    srv.read_request(conn)
    while not srv.stop.is_set():
        srv.idle(0.05)


def drip(where: str) -> Behaviour:
    """One byte every 0.1 s, in the headers or in the body: no single read ever times out."""

    def behave(conn: socket.socket, srv: RawServer) -> None:
        srv.read_request(conn)
        body = json.dumps({"login": "x" * 400}).encode()
        answer = HEAD_OK + b"Content-Length: %d\r\n\r\n" % len(body) + body
        if where == "body":
            srv.send(conn, answer[: len(HEAD_OK) + 30])
            answer = answer[len(HEAD_OK) + 30 :]
        for i in range(len(answer)):
            if srv.stop.is_set():
                return
            srv.send(conn, answer[i : i + 1])
            srv.idle(0.1)

    return behave


def huge(chunked: bool) -> Behaviour:
    """A 50 MB body, announced by Content-Length or sent chunked without one."""

    def behave(conn: socket.socket, srv: RawServer) -> None:
        srv.read_request(conn)
        size = 50 << 20
        piece = b"[" + b"0," * (32 << 10) + b"0]"
        if chunked:
            srv.send(conn, HEAD_OK + b"Transfer-Encoding: chunked\r\n\r\n")
            frame = b"%x\r\n" % len(piece) + piece + b"\r\n"
        else:
            srv.send(conn, HEAD_OK + b"Content-Length: %d\r\n\r\n" % size)
            frame = piece
        sent = 0
        conn.settimeout(2.0)
        while sent < size and not srv.stop.is_set():
            srv.send(conn, frame)
            sent += len(frame)

    return behave


def raw_answer(head: bytes, body: bytes = b'{"login": "octocat"}') -> Behaviour:
    """Answer every request on the connection with exactly these header bytes and body."""

    def behave(conn: socket.socket, srv: RawServer) -> None:
        srv.read_request(conn)
        srv.send(conn, head + b"Content-Length: %d\r\n\r\n" % len(body) + body)

    return behave


# --- helpers ----------------------------------------------------------------------------------


def tok(value: str, kind: str = "ghp") -> Token:
    secret = Secret(value, kind)
    cand = Candidate(
        rule_id="github-classic-pat",
        secret=secret,
        location=Location("a.txt", 1, 1, 0),
        context=Context(),
        severity=Severity.HIGH,
        confidence=Confidence.HIGH,
        checksum_valid=True,
    )
    return Token(secret=secret, candidates=(cand,))


def resolve(url: str, value: str, **kw: Any) -> tuple[Any, float]:
    """Verify one token against `url` as github.com; (TokenInfo, seconds it took)."""
    kw.setdefault("timeout", 0.5)
    kw.setdefault("max_retries", 0)
    opts = VerifyOptions(api={"github.com": url}, use_cache=False, backoff=0.01, **kw)
    start = time.monotonic()
    infos = GitHubResolver(opts).resolve([tok(value)])
    return infos[Secret(value, "ghp").digest], time.monotonic() - start


def client(url: str, timeout: float = 0.5, retries: int = 0) -> GitHubClient:
    return GitHubClient(make_session(2), url, timeout=timeout, max_retries=retries, backoff=0.01)


# --- tests ------------------------------------------------------------------------------------


def test_silent_host_ends_within_the_timeout_budget(serve: Any, token: Any) -> None:
    srv = serve(silent)
    t = token("ghp")
    info, took = resolve(srv.url, t, timeout=0.5, max_retries=1)
    assert info.status is TokenStatus.UNREACHABLE
    assert info.reason == "127.0.0.1: timed out after 0.5s"
    assert took < 0.5 + 2.0  # one attempt of 0.5 s (no retry), slack for a loaded machine
    assert srv.connections == 1


@pytest.mark.parametrize("where", ["headers", "body"])
def test_drip_feed_is_cut_at_the_time_budget(serve: Any, token: Any, where: str) -> None:
    srv = serve(drip(where))
    t = token("ghp")
    start = time.monotonic()
    with pytest.raises(GitHubError) as err:
        client(srv.url, timeout=0.6).get("/user", Secret(t, "ghp"))
    took = time.monotonic() - start
    cut = " (answer cut off)" if where == "body" else ""  # the headers had come in whole
    assert str(err.value) == f"127.0.0.1: timed out after 0.6s{cut}"
    assert 0.5 < took < 2.5  # each byte came within the read timeout; the budget stopped it
    assert srv.sent < 40 + len(HEAD_OK)  # the answer was cut, not read to the end
    assert t not in str(err.value)


def test_drip_feed_marks_the_token_unverified(serve: Any, token: Any) -> None:
    srv = serve(drip("headers"))
    info, took = resolve(srv.url, token("ghp"), timeout=0.4)
    assert (info.status, info.reason) == (
        TokenStatus.UNREACHABLE,
        "127.0.0.1: timed out after 0.4s",
    )
    assert took < 2.5


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_huge_body_is_a_protocol_error_read_no_further(
    serve: Any, token: Any, chunked: bool
) -> None:
    srv = serve(huge(chunked))
    start = time.monotonic()
    with pytest.raises(GitHubError) as err:
        client(srv.url, timeout=5.0, retries=3).get("/user", Secret(token("ghp"), "ghp"))
    assert "protocol error: answer larger than 1 MiB" in str(err.value)
    assert srv.connections == 1  # not retried
    assert time.monotonic() - start < 3.0
    srv.close()
    assert srv.sent < 8 * MAX_BODY  # what the kernel buffered, not 50 MB


def test_huge_body_leaves_the_token_unverified_with_the_reason(serve: Any, token: Any) -> None:
    srv = serve(huge(chunked=True))
    info, _ = resolve(srv.url, token("ghp"), timeout=5.0)
    assert info.status is TokenStatus.UNREACHABLE
    assert info.reason == (
        "127.0.0.1: protocol error: answer larger than 1 MiB (more sent); not read"
    )


def test_deeply_nested_json_body_is_no_answer(serve: Any, token: Any) -> None:
    body = b"[" * 200_000 + b"]" * 200_000  # json.loads: RecursionError
    head = HEAD_OK.replace(b"X-OAuth-Scopes: repo\r\n", b"X-OAuth-Scopes: gist\r\n")
    srv = serve(raw_answer(head, body))
    info, _ = resolve(srv.url, token("ghp"))
    assert info.status is TokenStatus.UNVERIFIED
    assert "without a GitHub answer" in info.reason


HTML_OK = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nConnection: close\r\n"


def cut_by_content_length(conn: socket.socket, srv: RawServer) -> None:
    """A "complete" 200 whose Content-Length (10) ends the JSON after `{"login":`."""
    srv.read_request(conn)
    srv.send(conn, HEAD_OK + b'Content-Length: 10\r\n\r\n{"login": "octocat", "id": 1}')


@pytest.mark.parametrize(
    ("behaviour", "kind"),
    [
        (cut_by_content_length, "ghp"),
        (raw_answer(HTML_OK, b"<html>captive portal login</html>"), "ghp"),  # a captive portal
        (raw_answer(HEAD_OK, b"{}"), "ghp"),
        (raw_answer(HEAD_OK, b'{"login": 7}'), "ghp"),
        (raw_answer(HEAD_OK, b'["octocat"]'), "ghp"),
        (raw_answer(HEAD_OK, b'{"login": "octocat"}'), "ghs"),  # not an installation's answer
    ],
    ids=["cut-json", "html", "empty-object", "login-not-a-string", "list", "ghs-user-shape"],
)
def test_a_200_without_a_github_answer_is_never_a_live_token(
    serve: Any, token: Any, behaviour: Behaviour, kind: str
) -> None:
    """A captive portal, a proxy's login page or a cut answer is not GitHub saying "live"."""
    srv = serve(behaviour)
    value = token(kind)
    opts = VerifyOptions(
        api={"github.com": srv.url}, use_cache=False, backoff=0.01, timeout=0.5, max_retries=0
    )
    info = GitHubResolver(opts).resolve([tok(value, kind)])[Secret(value, kind).digest]
    assert info.status is TokenStatus.UNVERIFIED, info
    assert "the API answered 200 without a GitHub answer" in info.reason
    assert not info.never_expires


def test_a_captive_portal_answer_is_not_cached_as_a_live_token(
    serve: Any, token: Any, tmp_path: Path, home: Path
) -> None:
    srv = serve(raw_answer(HTML_OK, b"<html>captive portal login</html>"))
    root = _tree(tmp_path, token("ghp"))
    res = CliRunner().invoke(
        cli,
        [
            *("scan", "--no-progress", "--format", "json"),
            *("--config", str(tmp_path / "patlint.yaml")),
            *("--github-api", srv.url, str(root)),
        ],
        catch_exceptions=False,
    )
    report = json.loads(res.stdout)
    [tinfo] = report["tokens"]
    assert tinfo["verification"]["status"] == "unverified", tinfo
    assert not any("no-expiration" in f["rule_id"] for f in report["findings"]), report
    assert "the token is live" not in res.stdout
    cache = home / ".cache" / "patlint" / "verification-v1.json"
    assert not cache.exists() or '"valid"' not in cache.read_text()


def test_gzip_bomb_is_inflated_no_further_than_the_cap(serve: Any, token: Any) -> None:
    import gzip

    bomb = gzip.compress(b" " * (64 << 20))  # 64 MiB of spaces, ~64 KiB on the wire
    head = HEAD_OK + b"Content-Encoding: gzip\r\n"
    srv = serve(raw_answer(head, bomb))
    info, _ = resolve(srv.url, token("ghp"))
    assert info.status is TokenStatus.UNREACHABLE
    assert info.reason.endswith("answer larger than 1 MiB (once inflated); not read")


@pytest.mark.parametrize(
    ("head", "status", "reason"),
    [
        (b"HTTP/1.1 200 OK\r\n" + b"X-Junk: y\r\n" * 150, TokenStatus.UNREACHABLE, "connection"),
        (b"HTTP/1.1 200 OK\r\nX-Long: " + b"a" * 70_000 + b"\r\n", TokenStatus.UNREACHABLE, ""),
        (b"HTTP/1.1 abc Nope\r\n", TokenStatus.UNREACHABLE, "connection"),
        (b"SSH-2.0-OpenSSH\r\n", TokenStatus.UNREACHABLE, "connection"),
        (
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nthis line has no colon\r\n"
            b"X-OAuth-Scopes: repo\r\n",
            TokenStatus.VALID,
            "HTTP 200",
        ),
    ],
    ids=["too-many-headers", "header-too-long", "bad-status-line", "not-http", "no-colon"],
)
def test_malformed_headers_end_cleanly(
    serve: Any, token: Any, head: bytes, status: TokenStatus, reason: str
) -> None:
    srv = serve(raw_answer(head))
    info, took = resolve(srv.url, token("ghp"))
    assert info.status is status
    assert reason in info.reason
    assert took < 3.0


def test_duplicated_headers_are_decided_safely(serve: Any, token: Any) -> None:
    """Scopes: the union (more power, more findings); expiry: unreadable (never "never")."""
    head = (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
        b"X-OAuth-Scopes: gist\r\nX-OAuth-Scopes: repo, admin:org\r\n"
        b"GitHub-Authentication-Token-Expiration: 2030-01-01 00:00:00 UTC\r\n"
        b"GitHub-Authentication-Token-Expiration: 2020-01-01 00:00:00 UTC\r\n"
    )
    srv = serve(raw_answer(head))
    info, _ = resolve(srv.url, token("ghp"))
    assert info.status is TokenStatus.VALID
    assert info.scopes == frozenset({"gist", "repo", "admin:org"})
    assert info.expires_at is None and info.never_expires is None
    assert "expiry (unreadable expiration header)" in info.undetermined


def test_duplicated_rate_limit_headers_count_any_zero_and_the_longer_wait(
    serve: Any, token: Any
) -> None:
    head = (
        b"HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\n"
        b"X-RateLimit-Remaining: 4999\r\nX-RateLimit-Remaining: 0\r\n"
        b"X-RateLimit-Reset: 1\r\nX-RateLimit-Reset: 99999999999\r\n"
    )
    srv = serve(raw_answer(head))
    info, took = resolve(srv.url, token("ghp"), max_rate_limit_wait=5)
    assert info.status is TokenStatus.RATE_LIMITED
    assert info.reason.startswith("HTTP 403: primary rate limit until 5138-")  # the later reset
    assert took < 2.0  # far beyond max_rate_limit_wait: returned, not waited


def test_rate_limit_reset_beyond_year_9999_is_no_crash(serve: Any, token: Any) -> None:
    head = (
        b"HTTP/1.1 429 Too Many\r\nContent-Type: application/json\r\n"
        b"X-RateLimit-Remaining: 0\r\nX-RateLimit-Reset: " + b"9" * 30 + b"\r\n"
    )
    srv = serve(raw_answer(head))
    info, _ = resolve(srv.url, token("ghp"), max_rate_limit_wait=5)
    assert (info.status, info.reason) == (
        TokenStatus.RATE_LIMITED,
        "HTTP 429: primary rate limit (reset time out of range)",
    )


def test_redirect_to_another_host_is_not_followed(serve: Any, token: Any) -> None:
    other = serve(silent)
    head = b"HTTP/1.1 302 Found\r\nLocation: " + other.url.encode() + b"/user\r\n"
    srv = serve(raw_answer(head))
    t = token("ghp")
    info, _ = resolve(srv.url, t)
    assert info.status is TokenStatus.UNREACHABLE
    assert info.reason == (
        f"HTTP 302 redirect to {other.url} not followed (the token is never sent on)"
    )
    assert other.connections == 0


@pytest.fixture(scope="module")
def self_signed(tmp_path_factory: pytest.TempPathFactory) -> ssl.SSLContext:
    """A server context with a freshly made self-signed certificate for 127.0.0.1."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    d = tmp_path_factory.mktemp("tls")
    (d / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (d / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(d / "cert.pem", d / "key.pem")
    return ctx


def test_tls_failure_is_reported_never_retried_never_sent_in_clear(
    serve: Any, token: Any, self_signed: ssl.SSLContext
) -> None:
    srv = serve(raw_answer(HEAD_OK), tls=self_signed)
    t = token("ghp")
    info, took = resolve(srv.url, t, max_retries=3)
    assert info.status is TokenStatus.UNREACHABLE
    assert info.reason == "127.0.0.1: TLS: certificate verify failed: self-signed certificate"
    assert srv.connections == 1
    assert took < 3.0
    srv.close()
    assert srv.received  # the ClientHello
    assert t.encode() not in srv.received and b"Bearer" not in srv.received


def test_tls_failure_on_revocation_post(
    serve: Any, token: Any, self_signed: ssl.SSLContext
) -> None:
    srv = serve(raw_answer(HEAD_OK), tls=self_signed)
    with pytest.raises(GitHubError) as err:
        post_json(
            make_session(1),
            srv.url + "/credentials/revoke",
            {"credentials": [token("ghp")]},
            auth=None,
            timeout=1.0,
            path="/credentials/revoke",
        )
    assert str(err.value) == (
        "POST /credentials/revoke: TLS: certificate verify failed: self-signed certificate"
    )


def test_revocation_post_to_a_drip_feed_ends_within_its_timeout(serve: Any, token: Any) -> None:
    srv = serve(drip("headers"))
    start = time.monotonic()
    with pytest.raises(GitHubError) as err:
        post_json(
            make_session(1),
            srv.url + "/credentials/revoke",
            {"credentials": [token("ghp")]},
            auth=None,
            timeout=0.5,
            path="/credentials/revoke",
        )
    assert str(err.value) == "POST /credentials/revoke: timed out after 0.5s"
    assert time.monotonic() - start < 2.5


def _tree(tmp_path: Path, value: str) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "deploy.sh").write_text(f"export GH_TOKEN={value}\n")
    (tmp_path / "patlint.yaml").write_text("verification: {timeout: 0.5}\n")  # a trusted place
    return root


@pytest.mark.parametrize("kind", ["silent", "tls"])  # drip: see the resolver tests above
def test_scan_finishes_and_reports_everything_else(
    serve: Any, token: Any, tmp_path: Path, kind: str, self_signed: ssl.SSLContext
) -> None:
    behaviours: dict[str, tuple[Behaviour, Any]] = {
        "silent": (silent, None),
        "tls": (raw_answer(HEAD_OK), self_signed),
    }
    behave, tls = behaviours[kind]
    srv = serve(behave, tls=tls)
    t = token("ghp")
    root = _tree(tmp_path, t)
    start = time.monotonic()
    res = CliRunner().invoke(
        cli,
        [
            *("scan", "--no-progress", "--no-cache", "--format", "json"),
            *("--config", str(tmp_path / "patlint.yaml")),
            *("--github-api", srv.url, str(root)),
        ],
        catch_exceptions=False,
    )
    took = time.monotonic() - start
    assert res.exit_code == 1, res.output
    report = json.loads(res.stdout)
    assert [
        (f["rule_id"], f["location"]["path"], f["location"]["line"]) for f in report["findings"]
    ] == [("github-classic-pat", "deploy.sh", 1)]
    [tinfo] = report["tokens"]
    assert tinfo["verification"]["status"] == "unreachable", tinfo
    expected = {
        "silent": "timed out after 0.5s",
        "tls": "TLS: certificate verify failed: self-signed certificate",
    }[kind]
    assert any(expected in n and "could not be reached" in n for n in report["notices"]), report[
        "notices"
    ]
    assert t not in res.stdout and t not in res.stderr
    # 4 attempts of 0.5 s plus backoff (0.25 + 0.5 + 1) at most; TLS is not retried
    assert took < (4.0 if kind == "tls" else 6.5)


# --- cut answers: a reply the watchdog (or the peer) cut off is a timeout, never an answer ---


def head_then_stall(head: bytes) -> Behaviour:
    """Send a complete header block (no body yet), then say nothing more."""

    def behave(conn: socket.socket, srv: RawServer) -> None:
        srv.read_request(conn)
        srv.send(conn, head + b"\r\n")
        while not srv.stop.is_set():
            srv.idle(0.05)

    return behave


def head_then_hang_up(head: bytes, sent: bytes) -> Behaviour:
    """Send the header block announcing more body than `sent`, send `sent`, hang up."""

    def behave(conn: socket.socket, srv: RawServer) -> None:
        srv.read_request(conn)
        srv.send(conn, head + b"\r\n" + sent)

    return behave


@pytest.mark.parametrize(
    "head",
    [
        HEAD_OK,  # no Content-Length, Connection: close: the body runs until the peer closes
        HEAD_OK + b"Content-Length: 40\r\n",
        HEAD_OK + b"Transfer-Encoding: chunked\r\n",
    ],
    ids=["until-close", "content-length", "chunked"],
)
def test_headers_then_silence_is_a_timeout_never_an_answer(
    serve: Any, token: Any, head: bytes
) -> None:
    """GitHub's headers alone say "live, never expires": without the body that is no answer."""
    srv = serve(head_then_stall(head))
    info, took = resolve(srv.url, token("ghp"), timeout=0.5)
    assert info.status is TokenStatus.UNREACHABLE, info
    assert info.reason.startswith("127.0.0.1: timed out after 0.5s"), info.reason
    assert info.never_expires is None and info.scopes is None
    assert took < 2.5


def test_answer_cut_short_by_the_peer_is_never_an_answer(serve: Any, token: Any) -> None:
    srv = serve(head_then_hang_up(HEAD_OK + b"Content-Length: 400\r\n", b'{"login": "oc'))
    info, _ = resolve(srv.url, token("ghp"), timeout=2.0)
    assert info.status is TokenStatus.UNREACHABLE, info
    assert "incomplete answer" in info.reason, info.reason
    assert info.never_expires is None


def test_revocation_cut_after_headers_is_failed_not_submitted(serve: Any, token: Any) -> None:
    from patlint.github.revoke import FAILED, Revoker

    head = b"HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\nConnection: close\r\n"
    srv = serve(head_then_stall(head))
    revoker = Revoker(make_session(1), srv.url, "github.com", timeout=0.5, sleep=lambda _s: None)
    start = time.monotonic()
    [outcome] = revoker.revoke([Secret(token("ghp"), "ghp")])
    assert outcome.status == FAILED, outcome
    assert "timed out after 0.5s" in outcome.detail
    assert "may or may not" in outcome.detail  # GitHub may have received it: say so
    assert time.monotonic() - start < 2.5
    assert srv.connections == 1  # a cut POST is not sent again: the host is down for this run


def test_org_listing_cut_after_headers_is_an_error_not_an_empty_page(
    serve: Any, token: Any
) -> None:
    from patlint.github.org import saml_tokens

    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n"
    srv = serve(head_then_stall(head))
    with pytest.raises(GitHubError) as err:
        saml_tokens(client(srv.url, timeout=0.5), "acme", Secret(token("ghp"), "ghp"))
    assert "timed out after 0.5s" in str(err.value)


# --- the circuit breaker: a host that does not answer costs one token's wait, not N ----------


@pytest.fixture
def syn_blackhole() -> Iterator[str]:
    """A loopback address that drops every SYN: a listener whose accept queue is full.

    With a backlog of 0 the kernel queues one connection; one client that is never accepted
    fills it, and further SYNs are dropped (as by a firewall), so `connect` hangs.
    """
    listener = socket.create_server(("127.0.0.1", 0), backlog=0)
    filler = socket.create_connection(listener.getsockname()[:2], timeout=2)
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        filler.close()
        listener.close()


def _tokens_tree(tmp_path: Path, values: list[str]) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    for i, value in enumerate(values):
        (root / f"deploy{i}.sh").write_text(f"export GH_TOKEN={value}\n")
    return root


@pytest.mark.parametrize("kind", ["silent", "syn-dropped"])
def test_unreachable_api_finishes_six_tokens_fast_with_default_settings(
    serve: Any, syn_blackhole: str, token: Any, tmp_path: Path, kind: str
) -> None:
    """Default settings, a real process: the first token's wait trips the breaker; the other
    five come back at once, every token unverified, one notice naming the host, the report
    written (before: 5 tokens took 96-104 s, each waiting its own timeouts)."""
    import subprocess
    import sys

    url = serve(silent).url if kind == "silent" else syn_blackhole
    values = [token("ghp") for _ in range(6)]
    root = _tokens_tree(tmp_path, values)
    report = tmp_path / "report.json"
    cmd = [sys.executable, "-m", "patlint", "scan", "--no-progress", "--format", "json"]
    cmd += ["-o", str(report), "--github-api", url, str(root)]
    start = time.monotonic()
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60, cwd=tmp_path)
    took = time.monotonic() - start
    assert proc.returncode == 1, proc.stderr
    assert took < 30, took
    # the default budgets: 10 s for an exchange, 3 s to connect; one wait, not six
    assert took < (10 + 6 if kind == "silent" else 3 + 6), took
    data = json.loads(report.read_text())
    statuses = [t["verification"]["status"] for t in data["tokens"]]
    assert statuses == ["unreachable"] * 6, data["tokens"]
    about_host = [n for n in data["notices"] if "could not be reached" in n]
    assert len(about_host) == 1, data["notices"]
    expected = "timed out after 10s" if kind == "silent" else "connect timed out after 3s"
    assert f"6 tokens at github.com ({url}: {expected})" in about_host[0]
    assert "--offline" in about_host[0]
    for value in values:
        assert value not in proc.stdout + proc.stderr + report.read_text()


def test_tokens_queued_behind_a_silent_host_are_not_sent(serve: Any, token: Any) -> None:
    """Eight tokens wait for request slots while the first times out: none of them is sent."""
    srv = serve(silent)
    opts = VerifyOptions(api={"github.com": srv.url}, timeout=0.5, concurrency=8, use_cache=False)
    toks = [tok(token("ghp")) for _ in range(8)]
    start = time.monotonic()
    infos = GitHubResolver(opts).resolve(toks)
    took = time.monotonic() - start
    assert {i.status for i in infos.values()} == {TokenStatus.UNREACHABLE}
    assert took < 2.5, took
    assert srv.connections == 1


def test_revocation_to_a_silent_host_fails_every_batch_with_one_notice(
    serve: Any, token: Any
) -> None:
    from patlint.github.revoke import FAILED, Revoker

    srv = serve(silent)
    said: list[str] = []
    revoker = Revoker(
        make_session(1),
        srv.url,
        "github.com",
        timeout=0.5,
        batch_size=2,
        notify=said.append,
        sleep=lambda _s: None,
    )
    start = time.monotonic()
    out = revoker.revoke([Secret(token("ghp"), "ghp") for _ in range(6)])
    assert time.monotonic() - start < 2.5
    assert [o.status for o in out] == [FAILED] * 6
    assert "may or may not have received" in out[0].detail
    assert all(o.detail.startswith("not sent: github.com did not answer") for o in out[2:])
    assert srv.connections == 1
    assert len(said) == 1 and said[0].startswith("github.com could not be reached"), said
    # never "not revoked": the batch that met the silence may have been received (review 2)
    assert "6 tokens not confirmed revoked" in said[0] and "not revoked" not in said[0], said


def test_org_inventory_stops_at_the_first_silence(serve: Any, token: Any) -> None:
    """The fine-grained listing times out: the SAML listing on the same host is not sent."""
    from patlint.github.client import HostDown
    from patlint.github.org import saml_tokens

    srv = serve(silent)
    c = client(srv.url, timeout=0.5)
    owner = Secret(token("ghp"), "ghp")
    with pytest.raises(GitHubError):
        saml_tokens(c, "acme", owner)
    start = time.monotonic()
    with pytest.raises(HostDown):
        saml_tokens(c, "acme", owner)
    assert time.monotonic() - start < 0.5
    assert srv.connections == 1


def test_a_resolver_that_never_answers_costs_the_connect_timeout_once(
    serve: Any, token: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Name resolution ran outside every budget: a resolver whose packets are dropped stalled
    the first request for as long as glibc retried (40 s with ndots:5 and search domains), and
    the notice then said "timed out after 10s". Now it has the connect timeout."""
    srv = serve(raw_answer(HEAD_OK))
    released = threading.Event()
    real = socket.getaddrinfo
    calls: list[str] = []

    def stalled(host: Any, *args: Any, **kw: Any) -> Any:
        if host == "localhost":
            calls.append(host)
            released.wait(8)
            raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")
        return real(host, *args, **kw)

    monkeypatch.setattr(socket, "getaddrinfo", stalled)
    url = srv.url.replace("127.0.0.1", "localhost")
    values = [token("ghp") for _ in range(4)]
    opts = VerifyOptions(
        api={"github.com": url}, use_cache=False, timeout=2.0, connect_timeout=1.0, max_retries=0
    )
    r = GitHubResolver(opts)
    start = time.monotonic()
    try:
        infos = r.resolve([tok(v) for v in values])
    finally:
        took = time.monotonic() - start
        released.set()
    assert took < 3.0, took
    assert len(calls) == 1  # the other tokens are not sent (the breaker)
    assert {i.status for i in infos.values()} == {TokenStatus.UNREACHABLE}
    [notice] = r.notices()
    assert "name resolution timed out after 1s" in notice, notice
    assert srv.connections == 0


# --- found by an attacker's review (2026-12-06): answers that crashed or cost minutes ---------


@pytest.mark.parametrize(
    "head",
    [
        b"HTTP/1.1 429 Too Many\r\nRetry-After: \xb2\r\n",
        b"HTTP/1.1 429 Too Many\r\nRetry-After: " + b"9" * 5000 + b"\r\n",
        b"HTTP/1.1 429 Too Many\r\nRetry-After: " + b"9" * 400 + b"\r\n",
        b"HTTP/1.1 403 Forbidden\r\nX-RateLimit-Remaining: 0\r\nX-RateLimit-Reset: "
        + b"9" * 400
        + b"\r\n",
        b"HTTP/1.1 403 Forbidden\r\nX-RateLimit-Remaining: \xb9\r\nX-RateLimit-Reset: 1\r\n",
    ],
    ids=["superscript-retry-after", "5000-digits", "400-digits", "400-digit-reset", "superscript"],
)
def test_a_rate_limit_header_that_is_no_number_is_no_crash(
    serve: Any, token: Any, head: bytes
) -> None:
    """`str.isdigit` takes `²`, which `int` refuses; `int` refuses 4,300 digits and `float` an
    int of 400: each ended the run with exit 3 before."""
    srv = serve(raw_answer(head + b"Content-Type: application/json\r\n", b"{}"))
    info, took = resolve(srv.url, token("ghp"), max_rate_limit_wait=1)
    assert not info.verified and info.reason.startswith("HTTP 4")
    assert took < 5


def test_an_odd_content_length_is_no_crash(serve: Any, token: Any) -> None:
    def behave(conn: socket.socket, srv: RawServer) -> None:
        srv.read_request(conn)
        body = b'{"login": "octocat"}'
        srv.send(conn, b"HTTP/1.1 200 OK\r\nContent-Length: \xb2\r\n")
        srv.send(conn, b"Content-Type: application/json\r\nX-OAuth-Scopes: repo\r\n\r\n" + body)
        conn.close()

    info, _ = resolve(serve(behave).url, token("ghp"))
    assert info.status is TokenStatus.VALID and info.owner == "octocat"


@pytest.mark.parametrize("expiry", [b"9999-12-31 23:59:59 -2359", b"0001-01-01 00:00:00 +2359"])
def test_an_expiry_with_no_utc_form_is_unreadable_not_a_crash(
    serve: Any, token: Any, expiry: bytes
) -> None:
    """Python parses these and cannot convert them to UTC: the policy step crashed (exit 3),
    and the answer was cached, so the next run crashed too."""
    head = (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-OAuth-Scopes: repo\r\n"
        b"GitHub-Authentication-Token-Expiration: " + expiry + b"\r\n"
    )
    info, _ = resolve(serve(raw_answer(head)).url, token("ghp"))
    assert info.status is TokenStatus.VALID
    assert info.expires_at is None and info.never_expires is not True


@pytest.mark.parametrize(
    "head",
    [
        b"HTTP/1.1 403 Forbidden\r\nX-GitHub-SSO: required; url=https://[::1:bad/orgs/x/sso\r\n",
        b"HTTP/1.1 302 Found\r\nLocation: https://[::1/elsewhere\r\n",
    ],
    ids=["sso-url", "location"],
)
def test_an_answer_url_that_is_no_url_is_no_crash(serve: Any, token: Any, head: bytes) -> None:
    srv = serve(raw_answer(head + b"Content-Type: application/json\r\n", b"{}"))
    info, _ = resolve(srv.url, token("ghp"))
    assert info.status in (TokenStatus.SSO_REQUIRED, TokenStatus.UNREACHABLE), info
    assert "[::1" not in info.reason


def test_a_host_answering_slowly_costs_a_bounded_time_not_each_token_its_own(
    serve: Any, token: Any
) -> None:
    """A 404 after 9 s of a 10 s timeout is no timeout: each of 63 tokens waited its own, one
    at a time (570 s). Slow answers now add up to at most SLOW_BUDGET timeouts per host."""
    from patlint.github.client import SLOW_BUDGET

    def slow_404(conn: socket.socket, srv: RawServer) -> None:
        srv.read_request(conn)
        srv.idle(0.7)
        srv.send(
            conn, b"HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}"
        )

    srv = serve(slow_404)
    values = [token("ghp") for _ in range(20)]
    opts = VerifyOptions(
        api={"github.com": srv.url}, use_cache=False, backoff=0.01, timeout=1.0, max_retries=0
    )
    start = time.monotonic()
    infos = GitHubResolver(opts).resolve([tok(v) for v in values])
    took = time.monotonic() - start
    assert took < SLOW_BUDGET * 1.0 + 3.0, took  # 14 s (20 × 0.7) before
    assert srv.connections <= 8
    given_up = [i for i in infos.values() if "answers too slowly" in i.reason]
    assert len(given_up) >= 12 and all(not i.verified for i in infos.values())
