from __future__ import annotations

from typing import Any

from tests.policy.ci.literal_helpers import run_with_hits

M = "token_literal_in_ci"


def test_token_in_run_once_with_its_path(token: Any) -> None:
    t = token("ghp")
    got = run_with_hits(
        M,
        ".github/workflows/ci.yml",
        f"""\
        on: push
        jobs:
          a:
            steps:
              - run: docker login -p {t}
              - run: echo {t}
        """,
    )
    assert [p.context.key for p in got] == ["jobs.a.steps[0].run"]
    assert t not in got[0].message


def test_variables_go_to_the_other_rule_and_unparsable_files_still_report(
    token: Any,
) -> None:
    t = token("ghp")
    assert run_with_hits(M, ".gitlab-ci.yml", f"variables:\n  GH: {t}\n") == []
    got = run_with_hits(M, ".gitlab-ci.yml", f"a: [\nGH: {t}\n")
    assert len(got) == 1 and "could not parse" in got[0].message
