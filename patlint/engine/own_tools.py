"""The tokens this machine's own tools log in with: gh (hosts.yml), Docker (config.json) and
git's plaintext credential store. Revoking one breaks the tool, so `revoke` names it first.

Each file is read like a scanned one (regular files only, size-capped, never following a FIFO),
under the name its reader knows, so a Docker `auth` entry is decoded as in a scan.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from patlint.detectors.pattern import Detector

MAX_SIZE = 4 << 20  # a credential file larger than this is not one a tool wrote


# The credential files (by their reader's registry row) whose tools log in with their token.
_TOOLS = {"gh_hosts": "gh", "docker_config": "docker login", "git_credentials": "git credentials"}


def tool_files() -> list[tuple[str, str, str]]:
    """(tool, file on disk, the name its reader knows) for this user's tools: where the
    registry rows say those files live (`patlint.sources.platform.credential_files`)."""
    from patlint.sources.paths import relative_to_root
    from patlint.sources.platform import credential_files

    out = []
    for module, path in credential_files():
        if module in _TOOLS:
            tool = "hub" if os.path.basename(path) == "hub" else _TOOLS[module]
            out.append((tool, path, relative_to_root(path, "")))
    return out


def _shown(path: str) -> str:
    home = os.path.expanduser("~").rstrip("/")
    return "~" + path[len(home) :] if home and path.startswith(home + "/") else path


def used_by(digests: Iterable[str], detector: Detector) -> dict[str, list[str]]:
    """For each of `digests` that a tool logs in with: `tool (file)` for each such file."""
    from patlint.engine.filescan import scan_path

    wanted = set(digests)
    out: dict[str, list[str]] = {}
    if not wanted:
        return out
    for tool, path, name in tool_files():
        if not os.path.isfile(path):
            continue
        found = scan_path(path, name, detector, max_size=MAX_SIZE)
        for c in found.candidates:
            if c.secret.digest in wanted:
                place = f"{tool} ({_shown(path)})"
                if place not in out.setdefault(c.secret.digest, []):
                    out[c.secret.digest].append(place)
    return out
