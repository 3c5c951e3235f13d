"""`patlint baseline create|update` (patlint/cli/baseline.py): what each writes, its counts and
its refusals (exit 2)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

from patlint.model import redact
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


def test_the_baseline_records_the_place_never_the_token(
    tmp_path: Path, token: TokenFactory
) -> None:
    secret = token("ghp")
    (tmp_path / "a.env").write_text(f"GH_TOKEN={secret}\n")
    code, out, err = run("baseline", "create", "bl.json", cwd=tmp_path)
    assert code == 0, err
    text = (tmp_path / "bl.json").read_text()
    assert secret not in text + out + err
    (entry,) = json.loads(text)["findings"]
    assert entry["path"] == "a.env" and entry["line"] == 1
    assert entry["token"]["sha256"] == hashlib.sha256(secret.encode()).hexdigest()
    assert entry["token"]["preview"] == redact(secret)
    # what it recorded is what `scan --baseline` then suppresses: a clean run
    code, _, _ = run("scan", "--offline", "--baseline", "bl.json", ".", cwd=tmp_path)
    assert code == 0


def test_a_link_committed_where_the_baseline_goes_is_replaced_not_written_through(
    tmp_path: Path, token: TokenFactory
) -> None:
    """A checkout can hold `bl.json -> ~/.bashrc`: --force writes a new file, not the target."""
    (tmp_path / "a.env").write_text(f"GH_TOKEN={token('ghp')}\n")
    outside = tmp_path.parent / f"{tmp_path.name}-outside.txt"
    outside.write_text("keep me\n")
    (tmp_path / "bl.json").symlink_to(outside)
    code, _, err = run("baseline", "create", "bl.json", cwd=tmp_path)
    assert code == 2 and "bl.json exists" in err
    code, _, err = run("baseline", "create", "--force", "bl.json", cwd=tmp_path)
    assert code == 0, err
    assert outside.read_text() == "keep me\n"
    assert not (tmp_path / "bl.json").is_symlink()
    assert len(json.loads((tmp_path / "bl.json").read_text())["findings"]) == 1


def test_missing_paths_and_folders_are_exit_2_and_write_nothing(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("clean\n")
    code, _, err = run("baseline", "create", "bl.json", "nope", cwd=tmp_path)
    assert code == 2 and "no such file or directory: nope" in err
    code, _, err = run("baseline", "create", "dir/bl.json", cwd=tmp_path)
    assert code == 2 and "does not exist" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]


def test_the_trees_config_narrows_the_baseline_unless_told_not_to(
    tmp_path: Path, token: TokenFactory
) -> None:
    (tmp_path / "a.env").write_text(f"GH_TOKEN={token('ghp')}\n")
    (tmp_path / ".patlint.yaml").write_text('exclude: ["*.env"]\n')

    def recorded(*flags: str) -> int:
        code, _, err = run("baseline", "create", "--force", *flags, "bl.json", cwd=tmp_path)
        assert code == 0, err
        return len(json.loads((tmp_path / "bl.json").read_text())["findings"])

    assert recorded() == 0
    assert recorded("--no-repo-config") == 1
    pinned = tmp_path.parent / f"{tmp_path.name}-pinned.yaml"
    pinned.write_text("exclude: []\n")
    assert recorded("--config", str(pinned)) == 1
