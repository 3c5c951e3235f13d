"""patlint's detectors as a detect-secrets plugin, through the real detect-secrets CLI."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from patlint.detectors.secrets_adapter import (
    PatlintGitHubContextTokenDetector,
    PatlintGitHubTokenDetector,
)
from patlint.model import Secret

TokenFactory = Callable[..., str]
ADAPTER = Path(__file__).resolve().parents[2] / "patlint" / "detectors" / "secrets_adapter.py"
DETECT_SECRETS = shutil.which(
    "detect-secrets", path=os.path.dirname(sys.executable)
) or shutil.which("detect-secrets")
SECRET_TYPE = "GitHub Token (patlint, checksum-validated)"
CONTEXT_TYPE = "GitHub Token (patlint, fine-grained, JWT or legacy in context)"


def test_plugin_yields_only_checksum_valid_tokens(token: TokenFactory) -> None:
    plugin = PatlintGitHubTokenDetector()
    good, bad, fine = token("ghp"), token("ghp", valid=False), token("github_pat")
    line = f"a={good} b={bad} c={fine} d={good}"
    assert list(plugin.analyze_string(line)) == [good]
    assert plugin.secret_type == SECRET_TYPE


@pytest.mark.skipif(DETECT_SECRETS is None, reason="detect-secrets is not installed")
def test_detect_secrets_cli_loads_the_plugin(tmp_path: Path, token: TokenFactory) -> None:
    good_ghp, bad_ghp, good_gho = token("ghp"), token("ghp", valid=False), token("gho")
    (tmp_path / "settings.cfg").write_text(
        f"[github]\nclassic = {good_ghp}\nbroken = {bad_ghp}\noauth = {good_gho}\n"
    )
    done = subprocess.run(
        [
            str(DETECT_SECRETS),
            "scan",
            "--plugin",
            str(ADAPTER),
            "--disable-plugin",
            "GitHubTokenDetector",
            "--disable-plugin",
            "KeywordDetector",
            "--disable-plugin",
            "Base64HighEntropyString",
            "--disable-plugin",
            "HexHighEntropyString",
            "settings.cfg",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    baseline = json.loads(done.stdout)
    plugins = {p["name"]: p for p in baseline["plugins_used"]}
    assert plugins["PatlintGitHubTokenDetector"]["path"] == f"file://{ADAPTER}"
    results = baseline["results"]["settings.cfg"]
    assert [(r["type"], r["line_number"], r["hashed_secret"]) for r in results] == [
        (SECRET_TYPE, 2, Secret(good_ghp, "ghp").sha1),
        (SECRET_TYPE, 4, Secret(good_gho, "gho").sha1),
    ]  # the checksum-invalid token on line 3 is not reported
    for t in (good_ghp, bad_ghp, good_gho):
        assert t not in done.stdout + done.stderr


def test_context_plugin_covers_fine_grained_jwt_and_legacy_hex_in_context(
    token: TokenFactory,
) -> None:
    plugin = PatlintGitHubContextTokenDetector()
    fine, jwt, hexed, sha = token("github_pat"), token("ghs_jwt"), token("legacy"), token("legacy")
    assert list(plugin.analyze_string(f"GITHUB_TOKEN={hexed}")) == [hexed]
    assert list(plugin.analyze_string(f"url = https://x:{hexed}@github.com/o/r")) == [hexed]
    assert list(plugin.analyze_string(f"commit {sha}")) == []  # a bare hash: no context
    assert list(plugin.analyze_string(f"t={fine} j={jwt} t={fine}")) == [fine, jwt]
    assert list(plugin.analyze_string(f"a={token('ghp')} b={token('ghp', valid=False)}")) == []


@pytest.mark.skipif(DETECT_SECRETS is None, reason="detect-secrets is not installed")
def test_detect_secrets_cli_reports_every_kind_patlint_detects(
    tmp_path: Path, token: TokenFactory
) -> None:
    classic, fine, hexed, sha = token("ghp"), token("github_pat"), token("legacy"), token("legacy")
    (tmp_path / "app.env").write_text(
        f"CLASSIC={classic}\nFINE={fine}\nGITHUB_TOKEN={hexed}\n# fixed in {sha}\n"
    )
    done = subprocess.run(
        [str(DETECT_SECRETS), "scan", "--plugin", str(ADAPTER)]
        + [
            arg
            for p in (
                "GitHubTokenDetector",
                "KeywordDetector",
                "Base64HighEntropyString",
                "HexHighEntropyString",
            )
            for arg in ("--disable-plugin", p)
        ]
        + ["app.env"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    results = json.loads(done.stdout)["results"]["app.env"]
    assert sorted((r["line_number"], r["type"], r["hashed_secret"]) for r in results) == [
        (1, SECRET_TYPE, Secret(classic, "ghp").sha1),
        (2, CONTEXT_TYPE, Secret(fine, "github_pat").sha1),
        (3, CONTEXT_TYPE, Secret(hexed, "legacy").sha1),
    ]  # the commit hash on line 4 is no token
    for t in (classic, fine, hexed):
        assert t not in done.stdout + done.stderr
