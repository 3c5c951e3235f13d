"""Submodules' and worktrees' git configs in a home scan: `.git/modules/**/config`,
`.git/worktrees/*/config.worktree`, built with the real `git submodule add` / `git worktree add`."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from patlint.engine.run import ScanOptions, run_scan
from patlint.model import Context
from patlint.sources.tree import FileRef, WalkOptions, walk
from patlint.sources.workstation import plan_scan
from tests.sources.home import at, digest, hygiene, ruleset, scan_home

RULE = "token-in-git-remote-url"


@pytest.fixture(autouse=True)
def _git_env(git_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """The shared git environment, plus local submodule URLs allowed."""
    # git >= 2.38.1 refuses file:// submodules unless told (CVE-2022-39253)
    monkeypatch.setenv("GIT_CONFIG_COUNT", "1")
    monkeypatch.setenv("GIT_CONFIG_KEY_0", "protocol.file.allow")
    monkeypatch.setenv("GIT_CONFIG_VALUE_0", "always")


def git(cwd: Path, *args: str) -> str:
    proc = subprocess.run(["git", "-C", str(cwd), *args], check=True, capture_output=True)
    return proc.stdout.decode().strip()


def source_repo(path: Path, *submodules: tuple[Path, str]) -> Path:
    """A repository with one commit (and the given submodules), outside the scanned home."""
    path.mkdir(parents=True)
    git(path, "init", "-q", "-b", "main")
    (path / "README.md").write_text(f"{path.name}\n")
    for src, where in submodules:
        git(path, "submodule", "add", "-q", str(src), where)
    git(path, "add", "-A")
    git(path, "commit", "-q", "-m", "init")
    return path


def line_of(path: Path, secret: str) -> int:
    return next(i for i, text in enumerate(path.read_text().splitlines(), 1) if secret in text)


def url(secret: str, repo: str) -> str:
    return f"https://x-access-token:{secret}@github.com/acme/{repo}.git"


@pytest.fixture
def project(home: Path, tmp_path: Path, token: Any) -> tuple[Path, dict[str, str]]:
    """~/proj with submodules lib (which has its own submodule inner) and vendor/tool, and a
    worktree ~/proj-wt; each one's remote URL carries its own token, set with real git."""
    inner = source_repo(tmp_path / "src" / "inner")
    lib = source_repo(tmp_path / "src" / "lib", (inner, "inner"))
    tool = source_repo(tmp_path / "src" / "tool")
    proj = source_repo(home / "proj", (lib, "lib"), (tool, "vendor/tool"))
    git(proj, "submodule", "update", "-q", "--init", "--recursive")
    toks = {k: token(kind) for k, kind in [("lib", "ghp"), ("inner", "gho"), ("tool", "ghp")]}
    toks["wt"] = token("github_pat")
    git(proj / "lib", "remote", "set-url", "origin", url(toks["lib"], "lib"))
    git(proj / "lib" / "inner", "remote", "set-url", "origin", url(toks["inner"], "inner"))
    git(proj / "vendor" / "tool", "remote", "set-url", "origin", url(toks["tool"], "tool"))
    git(proj, "config", "extensions.worktreeConfig", "true")
    git(proj, "worktree", "add", "-q", "-b", "wt", str(home / "proj-wt"))
    git(home / "proj-wt", "config", "--worktree", "remote.origin.pushurl", url(toks["wt"], "p"))
    return proj, toks


def test_submodule_and_worktree_configs_are_read(
    home: Path, project: tuple[Path, dict[str, str]]
) -> None:
    proj, toks = project
    dot = proj / ".git"
    files = {
        "lib": dot / "modules" / "lib" / "config",
        "inner": dot / "modules" / "lib" / "modules" / "inner" / "config",
        "tool": dot / "modules" / "vendor" / "tool" / "config",
        "wt": dot / "worktrees" / "proj-wt" / "config.worktree",
    }
    for key, path in files.items():  # git put each token where we look for it
        assert toks[key] in path.read_text(), key
    result = scan_home(home)
    shown = {k: "~/" + p.relative_to(home).as_posix() for k, p in files.items()}
    assert hygiene(result, RULE) == sorted(
        (RULE, shown[k], line_of(files[k], toks[k]), digest(toks[k])) for k in files
    )
    [c] = at(result, toks["inner"], shown["inner"])
    assert c.context == Context(
        file_type="git-config", key="remote.origin.url", host="github.com", usage="git"
    )
    n = line_of(files["inner"], toks["inner"])
    text = files["inner"].read_text().splitlines()[n - 1]
    # the place of the URL value, as for .git/config
    assert (c.location.line, c.location.column) == (n, text.index("https://") + 1)
    [c] = at(result, toks["wt"], shown["wt"])
    assert c.context == Context(
        file_type="git-config", key="remote.origin.pushurl", host="github.com", usage="git"
    )
    for f in result.findings:  # the message names the place, never the token
        assert all(t not in f.message for t in toks.values())


def test_only_config_files_inside_git_are_walked(
    home: Path, project: tuple[Path, dict[str, str]], token: Any
) -> None:
    proj, _ = project
    # Plaintext with a token elsewhere in the submodule's git directory is never read.
    planted = token("ghp")
    mod = proj / ".git" / "modules" / "lib"
    (mod / "description").write_text(f"T={planted}\n")
    (mod / "hooks" / "config").write_text(f"T={planted}\n")
    (mod / "refs" / "x").mkdir()
    (mod / "refs" / "x" / "config").write_text(f"T={planted}\n")
    plan = plan_scan([str(home)], WalkOptions(), profile=None)
    inside = sorted(
        f.rel for f in walk(plan.roots, plan.walk) if isinstance(f, FileRef) and "/.git/" in f.rel
    )
    assert inside == [
        "~/proj/.git/config",
        "~/proj/.git/modules/lib/config",
        "~/proj/.git/modules/lib/modules/inner/config",
        "~/proj/.git/modules/vendor/tool/config",
        "~/proj/.git/worktrees/proj-wt/config.worktree",
    ]
    assert not at(scan_home(home), planted, "~/proj/.git/modules/lib/description")


def test_excludes_and_pruned_folders_apply_to_submodule_configs(
    home: Path, project: tuple[Path, dict[str, str]]
) -> None:
    proj, _ = project
    rs = ruleset()
    plan = plan_scan(
        [str(home)],
        WalkOptions(exclude=["proj/.git/modules/vendor/", "*.worktree"]),
        profile=None,
    )
    result = run_scan(plan.roots, rs, ScanOptions(walk=plan.walk, jobs=1))
    assert [p for _, p, _, _ in hygiene(result, RULE)] == [
        "~/proj/.git/modules/lib/config",
        "~/proj/.git/modules/lib/modules/inner/config",
    ]
    # Under a pruned folder (node_modules), .git/config is still read: so are its submodules'.
    (home / "node_modules").mkdir()
    proj.rename(home / "node_modules" / "proj")
    result = scan_home(home)
    assert "~/node_modules/proj/.git/modules/lib/modules/inner/config" in {
        p for _, p, _, _ in hygiene(result, RULE)
    }
    assert len(hygiene(result, RULE)) == 4


def test_reader_claims_config_files_inside_git_only() -> None:
    from patlint.sources.readers.registry import readers_for

    claimed = [
        "~/p/.git/modules/lib/config",
        ".git/modules/a/modules/b/config",
        "p/.git/worktrees/wt/config.worktree",
        ".git/config.worktree",
    ]
    ignored = ["~/.ssh/config", "p/modules/lib/config", "config.worktree", "p/.git/modules/x"]
    assert [[r.name for r in readers_for(p)] for p in claimed] == [["git-config"]] * 4
    assert [readers_for(p) for p in ignored] == [[]] * 4


def test_linked_modules_and_worktrees_folders_are_not_followed(
    home: Path, tmp_path: Path, token: Any
) -> None:
    # `.git/modules` and `.git/worktrees` that are links to folders outside the scanned tree:
    # their submodule-like contents must not be read (links below them were never followed).
    proj = source_repo(home / "proj")
    outside = tmp_path / "outside"
    planted = token("ghp")
    for rel in ("evil/config", "wt/config.worktree"):
        (outside / rel).parent.mkdir(parents=True, exist_ok=True)
        (outside / rel).write_text(f'[remote "origin"]\n\turl = {url(planted, "x")}\n')
    (outside / "evil" / "HEAD").write_text("ref: refs/heads/main\n")
    (proj / ".git" / "modules").symlink_to(outside, target_is_directory=True)
    (proj / ".git" / "worktrees").symlink_to(outside, target_is_directory=True)
    plan = plan_scan([str(home)], WalkOptions(), profile=None)
    inside = sorted(
        f.rel for f in walk(plan.roots, plan.walk) if isinstance(f, FileRef) and "/.git/" in f.rel
    )
    assert inside == ["~/proj/.git/config"]
    assert hygiene(scan_home(home), RULE) == []
