"""`.env` files: `KEY=value` (optionally `export`, quoted), reported by variable name."""

from __future__ import annotations

import os
import re

from patlint.model import Context
from patlint.sources.readers import Reading
from patlint.sources.readers.structured import iter_lines
from patlint.sources.values import Value

_ASSIGN = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.]*)\s*=\s*(.*?)\s*$")
ENTERPRISE_VARS = ("GH_ENTERPRISE_TOKEN", "GITHUB_ENTERPRISE_TOKEN")


def env_host(name: str, values: dict[str, str]) -> str | None:
    """The host a GitHub variable is for: GH_HOST for enterprise tokens, else None."""
    if name in ENTERPRISE_VARS:
        return values.get("GH_HOST") or None
    return None


def unquote(value: str) -> str:
    """Strip matching quotes and an unquoted trailing comment."""
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    if " #" in value:
        value = value.split(" #", 1)[0].rstrip()
    return value


class DotenvReader:
    """`.env` and `.env.*`."""

    name = "dotenv"

    def read(self, data: bytes, rel: str, st: os.stat_result | None) -> Reading:
        """Each variable's value, by name."""
        out = Reading(credential_file=True)
        rows: list[tuple[str, str, int]] = []
        values: dict[str, str] = {}
        for line_off, text in iter_lines(data):
            m = _ASSIGN.match(text)
            if not m:
                continue
            value = unquote(m.group(2))
            values[m.group(1)] = value
            at = line_off + len(text[: m.start(2)].encode("utf-8", "surrogateescape"))
            if m.group(2)[:1] in ("'", '"') and value != m.group(2):
                at += 1
            rows.append((m.group(1), value, at))
        for name, value, at in rows:
            ctx = Context(file_type="dotenv", key=name, host=env_host(name, values), usage="dotenv")
            out.values.append(Value(value, ctx, at))
        return out


READER = DotenvReader()
