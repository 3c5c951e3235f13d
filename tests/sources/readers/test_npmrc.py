""".npmrc: `//npm.pkg.github.com/:_authToken=`, `${VAR}` is not a leak, _auth base64."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

from patlint.model import Context
from tests.sources.home import at, digest, hygiene, scan_home, write


def test_user_and_project_npmrc(home: Path, token: Any) -> None:
    t1, t2, t3 = token("ghp"), token("ghp"), token("ghp")
    write(
        home,
        ".npmrc",
        "@acme:registry=https://npm.pkg.github.com\n"
        f"//npm.pkg.github.com/:_authToken={t1}\n"
        "//registry.npmjs.org/:_authToken=${NPM_TOKEN}\n",
    )
    write(
        home,
        "code/web/.npmrc",
        f'//npm.pkg.github.com/acme/:_authToken="{t2}"\n'
        f"_auth={base64.b64encode(f'me:{t3}'.encode()).decode()}\n",
    )
    result = scan_home(home)
    [c] = at(result, t1, "~/.npmrc")
    assert (c.location.line, c.location.column) == (2, 34)
    assert c.context == Context(
        file_type="npmrc", key="_authToken", host="npm.pkg.github.com", usage="npm"
    )
    [c] = at(result, t2, "~/code/web/.npmrc")
    assert (c.location.line, c.context.host) == (1, "npm.pkg.github.com")
    [c] = at(result, t3, "~/code/web/.npmrc")
    assert c.context == Context(
        file_type="npmrc", key="_auth", host="registry.npmjs.org", usage="npm", encoding="base64"
    )
    # The `_auth` line is for the default registry: a GitHub token cannot log in there.
    assert hygiene(result, "token-for-wrong-host") == [
        ("token-for-wrong-host", "~/code/web/.npmrc", 2, digest(t3))
    ]
    assert len(result.tokens) == 3  # ${NPM_TOKEN} is a reference, not a token


def test_env_reference_only_is_clean(home: Path) -> None:
    write(home, ".npmrc", "//npm.pkg.github.com/:_authToken=${GITHUB_TOKEN}\n", mode=0o644)
    result = scan_home(home)
    assert (result.tokens, result.findings) == ([], [])


def test_quoted_value_column_points_at_the_token(home: Path, token: Any) -> None:
    # The column pointed at the opening quote, one character before the token.
    t = token("ghp")
    line = f'//npm.pkg.github.com/:_authToken="{t}"\n'
    write(home, ".npmrc", line)
    result = scan_home(home)
    [c] = at(result, t, "~/.npmrc")
    assert (c.location.line, c.location.column) == (1, line.index(t) + 1)
    assert (c.context.key, c.context.host) == ("_authToken", "npm.pkg.github.com")
