"""Where a token is kept: stored in several places, or stored for a host it cannot be used on.

Both work offline from the places a scan saw (each candidate's path and context); no GitHub
answer is needed.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from patlint.errors import ConfigError
from patlint.hosts import host_name
from patlint.model import Token
from patlint.policy.base import NO_CONTEXT, PolicyContext, Verdict
from patlint.sources.places import stored_places


@dataclass(frozen=True, slots=True)
class PlacesParams:
    """`min_places`: how many distinct places make "several"; `count_text`: plain text counts."""

    min_places: int = 2
    count_text: bool = True


class SeveralPlacesCheck:
    """`check: several-places`: the same token stored in `min_places` or more places.

    Every file, variable or history path counts (see `stored_places`: in history a renamed file
    is one place); with `count_text: false` only places a structured reader (or `--env`)
    understood (their context has a `usage`: a credential store, config file, history or
    variable), not mentions in other text files.
    """

    name = "several-places"

    def parse_params(self, params: Mapping[str, Any], where: str) -> PlacesParams:
        """`min_places`: an integer of 2 or more; `count_text`: true or false."""
        unknown = sorted(set(params) - {"min_places", "count_text"})
        if unknown:
            raise ConfigError(
                f"{where}.{unknown[0]}: unknown parameter (known: min_places, count_text)"
            )
        n = params.get("min_places", 2)
        if not isinstance(n, int) or isinstance(n, bool) or n < 2:
            raise ConfigError(f"{where}.min_places: expected an integer of 2 or more, got {n!r}")
        text = params.get("count_text", True)
        if not isinstance(text, bool):
            raise ConfigError(f"{where}.count_text: expected true or false, got {text!r}")
        return PlacesParams(n, text)

    def evaluate(
        self, token: Token, params: PlacesParams, *, now: datetime, ctx: PolicyContext = NO_CONTEXT
    ) -> Iterator[Verdict]:
        """One verdict naming the places, when there are enough of them."""
        places = stored_places(c for c in token.candidates if c.context.usage or params.count_text)
        count = sum(p.copies for p in places)
        if count < params.min_places:
            return
        shown = ", ".join(p.show() for p in places)
        yield Verdict(
            f"token {token.secret.preview} is stored in {count} places: {shown}; "
            "every copy must be found and removed when it leaks or rotates"
        )


@dataclass(frozen=True, slots=True)
class HostParams:
    """`github_hosts`: host globs where a GitHub token is usable, besides the configured API hosts."""

    github_hosts: tuple[str, ...]


# The shipped rule's `github_hosts` (rules/policy/hygiene.yml; a test keeps them equal).
DEFAULT_GITHUB_HOSTS = (
    "github.com",
    "*.github.com",
    "ghcr.io",
    "*.githubusercontent.com",
    "*.ghe.com",
    "*github*",
)


def is_github_host(host: str, ctx: PolicyContext) -> bool:
    """True for a GHE.com tenant and for a host configured as a GitHub API target (any port),
    or a subdomain of one (GHES with subdomain isolation serves npm.HOST, containers.HOST…)."""
    name = host_name(host)
    if name.endswith(".ghe.com") or name in ctx.github_hosts:
        return True
    return any(name.endswith("." + h) for h in ctx.github_hosts if h)


class WrongHostCheck:
    """`check: wrong-host`: a token stored for a host that is not GitHub (npmjs.org, docker.io…).

    GitHub hosts are those matching a `github_hosts` glob, every GHE.com tenant, and every host
    the user configured as a GitHub API target (`ctx.github_hosts`, also known offline).
    """

    name = "wrong-host"

    def parse_params(self, params: Mapping[str, Any], where: str) -> HostParams:
        """`github_hosts`: a list of host globs."""
        unknown = sorted(set(params) - {"github_hosts"})
        if unknown:
            raise ConfigError(f"{where}.{unknown[0]}: unknown parameter (known: github_hosts)")
        hosts = params.get("github_hosts", list(DEFAULT_GITHUB_HOSTS))
        if not isinstance(hosts, list) or not all(isinstance(h, str) and h for h in hosts):
            raise ConfigError(f"{where}.github_hosts: expected a list of host globs")
        return HostParams(tuple(h.lower() for h in hosts))

    def evaluate(
        self, token: Token, params: HostParams, *, now: datetime, ctx: PolicyContext = NO_CONTEXT
    ) -> Iterator[Verdict]:
        """One verdict per place that stores the token for a non-GitHub host."""
        if token.info is not None and token.info.host not in ("", "github.com"):
            allowed = (*params.github_hosts, token.info.host.lower())
        else:
            allowed = params.github_hosts
        seen: set[tuple[str, str]] = set()
        for c in token.candidates:
            host = (c.context.host or "").lower().rstrip(".")
            if not host or (c.location.where, host) in seen:
                continue
            seen.add((c.location.where, host))
            if is_github_host(host, ctx) or any(
                fnmatch.fnmatchcase(host, pattern) for pattern in allowed
            ):
                continue
            what = f" as {c.context.usage} credential" if c.context.usage else ""
            yield Verdict(
                f"token {token.secret.preview} is stored{what} for {host} in "
                f"{c.location.display()}, where a GitHub token cannot authenticate; "
                "it is either a mistake or a copy that leaks to that host"
            )
