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


def _github(root: Path, *args: str) -> tuple[int, list[str]]:
    res = CliRunner().invoke(
        cli,
        ["scan", "--offline", "--no-progress", "--format", "github", *args, str(root)],
        catch_exceptions=False,
    )
    return res.exit_code, res.stdout.splitlines()


def test_a_token_in_three_files_marks_each_file(tmp_path: Path, token: TokenFactory) -> None:
    leaked = token("ghp")
    for name in ("a.env", "b.env", "c.env"):
        (tmp_path / name).write_text(f"GH_TOKEN={leaked}\n")
    code, lines = _github(tmp_path)
    assert code == 1 and not any(leaked in ln for ln in lines)
    errors = [ln for ln in lines if ln.startswith("::error ")]
    assert [ln.split(",", 1)[0] for ln in errors] == [
        "::error file=a.env",
        "::error file=b.env",
        "::error file=c.env",
    ]
    assert "Also at b.env:1:10, c.env:1:10." in errors[0]
    assert "Also at a.env:1:10, c.env:1:10." in errors[1]
    several = [ln for ln in lines if "token-stored-in-several-places" in ln]
    assert [ln.split(",", 1)[0] for ln in several] == [
        "::notice file=a.env",
        "::notice file=b.env",
        "::notice file=c.env",
    ]


def test_annotations_stay_within_what_github_shows_most_severe_first(
    tmp_path: Path, token: TokenFactory
) -> None:
    # GitHub shows 10 errors, 10 warnings and 10 notices per step and drops the rest: the most
    # severe are annotated, the rest are plain log lines, and one notice says so.
    wf = tmp_path / ".github" / "workflows"
    wf.mkdir(parents=True)
    (wf / "ci.yml").write_text(
        "on: push\npermissions: {contents: read}\njobs:\n  a:\n    runs-on: x\n    steps:\n"
        + "".join(f"      - run: echo\n        env: {{T{i}: {token('ghp')}}}\n" for i in range(3))
    )
    (tmp_path / "many.env").write_text("".join(f"T{i}={token('ghp')}\n" for i in range(12)))
    (tmp_path / "users.env").write_text("".join(f"U{i}={token('ghu')}\n" for i in range(11)))
    code, lines = _github(tmp_path)
    assert code == 1
    errors = [ln for ln in lines if ln.startswith("::error ")]
    warnings = [ln for ln in lines if ln.startswith("::warning ")]
    notices = [ln for ln in lines if ln.startswith("::notice ")]
    assert (len(errors), len(warnings)) == (10, 10) and 1 <= len(notices) <= 10
    # the three critical token-literal-in-ci first, then high ones
    assert all("token-literal-in-ci (critical)" in ln for ln in errors[:3])
    assert all("(high)" in ln for ln in errors[3:])
    rest = [ln for ln in lines if ln.startswith("patlint: not annotated: ")]
    assert len(rest) == 3 + 15 + 11 - 20  # every finding is still in the log
    assert rest[0].startswith("patlint: not annotated: error github-classic-pat (high) at ")
    assert rest[-1].startswith("patlint: not annotated: warning github-app-user-token (medium) at ")
    assert notices[0].startswith("::notice title=patlint::9 findings are not annotated")
    assert lines[-1].startswith("patlint: 29 findings (3 critical, 15 high, 11 medium)")


def test_not_annotated_lines_cannot_start_a_workflow_command(
    tmp_path: Path, token: TokenFactory
) -> None:
    # A file name with a newline and `::` would start a command of its own in a plain line.
    names = [f"x\n::error file=evil::{i}.env" for i in range(12)]
    for name in names:
        (tmp_path / name).write_text(f"T={token('ghp')}\n")
    code, lines = _github(tmp_path)
    assert code == 1
    assert sum(ln.startswith("::error ") for ln in lines) == 10
    assert not any(ln.startswith("::error file=evil") for ln in lines)
    assert sum(ln.startswith("patlint: not annotated: ") for ln in lines) == 2


def test_a_property_shows_bidi_marks_escaped() -> None:
    """`file=invoice\u202etxt.exe` reordered the raw log line (found by an attacker's review)."""
    assert escape_property("invoice\u202etxt.exe") == "invoice\\u202etxt.exe"
    assert escape_property("a\u2028b\u200bc\x1b[31m") == "a\\u2028b\\u200bc\\x1b[31m"
