"""End to end: `patlint scan --github-api http://127.0.0.1:PORT` against the emulator."""

from __future__ import annotations

import json
import socket
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from patlint.cli import cli
from patlint.model import redact
from tests.github_emulator import Emulator
from tests.report.textblocks import parse


def run(*args: str) -> tuple[int, str, str]:
    res = CliRunner().invoke(cli, ["scan", "--no-progress", *args], catch_exceptions=False)
    return res.exit_code, res.stdout, res.stderr


@pytest.fixture
def tree(tmp_path: Path, emulator: Emulator, token: Any) -> dict[str, Any]:
    """Four tokens GitHub knows differently: a God Token, a short-lived one, a long-lived PAT, a dead one."""
    now = datetime.now(timezone.utc)
    god, short, fine, dead = token("ghp"), token("ghp"), token("github_pat"), token("ghp")
    emulator.add(god, scopes="repo, admin:org, delete_repo, gist", owner="root-of-all")
    emulator.add(
        short,
        scopes="gist",
        expiration=(now + timedelta(days=30)).strftime("%Y-%m-%d %H:%M:%S UTC"),
    )
    emulator.add(
        fine,
        kind="github_pat",
        scopes=None,
        expiration=(now + timedelta(days=400))
        .astimezone(timezone(timedelta(hours=2)))
        .strftime("%Y-%m-%d %H:%M:%S %z"),
    )
    emulator.add(dead, valid=False)
    root = tmp_path / "repo"
    root.mkdir()
    (root / "deploy.env").write_text(f"GH_TOKEN={god}\n")
    (root / "gist.env").write_text(f"GIST_TOKEN={short}\n")
    (root / "pat.txt").write_text(f"\n\ntoken: {fine}\n")
    (root / "old.env").write_text(f"OLD_TOKEN={dead}\n")
    return {"root": root, "god": god, "short": short, "fine": fine, "dead": dead}


def rules_by_preview(findings: list[dict[str, Any]]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for f in findings:
        out.setdefault(f["token"]["preview"], set()).add(f["rule_id"])
    return out


def test_json_report_has_god_token_and_no_expiration(
    tree: dict[str, Any], emulator: Emulator
) -> None:
    code, out, _err = run(str(tree["root"]), "--github-api", emulator.base_url, "--format", "json")
    assert code == 1
    for name in ("god", "short", "fine", "dead"):
        assert tree[name] not in out
    doc = json.loads(out)
    assert doc["summary"]["verification"] == "online"
    got = rules_by_preview(doc["findings"])
    p = {k: redact(tree[k]) for k in ("god", "short", "fine", "dead")}
    assert got[p["god"]] == {
        "github-classic-pat",
        "god-token",
        "no-expiration",
        "classic-where-fine-grained-would-do",
    }
    assert got[p["short"]] == {"github-classic-pat", "classic-where-fine-grained-would-do"}
    assert got[p["fine"]] == {"github-fine-grained-pat", "lifetime-too-long"}
    assert got[p["dead"]] == {"github-classic-pat", "dead-token-still-stored"}
    god = next(f for f in doc["findings"] if f["rule_id"] == "god-token")
    assert god["severity"] == "critical"
    assert god["location"] == {"path": "deploy.env", "line": 1, "column": 10, "offset": 9}
    assert "admin:org, delete_repo, repo" in god["message"]
    assert god["token_info"]["owner"] == "root-of-all"
    assert god["token_info"]["never_expires"] is True
    # every token reached the emulated github.com, with GET only, and nothing else did
    assert emulator.tokens_seen() == {tree["god"], tree["short"], tree["fine"], tree["dead"]}
    assert emulator.methods() == {"GET"}


def test_text_report_shows_the_policy_findings(tree: dict[str, Any], emulator: Emulator) -> None:
    code, out, _err = run(str(tree["root"]), "--github-api", emulator.base_url)
    assert code == 1
    report = parse(out)
    god = report.blocks[redact(tree["god"])]
    assert god.head.endswith("  CRITICAL") and god.where[0].startswith("deploy.env:1:10")
    assert god.findings[0][:2] == ("critical", "god-token")
    assert ("high", "no-expiration") in [f[:2] for f in god.findings]
    assert "live" in god.github and "scopes " in god.github
    assert "no-expiration" not in [f[1] for f in report.blocks[redact(tree["short"])].findings]
    assert "verification: online;" in report.summary
    for name in ("god", "short", "fine", "dead"):
        assert tree[name] not in out


def test_second_scan_is_served_from_the_cache(tree: dict[str, Any], emulator: Emulator) -> None:
    run(str(tree["root"]), "--github-api", emulator.base_url)
    sent = len(emulator.requests)
    code, out, _ = run(str(tree["root"]), "--github-api", emulator.base_url, "--format", "json")
    assert code == 1
    assert len(emulator.requests) == sent
    assert "god-token" in {f["rule_id"] for f in json.loads(out)["findings"]}
    code, _, _ = run(str(tree["root"]), "--github-api", emulator.base_url, "--no-cache")
    assert len(emulator.requests) > sent


def test_offline_sends_nothing(tree: dict[str, Any], emulator: Emulator) -> None:
    code, out, _ = run(
        str(tree["root"]), "--offline", "--github-api", emulator.base_url, "--format", "json"
    )
    assert code == 1
    doc = json.loads(out)
    assert emulator.requests == []
    assert doc["summary"]["verification"] == "offline"
    assert {f["rule_id"] for f in doc["findings"]} == {
        "github-classic-pat",
        "github-fine-grained-pat",
    }


def closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = int(s.getsockname()[1])
    s.close()
    return port


def test_unreachable_github_does_not_change_the_exit_code_unless_required(
    tmp_path: Path, token: Any
) -> None:
    (tmp_path / "a.env").write_text(f"GH_TOKEN={token('ghp')}\n")
    api = f"http://127.0.0.1:{closed_port()}"
    code, out, _ = run(
        str(tmp_path), "--github-api", api, "--fail-on", "critical", "--format", "json"
    )
    doc = json.loads(out)
    assert code == 0
    assert doc["summary"]["verification"].startswith(
        "online (1 unverified: 127.0.0.1: connection failed"
    )
    assert any(n.startswith("GitHub could not be reached for 1 token") for n in doc["notices"])
    assert doc["tokens"][0]["verification"]["status"] == "unreachable"
    code, out, _ = run(
        str(tmp_path), "--github-api", api, "--fail-on", "critical", "--require-verification"
    )
    assert code == 1
    assert "note: --require-verification: 1 token could not be verified; exit code 1" in out


def test_ghes_token_goes_only_to_its_own_host(
    tmp_path: Path, emulator: Emulator, emulator2: Emulator, token: Any
) -> None:
    ghes_tok, com_tok = token("ghp"), token("ghp")
    emulator2.add(ghes_tok, scopes="repo, admin:org", owner="corp-admin")
    emulator.add(com_tok, scopes="gist")
    (tmp_path / "creds.txt").write_text(
        f"https://corp-admin:{ghes_tok}@git.corp.example/team/app.git\n"
        f"https://me:{com_tok}@github.com/me/app.git\n"
    )
    code, out, _ = run(
        str(tmp_path),
        "--github-api",
        emulator.base_url,
        "--github-api",
        f"git.corp.example={emulator2.base_url}/api/v3",
        "--format",
        "json",
    )
    assert code == 1
    assert emulator2.tokens_seen() == {ghes_tok}
    assert emulator.tokens_seen() == {com_tok}
    assert {r.prefix for r in emulator2.requests} == {"/api/v3"}
    got = rules_by_preview(json.loads(out)["findings"])
    assert "god-token" in got[redact(ghes_tok)] and "god-token" not in got[redact(com_tok)]


def test_unconfigured_ghes_host_is_not_contacted(
    tmp_path: Path, emulator: Emulator, token: Any
) -> None:
    t = token("ghp")
    (tmp_path / "creds.txt").write_text(f"https://x:{t}@git.corp.example/a.git\n")
    code, out, _ = run(str(tmp_path), "--github-api", emulator.base_url, "--format", "json")
    doc = json.loads(out)
    assert code == 1  # the detection finding
    assert emulator.requests == []
    info = doc["tokens"][0]["verification"]
    assert info["status"] == "unverified" and "verify_unnamed_hosts" in info["reason"]


def test_verification_config_is_validated(tmp_path: Path, home: Path) -> None:
    user_config = home / ".config" / "patlint" / "config.yaml"  # a trusted place
    user_config.parent.mkdir(parents=True)
    user_config.write_text("verification: {timeout: 5, retries: 3}\n")
    res = CliRunner().invoke(cli, ["scan", "--offline", str(tmp_path)])
    assert res.exit_code == 2
    assert (
        "verification: unknown key(s) retries (allowed: timeout, connect_timeout, concurrency"
        in res.stderr
    )


def _many_tokens(tmp_path: Path, values: list[str]) -> Path:
    root = tmp_path / "fakes"
    root.mkdir()
    (root / "fakes.txt").write_text("".join(f"T{i}={v}\n" for i, v in enumerate(values)))
    return root


def test_verification_is_capped_by_default_at_100_tokens(
    tmp_path: Path, emulator: Emulator, token: Any
) -> None:
    """A tree full of checksum-valid fakes (free to make) costs at most 100 requests.

    The emulator accepts them, so the test is quick; fakes GitHub rejects are paced (401s
    double the spacing up to 2 s), which is why their number must be bounded at all."""
    values = [token("ghp") for _ in range(103)]
    for v in values:
        emulator.add(v, scopes="gist")
    root = _many_tokens(tmp_path, values)
    code, out, err = run(
        "--no-cache", "--format", "json", "--github-api", emulator.base_url, str(root)
    )
    assert code == 1, err
    report = json.loads(out)
    assert len(emulator.tokens_seen()) == 100
    statuses = [t["verification"]["status"] for t in report["tokens"]]
    assert statuses.count("unverified") == 3 and statuses.count("valid") == 100
    capped = [n for n in report["notices"] if "verification cap" in n]
    assert capped == [
        "not verified: 3 tokens over the verification cap (100 a scan, 100 per API host; "
        "raise verification.max_tokens in a trusted config or pass --max-verify); their "
        "policy rules were skipped"
    ]


def test_verification_cap_from_the_flag_and_per_host_from_the_config(
    tmp_path: Path, emulator: Emulator, emulator2: Emulator, token: Any
) -> None:
    values = [token("ghp") for _ in range(4)]
    root = _many_tokens(tmp_path, values)
    code, out, _ = run(
        "--no-cache",
        "--format",
        "json",
        "--max-verify",
        "1",
        "--github-api",
        emulator.base_url,
        str(root),
    )
    assert len(emulator.tokens_seen()) == 1
    assert [t["verification"]["status"] for t in json.loads(out)["tokens"]].count("unverified") == 3
    # per host: two GHES hosts, three tokens each, at most two sent to each
    ghes = tmp_path / "ghes"
    ghes.mkdir()
    lines = [
        f"https://x:{token('ghp')}@{h}/o/r.git\n"
        for h in ("a.example", "b.example")
        for _ in range(3)
    ]
    (ghes / ".git-credentials").write_text("".join(lines))
    config = tmp_path / "pinned.yaml"
    config.write_text("verification: {max_tokens_per_host: 2}\n")
    code, out, err = run(
        "--no-cache",
        "--format",
        "json",
        "--config",
        str(config),
        "--github-api",
        f"a.example={emulator.base_url}",
        "--github-api",
        f"b.example={emulator2.base_url}",
        str(ghes),
    )
    assert code == 1, err
    assert len(emulator.tokens_seen()) == 1 + 2 and len(emulator2.tokens_seen()) == 2, err
    notices = json.loads(out)["notices"]
    assert any(n.startswith("not verified: 2 tokens over the verification cap") for n in notices)
