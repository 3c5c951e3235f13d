"""Configured GitHub hosts, read from config and flags without the HTTP client."""

from __future__ import annotations

from patlint.github.verify import parse_api_flags
from patlint.hosts import configured_hosts, host_name, split_api_flag


def test_split_api_flag_agrees_with_the_resolver() -> None:
    flags = [
        "https://proxy.example/github",
        "Git.Corp.Example:8443=https://git.corp.example:8443/api/v3",
        " ghe.corp = https://ghe.corp/api/v3",
        "=https://x.example",
    ]
    assert [split_api_flag(f) for f in flags] == [
        ("github.com", "https://proxy.example/github"),
        ("Git.Corp.Example:8443", "https://git.corp.example:8443/api/v3"),
        ("ghe.corp", "https://ghe.corp/api/v3"),
        ("github.com", "https://x.example"),
    ]
    assert set(parse_api_flags(flags)) == {"github.com", "git.corp.example", "ghe.corp"}


def test_configured_hosts() -> None:
    config = {"GHE.Corp.": "https://ghe.corp/api/v3", "[fd00::1]:8443": "https://[fd00::1]/api/v3"}
    flags = ["git.corp.example=https://git.corp.example/api/v3", "http://127.0.0.1:9"]
    assert configured_hosts(config, flags) == frozenset(
        {"ghe.corp", "fd00::1", "git.corp.example", "github.com"}
    )
    assert configured_hosts({}, ()) == frozenset()
    assert host_name("Git.Corp.Example.:443") == "git.corp.example"
