"""What the CI rules share (patlint/policy/ci/common.py): which secret each step sees through
`env:` (innermost wins, a composite action's token-like inputs too), the first long-lived
secret, action names at any version, the same-repository guard, and one finding per place."""

from __future__ import annotations

import textwrap

from patlint.policy.ci.common import (
    SAME_REPO_GUARD,
    Places,
    action,
    pat,
    secret_names,
    step_envs,
)
from patlint.sources.readers.ci import CiYamlReader
from patlint.sources.readers.ci.model import CiModel


def model(rel: str, text: str) -> CiModel:
    reading = CiYamlReader().read(textwrap.dedent(text).encode(), rel, None)
    assert reading.ci is not None
    return reading.ci


def test_each_step_sees_the_innermost_binding_of_a_name() -> None:
    ci = model(
        ".github/workflows/a.yml",
        """\
        on: push
        env:
          GH_TOKEN: ${{ secrets.ORG_PAT }}
          PLAIN: hello
        jobs:
          j:
            env:
              DEPLOY: ${{ secrets.DEPLOY_KEY || secrets.GITHUB_TOKEN }}
            steps:
              - run: echo one
              - run: echo two
                env:
                  GH_TOKEN: ${{ github.token }}
        """,
    )
    (wf,) = ci.workflows
    (job,) = wf.jobs
    first, second = step_envs(ci, wf, job)
    assert {k: b.secrets for k, b in first[1].items()} == {
        "GH_TOKEN": ("secrets.ORG_PAT",),
        "DEPLOY": ("secrets.DEPLOY_KEY", "secrets.GITHUB_TOKEN"),
    }
    assert second[1]["GH_TOKEN"].secrets == ("github.token",)
    assert second[1]["GH_TOKEN"].path == ("jobs", "j", "steps", 1, "env", "GH_TOKEN")
    assert step_envs(ci, wf, job) is step_envs(ci, wf, job)  # computed once per job


def test_a_composite_actions_token_like_inputs_count_as_secrets() -> None:
    text = "${{ inputs.github-token }} ${{ inputs.ref }} ${{ inputs.apiKey }} ${{ secrets.X }}"
    assert [n for _s, _e, n in secret_names(text, composite=True)] == [
        "inputs.github-token",
        "inputs.apiKey",
        "secrets.X",
    ]
    assert [n for _s, _e, n in secret_names(text, composite=False)] == ["secrets.X"]


def test_pat_is_the_first_secret_that_is_not_github_token() -> None:
    assert pat(["github.token", "secrets.GITHUB_TOKEN", "secrets.github_token"]) is None
    assert pat(["secrets.GITHUB_TOKEN", "secrets.MY_PAT", "secrets.OTHER"]) == "secrets.MY_PAT"
    assert pat(("inputs.token",)) is None


def test_action_matches_at_any_version_and_nothing_longer() -> None:
    assert action("actions/checkout@v4", "actions/checkout")
    assert action("actions/checkout", "actions/checkout")
    assert not action("actions/checkout-extra@v1", "actions/checkout")
    assert not action("evil/actions/checkout@v4", "actions/checkout")


def test_the_same_repository_guard_is_recognised_in_its_spellings() -> None:
    for guard in (
        "github.event.pull_request.head.repo.full_name == github.repository",
        "github.repository == github.event.pull_request.head.repo.full_name",
        "github.event.pull_request.head.repo.fork == false",
        "!github.event.pull_request.head.repo.fork",
    ):
        assert SAME_REPO_GUARD.search(guard), guard
    assert not SAME_REPO_GUARD.search("github.event.pull_request.head.repo.fork == true")
    assert not SAME_REPO_GUARD.search("github.repository == 'o/r'")


def test_places_keep_one_finding_per_position_with_its_suppression() -> None:
    text = "on: push  # patlint: ignore\njobs: {}\n"
    ci = model(".github/workflows/b.yml", text)
    places = Places(ci, "some-rule")
    places.add("first", 0, ("on",))
    places.add("again at the same place", 0, ("on",))
    places.add("second line", text.index("jobs"), ("jobs",))
    assert [(p.message, p.location.line, p.suppress) for p in places.out] == [
        ("first", 1, "*"),
        ("second line", 2, None),
    ]
    assert places.out[1].context.key == "jobs"
