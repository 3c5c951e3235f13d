"""patlint: find GitHub tokens that should not be where they are, and judge what they can do."""

from __future__ import annotations

from patlint.dcache import install as _install_dcache

__version__ = "0.1.0"

_install_dcache()  # before any record is made: see patlint/dcache.py
