"""The GitHub API emulators of tests/github/ for the commands that talk to GitHub."""

from __future__ import annotations

from tests.github.conftest import emulator, emulator2, keypair

__all__ = ["emulator", "emulator2", "keypair"]
