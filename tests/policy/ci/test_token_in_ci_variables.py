from __future__ import annotations

from typing import Any

from tests.policy.ci.literal_helpers import run_with_hits

M = "token_in_ci_variables"


def test_gitlab_variables(token: Any) -> None:
    t = token("ghp")
    got = run_with_hits(M, ".gitlab-ci.yml", f"variables:\n  GH: {t}\n")
    assert [(p.location.line, p.context.key) for p in got] == [(2, "variables.GH")]


def test_token_in_a_script_is_not_a_variable(token: Any) -> None:
    t = token("ghp")
    assert run_with_hits(M, ".gitlab-ci.yml", f"a:\n  script: [echo {t}]\n") == []
