"""`patlint scan --env`: the current process environment as values, each variable a place.

Each variable is searched as the line `NAME=value`, so context-aware rules (a legacy 40-hex
value in `GITHUB_TOKEN`) see the name. Locations read `env:GITHUB_TOKEN`.
"""

from __future__ import annotations

from collections.abc import Mapping

from patlint.model import Context
from patlint.sources.readers.dotenv import ENTERPRISE_VARS
from patlint.sources.values import Value

MAX_VALUE = 1 << 16


def env_values(environ: Mapping[str, str]) -> list[Value]:
    """Every variable of `environ` worth searching, with its name as key and `env:NAME` as
    place; the host a token is for, when the variable's name says it."""
    out: list[Value] = []
    gh_host = (environ.get("GH_HOST") or "").lower() or None
    for name in sorted(environ):
        value = environ[name]
        if not value or len(value) > MAX_VALUE:
            continue
        if name in ENTERPRISE_VARS:
            host = gh_host
        elif name in ("GH_TOKEN", "GITHUB_TOKEN"):
            host = "github.com"
        elif name == "CR_PAT":
            host = "ghcr.io"
        else:
            host = None  # where the value says (`https://…@host`)
        out.append(
            Value(
                f"{name}={value}",
                Context(file_type="env", key=name, host=host, usage="env"),
                note="process environment",
                path=f"env:{name}",
                hit_context=True,
            )
        )
    return out
