"""The token-kind table: the facts each part of patlint reads from it."""

from __future__ import annotations

from patlint.kinds import (
    CLASSIC_KINDS,
    CLASSIC_PAT_KINDS,
    KIND_NAMES,
    KINDS,
    PAT_KINDS,
    REVOCABLE_KINDS,
    RULE_TOKEN_KINDS,
)
from patlint.tokengen import make_token


def test_kind_sets_are_what_github_documents() -> None:
    assert {"ghp", "github_pat", "gho", "ghu", "ghr"} == REVOCABLE_KINDS
    assert {"ghp", "gho", "legacy"} == CLASSIC_KINDS
    assert {"ghp", "github_pat", "legacy"} == PAT_KINDS
    assert {"ghp", "legacy"} == CLASSIC_PAT_KINDS
    assert RULE_TOKEN_KINDS[-1] == "invalid" and set(RULE_TOKEN_KINDS[:-1]) == set(KINDS)
    assert KIND_NAMES["ghs"] == "GitHub App installation token"


def test_each_kind_generates_tokens_with_its_prefix() -> None:
    for kind in KINDS.values():
        token = make_token(kind.id)
        assert token.startswith(kind.prefix)
        if kind.prefix:
            assert token.startswith(kind.prefix) and token[len(kind.prefix) :].isascii()
        else:
            assert len(token) == 40 and int(token, 16) >= 0
