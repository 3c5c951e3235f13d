"""Build Tokens with TokenInfo directly for policy tests."""

from __future__ import annotations

import random
from typing import Any

from patlint.config import Config
from patlint.engine.ruleset import build_ruleset
from patlint.model import Token
from patlint.policy import CHECKS
from patlint.policy.examples import FROZEN_NOW, build_token

NOW = FROZEN_NOW
RULES = {r.id: r for r in build_ruleset(Config()).known}


def token(rng: random.Random | None = None, **fields: Any) -> Token:
    """A token described like a policy example."""
    return build_token(fields, rng or random.Random(7))


def verdicts(rule_id: str, tok: Token, **params: Any) -> list[str]:
    """Messages the rule's check gives for `tok` (with params overridden)."""
    rule = RULES[rule_id].with_overrides(severity=None, params=params or None)
    check = CHECKS[rule.check]
    parsed = check.parse_params(rule.params, f"rules.{rule_id}.params")
    return [v.message for v in check.evaluate(tok, parsed, now=NOW)]
