"""Policy checks: the code behind policy rules. Registries are explicit dicts."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from patlint.errors import ConfigError
from patlint.model import Token
from patlint.policy.base import NO_CONTEXT, PolicyCheck, PolicyContext, Verdict
from patlint.policy.expiry import (
    DeadTokenCheck,
    ExpiresSoonCheck,
    LifetimeCheck,
    NoExpirationCheck,
)
from patlint.policy.scopes import ClassicTokenCheck, ContextScopesCheck, GodTokenCheck
from patlint.policy.sso import SsoCheck
from patlint.policy.storage import SeveralPlacesCheck, WrongHostCheck
from patlint.policy.usage import UnusedCheck


class PlaceCheck:
    """`check: place`: the findings come from a structured reader (sources/), not from a token."""

    name = "place"

    def parse_params(self, params: Mapping[str, Any], where: str) -> Mapping[str, Any]:
        """Place rules take no params."""
        if params:
            raise ConfigError(f"{where}: rules with check 'place' take no params")
        return params

    def evaluate(
        self, token: Token, params: Any, *, now: datetime, ctx: PolicyContext = NO_CONTEXT
    ) -> Iterator[Verdict]:
        """Nothing to judge per token: readers report these findings."""
        return iter(())


# check name -> check object; one line per check module.
CHECKS: dict[str, PolicyCheck] = {
    "place": PlaceCheck(),
    "god-token": GodTokenCheck(),
    "context-scopes": ContextScopesCheck(),
    "classic-token": ClassicTokenCheck(),
    "no-expiration": NoExpirationCheck(),
    "lifetime": LifetimeCheck(),
    "expires-soon": ExpiresSoonCheck(),
    "dead-token": DeadTokenCheck(),
    "sso": SsoCheck(),
    "several-places": SeveralPlacesCheck(),
    "wrong-host": WrongHostCheck(),
    "unused": UnusedCheck(),
}
