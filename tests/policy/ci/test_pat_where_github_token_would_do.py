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


def test_pushes_are_found_within_one_value_and_by_the_action_used() -> None:
    # The job's texts are searched joined: `git` ending one value and `push` starting the next
    # is no push; a push action at any version is one.
    wf = """\
        on: push
        jobs:
          a:
            env: {A: git, B: push}
            steps:
              - uses: actions/checkout@v4
                with: {token: "${{ secrets.MY_PAT }}"}
              - run: echo git
              - run: push
          b:
            steps:
              - uses: actions/checkout@v4
                with: {token: "${{ secrets.MY_PAT }}"}
              - uses: Peter-Evans/create-pull-request@v6
        """
    got = run(M, ".github/workflows/ci.yml", wf)
    assert [(where(p)[2], p.message.split("`")[1]) for p in got] == [
        ("jobs.a.steps[0].with.token", "permissions: {contents: read}"),
        ("jobs.b.steps[0].with.token", "permissions: {contents: write, pull-requests: write}"),
    ]
