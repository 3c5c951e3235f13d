"""Run git on a repository patlint does not trust: nothing the repository configures may execute.

A scanned tree is hostile, and so is its git metadata: `.git/config` (or the config of a git
directory a `.git` *file* points to, or of a bare repository embedded in the tree) can name
programs that git runs on its own: `core.fsmonitor` on every index read (`git ls-files`),
`gpg.program` under `log.showSignature`, a remote's `uploadpack`, `core.sshCommand`, an `ext::`
URL or a credential helper when git lazily fetches a missing object of a partial clone, a pager,
hooks. Every git command patlint runs is built here, and:

- command-line `-c` settings win over every config file, so the repository's `core.fsmonitor`,
  `core.untrackedCache`, `core.hooksPath`, `credential.helper`, `log.showSignature` and
  `core.useReplaceRefs` (replace refs would hide the real blobs) are overridden;
- `GIT_ALLOW_PROTOCOL` set to nothing forbids every transport (file, ssh, http, ext, remote
  helpers) whatever `protocol.*` the repository sets, so no fetch can start on any git
  version; `GIT_NO_LAZY_FETCH=1` also stops the attempt (git 2.39.4, 2.40.2 … and 2.44+);
- `GIT_TERMINAL_PROMPT=0` and an empty `GIT_ASKPASS` (which also disables `core.askPass`):
  nothing prompts; `GIT_OPTIONAL_LOCKS=0`: nothing rewrites the index; `--no-pager`;
- for a tree scan (`tree=True`), `safe.bareRepository=explicit`: a bare repository embedded
  in the scanned tree is never picked up by git's discovery (git 2.38+; older gits ignore it,
  and the rest still holds).

System and user git configuration (`/etc/gitconfig`, `~/.gitconfig`) and the environment are
the user's own and stay in force, except for the settings above.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

# Each pair is a `-c` given to every git command (command-line config beats every file).
HARDENING: tuple[tuple[str, str], ...] = (
    ("core.fsmonitor", "false"),  # a path here is a program git runs when it reads the index
    ("core.untrackedCache", "false"),  # no index rewrite on our account
    ("core.hooksPath", os.devnull),  # no hook runs (none of our commands should run one)
    ("credential.helper", ""),  # an empty value clears the list: no helper program
    ("log.showSignature", "false"),  # would run gpg.program for every signed commit
    ("core.useReplaceRefs", "false"),  # refs/replace/* must not swap the blobs we read
    ("protocol.allow", "never"),  # with GIT_ALLOW_PROTOCOL below: no transport at all
)
TREE_HARDENING: tuple[tuple[str, str], ...] = (("safe.bareRepository", "explicit"),)

ENV: Mapping[str, str] = {
    "GIT_ALLOW_PROTOCOL": "",  # an empty allow-list: every transport refused, config or not
    "GIT_NO_LAZY_FETCH": "1",  # a partial clone does not fetch what it lacks
    "GIT_TERMINAL_PROMPT": "0",
    "GIT_ASKPASS": "",  # set but empty: git skips core.askPass too
    "GIT_OPTIONAL_LOCKS": "0",
    "GIT_NO_REPLACE_OBJECTS": "1",
}


def argv(repo: str, *args: str, tree: bool = False) -> list[str]:
    """`git --no-pager -c … -C repo ARGS`: the command line for one git command."""
    out = ["git", "--no-pager"]
    for key, value in (*HARDENING, *(TREE_HARDENING if tree else ())):
        out += ["-c", f"{key}={value}"]
    return [*out, "-C", repo, *args]


def env() -> dict[str, str]:
    """The process environment for git: the user's own, plus the settings in `ENV`."""
    out = dict(os.environ)
    out.update(ENV)
    out.pop("GIT_PAGER", None)
    return out


# --- fetching a fleet's mirrors (`scan --repos`, `merge`) ---------------------------------------
#
# A fetch needs a transport, so it cannot run under `ENV` above. The URL is the user's (listed
# in the --repos file, which is trusted); what the remote sends is not. So a fetch gets exactly
# the URL's own protocol (`GIT_ALLOW_PROTOCOL=https`, `ssh` or `file`: a redirect or a
# submodule to another transport is refused), runs no hook (`core.hooksPath`), recurses into
# no submodule, leaves no background maintenance behind, and never prompts (no terminal, empty
# askpass programs, `GIT_TERMINAL_PROMPT=0`, ssh in batch mode through SSH_ASKPASS_REQUIRE).
# The user's own credential helpers and `url.<base>.insteadOf` (system and global config) stay
# in force: that is how a private repository is reached. The mirror's own config is the one
# `git clone --mirror` wrote in patlint's cache folder, which only the user can write.
FETCH_HARDENING: tuple[tuple[str, str], ...] = (
    ("core.fsmonitor", "false"),
    ("core.hooksPath", os.devnull),  # reference-transaction and every other hook: none
    ("core.useReplaceRefs", "false"),
    ("log.showSignature", "false"),
    ("fetch.recurseSubmodules", "false"),
    ("submodule.recurse", "false"),
    ("gc.auto", "0"),  # no `gc --auto` detached into the background after we are gone
    ("maintenance.auto", "false"),
    ("protocol.allow", "never"),  # GIT_ALLOW_PROTOCOL below lets exactly one through
)
FETCH_PROTOCOLS = ("https", "ssh", "file")
MIRROR_REFSPEC = "+refs/*:refs/*"  # every ref the remote advertises: branches, tags, notes, PRs


def _fetch_prefix() -> list[str]:
    out = ["git", "--no-pager"]
    for key, value in FETCH_HARDENING:
        out += ["-c", f"{key}={value}"]
    return out


def clone_mirror_argv(url: str, dest: str) -> list[str]:
    """`git clone --mirror` of `url` into `dest` (a new folder): bare, every ref, no template."""
    return [*_fetch_prefix(), "clone", "--mirror", "--quiet", "--template=", "--", url, dest]


def fetch_mirror_argv(mirror: str, url: str) -> list[str]:
    """`git fetch` of every ref of `url` into an existing mirror (refs the remote dropped stay:
    what was leaked once is still scanned)."""
    return [
        *_fetch_prefix(),
        "-C",
        mirror,
        "fetch",
        "--quiet",
        "--no-write-fetch-head",
        "--no-recurse-submodules",
        "--",
        url,
        MIRROR_REFSPEC,
    ]


def fetch_env(protocol: str) -> dict[str, str]:
    """The environment of a fetch: the user's own, allowing exactly `protocol`, no prompts."""
    if protocol not in FETCH_PROTOCOLS:
        raise ValueError(f"no fetch over {protocol!r}")
    out = dict(os.environ)
    out.update(
        {
            "GIT_ALLOW_PROTOCOL": protocol,
            "GIT_TERMINAL_PROMPT": "0",
            "GIT_ASKPASS": "",
            "SSH_ASKPASS": "",
            "SSH_ASKPASS_REQUIRE": "never",
            "GIT_NO_REPLACE_OBJECTS": "1",
            "GIT_OPTIONAL_LOCKS": "0",
        }
    )
    for name in ("GIT_PAGER", "GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY"):
        out.pop(name, None)  # a fetch into a mirror must not be pointed elsewhere
    return out


def config_value(raw: str) -> str:
    """A git config value as git reads it: quotes dropped, `\\`-escapes resolved, a `;` or `#`
    outside quotes starts a comment (`path = x ; y` names `x`)."""
    out: list[str] = []
    quoted, i = False, 0
    while i < len(raw):
        c = raw[i]
        if c == '"':
            quoted = not quoted
        elif c == "\\" and i + 1 < len(raw):
            i += 1
            out.append({"n": "\n", "t": "\t", "b": "\b"}.get(raw[i], raw[i]))
        elif c in ";#" and not quoted:
            break
        else:
            out.append(c)
        i += 1
    return "".join(out).strip()
