"""`--format gitlab-secret-detection`, validated against GitLab's published Secret Detection
schema (tests/fixtures/gitlab/, see SOURCE.txt there)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.report.test_gitlab import run, secret_detection_errors
from tests.test_redaction_audit import leaks


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
