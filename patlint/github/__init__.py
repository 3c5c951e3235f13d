"""Ask GitHub what a token is: client (HTTP), tokens (response → TokenInfo), verify, cache."""

from __future__ import annotations
