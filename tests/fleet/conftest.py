"""The GitHub API emulators of tests/github/ for the fleet's online runs."""

from __future__ import annotations

from tests.github.conftest import emulator, emulator2

__all__ = ["emulator", "emulator2"]
