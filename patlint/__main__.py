"""`python -m patlint` entry point."""

from __future__ import annotations

from patlint.cli import main

if __name__ == "__main__":
    main()
