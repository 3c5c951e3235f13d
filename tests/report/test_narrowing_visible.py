"""What the scanned tree's own config narrowed shows where CI looks: SARIF (the run's
invocation properties and a warning notification), JUnit (a property), HTML (the header) —
not only JSON and the text line; and `--history` counts the blobs `exclude` skipped."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

NARROWED = ["disable github-classic-pat", "exclude *.log", "extends none"]
SCAN = ("scan", "--offline", "--no-progress", "--format")
NOTE = "narrowed by the scanned tree's config (3): " + ", ".join(NARROWED)


def scan(root: Path, fmt: str, *extra: str) -> str:
    proc = subprocess.run(
        [sys.executable, "-m", "patlint", *SCAN, fmt, *extra, "."],
        capture_output=True,
        text=True,
        cwd=root,
        timeout=60,
        check=False,
    )
    assert proc.returncode in (0, 1), proc.stderr
    return proc.stdout


@pytest.fixture
def repo(tmp_path: Path, git_env: None, token: Any) -> Path:
    subprocess.run(["git", "init", "-q", "-b", "main", str(tmp_path)], check=True)
    (tmp_path / ".patlint.yaml").write_text(
        'extends: none\nexclude: ["*.log"]\ndisable: [github-classic-pat]\n'
    )
    (tmp_path / "a.txt").write_text(f"t={token('ghp')}\n")
    (tmp_path / "b.log").write_text("x\n")
    (tmp_path / "c.log").write_text("y\n")
    subprocess.run(["git", "-C", str(tmp_path), "add", "-A"], check=True)
    subprocess.run(["git", "-C", str(tmp_path), "commit", "-qm", "x"], check=True)
    return tmp_path


def test_sarif_names_the_narrowing_in_the_run_and_warns(repo: Path) -> None:
    run = json.loads(scan(repo, "sarif"))["runs"][0]
    [invocation] = run["invocations"]
    assert sorted(invocation["properties"]["configNarrowed"]) == NARROWED
    warnings = [
        n["message"]["text"]
        for n in invocation["toolExecutionNotifications"]
        if n["level"] == "warning"
    ]
    assert (
        warnings
        == ["the scanned tree's own config narrowed what is reported (3): " + ", ".join(NARROWED)]
        or sorted(warnings[0].split(": ", 1)[1].split(", ")) == NARROWED
    )


def test_junit_and_html_name_the_narrowing(repo: Path) -> None:
    suite = ET.fromstring(scan(repo, "junit")).find("testsuite")  # noqa: S314 (our own output)
    assert suite is not None
    props = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert sorted((props["config_narrowed"] or "").split(", ")) == NARROWED
    html = scan(repo, "html")
    assert NOTE.replace("'", "&#x27;") in html


def test_history_counts_the_blobs_exclude_skipped(repo: Path) -> None:
    report = json.loads(scan(repo, "json", "--history"))
    assert report["summary"]["skipped_by_reason"] == {"excluded": 2}
    assert sorted(s["path"] for s in report["skipped"]) == ["b.log", "c.log"]
