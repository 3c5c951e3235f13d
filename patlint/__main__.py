"""`python -m patlint` entry point."""

from __future__ import annotations

from patlint.cli import entry

if __name__ == "__main__":
    entry()
