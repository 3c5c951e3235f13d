"""Usage check: a token with access to an organization has not been used for `days` days.

Only an organization's inventory (`patlint org`) says when a token was last used, so this
check is silent for every token a file scan finds: their TokenInfo carries no usage at all.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from patlint.model import Token, TokenStatus
from patlint.policy.base import NO_CONTEXT, PolicyContext, Verdict
from patlint.policy.params import only_keys, positive_int


@dataclass(frozen=True, slots=True)
class UnusedParams:
    """How many days without use make a token unused."""

    days: int


def _day(when: datetime) -> str:
    return f"{when:%Y-%m-%d}"


class UnusedCheck:
    """`check: unused`: last used more than `days` ago, or never used since a grant that old.

    A last-use date older than `days` fires. A token GitHub reports as never used (its last-use
    date sent as null) fires only when its access was granted more than `days` ago; without a
    grant date its age is unknown and it stays silent, as does a token whose usage is unknown.
    Expired or revoked tokens are left to the expiry rules: nobody can use them any more.
    """

    name = "unused"

    def parse_params(self, params: Mapping[str, Any], where: str) -> UnusedParams:
        """Params: days (default 90)."""
        only_keys(params, {"days"}, where)
        return UnusedParams(positive_int(params, "days", where, 90))

    def evaluate(
        self, token: Token, params: UnusedParams, *, now: datetime, ctx: PolicyContext = NO_CONTEXT
    ) -> Iterator[Verdict]:
        """A verdict for a live token unused for longer than `days`."""
        info = token.info
        if info is None or info.status not in (TokenStatus.VALID, TokenStatus.SSO_REQUIRED):
            return
        limit = timedelta(days=params.days)
        who = token.secret.preview + (f" of {info.owner}" if info.owner else "")
        if info.last_used_at is not None:
            idle = now - info.last_used_at
            if idle <= limit:
                return
            message = (
                f"{who} has not been used for {idle.days} days (last used "
                f"{_day(info.last_used_at)}; limit {params.days}): access nobody uses is only risk"
            )
        elif info.never_used is True and info.granted_at is not None:
            idle = now - info.granted_at
            if idle <= limit:
                return
            message = (
                f"{who} has never been used in the {idle.days} days since the organization "
                f"granted its access ({_day(info.granted_at)}; limit {params.days}): access "
                "nobody uses is only risk"
            )
        else:
            return
        yield Verdict(message, remediation=_remediation(token))


def _remediation(token: Token) -> str | None:
    """Revoke it where the finding points: the token's page in the organization's settings."""
    page = next(
        (c.location.path for c in token.candidates if c.context.file_type == "org-inventory"), None
    )
    if page is None:
        return None
    owner = token.info.owner if token.info is not None else None
    return (
        f"Revoke the organization's access from {page} (the token's page in the "
        "organization settings). If something turns out to need it, "
        f"{('ask ' + owner) if owner else 'ask its owner'} for a new token with an expiration "
        "date and only the repositories and permissions it uses."
    )
