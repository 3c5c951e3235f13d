"""git's plaintext credential store: percent-decoding, hosts, both file locations."""

from __future__ import annotations

import subprocess
import urllib.parse
from pathlib import Path
from typing import Any

from patlint.model import Context
from tests.sources.home import at, digest, hygiene, scan_home, write


def test_store_lines_decoded_with_host(home: Path, token: Any) -> None:
    t1, t2, t3 = token("ghp"), token("ghs"), token("github_pat")
    write(
        home,
        ".git-credentials",
        f"https://octocat:{t1}@github.com\n"
        f"https://x-access-token:{urllib.parse.quote(t2)}@github.example.com%3A8443\n"
        f"https://{t3}@ghe.acme.com/org/repo\n",
        mode=0o644,
    )
    result = scan_home(home)
    path = "~/.git-credentials"
    [c] = at(result, t1, path)
    assert (c.location.line, c.location.column) == (1, 17)
    assert c.context == Context(
        file_type="git-credentials", key="password", host="github.com", usage="git"
    )
    [c] = at(result, t2, path)
    assert c.location.line == 2
    assert c.context.host == "github.example.com"
    [c] = at(result, t3, path)
    assert (c.location.line, c.context.key, c.context.host) == (3, "username", "ghe.acme.com")
    assert hygiene(result, "plaintext-credential-store", "credential-file-readable-by-others") == [
        ("credential-file-readable-by-others", path, None, None),
        ("plaintext-credential-store", path, 1, digest(t1)),
        ("plaintext-credential-store", path, 2, digest(t2)),
        ("plaintext-credential-store", path, 3, digest(t3)),
    ]


def test_percent_encoded_token_is_decoded(home: Path, token: Any) -> None:
    t = token("ghp")
    encoded = "".join(f"%{ord(ch):02X}" for ch in t)  # every character escaped
    write(home, ".config/git/credentials", f"https://me:{encoded}@github.com\n")
    [c] = at(scan_home(home), t, "~/.config/git/credentials")
    assert c.context == Context(
        file_type="git-credentials",
        key="password",
        host="github.com",
        usage="git",
        encoding="percent",
    )
    assert c.location.line == 1


def test_real_git_store_helper_writes_what_we_read(home: Path, token: Any) -> None:
    """`git credential approve` with `credential.helper store` writes ~/.git-credentials."""
    t = token("ghp")
    subprocess.run(["git", "config", "--global", "credential.helper", "store"], check=True)
    subprocess.run(
        ["git", "credential", "approve"],
        input=f"protocol=https\nhost=github.com\nusername=octo cat\npassword={t}\n\n",
        text=True,
        check=True,
    )
    result = scan_home(home)
    [c] = at(result, t, "~/.git-credentials")
    assert c.context == Context(
        file_type="git-credentials", key="password", host="github.com", usage="git"
    )
    assert hygiene(result, "plaintext-credential-store") == [
        ("plaintext-credential-store", "~/.git-credentials", 1, digest(t)),
        ("plaintext-credential-store", "~/.gitconfig", 2, None),
    ]


def test_ipv6_host_keeps_its_brackets(home: Path, token: Any) -> None:
    # The port was cut at the first ":", which named the host "[fd00".
    t = token("ghp")
    write(home, ".git-credentials", f"https://me:{t}@[fd00::1]:8443\n")
    result = scan_home(home)
    [c] = at(result, t, "~/.git-credentials")
    assert (c.context.host, c.location.line, c.location.column) == ("[fd00::1]", 1, 12)
