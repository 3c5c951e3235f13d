"""Expiry checks: no expiration, lifetime too long, expires soon, dead token still stored."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from patlint.kinds import KIND_NAMES, PAT_KINDS
from patlint.model import Token, TokenInfo, TokenStatus, utc
from patlint.policy.base import NO_CONTEXT, PolicyContext, Verdict
from patlint.policy.params import only_keys, positive_int, str_list


def _live(token: Token) -> TokenInfo | None:
    info = token.info
    if info is None or info.status not in (TokenStatus.VALID, TokenStatus.SSO_REQUIRED):
        return None
    return info


def _days(delta: timedelta) -> int:
    return int(delta.total_seconds() // 86400)


def _utc(when: datetime) -> datetime:
    """The expiry in UTC: GitHub may send it with any offset (`… +0200`); as sent when it has
    no UTC form (the readers of API answers and reports already refuse those)."""
    return utc(when) or when


@dataclass(frozen=True, slots=True)
class KindsParams:
    """Which token kinds the check applies to."""

    kinds: frozenset[str]


class NoExpirationCheck:
    """`check: no-expiration`: GitHub answered for a PAT without an expiration date."""

    name = "no-expiration"

    def parse_params(self, params: Mapping[str, Any], where: str) -> KindsParams:
        """Params: kinds (default: the personal access token kinds, `kinds.PAT_KINDS`)."""
        only_keys(params, {"kinds"}, where)
        return KindsParams(frozenset(str_list(params, "kinds", where, sorted(PAT_KINDS))))

    def evaluate(
        self, token: Token, params: KindsParams, *, now: datetime, ctx: PolicyContext = NO_CONTEXT
    ) -> Iterator[Verdict]:
        """A verdict when the token is live and never expires."""
        info = _live(token)
        if info is None or token.secret.kind not in params.kinds or info.never_expires is not True:
            return
        yield Verdict(
            f"{KIND_NAMES.get(token.secret.kind, 'token')} {token.secret.preview} never expires: "
            "if it leaks, it works until someone notices and revokes it"
        )


@dataclass(frozen=True, slots=True)
class LifetimeParams:
    """Longest acceptable lifetime in days."""

    max_lifetime_days: int


class LifetimeCheck:
    """`check: lifetime`: the token is still valid for longer than the maximum lifetime.

    GitHub tells the expiry, not the creation date, so the time left is a lower bound on the
    lifetime: a token with more than `max_lifetime_days` left was created with a longer one.
    """

    name = "lifetime"

    def parse_params(self, params: Mapping[str, Any], where: str) -> LifetimeParams:
        """Params: max_lifetime_days (default 90)."""
        only_keys(params, {"max_lifetime_days"}, where)
        return LifetimeParams(positive_int(params, "max_lifetime_days", where, 90))

    def evaluate(
        self,
        token: Token,
        params: LifetimeParams,
        *,
        now: datetime,
        ctx: PolicyContext = NO_CONTEXT,
    ) -> Iterator[Verdict]:
        """A verdict when the expiry is further away than the maximum lifetime."""
        info = _live(token)
        if info is None or info.expires_at is None:
            return
        left = info.expires_at - now
        if left <= timedelta(days=params.max_lifetime_days):
            return
        end = _utc(info.expires_at)
        yield Verdict(
            f"{token.secret.preview} expires on {end:%Y-%m-%d}, {_days(left)} days "
            f"from now: longer than the {params.max_lifetime_days}-day maximum lifetime"
        )


@dataclass(frozen=True, slots=True)
class SoonParams:
    """How many days ahead counts as soon."""

    within_days: int


class ExpiresSoonCheck:
    """`check: expires-soon`: a live token expires within `within_days`."""

    name = "expires-soon"

    def parse_params(self, params: Mapping[str, Any], where: str) -> SoonParams:
        """Params: within_days (default 14)."""
        only_keys(params, {"within_days"}, where)
        return SoonParams(positive_int(params, "within_days", where, 14))

    def evaluate(
        self, token: Token, params: SoonParams, *, now: datetime, ctx: PolicyContext = NO_CONTEXT
    ) -> Iterator[Verdict]:
        """A verdict when the expiry is in the future but within the window."""
        info = _live(token)
        if info is None or info.expires_at is None:
            return
        left = info.expires_at - now
        if left <= timedelta(0) or left > timedelta(days=params.within_days):
            return
        when = "today" if left < timedelta(days=1) else f"in {_days(left)} days"
        end = _utc(info.expires_at)
        yield Verdict(
            f"{token.secret.preview} expires {when} ({end:%Y-%m-%d %H:%M} UTC); "
            "whatever uses it will break then"
        )


class DeadTokenCheck:
    """`check: dead-token`: GitHub rejects the token (revoked or expired), yet it is still stored."""

    name = "dead-token"

    def parse_params(self, params: Mapping[str, Any], where: str) -> Mapping[str, Any]:
        """No params."""
        only_keys(params, set(), where)
        return params

    def evaluate(
        self, token: Token, params: Any, *, now: datetime, ctx: PolicyContext = NO_CONTEXT
    ) -> Iterator[Verdict]:
        """A verdict for a token GitHub answered 401 for, or whose expiry has passed."""
        info = token.info
        if info is None:
            return
        places = len({c.location.where for c in token.candidates})
        where = f" in {places} files" if places > 1 else ""
        if info.status is TokenStatus.INVALID:
            yield Verdict(
                f"GitHub rejects {token.secret.preview} ({info.reason or 'HTTP 401'}): it is "
                f"revoked, expired or was never valid, yet it is still stored{where}"
            )
        elif info.expires_at is not None and info.expires_at <= now:
            end = _utc(info.expires_at)
            yield Verdict(
                f"{token.secret.preview} expired on {end:%Y-%m-%d}, yet it is still stored{where}"
            )
