"""The explicit registry of structured readers (one entry per reader).

Each entry names the reader's module and a cheap *hint* on the file name that is true whenever
the reader's own `matches` could be: most files fail every hint, so a scan neither imports
the readers' modules (start-up of the pre-commit path) nor calls thirteen `matches` per file.
`tests/sources/readers/test_registry.py` checks that every hint covers its reader.
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
    """A hint that is true for file names that are one of `names`, start with one of
    `prefixes`, end with one of `suffixes`, or are one of `lower` once lower-cased. Data, not
    code: `may_have_readers` tests every hint at once with a few string methods (a tree of
    unique names, such as a cache, asked 13 hints per file)."""

    def __init__(
        self,
        *names: str,
        prefixes: tuple[str, ...] = (),
        suffixes: tuple[str, ...] = (),
        lower: tuple[str, ...] = (),
    ) -> None:
        self.names = frozenset(names)
        self.prefixes, self.suffixes, self.lower = prefixes, suffixes, frozenset(lower)

    def __call__(self, _rel: str, name: str) -> bool:
        return (
            name in self.names
            or (bool(self.prefixes) and name.startswith(self.prefixes))
            or (bool(self.suffixes) and name.endswith(self.suffixes))
            or (bool(self.lower) and name.lower() in self.lower)
        )


REGISTRY: tuple[tuple[str, _Names], ...] = (
    # ~/.docker/config.json, containers/auth.json, .dockercfg, $DOCKER_CONFIG/config.json
    ("docker_config", _Names("config.json", "auth.json", ".dockercfg")),
    # ~/.git-credentials, $XDG_CONFIG_HOME/git/credentials
    ("git_credentials", _Names(".git-credentials", "credentials")),
    # .git/config remotes (and submodules', worktrees'), ~/.gitconfig, git/config helpers
    ("git_config", _Names("config", ".gitconfig", "config.worktree")),
    # gh hosts.yml (both layouts), ~/.config/hub
    ("gh_hosts", _Names("hosts.yml", "hub")),
    ("netrc", _Names(".netrc", "_netrc")),  # .netrc / _netrc
    ("npmrc", _Names(".npmrc")),  # .npmrc
    ("maven", _Names("settings.xml")),  # Maven settings.xml
    ("nuget", _Names(lower=("nuget.config",))),  # NuGet.Config
    ("gradle", _Names("gradle.properties")),  # gradle.properties
    ("dotenv", _Names(prefixes=(".env",))),  # .env, .env.*
    # rc files and histories: dot files, fish and PowerShell by name
    (
        "shell",
        _Names("fish_history", "config.fish", "ConsoleHost_history.txt", prefixes=(".",)),
    ),
    ("notebook", _Names(suffixes=(".ipynb",))),  # Jupyter notebooks
    # CI pipelines: GitHub Actions, GitLab, CircleCI, Azure, Bitbucket, Travis
    ("ci", _Names(suffixes=(".yml", ".yaml"))),
)


@cache
def _reader(module: str) -> FileReader:
    """The reader of a row: a module under `patlint.sources.readers`, or a full dotted path."""
    name = module if "." in module else f"patlint.sources.readers.{module}"
    reader: FileReader = importlib.import_module(name).READER
    return reader


def _any() -> _Names:
    """A hint true when any row's hint is."""
    return _Names(
        *(n for _m, hint in REGISTRY for n in hint.names),
        prefixes=tuple(p for _m, hint in REGISTRY for p in hint.prefixes),
        suffixes=tuple(x for _m, hint in REGISTRY for x in hint.suffixes),
        lower=tuple(x for _m, hint in REGISTRY for x in hint.lower),
    )


_ANY = _any()


def refresh() -> None:
    """Recompute what is derived from `REGISTRY`, after a row was added or removed at run time
    (a test's toy reader, and again when it is taken out)."""
    global _ANY
    _ANY = _any()
    _hinted.cache_clear()


@lru_cache(maxsize=1 << 16)
def _hinted(name: str) -> tuple[int, ...]:
    """Registry indexes whose hint is true for a file name (names repeat: `__init__.py`)."""
    return tuple(i for i, (_module, hint) in enumerate(REGISTRY) if hint("", name))


def may_have_readers(rel: str) -> bool:
    """False when no reader can claim the file shown as `rel` (no module is imported)."""
    return _ANY("", rel[rel.rfind("/") + 1 :])


def may_have_readers_checker() -> Callable[[str], bool]:
    """`may_have_readers` with every hint's data bound in (the tree scan calls it per file)."""
    names, lower = _ANY.names, _ANY.lower
    prefixes, suffixes = _ANY.prefixes, _ANY.suffixes

    def check(rel: str) -> bool:
        name = rel[rel.rfind("/") + 1 :]
        return (
            name in names
            or name.startswith(prefixes)
            or name.endswith(suffixes)
            or name.lower() in lower
        )

    return check


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
