"""GitHub hosts: github.com and its service hosts, GHE.com tenants, hosts that are never GitHub,
host name validation, and the hosts a user configured (`--github-api HOST=URL`, `github_api:`).

Plain facts read without loading the HTTP client: policy rules need them under `--offline` too,
where no client is built, and the GitHub client routes tokens by them.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping

GITHUB_COM = "github.com"
# GitHub's own container registries (a GHES or GHE.com one is `containers.<host>`).
GITHUB_REGISTRIES = ("ghcr.io", "docker.pkg.github.com")


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


DEFAULT_API = "https://api.github.com"


# Hosts that are github.com services: a token for them is a github.com token.
GITHUB_COM_ALIASES = frozenset(
    {
        "github.com",
        "api.github.com",
        "www.github.com",
        "gist.github.com",
        "ghcr.io",
        "docker.pkg.github.com",
        "npm.pkg.github.com",
        "maven.pkg.github.com",
        "nuget.pkg.github.com",
        "rubygems.pkg.github.com",
        "raw.githubusercontent.com",
        "uploads.github.com",
        "codeload.github.com",
        "objects.githubusercontent.com",
    }
)


# Never sent a token, whatever the configuration says.
NON_GITHUB_HOSTS = frozenset(
    {
        "gitlab.com",
        "bitbucket.org",
        "dev.azure.com",
        "ssh.dev.azure.com",
        "docker.io",
        "index.docker.io",
        "registry-1.docker.io",
        "registry.npmjs.org",
        "registry.yarnpkg.com",
        "pypi.org",
        "upload.pypi.org",
        "quay.io",
        "gcr.io",
        "registry.gitlab.com",
        "api.bitbucket.org",
        "rubygems.org",
        "api.nuget.org",
        "repo.maven.apache.org",
        "repo1.maven.org",
        "huggingface.co",
    }
)


NON_GITHUB_SUFFIXES = (
    ".gitlab.com",
    ".bitbucket.org",
    ".visualstudio.com",
    ".azurecr.io",
    ".amazonaws.com",
    ".pkg.dev",
    ".docker.io",
    ".jfrog.io",
)


_GHE_COM_SERVICES = ("api.", "npm.", "containers.", "maven.", "nuget.", "rubygems.")


# A DNS name as it may appear in a URL's authority (labels of letters, digits, - and _).
_HOST_NAME = re.compile(
    r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)*",
    re.IGNORECASE,
)


def normalize_host(host: str | None) -> str | None:
    """The GitHub instance a place's host belongs to: github.com services → github.com, etc."""
    if host is None:
        return None
    h = host.strip().lower()
    if h.startswith("["):  # [::1]:8443
        h = h[1:].split("]")[0]
    elif h.count(":") == 1:  # host:port
        h = h.split(":")[0]
    h = h.rstrip(".")
    if h in GITHUB_COM_ALIASES or h.endswith(".pkg.github.com"):
        return GITHUB_COM
    if h.endswith(".ghe.com"):
        for prefix in _GHE_COM_SERVICES:
            if h.startswith(prefix) and h.count(".") >= 3:
                return h[len(prefix) :]
    return h


def is_non_github(host: str) -> bool:
    """Hosts that are certainly not GitHub (a token is never sent there)."""
    return host in NON_GITHUB_HOSTS or host.endswith(NON_GITHUB_SUFFIXES)


def is_host_name(host: str) -> bool:
    """True for a DNS name or IP address; False for anything a URL would read differently."""
    if _HOST_NAME.fullmatch(host):
        return True
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True
