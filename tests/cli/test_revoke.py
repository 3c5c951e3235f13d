"""`patlint revoke` end to end: a real scan report, real files, the emulator as github.com and
as a GitHub Enterprise Server; confirmation, --dry-run, --yes, hosts, and no plaintext output."""

from __future__ import annotations

import base64
import json
import random
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

import patlint.cli.revoke
from patlint.cli import cli
from patlint.model import sha256_hex
from patlint.tokengen import make_token
from tests.github_emulator import Emulator
from tests.github_emulator_org import install

GHES = "ghe.example.com"


@pytest.fixture
def leaked(tmp_path: Path) -> dict[str, str]:
    """A scanned folder with tokens for github.com, ghcr.io and a GHES host, and its report."""
    rng = random.Random(99)
    toks = {
        "ghp": make_token("ghp", rng),
        "ghs": make_token("ghs", rng),
        "pat": make_token("github_pat", rng),
        "ghes": make_token("ghp", rng),
    }
    root = tmp_path / "home"
    (root / ".docker").mkdir(parents=True)
    (root / ".env").write_text(f"GH_TOKEN={toks['ghp']}\nAPP_TOKEN={toks['ghs']}\n")
    auth = base64.b64encode(f"octo:{toks['pat']}".encode()).decode()
    (root / ".docker" / "config.json").write_text(
        json.dumps({"auths": {"ghcr.io": {"auth": auth}}}, indent=2)
    )
    (root / ".git-credentials").write_text(f"https://octo:{toks['ghes']}@{GHES}\n")
    report = tmp_path / "report.json"
    res = CliRunner().invoke(
        cli,
        ["scan", "--offline", "--no-progress", "--format", "json", "-o", str(report), str(root)],
    )
    assert res.exit_code == 1, res.stderr
    text = report.read_text()
    assert not any(t in text for t in toks.values())  # the report is safe to pass around
    return {**toks, "root": str(root), "report": str(report)}


def run(args: list[str], input: str | None = None) -> Result:
    return CliRunner().invoke(cli, ["revoke", *args], input=input)


def assert_no_plaintext(res: Result, toks: dict[str, str]) -> None:
    for k in ("ghp", "ghs", "pat", "ghes"):
        assert toks[k] not in res.stdout and toks[k] not in res.stderr


def api_args(emu: Emulator, ghes: Emulator) -> list[str]:
    return ["--github-api", emu.base_url, "--github-api", f"{GHES}={ghes.base_url}/api/v3"]


def test_dry_run_sends_nothing_and_lists_each_token(
    leaked: dict[str, str], emulator: Emulator, emulator2: Emulator
) -> None:
    com, ghes = install(emulator), install(emulator2)
    res = run(
        [
            "--from-report",
            leaked["report"],
            "--root",
            leaked["root"],
            "--dry-run",
            "--format",
            "json",
            *api_args(emulator, emulator2),
        ]
    )
    assert res.exit_code == 0, res.stderr
    doc = json.loads(res.stdout)
    rows = {r["sha256"]: r for r in doc["revocations"]}
    assert rows[sha256_hex(leaked["ghp"])]["status"] == "dry-run"
    assert rows[sha256_hex(leaked["pat"])]["status"] == "dry-run"
    assert rows[sha256_hex(leaked["ghes"])] | {"detail": ""} == {
        "preview": rows[sha256_hex(leaked["ghes"])]["preview"],
        "sha256": sha256_hex(leaked["ghes"]),
        "kind": "ghp",
        "host": GHES,
        "status": "dry-run",
        "detail": "",
    }
    assert rows[sha256_hex(leaked["ghs"])]["status"] == "skipped"
    assert doc["dry_run"] is True and doc["summary"] == {"dry-run": 3, "skipped": 1}
    assert com.revocations == [] and ghes.revocations == []
    assert [r for r in emulator.requests + emulator2.requests if r.method == "POST"] == []
    assert_no_plaintext(res, leaked)


def test_no_terminal_and_no_yes_refuses_with_exit_2(
    leaked: dict[str, str], emulator: Emulator, emulator2: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GH_ENTERPRISE_TOKEN", "ghp_enterpriseadmin0000000000000000000000")
    com = install(emulator)
    res = run(
        [
            "--from-report",
            leaked["report"],
            "--root",
            leaked["root"],
            *api_args(emulator, emulator2),
        ]
    )
    assert res.exit_code == 2
    assert "revoking needs confirmation: run in a terminal, or pass --yes" in res.stderr
    assert com.revocations == [] and emulator.requests == []
    assert_no_plaintext(res, leaked)


def test_declined_confirmation_revokes_nothing(
    leaked: dict[str, str],
    emulator: Emulator,
    emulator2: Emulator,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(patlint.cli.revoke, "_can_prompt", lambda: True)
    monkeypatch.setenv("GH_ENTERPRISE_TOKEN", "ghp_enterpriseadmin0000000000000000000000")
    com = install(emulator)
    res = run(
        [
            "--from-report",
            leaked["report"],
            "--root",
            leaked["root"],
            *api_args(emulator, emulator2),
        ],
        input="n\n",
    )
    assert res.exit_code == 1
    assert "Revoke these 3 tokens on ghe.example.com, github.com?" in res.stderr
    assert "patlint: nothing revoked" in res.stderr
    assert com.revocations == [] and emulator.requests == [] and emulator2.requests == []


def test_confirmed_revocation_sends_each_token_to_its_own_host_only(
    leaked: dict[str, str],
    emulator: Emulator,
    emulator2: Emulator,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(patlint.cli.revoke, "_can_prompt", lambda: True)
    admin = "ghp_enterpriseadmin0000000000000000000000"
    monkeypatch.setenv("GH_ENTERPRISE_TOKEN", admin)
    com, ghes = install(emulator), install(emulator2)
    emulator.add(leaked["ghp"])  # a live token the emulated GitHub knows
    res = run(
        [
            "--from-report",
            leaked["report"],
            "--root",
            leaked["root"],
            *api_args(emulator, emulator2),
        ],
        input="y\n",
    )
    assert res.exit_code == 0, res.stderr
    # github.com: one unauthenticated POST with the github.com tokens (not the ghs_, not GHES's)
    assert len(com.revocations) == 1
    assert sorted(com.revocations[0].credentials) == sorted([leaked["ghp"], leaked["pat"]])
    assert com.revocations[0].authorization is None and com.revocations[0].prefix == ""
    # GHES: one authenticated POST under /api/v3 with its own token only
    assert len(ghes.revocations) == 1
    assert ghes.revocations[0].credentials == [leaked["ghes"]]
    assert ghes.revocations[0].authorization == f"Bearer {admin}"
    assert ghes.revocations[0].prefix == "/api/v3"
    assert emulator.tokens[leaked["ghp"]].valid is False  # the emulator revoked it
    # the output names each token by preview and digest only
    for key in ("ghp", "pat", "ghes"):
        line = next(ln for ln in res.stdout.splitlines() if sha256_hex(leaked[key])[:16] in ln)
        assert "submitted" in line
    assert "patlint revoke: 4 tokens: 1 skipped, 3 submitted" in res.stdout
    assert_no_plaintext(res, leaked)


def test_only_tokens_named_by_the_report_are_revoked(
    leaked: dict[str, str], emulator: Emulator
) -> None:
    com = install(emulator)
    root = Path(leaked["root"])
    extra = make_token("ghp", random.Random(5))
    with (root / ".env").open("a") as fh:
        fh.write(f"NEW_TOKEN={extra}\n")  # added after the report: not in it
    (root / ".docker" / "config.json").unlink()  # gone since the report
    res = run(
        [
            "--from-report",
            leaked["report"],
            "--root",
            leaked["root"],
            "--yes",
            "--format",
            "json",
            "--github-api",
            emulator.base_url,
        ]
    )
    assert res.exit_code == 0, res.stderr
    assert com.revoked() == [leaked["ghp"]]
    rows = {r["sha256"]: r for r in json.loads(res.stdout)["revocations"]}
    assert sha256_hex(extra) not in rows
    assert rows[sha256_hex(leaked["pat"])]["status"] == "skipped"
    assert "not found again" in rows[sha256_hex(leaked["pat"])]["detail"]
    # the GHES token's host is not configured here: it is never sent anywhere
    assert rows[sha256_hex(leaked["ghes"])]["status"] == "skipped"
    assert "not configured" in rows[sha256_hex(leaked["ghes"])]["detail"]
    assert extra not in res.stdout


def test_ghes_without_its_token_is_a_usage_error(
    leaked: dict[str, str], emulator: Emulator, emulator2: Emulator
) -> None:
    install(emulator2)
    res = run(
        [
            "--from-report",
            leaked["report"],
            "--root",
            leaked["root"],
            "--yes",
            *api_args(emulator, emulator2),
        ]
    )
    assert res.exit_code == 2
    assert "set the environment variable GH_ENTERPRISE_TOKEN" in res.stderr
    assert emulator.requests == [] and emulator2.requests == []


def test_tokens_from_stdin_need_yes(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    com = install(emulator)
    rng = random.Random(11)
    toks = [make_token(k, rng) for k in ("ghp", "gho", "ghu", "ghr", "github_pat", "ghs")]
    data = "\n".join(toks) + "\n" + make_token("ghp", rng, valid=False) + "\n"
    monkeypatch.setattr(patlint.cli.revoke, "_can_prompt", lambda: True)
    res = run(["--file", "-", "--github-api", emulator.base_url], input=data)
    assert res.exit_code == 2 and com.revocations == []  # stdin is taken: no one to ask
    res = run(["--file", "-", "--github-api", emulator.base_url, "--yes"], input=data)
    assert res.exit_code == 0, res.stderr
    # every accepted kind once, the ghs_ and the checksum-invalid string never
    assert com.revoked() == toks[:5]
    assert "1 skipped, 5 submitted" in res.stdout
    for t in toks:
        assert t not in res.stdout and t not in res.stderr


def test_rejected_batch_exits_1(tmp_path: Path, emulator: Emulator) -> None:
    state = install(emulator)
    state.revoke_status = 422
    f = tmp_path / "tokens.txt"
    f.write_text(make_token("ghp", random.Random(2)) + "\n")
    res = run(["--file", str(f), "--github-api", emulator.base_url, "--yes"])
    assert res.exit_code == 1
    assert "HTTP 422" in res.stdout and "1 failed" in res.stdout


def test_nothing_to_revoke_is_a_usage_error() -> None:
    res = run([])
    assert res.exit_code == 2
    assert "give --from-report FILE or --file FILE|-" in res.stderr


def test_history_report_is_read_back_from_git_blobs(tmp_path: Path, emulator: Emulator) -> None:
    """A token deleted from HEAD is found again through the blob id the history report names."""
    import subprocess

    com = install(emulator)
    repo = tmp_path / "repo"
    repo.mkdir()
    tok = make_token("ghp", random.Random(8))

    def git(*args: str) -> None:
        subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)

    git("init", "-q")
    git("config", "user.email", "dev@example.com")
    git("config", "user.name", "dev")
    (repo / "secret.env").write_text(f"T={tok}\n")
    git("add", "secret.env")
    git("commit", "-qm", "add")
    git("rm", "-q", "secret.env")
    git("commit", "-qm", "remove")
    report = tmp_path / "history.json"
    res = CliRunner().invoke(
        cli,
        [
            "scan",
            "--offline",
            "--no-progress",
            "--history",
            "--format",
            "json",
            "-o",
            str(report),
            str(repo),
        ],
    )
    assert res.exit_code == 1, res.stderr
    assert tok not in report.read_text()
    res = run(
        [
            "--from-report",
            str(report),
            "--root",
            str(repo),
            "--yes",
            "--github-api",
            emulator.base_url,
        ]
    )
    assert res.exit_code == 0, res.stderr
    assert com.revoked() == [tok]
    assert tok not in res.stdout and tok not in res.stderr


def test_one_enterprise_token_never_goes_to_two_servers(
    tmp_path: Path, emulator: Emulator, emulator2: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GH_ENTERPRISE_TOKEN belongs to one server: with tokens for two configured GHES hosts it
    # went to both, authenticating on a host it was not issued for.
    rng = random.Random(5)
    a, b = make_token("ghp", rng), make_token("ghp", rng)
    root = tmp_path / "home"
    root.mkdir()
    (root / ".git-credentials").write_text(
        f"https://octo:{a}@ghe-a.example.com\nhttps://octo:{b}@ghe-b.example.com\n"
    )
    report = tmp_path / "report.json"
    scan = ["scan", "--offline", "--no-progress", "--format", "json", "-o", str(report)]
    assert CliRunner().invoke(cli, [*scan, str(root)]).exit_code == 1
    ea, eb = install(emulator), install(emulator2)
    monkeypatch.setenv("GH_ENTERPRISE_TOKEN", "ghp_enterpriseadmin0000000000000000000000")
    apis = [
        "--github-api",
        f"ghe-a.example.com={emulator.base_url}/api/v3",
        "--github-api",
        f"ghe-b.example.com={emulator2.base_url}/api/v3",
    ]
    res = run(["--from-report", str(report), "--root", str(root), "--yes", *apis])
    assert res.exit_code == 2
    assert (
        "revocation on several GitHub Enterprise Servers (ghe-a.example.com, ghe-b.example.com)"
        in res.stderr
    )
    assert emulator.requests == [] and emulator2.requests == []
    assert ea.revocations == [] and eb.revocations == []
    # one server per run works, and the other one's token stays where it is
    res = run(["--from-report", str(report), "--root", str(root), "--yes", *apis[:2]])
    assert res.exit_code == 0, res.stderr
    assert [r.credentials for r in ea.revocations] == [[a]] and eb.revocations == []
