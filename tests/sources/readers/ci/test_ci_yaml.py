"""The CI reader end to end: real-shaped pipeline files in, exact findings (line, column, path) out."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from patlint.model import ScanResult, Severity
from tests.sources.readers.ci.conftest import at, of, where

Scan = Callable[..., ScanResult]
WF = ".github/workflows/ci.yml"


# --- token-literal-in-ci ------------------------------------------------------------------------


def test_token_in_run_script_is_a_ci_finding_with_yaml_path(scan: Scan, token: Any) -> None:
    t = token("ghp")
    wf = f"""\
            on: push
            permissions: {{contents: read}}
            jobs:
              publish:
                runs-on: ubuntu-latest
                steps:
                  - name: login
                    run: |
                      set -e
                      docker login ghcr.io -u octocat -p {t}
            """
    res = scan({WF: wf})
    [ci] = of(res, "token-literal-in-ci")
    assert where(ci) == (WF, *at(wf, t), "jobs.publish.steps[0].run")
    assert at(wf, t) == (10, 46)
    assert ci.severity is Severity.CRITICAL
    assert ci.token is not None and ci.token.preview == f"ghp_…{t[-4:]}"
    assert ci.context.file_type == "ci-yaml" and ci.context.usage == "ci"
    assert "as -p argument" in ci.message and t not in ci.message
    # the detection finding is the same token, re-labelled with the YAML path
    [det] = of(res, "github-classic-pat")
    assert where(det) == (WF, *at(wf, t), "jobs.publish.steps[0].run")
    assert det.context.file_type == "ci-yaml"
    assert {f.rule_id for f in res.findings} == {"token-literal-in-ci", "github-classic-pat"}


def test_token_in_env_with_url_and_comment(scan: Scan, token: Any) -> None:
    a, b, c, d = token("ghp"), token("github_pat"), token("ghp"), token("ghp")
    wf = f"""\
            on: push
            permissions: {{contents: read}}
            env:
              GH_TOKEN: {a}
            jobs:
              build:
                runs-on: ubuntu-latest
                steps:
                  - uses: some/action@v1
                    with:
                      password: "{b}"
                  - run: git clone https://x:{c}@github.com/o/r.git
                # old: {d}
            """
    res = scan({WF: wf})
    got = sorted((where(f), f.message) for f in of(res, "token-literal-in-ci"))
    assert [g[0] for g in got] == [
        (WF, *at(wf, a), "env.GH_TOKEN"),
        (WF, *at(wf, b), "jobs.build.steps[0].with.password"),
        (WF, *at(wf, c), "jobs.build.steps[1].run"),
        (WF, *at(wf, d), None),
    ]
    assert at(wf, b) == (11, 22)
    assert "as https URL credential" in got[2][1]
    assert "(in a comment)" in got[3][1]


def test_same_token_twice_is_one_ci_finding_at_the_first_place(scan: Scan, token: Any) -> None:
    t = token("ghp")
    wf = f"""\
            on: push
            permissions: {{}}
            jobs:
              a:
                runs-on: ubuntu-latest
                env: {{TOKEN: {t}}}
                steps:
                  - run: echo hi
                    env:
                      TOKEN: {t}
            """
    res = scan({WF: wf})
    [ci] = of(res, "token-literal-in-ci")
    assert where(ci) == (WF, *at(wf, t), "jobs.a.env.TOKEN")
    [det] = of(res, "github-classic-pat")
    assert [(r.line, r.column) for r in det.related] == [at(wf, t, 2)]


def test_placeholder_and_secret_reference_are_not_tokens(scan: Scan) -> None:
    wf = """\
            on: push
            permissions: {contents: read}
            jobs:
              a:
                runs-on: ubuntu-latest
                steps:
                  - run: echo ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx
                    env: {GH_TOKEN: "${{ secrets.GH_TOKEN }}"}
            """
    res = scan({WF: wf})
    assert res.findings == []


def test_folded_and_quoted_scalars_map_to_exact_columns(scan: Scan, token: Any) -> None:
    a, b = token("ghp"), token("ghp")
    wf = f"""\
            on: push
            permissions: {{contents: read}}
            jobs:
              a:
                runs-on: ubuntu-latest
                steps:
                  - run: >
                      curl -u me:{a}
                      https://api.github.com/user
                  - run: "printf 'x\\ty' && curl -H 'Authorization: token {b}' x"
            """
    res = scan({WF: wf})
    got = sorted(where(f) for f in of(res, "token-literal-in-ci"))
    assert got == [
        (WF, *at(wf, a), "jobs.a.steps[0].run"),
        (WF, *at(wf, b), "jobs.a.steps[1].run"),
    ]


# --- token-in-ci-variables ------------------------------------------------------------------


def test_gitlab_variables_global_and_job(scan: Scan, token: Any) -> None:
    a, b, c = token("ghp"), token("ghp"), token("ghp")
    gl = f"""\
            variables:
              GITHUB_TOKEN: {a}
            mirror:
              stage: deploy
              variables:
                PUSH_TOKEN:
                  value: "{b}"
                  description: push
              script:
                - git push https://oauth2:{c}@github.com/o/r.git
            """
    res = scan({".gitlab-ci.yml": gl})
    assert sorted(where(f) for f in of(res, "token-in-ci-variables")) == [
        (".gitlab-ci.yml", *at(gl, a), "variables.GITHUB_TOKEN"),
        (".gitlab-ci.yml", *at(gl, b), "mirror.variables.PUSH_TOKEN.value"),
    ]
    [lit] = of(res, "token-literal-in-ci")
    assert where(lit) == (".gitlab-ci.yml", *at(gl, c), "mirror.script[0]")
    assert "GitLab `variables:`" in of(res, "token-in-ci-variables")[0].message


def test_circleci_environment_and_azure_variables(scan: Scan, token: Any) -> None:
    a, b, c = token("ghp"), token("github_pat"), token("ghp")
    circle = f"""\
            version: 2.1
            jobs:
              release:
                docker:
                  - image: cimg/base:current
                    environment:
                      GH_TOKEN: {a}
                steps: [checkout]
            """
    azure = f"""\
            variables:
              - name: githubToken
                value: {b}
              - group: release
            stages:
              - stage: s
                variables:
                  other: {c}
                jobs: []
            """
    res = scan({".circleci/config.yml": circle, "azure-pipelines.yml": azure})
    assert sorted(where(f) for f in of(res, "token-in-ci-variables")) == [
        (".circleci/config.yml", *at(circle, a), "jobs.release.docker[0].environment.GH_TOKEN"),
        ("azure-pipelines.yml", *at(azure, b), "variables[0].value"),
        ("azure-pipelines.yml", *at(azure, c), "stages[0].variables.other"),
    ]
    assert of(res, "token-literal-in-ci") == []


# --- pat-where-github-token-would-do ---------------------------------------------------------


def test_ghcr_login_with_pat(scan: Scan) -> None:
    wf = """\
            on: push
            permissions: {contents: read}
            jobs:
              image:
                runs-on: ubuntu-latest
                steps:
                  - uses: docker/login-action@v3
                    with:
                      registry: ghcr.io
                      username: ${{ github.repository_owner }}
                      password: ${{ secrets.CR_PAT }}
                  - uses: docker/login-action@v3
                    with:
                      registry: ghcr.io
                      username: ${{ github.actor }}
                      password: ${{ secrets.GITHUB_TOKEN }}
                  - uses: docker/login-action@v3
                    with:
                      registry: docker.io
                      username: ${{ github.actor }}
                      password: ${{ secrets.DOCKERHUB }}
                  - uses: docker/login-action@v3
                    with:
                      registry: ghcr.io
                      username: someone-else
                      password: ${{ secrets.OTHER_PAT }}
                  - run: echo ${{ secrets.CR_PAT }} | docker login ghcr.io -u ${{ github.actor }} --password-stdin
            """
    res = scan({WF: wf})
    found = of(res, "pat-where-github-token-would-do")
    assert [where(f) for f in found] == [
        (WF, *at(wf, "${{ secrets.CR_PAT }}"), "jobs.image.steps[0].with.password"),
        (WF, *at(wf, "${{ secrets.CR_PAT }}", 2), "jobs.image.steps[4].run"),
    ]
    assert "`permissions: {contents: read, packages: write}`" in found[0].message
    assert "secrets.CR_PAT" in found[0].message
    assert of(res, "secret-echoed-or-persisted") == []  # piped into --password-stdin


def test_checkout_with_pat(scan: Scan) -> None:
    wf = """\
            on: push
            permissions: {contents: read}
            jobs:
              same:
                runs-on: ubuntu-latest
                steps:
                  - uses: actions/checkout@v4
                    with: {token: "${{ secrets.MY_PAT }}"}
              explicit-same:
                runs-on: ubuntu-latest
                steps:
                  - uses: actions/checkout@v4
                    with:
                      repository: ${{ github.repository }}
                      token: ${{ secrets.MY_PAT }}
                  - run: git commit -am x && git push
              other:
                runs-on: ubuntu-latest
                steps:
                  - uses: actions/checkout@v4
                    with: {repository: octo/private, token: "${{ secrets.MY_PAT }}"}
              submodules:
                runs-on: ubuntu-latest
                steps:
                  - uses: actions/checkout@v4
                    with: {submodules: recursive, token: "${{ secrets.MY_PAT }}"}
              builtin:
                runs-on: ubuntu-latest
                steps:
                  - uses: actions/checkout@v4
                    with: {token: "${{ secrets.GITHUB_TOKEN }}"}
              workflows:
                runs-on: ubuntu-latest
                steps:
                  - uses: actions/checkout@v4
                    with: {token: "${{ secrets.WF_PAT }}"}
                  - run: |
                      cp templates/ci.yml .github/workflows/ci.yml
                      git commit -am sync && git push
            """
    res = scan({WF: wf})
    found = of(res, "pat-where-github-token-would-do")
    assert [where(f) for f in found] == [
        (WF, *at(wf, '"${{ secrets.MY_PAT }}"'), "jobs.same.steps[0].with.token"),
        (WF, *at(wf, "${{ secrets.MY_PAT }}", 2), "jobs.explicit-same.steps[0].with.token"),
    ]
    assert "`permissions: {contents: read}`" in found[0].message
    assert "`permissions: {contents: write}`" in found[1].message
    assert ".github/workflows" in found[0].message


def test_gh_calls_through_gh_token(scan: Scan) -> None:
    wf = """\
            on: [pull_request]
            permissions: {contents: read}
            env:
              GH_TOKEN: ${{ secrets.BOT_PAT }}
            jobs:
              comment:
                runs-on: ubuntu-latest
                steps:
                  - uses: actions/checkout@v4
                  - run: |
                      gh pr comment ${{ github.event.number }} --body "thanks"
                      gh issue list --state open -R ${{ github.repository }}
              api:
                runs-on: ubuntu-latest
                env:
                  GH_TOKEN: ${{ secrets.API_PAT }}
                steps:
                  - run: gh api repos/octo/other/issues
              cross:
                runs-on: ubuntu-latest
                steps:
                  - run: gh pr list --repo octo/other
                    env: {GH_TOKEN: "${{ secrets.CROSS_PAT }}"}
              builtin:
                runs-on: ubuntu-latest
                steps:
                  - run: gh release create v1
                    env: {GH_TOKEN: "${{ github.token }}"}
            """
    res = scan({WF: wf})
    [f] = of(res, "pat-where-github-token-would-do")
    assert where(f) == (WF, *at(wf, "${{ secrets.BOT_PAT }}"), "env.GH_TOKEN")
    assert "(gh issue, gh pr)" in f.message
    assert "`permissions: {contents: read, issues: read, pull-requests: write}`" in f.message


def test_gh_call_blocked_by_one_step_that_needs_the_pat(scan: Scan) -> None:
    wf = """\
            on: push
            permissions: {contents: read}
            env: {GH_TOKEN: "${{ secrets.BOT_PAT }}"}
            jobs:
              a:
                runs-on: ubuntu-latest
                steps:
                  - run: gh pr list
              b:
                runs-on: ubuntu-latest
                steps:
                  - run: gh secret set X --body y
            """
    res = scan({WF: wf})
    assert of(res, "pat-where-github-token-would-do") == []


# --- permissions ---------------------------------------------------------------------------------


def test_write_all_and_missing_permissions(scan: Scan) -> None:
    res = scan(
        {
            ".github/workflows/a.yml": """\
            on: push
            permissions: write-all
            jobs:
              t:
                runs-on: ubuntu-latest
                permissions: write-all
                steps: [{run: make}]
            """,
            ".github/workflows/b.yml": """\
            name: b
            on:
              push:
                branches: [main]
            jobs:
              t1:
                runs-on: ubuntu-latest
                permissions: {contents: read}
                steps: [{run: make}]
              t2:
                uses: ./.github/workflows/x.yml
            """,
            ".github/workflows/c.yml": """\
            on: push
            permissions: read-all
            jobs:
              t: {runs-on: ubuntu-latest, steps: [{run: make}]}
            """,
        }
    )
    assert [where(f) for f in of(res, "github-token-write-all")] == [
        (".github/workflows/a.yml", 2, 14, "permissions"),
        (".github/workflows/a.yml", 6, 18, "jobs.t.permissions"),
    ]
    [miss] = of(res, "missing-permissions-block")
    assert where(miss) == (".github/workflows/b.yml", 5, 1, "jobs")
    assert "job(s) t2:" in miss.message
    assert miss.severity is Severity.LOW


def test_suppression_comment_on_reported_line(scan: Scan) -> None:
    wf = """\
            on: push
            jobs:  # patlint: ignore[missing-permissions-block]
              t: {runs-on: ubuntu-latest, steps: [{run: make}]}
            """
    res = scan({WF: wf})
    assert of(res, "missing-permissions-block") == []
    assert [(f.rule_id, f.suppressed) for f in res.suppressed] == [
        ("missing-permissions-block", "inline comment")
    ]


def test_secrets_inherit(scan: Scan) -> None:
    wf = """\
            on: push
            permissions: {}
            jobs:
              call:
                uses: octo/shared/.github/workflows/release.yml@v1
                secrets: inherit
              named:
                uses: ./.github/workflows/x.yml
                secrets: {NPM: "${{ secrets.NPM }}"}
            """
    res = scan({WF: wf})
    [f] = of(res, "secrets-inherit")
    assert where(f) == (WF, *at(wf, "inherit"), "jobs.call.secrets")
    assert "octo/shared/.github/workflows/release.yml@v1" in f.message


# --- secret-echoed-or-persisted -----------------------------------------------------------------


def test_secret_echo_file_env_and_artifact(scan: Scan) -> None:
    wf = """\
            on: push
            permissions: {contents: read}
            jobs:
              a:
                runs-on: ubuntu-latest
                env:
                  NODE_AUTH: ${{ secrets.NPM_TOKEN }}
                steps:
                  - uses: actions/checkout@v4
                  - run: |
                      echo "debug: ${{ secrets.DEPLOY_KEY }}"
                      echo "//registry.npmjs.org/:_authToken=$NODE_AUTH" > out/.npmrc
                      echo "TOKEN=${{ secrets.PAT }}" >> "$GITHUB_ENV"
                      echo ${{ secrets.PAT }} | base64
                      echo "${{ secrets.PAT }}" | gh auth login --with-token
                      printf '%s' "${{ secrets.PAT }}" | tee creds.txt >/dev/null
                      echo "${{ secrets.SSH_KEY }}" > ~/.ssh/id_ed25519
                      echo "${{ secrets.SSH_KEY }}" > "$RUNNER_TEMP/key"
                      cat > .pypirc <<EOF
                      [pypi]
                      password = ${{ secrets.PYPI }}
                      EOF
                      python - <<'PY'
                      print("${{ secrets.NOT_ECHOED }}" == "")
                      print("${{ steps.vault.outputs.secrets }}")
                      PY
                  - uses: actions/upload-artifact@v4
                    with:
                      name: dist
                      path: |
                        dist/
                        out
            """
    res = scan({WF: wf})
    got = [(where(f)[1:3], f.message) for f in of(res, "secret-echoed-or-persisted")]
    assert [g[0] for g in got] == [
        at(wf, "${{ secrets.DEPLOY_KEY }}"),
        at(wf, "$NODE_AUTH"),
        at(wf, "${{ secrets.PAT }}"),
        at(wf, "${{ secrets.PAT }}", 2),
        at(wf, "${{ secrets.PAT }}", 4),
        at(wf, "${{ secrets.PYPI }}"),
        at(wf, "out\n"),
    ]
    msgs = [g[1] for g in got]
    assert msgs[0].startswith("secrets.DEPLOY_KEY is printed to the job log")
    assert msgs[1] == (
        "$NODE_AUTH (holding secrets.NPM_TOKEN) is written to out/.npmrc; later steps, caches "
        "and artifacts can carry it off"
    )
    assert "$GITHUB_ENV" in msgs[2]
    assert "encoded form" in msgs[3]
    assert "creds.txt" in msgs[4]
    assert ".pypirc" in msgs[5]
    assert msgs[6].startswith("actions/upload-artifact uploads out, which step 2 wrote")


def test_workspace_artifact_with_persisted_checkout_credentials(scan: Scan) -> None:
    wf = """\
            on: push
            permissions: {contents: read}
            jobs:
              old:
                runs-on: ubuntu-latest
                steps:
                  - uses: actions/checkout@v4
                  - uses: actions/upload-artifact@v3
                    with: {path: .}
              hidden:
                runs-on: ubuntu-latest
                steps:
                  - uses: actions/checkout@v4
                  - uses: actions/upload-artifact@v4
                    with: {path: ".", include-hidden-files: true}
              safe:
                runs-on: ubuntu-latest
                steps:
                  - uses: actions/checkout@v4
                    with: {persist-credentials: false}
                  - uses: actions/upload-artifact@v3
                    with: {path: .}
              new:
                runs-on: ubuntu-latest
                steps:
                  - uses: actions/checkout@v4
                  - uses: actions/upload-artifact@v4
                    with: {path: .}
            """
    res = scan({WF: wf})
    assert [where(f)[1:] for f in of(res, "secret-echoed-or-persisted")] == [
        (*at(wf, ".}"), "jobs.old.steps[1].with.path"),
        (*at(wf, '.", include'), "jobs.hidden.steps[1].with.path"),
    ]


def test_other_ci_scripts_echoing_token_variables(scan: Scan) -> None:
    gl = """\
            build:
              script:
                - echo $CI_JOB_TOKEN | base64
                - echo "${GH_PAT}" > token.txt
                - echo $CI_COMMIT_SHA
                - echo "$CI_JOB_TOKEN" | docker login -u gitlab-ci-token --password-stdin $CI_REGISTRY
            """
    azure = """\
            steps:
              - bash: echo "##vso[task.setvariable variable=x]$(githubToken)"
              - script: echo $(Build.BuildId)
            """
    res = scan({".gitlab-ci.yml": gl, "azure-pipelines.yml": azure})
    assert [where(f) for f in of(res, "secret-echoed-or-persisted")] == [
        (".gitlab-ci.yml", *at(gl, "$CI_JOB_TOKEN"), "build.script[0]"),
        (".gitlab-ci.yml", *at(gl, "${GH_PAT}"), "build.script[1]"),
        ("azure-pipelines.yml", *at(azure, "$(githubToken)"), "steps[0].bash"),
    ]


def test_composite_action_echoing_token_input(scan: Scan) -> None:
    action = """\
            name: setup
            inputs:
              github-token: {required: true}
            runs:
              using: composite
              steps:
                - shell: bash
                  run: echo "token=${{ inputs.github-token }}" >> $GITHUB_OUTPUT
                - shell: bash
                  run: echo "${{ inputs.version }}"
            """
    res = scan({"action.yml": action})
    assert [where(f) for f in of(res, "secret-echoed-or-persisted")] == [
        ("action.yml", *at(action, "${{ inputs.github-token }}"), "runs.steps[0].run")
    ]
    assert of(res, "missing-permissions-block") == []


# --- pull-request-target-checkout --------------------------------------------------------------


def test_pull_request_target_checks_out_head(scan: Scan) -> None:
    pr = """\
            on:
              pull_request_target:
                types: [opened, synchronize]
            permissions: {contents: read}
            jobs:
              test:
                runs-on: ubuntu-latest
                steps:
                  - uses: actions/checkout@v4
                    with:
                      ref: ${{ github.event.pull_request.head.sha }}
                  - run: npm test
                    env: {NPM_TOKEN: "${{ secrets.NPM_TOKEN }}"}
              script:
                runs-on: ubuntu-latest
                steps:
                  - run: |
                      gh pr checkout ${{ github.event.number }}
                      make
              guarded:
                if: github.event.pull_request.head.repo.full_name == github.repository
                runs-on: ubuntu-latest
                steps:
                  - uses: actions/checkout@v4
                    with: {ref: "${{ github.head_ref }}"}
              base:
                runs-on: ubuntu-latest
                steps:
                  - uses: actions/checkout@v4
            """
    run = """\
            on:
              workflow_run:
                workflows: [CI]
                types: [completed]
            permissions: {contents: read}
            jobs:
              report:
                runs-on: ubuntu-latest
                steps:
                  - uses: actions/checkout@v4
                    with: {ref: "${{ github.event.workflow_run.head_sha }}"}
            """
    plain = """\
            on: pull_request
            permissions: {contents: read}
            jobs:
              t:
                runs-on: ubuntu-latest
                steps:
                  - uses: actions/checkout@v4
                    with: {ref: "${{ github.event.pull_request.head.sha }}"}
            """
    res = scan(
        {
            ".github/workflows/pr.yml": pr,
            ".github/workflows/run.yml": run,
            ".github/workflows/plain.yml": plain,
        }
    )
    found = of(res, "pull-request-target-checkout")
    assert sorted(where(f) for f in found) == [
        (
            ".github/workflows/pr.yml",
            *at(pr, "${{ github.event.pull_request.head.sha }}"),
            "jobs.test.steps[0].with.ref",
        ),
        (".github/workflows/pr.yml", *at(pr, "gh pr checkout"), "jobs.script.steps[0].run"),
        (
            ".github/workflows/run.yml",
            *at(run, '"${{ github.event.workflow_run'),
            "jobs.report.steps[0].with.ref",
        ),
    ]
    first = next(f for f in found if f.context.key == "jobs.test.steps[0].with.ref")
    assert "secrets.NPM_TOKEN" in first.message and "pull_request_target" in first.message


# --- malformed, anchors, multi-document, bombs -------------------------------------------------


def test_unparsable_file_keeps_text_detectors(scan: Scan, token: Any) -> None:
    t = token("ghp")
    wf = f"""\
            on: push
            jobs:
              test:
                steps:
                  - run: echo {t}
                 - run: make lint
            """
    res = scan({WF: wf})
    [bad] = of(res, "ci-file-unparsable")
    assert bad.message.startswith("cannot parse CI file: ")
    assert where(bad) == (WF, *at(wf, "- run: make lint"), None)
    assert [where(f)[:3] for f in of(res, "github-classic-pat")] == [(WF, *at(wf, t))]
    [lit] = of(res, "token-literal-in-ci")
    assert where(lit)[:3] == (WF, *at(wf, t))
    assert t not in bad.message


def test_not_utf8_is_unparsable(scan: Scan, tmp_path: Any) -> None:
    path = tmp_path / "raw" / ".travis.yml"
    path.parent.mkdir()
    path.write_bytes(b"language: python\nscript: echo \xff\xfe\n")
    from tests.sources.readers.ci.conftest import scan_tree

    res = scan_tree(tmp_path / "raw", {})
    [bad] = of(res, "ci-file-unparsable")
    assert (
        bad.message
        == "cannot parse CI file: not UTF-8 (byte 30); only the text detectors ran on it"
    )


def test_anchors_aliases_and_merge_keys(scan: Scan, token: Any) -> None:
    t = token("ghp")
    gl = f"""\
            .defaults: &defaults
              variables:
                GITHUB_TOKEN: {t}
              before_script:
                - echo $GITHUB_TOKEN
            build:
              <<: *defaults
              script: [make]
            test:
              <<: *defaults
              script: [make test]
            """
    wf = """\
            on: push
            permissions: {contents: read}
            jobs:
              a:
                runs-on: ubuntu-latest
                steps:
                  - &checkout
                    uses: actions/checkout@v4
                    with: {token: "${{ secrets.MY_PAT }}"}
              b:
                runs-on: ubuntu-latest
                steps:
                  - *checkout
            """
    res = scan({".gitlab-ci.yml": gl, WF: wf})
    [var] = of(res, "token-in-ci-variables")
    assert where(var) == (".gitlab-ci.yml", *at(gl, t), ".defaults.variables.GITHUB_TOKEN")
    assert [where(f) for f in of(res, "secret-echoed-or-persisted")] == [
        (".gitlab-ci.yml", *at(gl, "$GITHUB_TOKEN"), ".defaults.before_script[0]")
    ]
    # the aliased step is one place in the file: reported once, where it is written
    [pat] = of(res, "pat-where-github-token-would-do")
    assert where(pat) == (WF, *at(wf, '"${{ secrets.MY_PAT }}"'), "jobs.a.steps[0].with.token")


def test_multi_document_files(scan: Scan, token: Any) -> None:
    t = token("ghp")
    gl = f"""\
            spec:
              inputs:
                stage: {{default: test}}
            ---
            release:
              variables:
                TOKEN: {t}
              script: [./release.sh]
            """
    wf = """\
            on: push
            jobs:
              a: {runs-on: x, steps: [{run: make}]}
            ---
            on: push
            permissions: write-all
            jobs:
              b: {runs-on: x, steps: [{run: make}]}
            """
    res = scan({".gitlab-ci.yml": gl, WF: wf})
    assert [where(f) for f in of(res, "token-in-ci-variables")] == [
        (".gitlab-ci.yml", *at(gl, t), "release.variables.TOKEN")
    ]
    assert [where(f) for f in of(res, "missing-permissions-block")] == [(WF, 2, 1, "jobs")]
    assert [where(f) for f in of(res, "github-token-write-all")] == [(WF, 6, 14, "permissions")]


def test_alias_bomb_finishes_quickly_with_a_notice(scan: Scan) -> None:
    levels = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, 12):
        refs = ", ".join([f"*a{i - 1}"] * 9)
        levels.append(f"a{i}: &a{i} [{refs}]")
    text = "on: push\npermissions: {}\n" + "\n".join(levels) + "\njobs: {t: {steps: [*a11]}}\n"
    began = time.monotonic()
    res = scan({WF: text})
    assert time.monotonic() - began < 5
    notices = [n for n in res.stats.notices if "alias bomb" in n]
    assert notices == [
        ".github/workflows/ci.yml: YAML aliases expand to more than 1,000,000 nodes (an alias "
        "bomb?); each anchored value was analysed once, without expanding it"
    ]
    assert of(res, "ci-file-unparsable") == []


def test_recursive_alias_and_deep_nesting_do_not_crash(scan: Scan) -> None:
    res = scan(
        {
            ".github/workflows/loop.yml": "on: push\npermissions: {}\nx: &x [*x]\njobs: {}\n",
            ".github/workflows/deep.yml": "on: push\nx: " + "[" * 5000 + "]" * 5000 + "\n",
        }
    )
    assert any("loop.yml: YAML aliases expand" in n for n in res.stats.notices)
    [deep] = of(res, "ci-file-unparsable")
    assert deep.location.path == ".github/workflows/deep.yml"
    assert deep.message == (
        "cannot parse CI file: nesting deeper than 100 levels; only the text detectors ran on it"
    )


# --- unusual but valid shapes -----------------------------------------------------------------


def test_unusual_valid_workflow_shapes(scan: Scan) -> None:
    res = scan(
        {
            ".github/workflows/a.yml": """\
            "on": [push, pull_request]
            permissions: {}
            defaults: {run: {shell: bash}}
            jobs:
              matrix:
                strategy:
                  matrix:
                    os: [ubuntu-latest, windows-latest]
                    include: [{os: macos-latest, extra: "${{ fromJSON('[1]') }}"}]
                runs-on: ${{ matrix.os }}
                steps:
                  - run: echo ${{ matrix.os }}
                  - uses: ./.github/actions/local
                  - ${{ fromJSON('{}') }}
                  - 42
                  -
              reusable:
                uses: ./.github/workflows/x.yml
                with: {a: 1}
              weird: just a string
              steps-expr:
                runs-on: x
                steps: ${{ fromJSON(needs.x.outputs.steps) }}
            """,
            ".github/workflows/b.yml": "",
            ".github/workflows/c.yml": "- just\n- a list\n",
            ".github/workflows/d.yml": "just a scalar\n",
            ".github/workflows/e.yml": "on:\n  workflow_dispatch:\njobs:\n",
            "action.yml": "name: x\nruns:\n  using: node20\n  main: index.js\n",
        }
    )
    assert [(f.rule_id, where(f)) for f in res.findings] == []
    assert res.stats.files_scanned == 6
