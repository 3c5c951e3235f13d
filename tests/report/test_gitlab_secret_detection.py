"""`--format gitlab-secret-detection`, validated against GitLab's published Secret Detection
schema (tests/fixtures/gitlab/, see SOURCE.txt there)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

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
from patlint.report.common import ReportMeta, cut
from patlint.report.gitlab_secret_detection import build
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


def test_a_cut_field_never_keeps_part_of_a_token(token: Any) -> None:
    """GitLab limits `solution` to 7,000 characters and `name` to 255. A remediation names
    each place of a token (hosts, paths from the scanned tree), so it can run past the limit
    with a token right across it: the field is redacted with the run's tokens before the cut,
    and the cut falls between words, so no piece of a token (one the final pass could no
    longer recognise) is left. Tokens of no known shape (a custom rule's, a legacy 40-hex one)
    and a shaped one all straddle the limit in turn."""

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
    assert cut("short text", 7000, lambda t: t.upper()) == "short text"
    assert cut("one two three", 9, lambda t: t) == "one two"
    assert cut("onetwothree", 5, lambda t: t) == ""
