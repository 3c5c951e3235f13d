"""Which rules run: built-in YAML, the default ruleset, user rule folders and config overrides."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from patlint.catalog.rules import YamlParser, check_unique, load_rule_files
from patlint.config import Config
from patlint.errors import ConfigError, RuleError
from patlint.model import Rule


def builtin_rules_dir() -> Path:
    """`rules/` as shipped in the wheel (patlint/rules), or beside the package in a checkout."""
    package = Path(__file__).resolve().parent.parent
    for candidate in (package / "rules", package.parent / "rules"):
        if (candidate / "detect").is_dir():
            return candidate
    raise RuleError(f"built-in rules not found under {package} (broken installation?)")


def rule_files(directory: Path) -> list[Path]:
    """YAML rule files under a rules folder (rulesets/ excluded), sorted."""
    if not directory.is_dir():
        raise ConfigError(f"{directory}: rules folder not found")
    return sorted(
        p
        for p in directory.rglob("*")
        if p.suffix in (".yml", ".yaml") and p.is_file() and "rulesets" not in p.parts
    )


def load_ruleset_ids(path: Path, *, parse: YamlParser | None = None) -> list[str]:
    """IDs listed by a ruleset file."""
    from patlint.inputs import MAX_RULES, read_text

    try:
        text = read_text(path, MAX_RULES, "ruleset")
    except ConfigError as exc:
        raise RuleError(f"{path}: cannot load {exc}") from None
    if parse is None:
        from patlint.yamlio import safe_load

        parse = safe_load

    data = parse(text, str(path), error=RuleError)
    ids = data.get("rules") if isinstance(data, dict) else None
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise RuleError(f"{path}: field 'rules': expected a list of rule ids")
    return ids


@dataclass(frozen=True, slots=True)
class RuleSet:
    """All known rules and the enabled subset, in a stable order."""

    known: tuple[Rule, ...]
    enabled: tuple[Rule, ...]

    def get(self, rule_id: str) -> Rule | None:
        """A known rule by id."""
        for rule in self.known:
            if rule.id == rule_id:
                return rule
        return None

    @property
    def detectors(self) -> tuple[Rule, ...]:
        """Enabled detection rules."""
        return tuple(r for r in self.enabled if r.kind == "detector")

    @property
    def policies(self) -> tuple[Rule, ...]:
        """Enabled policy rules."""
        return tuple(r for r in self.enabled if r.kind == "policy")


def select_rules(
    config: Config,
    *,
    extra_dirs: Iterable[str] = (),
    enable: Sequence[str] = (),
    disable: Sequence[str] = (),
) -> RuleSet:
    """Load built-in and user rules, then apply the ruleset, config and command-line switches
    (policy params are checked by the caller: engine.ruleset.build_ruleset)."""
    from patlint.catalog.cache import RuleFileCache

    base = builtin_rules_dir()
    cache = RuleFileCache()  # the shipped files only: parsed once, not on every start-up
    rules = load_rule_files(rule_files(base), parse=cache.load, memo=cache)
    default_ids = load_ruleset_ids(base / "rulesets" / "default.yml", parse=cache.load)
    cache.save()
    user_rules: list[Rule] = []
    for d in (*config.rules_dirs, *extra_dirs):
        user_rules.extend(replace(r, custom=True) for r in load_rule_files(rule_files(Path(d))))
    known = [*rules, *user_rules]
    check_unique(known)
    by_id = {r.id: r for r in known}
    for rid in default_ids:
        if rid not in by_id:
            raise RuleError(f"{base / 'rulesets' / 'default.yml'}: unknown rule id {rid!r}")
    for where, ids in (
        ("config: enable", config.enable),
        ("config: disable", config.disable),
        ("config: rules", tuple(config.rules)),
        ("--enable", tuple(enable)),
        ("--disable", tuple(disable)),
    ):
        for rid in ids:
            if rid not in by_id:
                raise ConfigError(f"{where}: unknown rule id {rid!r} (see `patlint rules`)")
    selected: list[str] = [] if config.extends == "none" else list(default_ids)
    selected = [rid for rid in selected if not by_id[rid].opt_in]
    selected += [r.id for r in user_rules if not r.opt_in]
    for rid in (*config.enable, *enable):
        if rid not in selected:
            selected.append(rid)
    for rid, override in config.rules.items():
        if override.enabled is True and rid not in selected:
            selected.append(rid)
        if override.enabled is False and rid in selected:
            selected.remove(rid)
    for rid in (*config.disable, *disable):
        if rid in selected:
            selected.remove(rid)
    enabled = []
    for rid in selected:
        rule = by_id[rid]
        ovr = config.rules.get(rid)
        if ovr is not None:
            rule = rule.with_overrides(severity=ovr.severity, params=ovr.params)
        enabled.append(rule)
    return RuleSet(known=tuple(known), enabled=tuple(enabled))
