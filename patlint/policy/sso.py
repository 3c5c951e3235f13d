"""SSO check: a token that an organization's SAML single sign-on has not authorized."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from patlint.model import Token, TokenStatus
from patlint.policy.base import NO_CONTEXT, PolicyContext, Verdict
from patlint.policy.params import only_keys


class SsoCheck:
    """`check: sso`: GitHub says SSO authorization is required (or left orgs out for it)."""

    name = "sso"

    def parse_params(self, params: Mapping[str, Any], where: str) -> Mapping[str, Any]:
        """No params."""
        only_keys(params, set(), where)
        return params

    def evaluate(
        self, token: Token, params: Any, *, now: datetime, ctx: PolicyContext = NO_CONTEXT
    ) -> Iterator[Verdict]:
        """A verdict naming the organizations (login or numeric id) that need authorization."""
        info = token.info
        if info is None:
            return
        required = info.status is TokenStatus.SSO_REQUIRED
        partial = info.sso is not None and info.sso.startswith("partial-results")
        if not (required or partial):
            return
        orgs = ", ".join(info.sso_orgs) if info.sso_orgs else "an organization"
        label = "organization ids" if partial and info.sso_orgs else "organization"
        if partial and info.sso_orgs:
            orgs = f"{label} {orgs}"
        yield Verdict(
            f"{token.secret.preview} is not authorized for SAML single sign-on in {orgs}; "
            "it is either meant for something else (then it holds more than it needs) or "
            "it fails where it is used"
        )
