"""Each registry hint covers its reader: no file a reader would claim is filtered out early."""

from __future__ import annotations

import itertools

import pytest

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


@pytest.mark.parametrize(
    ("module", "hint"), registry.REGISTRY, ids=[m for m, _ in registry.REGISTRY]
)
def test_hint_covers_the_reader(module: str, hint: registry.Hint) -> None:
    reader = registry._reader(module)
    for prefix, name in itertools.product(PREFIXES, NAMES):
        rel = prefix + name
        if reader.matches(rel):
            assert hint(rel, rel.rsplit("/", 1)[-1]), rel


def test_readers_for_is_the_same_as_asking_every_reader() -> None:
    readers = registry.READERS
    assert len(readers) == len(registry.REGISTRY)
    for prefix, name in itertools.product(PREFIXES, NAMES):
        rel = prefix + name
        assert registry.readers_for(rel) == [r for r in readers if r.matches(rel)], rel


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


def test_may_have_readers_is_any_hint() -> None:
    # One combined test stands for every hint: the same answer for every name, including
    # the case-insensitive NuGet one, dot files and suffixes.
    extra = ["NuGet.CONFIG", ".", ".e", ".env", "x.YML", "x.yml.bak", "hosts.yml", "a.ipynb.txt"]
    for prefix, name in itertools.product(PREFIXES, [*NAMES, *extra]):
        rel = prefix + name
        last = rel.rsplit("/", 1)[-1]
        expected = any(hint(rel, last) for _module, hint in registry.REGISTRY)
        assert registry.may_have_readers(rel) == expected, rel
        assert registry.may_have_readers_checker()(rel) == expected, rel
        assert registry._hinted(last) == tuple(
            i for i, (_m, hint) in enumerate(registry.REGISTRY) if hint("", last)
        )
