"""engine/rules.py: policy check names are known without importing the checks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from patlint.catalog.rules import POLICY_CHECKS, load_rule_file
from patlint.errors import RuleError
from patlint.policy import CHECKS


def test_static_check_names_are_the_registry() -> None:
    assert frozenset(CHECKS) == POLICY_CHECKS


def test_unknown_check_lists_the_registry(tmp_path: Path) -> None:
    path = tmp_path / "r.yml"
    path.write_text(
        "- id: some-policy\n  name: n\n  kind: policy\n  severity: low\n  description: d\n"
        "  remediation: r\n  examples: [{}]\n  negative_examples: [{}]\n  check: nope\n"
    )
    with pytest.raises(RuleError) as exc:
        load_rule_file(path)
    assert str(exc.value) == (
        f"{path}: rule 'some-policy': field 'check': unknown check 'nope' "
        f"(known: {', '.join(sorted(CHECKS))})"
    )


def test_loading_rules_imports_no_policy_check() -> None:
    code = (
        "import sys; from patlint.catalog.rules import load_rule_files; "
        "from patlint.catalog.ruleset import builtin_rules_dir, rule_files; "
        "rules = load_rule_files(rule_files(builtin_rules_dir())); "
        "assert any(r.kind == 'policy' for r in rules); "
        "print(sorted(m for m in sys.modules if m.startswith(('patlint.policy', 'patlint.github'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_a_severity_override_to_info_is_applied() -> None:
    """`info` is severity 0: an override to it must not read as "no override"."""
    from patlint.config import Config, RuleOverride
    from patlint.engine.ruleset import build_ruleset
    from patlint.model import Severity

    config = Config(rules={"github-app-user-token": RuleOverride(severity=Severity.INFO)})
    rule = build_ruleset(config).get("github-app-user-token")
    enabled = {r.id: r for r in build_ruleset(config).enabled}
    assert rule is not None and rule.severity == Severity.MEDIUM  # the known rule is unchanged
    assert enabled["github-app-user-token"].severity == Severity.INFO


def _detector_yaml(**fields: str) -> str:
    base = {
        "id": "r",
        "name": "R",
        "kind": "detector",
        "token_kind": "legacy",
        "pattern": "'github_token=([a-f0-9]{40})'",
        "keywords": "[github]",
        "severity": "high",
        "description": "d",
        "remediation": "r",
        "examples": "['x']",
        "negative_examples": "['y']",
    }
    base.update(fields)
    return "- " + "\n  ".join(f"{k}: {v}" for k, v in base.items() if v) + "\n"


def _load(tmp_path: Path, text: str) -> list[object]:
    path = tmp_path / "r.yml"
    path.write_text(text)
    return list(load_rule_file(path))


def test_a_plain_word_keyword_needs_a_trigger(tmp_path: Path) -> None:
    # `github` is in a third of real source files: without a trigger every one of them would
    # go through the full detector.
    with pytest.raises(RuleError, match=r"'github' is a plain word.*trigger"):
        _load(tmp_path, _detector_yaml())
    rules = _load(
        tmp_path, _detector_yaml(trigger="{literals: [github_token=], after: '[a-f0-9]{40}'}")
    )
    assert rules[0].trigger.literals == ("github_token=",)  # type: ignore[attr-defined]
    assert _load(tmp_path, _detector_yaml(keywords="[github_]"))  # not a plain word


@pytest.mark.parametrize(
    ("trigger", "problem"),
    [
        ("{literals: ['@'], before: '[a-f0-9]{1,40}', after: github}", "fixed-width"),
        ("{literals: ['github'], after: '(?=x)'}", "lookarounds"),
        ("{literals: ['github'], after: '(a)\\1'}", "back-references"),
        ("{literals: ['github'], after: 'x$'}", "anchors"),
        ("{literals: ['github'], after: '(?>x)'}", "atomic"),
        ("{literals: ['github'], after: 'x*+'}", "possessive"),
        ("{literals: ['github'], after: '(?i)token'}", "global flag"),
        ("{literals: ['github'], after: '(a+)+'}", "nested"),
        ("{literals: ['github'], after: '[a-'}", "does not compile"),
        ("{literals: ['@'], after: '[a-f0-9]{40}'}", "keywords"),  # `@` alone names no GitHub
        ("{literals: ['@'], after: '(?:x|github)'}", "keywords"),  # not every match has it
        ("{literals: [], after: github}", "non-empty list"),
        ("{literals: ['github'], extra: 1}", "expected a mapping"),
        ("[github]", "expected a mapping"),
    ],
)
def test_trigger_problems_are_named(tmp_path: Path, trigger: str, problem: str) -> None:
    with pytest.raises(RuleError, match=f"field 'trigger'.*{problem}"):
        _load(tmp_path, _detector_yaml(trigger=trigger))


def test_a_trigger_implies_a_keyword_through_its_literal_or_the_text_around_it(
    tmp_path: Path,
) -> None:
    # `@` holds no keyword, but every match ends with the literal text `github`.
    ok = "{before: '[a-f0-9]{40}', literals: ['@'], after: '[A-Za-z0-9.-]*github'}"
    assert _load(tmp_path, _detector_yaml(trigger=ok))
    # A local flag keeps the literal run case-sensitive; a run inside a group does not count.
    bad = "{literals: ['@'], after: '(?i:github)'}"
    with pytest.raises(RuleError, match="keywords"):
        _load(tmp_path, _detector_yaml(trigger=bad))
