"""Test-wide fixtures: a private HOME, no network but loopback, token generation helpers."""

from __future__ import annotations

import ipaddress
import os
import random
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from patlint.tokengen import make_token

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _loopback_only(address: Any) -> None:
    if isinstance(address, tuple) and address:
        host = address[0]
        try:
            if ipaddress.ip_address(host).is_loopback:
                return
        except ValueError:
            if host == "localhost":
                return
        raise ConnectionRefusedError(f"tests may only connect to loopback, not {host!r}")
    # AF_UNIX paths and the like are local by nature.


@pytest.fixture(autouse=True)
def _isolated(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Path]:
    """Point HOME (and XDG dirs) at a temp dir and refuse connections to anything but loopback."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    for var in (
        "GITHUB_TOKEN",
        "GH_TOKEN",
        "GH_ENTERPRISE_TOKEN",
        "GITHUB_ENTERPRISE_TOKEN",
        "CR_PAT",
        "DOCKER_CONFIG",
        "GH_CONFIG_DIR",
    ):
        monkeypatch.delenv(var, raising=False)
    # A test suite run inside GitHub Actions, GitLab CI or a pre-commit hook must not write
    # the job summary or outputs of the job that runs it, nor read that job's event or refs.
    for var in list(os.environ):
        if var.startswith(("GITHUB_", "RUNNER_", "CI_", "PRE_COMMIT_")):
            monkeypatch.delenv(var)
    for name in ("PATH", "ARGS", "OFFLINE", "FAIL_ON", "HISTORY", "GITHUB_API", "SUMMARY"):
        monkeypatch.delenv(f"PATLINT_{name}", raising=False)  # `patlint ci`'s inputs
    monkeypatch.delenv("GITLAB_CI", raising=False)

    def connect(self: socket.socket, address: Any) -> None:
        _loopback_only(address)
        return _real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        _loopback_only(address)
        return _real_connect_ex(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    yield home


@pytest.fixture
def git_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Real git without system or user config, no inherited repository, fixed identities."""
    for var in list(os.environ):
        if var.startswith("GIT_"):
            monkeypatch.delenv(var)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    for who in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{who}_NAME", "Octo Cat")
        monkeypatch.setenv(f"GIT_{who}_EMAIL", "octo@example.com")


@pytest.fixture
def home(_isolated: Path) -> Path:
    """The private HOME directory of this test."""
    return _isolated


@pytest.fixture
def rng() -> random.Random:
    """A seeded RNG so a failing test can be replayed."""
    return random.Random(1234)


@pytest.fixture
def token(rng: random.Random) -> Any:
    """`token("ghp")` → a fresh checksum-valid token of that kind."""

    def make(kind: str = "ghp", *, valid: bool = True) -> str:
        return make_token(kind, rng, valid=valid)

    return make
