"""The pre-commit hook (.pre-commit-hooks.yaml) with the real `pre-commit` and `git`.

pre-commit builds the hook's virtualenv once per session (it pip-installs a snapshot of this
checkout, so it needs a package index, as in CI); every test then commits in a fresh repository.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from patlint.model import redact

ROOT = Path(__file__).resolve().parent.parent
PRE_COMMIT = shutil.which("pre-commit", path=os.path.dirname(sys.executable)) or shutil.which(
    "pre-commit"
)
TokenFactory = Callable[..., str]
_SNAPSHOT = ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml", "patlint", "rules")
_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", "build", "out", "corpus")

pytestmark = pytest.mark.skipif(PRE_COMMIT is None, reason="pre-commit is not installed")


def _env(base: dict[str, str], pre_commit_home: Path, home: Path) -> dict[str, str]:
    env = {k: v for k, v in base.items() if not k.startswith("GIT_")}
    env.update(
        HOME=str(home),
        PRE_COMMIT_HOME=str(pre_commit_home),
        GIT_CONFIG_NOSYSTEM="1",
        GIT_AUTHOR_NAME="Test",
        GIT_AUTHOR_EMAIL="test@example.invalid",
        GIT_COMMITTER_NAME="Test",
        GIT_COMMITTER_EMAIL="test@example.invalid",
        PRE_COMMIT_COLOR="never",
        NO_COLOR="1",
    )
    return env


def _git(cwd: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", "-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main", *args],
        cwd=cwd,
        env=env,
        text=True,
        capture_output=True,
        check=False,
    )


class HookEnv:
    """A snapshot of this checkout as a git repository, and pre-commit's cache built for it."""

    def __init__(self, repo: Path, rev: str, cache: Path) -> None:
        self.repo = repo
        self.rev = rev
        self.cache = cache

    def env(self, home: Path) -> dict[str, str]:
        """Environment for git and pre-commit in a test."""
        return _env(dict(os.environ), self.cache, home)


@pytest.fixture(scope="session")
def hook_env(tmp_path_factory: pytest.TempPathFactory) -> HookEnv:
    """Snapshot the working tree (committed), then build the hook environment once."""
    base = tmp_path_factory.mktemp("hook-repo")
    repo = base / "patlint"
    repo.mkdir()
    for name in _SNAPSHOT:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, repo / name, ignore=_IGNORE)
        elif src.exists():
            shutil.copy2(src, repo / name)
    if not (repo / "README.md").exists():
        (repo / "README.md").write_text("patlint\n")
    env = _env(dict(os.environ), base / "pre-commit-cache", base / "home")
    (base / "home").mkdir()
    for args in (("init", "-q", "."), ("add", "-A"), ("commit", "-q", "-m", "snapshot")):
        done = _git(repo, *args, env=env)
        assert done.returncode == 0, done.stderr
    rev = _git(repo, "rev-parse", "HEAD", env=env).stdout.strip()
    hook = HookEnv(repo, rev, base / "pre-commit-cache")
    # Build the environment now, in a throwaway repository, so tests time only their own work.
    scratch = base / "scratch"
    scratch.mkdir()
    _git(scratch, "init", "-q", ".", env=env)
    (scratch / "a.txt").write_text("nothing to see\n")
    _git(scratch, "add", "a.txt", env=env)
    built = subprocess.run(
        [str(PRE_COMMIT), "try-repo", str(repo), "patlint", "--ref", rev],
        cwd=scratch,
        env=env,
        text=True,
        capture_output=True,
        check=False,
        timeout=600,
    )
    out = built.stdout + built.stderr
    if built.returncode != 0 and any(
        s in out
        for s in ("Could not find a version", "NewConnectionError", "Network is unreachable")
    ):
        pytest.skip(f"pre-commit could not install the hook: no package index reachable\n{out}")
    assert built.returncode == 0, out
    return hook


@pytest.fixture
def work(tmp_path: Path, hook_env: HookEnv, home: Path) -> tuple[Path, dict[str, str]]:
    """A fresh git repository whose .pre-commit-config.yaml uses the hook (installed)."""
    env = hook_env.env(home)
    repo = tmp_path / "work"
    repo.mkdir()
    assert _git(repo, "init", "-q", ".", env=env).returncode == 0
    (repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {hook_env.repo}\n    rev: {hook_env.rev}\n"
        "    hooks:\n      - id: patlint\n"
    )
    (repo / "README.md").write_text("# project\n")
    _git(repo, "add", ".pre-commit-config.yaml", "README.md", env=env)
    assert _git(repo, "commit", "-q", "--no-verify", "-m", "init", env=env).returncode == 0
    done = subprocess.run(
        [str(PRE_COMMIT), "install"], cwd=repo, env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return repo, env


def _commits(repo: Path, env: dict[str, str]) -> int:
    return int(_git(repo, "rev-list", "--count", "HEAD", env=env).stdout.strip())


def test_hook_definition_is_offline_by_default() -> None:
    import yaml

    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    (hook,) = [h for h in hooks if h["id"] == "patlint"]
    assert hook["language"] == "python"
    assert hook["pass_filenames"] is True
    assert hook["entry"] == "patlint scan --pre-commit"
    assert hook["args"] == ["--offline"]


@pytest.mark.parametrize(
    "names",
    [["--help"], ["--fail-on=critical"], ["-"], ["--config=.c.yaml", ".c.yaml"], ["--offline"]],
    ids=["help", "fail-on", "stdin", "config", "offline"],
)
def test_file_names_that_look_like_options_stay_file_names(
    work: tuple[Path, dict[str, str]], token: TokenFactory, names: list[str]
) -> None:
    """pre-commit puts the staged file names after the hook's arguments with no `--`: a file
    named `--help` printed help and passed, `-` read stdin, `--config=.c.yaml` made the tree's
    own config the trusted one (`disable:` the rule): each let a token through (an attacker's
    review, 2026-12-06, with the real pre-commit)."""
    repo, env = work
    secret = token("ghp")
    for name in names:
        text = "disable: [github-classic-pat]\n" if name == ".c.yaml" else f"GH={token('ghp')}\n"
        (repo / name).write_text(text)
    leak = "-" if names == ["-"] else "leak.py"  # `-`: the token in the file of that name
    (repo / leak).write_text(f'TOKEN = "{secret}"\n')
    _git(repo, "add", "--", *{leak, *names}, env=env)
    blocked = _git(repo, "commit", "-m", "innocent", env=env)
    out = blocked.stdout + blocked.stderr
    assert blocked.returncode != 0, out
    if names == ["-"]:  # a plain file name: scanned
        assert "github-classic-pat" in out and redact(secret) in out
    else:  # a name that could stand for one of the hook's arguments: refused, nothing passes
        assert "named like an option of patlint scan" in out
    assert secret not in out
    assert _commits(repo, env) == 1


def test_try_repo_blocks_staged_token(
    tmp_path: Path, hook_env: HookEnv, home: Path, token: TokenFactory
) -> None:
    env = hook_env.env(home)
    repo = tmp_path / "try"
    repo.mkdir()
    _git(repo, "init", "-q", ".", env=env)
    secret = token("ghp")
    (repo / "deploy.env").write_text(f"APP=1\nGH_TOKEN={secret}\n")
    _git(repo, "add", "deploy.env", env=env)
    done = subprocess.run(
        [str(PRE_COMMIT), "try-repo", str(hook_env.repo), "patlint", "--ref", hook_env.rev],
        cwd=repo,
        env=env,
        text=True,
        capture_output=True,
        check=False,
    )
    out = done.stdout + done.stderr
    assert done.returncode == 1, out
    assert "patlint (GitHub tokens)" in out and "Failed" in out
    assert "github-classic-pat" in out
    assert redact(secret) in out
    assert "deploy.env:2:10" in out
    assert secret not in out


def test_commit_with_token_is_blocked_and_clean_commit_passes(
    work: tuple[Path, dict[str, str]], token: TokenFactory
) -> None:
    repo, env = work
    secret = token("gho")
    (repo / "settings.yml").write_text(f"github:\n  oauth_token: {secret}\n")
    _git(repo, "add", "settings.yml", env=env)
    blocked = _git(repo, "commit", "-m", "add settings", env=env)
    out = blocked.stdout + blocked.stderr
    assert blocked.returncode != 0, out
    assert "github-oauth-token" in out
    assert redact(secret) in out
    assert "settings.yml:2:16" in out
    assert secret not in out
    # pre-commit sets PRE_COMMIT=1: the report says the commit was stopped and how to allow a fixture
    assert "patlint stopped this commit: 1 token and 1 finding" in out
    assert "`# patlint: ignore[github-oauth-token]`" in out
    assert _commits(repo, env) == 1  # nothing was committed

    (repo / "settings.yml").write_text("github:\n  oauth_token: ${OAUTH_TOKEN}\n")
    _git(repo, "add", "settings.yml", env=env)
    passed = _git(repo, "commit", "-m", "add settings", env=env)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "patlint (GitHub tokens)" in passed.stdout + passed.stderr
    assert _commits(repo, env) == 2


def test_run_all_files_scans_committed_files(
    work: tuple[Path, dict[str, str]], token: TokenFactory
) -> None:
    repo, env = work
    secret = token("ghp")
    (repo / "old.cfg").write_text(f"[auth]\ntoken = {secret}\n")
    _git(repo, "add", "old.cfg", env=env)
    assert _git(repo, "commit", "-q", "--no-verify", "-m", "old", env=env).returncode == 0

    staged_only = subprocess.run(
        [str(PRE_COMMIT), "run"], cwd=repo, env=env, capture_output=True, text=True, check=False
    )
    assert staged_only.returncode == 0
    assert "(no files to check)" in staged_only.stdout

    everything = subprocess.run(
        [str(PRE_COMMIT), "run", "--all-files"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    out = everything.stdout + everything.stderr
    assert everything.returncode == 1, out
    assert "old.cfg:2:9" in out and "github-classic-pat" in out
    assert "3 files" in out  # .pre-commit-config.yaml, README.md and old.cfg were all scanned
    assert secret not in out


def test_hook_scans_staged_content_not_the_working_copy(
    work: tuple[Path, dict[str, str]], token: TokenFactory
) -> None:
    repo, env = work
    secret = token("ghp")
    target = repo / "app.py"

    # Clean content staged, token only in the unstaged working copy: the commit goes through
    # and the working copy (with its token) is restored untouched.
    target.write_text("TOKEN = os.environ['GH_TOKEN']\n")
    _git(repo, "add", "app.py", env=env)
    target.write_text(f"TOKEN = '{secret}'\n")
    done = _git(repo, "commit", "-m", "clean staged", env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Unstaged files detected" in done.stdout + done.stderr
    assert target.read_text() == f"TOKEN = '{secret}'\n"
    assert _git(repo, "show", "HEAD:app.py", env=env).stdout == "TOKEN = os.environ['GH_TOKEN']\n"

    # Token staged, working copy cleaned afterwards: the commit is blocked.
    _git(repo, "add", "app.py", env=env)
    target.write_text("TOKEN = os.environ['GH_TOKEN']  # fixed, but not staged\n")
    blocked = _git(repo, "commit", "-m", "token staged", env=env)
    out = blocked.stdout + blocked.stderr
    assert blocked.returncode != 0, out
    assert "app.py:1:10" in out and redact(secret) in out
    assert secret not in out
    assert _commits(repo, env) == 2


# --- the pre-push hook -------------------------------------------------------------------------


def test_pre_push_hook_definition() -> None:
    import yaml

    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    (hook,) = [h for h in hooks if h["id"] == "patlint-pre-push"]
    assert hook["entry"] == "patlint ci pre-push" and hook["args"] == ["--offline"]
    assert hook["language"] == "python" and hook["stages"] == ["pre-push"]
    assert hook["pass_filenames"] is False and hook["always_run"] is True
    assert hook["minimum_pre_commit_version"] == "3.2.0"  # the `pre-push` stage name


@pytest.fixture
def pushing(tmp_path: Path, hook_env: HookEnv, home: Path) -> tuple[Path, Path, dict[str, str]]:
    """A repository with the pre-push hook installed and a bare remote `origin` (empty)."""
    env = hook_env.env(home)
    remote = tmp_path / "remote.git"
    assert _git(tmp_path, "init", "-q", "--bare", str(remote), env=env).returncode == 0
    repo = tmp_path / "work"
    repo.mkdir()
    assert _git(repo, "init", "-q", ".", env=env).returncode == 0
    _git(repo, "remote", "add", "origin", str(remote), env=env)
    (repo / ".pre-commit-config.yaml").write_text(
        "default_install_hook_types: [pre-commit, pre-push]\n"
        f"repos:\n  - repo: {hook_env.repo}\n    rev: {hook_env.rev}\n"
        "    hooks:\n      - id: patlint-pre-push\n"
    )
    done = subprocess.run(
        [str(PRE_COMMIT), "install"], cwd=repo, env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert (repo / ".git" / "hooks" / "pre-push").is_file()
    return repo, remote, env


def _commit_file(repo: Path, env: dict[str, str], name: str, text: str | None) -> str:
    if text is None:
        (repo / name).unlink()
    else:
        (repo / name).write_text(text)
    _git(repo, "add", "-A", env=env)
    assert _git(repo, "commit", "-q", "--no-verify", "-m", f"edit {name}", env=env).returncode == 0
    return _git(repo, "rev-parse", "HEAD", env=env).stdout.strip()


def _remote_head(remote: Path, branch: str, env: dict[str, str]) -> str:
    return _git(remote, "rev-parse", "--verify", "--quiet", branch, env=env).stdout.strip()


def test_pre_push_blocks_a_token_anywhere_in_the_pushed_commits(
    pushing: tuple[Path, Path, dict[str, str]], token: TokenFactory
) -> None:
    repo, remote, env = pushing
    _commit_file(repo, env, "README.md", "# project\n")
    first = _git(repo, "push", "-q", "origin", "HEAD:refs/heads/main", env=env)
    assert first.returncode == 0, first.stdout + first.stderr  # a clean first push
    pushed = _git(repo, "rev-parse", "HEAD", env=env).stdout.strip()
    assert _remote_head(remote, "main", env) == pushed

    # a token committed, then removed: HEAD is clean, the history the remote gets is not
    secret = token("ghp")
    _commit_file(repo, env, "deploy.env", f"GH_TOKEN={secret}\n")
    _commit_file(repo, env, "deploy.env", "GH_TOKEN=${GH_TOKEN}\n")
    blocked = _git(repo, "push", "origin", "HEAD:refs/heads/main", env=env)
    out = blocked.stdout + blocked.stderr
    assert blocked.returncode != 0, out
    assert "patlint (GitHub tokens in pushed commits)" in out and "Failed" in out
    assert "github-classic-pat" in out and "deploy.env:1:10" in out
    assert redact(secret) in out and secret not in out
    assert "patlint stopped this push" in out  # not "this commit": the hook says what it stopped
    assert _remote_head(remote, "main", env) == pushed  # nothing reached the remote

    # a new branch made of clean commits on top of what the remote has goes through
    _git(repo, "reset", "-q", "--hard", pushed, env=env)
    _commit_file(repo, env, "notes.md", "nothing secret\n")
    ok = _git(repo, "push", "origin", "HEAD:refs/heads/topic", env=env)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "patlint (GitHub tokens in pushed commits)" in ok.stdout + ok.stderr
    assert (
        _remote_head(remote, "topic", env)
        == _git(repo, "rev-parse", "HEAD", env=env).stdout.strip()
    )

    # a new branch whose own commit adds a token is blocked
    _commit_file(repo, env, "app.py", f"TOKEN = '{token('gho')}'\n")
    new = _git(repo, "push", "origin", "HEAD:refs/heads/leaky", env=env)
    assert new.returncode != 0 and "github-oauth-token" in new.stdout + new.stderr
    assert _remote_head(remote, "leaky", env) == ""


def test_pre_push_of_a_root_commit_to_an_empty_remote_scans_it(
    pushing: tuple[Path, Path, dict[str, str]], token: TokenFactory
) -> None:
    repo, remote, env = pushing
    secret = token("ghp")
    _commit_file(repo, env, "settings.ini", f"[gh]\ntoken = {secret}\n")
    blocked = _git(repo, "push", "origin", "HEAD:refs/heads/main", env=env)
    out = blocked.stdout + blocked.stderr
    assert blocked.returncode != 0, out
    assert "settings.ini:2:9" in out and secret not in out
    assert _remote_head(remote, "main", env) == ""
