"""git config files: tokens in remote URLs and `url.<base>.insteadOf`, `credential.helper store`,
`http.<url>.extraheader`, and the credentials `actions/checkout` persists.

Reads `.git/config` of every repository under the scanned path (the walker yields them, with
its submodules' `.git/modules/<name>/config` and worktrees' `config.worktree`), `~/.gitconfig`
and `$XDG_CONFIG_HOME/git/config`. The syntax is git's own INI dialect:
`[section "subsection"]`, `key = value`, `#`/`;` comments, quoted values.

`actions/checkout` (unless `persist-credentials: false`) leaves the job's token in the
checkout's git config until the job ends: up to v5 as `http.<server>/.extraheader =
AUTHORIZATION: basic base64(x-access-token:TOKEN)`, from v6 in a file under `$RUNNER_TEMP`
that `.git/config` includes (`includeIf.gitdir:….path = …/git-credentials-<uuid>.config`,
never read: it is outside the tree). Both make one low `checkout-persisted-credentials`
finding. The default token is an installation token (`ghs_`, the job's GITHUB_TOKEN): that
finding reports it, in place of a leak finding, and it is never sent to GitHub. Any other
token there (a PAT given as `token:`) is a leak as well and is reported as one.

Checked against actions/checkout `src/git-auth-helper.ts` (commit 033fa0dc): `tokenConfigKey =
`http.${serverUrl.origin}/.extraheader``, value `AUTHORIZATION: basic ${base64(`x-access-token:${authToken}`)}`;
v6 writes it to `$RUNNER_TEMP/git-credentials-${uuid()}.config` and adds `includeIf.gitdir:<.git>.path`,
`…/worktrees/*.path` and the `/github/workspace` container forms to `.git/config`.
"""

from __future__ import annotations

import os
import re
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass

from patlint.model import Context, Location, PlaceFinding
from patlint.sources.gitcmd import config_value
from patlint.sources.readers import Reading
from patlint.sources.readers.structured import (
    CHECKOUT_PERSISTED,
    IN_REMOTE_URL,
    PLAINTEXT_STORE,
    basename,
    cannot_parse,
    find_on_line,
)
from patlint.sources.values import TokenPlace, Value

# What actions/checkout writes: the user of its basic credential, and the name of the file under
# $RUNNER_TEMP that v6 and later include from .git/config.
CHECKOUT_USER = "x-access-token:"
_CHECKOUT_INCLUDE = re.compile(r"(?:^|[/\\])git-credentials-[0-9A-Fa-f-]+\.config$")
# Token kinds the persisted-credentials finding reports in place of a leak finding: the job's
# own installation token (GITHUB_TOKEN, or an app token given as `token:`), gone within hours.
SHORT_LIVED = frozenset({"ghs"})

_SECTION = re.compile(r'^\s*\[\s*([A-Za-z0-9.-]+)(?:\s+"((?:[^"\\]|\\.)*)")?\s*\]\s*(.*)$')
_OLD_SUB = re.compile(r"^([A-Za-z0-9-]+)\.(.+)$")
_KEYVAL = re.compile(r"^\s*([A-Za-z][A-Za-z0-9-]*)\s*(?:=\s*(.*))?$")
_USERINFO = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://([^@/\s]+)@([^/\s?#:]+)")


@dataclass(frozen=True, slots=True)
class Entry:
    """One `key = value` of a git config file."""

    section: str  # lower-case section name
    subsection: str | None
    key: str  # lower-case key
    value: str
    line: int  # 1-based
    offset: int  # byte offset of the value (or of the section header for url.*)
    value_offset: int


def parse(data: bytes) -> tuple[list[Entry], list[int]]:
    """Entries of a git config file and the line numbers it could not understand."""
    entries: list[Entry] = []
    bad: list[int] = []
    section, sub = "", None
    header_off = 0
    offset = 0
    for n, raw in enumerate(data.split(b"\n"), start=1):
        line_off = offset
        offset += len(raw) + 1
        text = raw.decode("utf-8", "surrogateescape").rstrip("\r")
        stripped = text.strip()
        if not stripped or stripped[0] in "#;":
            continue
        if stripped.startswith("["):
            m = _SECTION.match(text)
            if not m:
                bad.append(n)
                continue
            section, sub = m.group(1).lower(), m.group(2)
            if sub is None:
                old = _OLD_SUB.match(m.group(1))
                if old:
                    section, sub = old.group(1).lower(), old.group(2)
            else:
                sub = re.sub(r"\\(.)", r"\1", sub)
            header_off = line_off + text.index("[")
            rest = m.group(3).strip()
            if not rest or rest[0] in "#;":
                continue
            text = rest  # `[core] bare = false` on one line
        kv = _KEYVAL.match(text)
        if not kv or not section:
            bad.append(n)
            continue
        value = config_value(kv.group(2) or "")
        vstart = text.find(kv.group(2)) if kv.group(2) else len(text)
        entries.append(
            Entry(
                section=section,
                subsection=sub,
                key=kv.group(1).lower(),
                value=value,
                line=n,
                offset=header_off if section == "url" else line_off + vstart,
                value_offset=line_off + len(text[:vstart].encode("utf-8", "surrogateescape")),
            )
        )
    return entries, bad


def strip_userinfo(url: str) -> str:
    """`https://user:token@host/x` → `https://…@host/x` (field names must never hold a secret)."""
    return re.sub(r"^([A-Za-z][A-Za-z0-9+.-]*://)[^@/\s]+@", r"\1…@", url)


def safe_name(name: str) -> str:
    """A section or remote name as it may be shown: a token in it redacted (a remote named
    after a token is a name the file chose; context keys and messages never hold a secret)."""
    name = strip_userinfo(name)
    if len(name) < 20:  # no token is this short: skip the redactor's import
        return name
    from patlint.redaction import redact_text

    return redact_text(name)


def in_git_dir(rel: str) -> bool:
    """True for a file inside a `.git` folder (a repository's own config, not a user's)."""
    return "/.git/" in "/" + rel


def credentials_in_url(url: str) -> tuple[str, str] | None:
    """(decoded userinfo, host) of `scheme://userinfo@host/…`, or None."""
    m = _USERINFO.match(url.strip())
    if not m:
        return None
    return urllib.parse.unquote(m.group(1)), m.group(2).lower()


class GitConfigReader:
    """`.git/config`, `.gitconfig`, `git/config`, and in `.git`: submodules' `modules/…/config`
    and worktrees' `config.worktree` (the walker yields those of a home scan)."""

    name = "git-config"

    def matches(self, rel: str) -> bool:
        """Asked for a `config` or `config.worktree` its row does not name: a submodule's
        (`.git/modules/…/config`), a worktree's, a bare repository's (`name.git/config`)."""
        if rel.endswith("git/config"):
            return True
        inside = "/" + rel
        if basename(rel) == "config":
            return "/.git/modules/" in inside
        return "/.git/" in inside

    def read(self, data: bytes, rel: str, st: os.stat_result | None) -> Reading:
        """Remote URLs with credentials, url rewrites with credentials, plaintext helpers."""
        out = Reading(credential_file=True)
        entries, bad = parse(data)
        if bad and not entries:
            out.notices.append(cannot_parse(rel, f"not a git config file (line {bad[0]})"))
            return out
        checkout = in_git_dir(rel)
        included = False
        for e in _interesting(entries):
            if e.section in ("include", "includeif"):
                if checkout and not included and _CHECKOUT_INCLUDE.search(e.value):
                    included = True  # v6 writes four of them (host, container, worktrees)
                    out.places.append(_included_credentials(e, rel))
                continue
            if e.section == "credential" and e.key == "helper":
                if e.value.split(" ", 1)[0] == "store":
                    scope = f" for {safe_name(e.subsection)}" if e.subsection else ""
                    out.places.append(
                        PlaceFinding(
                            rule_id=PLAINTEXT_STORE,
                            message=(
                                f"credential.helper store{scope} keeps git passwords and tokens "
                                "in plaintext (~/.git-credentials); use a keychain helper"
                            ),
                            location=Location(rel, e.line, None, e.value_offset),
                            context=Context(file_type="git-config", key="credential.helper"),
                        )
                    )
                continue
            if e.section == "url":
                url = e.subsection or ""
                field = f"url.{safe_name(url)}.{e.key}"
            else:
                url = e.value
                field = (
                    f"{e.section}.{safe_name(e.subsection)}.{e.key}"
                    if e.subsection
                    else f"{e.section}.{e.key}"
                )
            creds = credentials_in_url(url)
            if creds is None:
                if e.section == "http" and e.key == "extraheader":
                    out.values.append(_header(e, checkout=checkout))
                continue
            userinfo, host = creds
            ctx = Context(file_type="git-config", key=field, host=host, usage="git")
            what = "remote" if e.section == "remote" else "URL rewrite"
            in_url = TokenPlace(
                IN_REMOTE_URL,
                f"token embedded in the {what} URL {field} for {host}; "
                "remove it (git remote set-url) and use a credential helper",
                scope=f"{e.line}:{field}",
            )
            offset = e.offset if e.section == "url" else e.value_offset
            for part in userinfo.split(":", 1)[::-1]:
                written = find_on_line(data, part, offset)
                out.values.append(Value(part, ctx, offset, written_at=written, place=in_url))
        return out


def _header(e: Entry, *, checkout: bool) -> Value:
    """The value of `http.<url>.extraheader`: `AUTHORIZATION: basic <base64>` decoded (what
    actions/checkout persists); any other header as written."""
    import base64
    import binascii

    host = None
    if e.subsection:
        host = (urllib.parse.urlsplit(e.subsection).hostname or "").lower() or None
    key = f"http.{safe_name(e.subsection) + '.' if e.subsection else ''}extraheader"
    ctx = Context(file_type="git-config", key=key, host=host or "github.com", usage="git")
    value = e.value
    parts = value.split()
    if len(parts) >= 3 and parts[0].lower() == "authorization:" and parts[1].lower() == "basic":
        try:
            value = base64.b64decode(parts[2] + "=" * (-len(parts[2]) % 4)).decode(
                "utf-8", "surrogateescape"
            )
        except (binascii.Error, ValueError):
            value = e.value
    place = None
    if checkout and value.startswith(CHECKOUT_USER):
        place = TokenPlace(
            CHECKOUT_PERSISTED,
            f"actions/checkout persisted its token in {key}: every later step of the job, and "
            "anything that uploads or caches the workspace, can read it; set "
            "`persist-credentials: false` on actions/checkout",
            scope=f"{e.line}:{key}",
            absorbs=SHORT_LIVED,
        )
    return Value(value, ctx, e.value_offset, place=place)


def _included_credentials(e: Entry, rel: str) -> PlaceFinding:
    """actions/checkout v6+: `.git/config` includes its credentials file (not read: outside)."""
    name = basename(e.value.replace("\\", "/"))
    return PlaceFinding(
        rule_id=CHECKOUT_PERSISTED,
        message=(
            f"actions/checkout persisted its token in {name} (outside the tree, not read), which "
            f"{rel} includes: every later step of the job can use it; set "
            "`persist-credentials: false` on actions/checkout"
        ),
        location=Location(rel, e.line, None, e.value_offset),
        context=Context(file_type="git-config", key=f"{e.section}.path"),
    )


def _interesting(entries: list[Entry]) -> Iterator[Entry]:
    for e in entries:
        if (
            (e.section == "remote" and e.key in ("url", "pushurl"))
            or (e.section == "url" and e.key in ("insteadof", "pushinsteadof"))
            or (e.section == "credential" and e.key == "helper")
            or (e.section == "http" and e.key == "extraheader")
            or (e.section == "submodule" and e.key == "url")
            or (e.section in ("include", "includeif") and e.key == "path")
        ):
            yield e


READER = GitConfigReader()
