"""The rules a run uses (patlint/engine/ruleset.py): the catalogue's selection, with each
enabled policy rule's params checked by its own policy check — a config (a discovered one
included) cannot hand a check a value it would misread."""

from __future__ import annotations

from typing import Any

import pytest

from patlint.catalog.ruleset import select_rules
from patlint.config import Config, parse_config
from patlint.engine.ruleset import build_ruleset
from patlint.errors import ConfigError


def config(rules: dict[str, Any]) -> Config:
    return parse_config({"rules": rules}, "test")


def test_the_selection_is_the_catalogues() -> None:
    built = build_ruleset(Config(), enable=["github-token-checksum-invalid"], disable=["god-token"])
    chosen = select_rules(Config(), enable=["github-token-checksum-invalid"], disable=["god-token"])
    assert [r.id for r in built.enabled] == [r.id for r in chosen.enabled]
    assert built.known == chosen.known


@pytest.mark.parametrize(
    ("params", "said"),
    [
        ({"within_days": 0}, "rules.expires-soon.params.within_days: expected a positive whole"),
        ({"within_days": "30"}, "rules.expires-soon.params.within_days"),
        ({"nope": 1}, "rules.expires-soon.params: unknown param(s) nope (allowed: within_days)"),
    ],
)
def test_bad_params_of_an_enabled_policy_rule_are_refused(params: Any, said: str) -> None:
    with pytest.raises(ConfigError) as err:
        build_ruleset(config({"expires-soon": {"params": params}}))
    assert said in str(err.value)
    # select_rules alone does not judge params: only the policy check knows them
    assert select_rules(config({"expires-soon": {"params": params}})).get("expires-soon")


def test_params_of_a_rule_that_does_not_run_are_not_judged() -> None:
    bad = {"expires-soon": {"params": {"within_days": 0}}}
    rs = build_ruleset(config(bad), disable=["expires-soon"])
    assert "expires-soon" not in [r.id for r in rs.enabled]


def test_good_params_reach_the_rule() -> None:
    rs = build_ruleset(config({"expires-soon": {"params": {"within_days": 3}}}))
    rule = next(r for r in rs.enabled if r.id == "expires-soon")
    assert rule.params["within_days"] == 3
