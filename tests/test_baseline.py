"""Baselines: `patlint baseline create|update`, `scan --baseline`, detect-secrets baselines."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from patlint.baseline import load
from patlint.cli import cli
from patlint.engine.run import ScanOptions
from patlint.model import Confidence, Finding, Location, Secret, Severity, TokenRef, redact
from patlint.policy.judge import in_baseline

TokenFactory = Callable[..., str]
DETECT_SECRETS = shutil.which(
    "detect-secrets", path=os.path.dirname(sys.executable)
) or shutil.which("detect-secrets")


def run(*args: str, cwd: Path) -> tuple[int, str, str]:
    old = os.getcwd()
    os.chdir(cwd)
    try:
        res = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    finally:
        os.chdir(old)
    return res.exit_code, res.stdout, res.stderr


def scan_json(cwd: Path, *args: str) -> tuple[int, dict[str, Any]]:
    code, out, _ = run("scan", "--offline", "--no-progress", "--format", "json", *args, cwd=cwd)
    return code, json.loads(out)


def test_round_trip_reports_only_the_new_token(tmp_path: Path, token: TokenFactory) -> None:
    old, new = token("ghp"), token("gho")
    (tmp_path / "app.env").write_text(f"A=1\nGH_TOKEN={old}\n")

    code, _, err = run("baseline", "create", ".patlint-baseline.json", cwd=tmp_path)
    assert code == 0, err
    assert "1 finding(s) recorded (1 added, 0 removed, 0 kept" in err
    raw = (tmp_path / ".patlint-baseline.json").read_text()
    assert old not in raw
    doc = json.loads(raw)
    assert doc["schema_version"] == 1
    (entry,) = doc["findings"]
    assert entry["rule_id"] == "github-classic-pat"
    assert (entry["path"], entry["line"], entry["column"]) == ("app.env", 2, 10)
    assert entry["token"] == {
        "kind": "ghp",
        "preview": redact(old),
        "sha256": Secret(old, "ghp").digest,
    }
    assert len(entry["fingerprint"]) == 64

    code, report = scan_json(tmp_path, "--baseline", ".patlint-baseline.json")
    assert code == 0
    assert report["findings"] == []
    assert report["summary"]["suppressed"] == 1
    assert [(f["rule_id"], f["suppressed"]) for f in report["suppressed"]] == [
        ("github-classic-pat", "baseline")
    ]

    with (tmp_path / "app.env").open("a") as fh:
        fh.write(f"OAUTH={new}\n")
    code, report = scan_json(tmp_path, "--baseline", ".patlint-baseline.json")
    assert code == 1
    assert [
        (f["rule_id"], f["location"]["path"], f["location"]["line"]) for f in report["findings"]
    ] == [("github-oauth-token", "app.env", 3)]
    assert report["summary"]["suppressed"] == 1

    # The text summary counts the baselined finding too.
    code, out, _ = run(
        "scan",
        "--offline",
        "--no-progress",
        "--baseline",
        ".patlint-baseline.json",
        ".",
        cwd=tmp_path,
    )
    assert "1 finding (1 high)" in out and "; 1 suppressed;" in out
    assert old not in out and new not in out

    # --no-suppress reports baselined findings too.
    code, report = scan_json(tmp_path, "--baseline", ".patlint-baseline.json", "--no-suppress")
    assert code == 1
    assert sorted(f["rule_id"] for f in report["findings"]) == [
        "github-classic-pat",
        "github-oauth-token",
    ]


def test_baseline_entry_covers_every_rule_for_that_token_at_that_path() -> None:
    secret = Secret("ghp_" + "Zq9x" * 9, "ghp")

    def finding(rule_id: str, path: str) -> Finding:
        return Finding(
            rule_id=rule_id,
            message="m",
            severity=Severity.HIGH,
            confidence=Confidence.HIGH,
            location=Location(path, 1, 1, 0),
            token=TokenRef.of(secret),
        )

    from patlint.baseline import Baseline, Entry

    bl = Baseline(
        source="t", format="patlint", entries=(Entry.of(finding("github-classic-pat", "a")),)
    )
    opts = ScanOptions(baseline=bl.keys)
    assert in_baseline(finding("github-classic-pat", "a"), opts, {})
    assert in_baseline(finding("no-expiration", "a"), opts, {})  # policy finding, same place
    assert not in_baseline(finding("github-classic-pat", "b"), opts, {})  # moved: new
    from patlint.baseline import ds_key

    sha1_opts = ScanOptions(baseline_sha1=frozenset({ds_key("./b", secret.sha1)}))
    assert in_baseline(finding("github-classic-pat", "b"), sha1_opts, {secret.digest: secret.sha1})
    # detect-secrets matches per file: the same token in another file is new.
    assert not in_baseline(
        finding("github-classic-pat", "a"), sha1_opts, {secret.digest: secret.sha1}
    )


ADAPTER = Path(__file__).resolve().parent.parent / "patlint" / "detectors" / "secrets_adapter.py"


def _detect_secrets(cwd: Path, *args: str) -> dict[str, Any]:
    done = subprocess.run(
        [str(DETECT_SECRETS), "scan", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    )
    (cwd / ".secrets.baseline").write_text(done.stdout)
    result: dict[str, Any] = json.loads(done.stdout)
    return result


@pytest.mark.skipif(DETECT_SECRETS is None, reason="detect-secrets is not installed")
def test_detect_secrets_baseline_is_accepted(tmp_path: Path, token: TokenFactory) -> None:
    known, new = token("ghp"), token("ghs")
    (tmp_path / "ci.sh").write_text(f"export GH_TOKEN={known}\n")
    ds = _detect_secrets(
        tmp_path, "--plugin", str(ADAPTER), "--disable-plugin", "GitHubTokenDetector", "ci.sh"
    )
    (entry,) = ds["results"]["ci.sh"]
    assert entry["type"] == "GitHub Token (patlint, checksum-validated)"
    assert entry["hashed_secret"] == Secret(known, "ghp").sha1
    loaded = load(tmp_path / ".secrets.baseline")
    assert loaded.format == "detect-secrets"
    assert loaded.sha1s == {"ci.sh\0" + Secret(known, "ghp").sha1}
    assert loaded.notices == ()

    with (tmp_path / "ci.sh").open("a") as fh:
        fh.write(f"export INSTALL_TOKEN={new}\n")
    code, report = scan_json(tmp_path, "--baseline", ".secrets.baseline", "ci.sh")
    assert code == 1
    assert [(f["rule_id"], f["location"]["line"]) for f in report["findings"]] == [
        ("github-app-installation-token", 2)
    ]
    assert [(f["rule_id"], f["suppressed"]) for f in report["suppressed"]] == [
        ("github-classic-pat", "baseline")
    ]
    # The baselined token copied into another file is a new leak, not covered by the entry.
    (tmp_path / "deploy.env").write_text(f"GH_TOKEN={known}\n")
    code, report = scan_json(tmp_path, "--baseline", ".secrets.baseline", "deploy.env")
    assert code == 1
    assert [(f["rule_id"], f["location"]["path"]) for f in report["findings"]] == [
        ("github-classic-pat", "deploy.env")
    ]

    code, _, err = run("baseline", "update", ".secrets.baseline", cwd=tmp_path)
    assert code == 2 and "a detect-secrets baseline" in err


@pytest.mark.skipif(DETECT_SECRETS is None, reason="detect-secrets is not installed")
def test_prefix_only_hashes_from_detect_secrets_github_detector_are_flagged(
    tmp_path: Path, token: TokenFactory
) -> None:
    secret = token("ghp")
    (tmp_path / "ci.sh").write_text(f"export GH_TOKEN={secret}\n")
    ds = _detect_secrets(tmp_path, "ci.sh")
    (entry,) = ds["results"]["ci.sh"]
    assert entry["type"] == "GitHub Token"
    # detect-secrets 1.5 hashes the regex's capture group: the prefix, not the token.
    assert entry["hashed_secret"] == hashlib.sha1(b"ghp").hexdigest()  # noqa: S324
    code, report = scan_json(tmp_path, "--baseline", ".secrets.baseline", "ci.sh")
    assert code == 1  # nothing can be matched, so nothing is hidden
    assert [f["rule_id"] for f in report["findings"]] == ["github-classic-pat"]
    assert any("1 detect-secrets entries hash only a token prefix" in n for n in report["notices"])
