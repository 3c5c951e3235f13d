"""Known credential locations on Linux, macOS and Windows, resolved in one place."""

from __future__ import annotations

import os
from pathlib import Path

from patlint.sources import platform


def paths(env: dict[str, str], system: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for kind, p in platform.credential_files(env, system):
        out.setdefault(kind, []).append(p)
    return out


def test_linux_xdg_and_overrides() -> None:
    env = {
        "HOME": "/h",
        "XDG_CONFIG_HOME": "/h/cfg",
        "DOCKER_CONFIG": "/d",
        "XDG_RUNTIME_DIR": "/run/u",
    }
    got = paths(env, "linux")
    assert got["docker_config"] == [
        "/d/config.json",
        "/h/.dockercfg",
        "/run/u/containers/auth.json",
        "/h/cfg/containers/auth.json",
    ]
    assert got["gh_hosts"] == ["/h/cfg/gh/hosts.yml", "/h/cfg/hub"]
    assert got["git_credentials"] == ["/h/.git-credentials", "/h/cfg/git/credentials"]
    assert got["netrc"] == ["/h/.netrc"]
    assert got["nuget"] == ["/h/.nuget/NuGet/NuGet.Config"]


def test_gh_config_dir_wins() -> None:
    assert paths({"HOME": "/h", "GH_CONFIG_DIR": "/g"}, "linux")["gh_hosts"][0] == "/g/hosts.yml"


def test_macos_uses_dot_config_not_library() -> None:
    got = paths({"HOME": "/Users/me"}, "darwin")
    assert got["gh_hosts"][0] == "/Users/me/.config/gh/hosts.yml"
    assert got["git_credentials"] == [
        "/Users/me/.git-credentials",
        "/Users/me/.config/git/credentials",
    ]


def test_windows_appdata() -> None:
    env = {"USERPROFILE": "C:/Users/me", "APPDATA": "C:/Users/me/AppData/Roaming"}
    got = paths(env, "win32")
    assert got["gh_hosts"][0] == os.path.join(
        "C:/Users/me/AppData/Roaming", "GitHub CLI", "hosts.yml"
    )
    assert got["nuget"] == [os.path.join("C:/Users/me/AppData/Roaming", "NuGet", "NuGet.Config")]
    assert got["netrc"] == [os.path.join("C:/Users/me", "_netrc")]
    assert os.path.join("PSReadLine", "ConsoleHost_history.txt") in got["shell"][-1]


def test_is_home(home: Path, tmp_path: Path) -> None:
    assert platform.is_home(str(home))
    assert not platform.is_home(str(tmp_path))


def test_outside_roots(home: Path, tmp_path: Path) -> None:
    d = tmp_path / "dockercfg"
    d.mkdir()
    (d / "config.json").write_text("{}")
    (home / ".netrc").write_text("")
    env = {"HOME": str(home), "DOCKER_CONFIG": str(d)}
    assert platform.outside_roots([str(home)], env, "linux") == [str(d / "config.json")]
