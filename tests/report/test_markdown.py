"""The job summary (`patlint/report/markdown.py`, written by any scan when GitHub Actions sets
GITHUB_STEP_SUMMARY): what it says, that a hostile tree cannot inject Markdown into it, that no
token shows in any form, and that it stays inside GitHub's 1 MiB per step."""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from patlint.cli import cli
from patlint.model import (
    Confidence,
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
from patlint.report.markdown import LIMIT, build, md_code, md_rich, md_text
from tests.test_redaction_audit import leaks

_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")


def unescape(markdown: str) -> str:
    """What a reader sees of escaped text: the backslashes gone."""
    return _ESCAPED.sub(r"\1", markdown)


def scan(cwd: Path, summary: Path, *args: str) -> Any:
    old = os.getcwd()
    os.chdir(cwd)
    try:
        return CliRunner().invoke(
            cli,
            ["scan", "--offline", "--no-progress", *args],
            env={"GITHUB_STEP_SUMMARY": str(summary)},
            catch_exceptions=False,
        )
    finally:
        os.chdir(old)


def table_rows(markdown: str, header: str) -> list[list[str]]:
    """The cells of each row of the table whose header line starts with `header`, split as
    GitHub does: at every `|` not escaped by a backslash."""
    lines = markdown.splitlines()
    start = next(i for i, ln in enumerate(lines) if ln.startswith(header))
    rows = []
    for ln in lines[start + 2 :]:
        if not ln.startswith("|"):
            break
        rows.append([c.strip() for c in re.split(r"(?<!\\)\|", ln)[1:-1]])
    return rows


def test_a_scan_appends_the_summary_to_what_earlier_steps_wrote(tmp_path: Path, token: Any) -> None:
    secret, other = token("ghp"), token("gho")
    tree = tmp_path / "tree"
    (tree / "src").mkdir(parents=True)
    (tree / "src" / "app.py").write_text(f'TOKEN = "{secret}"\n')
    (tree / "deploy.env").write_text(f"A=1\nGH_TOKEN={secret}\nOAUTH={other}\n")
    summary = tmp_path / "summary.md"
    summary.write_text("# Build\nearlier step\n")

    report = tmp_path / "report.json"
    res = scan(tree, summary, "--report", f"json={report}", ".")
    assert res.exit_code == 1, res.output
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("# Build\nearlier step\n\n## patlint: ")
    assert "in 2 tokens" in text
    assert "❌ fails: findings at or above `low` (exit 1)" in text
    # the counts are those of the same scan's JSON report, which lists every finding
    findings = json.loads(report.read_text())["findings"]
    levels = ["critical", "high", "medium", "low", "info"]
    expected = [str(sum(f["severity"] == lv for f in findings)) for lv in levels]
    counts = table_rows(text, "| critical | high")
    assert counts == [[*expected, "0"]], (counts, findings)
    assert expected[1] != "0" and expected[3] == "1"  # two tokens at high, one finding at low
    rows = {r[0]: r for r in table_rows(text, "| token | kind")}
    row = rows[f"`{Secret(secret, 'ghp').preview}`"]
    assert row[1] == "classic personal access token"
    assert row[2] == "not verified (offline)"
    assert row[3] == "high"
    assert unescape(row[4]).split("<br>") == ["deploy.env:2:10", "src/app.py:1:10"]
    assert "[github-classic-pat](https://github.blog/" in unescape(row[5])
    assert "token-stored-in-several-places" in unescape(row[5])
    assert "<https://github.com/settings/tokens>" in row[6]  # patlint's own link stays a link
    assert "`patlint revoke`" in row[6]  # a code span stays a code span
    assert f"`{Secret(other, 'gho').preview}`" in rows
    assert "`patlint explain RULE`" in text
    assert leaks(unescape(text), {"ghp": secret, "gho": other}) == []

    # a second scan in the same step appends its own summary
    assert scan(tree, summary, "src").exit_code == 1
    assert summary.read_text(encoding="utf-8").count("## patlint: ") == 2


def test_a_clean_scan_says_it_passes(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("nothing here\n")
    summary = tmp_path / "summary.md"
    assert scan(tmp_path, summary, "a.txt").exit_code == 0
    text = summary.read_text()
    assert "## patlint: 0 findings in 0 tokens" in text and "✅ passes" in text
    assert "### Tokens" not in text


def test_without_github_step_summary_nothing_is_written_and_nothing_imported(
    tmp_path: Path, token: Any
) -> None:
    (tmp_path / "a.env").write_text(f"GH_TOKEN={token('ghp')}\n")
    code = (
        "import sys\nfrom patlint.cli import main\n"
        "try:\n    main(sys.argv[1:])\nexcept SystemExit as exc:\n    code = exc.code\n"
        "loaded = 'patlint.report.markdown' in sys.modules\n"
        "print('markdown' if loaded else 'light', code, file=sys.stderr)"
    )
    argv = [sys.executable, "-c", code, "scan", "--offline", "--no-progress", "a.env"]
    env = {k: v for k, v in os.environ.items() if k != "GITHUB_STEP_SUMMARY"}
    res = subprocess.run(argv, cwd=tmp_path, env=env, capture_output=True, text=True, check=False)
    assert res.stderr.strip().splitlines()[-1] == "light 1"
    env["GITHUB_STEP_SUMMARY"] = str(tmp_path / "s.md")
    res = subprocess.run(argv, cwd=tmp_path, env=env, capture_output=True, text=True, check=False)
    assert res.stderr.strip().splitlines()[-1] == "markdown 1"
    assert "## patlint: " in (tmp_path / "s.md").read_text()


HOSTILE_NAMES = [
    "![x](https:evil.example)",
    "<img src=x onerror=alert(1)>",
    "a | fake | cell",
    "@octocat and #1",
    "[link](javascript:alert(1))",
    "`code` *bold* _em_ ~~del~~",
    "right\u202eto-left",
    "line\nbreak",
    "www.evil.example",
    "&lt;entity&gt; &#x3C;",
]


def test_hostile_file_names_cannot_inject_markdown(tmp_path: Path, token: Any) -> None:
    tree = tmp_path / "tree"
    tree.mkdir()
    secrets = {}
    for i, name in enumerate(HOSTILE_NAMES):
        secrets[name] = token("ghp")
        (tree / name).write_text(f"T{i}={secrets[name]}\n")
    summary = tmp_path / "summary.md"
    assert scan(tree, summary, ".").exit_code == 1
    text = summary.read_text(encoding="utf-8")
    rows = table_rows(text, "| token | kind")
    assert len(rows) == len(HOSTILE_NAMES)
    assert all(len(r) == 7 for r in rows), rows  # no name opened a cell
    places = {unescape(r[4]) for r in rows}
    for name in HOSTILE_NAMES:
        shown = name.replace("\n", "\\x0a").replace("\u202e", "\\u202e")
        assert f"{shown}:1:4" in places, (name, places)
    plain = text.replace("<br>", "").replace("<https://github.com/settings/tokens>", "")
    plain = re.sub(r"</?(details|summary)>", "", plain)  # the notes' folding, patlint's own
    plain = re.sub(r"\[[\w\\-]*\]\(https://[^)]*\)", "", plain)  # rule docs links patlint writes
    assert "\u202e" not in text and "\nbreak" not in text
    for markup in (r"<", r"\]\(", r"\[link", r"@octocat", r"&", r"!\[", r"`code"):
        assert not re.search(rf"(?<!\\){markup}", plain), markup  # only escaped
    plain = re.sub(r"`[^`]*`", "", plain)  # code spans patlint writes (previews, commands)
    for line in plain.splitlines():  # outside them, every markup character is escaped
        if not line.startswith(("#", "**")):
            assert not re.search(r"(?<!\\)[*_~\[\]!@#&<>]", line), line
    assert leaks(unescape(text), secrets) == []


def test_a_token_in_a_name_or_a_message_never_shows_escaped_or_not(
    tmp_path: Path, token: Any
) -> None:
    hidden, b64 = token("ghp"), token("ghu")
    tree = tmp_path / "tree"
    (tree / ".docker").mkdir(parents=True)
    (tree / f"{hidden}.txt").write_text("a token in a file name only\n")
    auth = base64.b64encode(f"octo:{b64}".encode()).decode()
    (tree / ".docker" / "config.json").write_text(
        json.dumps({"auths": {"ghcr.io": {"auth": auth}}})
    )
    summary = tmp_path / "summary.md"
    assert scan(tree, summary, ".").exit_code == 1
    text = summary.read_text(encoding="utf-8")
    assert Secret(hidden, "ghp").preview in unescape(text)
    assert Secret(b64, "ghu").preview in unescape(text)
    assert leaks(text, {"name": hidden, "b64": b64}) == []
    assert leaks(unescape(text), {"name": hidden, "b64": b64}) == []


def _result(n_tokens: int, places: int = 5) -> tuple[ScanResult, list[str]]:
    import random

    from patlint.tokengen import make_token

    rng = random.Random(7)
    tokens, findings, plain = [], [], []
    for i in range(n_tokens):
        value = make_token("ghp", rng)
        plain.append(value)
        secret = Secret(value, "ghp")
        locs = [Location(f"dir{i}/{'x' * 180}{j}.env", line=j + 1, column=5) for j in range(places)]
        tokens.append(Token(secret, ()))
        findings.append(
            Finding(
                "github-classic-pat",
                f"GitHub classic personal access token {secret.preview} found",
                Severity.HIGH,
                Confidence.HIGH,
                locs[0],
                TokenRef.of(secret),
                related=tuple(locs[1:]),
                remediation="Revoke it at https://github.com/settings/tokens and use `gh auth login`.",
            )
        )
    stats = ScanStats(files_scanned=n_tokens * places, notices=[f"note {i}" for i in range(50)])
    return ScanResult(tokens, findings, [], stats), plain


META = ReportMeta(
    version="0",
    config_source="built-in defaults",
    fail_on="low",
    exit_code=1,
    verification="offline",
)


def test_a_huge_scan_is_cut_below_the_budget_with_a_note() -> None:
    result, plain = _result(1500)
    full = build(result, META, budget=10**9)
    assert len(full.encode()) > LIMIT  # without the limit it would be refused by GitHub
    text = build(result, META)
    size = len(text.encode("utf-8"))
    assert LIMIT - 2000 < size <= LIMIT
    shown = len(table_rows(text, "| token | kind"))
    assert 500 < shown < 1500
    assert f"**{1500 - shown} more rows not shown**: a job summary is limited to 1 MiB" in text
    sample = {str(i): plain[i] for i in (*range(0, 1500, 100), shown - 1, shown)}
    assert leaks(unescape(text), sample) == []


def test_the_budget_counts_what_earlier_steps_wrote(tmp_path: Path, token: Any) -> None:
    (tmp_path / "a.env").write_text(f"GH_TOKEN={token('ghp')}\n")
    summary = tmp_path / "summary.md"
    summary.write_bytes(b"x" * (LIMIT - 300))
    res = scan(tmp_path, summary, "a.env")
    assert res.exit_code == 1
    assert summary.stat().st_size == LIMIT - 300  # nothing added: it would not have fitted
    assert "job summary" in res.stderr and "no room left" in res.stderr
    summary.write_bytes(b"x" * (LIMIT - 5000))
    assert scan(tmp_path, summary, "a.env").exit_code == 1
    assert LIMIT - 5000 < summary.stat().st_size <= LIMIT


@pytest.mark.parametrize("kind", ["fifo", "dir", "missing-dir"])
def test_a_summary_path_that_cannot_be_written_is_a_warning_not_a_hang(
    tmp_path: Path, token: Any, kind: str
) -> None:
    (tmp_path / "a.env").write_text(f"GH_TOKEN={token('ghp')}\n")
    target = tmp_path / "summary"
    if kind == "fifo":
        os.mkfifo(target)
    elif kind == "dir":
        target.mkdir()
    else:
        target = tmp_path / "nope" / "summary.md"
    res = scan(tmp_path, target, "a.env")
    assert res.exit_code == 1  # the verdict is the scan's
    assert "patlint: warning: job summary" in res.stderr


def test_escaping_helpers() -> None:
    assert md_text("a|b") == "a\\|b"
    assert md_text("<b>x</b>") == "\\<b\\>x\\<\\/b\\>"
    assert md_text("tab\there") == "tab\\\\x09here"
    assert md_code("a`b") == "``a`b``"
    assert md_code("x|y") == "`x\\|y`"
    assert md_rich("run `gh auth login` at https://github.com/settings/tokens.") == (
        "run `gh auth login` at <https://github.com/settings/tokens>\\."
    )
    assert md_rich("see https://evil.example/x") == "see https\\:\\/\\/evil\\.example\\/x"


@pytest.mark.usefixtures("git_env")
def test_the_head_counts_the_absorbed_checkout_token_it_lists(tmp_path: Path, token: Any) -> None:
    # The job's token in `.git/config` is reported by its place rule alone (absorbed: it is not
    # among the tokens detection found), yet it has its row in the token table: the head said
    # "1 finding in 0 tokens" over that one row.
    subprocess.run(["git", "init", "-q", str(tmp_path / "repo")], check=True)
    header = base64.b64encode(f"x-access-token:{token('ghs')}".encode()).decode()
    key = "http.https://github.com/.extraheader"
    git_config = ["git", "-C", str(tmp_path / "repo"), "config", key]
    subprocess.run([*git_config, f"AUTHORIZATION: basic {header}"], check=True)
    summary = tmp_path / "summary.md"
    assert scan(tmp_path / "repo", summary, ".").exit_code == 1
    text = summary.read_text(encoding="utf-8")
    assert len(table_rows(text, "| token | kind")) == 1
    assert "## patlint: 1 finding in 1 token\n" in text
