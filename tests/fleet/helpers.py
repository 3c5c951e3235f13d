"""Real git repositories for the fleet tests (`scan --repos`, `--shard`, `merge`)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from patlint.cli import cli
from tests.github_emulator import Emulator


def git(repo: Path, *args: str) -> str:
    proc = subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, check=True, env=dict(os.environ)
    )
    return proc.stdout.decode().strip()


def make_repo(path: Path, commits: list[dict[str, str | None]]) -> Path:
    """A repository with one commit per dict ({path: content}; None deletes the file)."""
    path.mkdir(parents=True)
    git(path, "init", "-q", "-b", "main")
    for n, files in enumerate(commits, 1):
        for rel, content in files.items():
            target = path / rel
            if content is None:
                target.unlink()
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(content)
        git(path, "add", "-A")
        when = f"2024-01-{n:02d}T12:00:00+00:00"
        subprocess.run(
            ["git", "-C", str(path), "commit", "-q", "--allow-empty", "-m", f"c{n}"],
            check=True,
            capture_output=True,
            env={**os.environ, "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when},
        )
    return path


def run(args: list[str], stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, args, input=stdin, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def scan_json(repos_file: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    code, out, err = run(
        ["scan", "--offline", "--history", "--repos", str(repos_file), "--format", "json", *extra]
    )
    assert code in (0, 1), err
    if "-o" in extra:
        out = Path(extra[extra.index("-o") + 1]).read_text()
    return code, json.loads(out)


def places(report: dict[str, Any]) -> set[tuple[str, str, str, str]]:
    """(sha256, repository, path, commit) of every location of every token."""
    return {
        (t["sha256"], loc.get("repository", ""), loc["path"], loc.get("commit", ""))
        for t in report["tokens"]
        for loc in t["locations"]
    }


def make_fleet(tmp_path: Path, token: Any) -> tuple[Path, dict[str, str]]:
    """Four real repositories and one unreachable one; returns the list and the tokens."""
    t = {"shared": token(), "old": token(), "alone": token("github_pat"), "fourth": token()}
    make_repo(tmp_path / "alpha", [{"ci/deploy.env": f"GH_TOKEN={t['shared']}\n"}])
    make_repo(
        tmp_path / "beta", [{"config.yml": f"token: {t['shared']}\n", "x.env": f"A={t['alone']}\n"}]
    )
    make_repo(
        tmp_path / "gamma",
        [{"old.env": f"T={t['old']}\n"}, {"old.env": None, "README": "clean\n"}],
    )
    make_repo(tmp_path / "delta", [{"d.env": f"T={t['fourth']}\n"}])
    listing = tmp_path / "repos.txt"
    listing.write_text(
        f"{tmp_path / 'alpha'}\nfile://{tmp_path / 'beta'}\n{tmp_path / 'gamma'}\n"
        f"file://{tmp_path / 'delta'}/\nfile://{tmp_path / 'unreachable'}\n"
    )
    return listing, t


def honest_shard(tmp_path: Path, token: Any, emulator: Emulator) -> tuple[Path, str, Path]:
    """A tree with a live `repo, admin:org` token, scanned online into an honest report."""
    value = token()
    emulator.add(value, scopes="repo, admin:org")
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "deploy.env").write_text(f"GH_TOKEN={value}\n")
    honest = tmp_path / "honest.json"
    code, _, err = run(
        [
            *("scan", str(tree), "--format", "json", "-o", str(honest), "--no-cache"),
            *("--no-progress", "--github-api", emulator.base_url),
        ]
    )
    assert code == 1, err
    return honest, value, tree


def run_bounded(args: list[str], deadline: float = 60) -> tuple[int, str, str]:
    """`patlint ARGS` in a child process: a hang fails the test instead of the whole suite."""
    import sys

    try:
        proc = subprocess.run(
            [sys.executable, "-m", "patlint", *args],
            capture_output=True,
            text=True,
            timeout=deadline,
        )
    except subprocess.TimeoutExpired:
        raise AssertionError(f"patlint {args[0]} hung (more than {deadline} s)") from None
    return proc.returncode, proc.stdout, proc.stderr
