"""History blobs go through the structured readers their first path picks, as tree files do
(`patlint/engine/history.py`)."""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import patlint.engine.history as gh
from patlint.config import Config
from patlint.engine.history import collect_history
from patlint.engine.ruleset import build_ruleset
from patlint.engine.run import Collected, ScanOptions, finish, run_scan
from patlint.model import Candidate, Context, ScanResult
from patlint.sources.history.blobs import HistoryCollected
from tests.sources.history.test_blobs import Repo

TokenFactory = Callable[..., str]


pytestmark = pytest.mark.usefixtures("git_env")


WORKFLOW = """\
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - run: gh release list
        env:
          GH_TOKEN: {token}
"""


def history(repo: Repo, **kw: Any) -> tuple[HistoryCollected, ScanResult]:
    """The history source and the shared pipeline, as `patlint scan --history` runs them."""
    ruleset = build_ruleset(Config())
    hist = collect_history(str(repo.path), ruleset.detectors, max_file_size=1 << 20, **kw)
    collected = Collected(candidates=hist.candidates, places=hist.places, stats=hist.stats)
    return hist, finish(collected, ruleset, ScanOptions())


def tree(path: Path) -> ScanResult:
    return run_scan([str(path)], build_ruleset(Config()), ScanOptions(jobs=1))


def cands(result: ScanResult, t: str) -> list[Candidate]:
    """Every candidate of token `t` (by its digest), in the order the pipeline keeps."""
    from patlint.model import sha256_hex

    digest = sha256_hex(t)
    return [c for tok in result.tokens if tok.secret.digest == digest for c in tok.candidates]


def rules(result: ScanResult) -> list[str]:
    return sorted(f.rule_id for f in result.findings)


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def docker_config(t: str) -> str:
    return json.dumps({"auths": {"ghcr.io": {"auth": b64(f"octocat:{t}")}}}, indent=2) + "\n"


def test_deleted_npmrc_has_the_npm_context(tmp_path: Path, token: TokenFactory):
    t = token("ghp")
    repo = Repo(tmp_path / "r")
    repo.write("README.md", "hi\n")
    repo.commit("readme")
    repo.write(".npmrc", f"@octo:registry=https://npm.pkg.github.com\n"
               f"//npm.pkg.github.com/:_authToken={t}\n")  # fmt: skip
    added = repo.commit("npm auth")
    blob = repo.blob("HEAD", ".npmrc")
    (repo.path / ".npmrc").unlink()
    repo.commit("oops")

    hist, result = history(repo)
    [c] = cands(result, t)
    assert c.context == Context(
        file_type="npmrc", key="_authToken", host="npm.pkg.github.com", usage="npm"
    )
    loc = c.location
    assert (loc.path, loc.line, loc.column, loc.note) == (
        ".npmrc",
        2,
        34,
        "//npm.pkg.github.com/:_authToken",
    )
    assert (loc.commit, loc.blob, loc.in_head) == (added, blob, False)
    assert loc.commit_date == "2024-01-03T12:00:00+00:00"
    assert rules(result) == ["github-classic-pat"]
    [f] = result.findings
    assert f.context.usage == "npm"  # what overscoped-for-context and remediation look at
    assert hist.places == []  # .npmrc makes no place finding
    assert (hist.blobs_read, hist.blobs_with_hits) == (2, 1)
    # the tree scan of the same file gives the same context, line and column
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / ".npmrc").write_bytes(repo.git("show", f"{blob}").encode() + b"\n")
    [tc] = cands(tree(tmp_path / "t"), t)
    assert tc.context == c.context
    assert (tc.location.line, tc.location.column) == (2, 34)


def test_docker_config_base64_auth_gets_the_registry(tmp_path: Path, token: TokenFactory):
    t = token("ghp")
    repo = Repo(tmp_path / "r")
    repo.write("deploy/.docker/config.json", docker_config(t))
    added = repo.commit("docker login for the deploy job")
    repo.git("rm", "-q", "-r", "deploy")
    repo.commit("remove")

    _, result = history(repo)
    [c] = cands(result, t)
    assert c.context == Context(
        file_type="docker-config",
        key="auths.ghcr.io.auth",
        host="ghcr.io",
        usage="container-registry",
        encoding="base64",
    )
    assert (c.location.path, c.location.line, c.location.commit, c.location.in_head) == (
        "deploy/.docker/config.json",
        4,
        added,
        False,
    )
    # the plaintext auth was committed: every clone has it, so the place finding holds
    [p] = [f for f in result.findings if f.rule_id == "plaintext-credential-store"]
    assert (p.location.path, p.location.line, p.location.commit, p.location.in_head) == (
        "deploy/.docker/config.json",
        4,
        added,
        False,
    )
    assert p.token is not None and p.token.sha256 == c.secret.digest
    assert rules(result) == ["github-classic-pat", "plaintext-credential-store"]


def test_git_credentials_plaintext_store_but_never_readable_by_others(
    tmp_path: Path, token: TokenFactory
):
    t = token("ghp")
    repo = Repo(tmp_path / "r")
    creds = repo.path / ".git-credentials"
    repo.write(".git-credentials", f"https://octocat:{t}@github.com\n")
    creds.chmod(0o644)
    first = repo.commit("dotfiles")
    repo.write(".git-credentials", f"https://octocat:{t}@github.com\nhttps://x:y@example.com\n")
    creds.chmod(0o644)
    second = repo.commit("second host")

    # the working tree: a group/other-readable file, so both hygiene rules fire
    assert rules(tree(repo.path)) == [
        "credential-file-readable-by-others",
        "github-classic-pat",
        "plaintext-credential-store",
    ]
    hist, result = history(repo)
    assert rules(result) == ["github-classic-pat", "plaintext-credential-store"]
    [p] = [f for f in result.findings if f.rule_id == "plaintext-credential-store"]
    # two blobs hold the token at one path: one place finding, at the oldest commit
    assert (p.location.path, p.location.line, p.location.column) == (".git-credentials", 1, 17)
    assert (p.location.commit, p.location.in_head) == (first, False)
    assert p.context == Context(
        file_type="git-credentials", key="password", host="github.com", usage="git"
    )
    assert [(c.location.commit, c.location.in_head) for c in cands(result, t)] == [
        (first, False),
        (second, True),
    ]
    assert len(hist.places) == 1


def test_workflow_keeps_token_places_drops_configuration_ones(tmp_path: Path, token: TokenFactory):
    t = token("ghp")
    repo = Repo(tmp_path / "r")
    repo.write(".github/workflows/release.yml", WORKFLOW.format(token=t))
    added = repo.commit("release workflow")

    tree_rules = rules(tree(repo.path))
    assert "missing-permissions-block" in tree_rules
    assert "token-literal-in-ci" in tree_rules
    _, result = history(repo)
    assert "missing-permissions-block" not in rules(result)  # about a file version, not a token
    [p] = [f for f in result.findings if f.rule_id == "token-literal-in-ci"]
    assert (p.location.path, p.location.line, p.location.commit, p.location.in_head) == (
        ".github/workflows/release.yml",
        8,
        added,
        True,
    )
    [c] = cands(result, t)
    assert (c.context.file_type, c.context.usage) == ("ci-yaml", "ci")


def test_workflow_without_a_token_adds_nothing_to_history(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    structured: list[str] = []
    real = gh.scan_structured

    def spy(data: bytes, rel: str, *a: Any, **kw: Any) -> Any:
        structured.append(rel)
        return real(data, rel, *a, **kw)

    monkeypatch.setattr(gh, "scan_structured", spy)
    repo = Repo(tmp_path / "r")
    repo.write(".github/workflows/ci.yml", "on: push\npermissions: write-all\n"
               "jobs:\n  t:\n    runs-on: x\n    steps:\n      - run: make\n")  # fmt: skip
    repo.commit("ci")
    assert "github-token-write-all" in rules(tree(repo.path))
    hist, result = history(repo)
    assert result.findings == [] and hist.places == []
    assert structured == []  # the CI reader only re-labels text tokens: none, so not run
    assert [n for n in hist.stats.notices if "ci.yml" in n] == []


def test_plain_source_file_is_unchanged(
    tmp_path: Path, token: TokenFactory, monkeypatch: pytest.MonkeyPatch
):
    structured: list[str] = []
    real = gh.scan_structured

    def spy(data: bytes, rel: str, *a: Any, **kw: Any) -> Any:
        structured.append(rel)
        return real(data, rel, *a, **kw)

    monkeypatch.setattr(gh, "scan_structured", spy)
    t = token("ghp")
    repo = Repo(tmp_path / "r")
    repo.write("app/settings.py", f"GH_TOKEN = '{t}'\n")
    repo.write(".npmrc", "registry=https://registry.npmjs.org/\n")
    repo.commit("settings")

    hist, result = history(repo)
    [c] = cands(result, t)
    assert c.context == Context(file_type="text", key="GH_TOKEN")
    assert (c.location.path, c.location.line, c.location.column) == ("app/settings.py", 1, 13)
    assert structured == [".npmrc"]  # only the file a reader claims goes through readers
    assert hist.places == [] and rules(result) == ["github-classic-pat"]


def test_blob_over_the_reader_limit_gets_text_detectors_only(
    tmp_path: Path, token: TokenFactory, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(gh, "READER_MAX_BYTES", 64)
    t = token("ghp")
    repo = Repo(tmp_path / "r")
    repo.write(".npmrc", f"//npm.pkg.github.com/:_authToken={t}\n" + "#" * 80 + "\n")
    repo.commit("npm")
    _, result = history(repo)
    [c] = cands(result, t)
    assert c.context.file_type == "text" and c.context.usage is None


def test_same_token_same_context_in_tree_and_history(tmp_path: Path, token: TokenFactory):
    t_npm, t_docker, t_creds, t_env = token("ghp"), token("ghp"), token("gho"), token("ghp")
    repo = Repo(tmp_path / "r")
    repo.write(".npmrc", f"//npm.pkg.github.com/:_authToken={t_npm}\n")
    repo.write(".docker/config.json", docker_config(t_docker))
    repo.write(".git-credentials", f"https://octocat:{t_creds}@github.com\n")
    repo.write("svc/.env", f"# deploy\nGITHUB_TOKEN={t_env}\n")
    repo.write("notes.md", f"old npm token: {t_npm}\n")
    repo.commit("everything")

    tree_result = tree(repo.path)
    _, hist_result = history(repo)

    def seen(result: ScanResult, t: str) -> list[tuple[Any, ...]]:
        return sorted(
            (c.rule_id, c.location.path, c.location.line, c.location.column, repr(c.context))
            for c in cands(result, t)
        )

    for t in (t_npm, t_docker, t_creds, t_env):
        assert seen(hist_result, t) == seen(tree_result, t)
        assert len(seen(hist_result, t)) == (2 if t == t_npm else 1)
    # and it is the readers' context, not the text one
    assert seen(hist_result, t_env) == [
        (
            "github-classic-pat",
            "svc/.env",
            2,
            14,
            repr(Context(file_type="dotenv", key="GITHUB_TOKEN", usage="dotenv")),
        )
    ]
    assert [s[4] for s in seen(hist_result, t_npm)] == [
        repr(Context(file_type="npmrc", key="_authToken", host="npm.pkg.github.com", usage="npm")),
        repr(Context(file_type="text", key="token")),  # notes.md: "old npm token: …"
    ]

    def places(result: ScanResult) -> list[tuple[str, str, int | None]]:
        return sorted(
            (f.rule_id, f.location.path, f.location.line)
            for f in result.findings
            if f.rule_id in ("plaintext-credential-store", "credential-file-readable-by-others")
        )

    assert places(hist_result) == [
        ("plaintext-credential-store", ".docker/config.json", 4),
        ("plaintext-credential-store", ".git-credentials", 1),
    ]
    assert [p for p in places(tree_result) if p[0] == "plaintext-credential-store"] == (
        places(hist_result)
    )
    fp = {f.fingerprint for f in hist_result.findings}
    assert fp <= {f.fingerprint for f in tree_result.findings}


def test_cli_reports_history_place_findings_with_commit(tmp_path: Path, token: TokenFactory):
    from click.testing import CliRunner

    from patlint.cli import cli

    t = token("ghp")
    repo = Repo(tmp_path / "r")
    repo.write(".git-credentials", f"https://octocat:{t}@github.com\n")
    added = repo.commit("creds")
    (repo.path / ".git-credentials").unlink()
    repo.commit("gone")
    res = CliRunner().invoke(
        cli, ["scan", "--offline", "--no-progress", "--history", "--format", "json", str(repo.path)]
    )
    assert res.exit_code == 1, res.stderr
    report = json.loads(res.stdout)
    found = {f["rule_id"]: f for f in report["findings"]}
    assert sorted(found) == ["github-classic-pat", "plaintext-credential-store"]
    loc = found["plaintext-credential-store"]["location"]
    assert (loc["path"], loc["line"], loc["commit"], loc["in_head"]) == (
        ".git-credentials",
        1,
        added,
        False,
    )
    assert found["github-classic-pat"]["context"]["usage"] == "git"
    assert t not in res.stdout and t not in res.stderr
    assert os.fspath(tmp_path) not in loc["path"]
