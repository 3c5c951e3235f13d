"""A policy rule's examples run through its real check (patlint/policy/examples.py): the tokens
examples describe, wrong thresholds caught, and messages that would show a token."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest

from patlint.model import redact
from patlint.policy.examples import FROZEN_NOW, build_token, check_policy_examples, token_leak
from tests.policy.helpers import RULES


def test_rule_examples_catch_a_wrong_threshold() -> None:
    rule = RULES["token-unused"]
    assert check_policy_examples(rule) == []
    # with a one-year threshold the 200-day example no longer fires and the checker says so
    loose = rule.with_overrides(severity=None, params={"days": 365})
    problems = check_policy_examples(loose)
    assert "examples[0] does not fire" in problems
    strict = rule.with_overrides(severity=None, params={"days": 5})
    assert "negative_examples[0] fires" in " ".join(problems + check_policy_examples(strict))


def test_build_token_follows_the_example_and_refuses_unknown_fields() -> None:
    t = build_token(
        {
            "kind": "github_pat",
            "owner": "alice",
            "permissions": {"contents": "write"},
            "expires_at": "+10d",
            "contexts": [{"usage": "ci", "path": ".github/workflows/a.yml"}, {"host": "ghe.x"}],
        }
    )
    assert t.secret.kind == "github_pat" and t.info is not None
    assert (t.info.owner, t.info.permissions) == ("alice", {"contents": "write"})
    assert t.info.expires_at == FROZEN_NOW + timedelta(days=10) and t.info.never_expires is False
    assert [c.location.path for c in t.candidates] == [".github/workflows/a.yml", "example-1.txt"]
    assert [c.context.host for c in t.candidates] == [None, "ghe.x"]
    # a valid classic PAT without an expiry is what GitHub's missing header means: never expires
    assert build_token({"kind": "ghp"}).info.never_expires is True  # type: ignore[union-attr]
    for bad, said in (
        ({"kinds": "ghp"}, "unknown field(s) kinds"),
        ({"scopes": "repo"}, "scopes: expected a list or null"),
        ({"contexts": [{"usage": "ci", "secret": "x"}]}, "contexts[0]: expected a mapping"),
        (["ghp"], "expected a mapping describing a token"),
    ):
        with pytest.raises(ValueError, match=re.escape(said)):
            build_token(bad)  # type: ignore[arg-type]


def test_a_message_holding_a_token_shape_is_a_problem(token: Any) -> None:
    secret = token("ghp")
    assert token_leak(f"token {secret} is old")
    assert token_leak("see " + "github_pat_" + "A" * 30)
    assert not token_leak(f"token {redact(secret)} is old")
    assert not token_leak("ghp_short and a 40-hex " + "a" * 40)  # legacy hex has no prefix
