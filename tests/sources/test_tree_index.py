"""The git index is the scanned tree's metadata, so it is hostile: names it lists never lead
the walk out of the tree (`..`, absolute names, a parent folder that is a link, a submodule
entry under a linked folder, a link to /proc/self)."""

from __future__ import annotations

import hashlib
import json
import os
import struct
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from patlint.model import Skip
from patlint.sources.tree import FileRef, WalkOptions, walk

TokenFactory = Callable[..., str]
PATLINT = [sys.executable, "-m", "patlint"]


def git(cwd: Path, *args: str) -> str:
    proc = subprocess.run(["git", "-C", str(cwd), *args], check=True, capture_output=True)
    return proc.stdout.decode().strip()


def scan_json(root: Path, env: dict[str, str] | None = None) -> tuple[int, dict]:  # type: ignore[type-arg]
    proc = subprocess.run(
        [*PATLINT, "scan", "--offline", "--no-progress", "--format", "json", "."],
        capture_output=True,
        cwd=root,
        env={**os.environ, **(env or {})},
        timeout=60,
        check=False,
    )
    assert proc.returncode in (0, 1), proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def listing(root: Path, **kw: object) -> tuple[list[str], dict[str, str]]:
    files: list[str] = []
    skips: dict[str, str] = {}
    for item in walk([str(root)], WalkOptions(**kw)):  # type: ignore[arg-type]
        if isinstance(item, Skip):
            skips[item.path] = item.reason
        else:
            assert isinstance(item, FileRef)
            files.append(item.rel)
    return files, skips


def write_index(git_dir: Path, entries: list[tuple[str, int, str]]) -> None:
    """A version-2 index holding exactly `entries` (name, mode, blob id), as git would write it
    but without git's refusal of `..` and absolute names."""
    body = b"DIRC" + struct.pack(">II", 2, len(entries))
    for name, mode, oid in sorted(entries):
        raw = os.fsencode(name)
        entry = struct.pack(">10I", 0, 0, 0, 0, 0, 0, mode, 0, 0, 0) + bytes.fromhex(oid)
        entry += struct.pack(">H", min(len(raw), 0xFFF)) + raw
        entry += b"\0" * (8 - (len(entry) % 8))  # 1 to 8 NULs: the name ends, the entry aligns
        body += entry
    trailer = hashlib.sha1(body, usedforsecurity=False).digest()  # the index checksum
    (git_dir / "index").write_bytes(body + trailer)


def victim(tmp_path: Path, token: TokenFactory) -> tuple[Path, str]:
    """A folder outside the scanned tree holding a credential file."""
    outside = tmp_path / "outside"
    (outside / "victim").mkdir(parents=True)
    t = token("ghp")
    (outside / "victim" / "config.json").write_text(json.dumps({"token": t}) + "\n")
    (outside / "config.json").write_text(json.dumps({"token": t}) + "\n")
    return outside, t


def digests(report: dict) -> set[str]:  # type: ignore[type-arg]
    return {t["sha256"] for t in report.get("tokens", [])}


def sha(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def test_a_parent_folder_that_is_a_link_is_not_walked_through(
    tmp_path: Path, token: TokenFactory
) -> None:
    outside, t = victim(tmp_path, token)
    repo = tmp_path / "repo"
    (repo / "link").mkdir(parents=True)
    (repo / "link" / "config.json").write_text("{}\n")
    git(repo, "init", "-q")
    git(repo, "add", "link/config.json")
    (repo / "link" / "config.json").unlink()
    (repo / "link").rmdir()
    (repo / "link").symlink_to(outside)
    files, skips = listing(repo)
    assert "link/config.json" not in files
    assert skips == {"link": "symlink", "link/config.json": "symlink"}
    code, report = scan_json(repo)
    assert code == 0 and sha(t) not in digests(report)
    # Followed links stay inside the tree, parents included.
    files, skips = listing(repo, follow_symlinks=True)
    assert files == []
    assert skips["link/config.json"] == "symlink-outside-tree"


def test_dot_dot_and_absolute_index_names_are_refused(tmp_path: Path, token: TokenFactory) -> None:
    outside, t = victim(tmp_path, token)
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    (repo / "ok.txt").write_text("fine\n")
    oid = git(repo, "hash-object", "-w", "ok.txt")
    write_index(
        repo / ".git",
        [
            ("ok.txt", 0o100644, oid),
            ("../outside/config.json", 0o100644, oid),
            (str(outside / "victim" / "config.json"), 0o100644, oid),
            ("sub/../../outside/victim/config.json", 0o100644, oid),
        ],
    )
    listed = git(repo, "ls-files", "-z").split("\0")
    assert "../outside/config.json" in listed  # git lists what the index holds, as it is
    files, skips = listing(repo)
    assert files == ["ok.txt"]
    assert set(skips.values()) == {"bad-index-path"}
    assert len(skips) == 3
    code, report = scan_json(repo)
    assert code == 0 and sha(t) not in digests(report)
    assert report["summary"]["skipped_by_reason"] == {"bad-index-path": 3}


def test_an_index_entry_under_a_link_to_proc_self_does_not_read_the_environment(
    tmp_path: Path, token: TokenFactory
) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    empty = git(repo, "hash-object", "-w", "/dev/null")
    git(repo, "update-index", "--add", "--cacheinfo", f"100644,{empty},p/environ")
    (repo / "p").symlink_to("/proc/self")
    t = token("ghp")
    code, report = scan_json(repo, env={"SECRET_TOKEN": t})
    assert code == 0 and sha(t) not in digests(report)
    assert report["summary"]["skipped_by_reason"] == {"symlink": 2}


def test_a_submodule_entry_under_a_linked_folder_is_not_walked(
    tmp_path: Path, token: TokenFactory
) -> None:
    outside, t = victim(tmp_path, token)
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    (repo / "a.txt").write_text("a\n")
    git(repo, "add", "a.txt")
    git(repo, "-c", "user.email=a@b", "-c", "user.name=a", "commit", "-qm", "x")
    head = git(repo, "rev-parse", "HEAD")
    git(repo, "update-index", "--add", "--cacheinfo", f"160000,{head},up/victim")
    (repo / "up").symlink_to(outside)
    files, skips = listing(repo)
    assert files == ["a.txt"]
    assert skips == {"up": "symlink", "up/victim": "symlink"}
    code, report = scan_json(repo)
    assert code == 0 and sha(t) not in digests(report)


def test_links_inside_the_tree_are_still_followed_on_request(
    tmp_path: Path, token: TokenFactory
) -> None:
    """The check does not break what --follow-symlinks allows: a parent link that stays inside."""
    repo = tmp_path / "repo"
    (repo / "real").mkdir(parents=True)
    t = token("ghp")
    (repo / "real" / "c.txt").write_text(f"{t}\n")
    git(repo, "init", "-q")
    git(repo, "add", "real/c.txt")
    (repo / "real").rename(repo / "moved")
    (repo / "real").symlink_to("moved")
    files, skips = listing(repo, follow_symlinks=True)
    assert "real/c.txt" in files and "moved/c.txt" in files
    files, skips = listing(repo)
    assert files == ["moved/c.txt"]
    assert skips == {"real": "symlink", "real/c.txt": "symlink"}
