"""Generate synthetic, checksum-valid tokens at run time (tests, rule examples, benchmarks).

The repository never holds a token-shaped literal: rule examples say ``{{token:ghp}}`` and this
module expands them. Generated tokens are random and were never issued by GitHub.
"""

from __future__ import annotations

import base64
import json
import random
import re
import string
import urllib.parse

from patlint.detectors.checksum import checksum_for
from patlint.kinds import KINDS as TOKEN_KINDS

_ALNUM = string.ascii_letters + string.digits
_B64URL = _ALNUM + "-_"

# Every kind of patlint/kinds.py, and `ghs_jwt`: the 2026 `ghs_<app id>_<JWT>` form of `ghs`.
KINDS = (*TOKEN_KINDS, "ghs_jwt")


def make_token(kind: str, rng: random.Random | None = None, *, valid: bool = True) -> str:
    """A fresh token of `kind`; with valid=False the checksum (or shape) is deliberately broken.

    A kind whose row in patlint/kinds.py gives its shape (checksum, `body` length) needs
    nothing here: `prefix` + random Base62 + the checksum of that random part."""
    r = rng or random.SystemRandom()
    row = TOKEN_KINDS.get(kind)
    if row is not None and row.checksum and row.body is not None:
        entropy = "".join(r.choice(_ALNUM) for _ in range(row.body - 6))
        return f"{row.prefix}{entropy}{_checksum(entropy, valid)}"
    if kind == "github_pat":
        first = "11" + "".join(r.choice(string.ascii_uppercase + string.digits) for _ in range(20))
        second = "".join(r.choice(_ALNUM) for _ in range(59 if valid else 58))
        return f"github_pat_{first}_{second}"
    if kind == "ghs_jwt":
        app_id = str(r.randint(10_000, 9_999_999))
        header = _b64url(json.dumps({"alg": "RS256", "typ": "JWT"}).encode())
        claims = {"iss": app_id, "iat": r.randint(1, 2**31), "jti": _rand(r, 24, _ALNUM)}
        claims["sub"] = _rand(r, 16, _ALNUM)  # keeps the total near the real ~520 characters
        payload = _b64url(json.dumps(claims).encode())
        sig = _rand(r, 342, _B64URL)
        if not valid:
            header = _b64url(b"not json at all")
        return f"ghs_{app_id}_{header}.{payload}.{sig}"
    if kind == "legacy":
        return "".join(r.choice("0123456789abcdef") for _ in range(40))
    raise ValueError(f"unknown token kind {kind!r} (expected one of: {', '.join(KINDS)})")


def _checksum(entropy: str, valid: bool) -> str:
    good = checksum_for(entropy)
    if valid:
        return good
    # Change the last character to a different alphanumeric one.
    last = "0" if good[-1] != "0" else "1"
    return good[:-1] + last


def _rand(r: random.Random, n: int, alphabet: str) -> str:
    return "".join(r.choice(alphabet) for _ in range(n))


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


_PLACEHOLDER = re.compile(
    r"\{\{(token|bad|placeholder|b64|pct|b64url):((?:[^{}]|\{\{[^{}]*\}\})*)\}\}"
)


def make_placeholder(kind: str) -> str:
    """The all-`X` documentation placeholder of a kind (shape-valid, so built at run time too)."""
    if kind == "github_pat":
        return "github_pat_11" + "X" * 20 + "_" + "X" * 59
    body = TOKEN_KINDS[kind].body if kind in TOKEN_KINDS else None
    if body is not None:
        return TOKEN_KINDS[kind].prefix + "X" * body
    raise ValueError(f"no placeholder form for token kind {kind!r}")


def expand(template: str, rng: random.Random | None = None) -> tuple[str, list[str]]:
    """Expand ``{{token:KIND}}``, ``{{bad:KIND}}``, ``{{placeholder:KIND}}``, ``{{b64:TEXT}}``,
    ``{{pct:TEXT}}`` placeholders.

    Returns the text and the list of valid tokens it now contains (what a detector must find).
    Placeholders nest: ``{{b64:user:{{token:ghp}}}}``.
    """
    tokens: list[str] = []

    def one(m: re.Match[str]) -> str:
        fn, arg = m.group(1), m.group(2)
        if fn == "token":
            t = make_token(arg, rng)
            tokens.append(t)
            return t
        if fn == "bad":
            return make_token(arg, rng, valid=False)
        if fn == "placeholder":
            return make_placeholder(arg)
        inner, inner_tokens = expand(arg, rng)
        tokens.extend(inner_tokens)
        if fn == "b64":
            return base64.b64encode(inner.encode()).decode()
        if fn == "b64url":
            return base64.urlsafe_b64encode(inner.encode()).decode()
        return urllib.parse.quote(inner, safe="")

    out = _PLACEHOLDER.sub(one, template)
    return out, tokens
