"""The scan profiles: what `patlint scan ~` walks, prunes and adds (env, credential helpers),
and what a repository scan adds (its repositories' git config files).

The CLI calls `plan_scan` once with its flags; the result says which roots and walk options
to use and which extra values (environment variables, helper secrets) the engine searches too.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from patlint.sources import platform
from patlint.sources.tree import WalkOptions
from patlint.sources.values import Value


@dataclass(frozen=True, slots=True)
class ScanPlan:
    """Roots, walk options and extra values to search for one `patlint scan`."""

    profile: str
    roots: list[str]
    walk: WalkOptions
    values: list[Value] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)


def choose_profile(roots: Sequence[str], requested: str | None) -> str:
    """The requested profile, else `workstation` when a root is the home directory."""
    if requested:
        return requested
    if any(r != "-" and platform.is_home(r) for r in roots):
        return "workstation"
    return "repository"


def workstation_walk(walk: WalkOptions, *, scan_all: bool) -> WalkOptions:
    """Prune caches and dependency trees (unless `scan_all`), still read credential files,
    read each repository's `.git/config`, and ignore a dotfiles repository's .gitignore."""
    return replace(
        walk,
        prune_dirs=frozenset() if scan_all else walk.prune_dirs | platform.PRUNE_DIRS,
        always_include=(*walk.always_include, *platform.always_include()),
        use_gitignore=False,
        read_git_config=True,
    )


def repository_walk(walk: WalkOptions) -> WalkOptions:
    """A repository scan reads the git config files of the repositories inside the scanned
    folders too (`.git/config`, submodules' and worktrees' configs; nothing else in `.git`):
    a token in a remote URL sits on the disk of every clone."""
    return replace(walk, read_git_config=True)


def plan_scan(
    roots: Sequence[str],
    walk: WalkOptions,
    *,
    profile: str | None,
    scan_all: bool = False,
    scan_env: bool = False,
    credential_helpers: bool = False,
    environ: Mapping[str, str] | None = None,
    helper_timeout: float = 5.0,
) -> ScanPlan:
    """Everything the flags `--profile`, `--all`, `--env`, `--credential-helpers` change."""
    env = os.environ if environ is None else environ
    chosen = choose_profile(roots, profile)
    out_roots = list(roots)
    notices: list[str] = []
    if chosen == "workstation":
        walk = workstation_walk(walk, scan_all=scan_all)
        out_roots += platform.outside_roots(roots, env)
    else:
        walk = repository_walk(walk)
    values: list[Value] = []
    if scan_env:
        from patlint.sources.env import env_values

        values += env_values(env)
    if credential_helpers:
        from patlint.sources.readers.docker_config import ask_helpers

        configs = [
            p
            for kind, p in platform.credential_files(env)
            if kind == "docker_config" and os.path.isfile(p)
        ]
        asked = ask_helpers(configs, timeout=helper_timeout, env=env)
        values += asked.values
        notices += asked.notices
    return ScanPlan(chosen, out_roots, walk, values, notices)
