"""Fixtures: local GitHub API emulators (real HTTP on 127.0.0.1, ephemeral ports)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.github_emulator import Emulator, emulator_running


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    """The emulated api.github.com."""
    yield from emulator_running()


@pytest.fixture
def emulator2() -> Iterator[Emulator]:
    """A second emulated host (a GitHub Enterprise Server, or an attacker's redirect target)."""
    yield from emulator_running()


@pytest.fixture(scope="session")
def keypair() -> tuple[bytes, bytes]:
    """An RSA key pair (PEM private, PEM public) for a GitHub App's JWTs."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private, public
