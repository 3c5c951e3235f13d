"""`--format github`: workflow-command annotations with the runner's escaping rules."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from click.testing import CliRunner

from patlint.cli import cli
from patlint.model import redact, sha256_hex
from patlint.report.github import escape_data, escape_property

TokenFactory = Callable[..., str]


def test_escaping_matches_the_actions_runner() -> None:
    assert escape_data("50% done\r\nnext: a,b") == "50%25 done%0D%0Anext: a,b"
    assert escape_property("a:b,c%d\ne") == "a%3Ab%2Cc%25d%0Ae"


def test_annotations_for_findings(tmp_path: Path, token: TokenFactory) -> None:
    ghp, ghu = token("ghp"), token("ghu")
    name = "dir,with:odd%chars"
    (tmp_path / name).mkdir()
    (tmp_path / name / "x.env").write_text(f"\nA=1 B={ghp}\n")
    (tmp_path / "user.txt").write_text(f"user token {ghu}\n")
    res = CliRunner().invoke(
        cli,
        ["scan", "--offline", "--no-progress", "--format", "github", str(tmp_path)],
        catch_exceptions=False,
    )
    assert res.exit_code == 1
    lines = [ln for ln in res.stdout.splitlines() if not ln.startswith("::notice title=patlint::")]
    assert len(lines) == 3
    first, second, summary = lines
    assert first.startswith(
        "::error file=dir%2Cwith%3Aodd%25chars/x.env,line=2,col=7,"
        "title=github-classic-pat (high)::GitHub classic personal access token "
    )
    assert f"Token {redact(ghp)} (sha256 {sha256_hex(ghp)})." in first
    assert "%0AFix: Revoke the token" in first
    assert "%0ADocs: https://" in first
    assert second.startswith(
        "::warning file=user.txt,line=1,col=12,title=github-app-user-token (medium)::"
    )
    assert summary.startswith("patlint: 2 findings (1 high, 1 medium) in 2 tokens;")
    assert ghp not in res.stdout and ghu not in res.stdout


def test_binary_findings_have_no_line(tmp_path: Path, token: TokenFactory) -> None:
    secret = token("gho")
    (tmp_path / "b.bin").write_bytes(b"\0" * 7 + secret.encode())
    res = CliRunner().invoke(
        cli,
        ["scan", "--offline", "--no-progress", "--format", "github", str(tmp_path)],
        catch_exceptions=False,
    )
    first = res.stdout.splitlines()[0]
    assert first.startswith("::error file=b.bin,title=github-oauth-token (high)::")
    assert "At byte offset 7." in first
    assert secret not in res.stdout


def test_clean_scan_prints_only_the_summary(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("fine\n")
    res = CliRunner().invoke(
        cli,
        ["scan", "--offline", "--no-progress", "--format", "github", str(tmp_path)],
        catch_exceptions=False,
    )
    assert res.exit_code == 0
    assert res.stdout.startswith("patlint: 0 findings in 0 tokens;")
    assert "::" not in res.stdout
    assert res.stdout.count("\n") == 1
