"""Policy rule examples: token descriptions run through the rule's check at a frozen clock."""

from __future__ import annotations

from patlint.engine.rules import Rule


def check_policy_examples(rule: Rule) -> list[str]:
    """Problems with a policy rule's examples (filled in with the policy checks)."""
    return [f"policy check {rule.check!r} has no example runner"]
