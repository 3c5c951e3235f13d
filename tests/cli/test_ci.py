"""`patlint ci github|gitlab|pre-push`, the glue of action.yml, the GitLab template and the
pre-push hook, run as the CI systems run it: a real process, a real clone with a real
base..head range, GitHub's real event payloads (tests/fixtures/github/) with their commit ids
rewritten, and the files GitHub Actions hands a step (GITHUB_OUTPUT, GITHUB_STEP_SUMMARY)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from patlint.cli.ci import REPORTS
from patlint.model import Secret
from tests.report.test_gitlab import code_quality_errors, secret_detection_errors
from tests.report.test_markdown import table_rows, unescape
from tests.test_cilog import runner_commands
from tests.test_redaction_audit import leaks

EVENTS = Path(__file__).resolve().parent.parent / "fixtures" / "github"
ZERO = "0" * 40


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True
    ).stdout.strip()


def commit(repo: Path, files: dict[str, str | None], message: str) -> str:
    for name, text in files.items():
        if text is None:
            (repo / name).unlink()
        else:
            (repo / name).write_text(text)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD")


class Project:
    """An upstream repository and the workspace a runner checks out with `fetch-depth: 0`.

    main holds an old token (`old`, not the pull request's business); the feature branch adds
    a token and removes it again (`gone`: only in history) and adds one that stays (`kept`).
    """

    def __init__(self, tmp: Path, token: Any) -> None:
        self.tokens = {"old": token("ghp"), "gone": token("ghp"), "kept": token("gho")}
        self.upstream = tmp / "upstream"
        self.upstream.mkdir()
        up = self.upstream
        git(up, "init", "-q", "-b", "main")
        commit(up, {"README.md": "# project\n"}, "init")
        self.base = commit(up, {"legacy.env": f"OLD={self.tokens['old']}\n"}, "old token")
        git(up, "checkout", "-q", "-b", "feature")
        commit(up, {"deploy.env": f"GH_TOKEN={self.tokens['gone']}\n"}, "add deploy config")
        commit(up, {"deploy.env": "GH_TOKEN=${{ secrets.DEPLOY }}\n"}, "use a secret")
        self.head = commit(up, {"app.py": f'OAUTH = "{self.tokens["kept"]}"\n'}, "oauth")
        git(up, "checkout", "-q", "main")
        self.workspace = tmp / "workspace"
        git(tmp, "clone", "-q", "--no-local", str(up), str(self.workspace))
        git(self.workspace, "checkout", "-q", self.head)
        self.runner_temp = tmp / "runner-temp"
        self.runner_temp.mkdir()
        self.output = tmp / "github_output"
        self.summary = tmp / "step_summary.md"

    def event(self, name: str, **changes: Any) -> Path:
        """A saved payload with its commit ids rewritten to this project's."""
        payload = json.loads((EVENTS / name).read_text())
        if "pull_request" in payload:
            payload["pull_request"]["base"]["sha"] = self.base
            payload["pull_request"]["head"]["sha"] = self.head
        for key, value in changes.items():
            payload[key] = value
        path = self.runner_temp.parent / f"event-{name}"
        path.write_text(json.dumps(payload))
        return path

    def run(
        self, platform: str, env: dict[str, str], *args: str
    ) -> subprocess.CompletedProcess[str]:
        full = {**os.environ, **env}
        return subprocess.run(
            [sys.executable, "-m", "patlint", "ci", platform, *args],
            cwd=self.workspace,
            env=full,
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
        )

    def actions_env(self, event_name: str, event: Path, **inputs: str) -> dict[str, str]:
        return {
            "GITHUB_ACTIONS": "true",
            "GITHUB_EVENT_NAME": event_name,
            "GITHUB_EVENT_PATH": str(event),
            "GITHUB_OUTPUT": str(self.output),
            "GITHUB_STEP_SUMMARY": str(self.summary),
            "GITHUB_WORKSPACE": str(self.workspace),
            "RUNNER_TEMP": str(self.runner_temp),
            **{f"PATLINT_{k.upper()}": v for k, v in inputs.items()},
        }


def outputs(path: Path) -> dict[str, str]:
    """GITHUB_OUTPUT as the runner reads it: `name=value` lines and `name<<DELIM` blocks."""
    out: dict[str, str] = {}
    lines = path.read_text().splitlines() if path.exists() else []
    i = 0
    while i < len(lines):
        m = re.fullmatch(r"([\w-]+)<<(\S+)", lines[i])
        if m:
            end = lines.index(m.group(2), i + 1)
            out[m.group(1)] = "\n".join(lines[i + 1 : end])
            i = end + 1
            continue
        name, _, value = lines[i].partition("=")
        out[name] = value
        i += 1
    return out


@pytest.fixture
def project(tmp_path: Path, token: Any, git_env: None) -> Project:
    return Project(tmp_path, token)


def test_pull_request_scans_its_commits_with_every_output(project: Project) -> None:
    event = project.event("gh-event-pull_request_opened.payload.json")
    done = project.run("github", project.actions_env("pull_request", event, offline="true"))
    assert done.returncode == 1, done.stdout + done.stderr
    assert done.stdout.startswith(
        f"patlint: scanning the commits of pull request #2: {project.base[:12]}..{project.head[:12]}\n"
    )
    # annotations: the token only in history (at the commit that added it) and the kept one
    annotations = [ln for ln in done.stdout.splitlines() if ln.startswith("::error ")]
    files = {re.search(r"file=([^,]+)", a).group(1) for a in annotations}  # type: ignore[union-attr]
    assert files == {"deploy.env", "app.py"}
    assert "legacy.env" not in done.stdout  # on main before the pull request: not its business

    out = outputs(project.output)
    assert out["exit-code"] == "1"
    assert out["findings"] == str(len(annotations)) and out["tokens"] == "2"
    sarif = json.loads(Path(out["sarif-file"]).read_text())
    report = json.loads(Path(out["json-file"]).read_text())
    assert Path(out["sarif-file"]).parent == project.runner_temp / "patlint"
    assert {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in sarif["runs"][0]["results"]
    } == {"deploy.env", "app.py"}
    assert report["summary"]["findings"] == int(out["findings"])
    assert {t["preview"] for t in report["tokens"]} == {
        Secret(project.tokens["gone"], "ghp").preview,
        Secret(project.tokens["kept"], "gho").preview,
    }

    summary = project.summary.read_text()
    assert summary.startswith("## patlint: ") and "in 2 tokens" in summary
    rows = table_rows(summary, "| token | kind")
    assert {unescape(r[4]).split(" @ ")[0] for r in rows} == {"deploy.env:1:10", "app.py:1:10"}
    everything = "\n".join(
        [
            done.stdout,
            done.stderr,
            project.output.read_text(),
            summary,
            unescape(summary),
            Path(out["sarif-file"]).read_text(),
            Path(out["json-file"]).read_text(),
        ]
    )
    assert leaks(everything, project.tokens) == []


def test_synchronize_event_and_a_hostile_title_and_branch_change_nothing(
    project: Project, tmp_path: Path
) -> None:
    pwned = tmp_path / "pwned"
    event = project.event("gh-event-pull_request_synchronize.payload.json")
    payload = json.loads(event.read_text())
    pr = payload["pull_request"]
    pr["title"] = f'"; touch {pwned}; echo "$(touch {pwned})`touch {pwned}`'
    pr["head"]["ref"] = f"$(touch {pwned})"
    pr["body"] = "::error file=evil::fake annotation\n::set-output name=exit-code::0"
    event.write_text(json.dumps(payload))
    done = project.run("github", project.actions_env("pull_request", event, offline="true"))
    assert done.returncode == 1
    assert not pwned.exists()
    assert "touch" not in done.stdout + done.stderr and "fake annotation" not in done.stdout
    assert outputs(project.output)["exit-code"] == "1"


def test_push_of_a_new_branch_and_inputs(project: Project) -> None:
    event = project.event(
        "gh-event-push_with-new-branch.payload.json",
        before=ZERO,
        after=project.head,
        ref="refs/heads/feature",
        repository={"default_branch": "main"},
    )
    env = project.actions_env(
        "push", event, offline="yes", fail_on="high", summary="false", args="--no-suppress -v"
    )
    done = project.run("github", env)
    # the gho_ token (high) fails it; the old token on main is not scanned
    assert done.returncode == 1, done.stdout + done.stderr
    assert "the pushed commits not on main (a new branch)" in done.stdout
    assert "legacy.env" not in done.stdout
    assert not project.summary.exists()  # summary: false
    out = outputs(project.output)
    assert out["exit-code"] == "1" and out["tokens"] == "2"
    # a push's range is not the branch's whole state: code scanning would close older alerts
    assert out["sarif-file"] == "" and Path(out["json-file"]).is_file()
    assert (
        "patlint: note: the SARIF report is not offered for upload: it covers only" in done.stdout
    )


def test_pull_request_target_offers_no_sarif_for_the_base_branch(project: Project) -> None:
    """upload-sarif files a pull_request_target run under the base branch's ref (found by an
    attacker's review): the pull request's commits would read as main's whole state."""
    event = project.event("gh-event-pull_request_opened.payload.json")
    done = project.run("github", project.actions_env("pull_request_target", event, offline="1"))
    assert done.returncode == 1, done.stdout + done.stderr
    out = outputs(project.output)
    assert out["sarif-file"] == "" and out["findings"] != ""
    assert "a pull_request_target run uploads under the ref it was started for" in done.stdout


@pytest.mark.parametrize("event_name", ["workflow_run", "issue_comment"])
def test_events_that_upload_under_the_default_branch_offer_no_sarif(
    project: Project, event_name: str
) -> None:
    """These run with GITHUB_REF set to the default branch, typically to scan a pull request's
    code (an attacker's review found them still offered): that SARIF would close main's alerts."""
    event = project.event("gh-event-pull_request_opened.payload.json")
    done = project.run("github", project.actions_env(event_name, event, offline="1"))
    assert done.returncode == 1, done.stdout + done.stderr
    assert outputs(project.output)["sarif-file"] == ""
    assert f"a {event_name} run uploads under the ref it was started for" in done.stdout


def test_a_config_in_the_tree_cannot_forge_the_outputs(project: Project) -> None:
    """A key of the checkout's config holding `\\n::set-output name=findings::0` came out raw in
    the error: the runner took the forged outputs, and only exit-code was written after them,
    so `findings` read 0 and `sarif-file` named a SARIF of the attacker's for upload."""
    forged = "::set-output name=findings::0\n::set-output name=sarif-file::clean.sarif"
    (project.workspace / ".patlint.yaml").write_text(json.dumps({f"x\n{forged}\ny": 1}))
    event = project.event("gh-event-pull_request_opened.payload.json")
    done = project.run("github", project.actions_env("pull_request", event, offline="1"))
    assert done.returncode == 2, done.stdout + done.stderr
    commands = runner_commands(done.stdout + "\n" + done.stderr)
    assert all(c.startswith("::error title=patlint::") for c in commands), commands
    assert outputs(project.output) == {
        "findings": "",
        "tokens": "",
        "sarif-file": "",
        "json-file": "",
        "exit-code": "2",
    }


def test_push_that_deletes_a_tag_scans_nothing(project: Project) -> None:
    event = project.event("gh-event-push_payload.json")  # after: all zeros, deleted: true
    done = project.run("github", project.actions_env("push", event))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "patlint: scanning nothing: refs/tags/simple-tag was deleted" in done.stdout
    out = {"findings": "0", "tokens": "0", "exit-code": "0", "sarif-file": "", "json-file": ""}
    assert outputs(project.output) == out


def test_history_none_scans_the_tree_and_a_bad_input_is_one_annotation(project: Project) -> None:
    event = project.event("gh-event-pull_request_opened.payload.json")
    done = project.run(
        "github", project.actions_env("pull_request", event, history="none", offline="1")
    )
    assert done.returncode == 1
    assert "legacy.env" in done.stdout and "deploy.env" not in done.stdout  # the checked-out tree

    project.output.unlink()
    done = project.run("github", project.actions_env("pull_request", event, offline="maybe"))
    assert done.returncode == 2
    assert "::error title=patlint::PATLINT_OFFLINE: 'maybe': expected true or false" in done.stdout
    assert outputs(project.output) == {
        "exit-code": "2",
        **dict.fromkeys(("findings", "tokens", "sarif-file", "json-file"), ""),
    }


def test_a_shallow_checkout_says_to_fetch_the_history(project: Project, tmp_path: Path) -> None:
    shallow = tmp_path / "shallow"
    git(
        tmp_path,
        "clone",
        "-q",
        "--depth",
        "1",
        "--branch",
        "feature",
        f"file://{project.upstream}",
        str(shallow),
    )
    project.workspace = shallow
    event = project.event("gh-event-pull_request_opened.payload.json")
    done = project.run("github", project.actions_env("pull_request", event))
    assert done.returncode == 2
    assert "fetch-depth: 0" in done.stdout and done.stdout.count("::error") == 1


def test_gitlab_merge_request_pipeline_writes_every_report(project: Project) -> None:
    # a report path the merge request itself committed as a link must not receive the report
    victim = project.runner_temp / "victim.txt"
    victim.write_text("keep me\n")
    (project.workspace / REPORTS["gitlab-codequality"]).symlink_to(victim)
    env = {
        "GITLAB_CI": "true",
        "CI_PIPELINE_SOURCE": "merge_request_event",
        "CI_MERGE_REQUEST_IID": "3",
        "CI_MERGE_REQUEST_DIFF_BASE_SHA": project.base,
        "CI_COMMIT_SHA": project.head,
        "PATLINT_OFFLINE": "true",
    }
    done = project.run("gitlab", env)
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"scanning the commits of merge request !3: {project.base[:12]}" in done.stdout
    assert "github-classic-pat" in done.stdout and "deploy.env" in done.stdout
    assert victim.read_text() == "keep me\n"
    ws = project.workspace
    quality = json.loads((ws / REPORTS["gitlab-codequality"]).read_text())
    secrets = json.loads((ws / REPORTS["gitlab-secret-detection"]).read_text())
    assert not (ws / REPORTS["gitlab-codequality"]).is_symlink()
    assert code_quality_errors(quality) == [] and secret_detection_errors(secrets) == []
    assert {i["location"]["path"] for i in quality} == {"deploy.env", "app.py"}
    shas = {v["location"]["commit"]["sha"] for v in secrets["vulnerabilities"]}
    assert shas <= set(git(ws, "rev-list", f"{project.base}..{project.head}").split())
    assert 'failures="' in (ws / REPORTS["junit"]).read_text()
    assert json.loads((ws / REPORTS["json"]).read_text())["summary"]["tokens"] == 2
    texts = [done.stdout, done.stderr, *((ws / n).read_text() for n in REPORTS.values())]
    assert leaks("\n".join(texts), project.tokens) == []


def test_pre_push_uses_pre_commits_refs(project: Project) -> None:
    env = {"PRE_COMMIT_FROM_REF": project.base, "PRE_COMMIT_TO_REF": project.head}
    done = project.run("pre-push", env, "--offline")
    assert done.returncode == 1
    assert "deploy.env" in done.stdout and "legacy.env" not in done.stdout
    clean = project.run(
        "pre-push",
        {"PRE_COMMIT_FROM_REF": project.head, "PRE_COMMIT_TO_REF": project.head},
        "--offline",
    )
    assert clean.returncode == 0, clean.stdout + clean.stderr
