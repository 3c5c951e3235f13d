"""Walk files and folders: git-aware, never into FIFOs or devices, never out of the tree."""

from __future__ import annotations

import errno
import os
import re
import stat
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from operator import attrgetter
from typing import NamedTuple

from patlint.ignorespec import IgnoreSpec
from patlint.model import Skip
from patlint.sources.paths import relative_to_root

ALWAYS_PRUNED = frozenset({".git", ".hg", ".svn"})


class FileRef(NamedTuple):
    """A regular file to scan: where it is and how it is shown (a tuple: one is made for every
    file of the tree, and a frozen dataclass cost the walk twice as much to build)."""

    path: str  # file-system path (may hold surrogate escapes)
    rel: str  # shown path: relative to the scan root, or ~/…
    size: int  # -1: not known (the walker did not stat the file; the scanner will)


@dataclass(frozen=True, slots=True)
class LinkSkip(Skip):
    """A link not followed, with the text it points to (a token can be a link's target, as
    it can be a file name: `ln -s ghp_… creds` commits the token as the link's blob). The
    target is searched like a name and never written into the report."""

    target: str = ""


@dataclass(frozen=True, slots=True)
class WalkOptions:
    """What the walker follows, honours and prunes."""

    follow_symlinks: bool = False
    use_gitignore: bool = True
    exclude: Sequence[str] = ()  # gitignore-style patterns, relative to each root
    prune_dirs: frozenset[str] = field(default_factory=frozenset)  # directory names never entered
    always_include: Sequence[str] = ()  # gitignore-style patterns read even inside pruned trees
    read_git_config: bool = False  # also yield `.git/config` of each repository walked


def walk(roots: Iterable[str], options: WalkOptions) -> Iterator[FileRef | Skip]:
    """Yield every file to scan under `roots`, and a Skip for every place passed over."""
    excluder = _Excluder(options.exclude)
    roots = list(roots)
    covered = _covered_roots(roots)
    for index, root in enumerate(roots):
        if index in covered:
            yield Skip(relative_to_root(root, ""), "duplicate", "inside another scanned path")
            continue
        try:
            st = os.lstat(root)
        except OSError as exc:
            yield Skip(root, _reason(exc), exc.strerror or str(exc))
            continue
        if stat.S_ISLNK(st.st_mode):
            # A link named on the command line is the user's choice: resolve it once.
            try:
                st = os.stat(root)
            except OSError as exc:  # dangling: its target text is still searched
                try:
                    target = os.readlink(root)
                except (OSError, ValueError):
                    target = ""
                yield LinkSkip(root, _reason(exc), exc.strerror or str(exc), target)
                continue
        if stat.S_ISREG(st.st_mode):
            # A relative file path (what pre-commit passes) is matched against `exclude` too.
            shown = relative_to_root(root, "")
            if not os.path.isabs(root) and excluder.excluded(os.path.normpath(root)):
                yield Skip(shown, "excluded", "config exclude")
                continue
            yield FileRef(root, shown, st.st_size)
        elif stat.S_ISDIR(st.st_mode):
            yield from _walk_dir(root, options, excluder)
        else:
            yield Skip(root, _type_reason(st.st_mode))


def _covered_roots(roots: list[str]) -> set[int]:
    """Indexes of roots that another root already covers (`patlint scan . src`: src), so no file
    is scanned, and reported, twice under two names."""
    real = [os.path.realpath(r) for r in roots]
    dirs = [(i, r) for i, r in enumerate(real) if os.path.isdir(r)]
    out: set[int] = set()
    for i, r in enumerate(real):
        for j, d in dirs:
            if j == i:
                continue
            if r.startswith(d.rstrip(os.sep) + os.sep) or (r == d and j < i):
                out.add(i)
                break
    return out


def _walk_dir(root: str, options: WalkOptions, excluder: _Excluder) -> Iterator[FileRef | Skip]:
    real_root = os.path.realpath(root)
    found = _git_files(root) if options.use_gitignore else None
    if isinstance(found, str):  # git would hang in this repository: walk the folder instead
        yield Skip(relative_to_root(root, ""), "git-not-run", found)
        found = None
    if found is not None:
        listed, unopened = found
        for folder, why in unopened:  # git said so on stderr only: never silently dropped
            reason = {"File name too long": "path-too-long", "Permission denied": "unreadable"}
            yield Skip(_rel(os.path.join(root, folder), root), reason.get(why, "os-error"), why)
        if not listed and _git_ignored(root):
            # A folder named on the command line that .gitignore excludes: say so, not "0 files".
            yield Skip(
                relative_to_root(root, ""), "gitignored", "ignored by git (use --no-gitignore)"
            )
        yield from _from_list(root, real_root, listed, options, excluder)
        if options.read_git_config and _is_real_dir(os.path.join(root, ".git")):
            yield from _git_config(os.path.join(root, ".git"), root, "", excluder)
    else:
        yield from _scandir(root, real_root, options, excluder)


def _git_ignored(path: str) -> bool:
    """True when git ignores the folder `path` (it is inside a work tree and matched by an ignore rule)."""
    import subprocess

    from patlint.sources import gitcmd, gitguard

    try:
        proc = gitguard.run(gitcmd.argv(path, "check-ignore", "-q", ".", tree=True), timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return proc.returncode == 0


def _is_real_dir(path: str) -> bool:
    """True when `path` is a folder itself, not a link to one (nor a `.git` file: `gitdir:`)."""
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False


def _git_config(
    git_dir: str, display_root: str, rel_dir: str, excluder: _Excluder
) -> Iterator[FileRef | Skip]:
    """`.git/config` of a repository and the configs of its submodules and worktrees (only
    those files: objects, refs and the rest of `.git` are never entered).

    `git_dir` is a real folder of the tree (the callers check: a `.git` file's `gitdir:` or a
    link is never followed out). A config that is a link, a FIFO or a device is passed over
    with a Skip saying so; a missing one (most have no `config.worktree`) silently.
    """
    for path, rel in _git_config_files(git_dir, f"{rel_dir}/.git" if rel_dir else ".git", 0):
        try:
            st = os.lstat(path)
        except OSError:
            continue
        if excluder.excluded(rel):
            continue
        shown = _shown(display_root, rel)
        if stat.S_ISREG(st.st_mode):
            yield FileRef(path, shown, st.st_size)
        elif stat.S_ISLNK(st.st_mode):
            yield Skip(shown, "symlink", "a git config that is a link is never followed")
        else:
            yield Skip(shown, _type_reason(st.st_mode))


_GIT_DIR_DEPTH = 16  # submodules of submodules, names with slashes: far enough, and bounded


def _git_config_files(git_dir: str, rel: str, depth: int) -> Iterator[tuple[str, str]]:
    """Config files of the git directory `git_dir` (shown as `rel`): `config`,
    `config.worktree`, `worktrees/*/config.worktree`, and those of its submodules."""
    yield os.path.join(git_dir, "config"), f"{rel}/config"
    yield os.path.join(git_dir, "config.worktree"), f"{rel}/config.worktree"
    for e in _subdirs(os.path.join(git_dir, "worktrees")):
        yield os.path.join(e.path, "config.worktree"), f"{rel}/worktrees/{e.name}/config.worktree"
    if depth < _GIT_DIR_DEPTH:
        yield from _modules(os.path.join(git_dir, "modules"), f"{rel}/modules", depth + 1)


def _modules(folder: str, rel: str, depth: int) -> Iterator[tuple[str, str]]:
    """Under `.git/modules`: a folder with a HEAD is a submodule's git directory (which may
    have `modules` of its own); any other folder is part of a submodule name with slashes."""
    for e in _subdirs(folder):
        shown = f"{rel}/{e.name}"
        if os.path.isfile(os.path.join(e.path, "HEAD")):
            yield from _git_config_files(e.path, shown, depth)
        elif depth < _GIT_DIR_DEPTH:
            yield from _modules(e.path, shown, depth + 1)


def _subdirs(folder: str) -> list[os.DirEntry[str]]:
    """Folders (not links to folders) in `folder`, by name; none when it cannot be listed or
    is itself a link (a `.git/modules` pointing elsewhere must not lead the walk out)."""
    try:
        if not stat.S_ISDIR(os.lstat(folder).st_mode):
            return []
        with os.scandir(folder) as it:
            return sorted((e for e in it if e.is_dir(follow_symlinks=False)), key=_entry_name)
    except OSError:
        return []


def _in_git_work_tree(root: str) -> bool:
    """False when no `.git` exists in `root` or above it, and git takes no repository from the
    environment: then `git ls-files` would fail anyway, and a run of git costs a few ms."""
    if any(os.environ.get(v) for v in ("GIT_DIR", "GIT_WORK_TREE")):
        return True
    here = os.path.realpath(root)
    while True:
        if os.path.lexists(os.path.join(here, ".git")):
            return True
        parent = os.path.dirname(here)
        if parent == here:
            return False
        here = parent


_GIT_UNOPENED = re.compile(rb"^warning: could not open directory '(.*?)(?:': (.*))?$", re.MULTILINE)
_PATH_MAX = 4096  # Linux; git cuts a longer path in its own buffer


def _git_unopened(stderr: bytes) -> list[tuple[str, str]]:
    """The folders `git ls-files` could not open (it warns and goes on): (path, strerror).

    Past PATH_MAX git cuts the path in its buffer and gives no reason: that is the reason.
    """
    out = []
    for m in _GIT_UNOPENED.finditer(stderr):
        if m.group(2) is not None:
            why = m.group(2).decode("utf-8", "replace")
        elif len(m.group(1)) >= _PATH_MAX - 256:
            why = "File name too long"
        else:
            why = "git could not open it"
        out.append((os.fsdecode(m.group(1)), why))
    return out


def _git_files(root: str) -> tuple[list[str], list[tuple[str, str]]] | str | None:
    """Tracked plus untracked-not-ignored files under `root`, and the folders git could not
    open (a path longer than PATH_MAX, no permission), or None outside a git work tree; a
    sentence when git must not be run there (it would hang: `gitguard`) or was stopped."""
    if not _in_git_work_tree(root):
        return None
    import subprocess

    from patlint.sources import gitcmd, gitguard

    why = gitguard.precheck(root, work_tree=True)
    if why is not None:
        return f"{why}: git was not run; the folder was walked instead (.gitignore not applied)"
    try:
        proc = gitguard.run(
            gitcmd.argv(
                root, "ls-files", "-z", "--cached", "--others", "--exclude-standard", tree=True
            ),
            timeout=120,
        )
    except gitguard.GitStalled as exc:
        return f"{exc}; the folder was walked instead (.gitignore not applied)"
    except (OSError, subprocess.TimeoutExpired):
        return None
    if proc.returncode != 0:
        return None
    # An untracked nested repository is listed as "name/": strip the slash, or every path under
    # it would be shown (and matched against `exclude`) as "name//file".
    names = [os.fsdecode(p.rstrip(b"/")) for p in proc.stdout.split(b"\0") if p.rstrip(b"/")]
    return sorted(set(names)), _git_unopened(proc.stderr)


def _from_list(
    root: str, real_root: str, names: list[str], options: WalkOptions, excluder: _Excluder
) -> Iterator[FileRef | Skip]:
    shown_prefix = _shown_prefix(root)
    base = os.path.join(root, "")
    folders = _IndexFolders(base, real_root, options.follow_symlinks)
    verdicts = folders.verdicts  # looked up inline: one dict probe per file on the hot path
    for name in names:
        parts = name.split("/")
        if not _BAD_PARTS.isdisjoint(parts):  # `..`, `.`, an absolute or doubled-slash name
            yield Skip(name, "bad-index-path", "the git index names a path outside the tree")
            continue
        if any(p in ALWAYS_PRUNED for p in parts[:-1]):
            continue
        if (
            options.prune_dirs
            and any(p in options.prune_dirs for p in parts[:-1])
            and not excluder.always(name, options.always_include)
        ):
            continue
        if excluder.excluded(name):
            yield Skip(_rel(os.path.join(root, name), root), "excluded", "config exclude")
            continue
        path = base + name
        if len(parts) > 1:
            folder = name[: -len(parts[-1]) - 1]
            problem = verdicts.get(folder, _UNSEEN)
            if problem is _UNSEEN:
                problem = folders.problem(folder)
            if problem is not None:
                if problem is not _GONE:
                    yield Skip(_rel(path, root), *problem)
                continue
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            continue  # tracked but deleted in the work tree
        except OSError as exc:
            yield Skip(_rel(path, root), _reason(exc), exc.strerror or "")
            continue
        if stat.S_ISLNK(st.st_mode) and options.follow_symlinks:
            target = _follow(path, real_root)
            if isinstance(target, Skip):
                yield Skip(_rel(path, root), target.reason, target.detail)
                continue
            real, st = target
            if stat.S_ISREG(st.st_mode):
                yield FileRef(real, _rel(path, root), st.st_size)
                continue
        if stat.S_ISDIR(st.st_mode):  # a submodule checkout, or a followed link to a folder
            if parts[-1] in ALWAYS_PRUNED:
                continue
            yield from _scandir(path, real_root, options, excluder, rel_base=name, shown_root=root)
            continue
        shown = shown_prefix + name if shown_prefix is not None else _rel(path, root)
        if stat.S_ISREG(st.st_mode):
            yield FileRef(path, shown, st.st_size)
        else:
            yield from _classify(path, shown, st, real_root, options)


_BAD_PARTS = frozenset({"", ".", ".."})
_GONE = ("missing", "")  # the folder is not there (tracked, deleted in the work tree): no Skip
_UNSEEN = ("unseen", "")


class _IndexFolders:
    """Whether a folder named by the git index is a real folder of the tree, reached without a
    link (with --follow-symlinks: through links that stay inside the tree). The index is the
    tree's metadata, so hostile: `link/file` with `link -> /`, or `p/environ` with
    `p -> /proc/self`, must not read outside. One lstat per folder, remembered: the listing is
    sorted, so a folder's files come together and the cost is per folder, not per file."""

    def __init__(self, base: str, real_root: str, follow: bool) -> None:
        self.base = base
        self.real_root = real_root
        self.follow = follow
        self.verdicts: dict[str, tuple[str, str] | None] = {"": None}

    def problem(self, folder: str) -> tuple[str, str] | None:
        """None when `folder` (relative, `/`-separated) may be entered; `_GONE` when it is not
        there; else the Skip reason and detail for what lies under it."""
        verdict = self.verdicts.get(folder, _UNSEEN)
        if verdict is not _UNSEEN:
            return verdict
        todo = []
        while folder not in self.verdicts:
            todo.append(folder)
            folder = folder.rpartition("/")[0]
        verdict = self.verdicts[folder]
        for folder in reversed(todo):  # from the top down: a link stops everything under it
            if verdict is None:
                verdict = self._check(folder)
            self.verdicts[folder] = verdict
        return verdict

    def _check(self, folder: str) -> tuple[str, str] | None:
        path = self.base + folder
        try:
            st = os.lstat(path)
        except (FileNotFoundError, NotADirectoryError):
            return _GONE
        except OSError:
            return None  # the file's own lstat says why (unreadable, too long)
        if stat.S_ISDIR(st.st_mode):
            return None
        if not stat.S_ISLNK(st.st_mode):
            return _GONE
        if not self.follow:
            return ("symlink", "under a link to a folder: not followed (use --follow-symlinks)")
        real = os.path.realpath(path)
        if not (real == self.real_root or real.startswith(self.real_root.rstrip(os.sep) + os.sep)):
            return ("symlink-outside-tree", "under a link whose target is outside the scanned tree")
        return None if os.path.isdir(real) else _GONE


def _scandir(
    root: str,
    real_root: str,
    options: WalkOptions,
    excluder: _Excluder,
    rel_base: str = "",
    shown_root: str = "",
) -> Iterator[FileRef | Skip]:
    seen_dirs: set[tuple[int, int]] = set()
    for top in (root, real_root):  # a link back up to the scan root is a loop here too
        try:
            st = os.stat(top)
            seen_dirs.add((st.st_dev, st.st_ino))
        except OSError:
            pass
    prune = options.prune_dirs
    # (folder, its shown path, inside a pruned folder: only always-included files are read)
    stack: list[tuple[str, str, bool]] = [(root, rel_base, _under_pruned(rel_base + "/", prune))]
    display_root = shown_root or root
    shown_prefix = _shown_prefix(display_root)
    always = excluder.always_matcher(options.always_include)
    could_match = always.could_match
    excluded = excluder.excluded if excluder.active else None  # no call per file without one
    while stack:
        directory, rel_dir, pruned = stack.pop()
        try:
            with os.scandir(directory) as it:
                entries = sorted(it, key=_BY_NAME)
        except OSError as exc:
            shown = _shown(display_root, rel_dir) if rel_dir else relative_to_root(directory, "")
            yield Skip(shown, _reason(exc), exc.strerror or "")
            continue
        subdirs: list[tuple[str, str, bool]] = []
        for entry in entries:
            if pruned and not could_match(entry.name):
                # Inside a pruned folder only always-included files are read: a file whose
                # name cannot be one is passed over before any other work (the home profile
                # lists every file of node_modules and the caches to find the few that are).
                try:
                    if not entry.is_dir(follow_symlinks=False):
                        continue
                except OSError:
                    pass  # said below, as for any entry
            rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
            try:
                if entry.is_dir(follow_symlinks=False):
                    if (
                        entry.name == ".git"
                        and options.read_git_config
                        and (not pruned or excluder.always(rel + "/config", options.always_include))
                    ):
                        yield from _git_config(entry.path, display_root, rel_dir, excluder)
                    if entry.name in ALWAYS_PRUNED:
                        continue
                    if excluder.excluded(rel + "/"):
                        yield Skip(_shown(display_root, rel), "excluded", "config exclude")
                        continue
                    if pruned or entry.name in prune:
                        if options.always_include:
                            subdirs.append((entry.path, rel, True))  # only for known files
                        continue
                    subdirs.append((entry.path, rel, False))
                    continue
                if pruned and not always.match(rel, entry.name):
                    continue
                if excluded is not None and excluded(rel):
                    yield Skip(_shown(display_root, rel), "excluded", "config exclude")
                    continue
                if entry.is_file(follow_symlinks=False):
                    # A regular file by the directory entry's type: no stat here (the scanner
                    # opens it without following links and checks it again with fstat). Under
                    # load, stat calls beside the workers' reads cost as much as the reading.
                    shown = (
                        shown_prefix + rel
                        if shown_prefix is not None
                        else _shown(display_root, rel)
                    )
                    yield _new_ref(FileRef, (entry.path, shown, -1))  # FileRef(…), one call less
                    continue
                st = entry.stat(follow_symlinks=False)
            except OSError as exc:
                yield Skip(_shown(display_root, rel), _reason(exc), exc.strerror or "")
                continue
            if stat.S_ISLNK(st.st_mode) and options.follow_symlinks:
                target = _follow(entry.path, real_root)
                if isinstance(target, Skip):
                    yield Skip(_shown(display_root, rel), target.reason, target.detail)
                    continue
                file_path, tst = target
                if stat.S_ISDIR(tst.st_mode):
                    if entry.name in ALWAYS_PRUNED:
                        continue  # a link named `.git`: neither entered nor read as a config
                    key = (tst.st_dev, tst.st_ino)
                    if key in seen_dirs:
                        yield Skip(
                            _shown(display_root, rel), "symlink-loop", "directory already visited"
                        )
                        continue
                    seen_dirs.add(key)
                    subdirs.append((entry.path, rel, pruned or entry.name in prune))
                    continue
                st = tst
            else:
                file_path = entry.path
            shown = shown_prefix + rel if shown_prefix is not None else _shown(display_root, rel)
            if stat.S_ISREG(st.st_mode):
                # A followed link is read at its checked target: the reader opens with O_NOFOLLOW.
                yield FileRef(file_path, shown, st.st_size)
            else:
                yield from _classify(entry.path, shown, st, real_root, options)
        stack.extend(reversed(subdirs))


def _entry_name(entry: os.DirEntry[str]) -> str:
    return entry.name


_BY_NAME = attrgetter("name")  # _entry_name for sorted(): no Python call per entry
_new_ref = tuple.__new__  # what FileRef(path, rel, size) does, without NamedTuple's Python __new__


def _under_pruned(rel: str, prune: frozenset[str]) -> bool:
    return any(p in prune for p in rel.split("/")[:-1])


def _follow(path: str, real_root: str) -> tuple[str, os.stat_result] | Skip:
    """A symlink's target path and stat, if it stays inside the scan root."""
    try:
        real = os.path.realpath(path, strict=True)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return Skip(path, "symlink-loop", "the link resolves to itself")
        return Skip(path, "broken-symlink", exc.strerror or "")
    if not (real == real_root or real.startswith(real_root.rstrip(os.sep) + os.sep)):
        return Skip(path, "symlink-outside-tree", "target is outside the scanned tree")
    try:
        return real, os.stat(real)
    except OSError as exc:
        return Skip(path, _reason(exc), exc.strerror or "")


def _classify(
    path: str, shown: str, st: os.stat_result, real_root: str, options: WalkOptions
) -> Iterator[FileRef | Skip]:
    mode = st.st_mode
    if stat.S_ISREG(mode):
        yield FileRef(path, shown, st.st_size)
    elif stat.S_ISLNK(mode):
        try:
            target = os.readlink(path)
        except (OSError, ValueError):
            target = ""
        yield LinkSkip(shown, "symlink", "not followed (use --follow-symlinks)", target)
    else:
        yield Skip(shown, _type_reason(mode))


def _type_reason(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "fifo"
    if stat.S_ISSOCK(mode):
        return "socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "device"
    if stat.S_ISDIR(mode):
        return "directory"
    return "not-a-regular-file"


def _reason(exc: OSError) -> str:
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "unreadable"
    if exc.errno == errno.ELOOP:
        return "symlink-loop"
    if exc.errno == errno.ENAMETOOLONG:
        return "path-too-long"
    if exc.errno == errno.ENOENT:
        return "missing"
    return "os-error"


def _rel(path: str, root: str) -> str:
    return relative_to_root(path, root)


def _shown(root: str, rel: str) -> str:
    return relative_to_root(os.path.join(root, rel), root)


def _shown_prefix(root: str) -> str | None:
    """What `_shown(root, rel)` puts before a plain `rel` ("" or "~/"), or None if not that simple.

    Saves a relpath + expanduser per file on the hot path; probed, so it can never disagree.
    """
    prefix = _shown(root, "x")[:-1]
    if prefix not in ("", "~/") or _shown(root, "y/z") != prefix + "y/z":
        return None
    return prefix


def _matchable(rel: str) -> str:
    """`rel` with a name's undecodable bytes (surrogate escapes) as U+FFFD, which `*` and `?`
    still match (as pathspec, used before, saw them)."""
    if rel.isascii():
        return rel
    return rel.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


class _Excluder:
    """gitignore-style exclusion patterns (linear-time, `ignorespec`), relative to the scan root."""

    def __init__(self, patterns: Sequence[str]) -> None:
        self._spec = IgnoreSpec(patterns) if patterns else None
        self._always: dict[tuple[str, ...], _AlwaysMatcher] = {}

    @property
    def active(self) -> bool:
        """Whether any pattern is set (`excluded` is always False otherwise)."""
        return self._spec is not None

    def excluded(self, rel: str) -> bool:
        return bool(self._spec is not None and self._spec.match_file(_matchable(rel)))

    def always(self, rel: str, patterns: Sequence[str]) -> bool:
        return self.always_matcher(patterns).match(rel)

    def always_matcher(self, patterns: Sequence[str]) -> _AlwaysMatcher:
        """The matcher for `patterns` (built once; look it up outside a loop over files)."""
        key = tuple(patterns)
        matcher = self._always.get(key)
        if matcher is None:
            matcher = _AlwaysMatcher(patterns)
            self._always[key] = matcher
        return matcher


class _AlwaysMatcher:
    """`**/name` and `**/dir/name` patterns as set and suffix tests (hot inside pruned trees);
    any other pattern through `IgnoreSpec`."""

    _GLOB = frozenset("*?[]!\\")

    def __init__(self, patterns: Sequence[str]) -> None:
        self.names: set[str] = set()
        suffixes: list[str] = []
        prefixes: list[str] = []
        rest: list[str] = []
        for p in patterns:
            body = p[3:] if p.startswith("**/") else ""
            if body and not self._GLOB & set(body) and not body.endswith("/"):
                if "/" in body:
                    suffixes.append("/" + body)
                else:
                    self.names.add(body)
            elif (
                body.endswith("*")
                and "/" not in body
                and not self._GLOB & set(body[:-1])
                and len(body) > 1
            ):
                prefixes.append(body[:-1])  # `**/.env.*`: a file name that starts so
            else:
                rest.append(p)
        self.suffixes = tuple(suffixes)
        self.suffix_names = frozenset(x.rsplit("/", 1)[-1] for x in suffixes)
        self.prefixes = tuple(prefixes)
        self.spec = IgnoreSpec(rest) if rest else None

    def could_match(self, name: str) -> bool:
        """False when no file named `name` is always read, wherever it is (`match` is then
        False too); True says only "ask `match`"."""
        return (
            name in self.names
            or name in self.suffix_names
            or self.spec is not None
            or bool(self.prefixes and name.startswith(self.prefixes))
        )

    def match(self, rel: str, name: str | None = None) -> bool:
        """Whether the file shown as `rel` (named `name`, its last part) is always read."""
        if name is None:
            name = rel.rsplit("/", 1)[-1]
        if name in self.names or (self.prefixes and name.startswith(self.prefixes)):
            return True
        if name in self.suffix_names and ("/" + rel).endswith(self.suffixes):
            return True
        return bool(self.spec is not None and self.spec.match_file(_matchable(rel)))
