"""GitHub CLI `hosts.yml` (single- and multi-account layouts) and the legacy `hub` config.

gh keeps tokens in the OS keyring by default; a token in `hosts.yml` means
`--insecure-storage` or no keyring, which the `plaintext-credential-store` rule reports.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from patlint.model import Context
from patlint.sources.readers import Reading
from patlint.sources.readers.structured import (
    PARSE_LIMIT,
    PLAINTEXT_STORE,
    Locator,
    basename,
    cannot_parse,
    decoded_strings,
)
from patlint.sources.values import TokenPlace, Value

# gh writes a few hundred bytes a host: refuse anything bigger before parsing it (a crafted
# file costs libyaml and PyYAML's constructor ~7 s a MiB; alias bombs are refused with it)
YAML_LIMIT = 64 << 10
MAX_ALIASES = 20


def load_yaml(data: bytes) -> tuple[Any, str | None]:
    """Parse small YAML safely (C loader when available); (document, None) or (None, reason)."""
    if len(data) > min(YAML_LIMIT, PARSE_LIMIT):
        return None, "larger than the parse limit"
    if data.count(b"*") > MAX_ALIASES and data.count(b"&") > 0:
        return None, "too many YAML aliases"
    from patlint.yamlio import load_or_reason

    # Bounded: size, alias expansion and nesting (deep nesting crashes libyaml's C composer).
    return load_or_reason(data.decode("utf-8", "replace"))


class GhHostsReader:
    """`gh/hosts.yml`, `GitHub CLI/hosts.yml` (Windows), `.config/hub`."""

    name = "gh-hosts"

    def read(self, data: bytes, rel: str, st: os.stat_result | None) -> Reading:
        """Each host's `oauth_token` and each `users.<login>.oauth_token`."""
        out = Reading(credential_file=True)
        doc, problem = load_yaml(data)
        if problem is not None:
            out.notices.append(cannot_parse(rel, problem))
            return out
        if doc is None:
            return out
        if not isinstance(doc, Mapping):
            out.notices.append(cannot_parse(rel, "expected a mapping of hosts"))
            return out
        hub = basename(rel) == "hub"
        file_type = "hub-config" if hub else "gh-hosts"
        if b"\\" in data:  # a double-quoted escape: text the file holds escaped
            out.decoded = decoded_strings(
                doc,
                Context(file_type=file_type, usage="gh-cli"),
                rel=rel,
                notices=out.notices,
            )
        loc = Locator(data)
        for host_key, entry in doc.items():
            host = str(host_key).lower()
            blocks: list[tuple[str, Any]] = []
            if hub and isinstance(entry, list):  # hub: `github.com: [- user: … oauth_token: …]`
                blocks = [(f"{host}[{i}].oauth_token", e) for i, e in enumerate(entry)]
            elif isinstance(entry, Mapping):
                for key, value in entry.items():  # in file order, so lines come out right
                    if key == "users" and isinstance(value, Mapping):
                        for login, u in value.items():
                            blocks.append((f"{host}.users.{login}.oauth_token", u))
                    elif key == "oauth_token":
                        blocks.append((f"{host}.oauth_token", entry))
            for field, block in blocks:
                if not isinstance(block, Mapping):
                    continue
                token = block.get("oauth_token")
                if not isinstance(token, str) or not token:
                    continue
                ctx = Context(
                    file_type=file_type,
                    key=field,
                    host=host,
                    usage="gh-cli",
                )
                stored = None
                if not hub:
                    stored = TokenPlace(
                        PLAINTEXT_STORE,
                        f"the GitHub CLI token for {host} is stored in plaintext "
                        f"in {rel}; run `gh auth login` again without --insecure-storage "
                        "so it goes to the system keyring",
                    )
                out.values.append(Value(token, ctx, loc.find(token), place=stored))
        return out


READER = GhHostsReader()
