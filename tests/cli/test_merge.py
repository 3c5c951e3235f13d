"""`patlint merge` as a command (patlint/cli/merge.py): its exit codes, --fail-on, the formats
and extra reports of one merge, and what it refuses before reading anything (exit 2). What the
merge computes is tests/engine/test_merge.py; forged shards are tests/fleet/test_merge_trust.py."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from patlint.cli import cli
from patlint.cli import merge as merge_command


def run(cwd: Path, *args: str) -> tuple[int, str, str]:
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(cwd)
        res = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return res.exit_code, res.stdout, res.stderr


@pytest.fixture
def shards(tmp_path: Path, token: Any) -> tuple[Path, str]:
    """leaky.json (one classic PAT, high) and clean.json, as `scan --format json` wrote them."""
    secret = token("ghp")
    (tmp_path / "leaky").mkdir()
    (tmp_path / "leaky" / "x.env").write_text(f"GH_TOKEN={secret}\n")
    (tmp_path / "clean").mkdir()
    (tmp_path / "clean" / "y.txt").write_text("nothing here\n")
    for name in ("leaky", "clean"):
        code, _, err = run(tmp_path, "scan", "--offline", "--no-progress", "--format", "json",
                           "-o", f"{name}.json", name)  # fmt: skip
        assert code == (1 if name == "leaky" else 0), err
    return tmp_path, secret


def test_exit_codes_follow_the_merged_findings_and_fail_on(shards: tuple[Path, str]) -> None:
    root, secret = shards
    assert run(root, "merge", "--offline", "clean.json")[0] == 0
    code, out, _ = run(root, "merge", "--offline", "clean.json", "leaky.json")
    assert code == 1 and "github-classic-pat" in out and secret not in out
    assert run(root, "merge", "--offline", "--fail-on", "high", "leaky.json")[0] == 1
    code, out, _ = run(root, "merge", "--offline", "--fail-on", "critical", "leaky.json")
    assert code == 0 and "github-classic-pat" in out  # still reported, below the threshold
    (root / "strict.yaml").write_text("fail_on: critical\n")
    assert run(root, "merge", "--offline", "--config", "strict.yaml", "leaky.json")[0] == 0


def test_one_merge_writes_its_format_and_every_extra_report(shards: tuple[Path, str]) -> None:
    root, secret = shards
    code, out, err = run(root, "merge", "--offline", "--format", "json", "-o", "all.json",
                         "--report", "sarif=all.sarif", "--report", "html=all.html",
                         "leaky.json", "clean.json")  # fmt: skip
    assert code == 1, err
    assert out == ""  # -o: the report went to the file
    merged = json.loads((root / "all.json").read_text())
    assert merged["summary"]["findings"] == 1 and merged["summary"]["files_scanned"] == 2
    (result,) = json.loads((root / "all.sarif").read_text())["runs"][0]["results"]
    assert result["ruleId"] == "github-classic-pat"
    html = (root / "all.html").read_text()
    assert "github-classic-pat" in html
    for name in ("all.json", "all.sarif", "all.html"):
        assert secret not in (root / name).read_text(), name


def test_bad_arguments_are_exit_2_and_write_nothing(shards: tuple[Path, str]) -> None:
    root, _ = shards
    before = sorted(p.name for p in root.iterdir())
    cases = {
        ("merge", "--offline"): "Missing argument 'REPORTS...'",
        ("merge", "--offline", "absent.json"): "absent.json: cannot read it",
        ("merge", "--offline", "leaky"): "is a directory",
        ("merge", "--offline", "-o", "no/dir/m.json", "leaky.json"): "does not exist",
        ("merge", "--offline", "--report", "nope=x", "leaky.json"): "nope",
        ("merge", "--offline", "--fail-on", "worst", "leaky.json"): "worst",
        ("merge", "--offline", "--rules", "absent", "leaky.json"): "absent",
    }
    for args, said in cases.items():
        code, out, err = run(root, *args)
        assert code == 2, (args, out, err)
        assert said in err, (args, err)
        assert "Traceback" not in out + err
    assert sorted(p.name for p in root.iterdir()) == before


def test_the_reports_together_are_bounded_before_any_is_parsed(
    shards: tuple[Path, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each report fits; together they pass the merge's total: exit 2, nothing merged."""
    root, _ = shards
    size = (root / "leaky.json").stat().st_size + (root / "clean.json").stat().st_size
    monkeypatch.setattr(merge_command, "MAX_MERGE_TOTAL", size - 1)
    code, out, err = run(root, "merge", "--offline", "leaky.json", "clean.json")
    assert code == 2 and f"the reports total {size} bytes" in err and out == ""
    assert run(root, "merge", "--offline", "leaky.json")[0] == 1  # one alone still fits
