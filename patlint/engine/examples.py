"""Run a rule's examples and negative examples through the real detector (or policy check)."""

from __future__ import annotations

import io
import random
from collections.abc import Mapping
from typing import Any

from patlint.catalog.ruleset import RuleSet
from patlint.engine.filescan import scan_stream
from patlint.model import Rule


def example_text(example: Any) -> tuple[str, str]:
    """(path, text) of a detector example: a string, or a mapping with `path` and `text`."""
    if isinstance(example, str):
        return "example.txt", example
    if isinstance(example, Mapping) and isinstance(example.get("text"), str):
        return str(example.get("path", "example.txt")), example["text"]
    raise ValueError(f"expected a string or a mapping with 'text', got {example!r}")


def detect_in_example(
    rule: Rule, ruleset: RuleSet, example: Any, rng: random.Random
) -> tuple[list[str], set[str]]:
    """Expand an example and return (tokens it holds, tokens `rule` found in it).

    A file that the one-pass pre-check turns away is never given to the detector in a tree
    scan: what the detector finds there counts only when the pre-check lets the text through
    (a `trigger` that misses its rule's own example fails here, not in a user's scan)."""
    from patlint.detectors.pattern import Detector
    from patlint.tokengen import expand

    path, template = example_text(example)
    text, tokens = expand(template, rng)
    detectors = [r for r in ruleset.known if r.kind == "detector"]
    detector = Detector(detectors)
    data = text.encode("utf-8")
    res = scan_stream(io.BytesIO(data), path, detector, max_size=1 << 20)
    if res.timeouts:  # a custom pattern too slow even for its own example
        raise ValueError(res.timeouts[0])
    found = {c.secret.reveal() for c in res.candidates if c.rule_id == rule.id}
    if found and not detector.may_hit(data):
        raise ValueError("the detector finds it, but the pre-check (keywords, trigger) does not")
    return tokens, found


def check_rule(rule: Rule, ruleset: RuleSet, *, seed: int | None = None) -> list[str]:
    """Problems with a rule's examples: a positive that does not fire, a negative that does."""
    rng = random.Random(seed)
    problems: list[str] = []
    if rule.kind == "policy":
        from patlint.engine.place_examples import check_file_examples, is_file_example

        if rule.examples and all(
            is_file_example(e) for e in (*rule.examples, *rule.negative_examples)
        ):
            return check_file_examples(rule, ruleset, rng)
        from patlint.policy.examples import check_policy_examples

        return check_policy_examples(rule)
    for i, ex in enumerate(rule.examples):
        try:
            tokens, found = detect_in_example(rule, ruleset, ex, rng)
        except ValueError as exc:
            problems.append(f"examples[{i}]: {exc}")
            continue
        if not found:
            problems.append(f"examples[{i}] does not fire")
        elif rule.token_kind != "invalid" and tokens and not set(tokens) & found:
            problems.append(f"examples[{i}] fires, but not on the generated token")
    for i, ex in enumerate(rule.negative_examples):
        try:
            _tokens, found = detect_in_example(rule, ruleset, ex, rng)
        except ValueError as exc:
            problems.append(f"negative_examples[{i}]: {exc}")
            continue
        if found:
            problems.append(f"negative_examples[{i}] fires")
    return problems
