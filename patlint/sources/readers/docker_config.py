"""Docker `config.json` (and Podman `auth.json`, legacy `.dockercfg`): registry credentials.

`auths.<registry>.auth` is base64 of `user:password`; for GitHub registries the password is a
token. `identitytoken`, `registrytoken` and `password` may hold one too. `credsStore` and
`credHelpers` mean the secret lives in a helper: reported as a notice, and only with
`--credential-helpers` is the helper asked (through the docker-credential-helper protocol).
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from patlint.hosts import GITHUB_REGISTRIES
from patlint.model import Context
from patlint.sources.readers import Reading
from patlint.sources.readers.structured import (
    PARSE_LIMIT,
    PLAINTEXT_STORE,
    Locator,
    basename,
    cannot_parse,
    decoded_strings,
    normalize_host,
)
from patlint.sources.values import TokenPlace, Value

_HELPER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_SECRET_FIELDS = ("identitytoken", "registrytoken", "password")


def is_github_registry(host: str) -> bool:
    """ghcr.io, docker.pkg.github.com, and the GHES/ghe.com container registries."""
    return (
        host in GITHUB_REGISTRIES
        or host.endswith((".pkg.github.com", ".ghe.com"))
        or (host.startswith(("containers.", "docker.")) and "github" in host)
    )


class DockerConfigReader:
    """`~/.docker/config.json`, `$DOCKER_CONFIG/config.json`, `containers/auth.json`, `.dockercfg`."""

    name = "docker-config"

    def matches(self, rel: str) -> bool:
        """Asked for a `config.json` its row does not name: the one in `$DOCKER_CONFIG`."""
        env_dir = os.environ.get("DOCKER_CONFIG")
        if env_dir and rel.endswith("/config.json"):
            from patlint.sources.paths import relative_to_root

            return rel == relative_to_root(os.path.join(env_dir, "config.json"), "")
        return False

    def read(self, data: bytes, rel: str, st: os.stat_result | None) -> Reading:
        """The secrets of `auths` with the registry as host; helpers as notices."""
        out = Reading(credential_file=True)
        if len(data) > PARSE_LIMIT:
            out.notices.append(cannot_parse(rel, "larger than the parse limit"))
            return out
        try:
            doc = json.loads(data.decode("utf-8-sig"))
        except (UnicodeDecodeError, ValueError, RecursionError) as exc:
            out.notices.append(cannot_parse(rel, f"not valid JSON ({_reason(exc)})"))
            return out
        if not isinstance(doc, dict):
            out.notices.append(cannot_parse(rel, "expected a JSON object at the top level"))
            return out
        ctx = Context(file_type="docker-config", usage="container-registry")
        if b"\\" in data:  # a JSON escape: text the file holds escaped
            out.decoded = decoded_strings(doc, ctx, rel=rel, notices=out.notices)
        legacy = basename(rel) == ".dockercfg"
        auths = doc if legacy else doc.get("auths", {})
        if not isinstance(auths, dict):
            out.notices.append(cannot_parse(rel, "'auths' is not an object"))
            auths = {}
        store = doc.get("credsStore") if not legacy else None
        helpers = doc.get("credHelpers") if not legacy else None
        loc = Locator(data)
        for registry, entry in auths.items():
            if not isinstance(entry, dict):
                continue
            host = normalize_host(str(registry))
            near = loc.find(json.dumps(str(registry))) or 0
            stored = None
            if not (isinstance(helpers, dict) and registry in helpers) and not store:
                stored = TokenPlace(
                    PLAINTEXT_STORE,
                    f"docker keeps the {host} credential in plaintext in {rel}; "
                    "configure a credential helper (credsStore) and log in again",
                    scope=f"auths.{registry}",
                    each_token=False,  # one for the entry: at its first token
                )
            out.values += self._entry(entry, str(registry), host, near, loc, stored)
        if isinstance(store, str) and store:
            out.notices.append(
                f"{rel}: registry credentials are held by helper '{store}' "
                f"(docker-credential-{store}); not read (--credential-helpers asks it)"
            )
        if isinstance(helpers, dict):
            for registry, helper in helpers.items():
                host = normalize_host(str(registry))
                if isinstance(helper, str) and is_github_registry(host):
                    out.notices.append(
                        f"{rel}: credentials for {host} are held by helper '{helper}' "
                        f"(docker-credential-{helper}); not read (--credential-helpers asks it)"
                    )
        return out

    def _entry(
        self,
        entry: Mapping[str, Any],
        registry: str,
        host: str,
        near: int,
        loc: Locator,
        stored: TokenPlace | None,
    ) -> list[Value]:
        found: list[Value] = []
        auth = entry.get("auth")
        if isinstance(auth, str) and auth:
            try:
                decoded = base64.b64decode(auth + "=" * (-len(auth) % 4), validate=False)
                plain = decoded.decode("utf-8", "surrogateescape")
            except (binascii.Error, ValueError):
                plain = ""
            user, _, secret = plain.partition(":")
            field = f"auths.{registry}.auth"
            ctx = Context(
                file_type="docker-config",
                key=field,
                host=host,
                usage="container-registry",
                encoding="base64",
            )
            offset = loc.find(auth, near=near)
            if offset is None:  # wrapped base64 (`base64` without -w0): "\n" escapes in the file
                offset = loc.find(json.dumps(auth)[1:-1], near=near)
            for value in (secret, user):
                found.append(Value(value, ctx, offset, f"base64 in {field}", place=stored))
        for name in _SECRET_FIELDS:
            raw = entry.get(name)
            if isinstance(raw, str) and raw:
                value = raw
                ctx = Context(
                    file_type="docker-config",
                    key=f"auths.{registry}.{name}",
                    host=host,
                    usage="container-registry",
                )
                found.append(Value(value, ctx, loc.find(value, near=near), place=stored))
        return found


def _reason(exc: Exception) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg.removesuffix(' at')} at line {exc.lineno} column {exc.colno}"
    if isinstance(exc, RecursionError):
        return "nested too deeply"
    return exc.__class__.__name__


# --- --credential-helpers: ask docker-credential-<name> (opt-in) -----------------------------


@dataclass(frozen=True, slots=True)
class HelperResult:
    """Secrets the credential helpers returned, and notices about helpers that failed."""

    values: tuple[Value, ...]
    notices: tuple[str, ...]


def helper_plan(doc: Mapping[str, Any]) -> list[tuple[str, str | None]]:
    """(helper, registry or None = ask `list`) pairs for the GitHub registries of a config."""
    plan: list[tuple[str, str | None]] = []
    helpers = doc.get("credHelpers")
    if isinstance(helpers, dict):
        for registry, helper in helpers.items():
            if isinstance(helper, str) and is_github_registry(normalize_host(str(registry))):
                plan.append((helper, str(registry)))
    store = doc.get("credsStore")
    if isinstance(store, str) and store:
        plan.append((store, None))
    return plan


def ask_helpers(
    config_paths: Sequence[str],
    *,
    timeout: float = 5.0,
    env: Mapping[str, str] | None = None,
) -> HelperResult:
    """Ask each configured helper for its GitHub registries' secrets (`list`, then `get`)."""
    from patlint.sources.paths import relative_to_root

    values: list[Value] = []
    notices: list[str] = []
    asked: set[tuple[str, str]] = set()
    for path in config_paths:
        try:
            with open(path, "rb") as fh:
                doc = json.loads(fh.read(PARSE_LIMIT).decode("utf-8-sig"))
        except (OSError, UnicodeDecodeError, ValueError, RecursionError):
            continue
        if not isinstance(doc, dict):
            continue
        shown = relative_to_root(path, "")
        for helper, registry in helper_plan(doc):
            if not _HELPER_NAME.match(helper):
                notices.append(f"{shown}: credential helper name {helper!r} refused")
                continue
            exe = shutil.which(f"docker-credential-{helper}", path=(env or os.environ).get("PATH"))
            if exe is None:
                notices.append(f"{shown}: credential helper docker-credential-{helper} not found")
                continue
            if registry is None:
                listed = _call(exe, "list", "", timeout, env)
                if isinstance(listed, str):
                    notices.append(f"docker-credential-{helper} list: {listed}")
                    continue
                if not isinstance(listed, dict):
                    notices.append(f"docker-credential-{helper} list: unexpected answer")
                    continue
                servers = [s for s in listed if is_github_registry(normalize_host(str(s)))]
            else:
                servers = [registry]
            for server in servers:
                if (helper, server) in asked:
                    continue
                asked.add((helper, server))
                got = _call(exe, "get", server, timeout, env)
                if isinstance(got, str):
                    notices.append(f"docker-credential-{helper} get {server}: {got}")
                    continue
                secret = got.get("Secret") if isinstance(got, dict) else None
                if not isinstance(secret, str):
                    continue
                host = normalize_host(server)
                where = f"docker-credential-{helper}:{host}"
                ctx = Context(
                    file_type="credential-helper",
                    key=f"docker-credential-{helper} {host}",
                    host=host,
                    usage="container-registry",
                )
                values.append(Value(secret, ctx, note=f"held by helper {helper}", path=where))
    return HelperResult(tuple(values), tuple(notices))


def _call(exe: str, action: str, stdin: str, timeout: float, env: Mapping[str, str] | None) -> Any:
    """Run `exe action` with `stdin`; the parsed JSON answer, or a string saying what failed."""
    try:
        proc = subprocess.run(
            [exe, action],
            input=stdin.encode("utf-8"),
            capture_output=True,
            timeout=timeout,
            check=False,
            env=dict(env) if env is not None else None,
        )
    except subprocess.TimeoutExpired:
        return f"no answer within {timeout:g}s"
    except OSError as exc:
        return f"cannot run: {exc.strerror or exc.__class__.__name__}"
    if proc.returncode != 0:
        # Helpers print errors on stdout; never echo it (it could hold a secret): say the code.
        return f"exit status {proc.returncode}"
    try:
        return json.loads(proc.stdout.decode("utf-8", "replace") or "null")
    except (ValueError, RecursionError):
        return "answer is not JSON"


READER = DockerConfigReader()
