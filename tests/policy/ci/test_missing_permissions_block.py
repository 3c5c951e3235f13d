from __future__ import annotations

from tests.policy.ci.helpers import run, where

M = "missing_permissions_block"


def test_once_per_workflow_at_jobs() -> None:
    got = run(
        M,
        ".github/workflows/ci.yml",
        """\
        on: push
        jobs:
          a: {steps: [{run: make}]}
          b: {permissions: {}, steps: [{run: make}]}
          c: {steps: [{run: make}]}
        """,
    )
    assert [where(p) for p in got] == [(2, 1, "jobs")]
    assert "job(s) a, c:" in got[0].message


def test_top_level_block_or_every_job_is_fine() -> None:
    assert (
        run(
            M,
            ".github/workflows/ci.yml",
            """\
        on: push
        permissions: {}
        jobs: {a: {steps: [{run: make}]}}
        """,
        )
        == []
    )
    assert (
        run(
            M,
            ".github/workflows/ci.yml",
            """\
        on: push
        jobs: {a: {permissions: {}, steps: [{run: make}]}}
        """,
        )
        == []
    )
    assert run(M, "action.yml", "runs: {using: composite, steps: [{run: x, shell: bash}]}\n") == []
