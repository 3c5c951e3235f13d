from __future__ import annotations

from tests.policy.ci.helpers import run, where

M = "github_token_write_all"


def test_write_all_at_workflow_and_job() -> None:
    got = run(
        M,
        ".github/workflows/ci.yml",
        """\
        on: push
        permissions: write-all
        jobs:
          a:
            permissions: write-all
            steps: [{run: make}]
        """,
    )
    assert [where(p) for p in got] == [(2, 14, "permissions"), (5, 18, "jobs.a.permissions")]


def test_read_all_and_scopes_are_fine() -> None:
    assert (
        run(
            M,
            ".github/workflows/ci.yml",
            """\
        on: push
        permissions: read-all
        jobs:
          a: {permissions: {contents: write}, steps: [{run: make}]}
        """,
        )
        == []
    )
