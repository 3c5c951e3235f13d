"""The only POSTs patlint makes (patlint/github/writes.py, `post_json`), against real loopback
sockets: what goes on the wire (JSON body, GitHub's headers, the Bearer token only when asked,
never a ~/.netrc password), an answer handed back as it came (a redirect is not followed), and
failures that name the path and never the token."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import pytest

from patlint.github.client import Unreachable
from patlint.github.transport import make_session
from patlint.github.writes import post_json
from patlint.model import Secret
from tests.github.test_transport_hostile_network import RawServer

Requests = list[tuple[bytes, bytes]]


def recording(answer: bytes, requests: Requests) -> Any:
    """A behaviour that reads one whole request (head and Content-Length body), keeps it and
    sends `answer`."""

    def behave(conn: socket.socket, srv: RawServer) -> None:
        head = srv.read_request(conn)
        head, _, body = head.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        while len(body) < length:
            chunk = conn.recv(length - len(body))
            if not chunk:
                break
            body += chunk
        requests.append((head, body))
        srv.send(conn, answer)

    return behave


def answer(status: str, body: bytes = b"{}", extra: bytes = b"") -> bytes:
    return (
        f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\nConnection: close\r\n".encode()
        + extra
        + b"Content-Length: %d\r\n\r\n" % len(body)
        + body
    )


@pytest.fixture
def server() -> Any:
    made: list[RawServer] = []

    def start(reply: bytes, requests: Requests) -> RawServer:
        srv = RawServer(recording(reply, requests))
        made.append(srv)
        return srv

    yield start
    for srv in made:
        srv.close()


def headers(head: bytes) -> dict[str, str]:
    lines = head.decode("latin-1").split("\r\n")
    return {k.strip().lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:])}


def test_without_auth_no_authorization_is_sent_not_even_from_netrc(
    server: Any, home: Path, token: Any
) -> None:
    """github.com's revocation endpoint refuses authenticated requests, and ~/.netrc's
    password for the host must never leave: requests would add it on its own."""
    password = token("ghp")
    (home / ".netrc").write_text(f"machine 127.0.0.1 login me password {password}\n")
    (home / ".netrc").chmod(0o600)
    requests: Requests = []
    srv = server(answer("202 Accepted", b'{"ok": true}'), requests)
    creds = [token("ghp"), token("gho")]
    res = post_json(
        make_session(1),
        srv.url + "/credentials/revoke",
        {"credentials": creds},
        auth=None,
        timeout=5.0,
        path="/credentials/revoke",
    )
    assert (res.status, res.body, res.url_path) == (202, {"ok": True}, "/credentials/revoke")
    ((head, body),) = requests
    assert head.startswith(b"POST /credentials/revoke HTTP/1.1\r\n")
    sent = headers(head)
    assert "authorization" not in sent and password.encode() not in head + body
    assert sent["content-type"] == "application/json"
    assert sent["accept"] == "application/vnd.github+json"
    assert sent["x-github-api-version"] and sent["user-agent"].startswith("patlint")
    assert json.loads(body) == {"credentials": creds}


def test_with_auth_the_bearer_token_is_sent_and_a_redirect_is_not_followed(
    server: Any, token: Any
) -> None:
    jwt = token("ghp")
    requests: Requests = []
    elsewhere = answer("307 Temporary Redirect", extra=b"Location: http://127.0.0.1:9/steal\r\n")
    srv = server(elsewhere, requests)
    res = post_json(
        make_session(1),
        srv.url + "/app/installations/1/access_tokens",
        {},
        auth=Secret(jwt, "ghp"),
        timeout=5.0,
        path="/app/installations/{id}/access_tokens",
    )
    assert res.status == 307  # handed back: the caller decides, the body is not re-sent
    assert srv.connections == 1 and len(requests) == 1
    assert headers(requests[0][0])["authorization"] == f"Bearer {jwt}"


def test_a_host_that_refuses_is_unreachable_naming_the_path_not_the_token(token: Any) -> None:
    with socket.create_server(("127.0.0.1", 0)) as s:
        port = s.getsockname()[1]  # bound, then closed: nothing listens there
    secret = token("ghp")
    with pytest.raises(Unreachable) as err:
        post_json(
            make_session(1),
            f"http://127.0.0.1:{port}/credentials/revoke",
            {"credentials": [secret]},
            auth=Secret(secret, "ghp"),
            timeout=2.0,
            path="/credentials/revoke",
        )
    assert str(err.value).startswith("POST /credentials/revoke: ")
    assert secret not in str(err.value)
