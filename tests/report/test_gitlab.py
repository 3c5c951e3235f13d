"""`--format gitlab-codequality` and `--format gitlab-secret-detection`, validated against
GitLab's published JSON schemas (tests/fixtures/gitlab/, see SOURCE.txt there)."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from jsonschema import Draft7Validator

from patlint.cli import cli
from patlint.model import Secret, finding_fingerprint
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


@pytest.fixture
def tree(tmp_path: Path, token: Any) -> tuple[Path, dict[str, str]]:
    """A token in three files (one binary), another once, a workflow without permissions."""
    tokens = {"shared": token("ghp"), "single": token("gho")}
    root = tmp_path / "tree"
    (root / "src").mkdir(parents=True)
    (root / ".github" / "workflows").mkdir(parents=True)
    (root / "src" / "app.py").write_text(f'# setup\nTOKEN = "{tokens["shared"]}"\n')
    (root / "deploy.env").write_text(f"GH_TOKEN={tokens['shared']}\nOAUTH={tokens['single']}\n")
    (root / "blob.bin").write_bytes(b"\x00\x01" * 10 + tokens["shared"].encode() + b"\x00")
    (root / ".github" / "workflows" / "ci.yml").write_text(
        "on: push\njobs:\n  b:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo hi\n"
    )
    return root, tokens


def test_code_quality_report_has_one_valid_entry_per_place(
    tree: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    root, tokens = tree
    out = tmp_path / "cq.json"
    res = run(root, "--format", "gitlab-codequality", "-o", str(out), "--report", "json=r.json")
    assert res.exit_code == 1, res.output
    report = json.loads(out.read_text(encoding="utf-8"))
    assert code_quality_errors(report) == []
    by_rule: dict[str, list[tuple[str, int]]] = {}
    for item in report:
        loc = item["location"]
        by_rule.setdefault(item["check_name"], []).append((loc["path"], loc["lines"]["begin"]))
    assert sorted(by_rule["github-classic-pat"]) == [
        ("blob.bin", 1),  # binary: line 1, the byte offset in the description
        ("deploy.env", 1),
        ("src/app.py", 2),
    ]
    assert by_rule["github-oauth-token"] == [("deploy.env", 2)]
    assert by_rule["missing-permissions-block"] == [(".github/workflows/ci.yml", 2)]
    shared = Secret(tokens["shared"], "ghp")
    for item in report:
        if item["check_name"] == "github-classic-pat":
            path = item["location"]["path"]
            assert item["severity"] == "critical"  # patlint's high
            assert item["fingerprint"] == finding_fingerprint(
                "github-classic-pat", path, shared.digest
            )
            assert shared.preview in item["description"] and shared.digest in item["description"]
    binary = next(i for i in report if i["location"]["path"] == "blob.bin")
    assert "At byte offset 20." in binary["description"]
    # the finding's own fingerprint is the entry at its primary place (baselines still match)
    findings = json.loads((root / "r.json").read_text())["findings"]
    assert {f["fingerprint"] for f in findings} <= {i["fingerprint"] for i in report}
    assert leaks(out.read_text(), tokens) == []


def test_secret_detection_report_validates_against_gitlabs_schema(
    tree: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    root, tokens = tree
    out = tmp_path / "sd.json"
    sha = "a" * 40
    res = run(
        root, "--format", "gitlab-secret-detection", "-o", str(out), env={"CI_COMMIT_SHA": sha}
    )
    assert res.exit_code == 1, res.output
    report = json.loads(out.read_text(encoding="utf-8"))
    assert secret_detection_errors(report) == []
    assert report["version"] == "15.2.4"
    scan = report["scan"]
    assert scan["type"] == "secret_detection" and scan["status"] == "success"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", scan["start_time"])
    assert scan["start_time"] <= scan["end_time"]
    vulns = report["vulnerabilities"]
    places = sorted(
        (v["identifiers"][0]["value"], v["location"]["file"], v["location"].get("start_line"))
        for v in vulns
    )
    assert ("github-classic-pat", "blob.bin", None) in places
    assert ("github-classic-pat", "src/app.py", 2) in places
    assert ("github-oauth-token", "deploy.env", 2) in places
    assert len({v["id"] for v in vulns}) == len(vulns)
    assert all(v["location"]["commit"]["sha"] == sha for v in vulns)
    classic = next(v for v in vulns if v["location"]["file"] == "src/app.py")
    assert classic["severity"] == "High"
    assert classic["identifiers"][0]["url"].startswith("https://")
    assert "raw_source_code_extract" not in json.dumps(report)
    assert leaks(out.read_text(), tokens) == []

    # without CI_COMMIT_SHA: GitLab's placeholder, still valid; the ids are stable across runs
    again = tmp_path / "sd2.json"
    assert run(root, "--format", "gitlab-secret-detection", "-o", str(again)).exit_code == 1
    second = json.loads(again.read_text())
    assert secret_detection_errors(second) == []
    assert {v["location"]["commit"]["sha"] for v in second["vulnerabilities"]} == {"0000000"}
    assert sorted(v["id"] for v in second["vulnerabilities"]) == sorted(v["id"] for v in vulns)


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
