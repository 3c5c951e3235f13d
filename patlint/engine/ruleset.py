"""The rules a run uses: the catalogue's selection, with each policy rule's params checked by
its policy check (which the catalogue, below policy/ in the graph, cannot import)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from patlint.catalog.ruleset import RuleSet, select_rules
from patlint.config import Config
from patlint.model import Rule


def build_ruleset(
    config: Config,
    *,
    extra_dirs: Iterable[str] = (),
    enable: Sequence[str] = (),
    disable: Sequence[str] = (),
) -> RuleSet:
    """Load built-in and user rules, then apply the ruleset, config and command-line switches."""
    ruleset = select_rules(config, extra_dirs=extra_dirs, enable=enable, disable=disable)
    _validate_policy_params(ruleset.enabled)
    return ruleset


def _validate_policy_params(rules: Iterable[Rule]) -> None:
    from patlint.policy import CHECKS

    for rule in rules:
        if rule.kind == "policy":
            CHECKS[rule.check].parse_params(rule.params, f"rules.{rule.id}.params")
