"""A policy rule's examples run through its real check (patlint/policy/examples.py)."""

from __future__ import annotations

from patlint.policy.examples import check_policy_examples
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
