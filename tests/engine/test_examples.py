"""A detection rule's examples through the real detector (patlint/engine/examples.py,
`check_rule`, what `patlint rules check` runs): every way an example can misbehave is named."""

from __future__ import annotations

from pathlib import Path

import pytest

from patlint.catalog.ruleset import RuleSet
from patlint.config import Config
from patlint.engine.examples import check_rule, example_text
from patlint.engine.ruleset import build_ruleset

RULE = (
    "- id: corp-key\n  name: Corp key\n  kind: detector\n  token_kind: legacy\n"
    "  pattern: '(CORP-[0-9a-f]{32})'\n  keywords: [CORP-]\n  severity: medium\n"
    "  description: d\n  remediation: r\n"
)


def ruleset(tmp_path: Path, examples: str) -> RuleSet:
    (tmp_path / "corp.yml").write_text(RULE + examples)
    return build_ruleset(Config(), extra_dirs=[str(tmp_path)])


def problems(tmp_path: Path, examples: str) -> list[str]:
    rs = ruleset(tmp_path, examples)
    rule = rs.get("corp-key")
    assert rule is not None
    return check_rule(rule, rs, seed=1)


def test_a_rule_whose_examples_behave_has_no_problem(tmp_path: Path) -> None:
    examples = (
        "  examples: ['k=CORP-3a7f19c2e84b60d5f1c9a2e7b4d80f63',"
        " {path: deploy.env, text: 'KEY=CORP-9f8e7d6c5b4a39281706f5e4d3c2b1a0'}]\n"
        "  negative_examples: ['CORP-1', 'corp-3a7f19c2e84b60d5f1c9a2e7b4d80f63']\n"
    )
    assert problems(tmp_path, examples) == []


def test_each_misbehaving_example_is_named(tmp_path: Path) -> None:
    examples = (
        "  examples: ['no key here', 'k=CORP-3a7f19c2e84b60d5f1c9a2e7b4d80f63']\n"
        "  negative_examples: ['x=CORP-9f8e7d6c5b4a39281706f5e4d3c2b1a0', 'CORP-1']\n"
    )
    assert problems(tmp_path, examples) == [
        "examples[0] does not fire",
        "negative_examples[0] fires",
    ]


def test_example_text_takes_a_string_or_a_mapping_with_text() -> None:
    assert example_text("abc") == ("example.txt", "abc")
    assert example_text({"path": "a/.npmrc", "text": "t"}) == ("a/.npmrc", "t")
    assert example_text({"text": "t"}) == ("example.txt", "t")
    for bad in (1, {"path": "p"}, {"text": 3}, ["t"]):
        with pytest.raises(ValueError, match="expected a string or a mapping with 'text'"):
            example_text(bad)
