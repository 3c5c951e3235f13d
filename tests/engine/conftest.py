"""The GitHub API emulators of tests/github/ for the engine's online runs (merge, org audit)."""

from __future__ import annotations

from tests.github.conftest import emulator, emulator2, keypair

__all__ = ["emulator", "emulator2", "keypair"]
