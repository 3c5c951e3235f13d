"""Configuration, trusted and not.

Trusted: command-line flags, `--config FILE`, the user's own config
(`$XDG_CONFIG_HOME/patlint/config.yaml`, default `~/.config/patlint/config.yaml`) and the
environment. Not trusted: a `.patlint.yaml` / `.patlint.yml` / `[tool.patlint]` in
pyproject.toml *discovered* in the scanned tree, from the scanned path up to the repository
root (outside a repository: the scanned folder only). A discovered config may only narrow what
is reported (`NARROWING`); each narrowing is named in the summary. Keys that choose where a
token goes, widen what is read or load rules (`TRUSTED_ONLY`) are a configuration error there
unless the user passes `--trust-repo-config`. A config file owned by another user, or writable
by others, is never used (a notice says so).
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from patlint.errors import ConfigError
from patlint.inputs import MAX_CONFIG as CONFIG_MAX_BYTES
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
    # what a discovered (untrusted) config narrowed, one entry each (shown in the summary)
    narrowed: tuple[str, ...] = ()
    # config files found but not used (owned by another user, writable by others, …)
    notices: tuple[str, ...] = ()


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


def _patterns(value: object, where: str) -> tuple[str, ...]:
    """gitignore-style patterns, each one git would take."""
    from patlint.ignorespec import PatternError, check

    items = _str_list(value, where)
    for item in items:
        try:
            check(item)
        except PatternError as exc:
            raise ConfigError(f"{where}: {item!r}: {exc}") from None
    return items


# What a discovered `exclude` may hold: matching stays linear whatever the patterns, but each
# pattern is paid for on every path of the walk (and longer ones on deep paths).
UNTRUSTED_EXCLUDE_MAX = 1000
UNTRUSTED_PATTERN_MAX = 256


def _bound_untrusted(found: Config, source: str) -> None:
    """ConfigError when a discovered config's `exclude` is longer than a tree needs."""
    if len(found.exclude) > UNTRUSTED_EXCLUDE_MAX:
        raise ConfigError(
            f"{source}: exclude: {len(found.exclude)} patterns, more than the "
            f"{UNTRUSTED_EXCLUDE_MAX} a config found in the scanned tree may set; "
            + _trusted_places("")
        )
    for pattern in found.exclude:
        if len(pattern) > UNTRUSTED_PATTERN_MAX:
            from patlint.redaction import redact_text  # cut after redaction, never before

            raise ConfigError(
                f"{source}: exclude: a pattern of {len(pattern)} characters, longer than the "
                f"{UNTRUSTED_PATTERN_MAX} a config found in the scanned tree may set: "
                f"{redact_text(pattern)[:40]!r}…; " + _trusted_places("")
            )


def _allow(value: object, where: str) -> frozenset[str]:
    items = _str_list(value, where)
    for n, item in enumerate(items, 1):
        if not _HEX64.match(item.lower()):
            # Nothing of the entry is shown: it may be the token itself, pasted by mistake.
            raise ConfigError(
                f"{where}: entry {n} is not a SHA-256 hex digest (a finding fingerprint or a "
                "token sha256); if it is a token, use its sha256 from "
                "`patlint scan --format json` instead"
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
    "exclude": ("exclude", _patterns),
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
    """Load `.patlint.yaml` or the `[tool.patlint]` table of a pyproject.toml (a trusted file)."""
    from patlint.inputs import read_text

    text = read_text(path, CONFIG_MAX_BYTES, f"{path}: config")
    data, source = _parse_text(path, text)
    return parse_config(data, source)


def _parse_text(path: Path, text: str) -> tuple[object, str]:
    """The config mapping in a file's text (None when a pyproject.toml has no table), and the
    source label shown in the summary."""
    if path.name == "pyproject.toml":
        try:
            import tomllib  # type: ignore[import-not-found,unused-ignore]
        except ModuleNotFoundError:  # Python 3.10
            if "[tool.patlint]" in text:
                raise ConfigError(
                    f"{path}: [tool.patlint] needs Python 3.11+ (tomllib); use .patlint.yaml"
                ) from None
            return None, "built-in defaults"
        try:
            doc = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: not valid TOML: {exc}") from None
        except RecursionError:
            raise ConfigError(f"{path}: not valid TOML: nested too deeply") from None
        tool = doc.get("tool", {})
        if not isinstance(tool, dict):
            raise ConfigError(f"{path}: 'tool' is not a table")
        return tool.get("patlint"), f"{path} [tool.patlint]"
    from patlint.yamlio import safe_load

    return safe_load(text, str(path)), str(path)


# --- where configuration comes from ------------------------------------------------------------


def user_config_path() -> Path:
    """The user's own config: `$XDG_CONFIG_HOME/patlint/config.yaml` (an absolute
    XDG_CONFIG_HOME, as the XDG spec says), else `~/.config/patlint/config.yaml`."""
    base = os.environ.get("XDG_CONFIG_HOME", "")
    if not os.path.isabs(base):
        base = os.path.join(os.path.expanduser("~"), ".config")
    return Path(base) / "patlint" / "config.yaml"


def discover(start: Sequence[str]) -> Path | None:
    """The nearest config file from the scanned path up to the repository root (the folder
    holding `.git`); outside a repository, the scanned folder only (never up to `/`)."""
    if not start or start[0] == "-":
        here = Path.cwd()
    else:
        here = Path(os.path.abspath(start[0]))
        if not here.is_dir():
            here = here.parent
    for directory in _search_dirs(here):
        for name in CONFIG_NAMES:
            candidate = directory / name
            if os.path.lexists(candidate):
                return candidate
        pyproject = directory / "pyproject.toml"
        text = _read_text_no_follow(pyproject)
        if text is not None and "[tool.patlint]" in text:
            return pyproject
    return None


def _search_dirs(here: Path) -> list[Path]:
    """`here` and its parents up to the first one holding `.git`; just `here` when none does."""
    chain = [here, *here.parents]
    for i, directory in enumerate(chain):
        if os.path.lexists(directory / ".git"):
            return chain[: i + 1]
    return [here]


def _read_text_no_follow(path: Path) -> str | None:
    """A regular file's text (not through a link, at most CONFIG_MAX_BYTES), or None."""
    try:
        fd = os.open(path, _NO_FOLLOW_FLAGS)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        return os.read(fd, CONFIG_MAX_BYTES).decode("utf-8", "replace")
    except OSError:
        return None
    finally:
        os.close(fd)


_NO_FOLLOW_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_CLOEXEC", 0)
)


def read_owned(path: Path) -> tuple[str | None, str]:
    """A config file's text when it is safe to use, else None and why not.

    Safe: a regular file (not a link, FIFO or device), owned by the user running patlint,
    not writable by others, and writable by its group only when that group is the owner's
    private group (the user-private-group layout that a 0002 umask assumes). The checks are
    made on the opened file, so a swap between check and read changes nothing.
    """
    try:
        fd = os.open(path, _NO_FOLLOW_FLAGS)
    except OSError as exc:
        if getattr(os, "O_NOFOLLOW", 0) and os.path.islink(path):
            return None, "a symbolic link (not followed)"
        return None, f"cannot read it ({exc.strerror or exc.__class__.__name__})"
    try:
        st = os.fstat(fd)
        problem = _ownership_problem(st)
        if problem:
            return None, problem
        data = os.read(fd, CONFIG_MAX_BYTES + 1)
    except OSError as exc:
        return None, f"cannot read it ({exc.strerror or exc.__class__.__name__})"
    finally:
        os.close(fd)
    if len(data) > CONFIG_MAX_BYTES:
        raise ConfigError(f"{path}: larger than {CONFIG_MAX_BYTES >> 20} MiB: not a config file")
    try:
        return data.decode("utf-8"), ""
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: cannot read config: {exc}") from None


def _ownership_problem(st: os.stat_result) -> str | None:
    """Why a config file with this status must not be used, or None."""
    if not stat.S_ISREG(st.st_mode):
        return "not a regular file"
    geteuid = getattr(os, "geteuid", None)
    if geteuid is None:  # Windows: no POSIX owners and modes to judge
        return None
    uid = geteuid()
    if st.st_uid != uid:
        return f"owned by uid {st.st_uid}, not by the user running patlint (uid {uid})"
    if st.st_mode & stat.S_IWOTH:
        return "writable by others"
    if st.st_mode & stat.S_IWGRP and not _private_group(st.st_gid, uid):
        return f"writable by group {st.st_gid}, which is not your private group"
    return None


def _private_group(gid: int, uid: int) -> bool:
    """True when `gid` is the user's own group: their primary group, of their name, with no
    other listed member."""
    try:
        import grp
        import pwd

        user = pwd.getpwuid(uid)
        group = grp.getgrgid(gid)
    except (ImportError, KeyError):
        return False
    return (
        gid == user.pw_gid and group.gr_name == user.pw_name and set(group.gr_mem) <= {user.pw_name}
    )


# --- the trust split ---------------------------------------------------------------------------

# Keys a discovered config may never set (without --trust-repo-config): why, and the flag that
# sets the same from a trusted place.
TRUSTED_ONLY: dict[str, tuple[str, str]] = {
    "github_api": ("it chooses where tokens are sent", "--github-api HOST=URL"),
    "verification": ("it chooses how and where tokens are sent", ""),
    "profile": ("it widens what is read beyond the scanned tree", "--profile"),
    "rules_dirs": ("it loads rules (regular expressions) from files", "--rules DIR"),
}
# Keys a discovered config may set only in the narrowing direction.
WIDENING_VALUES: dict[str, tuple[str, str]] = {
    "follow_symlinks": ("true widens what is read", "--follow-symlinks"),
    "max_file_size": ("a larger limit than the trusted one widens what is read", "--max-file-size"),
}
# What a discovered config may set: each narrows (or only adds findings: `enable`). Any other
# key of `KEYS` is refused there, so a new setting is trusted-only until it is listed here.
NARROWING = (
    "extends",
    "rules",
    "enable",
    "disable",
    "exclude",
    "allow",
    "fail_on",
    "max_file_size",
    "follow_symlinks",
)


def resolve(
    roots: Sequence[str],
    *,
    config_file: str | None = None,
    no_repo_config: bool = False,
    trust_repo_config: bool = False,
) -> Config:
    """The configuration of a scan of `roots`: `--config FILE` alone when given; else the user
    config (when there is one) with the discovered config on top, narrowing only unless
    `trust_repo_config`."""
    if config_file:
        return load_file(Path(config_file))
    base, notices = _user_config()
    if no_repo_config:
        return replace(base, source=f"{base.source} (--no-repo-config)", notices=tuple(notices))
    found = discover(roots)
    if found is None:
        return replace(base, notices=tuple(notices))
    text, problem = read_owned(found)
    if text is None:
        notices.append(f"config: {found} ignored: {problem}")
        return replace(base, notices=tuple(notices))
    data, source = _parse_text(found, text)
    if data is None:  # a pyproject.toml without the table
        return replace(base, notices=tuple(notices))
    if not isinstance(data, Mapping):
        raise ConfigError(f"{source}: expected a mapping at the top level")
    if not trust_repo_config:
        _refuse_trusted_only(data, source)
    found_cfg = parse_config(data, source)
    if not trust_repo_config:
        _refuse_widening(found_cfg, data, source, base)
        _bound_untrusted(found_cfg, source)
    merged = merge(base, found_cfg, data, trusted=trust_repo_config)
    return replace(merged, notices=tuple(notices))


def resolve_trusted(config_file: str | None) -> Config:
    """The trusted configuration alone: `--config FILE`, else the user config. What a fleet
    scan and `patlint merge` use: there is no one scanned tree to discover a config in."""
    if config_file:
        return load_file(Path(config_file))
    base, notices = _user_config()
    return replace(base, notices=tuple(notices))


def _user_config() -> tuple[Config, list[str]]:
    path = user_config_path()
    if not os.path.lexists(path):
        return Config(), []
    text, problem = read_owned(path)
    if text is None:
        return Config(), [f"config: {path} ignored: {problem}"]
    data, source = _parse_text(path, text)
    return parse_config(data, source), []


def _trusted_places(flag: str) -> str:
    where = f"--config FILE or your user config {user_config_path()}"
    if flag:
        where = f"--config FILE, your user config {user_config_path()} or the flag {flag}"
    return f"set it in a trusted place ({where}), or pass --trust-repo-config to trust this file"


def _refuse_trusted_only(data: Mapping[str, Any], source: str) -> None:
    """ConfigError naming the first key a discovered config may not set, why, and where it goes
    (unknown keys are left to `parse_config`, which names them all)."""
    for key in data:
        if key in KEYS and key not in NARROWING:
            why, flag = TRUSTED_ONLY.get(key, ("it does not only narrow what is reported", ""))
            raise ConfigError(
                f"{source}: {key}: not taken from a config found in the scanned tree ({why}); "
                + _trusted_places(flag)
            )


def _refuse_widening(found: Config, data: Mapping[str, Any], source: str, base: Config) -> None:
    for key, (why, flag) in WIDENING_VALUES.items():
        if key not in data:
            continue
        widens = (
            found.follow_symlinks and not base.follow_symlinks
            if key == "follow_symlinks"
            else found.max_file_size > base.max_file_size
        )
        if widens:
            raise ConfigError(
                f"{source}: {key}: not taken from a config found in the scanned tree ({why}); "
                + _trusted_places(flag)
            )


def merge(base: Config, found: Config, data: Mapping[str, Any], *, trusted: bool) -> Config:
    """`found` (a discovered config whose keys are `data`) on top of `base`: lists add up,
    per-rule settings win, and each narrowing is named in `narrowed`."""
    narrowed: list[str] = []
    rules = dict(base.rules)
    for rid, ovr in found.rules.items():
        was = rules.get(rid, RuleOverride())
        rules[rid] = RuleOverride(
            enabled=ovr.enabled if ovr.enabled is not None else was.enabled,
            severity=ovr.severity if ovr.severity is not None else was.severity,
            params={**was.params, **ovr.params},
        )
        if ovr.enabled is False:
            narrowed.append(f"disable {rid}")
        if ovr.severity is not None:
            narrowed.append(f"rules.{rid}.severity {ovr.severity.label}")
        narrowed += [f"rules.{rid}.params.{k}" for k in ovr.params]
    narrowed += [f"disable {rid}" for rid in found.disable]
    narrowed += [f"exclude {pattern}" for pattern in found.exclude]
    narrowed += [f"allow {digest[:12]}…" for digest in sorted(found.allow)]
    values: dict[str, Any] = {
        "source": f"{base.source} + {found.source}"
        if base.source != "built-in defaults"
        else found.source,
        "rules": rules,
        "enable": (*base.enable, *found.enable),
        "disable": (*base.disable, *found.disable),
        "exclude": (*base.exclude, *found.exclude),
        "allow": base.allow | found.allow,
    }
    if "extends" in data and found.extends == "none":
        values["extends"] = "none"
        narrowed.append("extends none")
    if "fail_on" in data and found.fail_on is not None:
        values["fail_on"] = found.fail_on
        if found.fail_on > (base.fail_on or Severity.LOW):  # fewer findings fail the run
            narrowed.append(f"fail_on {found.fail_on.label}")
    if "max_file_size" in data and found.max_file_size != base.max_file_size:
        values["max_file_size"] = found.max_file_size
        if found.max_file_size < base.max_file_size:
            narrowed.append(f"max_file_size {found.max_file_size}")
    if trusted:  # --trust-repo-config: the keys a discovered config may not set otherwise
        if "extends" in data:
            values["extends"] = found.extends
        if "follow_symlinks" in data:
            values["follow_symlinks"] = found.follow_symlinks
        values["github_api"] = {**base.github_api, **found.github_api}
        values["verification"] = {**base.verification, **found.verification}
        values["rules_dirs"] = (*base.rules_dirs, *found.rules_dirs)
        if found.profile is not None:
            values["profile"] = found.profile
    return replace(base, narrowed=tuple(narrowed), **values)
