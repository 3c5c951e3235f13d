""".env files: variables by name; GH_ENTERPRISE_TOKEN is for GH_HOST."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from patlint.model import Context
from tests.sources.home import at, hygiene, scan_home, write


def test_variables_by_name(home: Path, token: Any) -> None:
    t1, t2, t3 = token("ghp"), token("ghp"), token("ghs")
    write(
        home,
        "projects/api/.env",
        f'# local\nGITHUB_TOKEN={t1}\nexport CR_PAT="{t2}"\n'
        f"GH_HOST=ghe.acme.com\nGH_ENTERPRISE_TOKEN='{t3}'  \n",
        mode=0o644,
    )
    result = scan_home(home)
    path = "~/projects/api/.env"
    [c] = at(result, t1, path)
    assert (c.location.line, c.location.column) == (2, 14)
    assert c.context == Context(file_type="dotenv", key="GITHUB_TOKEN", host=None, usage="dotenv")
    [c] = at(result, t2, path)
    assert (c.location.line, c.location.column, c.context.key) == (3, 16, "CR_PAT")
    [c] = at(result, t3, path)
    assert c.context == Context(
        file_type="dotenv", key="GH_ENTERPRISE_TOKEN", host="ghe.acme.com", usage="dotenv"
    )
    assert hygiene(result, "credential-file-readable-by-others") == [
        ("credential-file-readable-by-others", path, None, None)
    ]


def test_env_variants(home: Path, token: Any) -> None:
    t = token("ghp")
    write(home, "app/.env.production", f"TOKEN={t}\n")
    [c] = at(scan_home(home), t, "~/app/.env.production")
    assert (c.context.file_type, c.context.key) == ("dotenv", "TOKEN")
