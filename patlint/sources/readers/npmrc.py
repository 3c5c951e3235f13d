"""`.npmrc`: `//npm.pkg.github.com/:_authToken=TOKEN` (user and project files).

`${VAR}` values are references to the environment, not leaks: the detector finds nothing there.
"""

from __future__ import annotations

import base64
import binascii
import os
import re

from patlint.model import Context
from patlint.sources.readers import Reading
from patlint.sources.readers.structured import iter_lines, normalize_host
from patlint.sources.values import Value

_ENTRY = re.compile(
    r"^\s*(?://([^:\s]+):)?(_authToken|_auth|_password|password|token)\s*=\s*(.*?)\s*$"
)


class NpmrcReader:
    """`.npmrc` files anywhere."""

    name = "npmrc"

    def read(self, data: bytes, rel: str, st: os.stat_result | None) -> Reading:
        """Auth values with the registry host they are scoped to."""
        out = Reading(credential_file=True)
        for line_off, text in iter_lines(data):
            m = _ENTRY.match(text)
            if not m:
                continue
            scope, key, value = m.group(1), m.group(2), m.group(3).strip("\"'")
            quotes = len(m.group(3)) - len(m.group(3).lstrip("\"'"))  # point past `"`
            host = normalize_host(scope) if scope else "registry.npmjs.org"
            encoding = None
            if key in ("_auth", "_password"):
                try:
                    decoded = base64.b64decode(value + "=" * (-len(value) % 4)).decode(
                        "utf-8", "surrogateescape"
                    )
                    value, encoding = decoded, "base64"
                except (binascii.Error, ValueError):
                    pass
            at = line_off + len(text[: m.start(3) + quotes].encode("utf-8", "surrogateescape"))
            ctx = Context(file_type="npmrc", key=key, host=host, usage="npm", encoding=encoding)
            note = f"//{scope}:{key}" if scope else key
            for part in value.split(":", 1)[::-1] if key == "_auth" else [value]:
                out.values.append(Value(part, ctx, at, note))
        return out


READER = NpmrcReader()
