"""Tokens made at test time: checksum-valid (or deliberately not), and placeholders expanded."""

from __future__ import annotations

import random

import pytest

from patlint.detectors.checksum import checksum_for
from patlint.kinds import KINDS
from patlint.tokengen import expand, make_token


@pytest.mark.parametrize("kind", [k for k, v in KINDS.items() if v.checksum])
def test_checksummed_kinds_carry_a_valid_checksum_or_a_wrong_one(kind: str) -> None:
    rng = random.Random(7)
    good = make_token(kind, rng)
    body = good[len(KINDS[kind].prefix) :]
    assert len(body) == KINDS[kind].body and checksum_for(body[:-6]) == body[-6:]
    bad = make_token(kind, rng, valid=False)[len(KINDS[kind].prefix) :]
    assert checksum_for(bad[:-6]) != bad[-6:]


def test_expand_returns_every_valid_token_it_wrote() -> None:
    text, tokens = expand(
        "A={{token:ghp}} B={{bad:gho}} C={{b64:x:{{token:ghu}}}}", random.Random(1)
    )
    assert len(tokens) == 2 and all(t in text or t.startswith("ghu_") for t in tokens)
    assert "{{" not in text
    assert tokens[0].startswith("ghp_") and text.startswith("A=" + tokens[0])
