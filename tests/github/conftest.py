"""Fixtures: local GitHub API emulators (real HTTP on 127.0.0.1, ephemeral ports)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.github_emulator import Emulator, emulator_running


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    """The emulated api.github.com."""
    yield from emulator_running()


@pytest.fixture
def emulator2() -> Iterator[Emulator]:
    """A second emulated host (a GitHub Enterprise Server, or an attacker's redirect target)."""
    yield from emulator_running()
