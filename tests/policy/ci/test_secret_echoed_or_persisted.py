from __future__ import annotations

from tests.policy.ci.helpers import run, where

M = "secret_echoed_or_persisted"


def test_echo_file_upload_and_other_platforms() -> None:
    got = run(
        M,
        ".github/workflows/ci.yml",
        """\
        on: push
        jobs:
          a:
            env: {T: "${{ secrets.NPM }}"}
            steps:
              - run: echo "$T" > out.txt
              - uses: actions/upload-artifact@v4
                with: {path: out.txt}
        """,
    )
    assert [where(p)[2] for p in got] == ["jobs.a.steps[0].run", "jobs.a.steps[1].with.path"]
    gl = run(M, ".gitlab-ci.yml", "b:\n  script:\n    - echo $CI_JOB_TOKEN | base64\n")
    assert [where(p) for p in gl] == [(3, 12, "b.script[0]")]


def test_piping_to_a_command_is_fine() -> None:
    assert (
        run(
            M,
            ".github/workflows/ci.yml",
            """\
        on: push
        jobs:
          a:
            steps:
              - run: echo "${{ secrets.GITHUB_TOKEN }}" | docker login ghcr.io --password-stdin
        """,
        )
        == []
    )
