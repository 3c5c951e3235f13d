"""`--format gitlab-codequality`, validated against GitLab's published Code Quality schema
(tests/fixtures/gitlab/, see SOURCE.txt there) and the stricter rules of its documentation."""

from __future__ import annotations

import json
from pathlib import Path

from patlint.model import Secret, finding_fingerprint
from tests.report.test_gitlab import code_quality_errors, run
from tests.test_redaction_audit import leaks


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
