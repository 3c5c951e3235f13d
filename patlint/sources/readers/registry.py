"""The explicit registry of structured readers: one row per reader, the one place that names
the files each reads.

A row names the reader's module and the files it reads (exact names, name prefixes and
suffixes, case-insensitive names, and paths known by their last folders too, such as
`gh/hosts.yml`); names it cannot tell by name alone it leaves to the reader's own `matches`
(`ask_names`, `ask_suffixes`). From the rows come the cheap file-name test a scan runs on
every file (most files fail it, so a scan neither imports the readers' modules, which keeps
the pre-commit path's start-up, nor asks them), what a home-directory scan reads even inside
pruned folders (`credential_patterns`), and where each credential file lives in a home
directory (`Row.home`, resolved by `patlint.sources.platform`).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any, cast

from patlint.sources.readers import AskingReader, FileReader

# Shell histories and start-up files (the shell reader's row; the reader tells them apart).
SHELL_HISTORIES = frozenset(
    {".bash_history", ".zsh_history", ".zhistory", ".histfile", ".sh_history", "fish_history"}
)
SHELL_RC_FILES = frozenset(
    {
        ".bashrc",
        ".bash_profile",
        ".bash_login",
        ".bash_aliases",
        ".profile",
        ".zshrc",
        ".zshenv",
        ".zprofile",
        ".zlogin",
        ".kshrc",
        ".envrc",
    }
)
PS_HISTORY = "ConsoleHost_history.txt"

# Credential files no reader parses: a home scan still reads them (as text) in pruned folders.
TEXT_CREDENTIALS = ("settings-security.xml", ".gem/credentials")


@dataclass(frozen=True, slots=True)
class Home:
    """Where a credential file lives in a home directory: `path` (`/`-separated) under a base
    folder that `patlint.sources.platform.BASES` resolves (`~`, `config`, `appdata`…), or the
    whole path from the environment variable `env` when it is set; on `system` only
    (`win32`, or `!win32` for every other)."""

    base: str
    path: str
    env: str | None = None
    system: str | None = None


@dataclass(frozen=True, slots=True)
class Row:
    """One reader and the files it reads (see the module's docstring)."""

    module: str  # a module under `patlint.sources.readers`, or a full dotted path
    names: tuple[str, ...] = ()  # file names, in any folder
    paths: tuple[str, ...] = ()  # shown paths that end with `/` + one of these
    prefixes: tuple[str, ...] = ()  # file names that start so
    suffixes: tuple[str, ...] = ()  # file names that end so
    lower: tuple[str, ...] = ()  # file names, compared lower-cased
    ask_names: tuple[str, ...] = ()  # file names the reader's own `matches` decides on
    ask_suffixes: tuple[str, ...] = ()  # file names that end so, decided by `matches`
    credential: bool = True  # a home scan reads these files even inside pruned folders
    home: tuple[Home, ...] = ()  # where the file lives in a home directory

    def claims(self, rel: str, name: str) -> bool:
        """True when the row names the file shown as `rel` (file name `name`) outright."""
        return (
            name in self.names
            or (bool(self.prefixes) and name.startswith(self.prefixes))
            or (bool(self.suffixes) and name.endswith(self.suffixes))
            or (bool(self.lower) and name.lower() in self.lower)
            or any(("/" + rel).endswith("/" + p) for p in self.paths)
        )

    def asks(self, name: str) -> bool:
        """True when the reader's `matches` decides on a file named `name`."""
        return name in self.ask_names or (
            bool(self.ask_suffixes) and name.endswith(self.ask_suffixes)
        )


_NOT_WIN = "!win32"

REGISTRY: tuple[Row, ...] = (
    Row(
        "docker_config",  # Docker and Podman
        names=(".dockercfg",),
        paths=(".docker/config.json", "containers/auth.json"),
        ask_names=("config.json",),  # $DOCKER_CONFIG/config.json
        home=(
            Home("docker", "config.json"),
            Home("~", ".dockercfg"),
            Home("runtime", "containers/auth.json", system=_NOT_WIN),
            Home("config", "containers/auth.json", system=_NOT_WIN),
        ),
    ),
    Row(
        "git_credentials",
        names=(".git-credentials",),
        paths=("git/credentials",),
        home=(Home("~", ".git-credentials"), Home("config", "git/credentials")),
    ),
    Row(
        "git_config",  # ~/.gitconfig, git/config, and a repository's own (submodules' too)
        names=(".gitconfig",),
        paths=("git/config", ".git/config"),
        ask_names=("config", "config.worktree"),  # inside .git/ only; a bare `x.git/config`
        home=(Home("~", ".gitconfig"), Home("config", "git/config")),
    ),
    Row(
        "gh_hosts",  # the GitHub CLI (both layouts) and hub
        paths=("gh/hosts.yml", "GitHub CLI/hosts.yml", ".config/hub"),
        home=(Home("gh", "hosts.yml"), Home("config", "hub")),
    ),
    Row(
        "netrc",
        names=(".netrc", "_netrc"),
        home=(Home("~", "_netrc", system="win32"), Home("~", ".netrc", system=_NOT_WIN)),
    ),
    Row("npmrc", names=(".npmrc",), home=(Home("~", ".npmrc", env="NPM_CONFIG_USERCONFIG"),)),
    Row("maven", names=("settings.xml",), home=(Home("~", ".m2/settings.xml"),)),
    Row(
        "nuget",
        names=("NuGet.Config", "NuGet.config", "nuget.config"),  # the spellings tools write
        lower=("nuget.config",),
        home=(
            Home("appdata", "NuGet/NuGet.Config", system="win32"),
            Home("~", ".nuget/NuGet/NuGet.Config", system=_NOT_WIN),
        ),
    ),
    Row("gradle", names=("gradle.properties",), home=(Home("gradle", "gradle.properties"),)),
    Row("dotenv", names=(".env",), prefixes=(".env.",)),
    Row(
        "shell",  # rc files and histories: bash, zsh, ksh, fish, PowerShell
        names=(*sorted(SHELL_HISTORIES), *sorted(SHELL_RC_FILES), PS_HISTORY),
        paths=("fish/config.fish",),
        home=(
            Home("~", ".bash_history"),
            Home("~", ".zsh_history"),
            Home("~", ".bash_history", env="HISTFILE"),
            Home("data", "fish/fish_history"),
            Home(
                "appdata", f"Microsoft/Windows/PowerShell/PSReadLine/{PS_HISTORY}", system="win32"
            ),
        ),
    ),
    Row("notebook", suffixes=(".ipynb",), credential=False),  # Jupyter notebooks
    # CI pipelines: GitHub Actions, GitLab, CircleCI, Azure, Bitbucket, Travis
    Row("ci", ask_suffixes=(".yml", ".yaml"), credential=False),
)


class _Names:
    """The file-name test of a row (or of all): true for names that are one of `names`, start
    with one of `prefixes`, end with one of `suffixes`, or are one of `lower` once
    lower-cased. Data, not code: `may_have_readers` tests every row at once with a few string
    methods (a tree of unique names, such as a cache, asked 13 rows per file)."""

    def __init__(
        self,
        names: frozenset[str],
        prefixes: tuple[str, ...],
        suffixes: tuple[str, ...],
        lower: frozenset[str],
    ) -> None:
        self.names, self.prefixes, self.suffixes, self.lower = names, prefixes, suffixes, lower

    def __call__(self, name: str) -> bool:
        return (
            name in self.names
            or (bool(self.prefixes) and name.startswith(self.prefixes))
            or (bool(self.suffixes) and name.endswith(self.suffixes))
            or (bool(self.lower) and name.lower() in self.lower)
        )


def hint(*rows: Row) -> _Names:
    """True for every file name one of `rows` could read (by name, path or `matches`)."""
    return _Names(
        frozenset(
            n
            for r in rows
            for n in (*r.names, *r.ask_names, *(p.rsplit("/", 1)[-1] for p in r.paths))
        ),
        tuple(p for r in rows for p in r.prefixes),
        tuple(x for r in rows for x in (*r.suffixes, *r.ask_suffixes)),
        frozenset(x for r in rows for x in r.lower),
    )


def credential_patterns() -> tuple[str, ...]:
    """gitignore-style patterns of the credential files (every row's, and those no reader
    parses) that a home scan reads even inside pruned folders."""
    out: list[str] = []
    for row in REGISTRY:
        if row.credential:
            out += [f"**/{n}" for n in (*row.names, *row.paths)]
            out += [f"**/{p}*" for p in row.prefixes]
    out += [f"**/{n}" for n in TEXT_CREDENTIALS]
    return tuple(dict.fromkeys(out))


@cache
def _reader(module: str) -> FileReader:
    """The reader of a row: a module under `patlint.sources.readers`, or a full dotted path."""
    name = module if "." in module else f"patlint.sources.readers.{module}"
    reader: FileReader = importlib.import_module(name).READER
    return reader


_ANY = hint(*REGISTRY)
_HINTS = tuple(hint(row) for row in REGISTRY)


def refresh() -> None:
    """Recompute what is derived from `REGISTRY`, after a row was added or removed at run time
    (a test's toy reader, and again when it is taken out)."""
    global _ANY, _HINTS
    _ANY = hint(*REGISTRY)
    _HINTS = tuple(hint(row) for row in REGISTRY)
    _hinted.cache_clear()


@lru_cache(maxsize=1 << 16)
def _hinted(name: str) -> tuple[int, ...]:
    """Indexes of the rows that could read a file name (names repeat: `__init__.py`)."""
    return tuple(i for i, test in enumerate(_HINTS) if test(name))


def may_have_readers(rel: str) -> bool:
    """False when no reader can claim the file shown as `rel` (no module is imported)."""
    return _ANY(rel[rel.rfind("/") + 1 :])


def may_have_readers_checker() -> Callable[[str], bool]:
    """`may_have_readers` with every row's names bound in (the tree scan calls it per file)."""
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
    name = rel.rsplit("/", 1)[-1]
    out = []
    for i in _hinted(name):
        row = REGISTRY[i]
        if row.claims(rel, name):
            out.append(_reader(row.module))
        elif row.asks(name):
            reader = _reader(row.module)
            if cast(AskingReader, reader).matches(rel):
                out.append(reader)
    return out


def preload() -> None:
    """Import every reader and the parsers they load on first use: before scan workers are
    forked, so that each does not import them again (~40 ms of CPU per worker)."""
    for row in REGISTRY:
        _reader(row.module)
    import yaml  # noqa: F401  # the CI reader's parser (imported there on first use)


def __getattr__(name: str) -> Any:
    """`READERS`: every registered reader (imports them all; for tests and tools)."""
    if name == "READERS":
        return tuple(_reader(row.module) for row in REGISTRY)
    raise AttributeError(name)
