"""`scan --status`: show only the tokens GitHub answered a given way (triage), exit on what is
shown — against the loopback GitHub emulator."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from patlint.cli import cli
from patlint.model import redact
from tests.github_emulator import Emulator


def run(*args: str) -> tuple[int, str, str]:
    res = CliRunner().invoke(cli, ["scan", "--no-progress", *args], catch_exceptions=False)
    return res.exit_code, res.stdout, res.stderr


def _tree(tmp_path: Path, emulator: Emulator, token: Any) -> dict[str, str]:
    live, dead = token("ghp"), token("ghp")
    emulator.add(live, scopes="repo", owner="octocat")
    emulator.add(dead, valid=False)
    (tmp_path / "live.env").write_text(f"A={live}\n")
    (tmp_path / "dead.env").write_text(f"B={dead}\n")
    wf = tmp_path / ".github" / "workflows"
    wf.mkdir(parents=True)
    (wf / "ci.yml").write_text("on: push\njobs:\n  a:\n    runs-on: x\n    steps: [{run: echo}]\n")
    return {"live": live, "dead": dead}


def _previews(out: str) -> set[str]:
    doc = json.loads(out)
    return {f["token"]["preview"] for f in doc["findings"] if f["token"]}


def test_status_live_shows_only_live_tokens_and_exits_on_them(
    tmp_path: Path, emulator: Emulator, token: Any
) -> None:
    t = _tree(tmp_path, emulator, token)
    api = ("--github-api", emulator.base_url)
    code, out, _ = run(str(tmp_path), *api, "--format", "json", "--status", "live")
    assert code == 1
    doc = json.loads(out)
    assert _previews(out) == {redact(t["live"])}
    assert [tok["preview"] for tok in doc["tokens"]] == [redact(t["live"])]
    assert all(f["token"] for f in doc["findings"])  # findings about places are not shown
    assert any("--status live" in n for n in doc["notices"])

    code, out, _ = run(str(tmp_path), *api, "--format", "json", "--status", "invalid")
    assert _previews(out) == {redact(t["dead"])}
    assert code == 1  # dead-token-still-stored (low) and the detection are still findings

    # repeatable: both
    code, out, _ = run(
        str(tmp_path), *api, "--format", "json", "--status", "live", "--status", "invalid"
    )
    assert _previews(out) == {redact(t["live"]), redact(t["dead"])}


def test_status_filter_that_hides_everything_exits_zero(
    tmp_path: Path, emulator: Emulator, token: Any
) -> None:
    dead = token("ghp")
    emulator.add(dead, valid=False)
    (tmp_path / "dead.env").write_text(f"B={dead}\n")
    code, out, _ = run(str(tmp_path), "--github-api", emulator.base_url, "--status", "live")
    assert code == 0, out
    assert "0 findings in 0 tokens" in " ".join(out.split())
    assert dead not in out


def test_status_unverified_offline_and_live_offline_is_a_usage_error(
    tmp_path: Path, token: Any
) -> None:
    (tmp_path / "a.env").write_text(f"A={token('ghp')}\n")
    code, out, _ = run(str(tmp_path), "--offline", "--status", "unverified", "--format", "json")
    assert code == 1 and len(json.loads(out)["findings"]) == 1
    code, _, err = run(str(tmp_path), "--offline", "--status", "live")
    assert code == 2
    assert "--status live needs GitHub's answer" in err
    code, _, err = run(str(tmp_path), "--status", "alive")
    assert code == 2 and "alive" in err
