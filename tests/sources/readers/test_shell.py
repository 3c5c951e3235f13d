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


def test_uses_of_variables_in_an_rc_file(home: Path, token: Any) -> None:
    t_here, t_p, t_npm, t_git, t_user = (token("ghp") for _ in range(5))
    lines = [
        f"export GHT={t_here}",
        f"export DP={t_p}",
        f"export NT={t_npm}",
        f"export GT={t_git}",
        f"export ME={t_user}",
        'gh auth login --with-token <<< "$GHT"',
        "docker login ghcr.io -u $ME -p $DP",
        "npm config set //npm.pkg.github.com/:_authToken $NT",
        "git clone https://x:${GT}@github.com/acme/x.git",
    ]
    write(home, ".bashrc", "\n".join(lines) + "\n")
    result = scan_home(home)
    p = "~/.bashrc"
    usage = {t: at(result, t, p)[0].context.usage for t in (t_here, t_p, t_npm, t_git, t_user)}
    assert usage == {
        t_here: "gh-cli",
        t_p: "container-registry",
        t_npm: "npm",
        t_git: "git",
        t_user: "shell-rc",  # the user name given to -u is no password
    }
    [c] = at(result, t_npm, p)
    assert (c.context.key, c.context.host) == ("NT", "npm.pkg.github.com")


def test_uses_are_read_only_from_bounded_lines(home: Path, token: Any) -> None:
    """A huge hostile rc file: uses past the line cap, or on over-long lines, are not read."""
    from patlint.sources.readers.shell import MAX_USE_LINE

    t1, t2 = token("ghp"), token("ghp")
    long_use = "echo $A | docker login ghcr.io --password-stdin #" + "x" * MAX_USE_LINE
    text = f"export A={t1}\nexport B={t2}\n{long_use}\n" + "echo $B | docker login ghcr.io\n"
    write(home, ".bashrc", text)
    result = scan_home(home)
    assert at(result, t1, "~/.bashrc")[0].context.usage == "shell-rc"
    assert at(result, t2, "~/.bashrc")[0].context.usage == "container-registry"
