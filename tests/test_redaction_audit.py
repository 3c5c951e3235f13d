"""Redaction audit: every command and output format, at the most verbose level, on a tree full of
tokens of every kind (plain, base64, percent-encoded, in history, in the environment), and not
one plaintext token — nor its base64 or percent-encoded form — in stdout, stderr, report files,
the verification cache, the baseline or log output.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from click.testing import CliRunner

from patlint.cli import cli
from tests.github_emulator import Emulator, emulator_running

KINDS = ["ghp", "gho", "ghu", "ghs", "ghr", "github_pat", "ghs_jwt", "legacy"]


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    """The emulated api.github.com."""
    yield from emulator_running()


def _forms(t: str) -> list[str]:
    """Every shape a leak of `t` could take in text."""
    b = t.encode()
    forms = {
        t,
        base64.b64encode(b).decode().rstrip("="),
        base64.urlsafe_b64encode(b).decode().rstrip("="),
        "".join(f"%{c:02X}" for c in b),
        "".join(f"%{c:02x}" for c in b),
        quote(t, safe=""),
    }
    if "_" in t[:11]:
        forms.add(t.split("_", 1)[1] if not t.startswith("github_pat_") else t[11:])
    return sorted(forms)


class Audit:
    """Collects every text patlint produced, labelled by where it came from."""

    def __init__(self, tokens: dict[str, str]) -> None:
        self.tokens = tokens
        self.texts: list[tuple[str, str]] = []

    def add(self, label: str, text: str) -> None:
        self.texts.append((label, text))

    def run(self, label: str, *args: str, cwd: Path, env: dict[str, str] | None = None) -> Any:
        old = os.getcwd()
        os.chdir(cwd)
        try:
            res = CliRunner().invoke(cli, ["--debug", *args], env=env)
        finally:
            os.chdir(old)
        self.add(f"{label} stdout", res.stdout)
        self.add(f"{label} stderr", res.stderr)
        if res.exception is not None and not isinstance(res.exception, SystemExit):
            import traceback

            self.add(
                f"{label} traceback",
                "".join(traceback.format_exception(res.exception)),
            )
        return res

    def leaks(self) -> list[str]:
        out = []
        for label, text in self.texts:
            for name, t in self.tokens.items():
                for form in _forms(t):
                    if form in text:
                        out.append(f"{label}: {name} ({form[:6]}…)")
        return out


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
    )


@pytest.fixture
def tree(tmp_path: Path, token: Any, emulator: Emulator) -> tuple[Path, dict[str, str]]:
    """A git repository with every kind of token, in every encoding, also in its history."""
    tokens = {kind: token(kind if kind != "ghs_jwt" else "ghs_jwt") for kind in KINDS}
    tokens["history"] = token("ghp")
    tokens["suppressed"] = token("ghp")
    tokens["b64"] = token("ghp")
    tokens["pct"] = token("gho")
    tokens["ci"] = token("ghp")
    tokens["env"] = token("ghp")
    for name, t in tokens.items():
        if name not in ("ghr", "ghs_jwt", "legacy"):
            emulator.add(t, kind="ghp", scopes="repo, admin:org, delete_repo")
    root = tmp_path / "repo"
    root.mkdir()
    _git(root, "init", "-q", "-b", "main")
    (root / "old.txt").write_text(f"token = {tokens['history']}\n")
    _git(root, "add", ".")
    _git(root, "commit", "-q", "-m", "add")
    (root / "old.txt").unlink()
    _git(root, "commit", "-q", "-am", "remove")
    t = tokens
    (root / "app.py").write_text(
        f'GH = "{t["ghp"]}"\nOAUTH = "{t["gho"]}"\nUSER = "{t["ghu"]}"\n'
        f'INST = "{t["ghs"]}"\nREFRESH = "{t["ghr"]}"\nJWT = "{t["ghs_jwt"]}"\n'
        f'OK = "{t["suppressed"]}"  # patlint: ignore\n'
    )
    (root / ".env").write_text(f"GITHUB_TOKEN={t['github_pat']}\n")
    (root / "clone.sh").write_text(
        f"git clone https://{t['legacy']}@github.com/o/r.git\n"
        f"git clone https://x:{quote(t['pct'], safe='').replace('_', '%5F')}@github.com/o/r\n"
    )
    auth = base64.b64encode(f"user:{t['b64']}".encode()).decode()
    (root / ".docker").mkdir()
    (root / ".docker" / "config.json").write_text(
        json.dumps({"auths": {"ghcr.io": {"auth": auth}}}, indent=2)
    )
    (root / ".github" / "workflows").mkdir(parents=True)
    (root / ".github" / "workflows" / "ci.yml").write_text(
        "on: push\njobs:\n  b:\n    runs-on: ubuntu-latest\n    steps:\n"
        f"      - run: echo hi\n        env:\n          GH_TOKEN: {t['ci']}\n"
    )
    _git(root, "add", ".")
    _git(root, "commit", "-q", "-m", "tree")
    return root, tokens


def test_no_command_or_format_ever_shows_a_token(
    tree: tuple[Path, dict[str, str]],
    emulator: Emulator,
    home: Path,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    root, tokens = tree
    audit = Audit(tokens)
    caplog.set_level(logging.DEBUG)
    api = ("--github-api", emulator.base_url)
    env = {"GITHUB_TOKEN": tokens["env"], "CR_PAT": tokens["env"]}
    out = tmp_path / "out"
    out.mkdir()

    # every format, to stdout and to a file, online (emulator) with the cache on
    for fmt in ("text", "json", "sarif", "github", "junit", "html"):
        res = audit.run(
            f"scan {fmt}",
            "scan",
            "-v",
            "--no-progress",
            "--format",
            fmt,
            *api,
            ".",
            cwd=root,
            env=env,
        )
        assert res.exit_code == 1, (fmt, res.output)
        report = out / f"report.{fmt}"
        res = audit.run(
            f"scan {fmt} -o",
            "scan",
            "-v",
            "--format",
            fmt,
            "-o",
            str(report),
            *api,
            "--env",
            "--no-suppress",
            ".",
            cwd=root,
            env=env,
        )
        assert res.exit_code == 1, (fmt, res.output)
        audit.add(f"report file {fmt}", report.read_text(encoding="utf-8"))
    assert emulator.tokens_seen() >= {tokens["ghp"], tokens["github_pat"], tokens["env"]}

    # what was found, so the audit is known to have had something to leak
    doc = json.loads((out / "report.json").read_text())
    kinds = {f["token"]["kind"] for f in doc["findings"] if f.get("token")}
    assert {"ghp", "gho", "ghu", "ghs", "ghr", "github_pat", "legacy"} <= kinds
    assert any(f["rule_id"] == "god-token" for f in doc["findings"])
    notes = {f["location"].get("note", "") for f in doc["findings"]}
    assert any("base64" in n for n in notes), notes
    paths = {f["location"]["path"] for f in doc["findings"]}
    assert "env:CR_PAT" in paths or "env:GITHUB_TOKEN" in paths, paths

    # the verification cache
    cache_files = list((home / ".cache" / "patlint").rglob("*"))
    assert any(p.is_file() for p in cache_files)
    for p in cache_files:
        if p.is_file():
            audit.add(f"cache {p.name}", p.read_text(encoding="utf-8", errors="replace"))

    # history
    res = audit.run(
        "history", "scan", "-v", "--history", "--offline", "--format", "json", ".", cwd=root
    )
    assert res.exit_code == 1 and "old.txt" in res.stdout

    # baselines
    bl = out / "baseline.json"
    assert audit.run("baseline create", "baseline", "create", str(bl), cwd=root).exit_code == 0
    (root / "new.txt").write_text(f"x = {tokens['ghp']}\n")
    assert audit.run("baseline update", "baseline", "update", str(bl), cwd=root).exit_code == 0
    audit.add("baseline file", bl.read_text())
    audit.run("scan --baseline", "scan", "-v", "--offline", "--baseline", str(bl), ".", cwd=root)

    # revoke, dry run, from the report and from a file of tokens
    res = audit.run(
        "revoke report",
        "revoke",
        "--from-report",
        str(out / "report.json"),
        "--root",
        str(root),
        "--dry-run",
        *api,
        cwd=root,
    )
    assert res.exit_code == 0, res.output
    leaked = out / "leaked.txt"
    leaked.write_text("\n".join(tokens.values()) + "\n")
    res = audit.run(
        "revoke file",
        "revoke",
        "--file",
        str(leaked),
        "--dry-run",
        "--format",
        "json",
        *api,
        cwd=root,
    )
    assert res.exit_code == 0, res.output

    # org inventory (SAML part) against the emulator, the owner token in the environment
    from tests.github.test_org import OWNER_TOKEN, seed
    from tests.github_emulator_org import install

    seed(install(emulator))
    for fmt in ("text", "json"):
        res = audit.run(
            f"org {fmt}",
            "org",
            "acme",
            *api,
            "--token-env",
            "ORG_OWNER",
            "--format",
            fmt,
            cwd=root,
            env={"ORG_OWNER": OWNER_TOKEN},
        )
        assert res.exit_code == 1 and "ghp_…" in res.stdout, res.output  # findings, previews
    audit.tokens["owner"] = OWNER_TOKEN

    # rules, explain, and errors that name a token-looking value
    audit.run("rules", "rules", cwd=root)
    audit.run("explain", "explain", "github-classic-pat", cwd=root)
    audit.run("explain unknown", "explain", tokens["ghp"], cwd=root)
    bad = out / "bad.yaml"
    bad.write_text(f"fail_on: {tokens['ghp']}\nrules:\n  {tokens['gho']}: {{enabled: false}}\n")
    res = audit.run("bad config", "scan", "--offline", "--config", str(bad), ".", cwd=root)
    assert res.exit_code == 2
    bad.write_text(f"allow: {tokens['ghu']}\nexclude: [{tokens['ghs']}\n")
    res = audit.run("broken yaml", "scan", "--offline", "--config", str(bad), ".", cwd=root)
    assert res.exit_code == 2
    res = audit.run("bad flag", "scan", "--offline", "--fail-on", tokens["ghp"], ".", cwd=root)
    assert res.exit_code == 2
    res = audit.run("bad enable", "scan", "--offline", "--enable", tokens["gho"], ".", cwd=root)
    res = audit.run("bad path", "scan", "--offline", tokens["ghu"], cwd=root)

    audit.add("log records", "\n".join(r.getMessage() for r in caplog.records))
    leaks = audit.leaks()
    assert leaks == [], "\n".join(leaks)
    assert len(audit.texts) > 40
