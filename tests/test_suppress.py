"""Suppressions are counted, never silent, and `--no-suppress` reports them anyway."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from patlint.cli import cli
from patlint.model import Secret, finding_fingerprint
from patlint.suppress import suppression_at

TokenFactory = Callable[..., str]


def scan(*args: str) -> tuple[int, str]:
    res = CliRunner().invoke(cli, ["scan", "--offline", "--no-progress", *args])
    return res.exit_code, res.stdout


def report(*args: str) -> tuple[int, dict[str, Any]]:
    code, out = scan("--format", "json", *args)
    return code, json.loads(out)


def test_each_kind_of_suppression_is_counted(tmp_path: Path, token: TokenFactory) -> None:
    toks = {name: token("ghp") for name in ("bare", "ruled", "other", "pragma", "fp", "sha")}
    (tmp_path / "inline.py").write_text(
        f"A = '{toks['bare']}'  # patlint: ignore\n"
        f"B = '{toks['ruled']}'  # patlint: ignore[github-classic-pat]\n"
        f"C = '{toks['other']}'  # patlint: ignore[github-oauth-token]\n"
        f"D = '{toks['pragma']}'  # pragma: allowlist secret\n"
    )
    (tmp_path / "allowed.txt").write_text(f"x={toks['fp']}\ny={toks['sha']}\n")
    fp = finding_fingerprint("github-classic-pat", "allowed.txt", Secret(toks["fp"], "ghp").digest)
    (tmp_path / "vendor").mkdir()
    (tmp_path / "vendor" / "lib.txt").write_text(f"z={token('gho')}\n")
    (tmp_path / ".patlint.yaml").write_text(
        f"allow:\n  - {fp}\n  - {Secret(toks['sha'], 'ghp').digest}\nexclude:\n  - vendor/\n"
    )

    code, rep = report(str(tmp_path))
    assert code == 1
    assert [(f["location"]["path"], f["location"]["line"]) for f in rep["findings"]] == [
        ("inline.py", 3)  # ignore[another-rule] does not hide this rule
    ]
    assert sorted(
        (f["location"]["path"], f["location"]["line"], f["suppressed"]) for f in rep["suppressed"]
    ) == [
        ("allowed.txt", 1, "allow-list"),
        ("allowed.txt", 2, "allow-list"),
        ("inline.py", 1, "inline comment"),
        ("inline.py", 2, "inline comment"),
        ("inline.py", 4, "inline comment"),
    ]
    assert rep["summary"]["suppressed"] == 5
    assert rep["summary"]["skipped_by_reason"] == {"excluded": 1}  # the excluded path, counted

    code, text = scan(str(tmp_path))
    assert "1 finding (1 high)" in text
    assert "; 5 suppressed;" in text
    assert "1 skipped (excluded: 1)" in text
    for t in toks.values():
        assert t not in text

    code, rep = report("--no-suppress", str(tmp_path))
    assert code == 1
    assert sorted((f["location"]["path"], f["location"]["line"]) for f in rep["findings"]) == [
        ("allowed.txt", 1),
        ("allowed.txt", 2),
        ("inline.py", 1),
        ("inline.py", 2),
        ("inline.py", 3),
        ("inline.py", 4),
    ]
    assert rep["suppressed"] == [] and rep["summary"]["suppressed"] == 0


def test_inline_suppression_in_sarif_and_junit_is_visible(
    tmp_path: Path, token: TokenFactory
) -> None:
    (tmp_path / "a.py").write_text(f"A = '{token('ghp')}'  # patlint: ignore\n")
    code, out = scan("--format", "sarif", str(tmp_path))
    assert code == 0
    (res,) = json.loads(out)["runs"][0]["results"]
    assert res["suppressions"][0]["kind"] == "inSource"
    code, out = scan("--format", "junit", str(tmp_path))
    assert 'skipped="1"' in out and "suppressed: inline comment" in out


def test_allowing_a_token_on_every_line_silences_what_is_derived_from_it(
    tmp_path: Path, token: TokenFactory
) -> None:
    # A test fixture kept in two files and a workflow, allowed on each of its lines by the
    # detection rule's id: the findings derived from the token (stored in several places, the
    # literal in CI) are silenced too, and counted as suppressed.
    fixture = token("ghp")
    allow = "# patlint: ignore[github-classic-pat]"
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "a.py").write_text(f"T = '{fixture}'  {allow}\n")
    (tmp_path / "tests" / "b.py").write_text(f"U = '{fixture}'  {allow}\n")
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    (tmp_path / ".github" / "workflows" / "t.yml").write_text(
        "on: push\npermissions: {contents: read}\njobs:\n  t:\n    runs-on: ubuntu-latest\n"
        f"    steps:\n      - run: make test\n        env: {{T: {fixture}}}  {allow}\n"
    )
    code, rep = report(str(tmp_path))
    assert (code, rep["findings"]) == (0, [])
    assert sorted((f["rule_id"], f["suppressed"]) for f in rep["suppressed"]) == [
        ("github-classic-pat", "inline comment"),
        ("token-literal-in-ci", "inline comment"),
        ("token-stored-in-several-places", "inline comment"),
    ]
    assert rep["summary"]["suppressed"] == 3
    # --no-suppress still shows all of it.
    code, rep = report("--no-suppress", str(tmp_path))
    assert code == 1 and {f["rule_id"] for f in rep["findings"]} == {
        "github-classic-pat",
        "token-literal-in-ci",
        "token-stored-in-several-places",
    }


def test_a_token_allowed_on_some_lines_only_stays_reported(
    tmp_path: Path, token: TokenFactory
) -> None:
    leaked = token("ghp")
    (tmp_path / "a.py").write_text(f"T = '{leaked}'  # patlint: ignore[github-classic-pat]\n")
    (tmp_path / "b.sh").write_text(f"export GH_TOKEN={leaked}\n")  # the real leak: no comment
    code, rep = report(str(tmp_path))
    assert code == 1
    assert sorted((f["rule_id"], f["location"]["path"]) for f in rep["findings"]) == [
        ("github-classic-pat", "b.sh"),
        ("token-stored-in-several-places", "b.sh"),
    ]
    # A file name cannot carry a comment: a token that is also a name is never wholly allowed.
    (tmp_path / "b.sh").unlink()
    (tmp_path / leaked).write_text("x\n")
    code, rep = report(str(tmp_path))
    assert code == 1 and "github-classic-pat" in {f["rule_id"] for f in rep["findings"]}


@pytest.mark.parametrize(
    "brk", [b"\r", b"\x0c", b"\x0b", "\u2028".encode(), "\u0085".encode(), b"\n"]
)
def test_a_comment_on_the_line_above_never_reaches_the_token(brk: bytes) -> None:
    """Only `\\n` ended a line: with `\\r` line ends, a form feed or U+2028 between them, the
    comment shown on the line above a token suppressed it (an attacker's review)."""
    data = b"x = 1  # patlint: ignore" + brk + b"TOKEN = 'ghp_x'"
    assert suppression_at(data, data.index(b"ghp_")) is None
    same = b"TOKEN = 'ghp_x'  # patlint: ignore" + brk + b"y = 2"
    assert suppression_at(same, same.index(b"ghp_")) == "*"


def test_a_rule_list_that_names_no_rule_suppresses_nothing() -> None:
    """`ignore[Not_A_Rule]` did not match the list, so the bare `ignore` matched: all rules."""
    for text in (b"ghp_x # patlint: ignore[Not_A_Rule]", b"ghp_x # patlint: ignore[]"):
        assert suppression_at(text, 0) is None
    assert suppression_at(b"ghp_x # patlint: ignore[a-b, Bad_1]", 0) == "a-b"


def test_a_comment_inside_encoded_text_suppresses_nothing(tmp_path: Path, token: Any) -> None:
    """base64 of `<token>  # patlint: ignore` carried the suppression out of the decoding:
    no comment anyone could see in the file (an attacker's review)."""
    import base64

    secret = token("ghp")
    blob = base64.b64encode(f"{secret}  # patlint: ignore".encode()).decode()
    (tmp_path / "app.cfg").write_text(f"payload = {blob}\n")
    res = CliRunner().invoke(cli, ["scan", "--offline", "--format", "json", str(tmp_path)])
    assert res.exit_code == 1, res.output
    assert json.loads(res.stdout)["summary"]["suppressed"] == 0
