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


def tool_files() -> list[tuple[str, str, str]]:
    """(tool, file on disk, the name its reader knows) for this user's tools."""
    home = os.path.expanduser("~")
    xdg = os.environ.get("XDG_CONFIG_HOME") or os.path.join(home, ".config")
    gh_dir = os.environ.get("GH_CONFIG_DIR") or os.path.join(xdg, "gh")
    docker_dir = os.environ.get("DOCKER_CONFIG") or os.path.join(home, ".docker")
    return [
        ("gh", os.path.join(gh_dir, "hosts.yml"), ".config/gh/hosts.yml"),
        ("docker login", os.path.join(docker_dir, "config.json"), ".docker/config.json"),
        ("git credentials", os.path.join(home, ".git-credentials"), ".git-credentials"),
        ("git credentials", os.path.join(xdg, "git", "credentials"), ".config/git/credentials"),
    ]


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
