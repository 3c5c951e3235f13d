"""The explicit registry of structured readers (one entry per reader).

Each entry names the reader's module and a cheap *hint* on the file name that is true whenever
the reader's own `matches` could be: most files fail every hint, so a scan neither imports
the readers' modules (start-up of the pre-commit path) nor calls thirteen `matches` per file.
`tests/sources/test_registry.py` checks that every hint covers its reader.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from functools import cache, lru_cache
from typing import Any

from patlint.sources.readers import FileReader

Hint = Callable[[str, str], bool]  # (shown path, file name) -> could the reader match?
# Hints look at the file name only (they are cached by name); `rel` is passed as "".


class _Names:
    """A hint that is true for these exact file names (looked up in one dict for all readers)."""

    def __init__(self, *names: str) -> None:
        self.names = frozenset(names)

    def __call__(self, _rel: str, name: str) -> bool:
        return name in self.names


def _names(*names: str) -> Hint:
    return _Names(*names)


REGISTRY: tuple[tuple[str, Hint], ...] = (
    # ~/.docker/config.json, containers/auth.json, .dockercfg, $DOCKER_CONFIG/config.json
    ("docker_config", _names("config.json", "auth.json", ".dockercfg")),
    # ~/.git-credentials, $XDG_CONFIG_HOME/git/credentials
    ("git_credentials", _names(".git-credentials", "credentials")),
    # .git/config remotes (and submodules', worktrees'), ~/.gitconfig, git/config helpers
    ("git_config", _names("config", ".gitconfig", "config.worktree")),
    # gh hosts.yml (both layouts), ~/.config/hub
    ("gh_hosts", _names("hosts.yml", "hub")),
    ("netrc", _names(".netrc", "_netrc")),  # .netrc / _netrc
    ("npmrc", _names(".npmrc")),  # .npmrc
    ("maven", _names("settings.xml")),  # Maven settings.xml
    ("nuget", lambda _rel, name: name.lower() == "nuget.config"),  # NuGet.Config
    ("gradle", _names("gradle.properties")),  # gradle.properties
    ("dotenv", lambda _rel, name: name.startswith(".env")),  # .env, .env.*
    # rc files and histories: dot files, fish and PowerShell by name
    (
        "shell",
        lambda _rel, name: (
            name.startswith(".")
            or name in ("fish_history", "config.fish", "ConsoleHost_history.txt")
        ),
    ),
    ("notebook", lambda _rel, name: name.endswith(".ipynb")),  # Jupyter notebooks
    # CI pipelines: GitHub Actions, GitLab, CircleCI, Azure, Bitbucket, Travis
    ("ci", lambda _rel, name: name.endswith((".yml", ".yaml"))),
)


@cache
def _reader(module: str) -> FileReader:
    reader: FileReader = importlib.import_module(f"patlint.sources.{module}").READER
    return reader


def _index() -> tuple[dict[str, tuple[int, ...]], tuple[tuple[int, Hint], ...]]:
    by_name: dict[str, list[int]] = {}
    others: list[tuple[int, Hint]] = []
    for i, (_module, hint) in enumerate(REGISTRY):
        if isinstance(hint, _Names):
            for n in hint.names:
                by_name.setdefault(n, []).append(i)
        else:
            others.append((i, hint))
    return {n: tuple(ix) for n, ix in by_name.items()}, tuple(others)


_BY_NAME, _OTHERS = _index()


@lru_cache(maxsize=1 << 16)
def _hinted(name: str) -> tuple[int, ...]:
    """Registry indexes whose hint is true for a file name (names repeat: `__init__.py`; a
    tree of 50,000 files has ~20,000 names, each a miss the first time a worker sees it)."""
    named = _BY_NAME.get(name, ())
    others = [i for i, hint in _OTHERS if hint("", name)]
    if not others:
        return named
    return tuple(sorted({*named, *others}))


def may_have_readers(rel: str) -> bool:
    """False when no reader can claim the file shown as `rel` (no module is imported)."""
    return bool(_hinted(rel.rsplit("/", 1)[-1]))


def readers_for(rel: str) -> list[FileReader]:
    """Readers that claim the file shown as `rel` (modules imported on first use), in registry order."""
    out = []
    for i in _hinted(rel.rsplit("/", 1)[-1]):
        reader = _reader(REGISTRY[i][0])
        if reader.matches(rel):
            out.append(reader)
    return out


def preload() -> None:
    """Import every reader and the parsers they load on first use: before scan workers are
    forked, so that each does not import them again (~40 ms of CPU per worker)."""
    for module, _hint in REGISTRY:
        _reader(module)
    import yaml  # noqa: F401  # the CI reader's parser (imported there on first use)


def __getattr__(name: str) -> Any:
    """`READERS`: every registered reader (imports them all; for tests and tools)."""
    if name == "READERS":
        return tuple(_reader(module) for module, _hint in REGISTRY)
    raise AttributeError(name)
