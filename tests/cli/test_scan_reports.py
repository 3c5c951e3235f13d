"""`patlint scan --report FORMAT=FILE`: several reports from one scan (the Action writes
annotations, SARIF and JSON at once), each written atomically and checked before the scan."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from patlint.cli import cli
from patlint.model import Secret


def run(cwd: Path, *args: str) -> Any:
    old = os.getcwd()
    os.chdir(cwd)
    try:
        return CliRunner().invoke(cli, ["scan", "--offline", "--no-progress", *args])
    finally:
        os.chdir(old)


def test_one_scan_writes_every_report_it_is_asked_for(tmp_path: Path, token: Any) -> None:
    secret = token("ghp")
    (tmp_path / "deploy.env").write_text(f"GH_TOKEN={secret}\n")
    out = tmp_path / "out"
    out.mkdir()
    res = run(
        tmp_path,
        "--format",
        "github",
        "--report",
        f"sarif={out / 'r.sarif'}",
        "--report",
        f"json={out / 'r.json'}",
        "--report",
        f"junit={out / 'r.xml'}",
        "deploy.env",
    )
    assert res.exit_code == 1, res.output
    assert res.stdout.startswith("::error file=deploy.env,line=1,col=10,title=github-classic-pat")
    sarif = json.loads((out / "r.sarif").read_text())
    report = json.loads((out / "r.json").read_text())
    assert [r["ruleId"] for r in sarif["runs"][0]["results"]] == ["github-classic-pat"]
    assert report["summary"]["findings"] == 1 and report["summary"]["exit_code"] == 1
    assert report["findings"][0]["token"]["preview"] == Secret(secret, "ghp").preview
    assert 'failures="1"' in (out / "r.xml").read_text()
    for path in out.iterdir():
        assert secret not in path.read_text()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("sarif", "expected FORMAT=FILE"),
        ("pdf=r.pdf", "expected FORMAT=FILE"),
        ("json=", "expected FORMAT=FILE"),
        ("json=missing/r.json", "does not exist"),
    ],
)
def test_a_bad_report_is_refused_before_the_scan(tmp_path: Path, value: str, message: str) -> None:
    (tmp_path / "a.txt").write_text("x\n")
    res = run(tmp_path, "--report", value, "a.txt")
    assert res.exit_code == 2
    assert message in res.output
    assert "files" not in res.output  # no summary line: nothing was scanned
