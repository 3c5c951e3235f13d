"""Shell rc files and histories: bash, zsh extended history, fish, PowerShell."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from patlint.model import Context
from tests.sources.home import at, digest, hygiene, scan_home, write


def test_bash_history_exports_and_logins(home: Path, token: Any) -> None:
    t_cr, t_gh, t_p, t_stdin, t_url = (token("ghp") for _ in range(5))
    lines = ["ls -la"] * 1022 + [
        f"export CR_PAT={t_cr}",  # line 1023
        "echo $CR_PAT | docker login ghcr.io -u octocat --password-stdin",
        f"GH_TOKEN={t_gh} gh pr list",
        f"docker login -u me -p {t_p} docker.pkg.github.com",
        f"echo {t_stdin} | gh auth login --hostname ghe.acme.com --with-token",
        f"git clone https://me:{t_url}@github.com/acme/x.git",
    ]
    write(home, ".bash_history", "\n".join(lines) + "\n")
    result = scan_home(home)
    p = "~/.bash_history"
    [c] = at(result, t_cr, p)
    assert (c.location.line, c.location.column) == (1023, 15)
    assert c.context == Context(
        file_type="shell-history", key="CR_PAT", host="ghcr.io", usage="container-registry"
    )
    [c] = at(result, t_gh, p)
    assert c.context == Context(
        file_type="shell-history", key="GH_TOKEN", host=None, usage="shell-history"
    )
    [c] = at(result, t_p, p)
    assert c.context == Context(
        file_type="shell-history",
        key="docker login --password",
        host="docker.pkg.github.com",
        usage="container-registry",
    )
    [c] = at(result, t_stdin, p)
    assert c.context == Context(
        file_type="shell-history",
        key="gh auth login --with-token",
        host="ghe.acme.com",
        usage="gh-cli",
    )
    [c] = at(result, t_url, p)
    assert c.context == Context(
        file_type="shell-history", key="https URL credential", host="github.com", usage="git"
    )
    got = hygiene(result, "token-in-shell-history")
    assert [(r, path, line) for r, path, line, _ in got] == [
        ("token-in-shell-history", p, 1023),
        ("token-in-shell-history", p, 1025),
        ("token-in-shell-history", p, 1026),
        ("token-in-shell-history", p, 1027),
        ("token-in-shell-history", p, 1028),
    ]
    assert {d for *_, d in got} == {digest(t) for t in (t_cr, t_gh, t_p, t_stdin, t_url)}


def test_zsh_extended_history(home: Path, token: Any) -> None:
    t1, t2 = token("ghp"), token("ghp")
    write(
        home,
        ".zsh_history",
        ": 1700000000:0;cd ~\n"
        f": 1700000001:0;export GITHUB_TOKEN={t1}\n"
        f": 1700000002:3;echo {t2} | docker login ghcr.io -u me --password-stdin\n",
    )
    result = scan_home(home)
    [c] = at(result, t1, "~/.zsh_history")
    assert (c.location.line, c.context.key, c.context.usage) == (2, "GITHUB_TOKEN", "shell-history")
    [c] = at(result, t2, "~/.zsh_history")
    assert c.context == Context(
        file_type="shell-history",
        key="docker login --password-stdin",
        host="ghcr.io",
        usage="container-registry",
    )


def test_fish_history_and_config(home: Path, token: Any) -> None:
    t1, t2 = token("gho"), token("ghp")
    write(
        home,
        ".local/share/fish/fish_history",
        f"- cmd: set -gx GH_TOKEN {t1}\n  when: 1700000000\n- cmd: ls\n  when: 1700000001\n",
    )
    write(home, ".config/fish/config.fish", f"set -x GITHUB_TOKEN '{t2}'\n")
    result = scan_home(home)
    [c] = at(result, t1, "~/.local/share/fish/fish_history")
    assert (c.location.line, c.context.key, c.context.file_type) == (1, "GH_TOKEN", "shell-history")
    [c] = at(result, t2, "~/.config/fish/config.fish")
    assert c.context == Context(
        file_type="shell-rc", key="GITHUB_TOKEN", host=None, usage="shell-rc"
    )
    assert hygiene(result, "token-in-shell-history", "token-in-shell-rc") == [
        ("token-in-shell-history", "~/.local/share/fish/fish_history", 1, digest(t1)),
        ("token-in-shell-rc", "~/.config/fish/config.fish", 1, digest(t2)),
    ]


def test_bashrc_and_powershell_history(home: Path, token: Any) -> None:
    t1, t2 = token("ghp"), token("ghp")
    write(home, ".bashrc", f"alias ll='ls -l'\nexport GH_TOKEN=\"{t1}\"  # work\n", mode=0o644)
    write(
        home,
        "AppData/Roaming/Microsoft/Windows/PowerShell/PSReadLine/ConsoleHost_history.txt",
        f'$env:GITHUB_TOKEN = "{t2}"\n',
    )
    result = scan_home(home)
    [c] = at(result, t1, "~/.bashrc")
    assert (c.location.line, c.context.key, c.context.usage) == (2, "GH_TOKEN", "shell-rc")
    ps = "~/AppData/Roaming/Microsoft/Windows/PowerShell/PSReadLine/ConsoleHost_history.txt"
    [c] = at(result, t2, ps)
    assert (c.context.key, c.context.file_type) == ("GITHUB_TOKEN", "shell-history")
    assert hygiene(
        result, "token-in-shell-rc", "credential-file-readable-by-others", "token-in-shell-history"
    ) == [
        ("credential-file-readable-by-others", "~/.bashrc", None, None),
        ("token-in-shell-history", ps, 1, digest(t2)),
        ("token-in-shell-rc", "~/.bashrc", 2, digest(t1)),
    ]


def test_command_substitution_is_not_a_leak(home: Path) -> None:
    write(home, ".bashrc", 'export GH_TOKEN="$(gh auth token)"\nexport CR_PAT=$(pass show cr)\n')
    result = scan_home(home)
    assert (result.tokens, result.findings) == ([], [])
