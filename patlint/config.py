"""`.patlint.yaml` (or `[tool.patlint]` in pyproject.toml), found from the scanned path upward."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from patlint.errors import ConfigError
from patlint.model import Severity

CONFIG_NAMES = (".patlint.yaml", ".patlint.yml")
DEFAULT_MAX_FILE_SIZE = 256 << 20
_SIZE = re.compile(r"^\s*(\d+)\s*([KMG]i?B?|B)?\s*$", re.IGNORECASE)
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True, slots=True)
class RuleOverride:
    """Per-rule settings from the config."""

    enabled: bool | None = None
    severity: Severity | None = None
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Config:
    """Validated configuration; `source` says where it came from (shown in the summary)."""

    source: str = "built-in defaults"
    extends: str = "default"
    rules: Mapping[str, RuleOverride] = field(default_factory=dict)
    enable: tuple[str, ...] = ()
    disable: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    allow: frozenset[str] = frozenset()
    rules_dirs: tuple[str, ...] = ()
    fail_on: Severity | None = None
    github_api: Mapping[str, str] = field(default_factory=dict)
    verification: Mapping[str, Any] = field(default_factory=dict)
    follow_symlinks: bool = False
    profile: str | None = None


def parse_size(value: object, where: str) -> int:
    """`1048576`, `512KB`, `100MB`, `2GiB` → bytes."""
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    m = _SIZE.match(str(value))
    if not m:
        raise ConfigError(f"{where}: expected a size such as 100MB or 1048576, got {value!r}")
    n = int(m.group(1))
    if n <= 0 or isinstance(value, bool):
        raise ConfigError(f"{where}: expected a size above zero, got {value!r}")
    unit = (m.group(2) or "B").upper()[:1]
    return n * {"B": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30}[unit]


def _str_list(value: object, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: expected a list of strings")
    return tuple(value)


def _severity(value: object, where: str) -> Severity:
    try:
        return Severity.parse(str(value))
    except ValueError as exc:
        raise ConfigError(f"{where}: {exc}") from None


def _bool(value: object, where: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{where}: expected true or false, got {value!r}")
    return value


def _rules(value: object, where: str) -> dict[str, RuleOverride]:
    if not isinstance(value, Mapping):
        raise ConfigError(f"{where}: expected a mapping of rule id to settings")
    out = {}
    for rid, settings in value.items():
        w = f"{where}.{rid}"
        if settings is None:
            settings = {}
        if not isinstance(settings, Mapping):
            raise ConfigError(f"{w}: expected a mapping (enabled, severity, params)")
        unknown = sorted(set(settings) - {"enabled", "severity", "params"})
        if unknown:
            raise ConfigError(
                f"{w}: unknown key(s) {', '.join(unknown)} (allowed: enabled, severity, params)"
            )
        params = settings.get("params", {})
        if not isinstance(params, Mapping):
            raise ConfigError(f"{w}.params: expected a mapping")
        out[str(rid)] = RuleOverride(
            enabled=_bool(settings["enabled"], f"{w}.enabled") if "enabled" in settings else None,
            severity=_severity(settings["severity"], f"{w}.severity")
            if "severity" in settings
            else None,
            params=dict(params),
        )
    return out


def _allow(value: object, where: str) -> frozenset[str]:
    items = _str_list(value, where)
    for item in items:
        if not _HEX64.match(item.lower()):
            raise ConfigError(
                f"{where}: expected SHA-256 hex digests (a finding fingerprint or a token sha256), got {item[:12]!r}…"
            )
    return frozenset(i.lower() for i in items)


def _mapping_of_urls(value: object, where: str) -> dict[str, str]:
    if not isinstance(value, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise ConfigError(f"{where}: expected a mapping of host to API URL")
    return dict(value)


VERIFICATION_KEYS = (
    "timeout",
    "connect_timeout",
    "concurrency",
    "cache_ttl",
    "max_rate_limit_wait",
    "verify_unnamed_hosts",
    "max_tokens",
    "max_tokens_per_host",
)


def _verification(value: object, where: str) -> dict[str, Any]:
    """`verification:` sub-keys (seconds, counts, a flag); unknown sub-keys are an error."""
    data = _mapping(value, where)
    unknown = sorted(str(k) for k in data if k not in VERIFICATION_KEYS)
    if unknown:
        raise ConfigError(
            f"{where}: unknown key(s) {', '.join(unknown)} (allowed: {', '.join(VERIFICATION_KEYS)})"
        )
    for key, raw in data.items():
        w = f"{where}.{key}"
        if key == "verify_unnamed_hosts":
            _bool(raw, w)
        elif key == "concurrency":
            if not isinstance(raw, int) or isinstance(raw, bool) or not 1 <= raw <= 64:
                raise ConfigError(f"{w}: expected a whole number from 1 to 64, got {raw!r}")
        elif key in ("max_tokens", "max_tokens_per_host"):
            if not isinstance(raw, int) or isinstance(raw, bool) or raw < 0:
                raise ConfigError(f"{w}: expected a whole number (0 or more), got {raw!r}")
        elif (
            not isinstance(raw, (int, float))
            or isinstance(raw, bool)
            or raw < 0
            or raw != raw  # NaN
            or (key in ("timeout", "connect_timeout") and raw == 0)
        ):
            raise ConfigError(f"{w}: expected a number of seconds, got {raw!r}")
    return data


def _mapping(value: object, where: str) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise ConfigError(f"{where}: expected a mapping")
    return dict(value)


def _extends(value: object, where: str) -> str:
    if value not in ("default", "none"):
        raise ConfigError(f"{where}: expected 'default' or 'none', got {value!r}")
    return str(value)


def _profile(value: object, where: str) -> str:
    if value not in ("repository", "workstation"):
        raise ConfigError(f"{where}: expected 'repository' or 'workstation', got {value!r}")
    return str(value)


# key → (Config field, parser). Adding a setting means one line here and one field above.
KEYS: dict[str, tuple[str, Callable[[object, str], Any]]] = {
    "extends": ("extends", _extends),
    "rules": ("rules", _rules),
    "enable": ("enable", _str_list),
    "disable": ("disable", _str_list),
    "exclude": ("exclude", _str_list),
    "max_file_size": ("max_file_size", parse_size),
    "allow": ("allow", _allow),
    "rules_dirs": ("rules_dirs", _str_list),
    "fail_on": ("fail_on", _severity),
    "github_api": ("github_api", _mapping_of_urls),
    "verification": ("verification", _verification),
    "follow_symlinks": ("follow_symlinks", _bool),
    "profile": ("profile", _profile),
}


def parse_config(data: object, source: str) -> Config:
    """Validate a config mapping; unknown keys are an error that names them."""
    if data is None:
        return Config(source=source)
    if not isinstance(data, Mapping):
        raise ConfigError(f"{source}: expected a mapping at the top level")
    unknown = sorted(str(k) for k in data if k not in KEYS)
    if unknown:
        raise ConfigError(
            f"{source}: unknown key(s): {', '.join(unknown)} (known: {', '.join(sorted(KEYS))})"
        )
    values: dict[str, Any] = {"source": source}
    for key, raw in data.items():
        fieldname, parser = KEYS[key]
        values[fieldname] = parser(raw, f"{source}: {key}")
    if values.get("rules_dirs"):
        base = Path(source).parent
        values["rules_dirs"] = tuple(str(base / d) for d in values["rules_dirs"])
    return Config(**values)


def load_file(path: Path) -> Config:
    """Load `.patlint.yaml` or the `[tool.patlint]` table of a pyproject.toml."""
    from patlint.inputs import MAX_CONFIG, read_text

    text = read_text(path, MAX_CONFIG, f"{path}: config")
    if path.name == "pyproject.toml":
        try:
            import tomllib  # type: ignore[import-not-found,unused-ignore]
        except ModuleNotFoundError:  # Python 3.10
            return _pyproject_fallback(path, text)
        try:
            doc = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: not valid TOML: {exc}") from None
        except RecursionError:
            raise ConfigError(f"{path}: not valid TOML: nested too deeply") from None
        tool = doc.get("tool", {})
        if not isinstance(tool, dict):
            raise ConfigError(f"{path}: 'tool' is not a table")
        return parse_config(tool.get("patlint"), f"{path} [tool.patlint]")
    from patlint.yamlio import safe_load

    return parse_config(safe_load(text, str(path)), str(path))


def _pyproject_fallback(path: Path, text: str) -> Config:
    if "[tool.patlint]" in text:
        raise ConfigError(f"{path}: [tool.patlint] needs Python 3.11+ (tomllib); use .patlint.yaml")
    return Config()


def discover(start: Sequence[str]) -> Path | None:
    """The nearest `.patlint.yaml` (or pyproject.toml with [tool.patlint]) from the scanned path up."""
    if not start or start[0] == "-":
        here = Path.cwd()
    else:
        here = Path(os.path.abspath(start[0]))
        if not here.is_dir():
            here = here.parent
    for directory in (here, *here.parents):
        for name in CONFIG_NAMES:
            candidate = directory / name
            if candidate.is_file():
                return candidate
        pyproject = directory / "pyproject.toml"
        if pyproject.is_file():
            from patlint.inputs import MAX_CONFIG, read_file

            try:
                if b"[tool.patlint]" in read_file(pyproject, MAX_CONFIG, str(pyproject)):
                    return pyproject
            except ConfigError:
                pass  # unreadable or larger than any config: not ours to read
        if (directory / ".git").exists():
            break  # do not leave the repository
    return None
