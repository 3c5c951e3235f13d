"""Paths as users see them: relative to the scan root, or `~/…` under the home directory."""

from __future__ import annotations

import os


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
