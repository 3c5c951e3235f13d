from __future__ import annotations

from tests.policy.ci.helpers import run, where

M = "secrets_inherit"


def test_inherit_is_reported_at_its_value() -> None:
    got = run(
        M,
        ".github/workflows/r.yml",
        """\
        on: push
        jobs:
          rel:
            uses: ./.github/workflows/p.yml
            secrets: inherit
        """,
    )
    assert [where(p) for p in got] == [(5, 14, "jobs.rel.secrets")]
    assert "./.github/workflows/p.yml" in got[0].message


def test_named_secrets_are_fine() -> None:
    assert (
        run(
            M,
            ".github/workflows/r.yml",
            """\
        on: push
        jobs:
          rel:
            uses: ./.github/workflows/p.yml
            secrets: {NPM_TOKEN: "${{ secrets.NPM_TOKEN }}"}
        """,
        )
        == []
    )
