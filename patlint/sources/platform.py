"""Where credentials live on Linux, macOS and Windows, resolved in one place.

macOS keeps these files where Linux does (git, gh, docker and npm use `~/.config` and
dot-files there, not `~/Library`); what differs is the credential helper (`osxkeychain`,
`desktop`) and `~/Library/Caches`, which a home scan prunes. Windows uses `%APPDATA%` for
the GitHub CLI and NuGet, `_netrc` and the PowerShell history.

Which files are credential files, and where each lives in a home directory, is said once, on
the readers' registry rows (`patlint.sources.readers.registry`); this module resolves those
places on this system (`BASES`: `$XDG_CONFIG_HOME`, `$DOCKER_CONFIG`, `$GH_CONFIG_DIR`,
`%APPDATA%`…) and says what a home directory scan prunes, always reads, and which known
credential files lie outside the scanned folders.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping, Sequence

# Caches, dependency trees, toolchains and browser profiles: skipped in a home-directory scan
# (`--all` scans them), except for the known credential files below.
PRUNE_DIRS = frozenset(
    {
        "node_modules",
        "bower_components",
        ".cache",
        ".venv",
        "venv",
        ".virtualenvs",
        "virtualenvs",
        ".tox",
        ".nox",
        "site-packages",
        "dist-packages",
        "__pycache__",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".npm",
        ".yarn",
        ".pnpm-store",
        ".cargo",
        ".rustup",
        ".pyenv",
        ".rbenv",
        ".nvm",
        ".sdkman",
        ".m2",
        ".gradle",
        ".ivy2",
        ".nuget",
        ".conda",
        "miniconda3",
        "anaconda3",
        ".mozilla",
        ".thunderbird",
        "google-chrome",
        "chromium",
        "BraveSoftware",
        ".vscode-server",
        ".Trash",
        "Trash",
        "Caches",
        "Containers",
        "snap",
    }
)


def always_include() -> tuple[str, ...]:
    """gitignore-style patterns of the files a home scan reads even inside pruned folders: the
    credential files the readers' registry rows name."""
    from patlint.sources.readers.registry import credential_patterns

    return credential_patterns()


def is_home(path: str, env: Mapping[str, str] | None = None) -> bool:
    """True when `path` is the user's home directory."""
    env = os.environ if env is None else env
    home = env.get("HOME") or env.get("USERPROFILE") or os.path.expanduser("~")
    if not home:
        return False
    try:
        return os.path.samefile(os.path.expanduser(path), home)
    except OSError:
        return False


def home_dir(env: Mapping[str, str]) -> str:
    """The home directory named by the environment."""
    return env.get("HOME") or env.get("USERPROFILE") or os.path.expanduser("~")


def config_home(env: Mapping[str, str], system: str) -> str:
    """`$XDG_CONFIG_HOME`, else `~/.config` (Linux and macOS; git and gh use it on macOS too)."""
    return env.get("XDG_CONFIG_HOME") or os.path.join(home_dir(env), ".config")


def appdata(env: Mapping[str, str]) -> str:
    """`%APPDATA%` (Windows roaming profile), else `~/AppData/Roaming`."""
    return env.get("APPDATA") or os.path.join(home_dir(env), "AppData", "Roaming")


def docker_config_dir(env: Mapping[str, str]) -> str:
    """`$DOCKER_CONFIG`, else `~/.docker` (the same on every system)."""
    return env.get("DOCKER_CONFIG") or os.path.join(home_dir(env), ".docker")


def gh_config_dir(env: Mapping[str, str], system: str) -> str:
    """`$GH_CONFIG_DIR`, `$XDG_CONFIG_HOME/gh`, `%AppData%/GitHub CLI` on Windows, `~/.config/gh`."""
    if env.get("GH_CONFIG_DIR"):
        return env["GH_CONFIG_DIR"]
    if env.get("XDG_CONFIG_HOME"):
        return os.path.join(env["XDG_CONFIG_HOME"], "gh")
    if system == "win32":
        return os.path.join(appdata(env), "GitHub CLI")
    return os.path.join(home_dir(env), ".config", "gh")


def _data_home(env: Mapping[str, str], system: str) -> str:
    """`$XDG_DATA_HOME`, else `~/.local/share`."""
    return env.get("XDG_DATA_HOME") or os.path.join(home_dir(env), ".local", "share")


def _gradle_home(env: Mapping[str, str], system: str) -> str:
    """`$GRADLE_USER_HOME`, else `~/.gradle`."""
    return env.get("GRADLE_USER_HOME") or os.path.join(home_dir(env), ".gradle")


# The base folders a registry row's `Home` names; None: not on this system (or not set).
BASES: dict[str, Callable[[Mapping[str, str], str], str | None]] = {
    "~": lambda env, _system: home_dir(env),
    "config": config_home,
    "data": _data_home,
    "appdata": lambda env, _system: appdata(env),
    "docker": lambda env, _system: docker_config_dir(env),
    "gh": gh_config_dir,
    "gradle": _gradle_home,
    "runtime": lambda env, _system: env.get("XDG_RUNTIME_DIR") or None,
}


def _on(rule: str | None, system: str) -> bool:
    """Whether a `Home.system` rule (None, `win32`, `!win32`) holds on `system`."""
    if rule is None:
        return True
    return system != rule[1:] if rule.startswith("!") else system == rule


def credential_files(
    env: Mapping[str, str] | None = None, system: str | None = None
) -> list[tuple[str, str]]:
    """(reader module, absolute path) of the user's known credential files on this system:
    where each registry row says its file lives (`Row.home`), resolved here."""
    from patlint.sources.readers.registry import REGISTRY

    env = os.environ if env is None else env
    system = system or sys.platform
    seen: set[str] = set()
    out = []
    for row in REGISTRY:
        for home in row.home:
            if not _on(home.system, system):
                continue
            path = env.get(home.env) if home.env else None
            if not path:
                base = BASES[home.base](env, system)
                if base is None:
                    continue
                path = os.path.join(base, *home.path.split("/"))
            if path not in seen:
                seen.add(path)
                out.append((row.module, path))
    return out


def outside_roots(
    roots: Sequence[str], env: Mapping[str, str] | None = None, system: str | None = None
) -> list[str]:
    """Existing known credential files that none of `roots` contains (scanned in addition)."""
    real_roots = [os.path.realpath(r) for r in roots if r != "-"]
    out = []
    for _kind, path in credential_files(env, system):
        if not os.path.isfile(path):
            continue
        real = os.path.realpath(path)
        if any(real == r or real.startswith(r.rstrip(os.sep) + os.sep) for r in real_roots):
            continue
        out.append(path)
    return out
