"""A repository's git directory can never hang a scan (`patlint.sources.gitguard`).

A FIFO where git expects a file (`HEAD`, `config`, `objects/info/alternates`, a loose object, a
pack, a ref…) blocks git's `open()` for ever. Every case runs the real `patlint` command in a
child process with a deadline, so a regression fails here instead of hanging the suite: each
must finish in seconds, say which file stopped it, and still report what it could read.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from patlint.sources import gitguard

DEADLINE = 60  # a hang fails the test after this; the scans below take a few seconds


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True
    ).stdout.strip()


def patlint(*args: str, stall: float | None = None) -> tuple[int, dict[str, Any], str, float]:
    env = dict(os.environ)
    if stall is not None:
        env[gitguard.STALL_ENV] = str(stall)
    start = time.monotonic()
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "patlint", "scan", "--offline", "--format", "json", *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=DEADLINE,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"patlint scan {' '.join(args)} hung (more than {DEADLINE} s)")
    took = time.monotonic() - start
    assert proc.returncode in (0, 1), proc.stderr
    report = json.loads(proc.stdout)
    said = [proc.stderr, *report["notices"], *(str(s.get("detail")) for s in report["skipped"])]
    return proc.returncode, report, "\n".join(said), took


@pytest.fixture
def repo(tmp_path: Path, git_env: None, token: Any) -> tuple[Path, str]:
    """A repository with one commit holding a token; (its folder, the token's preview)."""
    r = tmp_path / "repo"
    r.mkdir()
    git(r, "init", "-q")
    value = token("ghp")
    (r / "app.env").write_text(f"GH={value}\n")
    git(r, "add", "-A")
    git(r, "commit", "-q", "-m", "x")
    return r, f"{value[:4]}…{value[-4:]}"


def _fifo(path: Path) -> None:
    if path.is_dir():
        os.rmdir(path)
    elif path.exists() or path.is_symlink():
        path.unlink()
    path.parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(path)


def _loose_object(r: Path) -> Path:
    oid = git(r, "rev-parse", "HEAD:app.env")
    return r / ".git" / "objects" / oid[:2] / oid[2:]


def _pack(r: Path) -> Path:
    git(r, "repack", "-adq")
    return next((r / ".git" / "objects" / "pack").glob("*.idx"))


def _alternate_with_fifo(r: Path) -> Path:
    store = r.parent / "borrowed" / "objects"
    (store / "ab").mkdir(parents=True)
    os.mkfifo(store / "ab" / ("c" * 38))
    (r / ".git" / "objects" / "info" / "alternates").write_text(f"{store}\n")
    return store / "ab" / ("c" * 38)


# Each place: how to plant the FIFO (returns the path that must be named).
PLACES: dict[str, Callable[[Path], Path]] = {
    "alternates": lambda r: r / ".git" / "objects" / "info" / "alternates",
    "HEAD": lambda r: r / ".git" / "HEAD",
    "config": lambda r: r / ".git" / "config",
    "packed-refs": lambda r: r / ".git" / "packed-refs",
    "shallow": lambda r: r / ".git" / "shallow",
    "grafts": lambda r: r / ".git" / "info" / "grafts",
    "loose-ref": lambda r: r / ".git" / "refs" / "heads" / "stall",
    "loose-object": _loose_object,
    "pack-idx": _pack,
}


@pytest.mark.parametrize("place", sorted(PLACES))
def test_history_with_a_fifo_in_the_git_dir_finishes_and_names_it(
    repo: tuple[Path, str], place: str
) -> None:
    r, _ = repo
    target = PLACES[place](r)
    _fifo(target)
    code, report, said, took = patlint("--history", str(r))
    assert took < 20
    assert code == 0  # the repository was not read: no findings, exit by findings
    assert str(target) in said and "FIFO" in said
    skipped = report["summary"]["incomplete"]
    assert skipped, report["summary"]  # never reported as a complete clean scan


def test_history_with_alternates_naming_a_store_that_holds_a_fifo(repo: tuple[Path, str]) -> None:
    r, _ = repo
    fifo = _alternate_with_fifo(r)
    code, report, said, took = patlint("--history", str(r))
    assert took < 20 and code == 0
    assert str(fifo) in said
    assert report["summary"]["incomplete"]


def test_history_with_a_symlink_to_a_fifo_is_refused_too(repo: tuple[Path, str]) -> None:
    r, _ = repo
    fifo = r.parent / "outside.fifo"
    os.mkfifo(fifo)
    packed = r / ".git" / "packed-refs"
    packed.symlink_to(fifo)
    code, _, said, took = patlint("--history", str(r))
    assert took < 20 and code == 0
    assert str(packed) in said and "FIFO" in said


def _global_config_including_a_fifo(r: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The user's own config includes a FIFO: the pre-check reads the repository's configs
    (their includes are followed) but not the user's, so only the watch can stop git."""
    fifo = r.parent / "more.cfg"
    os.mkfifo(fifo)
    cfg = r.parent / "global.cfg"
    cfg.write_text(f"[include]\n\tpath = {fifo}\n")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(cfg))
    assert gitguard.precheck(str(r)) is None


def test_a_fifo_the_precheck_cannot_know_is_stopped_by_the_watch(
    repo: tuple[Path, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """No list of git's files can hold every file git may open (the user's own config can
    include any). The watch stops git when it waits without using CPU."""
    r, _ = repo
    _global_config_including_a_fifo(r, monkeypatch)
    code, report, said, took = patlint("--history", str(r), stall=1)
    assert took < 30
    assert code == 0
    assert "git stopped answering" in said
    assert report["summary"]["incomplete"]


def test_tree_scan_with_a_fifo_in_the_git_dir_walks_the_folder_instead(
    repo: tuple[Path, str],
) -> None:
    r, shown = repo
    _fifo(r / ".git" / "index")
    code, report, said, took = patlint(str(r))
    assert took < 20
    assert code == 1  # the token in the work tree is still found
    assert shown in {t["preview"] for t in report["tokens"]}
    assert str(r / ".git" / "index") in said and "FIFO" in said


def test_tree_scan_when_git_stalls_walks_the_folder_instead(
    repo: tuple[Path, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    r, shown = repo
    _global_config_including_a_fifo(r, monkeypatch)
    code, report, said, took = patlint(str(r), stall=1)
    assert took < 30
    assert code == 1
    assert "git stopped answering" in said
    assert shown in {t["preview"] for t in report["tokens"]}


def test_precheck_names_the_first_file_git_would_block_on(repo: tuple[Path, str]) -> None:
    r, _ = repo
    assert gitguard.precheck(str(r)) is None  # a sound repository passes
    os.mkfifo(r / ".git" / "shallow")
    why = gitguard.precheck(str(r))
    assert why == f"{r / '.git' / 'shallow'} is a FIFO"


def test_precheck_follows_a_dotgit_file_to_its_git_dir(
    tmp_path: Path, repo: tuple[Path, str]
) -> None:
    r, _ = repo
    tree = tmp_path / "unpacked"
    tree.mkdir()
    (tree / ".git").write_text(f"gitdir: {r / '.git'}\n")
    os.mkfifo(r / ".git" / "packed-refs")
    assert gitguard.precheck(str(tree)) == f"{r / '.git' / 'packed-refs'} is a FIFO"


def test_run_is_bounded_by_the_watch(
    repo: tuple[Path, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    r, _ = repo
    fifo = r / ".git" / "more.cfg"
    os.mkfifo(fifo)
    with open(r / ".git" / "config", "a") as f:
        f.write(f"[include]\n\tpath = {fifo}\n")
    monkeypatch.setenv(gitguard.STALL_ENV, "0.5")
    start = time.monotonic()
    with pytest.raises(gitguard.GitStalled) as err:
        gitguard.run(["git", "-C", str(r), "rev-parse", "HEAD"], timeout=DEADLINE)
    assert time.monotonic() - start < 10
    assert "git stopped answering" in str(err.value)
    assert isinstance(err.value, subprocess.TimeoutExpired)  # old `except` clauses still hold


def test_cat_file_keeps_what_it_read_before_a_stall(
    repo: tuple[Path, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    r, _ = repo
    head = git(r, "rev-parse", "HEAD")
    blob = git(r, "rev-parse", "HEAD:app.env")
    git(r, "repack", "-adq")  # every object in the pack…
    stuck = r / ".git" / "objects" / "ee" / ("e" * 38)
    stuck.parent.mkdir()
    os.mkfifo(stuck)  # …and one loose "object" that blocks whoever opens it
    monkeypatch.setenv(gitguard.STALL_ENV, "0.5")
    notices: list[str] = []
    got = list(gitguard.cat_file(str(r), [head, blob, "e" * 40, head], lambda t, n: n, notices))
    assert [oid for oid, *_ in got] == [head, blob]
    assert got[1][3].startswith(b"GH=")
    assert notices and "git stopped answering" in notices[0]


def test_cat_file_leaves_out_missing_objects_and_keeps_only_what_is_asked(
    repo: tuple[Path, str],
) -> None:
    r, _ = repo
    blob = git(r, "rev-parse", "HEAD:app.env")
    got = list(gitguard.cat_file(str(r), ["0" * 40, blob], lambda t, n: 3 if t == b"blob" else 0))
    assert got == [(blob, b"blob", len((r / "app.env").read_bytes()), b"GH=")]


def test_tree_scan_with_a_fifo_gitignore_in_the_work_tree_is_bounded(
    repo: tuple[Path, str],
) -> None:
    """`git ls-files --exclude-standard` opens every `.gitignore` of the work tree: a FIFO one
    (committed content of a hostile checkout, not in the git dir) stops it. The watch stops git
    and the folder is walked instead (the FIFO itself is skipped, never opened)."""
    r, shown = repo
    (r / "sub").mkdir()
    os.mkfifo(r / "sub" / ".gitignore")
    code, report, said, took = patlint(str(r), stall=1)
    assert took < 30
    assert code == 1
    assert shown in {t["preview"] for t in report["tokens"]}
    assert "git stopped answering" in said


def test_a_fleet_of_repositories_whose_configs_name_fifos_costs_no_stall_each(
    tmp_path: Path, git_env: None
) -> None:
    """A config can name any file for git to open (`include.path`, `includeIf.*.path`, a
    nested include, `core.excludesFile`, `core.attributesFile`): only the watch stopped git, 30
    s of stall per repository, so a fleet of 100 such unpacked repositories cost 50 minutes.
    The pre-check reads these keys (without running anything) and names the FIFO: no stall."""
    configs = {
        "absolute": "[include]\n\tpath = {fifo}\n",
        "relative": "[include]\n\tpath = more.cfg\n",
        "includeif": '[includeIf "gitdir:/"]\n\tpath = "{fifo}"\n',
        "nested": "[include]\n\tpath = {plain}\n",
        "excludes": "[core]\n\texcludesFile = {fifo}\n",
        "attributes": "[core]\n\tattributesfile={fifo}\n",
        "comment": "[Include] PATH = {fifo} ; a comment git drops\n",
        "continued": "[include]\n\tpath = {fifo_head}\\\n{fifo_tail}\n",
        "escaped": '[include]path="{fifo_escaped}" # comment\n',
    }
    repos, fifos = [], []
    for name, text in configs.items():
        r = tmp_path / name
        r.mkdir()
        git(r, "init", "-q")
        (r / "a.txt").write_text("x\n")
        git(r, "add", "-A")
        git(r, "commit", "-q", "-m", "x")
        fifo = r / ".git" / "more.cfg"
        os.mkfifo(fifo)
        plain = r / ".git" / "plain.cfg"
        plain.write_text(f"[include]\n\tpath = {fifo}\n")
        with open(r / ".git" / "config", "a") as f:
            head, tail = str(fifo)[:5], str(fifo)[5:]
            escaped = str(fifo).replace("more", "mo\\\nre")  # quoted, continued
            f.write(
                text.format(
                    fifo=fifo, plain=plain, fifo_head=head, fifo_tail=tail, fifo_escaped=escaped
                )
            )
        repos.append(str(r))
        fifos.append(str(fifo))
    listing = tmp_path / "repos.txt"
    listing.write_text("\n".join(repos) + "\n")
    code, report, said, took = patlint("--history", "--repos", str(listing))
    assert took < 20, f"{took:.1f} s"  # 6 x 30 s of stall before
    assert code == 0 and report["summary"]["incomplete"]
    assert all(f in said for f in fifos), said
    assert "git stopped answering" not in said
    for r, fifo in zip(repos, fifos, strict=True):
        assert fifo in str(gitguard.precheck(r))


def test_a_config_naming_dev_null_or_regular_files_is_not_refused(
    repo: tuple[Path, str],
) -> None:
    r, _ = repo
    (r / ".git" / "extra.cfg").write_text("[core]\n\tquotepath = false\n")
    with open(r / ".git" / "config", "a") as f:
        f.write("[core]\n\texcludesFile = /dev/null\n[include]\n\tpath = extra.cfg\n")
    assert gitguard.precheck(str(r)) is None


# Files git reads before `git ls-files --exclude-standard` lists anything, that a stat can find
# without walking the tree: (the folder scanned, the FIFO), relative to the repository.
IGNORE_FILES = {
    "gitignore-at-the-top": ("", ".gitignore"),
    "gitignore-above-the-scanned-folder": ("sub", ".gitignore"),
    "gitignore-of-the-scanned-folder": ("sub", "sub/.gitignore"),
    "info-exclude": ("", ".git/info/exclude"),
    "core-excludesfile": ("", "ignores.txt"),
}


@pytest.mark.parametrize("place", sorted(IGNORE_FILES))
def test_tree_scan_with_a_fifo_ignore_file_git_reads_first_is_named_before_git_runs(
    repo: tuple[Path, str], token: Any, place: str
) -> None:
    """A FIFO `.gitignore` at the top of a checkout cost the watch's full stall (30 s) once per
    tree scan. The pre-check of a tree scan now also looks at the `.gitignore` of each folder
    from the top of the work tree down to the folder scanned (git reads them all first), beside
    `info/exclude` and `core.excludesFile`: git is not run and the folder is walked."""
    r, _ = repo
    scanned, fifo = IGNORE_FILES[place]
    (r / "sub").mkdir()
    value = token("ghp")
    (r / "sub" / "deploy.env").write_text(f"GH={value}\n")
    if place == "core-excludesfile":
        git(r, "config", "core.excludesFile", "ignores.txt")  # relative: to the work tree
    _fifo(r / fifo)
    code, report, said, took = patlint(str(r / scanned))  # the default stall: 30 s
    assert took < 20, f"{took:.1f} s"
    assert code == 1
    assert f"{value[:4]}…{value[-4:]}" in {t["preview"] for t in report["tokens"]}
    (skip,) = [s for s in report["skipped"] if s["reason"] == "git-not-run"]
    assert str(r / fifo) in skip["detail"] and "FIFO" in skip["detail"]
    assert "git was not run" in skip["detail"]
    assert "git stopped answering" not in said


def test_a_fifo_gitignore_does_not_refuse_the_history(repo: tuple[Path, str]) -> None:
    """`git log` and `cat-file` never read `.gitignore`: only a tree scan's pre-check names it,
    so `--history` still reads the commits of such a repository."""
    r, shown = repo
    os.mkfifo(r / ".gitignore")
    assert gitguard.precheck(str(r)) is None
    assert gitguard.precheck(str(r), work_tree=True) == f"{r / '.gitignore'} is a FIFO"
    code, report, said, took = patlint("--history", str(r))
    assert took < 20 and code == 1
    assert shown in {t["preview"] for t in report["tokens"]}
    assert str(r / ".gitignore") not in said


def _split_index(r: Path) -> Path:
    """The repository's index split (`git update-index --split-index`): git then also opens
    `sharedindex.<id>`, named inside the index, to list or read the work tree."""
    git(r, "update-index", "--split-index")
    (shared,) = (r / ".git").glob("sharedindex.*")
    return shared


def test_tree_scan_with_a_fifo_shared_index_walks_the_folder_instead(
    repo: tuple[Path, str],
) -> None:
    """A split index's shared part is a file git opens before listing anything: a FIFO there
    stopped `git ls-files` until the watch's 30 s ran out."""
    r, shown = repo
    target = _split_index(r)
    _fifo(target)
    code, report, said, took = patlint(str(r))
    assert took < 20
    assert code == 1  # the token in the work tree is still found
    assert shown in {t["preview"] for t in report["tokens"]}
    assert str(target) in said and "FIFO" in said


def test_a_folder_reached_through_a_link_is_checked_in_the_repository_git_uses(
    repo: tuple[Path, str], tmp_path: Path, token: Any
) -> None:
    """git finds its repository from the real folder it runs in: a link inside a clean
    repository to a folder of another one whose index is a FIFO must have that other one
    checked, not the one the link sits in (git ran there and waited for the watch's 30 s)."""
    r, _ = repo
    sub = r / "sub"
    sub.mkdir()
    value = token("ghp")
    (sub / "more.env").write_text(f"GH={value}\n")
    _fifo(r / ".git" / "index")
    clean = tmp_path / "clean"
    clean.mkdir()
    git(clean, "init", "-q")
    link = clean / "link"
    link.symlink_to(sub, target_is_directory=True)
    found = gitguard.find_git_dir(str(link))
    assert found is not None and os.path.realpath(found) == str((r / ".git").resolve())
    code, report, said, took = patlint(str(link))
    assert took < 20
    assert code == 1
    assert f"{value[:4]}…{value[-4:]}" in {t["preview"] for t in report["tokens"]}
    assert "index" in said and "FIFO" in said


# Ways found by an attacker's review (2026-12-06) to have git open a FIFO the pre-check did
# not look at: each made a tree scan or `--history` wait for the watch's 30 s, or crashed it.


def _config_names_fifo(r: Path, config: str) -> Path:
    fifo = r.parent / "cfg.fifo"
    os.mkfifo(fifo)
    with open(r / ".git" / "config", "ab") as fh:
        fh.write(config.replace("FIFO", str(fifo)).encode())
    return fifo


CONFIG_TRICKS: dict[str, str] = {
    # git takes any blank between a section's name and its subsection, a byte order mark
    # before the first line, and only a line feed as the end of a line
    "tab-in-header": '[includeIf\t"gitdir:/"]\n\tpath = FIFO\n',
    "form-feed-in-comment": "[core]\n# \x0c[x]\n\texcludesFile = FIFO\n",
    "vertical-tab-in-comment": "[core]\n# \x0b[x]\n\texcludesFile = FIFO\n",
}


@pytest.mark.parametrize("trick", sorted(CONFIG_TRICKS))
def test_config_read_as_git_reads_it(repo: tuple[Path, str], trick: str) -> None:
    r, shown = repo
    fifo = _config_names_fifo(r, CONFIG_TRICKS[trick])
    code, report, said, took = patlint(str(r))
    assert took < 20 and code == 1
    assert shown in {t["preview"] for t in report["tokens"]}
    assert str(fifo) in said and "FIFO" in said


def test_config_with_a_byte_order_mark_is_read_as_git_reads_it(repo: tuple[Path, str]) -> None:
    r, _ = repo
    fifo = r.parent / "bom.fifo"
    os.mkfifo(fifo)
    cfg = r / ".git" / "config"
    cfg.write_bytes(
        b"\xef\xbb\xbf[core]\n\texcludesFile = " + bytes(fifo) + b"\n" + cfg.read_bytes()
    )
    code, _, said, took = patlint(str(r))
    assert took < 20 and code == 1
    assert str(fifo) in said


def test_a_fifo_worktree_config_is_named(repo: tuple[Path, str]) -> None:
    r, _ = repo
    git(r, "config", "core.repositoryformatversion", "1")
    git(r, "config", "extensions.worktreeConfig", "true")
    _fifo(r / ".git" / "config.worktree")
    code, _, said, took = patlint(str(r))
    assert took < 20 and code == 1
    assert str(r / ".git" / "config.worktree") in said


def _git_file(r: Path, content: bytes, folder: str) -> Path:
    """The repository's git directory moved to `folder` (any bytes in its name) and named by a
    `.git` file holding `content`; its `info/exclude` a FIFO."""
    moved = Path(os.fsdecode(bytes(r) + b"/" + os.fsencode(folder)))
    (r / ".git").rename(moved)
    (r / ".git").write_bytes(content)
    _fifo(moved / "info" / "exclude")
    return moved / "info" / "exclude"


@pytest.mark.parametrize(
    ("content", "folder"),
    [(b"gitdir:  g\n", " g"), (b"gitdir: g\xff\n", "g\udcff"), (b"gitdir: g \r\n", "g ")],
    ids=["two-spaces", "not-utf8", "trailing-space"],
)
def test_a_git_file_is_read_as_git_reads_it(
    repo: tuple[Path, str], content: bytes, folder: str
) -> None:
    """git keeps every byte after `gitdir: ` but a trailing line break."""
    r, _ = repo
    _git_file(r, content, folder)
    code, _, said, took = patlint(str(r))
    assert took < 20 and code == 1
    assert "FIFO" in said and "exclude" in said, said


@pytest.mark.parametrize("where", [".git", "commondir"])
def test_a_nul_byte_in_a_git_file_is_no_crash(repo: tuple[Path, str], where: str) -> None:
    """`os.stat` refuses a name with a NUL (ValueError): the scan crashed (exit 3). git reads
    the name up to the NUL; a repository git then refuses is said so (exit 2 for --history,
    the folder walked for a tree scan)."""
    r, shown = repo
    if where == ".git":
        (r / ".git").rename(r / "g")
        (r / ".git").write_bytes(b"gitdir: g\0x\n")
    else:
        (r / ".git" / "commondir").write_bytes(b"..\0x\n")
    for args in ((str(r),), ("--history", str(r))):
        proc = subprocess.run(
            [sys.executable, "-m", "patlint", "scan", "--offline", "--format", "json", *args],
            capture_output=True,
            text=True,
            timeout=DEADLINE,
        )
        assert proc.returncode in (0, 1, 2), proc.stderr
        assert "unexpected error" not in proc.stderr
        if args[0] != "--history":
            assert shown in proc.stdout  # the work tree's token is still found


def test_a_quoted_alternates_line_is_read_as_git_reads_it(repo: tuple[Path, str]) -> None:
    r, _ = repo
    store = r / "ev" / "objects"  # inside the scanned folder: the history may borrow from it
    (store / "pack").mkdir(parents=True)
    fifo = store / "pack" / ("pack-" + "0" * 40 + ".idx")  # git opens a pack's index at start
    os.mkfifo(fifo)
    (store / "pack" / ("pack-" + "0" * 40 + ".pack")).write_bytes(b"")
    # C-style quoted (as git writes a path with odd characters), relative to `.git/objects`
    (r / ".git" / "objects" / "info" / "alternates").write_text('"../../ev/objects"\n')
    code, _report, said, took = patlint("--history", str(r))
    assert took < 20 and code == 0
    assert str(fifo) in said


@pytest.mark.parametrize("where", ["refs/heads/d", "objects/pack"])
def test_a_fifo_behind_a_linked_folder_is_named(repo: tuple[Path, str], where: str) -> None:
    """git follows a link to a folder under `refs/` and `objects/`: so does the pre-check."""
    r, _ = repo
    evil = r.parent / "evil"
    evil.mkdir()
    os.mkfifo(evil / ("pack-" + "0" * 40 + ".idx"))
    target = r / ".git" / where
    if target.exists():
        for f in target.iterdir():
            (evil / f.name).write_bytes(f.read_bytes())
        shutil.rmtree(target)
    target.symlink_to(evil, target_is_directory=True)
    code, _report, said, took = patlint("--history", str(r))
    assert took < 20 and code == 0
    assert str(evil) in said or where in said


def test_an_invalid_git_folder_below_does_not_hide_the_repository_git_uses(
    repo: tuple[Path, str],
) -> None:
    """git passes over a `.git` folder that is no repository (empty) and climbs on."""
    r, _ = repo
    sub = r / "sub"
    (sub / ".git").mkdir(parents=True)
    (sub / "x.txt").write_text("x\n")
    _fifo(r / ".git" / "info" / "exclude")
    _code, _report, said, took = patlint(str(sub))
    assert took < 20
    assert str(r / ".git" / "info" / "exclude") in said and "FIFO" in said


def _kernel_names_fifo_opens(tmp_path: Path) -> bool:
    """Whether /proc/PID/wchan shows a process blocked opening a FIFO (Linux with kallsyms)."""
    fifo = tmp_path / "probe.fifo"
    os.mkfifo(fifo)
    proc = subprocess.Popen(["cat", str(fifo)], stdout=subprocess.DEVNULL)
    try:
        for _ in range(50):
            time.sleep(0.02)
            with contextlib.suppress(OSError):
                if gitguard.waits_on_fifo(proc.pid):
                    return True
        return False
    finally:
        proc.kill()
        proc.wait()


@pytest.fixture
def fifo_aware(tmp_path: Path) -> None:
    if not _kernel_names_fifo_opens(tmp_path):
        pytest.skip("this kernel does not show a FIFO open in /proc/PID/wchan")


def test_a_fifo_gitignore_below_the_tree_costs_under_a_second_not_the_stall(
    repo: tuple[Path, str], fifo_aware: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A FIFO `.gitignore` in a subfolder (committed content of a hostile checkout: the
    pre-check cannot find it without walking the tree first) used to cost the watch's whole
    30 s. git's wait to open a FIFO is seen in /proc and stopped at once, with the reason."""
    monkeypatch.delenv(gitguard.STALL_ENV, raising=False)
    r, shown = repo
    (r / "a" / "b").mkdir(parents=True)
    os.mkfifo(r / "a" / "b" / ".gitignore")
    code, report, said, took = patlint(str(r))  # the default stall: 30 s
    assert took < 10, took
    assert code == 1
    assert shown in {t["preview"] for t in report["tokens"]}
    assert "waits to open a FIFO" in said
    skipped = {s["path"]: s["reason"] for s in report["skipped"]}
    assert any(p.endswith(".gitignore") and why == "fifo" for p, why in skipped.items()), skipped


def test_run_stops_git_waiting_on_a_fifo_without_the_stall(
    repo: tuple[Path, str], fifo_aware: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    r, _ = repo
    _global_config_including_a_fifo(r, monkeypatch)
    monkeypatch.setenv(gitguard.STALL_ENV, "30")
    start = time.monotonic()
    with pytest.raises(gitguard.GitStalled) as err:
        gitguard.run(["git", "-C", str(r), "rev-parse", "HEAD"], timeout=DEADLINE)
    assert time.monotonic() - start < 5
    assert "git stopped answering" in str(err.value) and "FIFO" in str(err.value)


def test_waits_on_fifo_is_false_for_a_busy_or_finished_process(tmp_path: Path) -> None:
    proc = subprocess.Popen(["sleep", "5"])
    try:
        time.sleep(0.1)
        assert not gitguard.waits_on_fifo(proc.pid)  # asleep, but not on a FIFO
    finally:
        proc.kill()
        proc.wait()
    assert not gitguard.waits_on_fifo(proc.pid)  # reaped: no /proc entry
