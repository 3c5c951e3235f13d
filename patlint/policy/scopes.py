"""Scope checks for classic tokens: God Token, over-scoped for its context, classic at all."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from patlint.errors import ConfigError
from patlint.kinds import CLASSIC_KINDS, CLASSIC_PAT_KINDS, KIND_NAMES
from patlint.model import Token, TokenStatus
from patlint.policy.base import NO_CONTEXT, PolicyContext, Verdict
from patlint.policy.params import only_keys, positive_int, scope_list, str_list


def _valid_with_scopes(token: Token) -> frozenset[str] | None:
    info = token.info
    if info is None or info.status is not TokenStatus.VALID or info.scopes is None:
        return None
    return info.scopes


def _names(scopes: Any) -> str:
    return ", ".join(sorted(scopes))


@dataclass(frozen=True, slots=True)
class GodTokenParams:
    """`base` plus any of `with_any`, or `threshold` or more of `high_risk` (after expansion)."""

    base: frozenset[str]
    with_any: frozenset[str]
    high_risk: frozenset[str]
    threshold: int


class GodTokenCheck:
    """`check: god-token`: a classic token whose power far exceeds any single use."""

    name = "god-token"

    def parse_params(self, params: Mapping[str, Any], where: str) -> GodTokenParams:
        """Params: base, with_any, high_risk (scope lists), threshold (count)."""
        only_keys(params, {"base", "with_any", "high_risk", "threshold"}, where)
        return GodTokenParams(
            base=scope_list(params, "base", where, ["repo"]),
            with_any=scope_list(params, "with_any", where, []),
            high_risk=scope_list(params, "high_risk", where, []),
            threshold=positive_int(params, "threshold", where, 5),
        )

    def evaluate(
        self,
        token: Token,
        params: GodTokenParams,
        *,
        now: datetime,
        ctx: PolicyContext = NO_CONTEXT,
    ) -> Iterator[Verdict]:
        """One verdict naming the dangerous scopes the token was granted."""
        from patlint.scopes import expand_scopes

        granted = _valid_with_scopes(token)
        if granted is None:
            return
        expanded = expand_scopes(granted)
        admin = expanded & params.with_any
        # Count granted scopes, each once: admin:org must not count again as the write:org it implies.
        risky = {s for s in granted if expand_scopes([s]) & params.high_risk}
        combo = bool(params.base) and params.base <= expanded and bool(admin)
        if not combo and len(risky) < params.threshold:
            return
        dangerous = params.base | params.with_any | params.high_risk
        shown = sorted(s for s in granted if expand_scopes([s]) & dangerous)
        why = (
            f"{_names(params.base)} plus {_names(admin)}"
            if combo
            else f"{len(risky)} high-risk scopes"
        )
        yield Verdict(
            f"{KIND_NAMES.get(token.secret.kind, 'token')} {token.secret.preview} is a God Token "
            f"({why}): it holds {', '.join(shown)}, far more than any single use needs"
        )


@dataclass(frozen=True, slots=True)
class Need:
    """What one use of a token needs: the scopes that are enough, in words, and the better way."""

    enough: frozenset[str]
    minimal: str
    fine_grained: str
    classic_only: bool


class ContextScopesCheck:
    """`check: context-scopes`: a token found only for uses that need far fewer scopes."""

    name = "context-scopes"

    def parse_params(self, params: Mapping[str, Any], where: str) -> Mapping[str, Need]:
        """Params: `usages: {usage: {enough: [scopes], minimal: text, fine_grained: text, classic_only: bool}}`."""
        only_keys(params, {"usages"}, where)
        usages = params.get("usages")
        if not isinstance(usages, Mapping) or not usages:
            raise ConfigError(f"{where}.usages: expected a mapping of usage to needs")
        out: dict[str, Need] = {}
        for usage, spec in usages.items():
            w = f"{where}.usages.{usage}"
            if not isinstance(spec, Mapping):
                raise ConfigError(f"{w}: expected a mapping (enough, minimal, fine_grained)")
            only_keys(spec, {"enough", "minimal", "fine_grained", "classic_only"}, w)
            for key in ("minimal", "fine_grained"):
                if not isinstance(spec.get(key), str) or not spec[key].strip():
                    raise ConfigError(f"{w}.{key}: expected a sentence")
            classic_only = spec.get("classic_only", False)
            if not isinstance(classic_only, bool):
                raise ConfigError(f"{w}.classic_only: expected true or false")
            out[str(usage)] = Need(
                enough=scope_list(spec, "enough", w, []),
                minimal=" ".join(spec["minimal"].split()),
                fine_grained=" ".join(spec["fine_grained"].split()),
                classic_only=classic_only,
            )
        return out

    def evaluate(
        self,
        token: Token,
        params: Mapping[str, Need],
        *,
        now: datetime,
        ctx: PolicyContext = NO_CONTEXT,
    ) -> Iterator[Verdict]:
        """A verdict when every place the token was found names a known use and scopes exceed it."""
        from patlint.scopes import expand_scopes

        granted = _valid_with_scopes(token)
        if granted is None:
            return
        usages: list[str] = []
        for c in token.candidates:
            if c.context.usage is None or c.context.usage not in params:
                return  # some use is unknown: cannot say what the token needs
            if c.context.usage not in usages:
                usages.append(c.context.usage)
        justified = expand_scopes(s for u in usages for s in params[u].enough)
        excess = sorted(s for s in granted if s not in justified)
        if not excess:
            return
        hosts = sorted({c.context.host for c in token.candidates if c.context.host})
        where = f" ({', '.join(hosts)})" if hosts else ""
        needs = "; ".join(f"{u}: {params[u].minimal}" for u in usages)
        message = (
            f"{token.secret.preview} is used only as a {' and '.join(usages)} credential{where} "
            f"but also holds {', '.join(excess)}; that use needs only {needs}"
        )
        if token.secret.kind in CLASSIC_KINDS:
            message += "; better: " + "; ".join(params[u].fine_grained for u in usages)
        yield Verdict(message)


@dataclass(frozen=True, slots=True)
class ClassicParams:
    """Uses for which GitHub accepts only classic tokens (so classic is no fault there)."""

    classic_only_usages: frozenset[str]
    classic_only_scopes: frozenset[str] = frozenset()


class ClassicTokenCheck:
    """`check: classic-token`: a classic PAT where a fine-grained token would do."""

    name = "classic-token"

    def parse_params(self, params: Mapping[str, Any], where: str) -> ClassicParams:
        """Params: classic_only_usages (list of usages), classic_only_scopes (list of scopes)."""
        only_keys(params, {"classic_only_usages", "classic_only_scopes"}, where)
        return ClassicParams(
            frozenset(str_list(params, "classic_only_usages", where, [])),
            frozenset(str_list(params, "classic_only_scopes", where, [])),
        )

    def evaluate(
        self, token: Token, params: ClassicParams, *, now: datetime, ctx: PolicyContext = NO_CONTEXT
    ) -> Iterator[Verdict]:
        """A verdict for a live classic PAT not used for anything that needs a classic token."""
        info = token.info
        if info is None or info.status is not TokenStatus.VALID:
            return
        if token.secret.kind not in CLASSIC_PAT_KINDS or info.scopes is None:
            return
        usages = {c.context.usage for c in token.candidates}
        if usages & params.classic_only_usages:
            return
        if info.scopes and info.scopes <= params.classic_only_scopes:
            return  # a packages-only token: GitHub Packages registries accept classic tokens only
        yield Verdict(
            f"classic token {token.secret.preview} acts on everything its owner can reach; "
            "a fine-grained token limited to the repositories and permissions it needs would do"
        )
