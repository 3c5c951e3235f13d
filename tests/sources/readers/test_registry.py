"""The registry's rows: which reader reads each file, and what the rest of patlint derives
from them (the file-name test of every scanned file, the credential files of a home scan)."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from patlint.sources.paths import relative_to_root
from patlint.sources.readers import registry

NAMES = [
    ".docker/config.json",
    "containers/auth.json",
    ".dockercfg",
    "config.json",
    "auth.json",
    ".git-credentials",
    ".config/git/credentials",
    "git/credentials",
    ".git/config",
    ".git/modules/lib/config",
    ".git/modules/a/modules/b/config",
    ".git/worktrees/wt/config.worktree",
    ".git/config.worktree",
    "config.worktree",
    ".gitconfig",
    "config",
    ".config/gh/hosts.yml",
    "AppData/GitHub CLI/hosts.yml",
    ".config/hub",
    "hub",
    ".netrc",
    "_netrc",
    ".npmrc",
    "settings.xml",
    ".m2/settings.xml",
    "NuGet.Config",
    "nuget.config",
    "NUGET.CONFIG",
    "gradle.properties",
    ".env",
    ".env.local",
    ".envrc",
    ".bash_history",
    ".zsh_history",
    ".zhistory",
    ".histfile",
    ".sh_history",
    "fish_history",
    ".local/share/fish/fish_history",
    ".config/fish/config.fish",
    ".bashrc",
    ".profile",
    ".zshrc",
    "ConsoleHost_history.txt",
    "a.ipynb",
    "notebooks/x.ipynb",
    ".github/workflows/ci.yml",
    ".github/workflows/ci.yaml",
    "action.yml",
    ".gitlab-ci.yml",
    ".circleci/config.yml",
    "azure-pipelines.yml",
    "bitbucket-pipelines.yml",
    ".travis.yml",
    "x.yml",
    "README.md",
    "src/main.py",
    "Makefile",
    "a/b/c.json",
]
PREFIXES = ["", "~/", "repo/", "home/u/"]


# Which reader reads each of NAMES (by `Reader.name`); every other name: none.
CLAIMED = {
    ".docker/config.json": "docker-config",
    "containers/auth.json": "docker-config",
    ".dockercfg": "docker-config",
    ".git-credentials": "git-credentials",
    ".config/git/credentials": "git-credentials",
    "git/credentials": "git-credentials",
    ".git/config": "git-config",
    ".git/modules/lib/config": "git-config",
    ".git/modules/a/modules/b/config": "git-config",
    ".git/worktrees/wt/config.worktree": "git-config",
    ".git/config.worktree": "git-config",
    ".gitconfig": "git-config",
    ".config/gh/hosts.yml": "gh-hosts",
    "AppData/GitHub CLI/hosts.yml": "gh-hosts",
    ".config/hub": "gh-hosts",
    ".netrc": "netrc",
    "_netrc": "netrc",
    ".npmrc": "npmrc",
    "settings.xml": "maven",
    ".m2/settings.xml": "maven",
    "NuGet.Config": "nuget",
    "nuget.config": "nuget",
    "NUGET.CONFIG": "nuget",
    "gradle.properties": "gradle",
    ".env": "dotenv",
    ".env.local": "dotenv",
    **dict.fromkeys(
        [
            ".envrc",
            ".bash_history",
            ".zsh_history",
            ".zhistory",
            ".histfile",
            ".sh_history",
            "fish_history",
            ".local/share/fish/fish_history",
            ".config/fish/config.fish",
            ".bashrc",
            ".profile",
            ".zshrc",
            "ConsoleHost_history.txt",
        ],
        "shell",
    ),
    "a.ipynb": "notebook",
    "notebooks/x.ipynb": "notebook",
    **dict.fromkeys(
        [
            ".github/workflows/ci.yml",
            ".github/workflows/ci.yaml",
            "action.yml",
            ".gitlab-ci.yml",
            ".circleci/config.yml",
            "azure-pipelines.yml",
            "bitbucket-pipelines.yml",
            ".travis.yml",
        ],
        "ci-yaml",
    ),
}
# Names a row does not read although a name or folder looks alike.
LOOKALIKES = [
    "x.docker/config.json",  # a folder that only ends in `.docker`
    "a/xgit/credentials",
    "xgh/hosts.yml",
    "x/hub",
    "config.fish",  # fish's lives in fish/
    ".ssh/config",
    "p/modules/lib/config",
    ".envx",
    ".profilex",
]


def test_each_file_is_read_by_the_reader_its_row_names() -> None:
    assert set(CLAIMED) <= set(NAMES)
    for prefix, name in itertools.product(PREFIXES, [*NAMES, *LOOKALIKES]):
        rel = prefix + name
        got = [r.name for r in registry.readers_for(rel)]
        assert got == ([CLAIMED[name]] if name in CLAIMED else []), rel


def test_docker_config_env_folder_is_asked_of_the_reader(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # `config.json` is no row's name: the Docker reader alone knows `$DOCKER_CONFIG`.
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path / "dk"))
    shown = relative_to_root(str(tmp_path / "dk" / "config.json"), "")
    assert [r.name for r in registry.readers_for(shown)] == ["docker-config"]
    assert registry.readers_for(shown.replace("/dk/", "/other/")) == []


def test_a_row_reads_nothing_its_file_name_test_would_filter_out() -> None:
    # `may_have_readers` (every file of a scan) is derived from the rows: it must be true for
    # every file a reader reads, and reading must not depend on anything else.
    for prefix, name in itertools.product(PREFIXES, [*NAMES, *LOOKALIKES]):
        rel = prefix + name
        if registry.readers_for(rel):
            assert registry.may_have_readers(rel), rel


def test_credential_rows_say_where_their_files_live_and_are_always_read() -> None:
    from patlint.sources import platform

    patterns = set(registry.credential_patterns())
    for row in registry.REGISTRY:
        assert all(h.base in platform.BASES for h in row.home), row.module
        assert all(h.system in (None, "win32", "!win32") for h in row.home), row.module
        if not row.credential:
            assert not row.home and not {f"**/{n}" for n in row.names} & patterns
            continue
        for n in (*row.names, *row.paths):
            assert f"**/{n}" in patterns, n
    homes = {r.module for r in registry.REGISTRY if r.home}
    assert homes == {r.module for r in registry.REGISTRY if r.credential} - {"dotenv"}


def test_scan_start_up_imports_no_reader_for_plain_files() -> None:
    import subprocess
    import sys

    code = (
        "import sys; from patlint.sources.readers.registry import readers_for; "
        "readers_for('src/main.py'); readers_for('README.md'); "
        "print(sorted(m for m in sys.modules if m.startswith('patlint.sources.') and m not in "
        "('patlint.sources.readers.registry', 'patlint.sources.readers', 'patlint.sources.paths')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_may_have_readers_is_any_row() -> None:
    # One combined test stands for every row: the same answer for every name, including
    # the case-insensitive NuGet one, dot files and suffixes.
    extra = ["NuGet.CONFIG", ".", ".e", ".env", "x.YML", "x.yml.bak", "hosts.yml", "a.ipynb.txt"]
    hints = [registry.hint(row) for row in registry.REGISTRY]
    for prefix, name in itertools.product(PREFIXES, [*NAMES, *extra, *LOOKALIKES]):
        rel = prefix + name
        last = rel.rsplit("/", 1)[-1]
        expected = any(h(last) for h in hints)
        assert registry.may_have_readers(rel) == expected, rel
        assert registry.may_have_readers_checker()(rel) == expected, rel
        assert registry._hinted(last) == tuple(i for i, h in enumerate(hints) if h(last))
