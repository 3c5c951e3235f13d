"""The GitHub hosts a user configured (`--github-api HOST=URL`, `github_api:`), read without
loading the HTTP client: policy rules need them under `--offline` too, where no client is built.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

GITHUB_COM = "github.com"


def split_api_flag(value: str) -> tuple[str, str]:
    """`--github-api URL` → ("github.com", URL); `HOST=URL` → (HOST, URL); neither is checked."""
    host, sep, url = value.partition("=")
    if not sep or "://" in host:
        return GITHUB_COM, value
    return host.strip() or GITHUB_COM, url.strip()


def host_name(host: str) -> str:
    """A host as places and flags name it, compared plainly: lower case, no port, no final dot."""
    h = host.strip().lower()
    if h.startswith("["):  # [::1]:8443
        h = h[1:].split("]")[0]
    elif h.count(":") == 1:  # host:port
        h = h.split(":")[0]
    return h.rstrip(".")


def configured_hosts(config_api: Mapping[str, str], api_flags: Iterable[str]) -> frozenset[str]:
    """Every host named as a GitHub API target in config or flags (github.com for a bare URL)."""
    names = [*config_api, *(split_api_flag(v)[0] for v in api_flags)]
    return frozenset(host_name(h) or GITHUB_COM for h in names)
