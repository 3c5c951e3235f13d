"""`--history` reads the scanned repository's own history, never another local repository's
that the scanned tree names: a `.git` file, a `commondir`, or `objects/info/alternates`
pointing elsewhere (an unpacked archive, a CI artifact). A git worktree or a submodule of the
user's own repository (whose git directory is outside the tree, but points back at it) works
as before, and so does what the user's environment names (GIT_DIR, GIT_ALTERNATE_OBJECT_DIRECTORIES)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from patlint.cli import cli


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True
    ).stdout.strip()


def history(repo: Path, env: dict[str, str] | None = None) -> tuple[int, dict[str, Any], str]:
    res = CliRunner().invoke(
        cli, ["scan", "--offline", "--history", "--format", "json", str(repo)], env=env
    )
    report = json.loads(res.stdout) if res.exit_code in (0, 1) else {}
    return res.exit_code, report, res.stderr


def previews(report: dict[str, Any]) -> set[str]:
    return {t["preview"] for t in report.get("tokens", [])}


@pytest.fixture
def private(tmp_path: Path, git_env: None, token: Any) -> tuple[Path, str, str]:
    """Another local repository (same user) whose history holds a token."""
    repo = tmp_path / "private"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    t = token("ghp")
    (repo / "secret.json").write_text(json.dumps({"token": t}) + "\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "secret")
    return repo, f"{t[:4]}…{t[-4:]}", git(repo, "rev-parse", "HEAD")


def test_a_git_file_pointing_at_another_repository_is_refused(
    tmp_path: Path, private: tuple[Path, str, str]
) -> None:
    other, shown, _ = private
    tree = tmp_path / "archive"
    tree.mkdir()
    (tree / ".git").write_text(f"gitdir: {other / '.git'}\n")
    (tree / "readme").write_text("hi\n")
    code, _, err = history(tree)
    assert code == 2, err
    assert f"{other / '.git'}" in err and "outside the scanned folder" in err
    assert shown not in err


def test_a_commondir_pointing_at_another_repository_is_refused(
    tmp_path: Path, private: tuple[Path, str, str]
) -> None:
    other, shown, _ = private
    tree = tmp_path / "archive"
    (tree / ".git").mkdir(parents=True)
    (tree / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (tree / ".git" / "commondir").write_text(f"{other / '.git'}\n")
    code, _, err = history(tree)
    assert code == 2, err
    assert "outside the scanned folder" in err and shown not in err


def test_alternates_outside_the_tree_are_refused_unless_the_environment_names_them(
    tmp_path: Path, private: tuple[Path, str, str]
) -> None:
    other, shown, commit = private
    tree = tmp_path / "archive"
    tree.mkdir()
    git(tree, "init", "-q", "-b", "main")
    (tree / ".git" / "objects" / "info" / "alternates").write_text(
        f"{other / '.git' / 'objects'}\n"
    )
    git(tree, "update-ref", "refs/heads/x", commit)
    code, report, err = history(tree)
    assert code == 2, err
    assert f"{other / '.git' / 'objects'}" in err and "alternates" in err
    # the user's own environment may name the same object store: then it is read
    code, report, err = history(
        tree, env={"GIT_ALTERNATE_OBJECT_DIRECTORIES": str(other / ".git" / "objects")}
    )
    assert code == 1 and shown in previews(report), err
    # a bare repository scanned as it is (an artifact) is held to the same
    bare = tmp_path / "bare.git"
    subprocess.run(["git", "init", "-q", "--bare", str(bare)], check=True, capture_output=True)
    (bare / "objects" / "info" / "alternates").write_text(f"{other / '.git' / 'objects'}\n")
    git(bare, "update-ref", "refs/heads/x", commit)
    code, _, err = history(bare)
    assert code == 2 and "alternates" in err, err
    # a FIFO in its place (nobody writes to it) does not hang the check
    (tree / ".git" / "objects" / "info" / "alternates").unlink()
    git(tree, "update-ref", "-d", "refs/heads/x")
    os.mkfifo(tree / ".git" / "objects" / "info" / "alternates")
    code, report, err = history(tree)
    assert code == 0 and not previews(report), err


def test_a_worktree_and_a_submodule_of_the_users_repository_are_scanned(
    tmp_path: Path, private: tuple[Path, str, str]
) -> None:
    other, shown, _ = private
    worktree = tmp_path / "wt"
    git(other, "worktree", "add", "-q", str(worktree))
    code, report, err = history(worktree)
    assert code == 1 and shown in previews(report), err
    # a submodule: its git directory is in the superproject's .git/modules
    sup = tmp_path / "super"
    sup.mkdir()
    git(sup, "init", "-q", "-b", "main")
    git(sup, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(other), "sub")
    assert (sup / "sub" / ".git").is_file()
    code, report, err = history(sup / "sub")
    assert code == 1 and shown in previews(report), err
    # and the user's GIT_DIR is the user's choice
    archive = tmp_path / "archive"
    archive.mkdir()
    (archive / ".git").write_text(f"gitdir: {other / '.git'}\n")
    code, report, err = history(archive, env={"GIT_DIR": str(other / ".git")})
    assert code == 1 and shown in previews(report), err


@pytest.mark.parametrize("form", ["padded", "quoted-octal", "huge"])
def test_alternates_are_read_whole_and_as_git_unquotes_them(
    tmp_path: Path, private: tuple[Path, str, str], form: str
) -> None:
    """git reads every line of `alternates`, however long the file, and unquotes a C-quoted
    one: a store named after 1 MiB of comments, or spelled with octal escapes, is still one
    outside the tree (it was read: the history of the user's other repository reported)."""
    other, shown, commit = private
    tree = tmp_path / "archive"
    tree.mkdir()
    git(tree, "init", "-q", "-b", "main")
    store = str(other / ".git" / "objects")
    if form in ("padded", "huge"):  # past what was read (1 MiB), past what is read (4 MiB)
        line = "#" * 1000 + "\n"
        content = line * (1100 if form == "padded" else 4300) + store + "\n"
    else:
        content = '"' + "".join(f"\\{ord(c):03o}" if c == "/" else c for c in store) + '"\n'
    (tree / ".git" / "objects" / "info" / "alternates").write_text(content)
    git(tree, "update-ref", "refs/heads/x", commit)
    code, report, err = history(tree)
    if form == "huge":  # the pre-check already leaves that repository unread, and says why
        said = " ".join([*report.get("notices", []), *(str(k) for k in report.get("skipped", []))])
        assert code == 0 and not previews(report) and "larger than 4 MiB" in said, (err, said)
        assert report["summary"]["incomplete"]
        return
    assert code == 2 and "alternates" in err, (code, previews(report), err)
    assert shown not in err
