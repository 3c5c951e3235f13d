"""examples/github-actions-fleet.yml and examples/gitlab-fleet.yml: parsed, checked against
what the CI systems require, and their script lines run in a simulated runner (real bash, real
patlint, real repositories, the loopback GitHub emulator for `org` and for verification)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.fleet.helpers import make_fleet, places, scan_json
from tests.github.conftest import keypair
from tests.github_emulator import Emulator
from tests.github_emulator_org import install

__all__ = ["keypair"]
EXAMPLES = Path(__file__).parents[2] / "examples"
pytestmark = pytest.mark.usefixtures("git_env")


def _bin(tmp_path: Path, api: str) -> Path:
    """A `patlint` on PATH that runs this checkout, pointed at the emulator for the commands
    that talk to GitHub (as `--github-api` would be configured on a GHES runner)."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    script = bindir / "patlint"
    script.write_text(
        f'#!/bin/sh\ncase "$1" in\n  merge|org) exec {sys.executable} -m patlint "$@" '
        f'--github-api {api} ;;\nesac\nexec {sys.executable} -m patlint "$@"\n'
    )
    script.chmod(0o755)
    return bindir


def _env(tmp_path: Path, bindir: Path, extra: dict[str, str]) -> dict[str, str]:
    gitconfig = tmp_path / "runner.gitconfig"
    gitconfig.touch()
    return {
        **os.environ,
        "PATH": f"{bindir}{os.pathsep}{os.environ['PATH']}",
        "GIT_CONFIG_GLOBAL": str(gitconfig),
        "PYTHONPATH": str(Path(__file__).parents[2]),
        **extra,
    }


def _bash(script: str, cwd: Path, env: dict[str, str]) -> None:
    proc = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def _expand(text: str, values: dict[str, str]) -> str:
    def sub(m: re.Match[str]) -> str:
        return values[m.group(1).strip()]

    return re.sub(r"\$\{\{(.*?)\}\}", sub, text)


def test_github_actions_fleet_workflow(
    tmp_path: Path, token: Any, emulator: Emulator, keypair: tuple[bytes, bytes]
) -> None:
    wf = yaml.safe_load((EXAMPLES / "github-actions-fleet.yml").read_text())
    jobs = wf["jobs"]
    scan, merge = jobs["scan"], jobs["merge"]
    # values reach shell through `env`, never as `${{ }}` pasted into a script (the project's
    # own rule for action.yml; the example broke it until an attacker's review said so)
    runs = [s["run"] for j in jobs.values() for s in j["steps"] if "run" in s]
    assert runs and all("${{" not in r for r in runs), [r for r in runs if "${{" in r]
    shards = scan["strategy"]["matrix"]["shard"]
    assert scan["strategy"]["fail-fast"] is False and scan["needs"] == "list"
    assert str(len(shards)) == wf["env"]["SHARDS"] and shards == list(range(1, len(shards) + 1))
    assert merge["needs"] == "scan" and merge["if"] == "${{ !cancelled() }}"
    assert merge["permissions"]["security-events"] == "write"
    downloads = [s for s in merge["steps"] if "download-artifact" in s.get("uses", "")]
    download = next(s for s in downloads if "pattern" in s["with"])
    assert download["with"]["merge-multiple"] is True
    # the merge reads tokens again only from the list the shards scanned: it downloads it too
    assert any(s["with"].get("name") == "patlint-repos" for s in downloads)
    assert any("--repos repos.txt" in s.get("run", "") for s in merge["steps"])
    uploads = [s for s in scan["steps"] if "upload-artifact" in s.get("uses", "")]
    assert "${{ matrix.shard }}" in uploads[0]["with"]["name"]
    assert "${{ matrix.shard }}" in uploads[0]["with"]["path"]  # unique file names too

    listing, secrets = make_fleet(tmp_path, token)
    for value in secrets.values():
        emulator.add(value)
    org = install(emulator, public_key_pem=keypair[1])
    org.installations["acme"] = 9
    org.repos["acme"] = [{"full_name": "acme/a", "clone_url": "https://github.com/acme/a.git"}]
    bindir = _bin(tmp_path, emulator.base_url)
    artifacts: dict[str, list[Path]] = {}
    values = {
        "secrets.PATLINT_APP_KEY": keypair[0].decode(),
        "vars.PATLINT_APP_ID": "4242",
        "github.repository_owner": "acme",
        "steps.app.outputs.token": "not-a-real-token",
        "!cancelled()": "true",
    }

    def run_job(name: str, work: Path, matrix: dict[str, str]) -> None:
        job = jobs[name]
        work.mkdir()
        scope = {**values, **{f"matrix.{k}": v for k, v in matrix.items()}}
        runner = tmp_path / f"runner-{name}-{matrix.get('shard', '')}"
        runner.mkdir()
        for step in job["steps"]:
            uses = step.get("uses", "")
            with_ = {k: _expand(str(v), scope) for k, v in (step.get("with") or {}).items()}
            if "upload-artifact" in uses:
                assert with_["name"] not in artifacts, "artifact names must be unique"
                artifacts[with_["name"]] = [
                    work / p.strip() for p in with_["path"].split("\n") if p.strip()
                ]
                for p in artifacts[with_["name"]]:
                    assert p.is_file(), p
            elif "download-artifact" in uses:
                dest = work / with_.get("path", ".")
                dest.mkdir(exist_ok=True)
                pattern = with_.get("pattern", with_.get("name", ""))
                for art, files in artifacts.items():
                    if re.fullmatch(pattern.replace("*", ".*"), art):
                        for f in files:
                            assert not (dest / f.name).exists(), "merge-multiple: names clash"
                            shutil.copy(f, dest / f.name)
            elif "run" in step and not step["run"].startswith("pip install"):
                env = {**wf["env"], **job.get("env", {}), **step.get("env", {})}
                env = {k: _expand(str(v), scope) for k, v in env.items()}
                env["RUNNER_TEMP"] = str(runner)
                _bash(_expand(step["run"], scope), work, _env(tmp_path, bindir, env))

    run_job("list", tmp_path / "w-list", {})
    assert (tmp_path / "w-list" / "repos.txt").read_text() == "https://github.com/acme/a.git\n"
    # the fleet of this test is local: the list job's artifact is replaced by its list
    shutil.copy(listing, artifacts["patlint-repos"][0])
    for k in shards:
        run_job("scan", tmp_path / f"w-scan-{k}", {"shard": str(k)})
    run_job("merge", tmp_path / "w-merge", {})
    fleet = json.loads((tmp_path / "w-merge" / "fleet.json").read_text())
    _, whole = scan_json(listing)
    assert places(fleet) == places(whole)
    assert fleet["fleet"]["shards"] == [f"{k}/{len(shards)}" for k in shards]
    assert {t["verification"]["status"] for t in fleet["tokens"]} == {"valid"}
    seen = {t for t in emulator.tokens_seen() if not t.startswith(("ey", "ghs_"))}  # the App's
    assert seen == set(secrets.values())  # shards are offline: the merge job asked
    sarif = json.loads((tmp_path / "w-merge" / "fleet.sarif").read_text())
    assert sarif["runs"][0]["results"]
    assert "<html" in (tmp_path / "w-merge" / "fleet.html").read_text().lower()


def test_gitlab_fleet_pipeline(tmp_path: Path, token: Any, emulator: Emulator) -> None:
    ci = yaml.safe_load((EXAMPLES / "gitlab-fleet.yml").read_text())
    shard, merge = ci["patlint-shard"], ci["patlint-merge"]
    total = shard["parallel"]
    assert isinstance(total, int) and 1 < total <= 200
    assert merge["needs"] == [{"job": "patlint-shard", "artifacts": True}]
    assert merge["when"] == "always" and shard["artifacts"]["when"] == "always"
    assert "--repos repos.txt" in merge["script"][0]
    assert "$CI_NODE_INDEX" in shard["artifacts"]["paths"][0]  # unique names: no overwrite

    listing, secrets = make_fleet(tmp_path, token)
    for value in secrets.values():
        emulator.add(value)
    bindir = _bin(tmp_path, emulator.base_url)
    project = tmp_path / "project"
    project.mkdir()
    shutil.copy(listing, project / "repos.txt")
    collected = tmp_path / "merge-job"
    shutil.copytree(project, collected)  # the merge job's checkout: repos.txt is in it
    for k in range(1, total + 1):
        work = tmp_path / f"job-{k}"
        shutil.copytree(project, work)
        env = _env(
            tmp_path,
            bindir,
            {
                **ci["variables"],
                "CI_NODE_INDEX": str(k),
                "CI_NODE_TOTAL": str(total),
                "CI_PROJECT_DIR": str(work),
            },
        )
        _bash("\n".join(shard["script"]), work, env)
        for pattern in shard["artifacts"]["paths"]:
            name = pattern.replace("$CI_NODE_INDEX", str(k))
            assert not (collected / name).exists()
            shutil.copy(work / name, collected / name)
    env = _env(tmp_path, bindir, {**ci["variables"], "CI_PROJECT_DIR": str(collected)})
    # one merge: the text report to the job log (it fails the job on findings), the rest to files
    proc = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", "\n".join(merge["script"])],
        cwd=collected,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    fleet = json.loads((collected / "fleet.json").read_text())
    _, whole = scan_json(listing)
    assert places(fleet) == places(whole)
    assert {t["verification"]["status"] for t in fleet["tokens"]} == {"valid"}
    assert json.loads((collected / "fleet.sarif").read_text())["runs"][0]["results"]
    assert "<html" in (collected / "fleet.html").read_text().lower()
    assert proc.returncode == 1 and "token-stored-in-several-places" in proc.stdout
