"""engine/rules.py: policy check names are known without importing the checks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from patlint.engine.rules import POLICY_CHECKS, load_rule_file
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
        "import sys; from patlint.engine.rules import load_rule_files; "
        "from patlint.engine.ruleset import builtin_rules_dir, rule_files; "
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
