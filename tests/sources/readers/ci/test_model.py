"""A CI file as the typed model the CI rules read (patlint/sources/readers/ci/model.py), built by
the real reader from real YAML: what each field holds for each way a workflow can spell it, and
positions that point at the very character (and byte) in the file."""

from __future__ import annotations

import textwrap

from patlint.sources.readers.ci import CiYamlReader
from patlint.sources.readers.ci.model import CiModel


def model(rel: str, text: str) -> CiModel:
    reading = CiYamlReader().read(textwrap.dedent(text).encode(), rel, None)
    assert reading.ci is not None
    return reading.ci


WORKFLOW = """\
    on: [push, pull_request_target]
    env:
      GLOBAL: one
    permissions: read-all
    jobs:
      build:
        if: github.event_name == 'push'
        env:
          JOB_TOKEN: ${{ secrets.GH_PAT }}
        steps:
          - uses: "  Actions/Checkout@v4 "
            with: {fetch-depth: 0, token: "${{ secrets.GH_PAT }}"}
          - just a string
          - name: script
            run: |
              echo hi
              gh pr view 1
            env: {A: b}
      call:
        uses: org/repo/.github/workflows/x.yml@main
        secrets: inherit
        permissions:
          contents: write
      broken: [not, a, mapping]
"""


def test_a_workflow_gives_its_triggers_env_permissions_jobs_and_steps() -> None:
    m = model(".github/workflows/ci.yml", WORKFLOW)
    assert m.failure is None and m.scripts == ()
    (wf,) = m.workflows
    assert not wf.composite
    assert wf.triggers == frozenset({"push", "pull_request_target"})
    assert wf.env.text("GLOBAL") == "one"
    assert wf.permissions is not None and wf.permissions.value.text == "read-all"
    assert [j.id for j in wf.jobs] == ["build", "call"]  # a job that is not a mapping is none
    build, call = wf.jobs
    assert build.path == ("jobs", "build") and build.if_ == "github.event_name == 'push'"
    assert build.env.text("JOB_TOKEN") == "${{ secrets.GH_PAT }}"
    assert [s.index for s in build.steps] == [0, 2]  # the string item still counts
    checkout, script = build.steps
    assert checkout.uses == "actions/checkout@v4" and checkout.run is None
    assert checkout.with_.text("token") == "${{ secrets.GH_PAT }}"
    assert checkout.with_.text("fetch-depth") == "0"
    assert script.path == ("jobs", "build", "steps", 2) and script.uses == ""
    assert script.run is not None and script.run.text == "echo hi\ngh pr view 1\n"
    assert script.env.text("A") == "b"
    assert call.uses == "org/repo/.github/workflows/x.yml@main" and call.steps == ()
    assert call.secrets is not None and call.secrets.text == "inherit"
    assert call.permissions is not None and call.permissions.value.text is None  # a mapping
    assert sorted(build.texts()) == sorted(
        ["${{ secrets.GH_PAT }}", "echo hi\ngh pr view 1\n", "0", "${{ secrets.GH_PAT }}", "b"]
    )


def test_triggers_as_a_string_or_a_mapping_and_no_on_at_all() -> None:
    one = model(".github/workflows/a.yml", "on: push\njobs: {}\n")
    assert one.workflows[0].triggers == frozenset({"push"})
    mapped = model(
        ".github/workflows/b.yml",
        "on:\n  issue_comment:\n    types: [created]\n  push:\njobs: {}\n",
    )
    assert mapped.workflows[0].triggers == frozenset({"issue_comment", "push"})
    (bare,) = model(".github/workflows/c.yml", "name: x\n").workflows
    assert bare.triggers == frozenset() and bare.jobs == () and bare.jobs_key is None


def test_merge_keys_resolve_and_a_repeated_key_keeps_its_first_value() -> None:
    """A later duplicate cannot hide what a rule reads first (YAML keeps the last)."""
    m = model(
        ".github/workflows/d.yml",
        """\
        on: push
        x-defaults: &defaults
          PERM: from-anchor
        env:
          <<: *defaults
          OWN: own
        jobs:
          j:
            permissions: write-all
            permissions: read-all
            steps: []
        """,
    )
    (wf,) = m.workflows
    assert wf.env.text("PERM") == "from-anchor" and wf.env.text("OWN") == "own"
    (job,) = wf.jobs
    assert job.permissions is not None and job.permissions.value.text == "write-all"


def test_a_composite_action_is_one_job_named_runs() -> None:
    m = model(
        "action.yml",
        """\
        name: x
        runs:
          using: composite
          steps:
            - run: echo ${{ inputs.token }}
              shell: bash
        """,
    )
    (wf,) = m.workflows
    assert wf.composite and wf.triggers == frozenset() and wf.permissions is None
    (job,) = wf.jobs
    assert job.id == "runs" and job.path == ("runs",)
    assert job.steps[0].run is not None and job.steps[0].run.text == "echo ${{ inputs.token }}"
    assert model("action.yml", "runs:\n  using: node20\n").workflows[0].jobs[0].steps == ()
    assert model("action.yml", "runs: docker\n").workflows == ()


def test_other_platforms_give_their_scripts_in_file_order() -> None:
    m = model(
        ".gitlab-ci.yml",
        """\
        variables:
          DEPLOY: "echo four"
        build:
          before_script:
            - echo one
          script:
            - echo two
            - 42
          after_script: echo three
        """,
    )
    assert m.workflows == ()
    texts = [(s.value.text, s.path) for s in m.scripts]
    assert ("echo one", ("build", "before_script", 0)) in texts
    assert ("echo two", ("build", "script", 0)) in texts
    assert ("echo three", ("build", "after_script")) in texts
    assert all(t not in ("42", "echo four") for t, _ in texts)  # an integer, a variable
    lines = [m.location(m.index_of(s.value.node)).line for s in m.scripts]
    assert lines == sorted(lines)


def test_positions_point_at_the_character_and_its_byte_after_multibyte_text() -> None:
    text = textwrap.dedent(
        """\
        # ünïcödé before: bytes and characters differ from here on
        on: push
        jobs:
          j:
            steps:
              - run: |
                  echo "héllo"
                  echo "$MARK"
        """
    )
    m = model(".github/workflows/e.yml", text)
    run = m.workflows[0].jobs[0].steps[0].run
    assert run is not None and run.text is not None
    offset = run.text.index("$MARK")
    index = m.index_in(run, offset)
    assert m.doc is not None and m.doc.text[index : index + 5] == "$MARK"
    loc = m.location(index)
    assert (loc.line, loc.column) == (8, 17)
    assert loc.offset is not None
    assert text.encode()[loc.offset : loc.offset + 5] == b"$MARK"
    assert m.yaml_path_at(8, 17) == ("jobs", "j", "steps", 0, "run")
    assert m.yaml_path_at(2, 1) == ("on",)  # a key: its own name appended
    assert m.yaml_path_at(1, 5) is None  # a comment
    ctx = m.context(("jobs", "j"))
    assert (ctx.file_type, ctx.usage) == ("ci-yaml", "ci") and ctx.key


def test_a_file_that_is_not_yaml_is_a_model_with_its_failure() -> None:
    m = model(".github/workflows/f.yml", "on: push\njobs:\n  j: [unclosed\n")
    assert m.doc is None and m.workflows == () and m.scripts == ()
    assert m.failure is not None and m.failure.reason
    assert m.failure.line is not None and m.failure.line >= 3
