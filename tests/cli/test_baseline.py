"""`patlint baseline create|update` (patlint/cli/baseline.py): what each writes, its counts and
its refusals (exit 2)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from tests.test_baseline import run

TokenFactory = Callable[..., str]


def test_update_keeps_reasons_adds_and_drops(tmp_path: Path, token: TokenFactory) -> None:
    a, b = token("ghp"), token("ghu")
    (tmp_path / "a.txt").write_text(f"x {a}\n")
    assert run("baseline", "create", "bl.json", cwd=tmp_path)[0] == 0
    doc = json.loads((tmp_path / "bl.json").read_text())
    doc["findings"][0]["reason"] = "test fixture, revoked"
    (tmp_path / "bl.json").write_text(json.dumps(doc))

    (tmp_path / "b.txt").write_text(f"y {b}\n")
    code, _, err = run("baseline", "update", "bl.json", cwd=tmp_path)
    assert code == 0, err
    assert "2 finding(s) recorded (1 added, 0 removed, 1 kept" in err
    entries = {e["path"]: e for e in json.loads((tmp_path / "bl.json").read_text())["findings"]}
    assert set(entries) == {"a.txt", "b.txt"}
    assert entries["a.txt"]["reason"] == "test fixture, revoked"
    assert "reason" not in entries["b.txt"]

    (tmp_path / "a.txt").write_text("x fixed\n")
    code, _, err = run("baseline", "update", "bl.json", cwd=tmp_path)
    assert "1 finding(s) recorded (0 added, 1 removed, 1 kept" in err
    assert [e["path"] for e in json.loads((tmp_path / "bl.json").read_text())["findings"]] == [
        "b.txt"
    ]


def test_create_refuses_to_overwrite_and_errors_are_usage_errors(
    tmp_path: Path, token: TokenFactory
) -> None:
    (tmp_path / "a.txt").write_text(f"x {token('ghp')}\n")
    assert run("baseline", "create", "bl.json", cwd=tmp_path)[0] == 0
    code, _, err = run("baseline", "create", "bl.json", cwd=tmp_path)
    assert code == 2 and "bl.json exists; use `patlint baseline update` or --force" in err
    assert run("baseline", "create", "--force", "bl.json", cwd=tmp_path)[0] == 0

    code, _, err = run("baseline", "update", "missing.json", cwd=tmp_path)
    assert code == 2 and "missing.json does not exist" in err

    (tmp_path / "broken.json").write_text("{not json")
    code, _, err = run("scan", "--offline", "--baseline", "broken.json", ".", cwd=tmp_path)
    assert code == 2 and "broken.json: baseline is not valid JSON" in err
    (tmp_path / "old.json").write_text('{"schema_version": 99, "findings": []}')
    code, _, err = run("scan", "--offline", "--baseline", "old.json", ".", cwd=tmp_path)
    assert code == 2 and "schema_version: expected 1, got 99" in err
