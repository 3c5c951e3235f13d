"""GitHub CLI hosts.yml (single- and multi-account layouts) and the legacy hub config."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from patlint.model import Context
from tests.sources.home import at, digest, hygiene, notices, scan_home, write


def test_single_account_layout(home: Path, token: Any) -> None:
    t = token("gho")
    write(
        home,
        ".config/gh/hosts.yml",
        f"github.com:\n    oauth_token: {t}\n    user: octocat\n    git_protocol: https\n",
    )
    result = scan_home(home)
    [c] = at(result, t, "~/.config/gh/hosts.yml")
    assert (c.location.line, c.location.column) == (2, 18)
    assert c.context == Context(
        file_type="gh-hosts", key="github.com.oauth_token", host="github.com", usage="gh-cli"
    )
    assert hygiene(result, "plaintext-credential-store") == [
        ("plaintext-credential-store", "~/.config/gh/hosts.yml", 2, digest(t))
    ]


def test_multi_account_layout(home: Path, token: Any) -> None:
    t_me, t_work, t_ghe = token("gho"), token("gho"), token("ghp")
    write(
        home,
        ".config/gh/hosts.yml",
        "github.com:\n"
        "    users:\n"
        "        octocat:\n"
        f"            oauth_token: {t_me}\n"
        "        octo-work:\n"
        f"            oauth_token: {t_work}\n"
        "    git_protocol: https\n"
        f"    oauth_token: {t_me}\n"
        "    user: octocat\n"
        "ghe.acme.com:\n"
        "    users:\n"
        "        me:\n"
        f"            oauth_token: {t_ghe}\n"
        "    user: me\n",
    )
    result = scan_home(home)
    path = "~/.config/gh/hosts.yml"
    assert [(c.location.line, c.context.key) for c in at(result, t_me, path)] == [
        (4, "github.com.users.octocat.oauth_token"),
        (8, "github.com.oauth_token"),
    ]
    [c] = at(result, t_work, path)
    assert (c.location.line, c.context.key, c.context.host) == (
        6,
        "github.com.users.octo-work.oauth_token",
        "github.com",
    )
    [c] = at(result, t_ghe, path)
    assert c.context == Context(
        file_type="gh-hosts",
        key="ghe.acme.com.users.me.oauth_token",
        host="ghe.acme.com",
        usage="gh-cli",
    )
    assert hygiene(result, "plaintext-credential-store") == [
        ("plaintext-credential-store", path, 4, digest(t_me)),
        ("plaintext-credential-store", path, 6, digest(t_work)),
        ("plaintext-credential-store", path, 13, digest(t_ghe)),
    ]
    # Two entries in one file are one place.
    assert hygiene(result, "token-stored-in-several-places") == []


def test_keyring_layout_has_no_token(home: Path) -> None:
    write(
        home,
        ".config/gh/hosts.yml",
        "github.com:\n    users:\n        octocat:\n    user: octocat\n",
    )
    result = scan_home(home)
    assert (result.tokens, result.findings, notices(result)) == ([], [], [])


def test_gh_config_dir_and_windows_folder(
    home: Path, token: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    t1, t2 = token("gho"), token("gho")
    write(home, "AppData/Roaming/GitHub CLI/hosts.yml", f"github.com:\n    oauth_token: {t1}\n")
    write(home, "elsewhere/gh/hosts.yml", f"github.com:\n    oauth_token: {t2}\n")
    result = scan_home(home)
    assert at(result, t1, "~/AppData/Roaming/GitHub CLI/hosts.yml")[0].context.usage == "gh-cli"
    assert at(result, t2, "~/elsewhere/gh/hosts.yml")[0].context.usage == "gh-cli"


def test_hub_config_legacy_token(home: Path, rng: Any) -> None:
    from patlint.tokengen import make_token

    legacy = make_token("legacy", rng)
    write(
        home,
        ".config/hub",
        f"github.com:\n- user: me\n  oauth_token: {legacy}\n  protocol: https\n",
    )
    result = scan_home(home)
    [c] = at(result, legacy, "~/.config/hub")
    assert c.context == Context(
        file_type="hub-config", key="github.com[0].oauth_token", host="github.com", usage="gh-cli"
    )
    assert c.location.line == 3


@pytest.mark.parametrize(
    "text,reason",
    [
        (
            "github.com: [\n  oauth_token: {t}\n",
            "not valid YAML (did not find expected ',' or ']' at line 3)",
        ),
        ("- {t}\n", "expected a mapping of hosts"),
        (
            "a: &a [x, x]\n" + "".join(f"a{i}: &a{i} [*a, *a]\n" for i in range(30)) + "t: {t}\n",
            "too many YAML aliases",
        ),
        (
            # a crafted file costs libyaml and the constructor ~7 s a MiB: gh writes a few
            # hundred bytes a host, so a file past 64 KiB is refused before it is parsed
            "github.com:\n  oauth_token: {t}\nx: [" + "[[[]]]," * 10_000 + "1]\n",
            "larger than the parse limit",
        ),
        (
            "x: !!python/object:os.system {t}\n",
            "not valid YAML (could not determine a constructor for the tag 'tag:yaml.org,2002:python/object:os.system' at line 1)",
        ),
    ],
)
def test_malformed_hosts_yml(home: Path, token: Any, text: str, reason: str) -> None:
    t = token("gho")
    write(home, ".config/gh/hosts.yml", text.replace("{t}", t))
    result = scan_home(home)
    assert [c.context.file_type for c in at(result, t, "~/.config/gh/hosts.yml")] == ["text"]
    assert notices(result) == [f"cannot parse ~/.config/gh/hosts.yml: {reason}, scanned as text"]
