"""Where credentials live on Linux, macOS and Windows, resolved in one place.

macOS keeps these files where Linux does (git, gh, docker and npm use `~/.config` and
dot-files there, not `~/Library`); what differs is the credential helper (`osxkeychain`,
`desktop`) and `~/Library/Caches`, which a home scan prunes. Windows uses `%APPDATA%` for
the GitHub CLI and NuGet, `_netrc` and the PowerShell history.

Every reader asks this module which shown paths it owns, the CLI asks it what a home
directory scan prunes and always reads, and which known credential files lie outside the
scanned folders (`$DOCKER_CONFIG`, `$GH_CONFIG_DIR`, `%APPDATA%`…).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence

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

# Shell histories and start-up files (the shell reader reads these; the home profile always does).
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

# Known credential file names (exact file names, matched in any folder).
CREDENTIAL_NAMES = frozenset(
    {
        ".git-credentials",
        ".gitconfig",
        ".netrc",
        "_netrc",
        ".npmrc",
        ".dockercfg",
        ".env",
        "settings.xml",
        "settings-security.xml",
        "NuGet.Config",
        "nuget.config",
        "NuGet.config",
        "gradle.properties",
        "config.fish",
    }
    | SHELL_HISTORIES
    | SHELL_RC_FILES
    | {PS_HISTORY}
)

# Known credential files named by their folder too: (folder, file) suffixes of the shown path.
CREDENTIAL_SUFFIXES = (
    ".docker/config.json",
    "containers/auth.json",
    "gh/hosts.yml",
    "GitHub CLI/hosts.yml",
    ".config/hub",
    "git/credentials",
    "git/config",
    ".git/config",
    ".gem/credentials",
)


def always_include() -> tuple[str, ...]:
    """gitignore-style patterns of the files a home scan reads even inside pruned folders."""
    names = [f"**/{n}" for n in sorted(CREDENTIAL_NAMES)]
    names += ["**/.env.*"]
    names += [f"**/{s}" for s in CREDENTIAL_SUFFIXES]
    return tuple(names)


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


def credential_files(
    env: Mapping[str, str] | None = None, system: str | None = None
) -> list[tuple[str, str]]:
    """(reader kind, absolute path) of the user's known credential files on this system."""
    env = os.environ if env is None else env
    system = system or sys.platform
    home = home_dir(env)
    cfg = config_home(env, system)
    out = [
        ("docker", os.path.join(docker_config_dir(env), "config.json")),
        ("docker", os.path.join(home, ".dockercfg")),
        ("gh", os.path.join(gh_config_dir(env, system), "hosts.yml")),
        ("hub", os.path.join(cfg, "hub")),
        ("git-credentials", os.path.join(home, ".git-credentials")),
        ("git-credentials", os.path.join(cfg, "git", "credentials")),
        ("git-config", os.path.join(home, ".gitconfig")),
        ("git-config", os.path.join(cfg, "git", "config")),
        ("npm", os.path.join(env.get("NPM_CONFIG_USERCONFIG") or os.path.join(home, ".npmrc"))),
        ("maven", os.path.join(home, ".m2", "settings.xml")),
        (
            "gradle",
            os.path.join(
                env.get("GRADLE_USER_HOME") or os.path.join(home, ".gradle"), "gradle.properties"
            ),
        ),
        ("netrc", os.path.join(home, "_netrc" if system == "win32" else ".netrc")),
        ("shell", os.path.join(home, ".bash_history")),
        ("shell", os.path.join(home, ".zsh_history")),
        ("shell", env.get("HISTFILE") or os.path.join(home, ".bash_history")),
        (
            "shell",
            os.path.join(
                env.get("XDG_DATA_HOME") or os.path.join(home, ".local", "share"),
                "fish",
                "fish_history",
            ),
        ),
    ]
    if system == "win32":
        out += [
            ("nuget", os.path.join(appdata(env), "NuGet", "NuGet.Config")),
            (
                "shell",
                os.path.join(
                    appdata(env),
                    "Microsoft",
                    "Windows",
                    "PowerShell",
                    "PSReadLine",
                    "ConsoleHost_history.txt",
                ),
            ),
        ]
    else:
        out.append(("nuget", os.path.join(home, ".nuget", "NuGet", "NuGet.Config")))
        runtime = env.get("XDG_RUNTIME_DIR")
        if runtime:
            out.append(("docker", os.path.join(runtime, "containers", "auth.json")))
        out.append(("docker", os.path.join(cfg, "containers", "auth.json")))
    seen: set[str] = set()
    unique = []
    for kind, path in out:
        if path not in seen:
            seen.add(path)
            unique.append((kind, path))
    return unique


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
