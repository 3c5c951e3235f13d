"""Authenticating as a GitHub App (patlint/github/app.py): the RS256 JWT and its refusals."""

from __future__ import annotations

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from patlint.errors import ConfigError
from patlint.github.app import app_jwt


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
