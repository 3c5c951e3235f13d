"""Scope checks for classic tokens: God Token, over-scoped for its context, classic at all."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from patlint.errors import ConfigError
from patlint.kinds import CLASSIC_KINDS, CLASSIC_PAT_KINDS, KIND_NAMES
from patlint.model import Candidate, Confidence, Token, TokenStatus
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


@dataclass(frozen=True, slots=True)
class ContextParams:
    """`usages` (what each known use needs), `general` (uses that may need any scope), `names`
    (conventional variable names, upper case, and the use each names), and the confidence of a
    verdict judged over only some places or over uses inferred from names."""

    usages: Mapping[str, Need]
    general: frozenset[str] = frozenset()
    names: Mapping[str, str] = field(default_factory=dict)
    partial_confidence: Confidence = Confidence.MEDIUM


_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,127}")
_KEY_PARTS = re.compile(r"[.\[\]]")
_MAX_SHOWN = 3


def key_name(key: str | None) -> str | None:
    """The variable a place's key ends in, upper case: `CR_PAT`, `jobs.x.env.NODE_AUTH_TOKEN`
    -> `NODE_AUTH_TOKEN`; None for a key that is no name (`docker login --password`)."""
    if not key or len(key) > 1024:
        return None
    last = _KEY_PARTS.split(key)[-1]
    return last.upper() if _IDENT.fullmatch(last) else None


def _need(spec: Any, w: str) -> Need:
    if not isinstance(spec, Mapping):
        raise ConfigError(f"{w}: expected a mapping (enough, minimal, fine_grained)")
    only_keys(spec, {"enough", "minimal", "fine_grained", "classic_only"}, w)
    for key in ("minimal", "fine_grained"):
        if not isinstance(spec.get(key), str) or not spec[key].strip():
            raise ConfigError(f"{w}.{key}: expected a sentence")
    classic_only = spec.get("classic_only", False)
    if not isinstance(classic_only, bool):
        raise ConfigError(f"{w}.classic_only: expected true or false")
    return Need(
        enough=scope_list(spec, "enough", w, []),
        minimal=" ".join(spec["minimal"].split()),
        fine_grained=" ".join(spec["fine_grained"].split()),
        classic_only=classic_only,
    )


def _shown(items: list[str]) -> str:
    head = items[:_MAX_SHOWN]
    more = f" and {len(items) - len(head)} more" if len(items) > len(head) else ""
    return (", ".join(head[:-1]) + " and " + head[-1] if len(head) > 1 else head[0]) + more


class ContextScopesCheck:
    """`check: context-scopes`: a token found for uses that need far fewer scopes.

    A place's use is the one its file says (a registry login, a package-manager config, a git
    credential), else the one its variable's conventional name says (`CR_PAT`). When only some
    places' uses are known, the token is judged over those, at `partial_confidence`, and the
    message names the places judged. A place of general API use (`gh`, `GH_TOKEN`) may need any
    scope: such a token is never judged.
    """

    name = "context-scopes"

    def parse_params(self, params: Mapping[str, Any], where: str) -> ContextParams:
        """Params: `usages: {usage: {enough, minimal, fine_grained, classic_only}}`,
        `general: [usage]`, `names: {NAME: usage}`, `partial_confidence: low|medium|high`."""
        only_keys(params, {"usages", "general", "names", "partial_confidence"}, where)
        usages = params.get("usages")
        if not isinstance(usages, Mapping) or not usages:
            raise ConfigError(f"{where}.usages: expected a mapping of usage to needs")
        needs = {str(u): _need(spec, f"{where}.usages.{u}") for u, spec in usages.items()}
        general = frozenset(str_list(params, "general", where, []))
        clash = sorted(general & set(needs))
        if clash:
            raise ConfigError(f"{where}.general: {', '.join(clash)} also listed under usages")
        raw = params.get("names", {})
        if not isinstance(raw, Mapping):
            raise ConfigError(f"{where}.names: expected a mapping of variable name to usage")
        names: dict[str, str] = {}
        for name, usage in raw.items():
            if not isinstance(name, str) or not _IDENT.fullmatch(name):
                raise ConfigError(f"{where}.names: {name!r} is not a variable name")
            if usage not in needs and usage not in general:
                raise ConfigError(
                    f"{where}.names.{name}: expected a usage listed under usages or general, "
                    f"got {usage!r}"
                )
            names[name.upper()] = str(usage)
        conf = params.get("partial_confidence", "medium")
        try:
            partial = Confidence.parse(conf) if isinstance(conf, str) else None
        except ValueError:
            partial = None
        if partial is None:
            raise ConfigError(f"{where}.partial_confidence: expected low, medium or high")
        return ContextParams(needs, general, names, partial)

    def place_usage(self, c: Candidate, params: ContextParams) -> tuple[str | None, str | None]:
        """The use of one place (None: unknown) and the variable name it was inferred from."""
        usage = c.context.usage
        if usage is not None and (usage in params.usages or usage in params.general):
            return usage, None
        name = key_name(c.context.key)
        if name is not None and name in params.names:
            return params.names[name], name
        return None, None

    def evaluate(
        self,
        token: Token,
        params: ContextParams,
        *,
        now: datetime,
        ctx: PolicyContext = NO_CONTEXT,
    ) -> Iterator[Verdict]:
        """A verdict when the places of known use need fewer scopes than the token holds."""
        from patlint.scopes import expand_scopes

        granted = _valid_with_scopes(token)
        if granted is None:
            return
        usages: list[str] = []
        judged: list[str] = []
        unknown: list[str] = []
        hosts: set[str] = set()
        by_name = False
        for c in token.candidates:
            usage, name = self.place_usage(c, params)
            where = c.location.where
            if usage is None:
                if where not in unknown:
                    unknown.append(where)
                continue
            if usage in params.general:
                return  # general API use (gh, GH_TOKEN): it may need any scope
            if usage not in usages:
                usages.append(usage)
            by_name = by_name or name is not None
            if c.context.host:
                hosts.add(c.context.host)
            shown = f"{where} ({name}, by its name)" if name else where
            if shown not in judged:
                judged.append(shown)
        if not usages:
            return  # no place of known use: nothing to judge against
        needs = params.usages
        justified = expand_scopes(s for u in usages for s in needs[u].enough)
        excess = sorted(s for s in granted if s not in justified)
        if not excess:
            return
        where = f" ({', '.join(sorted(hosts))})" if hosts else ""
        need_text = "; ".join(f"{u}: {needs[u].minimal}" for u in usages)
        only = "" if unknown else "only "
        message = (
            f"{token.secret.preview} is used {only}as a {' and '.join(usages)} credential{where} "
            f"but also holds {', '.join(excess)}; that use needs only {need_text}"
        )
        partial = bool(unknown) or by_name
        if partial:
            message += f"; judged on {_shown(judged)}"
            if unknown:
                message += f", not on {_shown(unknown)} (use unknown)"
        if token.secret.kind in CLASSIC_KINDS:
            message += "; better: " + "; ".join(needs[u].fine_grained for u in usages)
        yield Verdict(message, confidence=params.partial_confidence if partial else None)


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
