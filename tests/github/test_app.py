"""Authenticating as a GitHub App (patlint/github/app.py): the RS256 JWT and its refusals, and
the installation-token exchange against the loopback emulator, its answers hostile too."""

from __future__ import annotations

from typing import Any

import jwt
import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from patlint.errors import ConfigError, GitHubError
from patlint.github.app import app_jwt, installation_token
from patlint.github.client import GitHubClient
from tests.github_emulator import Emulator
from tests.github_emulator_org import install


def test_app_jwt_is_rs256_with_iat_exp_iss_and_verifies_with_the_public_key(
    keypair: tuple[bytes, bytes],
) -> None:
    now = 1_750_000_000.0
    secret = app_jwt("4242", keypair[0], now=now)
    token = secret.reveal()
    assert str(secret) == secret.preview and token not in repr(secret)
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "RS256" and header["typ"] == "JWT"
    claims = jwt.decode(
        token,
        keypair[1],
        algorithms=["RS256"],
        options={"verify_exp": False, "verify_iat": False},
    )
    assert claims == {"iat": 1_749_999_940, "exp": 1_750_000_540, "iss": "4242"}
    assert claims["exp"] - claims["iat"] <= 600  # GitHub's ten-minute maximum
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
    with pytest.raises(jwt.exceptions.InvalidSignatureError):
        jwt.decode(token, other, algorithms=["RS256"], options={"verify_exp": False})


def test_bad_private_key_and_app_id_are_config_errors(keypair: tuple[bytes, bytes]) -> None:
    with pytest.raises(ConfigError, match="--private-key: not an RSA private key in PEM format"):
        app_jwt("4242", b"-----BEGIN NOTHING-----\n", now=0)
    with pytest.raises(ConfigError, match="--app-id"):
        app_jwt("acme app", keypair[0], now=0)


def _client(emulator: Emulator) -> GitHubClient:
    return GitHubClient(requests.Session(), emulator.base_url, timeout=5.0)


def test_an_app_not_installed_or_a_jwt_refused_is_a_clear_error(
    emulator: Emulator, keypair: tuple[bytes, bytes]
) -> None:
    state = install(emulator, public_key_pem=keypair[1])
    jwt_ok = app_jwt("4242", keypair[0])
    with pytest.raises(GitHubError, match="the App is not installed on organization 'acme'"):
        installation_token(_client(emulator), "acme", jwt_ok)
    state.installations["acme"] = 77
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = stranger.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    with pytest.raises(GitHubError, match="rejected the App JWT") as err:
        installation_token(_client(emulator), "acme", app_jwt("4242", pem))
    assert app_jwt("4242", pem).reveal() not in str(err.value)
    token = installation_token(_client(emulator), "acme", jwt_ok)
    assert token.kind == "ghs" and state.issued[token.reveal()] == "acme"


@pytest.mark.parametrize(
    ("installation", "exchange", "said"),
    [
        ({"id": "77/../../../user"}, None, "no installation id in the answer"),
        # bool is an int to isinstance: POST /app/installations/True/access_tokens
        ({"id": True}, None, "no installation id in the answer"),
        ({"id": False}, None, "no installation id in the answer"),
        ({"id": 0}, None, "no installation id in the answer"),
        ({"id": -77}, None, "no installation id in the answer"),
        ({"id": 77.0}, None, "no installation id in the answer"),
        ({"account": {"login": "acme"}}, None, "unexpected HTTP 200"),
        ([77], None, "unexpected HTTP 200"),
        ({"id": 77}, (201, {"expires_at": "soon"}), "'Personal access tokens: read'"),
        ({"id": 77}, (201, {"token": 12345}), "HTTP 201"),
        ({"id": 77}, (200, {"token": "x"}), "HTTP 200"),
    ],
)
def test_a_hostile_api_answer_is_an_error_never_a_token_or_another_path(
    emulator: Emulator,
    keypair: tuple[bytes, bytes],
    installation: Any,
    exchange: tuple[int, Any] | None,
    said: str,
) -> None:
    posts: list[str] = []

    def hostile(method: str, path: str, query: str, headers: Any, body: bytes) -> Any:
        if method == "GET" and path == "/orgs/acme/installation":
            return 200, {}, installation
        if method == "POST":
            posts.append(path)
            assert exchange is not None, "no exchange after a bad installation answer"
            return exchange[0], {}, exchange[1]
        return None

    emulator.routes.insert(0, hostile)
    with pytest.raises(GitHubError, match=said):
        installation_token(_client(emulator), "acme", app_jwt("4242", keypair[0]))
    assert posts == ([] if exchange is None else ["/app/installations/77/access_tokens"])
