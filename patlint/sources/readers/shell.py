"""Shell rc files and histories (bash, zsh, fish, PowerShell): what each token on a line is for.

`export GITHUB_TOKEN=…`, `CR_PAT=…`, `set -gx GH_TOKEN …`, `$env:GH_TOKEN = …`,
`docker login ghcr.io -u me -p …`, `echo … | docker login --password-stdin` (with the token
itself, or with `$CR_PAT` exported earlier), `echo … | gh auth login --with-token`,
`git clone https://…@github.com/…`. zsh extended history (`: 1700000000:0;cmd`) and fish
history (`- cmd: …`) are unwrapped first.
"""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass

from patlint.model import Candidate, Context, PlaceFinding
from patlint.sources.readers import Reading
from patlint.sources.readers.registry import PS_HISTORY, SHELL_HISTORIES
from patlint.sources.readers.structured import (
    IN_SHELL_HISTORY,
    IN_SHELL_RC,
    basename,
    enrich,
    first_per_token,
    normalize_host,
)

_ZSH_EXT = re.compile(r"^: \d+:\d+;")
_FISH_CMD = re.compile(r"^- cmd: ")
_ASSIGN = re.compile(
    r"(?:^|[\s;&|(])(?:export\s+|local\s+|declare\s+(?:-\w+\s+)*|readonly\s+|typeset\s+(?:-\w+\s+)*)?"
    r"([A-Za-z_][A-Za-z0-9_]*)=(\S*)$"
)
_FISH_SET = re.compile(r"\bset\s+(?:-[A-Za-z]+\s+)*([A-Za-z_][A-Za-z0-9_]*)\s+\S*$")
_SETENV = re.compile(r"\bsetenv\s+([A-Za-z_][A-Za-z0-9_]*)\s+\S*$")
_PS_ENV = re.compile(r"\$env:([A-Za-z_][A-Za-z0-9_]*)\s*=\s*[\"']?$", re.IGNORECASE)
_PIPE_VAR = re.compile(r"""\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?""")


@dataclass(frozen=True, slots=True)
class Use:
    """What a command does with a secret it is given."""

    usage: str
    host: str | None
    key: str


def command_of(line: str) -> str:
    """The command on a history line, without zsh timestamps or fish's `- cmd:` wrapper."""
    if line.startswith(": "):
        m = _ZSH_EXT.match(line)
        if m:
            return line[m.end() :]
    if line.startswith("- cmd: "):
        return line[len("- cmd: ") :]
    return line


def _words(cmd: str) -> list[str]:
    try:
        return shlex.split(cmd, comments=False, posix=True)
    except ValueError:
        return cmd.split()


def consumer(cmd: str) -> Use | None:
    """What `cmd` uses a secret for: `docker login` (registry) or `gh auth login` (host)."""
    for segment in [*cmd.split("|")[1:], cmd]:
        words = _words(segment)
        if (
            len(words) >= 2
            and os.path.basename(words[0]) in ("docker", "podman", "nerdctl")
            and words[1] == "login"
        ):
            positional: list[str] = []
            skip = False
            for w in words[2:]:
                if skip:
                    skip = False
                elif w in ("-u", "--username", "-p", "--password"):
                    skip = True
                elif not w.startswith("-"):
                    positional.append(w)
            registry = normalize_host(positional[-1]) if positional else "docker.io"
            flag = "--password-stdin" if "--password-stdin" in words else "--password"
            return Use("container-registry", registry, f"docker login {flag}")
        if (
            len(words) >= 3
            and os.path.basename(words[0]) == "gh"
            and words[1:3] == ["auth", "login"]
        ):
            host = "github.com"
            if "--hostname" in words and words.index("--hostname") + 1 < len(words):
                host = words[words.index("--hostname") + 1].lower()
            elif "-h" in words and words.index("-h") + 1 < len(words):
                host = words[words.index("-h") + 1].lower()
            return Use("gh-cli", host, "gh auth login --with-token")
    return None


def variable_before(cmd: str, col: int) -> str | None:
    """The variable a token at character `col` of `cmd` is assigned to, if any."""
    before = cmd[:col]
    for rx in (_ASSIGN, _FISH_SET, _SETENV, _PS_ENV):
        m = rx.search(before.rstrip("\"'") if rx is not _PS_ENV else before)
        if m:
            return m.group(1)
    return None


_HERE_VAR = re.compile(r"""<<<\s*["']?\$\{?([A-Za-z_][A-Za-z0-9_]*)""")
_PASSWORD_VAR = re.compile(r"""(?:\s-p|--password)(?:\s+|=)["']?\$\{?([A-Za-z_][A-Za-z0-9_]*)""")
_NPM_VAR = re.compile(
    r"""//npm\.pkg\.github\.com/:_authToken[\s=]+["']?\$\{?([A-Za-z_][A-Za-z0-9_]*)""", re.I
)
_URL_VAR = re.compile(
    r"""https?://(?:[^\s/@:$]*:)?\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?@(github\.com)\b""", re.I
)
# Lines longer than this, or past this many, are not read for uses (hostile files are big).
MAX_USE_LINE = 4096
MAX_USE_LINES = 20_000


def piped_variables(lines: list[str]) -> dict[str, Use]:
    """Variables a command gives to a login or a config: `echo $CR_PAT | docker login`,
    `gh auth login --with-token <<< $T`, `docker login -p $T`,
    `npm config set //npm.pkg.github.com/:_authToken $T`, `git clone https://$T@github.com/…`.
    Only the first MAX_USE_LINES lines of at most MAX_USE_LINE characters are read."""
    out: dict[str, Use] = {}
    for line in lines[:MAX_USE_LINES]:
        if len(line) > MAX_USE_LINE or "$" not in line:
            continue
        cmd = command_of(line)
        for m in _NPM_VAR.finditer(cmd):
            out.setdefault(m.group(1), Use("npm", "npm.pkg.github.com", "npm config set"))
        for m in _URL_VAR.finditer(cmd):
            out.setdefault(
                m.group(1), Use(usage="git", host=m.group(2).lower(), key="URL credential")
            )
        if "login" not in cmd:
            continue
        use = consumer(cmd)
        if use is None:
            continue
        given = [*_HERE_VAR.finditer(cmd), *_PASSWORD_VAR.finditer(cmd)]
        if "|" in cmd:
            given += list(_PIPE_VAR.finditer(cmd.split("|", 1)[0]))
        for m in given:
            out.setdefault(m.group(1), use)
    return out


class ShellReader:
    """rc files and histories of bash, zsh, fish, ksh and PowerShell."""

    name = "shell"

    def read(self, data: bytes, rel: str, st: os.stat_result | None) -> Reading:
        """How to label the file's hits: with the variable or command each token is given to."""

        def relabel(found: Sequence[Candidate]) -> tuple[list[Candidate], list[PlaceFinding]]:
            return _relabel(data, rel, found) if found else ([], [])

        return Reading(credential_file=True, relabel=relabel)


def _relabel(
    data: bytes, rel: str, text_candidates: Sequence[Candidate]
) -> tuple[list[Candidate], list[PlaceFinding]]:
    """The text candidates again, with the variable or command each token is given to, and
    the place finding each token makes."""
    cands: list[Candidate] = []
    places: list[PlaceFinding] = []
    name = basename(rel)
    history = name in SHELL_HISTORIES or name == PS_HISTORY  # else an rc file (its row)
    kind = "shell-history" if history else "shell-rc"
    lines = data.decode("utf-8", "surrogateescape").split("\n")
    piped = piped_variables(lines)
    for c in text_candidates:
        if c.location.line is None or c.location.line > len(lines):
            cands.append(enrich(c, Context(file_type=kind, usage=kind)))
            continue
        raw = lines[c.location.line - 1].rstrip("\r")
        cmd = command_of(raw)
        shift = len(raw) - len(cmd)
        col = max(0, (c.location.column or 1) - 1 - shift)
        var = variable_before(cmd, col)
        use = piped.get(var) if var else None
        if use is None and var is None:
            use = consumer(cmd)
        if use is not None:
            ctx = Context(
                file_type=kind,
                key=var or use.key,
                host=use.host,
                usage=use.usage,
                encoding=c.context.encoding,
            )
        elif c.context.host or (c.context.key or "").endswith("URL credential"):
            ctx = Context(
                file_type=kind,
                key=var or c.context.key,
                host=c.context.host,
                usage="git" if "git" in cmd.split() or " git " in f" {cmd} " else kind,
                encoding=c.context.encoding,
            )
        else:
            ctx = Context(
                file_type=kind,
                key=var or c.context.key,
                host=None,
                usage=kind,
                encoding=c.context.encoding,
            )
        cands.append(enrich(c, ctx))
    rule = IN_SHELL_HISTORY if history else IN_SHELL_RC
    for c in first_per_token(cands):
        what = "shell history" if history else "shell start-up file"
        places.append(
            PlaceFinding(
                rule_id=rule,
                message=(
                    f"token {c.secret.preview} is written in the {what} {rel}"
                    + (f" ({c.context.key})" if c.context.key else "")
                    + (
                        "; delete the line and rotate the token"
                        if history
                        else "; load it from a secret store or credential helper instead"
                    )
                ),
                location=c.location,
                secret=c.secret,
                context=c.context,
                suppress=c.suppress,
            )
        )
    return cands, places


READER = ShellReader()
