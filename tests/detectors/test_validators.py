"""Validators (`patlint/detectors/validators.py`): the placeholder check rejects what people
write in documentation, never a token a random generator (GitHub's) can issue."""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest

from patlint.config import Config
from patlint.detectors.pattern import Detector
from patlint.detectors.validators import looks_like_placeholder
from patlint.engine.ruleset import build_ruleset
from patlint.tokengen import make_token

TokenFactory = Callable[..., str]
DETECTOR = Detector(build_ruleset(Config()).detectors)


def _legacy_with(run: str, rng: random.Random) -> str:
    """A random 40-hex token with `run` written inside it."""
    hexs = "".join(rng.choice("0123456789abcdef") for _ in range(40 - len(run)))
    at = rng.randrange(len(hexs) + 1)
    return hexs[:at] + run + hexs[at:]


@pytest.mark.parametrize("run", ["bbbbbb", "0000000", "01234567", "3456789a"])
def test_a_legacy_token_with_a_run_is_still_found(rng: random.Random, run: str) -> None:
    """A 6-run of one hex digit occurs in about 1 in 30,000 random 40-hex strings (35 places,
    16^-5 each), an ascending run of 8 in about 1 in 15 million: real legacy tokens, which
    carry no checksum to tell them apart, must not be dropped as placeholders for it."""
    t = _legacy_with(run, rng)
    hits = DETECTOR.scan(f"export GITHUB_TOKEN={t}\n".encode())
    assert [h.token for h in hits] == [t]
    hits = DETECTOR.scan(f"https://{t}@github.com/o/r\n".encode())
    assert [h.token for h in hits] == [t]


@pytest.mark.parametrize(
    "fake",
    [
        "0" * 40,
        "a" * 40,
        "deadbeef" + "0" * 32,
        "0123456789abcdef" * 2 + "01234567",
        "1234567890" * 4,
        "abcdef0123456789abcdef" + "9" * 18,
    ],
)
def test_legacy_placeholders_are_still_dropped(fake: str) -> None:
    assert looks_like_placeholder(fake)
    assert DETECTOR.scan(f"export GITHUB_TOKEN={fake}\n".encode()) == []


def test_a_run_in_a_prefixed_token_is_judged_as_before(token: TokenFactory) -> None:
    """The prefixed kinds are unchanged: their 62-letter alphabet makes a 6-run ~1 in 30
    million, and their placeholders (`ghp_xxxx…`) are long runs."""
    assert looks_like_placeholder("ghp_" + "x" * 36)
    assert looks_like_placeholder("ghp_abc" + "Z" * 6 + "k7Qp2LmN9xR4tV8wY3zB6cD1fG5")
    assert not looks_like_placeholder(token("ghp"))


@pytest.mark.parametrize("run", ["bbbbbb", "0000000", "01234567"])
def test_a_hex_secret_of_a_custom_rule_with_a_run_is_still_found(run: str) -> None:
    """A custom rule's `CORP-<32 hex>` has the legacy token's odds: a 6-run in ~1 in 38,000
    random values (one of 4,000 went missing in a test now and then). Placeholders stay out."""
    around = "9e8d7c6b5a4f3e2d1c9b8a7f6e5d4c3b"  # no run of its own, none formed at the joins
    value = around[:9] + run + around[9 : 32 - len(run)]
    assert len(value) == 32
    assert not looks_like_placeholder(f"CORP-{value}")
    assert looks_like_placeholder("CORP-" + "0" * 32)
    assert looks_like_placeholder("CORP-0123456789abcdef" + "f" * 16)


@pytest.mark.parametrize("app_id", ["333333", "1000000", "111111"])
def test_an_app_id_with_a_run_is_not_a_placeholder(app_id: str) -> None:
    """`ghs_<app id>_<JWT>`: the id is GitHub's number (App 333333 exists as surely as 123456),
    so runs are judged on the JWT only; the property test hit this with a generated id."""
    token = make_token("ghs_jwt", random.Random(1))
    _prefix, _old, jwt = token.split("_", 2)
    shaped = f"ghs_{app_id}_{jwt}"
    assert not looks_like_placeholder(shaped)
    hits = DETECTOR.scan(f"TOKEN={shaped}\n".encode())
    assert [h.token for h in hits] == [shaped]
    assert looks_like_placeholder(f"ghs_{app_id}_" + "x" * 40)
