from __future__ import annotations

from tests.policy.ci.helpers import run, where

M = "pat_where_github_token_would_do"


def test_checkout_ghcr_login_and_gh_with_a_pat() -> None:
    got = run(
        M,
        ".github/workflows/ci.yml",
        """\
        on: push
        jobs:
          a:
            steps:
              - uses: actions/checkout@v4
                with: {token: "${{ secrets.MY_PAT }}"}
              - uses: docker/login-action@v3
                with:
                  registry: ghcr.io
                  username: ${{ github.actor }}
                  password: ${{ secrets.CR_PAT }}
              - run: gh issue list
                env: {GH_TOKEN: "${{ secrets.BOT_PAT }}"}
        """,
    )
    assert sorted(where(p)[2] or "" for p in got) == [
        "jobs.a.steps[0].with.token",
        "jobs.a.steps[1].with.password",
        "jobs.a.steps[2].env.GH_TOKEN",
    ]


def test_github_token_other_repo_and_gh_api_are_fine() -> None:
    assert (
        run(
            M,
            ".github/workflows/ci.yml",
            """\
        on: push
        jobs:
          a:
            steps:
              - uses: actions/checkout@v4
                with: {token: "${{ secrets.GITHUB_TOKEN }}"}
              - uses: actions/checkout@v4
                with: {repository: o/other, token: "${{ secrets.MY_PAT }}"}
              - run: gh api /user
                env: {GH_TOKEN: "${{ secrets.BOT_PAT }}"}
        """,
        )
        == []
    )
