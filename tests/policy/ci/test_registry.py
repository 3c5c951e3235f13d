"""The CI rule registry and rules/policy/ci.yml name the same rules, each module once."""

from __future__ import annotations

from pathlib import Path

import yaml

from patlint.policy.ci import RULES, rule

CI_YML = Path(__file__).resolve().parents[3] / "rules" / "policy" / "ci.yml"


def test_every_ci_rule_has_one_module_and_every_module_a_rule() -> None:
    ids = {r["id"] for r in yaml.safe_load(CI_YML.read_text(encoding="utf-8"))}
    assert [i for i, _m in RULES] == list(dict.fromkeys(i for i, _m in RULES))
    assert {i for i, _m in RULES} == ids
    for rule_id, module in RULES:
        assert module == rule_id.replace("-", "_")
        assert callable(rule(module))
