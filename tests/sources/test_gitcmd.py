"""Nothing a scanned repository configures runs: real git, real repositories, a marker program.

Each test plants a program in the scanned repository's git configuration (the way an attacker's
pull request, cloned repository or unpacked archive would) that creates a marker file when it
runs, then drives patlint the way a user does (`scan .`, `scan --history`, `revoke`) and checks
that the marker was never written, and that git still did its job (the scan stayed git-aware).
"""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from patlint.cli import cli
from patlint.model import sha256_hex
from patlint.sources import gitcmd
from patlint.tokengen import make_token

pytestmark = pytest.mark.usefixtures("git_env")


def git(cwd: Path, *args: str) -> str:
    """Run the real git (test set-up: trusted, not hardened)."""
    return subprocess.run(
        ["git", "-C", str(cwd), *args], capture_output=True, check=True
    ).stdout.decode()


def marker_program(tmp_path: Path, name: str) -> tuple[Path, Path]:
    """A program that writes a marker file when anything runs it (and passes for a no-op)."""
    marker = tmp_path / f"RAN-{name}"
    prog = tmp_path / f"evil-{name}"
    prog.write_text(f"#!/bin/sh\necho \"$0 $*\" >> '{marker}'\nexit 0\n")
    prog.chmod(0o755)
    return prog, marker


def scan(*args: str) -> Result:
    return CliRunner().invoke(cli, ["scan", "--offline", "--no-progress", *args])


def secret_repo(path: Path) -> str:
    """A repository with a tracked token, an ignored token, and a commit; returns the token."""
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "-q", "-b", "main")
    tok = make_token("ghp", random.Random(7))
    (path / "deploy.sh").write_text(f"export GH_TOKEN={tok}\n")
    (path / ".gitignore").write_text("ignored.txt\n")
    (path / "ignored.txt").write_text(f"GH_TOKEN={make_token('gho', random.Random(8))}\n")
    git(path, "add", "deploy.sh", ".gitignore")
    git(path, "commit", "-q", "-m", "init")
    return tok


def paths_found(res: Result) -> set[str]:
    assert res.exit_code in (0, 1), res.output
    return {f["location"]["path"] for f in json.loads(res.stdout)["findings"]}


def test_fsmonitor_of_the_scanned_repository_never_runs(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    secret_repo(repo)
    prog, marker = marker_program(tmp_path, "fsmonitor")
    git(repo, "config", "core.fsmonitor", str(prog))
    git(repo, "config", "core.untrackedCache", "true")
    res = scan("--format", "json", str(repo))
    assert not marker.exists(), marker.read_text()
    # still git-aware: the ignored file was not read, the tracked one was
    assert paths_found(res) == {"deploy.sh"}


def test_a_git_file_pointing_at_a_hidden_git_dir_runs_nothing(tmp_path: Path) -> None:
    """An unpacked archive: `.git` is a file (`gitdir: ./hidden`) and the hidden git directory's
    config names an fsmonitor program."""
    repo = tmp_path / "unpacked"
    secret_repo(repo)
    (repo / ".git").rename(repo / "hidden")
    (repo / ".git").write_text("gitdir: ./hidden\n")
    prog, marker = marker_program(tmp_path, "gitfile")
    git(repo, "config", "core.fsmonitor", str(prog))
    assert git(repo, "config", "core.fsmonitor").strip() == str(prog)  # git follows the file
    res = scan("--format", "json", str(repo))
    assert not marker.exists(), marker.read_text()
    assert "deploy.sh" in paths_found(res)


def test_an_embedded_bare_repository_with_core_worktree_runs_nothing(tmp_path: Path) -> None:
    """Inside a real repository, a scanned folder that *is* a git directory (HEAD, objects,
    refs, config) whose config says `core.bare=false`, `core.worktree=.` and names an fsmonitor
    program: git's discovery would take it as the repository of the folder."""
    outer = tmp_path / "outer"
    secret_repo(outer)
    inner = outer / "vendor" / "pkg"
    inner.parent.mkdir()
    subprocess.run(["git", "init", "-q", "--bare", str(inner)], check=True)
    prog, marker = marker_program(tmp_path, "bare")
    tok = make_token("ghp", random.Random(9))
    (inner / "notes.txt").write_text(f"GH_TOKEN={tok}\n")
    env = {**os.environ, "GIT_DIR": str(inner), "GIT_WORK_TREE": str(inner)}
    subprocess.run(["git", "add", "notes.txt"], cwd=inner, env=env, check=True)
    for key, value in (
        ("core.bare", "false"),
        ("core.worktree", "."),
        ("core.fsmonitor", str(prog)),
    ):
        git(inner, "config", key, value)
    res = scan("--format", "json", str(inner))
    assert not marker.exists(), marker.read_text()
    assert "notes.txt" in paths_found(res)


def test_no_program_the_repository_names_runs_on_any_path(tmp_path: Path) -> None:
    """Every program setting git knows, each pointing at its own marker program, plus
    attributes that send every file through a textconv driver and a filter: `scan .`,
    `scan --history` and `revoke --from-report` (re-reading history blobs) run none of them."""
    repo = tmp_path / "repo"
    tok = secret_repo(repo)
    markers: list[Path] = []
    hooks = repo / ".git" / "evil-hooks"
    hooks.mkdir()
    for hook in ("post-index-change", "reference-transaction", "pre-auto-gc", "post-checkout"):
        prog, marker = marker_program(tmp_path, f"hook-{hook}")
        (hooks / hook).symlink_to(prog)
        markers.append(marker)
    settings = {
        "core.fsmonitor": "fsmonitor",
        "core.pager": "pager",
        "pager.log": "pager-log",
        "core.askPass": "askpass",
        "core.sshCommand": "ssh",
        "core.editor": "editor",
        "credential.helper": "credential",
        "diff.external": "diff-external",
        "diff.evil.textconv": "textconv",
        "filter.evil.clean": "clean",
        "filter.evil.smudge": "smudge",
        "filter.evil.process": "process",
        "gpg.program": "gpg",
        "core.alternateRefsCommand": "alternate-refs",
    }
    for key, name in settings.items():
        prog, marker = marker_program(tmp_path, name)
        git(repo, "config", key, str(prog))
        markers.append(marker)
    git(repo, "config", "core.hooksPath", str(hooks))
    git(repo, "config", "log.showSignature", "true")
    (repo / ".gitattributes").write_text("* diff=evil filter=evil\n")
    (repo / "new.txt").write_text("untracked\n")
    report = tmp_path / "report.json"
    res = scan("--format", "json", "--history", "-o", str(report), str(repo))
    assert res.exit_code == 1, res.output
    assert scan("--format", "json", str(repo)).exit_code == 1
    revoke = CliRunner().invoke(
        cli, ["revoke", "--from-report", str(report), "--root", str(repo), "--dry-run"]
    )
    assert revoke.exit_code == 0, revoke.output
    assert "would be sent" in revoke.stdout  # the blob was read again, from git
    assert [m.name for m in markers if m.exists()] == []
    assert tok not in res.output + revoke.output


def test_a_signed_commit_never_runs_the_repositorys_gpg_program(tmp_path: Path) -> None:
    """`log.showSignature` makes `git log` verify each signed commit with `gpg.program`."""
    repo = tmp_path / "repo"
    tok = secret_repo(repo)
    tree = git(repo, "rev-parse", "HEAD^{tree}").strip()
    signed = (
        f"tree {tree}\nparent {git(repo, 'rev-parse', 'HEAD').strip()}\n"
        "author Octo Cat <octo@example.com> 1700000000 +0000\n"
        "committer Octo Cat <octo@example.com> 1700000000 +0000\n"
        "gpgsig -----BEGIN PGP SIGNATURE-----\n \n iQEzBAABCAAdFiEE\n -----END PGP SIGNATURE-----\n"
        "\nsigned\n"
    )
    commit = (
        subprocess.run(
            ["git", "-C", str(repo), "hash-object", "-t", "commit", "-w", "--stdin"],
            input=signed.encode(),
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .strip()
    )
    git(repo, "update-ref", "refs/heads/signed", commit)
    prog, marker = marker_program(tmp_path, "gpg")
    git(repo, "config", "log.showSignature", "true")
    git(repo, "config", "gpg.program", str(prog))
    git(repo, "log", "-1", "signed")  # plain git runs it
    assert marker.exists()
    marker.unlink()
    res = scan("--history", "--format", "json", str(repo))
    assert not marker.exists(), marker.read_text()
    assert paths_found(res) == {"deploy.sh"} and tok not in res.output


def _partial_clone(tmp_path: Path, filt: str) -> tuple[Path, Path, str]:
    """A partial clone (`--filter=FILT`) of a local repository whose history holds a token
    in a blob the clone lacks; the clone's remote names a marker program as `uploadpack`,
    which git runs for the lazy fetch of a missing object."""
    src = tmp_path / "src"
    src.mkdir()
    git(src, "init", "-q", "-b", "main")
    old = make_token("ghp", random.Random(11))
    (src / "old.env").write_text(f"GH_TOKEN={old}\n")
    git(src, "add", ".")
    git(src, "commit", "-q", "-m", "old")
    git(src, "rm", "-q", "old.env")
    (src / "lib").mkdir()
    (src / "lib" / "x.py").write_text("print('hello')\n")
    (src / "new.env").write_text(f"GH_TOKEN={make_token('ghp', random.Random(12))}\n")
    git(src, "add", ".")
    git(src, "commit", "-q", "-m", "new")
    git(src, "config", "uploadpack.allowFilter", "true")
    clone = tmp_path / "clone"
    subprocess.run(
        ["git", "clone", "-q", f"--filter={filt}", f"file://{src}", str(clone)],
        check=True,
        capture_output=True,
    )
    prog, marker = marker_program(tmp_path, "uploadpack")
    prog.write_text(prog.read_text().replace("exit 0", 'exec git-upload-pack "$@"'))
    git(clone, "config", "remote.origin.uploadpack", str(prog))
    return clone, marker, old


@pytest.fixture
def git_without_lazy_fetch_switch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A `git` first on PATH that drops GIT_NO_LAZY_FETCH before running the real one: a git
    older than 2.39.4 (2.40.2 …), which does not know the switch and fetches anyway."""
    real = subprocess.run(["sh", "-c", "command -v git"], capture_output=True, check=True)
    bindir = tmp_path / "oldgit"
    bindir.mkdir()
    wrapper = bindir / "git"
    wrapper.write_text(
        f'#!/bin/sh\nunset GIT_NO_LAZY_FETCH\nexec {real.stdout.decode().strip()} "$@"\n'
    )
    wrapper.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ['PATH']}")


@pytest.mark.usefixtures("git_without_lazy_fetch_switch")
def test_history_scan_of_a_partial_clone_fetches_nothing(tmp_path: Path) -> None:
    clone, marker, _old = _partial_clone(tmp_path, "tree:0")
    before = git(clone, "count-objects", "-v")
    res = scan("--history", "--format", "json", str(clone))
    assert not marker.exists(), marker.read_text()
    assert git(clone, "count-objects", "-v") == before  # nothing was fetched into the clone
    # the old commit's tree is missing: named and counted as incomplete, never fetched; what
    # the clone has (the new token) is still scanned and decides the exit code
    report = json.loads(res.stdout)
    assert res.exit_code == 1, res.output
    assert report["summary"]["incomplete"] >= 1
    assert any(s["reason"] == "missing-object" for s in report["skipped"])
    assert any("objects are missing from the repository" in n for n in report["notices"])
    assert {loc["path"] for t in report["tokens"] for loc in t["locations"]} == {"new.env"}


def test_revoke_from_a_report_never_fetches_a_missing_blob(tmp_path: Path) -> None:
    clone, marker, old = _partial_clone(tmp_path, "blob:none")
    blob = git(tmp_path / "src", "rev-parse", "HEAD~1:old.env").strip()
    report = tmp_path / "report.json"
    report.write_text(
        json.dumps(
            {
                "tokens": [
                    {
                        "sha256": sha256_hex(old),
                        "kind": "ghp",
                        "preview": "ghp_…",
                        "locations": [{"path": "old.env", "blob": blob}],
                    }
                ]
            }
        )
    )
    res = CliRunner().invoke(
        cli, ["revoke", "--from-report", str(report), "--root", str(clone), "--dry-run"]
    )
    assert not marker.exists(), marker.read_text()
    assert res.exit_code == 0, res.output
    assert "not found again" in res.stdout


def test_replace_refs_cannot_hide_a_blob_from_the_history_scan(tmp_path: Path) -> None:
    """`refs/replace/<blob>` swaps what git shows for an object; the scan reads the real one."""
    repo = tmp_path / "repo"
    tok = secret_repo(repo)
    real = git(repo, "rev-parse", "HEAD:deploy.sh").strip()
    clean = (
        subprocess.run(
            ["git", "-C", str(repo), "hash-object", "-w", "--stdin"],
            input=b"export GH_TOKEN=nothing-here\n",
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .strip()
    )
    git(repo, "replace", real, clean)
    assert tok not in git(repo, "show", "HEAD:deploy.sh")  # plain git is fooled
    res = scan("--history", "--format", "json", str(repo))
    assert paths_found(res) == {"deploy.sh"}


def test_every_git_command_goes_through_the_hardened_helper() -> None:
    """No module runs git but through `patlint.sources.gitcmd` (a new raw call would escape
    the hardening the tests above prove)."""
    package = Path(__file__).parents[2] / "patlint"
    raw = [
        f"{p.relative_to(package)}:{n}"
        for p in sorted(package.rglob("*.py"))
        if p.name != "gitcmd.py"
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"""[\[(]\s*["']git["']\s*,""", line)
    ]
    assert raw == []
    assert gitcmd.argv("/r", "ls-files")[:2] == ["git", "--no-pager"]


def test_config_values_are_read_as_git_reads_them() -> None:
    """One reading for the config reader and the pre-check: quotes, escapes, comments."""
    from patlint.sources.gitcmd import config_value

    assert config_value(' "a b" ; c') == "a b"
    assert config_value('"x;y" # z') == "x;y"
    assert config_value(r"p\tq\"r") == 'p\tq"r'
    assert config_value("  plain  ") == "plain"
