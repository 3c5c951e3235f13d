"""Validators that turn a regex match into a believable token: checksum, shape, entropy, placeholders."""

from __future__ import annotations

import base64
import binascii
import itertools
import json
import math
import re
from collections import Counter

from patlint.detectors.checksum import checksum_ok

# SHA-256 digests of public example tokens that pass their shape check. They appear in
# documentation and in countless test files; none of them is a live credential.
KNOWN_EXAMPLE_DIGESTS: frozenset[str] = frozenset(
    {
        # secretlint's published (revoked) fine-grained sample, github.com/secretlint/secretlint/pull/322
        "8cf263052890081fc0bf3f36ac5aca16b448c4a3bf808da16e900dd0ab8bfcc1",
    }
)

_PLACEHOLDER_WORDS = re.compile(r"EXAMPLE|REDACTED|PLACEHOLDER|SAMPLE|DUMMY|YOUR_?TOKEN")
_REPEAT = re.compile(r"(.)\1{5}")
_ORDER = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
# A legacy token is 40 hex digits with no checksum: over 16 letters, a run of 6 of one digit
# occurs in ~1 in 30,000 random tokens and an ascending run of 8 in ~1 in 15 million, so
# those limits would drop real tokens. A run of 10 (either kind) occurs in ~1 in 2 billion:
# that is a placeholder (`0000…`, `0123456789abcdef…`), not a token GitHub issued.
# The same holds for any body of 32 or more hex digits (a custom rule's `CORP-<32 hex>`): at
# 6, one random secret in ~38,000 was dropped as a placeholder.
_LEGACY = re.compile(r"[0-9a-fA-F]{32,}")
_APP_ID = re.compile(r"[0-9]+_")
_LEGACY_REPEAT = re.compile(r"(.)\1{9}")
_LEGACY_ASCENDING = 10


def shannon_entropy(text: str) -> float:
    """Shannon entropy in bits per character."""
    if not text:
        return 0.0
    n = len(text)
    return -sum(c / n * math.log2(c / n) for c in Counter(text).values())


def token_body(token: str) -> str:
    """The random part of a token: what follows the kind prefix (and a `ghs_<app id>_`'s id:
    App 333333 is a real number, not a placeholder's run)."""
    if token.startswith("github_pat_"):
        return token[len("github_pat_") :]
    if len(token) > 4 and token[3] == "_":
        app = _APP_ID.match(token, 4) if token.startswith("ghs_") else None
        return token[app.end() :] if app else token[4:]
    return token


def looks_like_placeholder(token: str) -> bool:
    """True for documentation placeholders: long runs, ascending runs, marker words."""
    body = token_body(token)
    legacy = _LEGACY.fullmatch(body) is not None or _LEGACY.search(token) is not None
    repeat, ascending = (_LEGACY_REPEAT, _LEGACY_ASCENDING) if legacy else (_REPEAT, 8)
    if repeat.search(body) or _PLACEHOLDER_WORDS.search(body):
        return True
    run = 1
    for a, b in itertools.pairwise(body):
        ia, ib = _ORDER.find(a), _ORDER.find(b)
        run = run + 1 if ia >= 0 and ib == ia + 1 else 1
        if run >= ascending:
            return True
    import hashlib  # here, not at start-up: most scans never get this far (OpenSSL load)

    return hashlib.sha256(token.encode()).hexdigest() in KNOWN_EXAMPLE_DIGESTS


def jwt_shape_ok(token: str) -> bool:
    """`ghs_<digits>_<jwt>`: the JWT header must decode to a JSON object. The signature is not checked."""
    try:
        _prefix, app_id, jwt = token.split("_", 2)
    except ValueError:
        return False
    if not app_id.isdigit():
        return False
    parts = jwt.split(".")
    if len(parts) != 3:
        return False
    header = parts[0] + "=" * (-len(parts[0]) % 4)
    try:
        decoded = json.loads(base64.urlsafe_b64decode(header))
    except (binascii.Error, ValueError, RecursionError):
        return False
    return isinstance(decoded, dict)


def validate(token: str, validator: str, min_entropy: float) -> tuple[bool, bool | None]:
    """Return (accepted, checksum_valid) for a matched token under a rule's validator."""
    if looks_like_placeholder(token):
        return False, None
    if min_entropy and shannon_entropy(token_body(token)) < min_entropy:
        return False, None
    if validator == "checksum":
        ok = checksum_ok(token)
        return ok, ok
    if validator == "checksum-fails":
        ok = checksum_ok(token)
        return not ok, ok
    if validator == "jwt":
        return jwt_shape_ok(token), None
    return True, None
