"""What GitLab's two formats share (patlint/report/gitlab.py): GitLab's published JSON schemas
(tests/fixtures/gitlab/, see SOURCE.txt there) and the validators every GitLab test uses, a
history finding's introducing commit, an empty report. Each format's own report:
test_gitlab_codequality.py, test_gitlab_secret_detection.py."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from jsonschema import Draft7Validator

from patlint.cli import cli
from tests.test_redaction_audit import leaks

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "gitlab"
SECRET_SCHEMA = json.loads((FIXTURES / "secret-detection-report-format.v15.2.4.json").read_text())
CODECLIMATE_SCHEMA = json.loads((FIXTURES / "gitlab-codeclimate.schema.json").read_text())
CODE_QUALITY_SEVERITIES = {"info", "minor", "major", "critical", "blocker"}


def code_quality_errors(report: Any) -> list[str]:
    """Why GitLab would drop entries of this Code Quality report: its own schema for each entry,
    and the stricter rules of its documentation."""
    if not isinstance(report, list):
        return ["not a JSON array"]
    validator = Draft7Validator(CODECLIMATE_SCHEMA)
    errors = []
    for i, item in enumerate(report):
        errors += [f"[{i}] {e.message}" for e in validator.iter_errors(item)]
        if item.get("severity") not in CODE_QUALITY_SEVERITIES:
            errors.append(f"[{i}] severity {item.get('severity')!r}")
        if not item.get("check_name") or not item.get("location", {}).get("path"):
            errors.append(f"[{i}] check_name and location.path are required")
        if not isinstance(item.get("location", {}).get("lines", {}).get("begin"), int):
            errors.append(f"[{i}] location.lines.begin must be an integer")
    fingerprints = [item.get("fingerprint") for item in report]
    if len(set(fingerprints)) != len(fingerprints):
        errors.append("fingerprints repeat: GitLab would show one entry for them")
    return errors


def secret_detection_errors(report: Any) -> list[str]:
    return [e.message for e in Draft7Validator(SECRET_SCHEMA).iter_errors(report)]


def test_the_schemas_are_the_documented_files_and_they_catch_mistakes() -> None:
    import hashlib

    source = (FIXTURES / "SOURCE.txt").read_text()
    for name in ("secret-detection-report-format.v15.2.4.json", "gitlab-codeclimate.schema.json"):
        digest = hashlib.sha256((FIXTURES / name).read_bytes()).hexdigest()
        assert f"sha256: {digest}" in source, name
    Draft7Validator.check_schema(SECRET_SCHEMA)
    minimal = {
        "version": "15.2.4",
        "scan": {
            "analyzer": {"id": "a", "name": "a", "version": "1", "vendor": {"name": "v"}},
            "scanner": {"id": "a", "name": "a", "version": "1", "vendor": {"name": "v"}},
            "type": "secret_detection",
            "start_time": "2026-01-01T00:00:00",
            "end_time": "2026-01-01T00:00:00",
            "status": "success",
        },
        "vulnerabilities": [],
    }
    assert secret_detection_errors(minimal) == []
    minimal["scan"]["end_time"] = "2026-01-01T00:00:00Z"  # type: ignore[index]
    assert secret_detection_errors(minimal)  # the validator is really applied
    assert code_quality_errors([{"description": "x", "fingerprint": "f", "severity": "high"}])


def run(cwd: Path, *args: str, env: dict[str, str] | None = None) -> Any:
    old = os.getcwd()
    os.chdir(cwd)
    try:
        return CliRunner().invoke(
            cli, ["scan", "--offline", "--no-progress", *args], env=env, catch_exceptions=False
        )
    finally:
        os.chdir(old)


def test_history_findings_name_their_introducing_commit(
    tmp_path: Path, token: Any, git_env: None
) -> None:
    secret = token("ghp")
    repo = tmp_path / "repo"
    repo.mkdir()

    def git(*args: str) -> str:
        done = subprocess.run(
            ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True
        )
        return done.stdout.strip()

    git("init", "-q", "-b", "main")
    (repo / "a.txt").write_text("clean\n")
    git("add", ".")
    git("commit", "-q", "-m", "one")
    (repo / "config.env").write_text(f"GH_TOKEN={secret}\n")
    git("add", ".")
    git("commit", "-q", "-m", "two")
    added = git("rev-parse", "HEAD")
    (repo / "config.env").unlink()
    git("commit", "-q", "-am", "three")
    for fmt in ("gitlab-secret-detection", "gitlab-codequality"):
        out = tmp_path / f"{fmt}.json"
        res = run(repo, "--history", "--format", fmt, "-o", str(out))
        assert res.exit_code == 1, res.output
        report = json.loads(out.read_text())
        if fmt == "gitlab-codequality":
            assert code_quality_errors(report) == []
            (item,) = [i for i in report if i["check_name"] == "github-classic-pat"]
            assert item["location"] == {"path": "config.env", "lines": {"begin": 1}}
            assert f"Added in commit {added}." in item["description"]
            continue
        assert secret_detection_errors(report) == []
        (vuln,) = [
            v
            for v in report["vulnerabilities"]
            if v["identifiers"][0]["value"] == "github-classic-pat"
        ]
        assert vuln["location"]["file"] == "config.env"
        assert vuln["location"]["commit"]["sha"] == added
        assert "date" in vuln["location"]["commit"]
        assert leaks(out.read_text(), {"t": secret}) == []


def test_a_clean_scan_is_an_empty_valid_report(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("nothing\n")
    for fmt in ("gitlab-codequality", "gitlab-secret-detection"):
        res = run(tmp_path, "--format", fmt, "a.txt")
        assert res.exit_code == 0
        report = json.loads(res.stdout)
        if fmt == "gitlab-codequality":
            assert report == []
        else:
            assert secret_detection_errors(report) == [] and report["vulnerabilities"] == []
