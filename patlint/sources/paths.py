"""Paths as users see them: relative to the scan root or `~/…`, with undecodable bytes escaped."""

from __future__ import annotations

import os
import re

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def display_path(path: str) -> str:
    """A path safe to print: undecodable bytes as \\xNN, control characters escaped."""
    raw = os.fsencode(path)
    text = raw.decode("utf-8", "backslashreplace")
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def relative_to_root(path: str, root: str) -> str:
    """`path` relative to `root` (POSIX separators); `~/…` for paths under the home directory."""
    home = os.path.expanduser("~")
    if root and (path == root or path.startswith(root.rstrip(os.sep) + os.sep)):
        rel = os.path.relpath(path, root)
        if os.path.isabs(root) and root.rstrip(os.sep) == home.rstrip(os.sep):
            return "~/" + rel.replace(os.sep, "/")
        return rel.replace(os.sep, "/") if rel != "." else os.path.basename(path)
    if home and path.startswith(home.rstrip(os.sep) + os.sep):
        return "~/" + os.path.relpath(path, home).replace(os.sep, "/")
    return path.replace(os.sep, "/")
