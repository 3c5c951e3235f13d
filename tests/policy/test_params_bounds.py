"""Policy params from a config (a discovered one included) are bounded: a day count of 10⁹
overflowed `timedelta` at judge time (exit 3, no report); now it is a configuration error
(exit 2) naming the key, before any work."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.github_emulator import emulator_running


@pytest.mark.parametrize(
    ("rule", "key"),
    [
        ("expires-soon", "within_days"),
        ("lifetime-too-long", "max_lifetime_days"),
        ("token-unused", "days"),
        ("god-token", "threshold"),
    ],
)
def test_a_huge_param_is_a_config_error_naming_the_key(tmp_path: Path, rule: str, key: str) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / ".patlint.yaml").write_text(
        f"rules: {{{rule}: {{params: {{{key}: 1000000000}}}}}}\n"
    )
    proc = subprocess.run(
        [sys.executable, "-m", "patlint", "scan", "--offline", "."],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 2, proc.stderr
    assert (
        f"rules.{rule}.params.{key}: expected a positive whole number, got 1000000000 (at most 36500)"
        in proc.stderr
    )


def test_the_largest_day_count_judges_a_live_token(tmp_path: Path, token: object) -> None:
    """36,500 days (100 years) still works end to end with a token that expires."""
    from datetime import datetime, timedelta, timezone

    t = token("ghp")  # type: ignore[operator]
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "a.env").write_text(f"GH_TOKEN={t}\n")
    (tmp_path / ".patlint.yaml").write_text(
        "rules: {expires-soon: {params: {within_days: 36500}}}\n"
    )
    for emu in emulator_running():
        expires = datetime.now(timezone.utc) + timedelta(days=400)
        emu.add(t, scopes="", expiration=expires.strftime("%Y-%m-%d %H:%M:%S UTC"))
        proc = subprocess.run(
            [sys.executable, "-m", "patlint", "scan", "--github-api", emu.base_url, "."],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            timeout=60,
            check=False,
        )
        assert proc.returncode == 1, proc.stderr
        assert "expires-soon" in proc.stdout
