"""The shipped rule files, parsed once: their YAML data cached as JSON in the user cache dir.

Importing PyYAML and parsing rules/*.yml took longer than a pre-commit hook's whole scan of ten
files. An entry holds a built-in rule file's exact text and the data `yamlio.safe_load` made of
it; it is used only while the file still has that text and patlint, yamlio and PyYAML are the
files that wrote it, so a hit returns what parsing would. The cache is JSON (never pickle),
mode 0600 in a 0700 folder, written atomically; a file that is unreadable, corrupt, not ours or
writable by others is ignored (and rewritten after the next parse). Only the shipped rules go
here: they hold no token (examples are placeholders); user rule folders and configs never do.
"""

from __future__ import annotations

import contextlib
import json
import os
from typing import Any

from patlint import __version__
from patlint.errors import ConfigError

CACHE_FILE = "rules-v1.json"
CACHE_VERSION = 1
MAX_CACHE_BYTES = 4 << 20
MAX_ENTRIES = 64  # rule files (a few per install), oldest dropped first


def cache_path() -> str:
    """$XDG_CACHE_HOME/patlint/rules-v1.json, else ~/.cache/patlint/rules-v1.json."""
    base = os.environ.get("XDG_CACHE_HOME")
    root = base if base and os.path.isabs(base) else os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(root, "patlint", CACHE_FILE)


def _file_stamp(path: str | None) -> list[Any]:
    try:
        st = os.stat(path) if path else None
    except OSError:
        st = None
    return [path, st.st_mtime_ns, st.st_size] if st is not None else [path, None, None]


def parser_stamp() -> list[Any]:
    """What a parse depends on besides the text: patlint's version, yamlio.py and PyYAML."""
    from importlib.machinery import PathFinder

    spec = PathFinder.find_spec("yaml")
    yamlio = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "yamlio.py")
    return [
        CACHE_VERSION,
        __version__,
        *_file_stamp(yamlio),
        *_file_stamp(spec.origin if spec is not None else None),
    ]


def _read_own_file(path: str) -> str | None:
    """The file's text when it is a regular file owned by this user and not writable by others."""
    from patlint.inputs import read_own

    raw = read_own(path, MAX_CACHE_BYTES)
    try:
        return raw.decode("utf-8") if raw is not None else None
    except UnicodeDecodeError:
        return None


def same_json(a: Any, b: Any) -> bool:
    """`a` and `b` are equal with the same types all the way down (JSON kept every value as is)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same_json(v, b[k]) for k, v in a.items())
    if isinstance(a, list):
        return len(a) == len(b) and all(same_json(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def checker_stamp() -> list[Any]:
    """What validating a rule depends on: patlint's version and catalog/rules.py."""
    return [
        CACHE_VERSION,
        __version__,
        *_file_stamp(os.path.join(os.path.dirname(__file__), "rules.py")),
    ]


class RuleFileCache:
    """`load` has `yamlio.safe_load`'s signature; `save` writes new entries (only when any).

    It also remembers which texts passed validation (`checked`, `mark_checked`), stamped with
    the validating code, so a start-up does not run the regular-expression guards again."""

    def __init__(self, path: str | None = None) -> None:
        self.path = path or cache_path()
        self._stamp = parser_stamp()
        self._checker = checker_stamp()
        self._entries: dict[str, dict[str, Any]] = {}
        self._dirty = False
        text = _read_own_file(self.path)
        if text is None:
            return
        try:
            data = json.loads(text)
        except (ValueError, RecursionError):
            return
        if not isinstance(data, dict) or data.get("version") != CACHE_VERSION:
            return
        entries = data.get("entries")
        if isinstance(entries, dict):
            self._entries = {
                k: v
                for k, v in entries.items()
                if isinstance(v, dict) and isinstance(v.get("text"), str) and "data" in v
            }

    def _key(self, where: str) -> str:
        # Several installs (a venv, pre-commit's own) share the file without evicting each other.
        return json.dumps([*self._stamp, where])

    def load(self, text: str, where: str, *, error: type[ConfigError] = ConfigError) -> Any:
        """The data `safe_load(text, where)` gives, from the cache when it holds this exact text."""
        key = self._key(where)
        entry = self._entries.get(key)
        if entry is not None and entry["text"] == text:
            return entry["data"]
        from patlint.yamlio import safe_load

        data = safe_load(text, where, error=error)
        try:
            kept = same_json(json.loads(json.dumps(data)), data)
        except (TypeError, ValueError, RecursionError):
            kept = False  # dates, sets, binary, NaN…: never cached, always parsed
        if kept:
            self._entries.pop(key, None)
            self._entries[key] = {"text": text, "data": data}  # newest last
            self._dirty = True
        return data

    def checked(self, text: str, where: str) -> bool:
        """True when this exact text of `where` passed validation by this same code before."""
        entry = self._entries.get(self._key(where))
        return entry is not None and entry["text"] == text and entry.get("checked") == self._checker

    def mark_checked(self, text: str, where: str) -> None:
        """Record that this text of `where` passed validation (only beside its parsed data)."""
        entry = self._entries.get(self._key(where))
        if entry is not None and entry["text"] == text and entry.get("checked") != self._checker:
            entry["checked"] = self._checker
            self._dirty = True

    def save(self) -> None:
        """Write the cache atomically (0600 file, 0700 folder); failures only cost the next parse."""
        if not self._dirty:
            return
        import tempfile

        directory = os.path.dirname(self.path)
        keep = dict(list(self._entries.items())[-MAX_ENTRIES:])
        doc = {"version": CACHE_VERSION, "entries": keep}
        tmp = None
        try:
            os.makedirs(directory, mode=0o700, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".rules-", suffix=".tmp", dir=directory)
            if hasattr(os, "fchmod"):
                os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as stream:
                json.dump(doc, stream)
            os.replace(tmp, self.path)
            tmp = None
        except OSError:
            pass
        finally:
            if tmp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
        self._dirty = False
