"""Every rule's examples fire and its negative examples do not — one test per rule."""

from __future__ import annotations

import pytest

from patlint.config import Config
from patlint.engine.examples import check_rule
from patlint.engine.ruleset import build_ruleset

RULESET = build_ruleset(Config())


@pytest.mark.parametrize("rule", RULESET.known, ids=[r.id for r in RULESET.known])
def test_rule_examples(rule: object) -> None:
    from patlint.model import Rule

    assert isinstance(rule, Rule)
    assert rule.examples and rule.negative_examples
    for seed in range(3):  # fresh tokens each time: the rule must not depend on a lucky one
        assert check_rule(rule, RULESET, seed=seed) == []


def test_every_default_rule_is_known_and_documented() -> None:
    for rule in RULESET.known:
        assert rule.description and rule.remediation, rule.id
    assert {r.id for r in RULESET.enabled} <= {r.id for r in RULESET.known}
