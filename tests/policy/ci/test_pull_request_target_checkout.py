from __future__ import annotations

from tests.policy.ci.helpers import run, where

M = "pull_request_target_checkout"
HEAD = "${{ github.event.pull_request.head.sha }}"


def test_head_checkout_on_pull_request_target() -> None:
    got = run(
        M,
        ".github/workflows/pr.yml",
        f"""\
        on: pull_request_target
        jobs:
          t:
            steps:
              - uses: actions/checkout@v4
                with: {{ref: "{HEAD}"}}
              - run: gh pr checkout 1
        """,
    )
    assert [where(p)[2] for p in got] == ["jobs.t.steps[0].with.ref", "jobs.t.steps[1].run"]


def test_pull_request_or_a_guard_is_fine() -> None:
    assert (
        run(
            M,
            ".github/workflows/pr.yml",
            f"""\
        on: pull_request
        jobs: {{t: {{steps: [{{uses: actions/checkout@v4, with: {{ref: "{HEAD}"}}}}]}}}}
        """,
        )
        == []
    )
    assert (
        run(
            M,
            ".github/workflows/pr.yml",
            f"""\
        on: pull_request_target
        jobs:
          t:
            if: github.event.pull_request.head.repo.full_name == github.repository
            steps: [{{uses: actions/checkout@v4, with: {{ref: "{HEAD}"}}}}]
        """,
        )
        == []
    )
