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


def test_a_cut_field_never_keeps_part_of_a_token(token: Any) -> None:
    """GitLab limits `solution` to 7,000 characters and `name` to 255. A remediation names
    each place of a token (hosts, paths from the scanned tree), so it can run past the limit
    with a token right across it: the field is redacted with the run's tokens before the cut,
    and the cut falls between words, so no piece of a token (one the final pass could no
    longer recognise) is left. Tokens of no known shape (a custom rule's, a legacy 40-hex one)
    and a shaped one all straddle the limit in turn."""
    from patlint.model import (
        Candidate,
        Confidence,
        Context,
        Finding,
        Location,
        ScanResult,
        ScanStats,
        Secret,
        Severity,
        Token,
        TokenRef,
    )
    from patlint.report.common import ReportMeta
    from patlint.report.gitlab_secret_detection import build

    secrets = [
        Secret("CORPX-" + "q7Rz" * 9, "custom"),
        Secret("3f9a" * 10, "legacy"),
        Secret(token("ghp"), "ghp"),
    ]
    for s in secrets:
        value = s.reveal()
        for shift in (1, len(value) // 2, len(value) - 1):  # where across the token the cut falls
            remediation = "x " * ((7000 - shift) // 2) + "y" * ((7000 - shift) % 2)
            remediation += f"{value} and then more text after it"
            assert remediation.index(value) < 7000 < remediation.index(value) + len(value)
            f = Finding(
                "custom-rule",
                "m",
                Severity.HIGH,
                Confidence.HIGH,
                Location("a.txt", 1, 1, 0),
                token=TokenRef.of(s),
                remediation=remediation,
            )
            result = ScanResult(
                [
                    Token(
                        s,
                        (
                            Candidate(
                                "custom-rule", s, f.location, Context(), f.severity, f.confidence
                            ),
                        ),
                    )
                ],
                [f],
                [],
                ScanStats(),
            )
            meta = ReportMeta(version="9", config_source="-", fail_on="high", exit_code=1,
                              verification="offline")  # fmt: skip
            (vuln,) = build(result, meta, now=0)["vulnerabilities"]
            solution = vuln["solution"]
            assert len(solution) <= 7000
            assert solution.startswith("x x x")
            for n in range(6, len(value) + 1):  # no piece of 6 characters or more of it
                for i in range(0, len(value) - n + 1):
                    assert value[i : i + n] not in solution, (s.kind, shift, n)
    # a field under the limit is kept whole (the final pass redacts it with everything else)
    from patlint.report.common import cut

    assert cut("short text", 7000, lambda t: t.upper()) == "short text"
    assert cut("one two three", 9, lambda t: t) == "one two"
    assert cut("onetwothree", 5, lambda t: t) == ""
