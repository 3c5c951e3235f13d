"""patlint: find GitHub tokens that should not be where they are, and judge what they can do."""

from __future__ import annotations

__version__ = "0.1.0"
