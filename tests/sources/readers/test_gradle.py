"""gradle.properties: gpr.key for GitHub Packages, other token-valued properties."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from patlint.model import Context
from tests.sources.home import at, scan_home, write


def test_gpr_key(home: Path, token: Any) -> None:
    t1, t2 = token("ghp"), token("ghp")
    write(
        home,
        ".gradle/gradle.properties",
        "# GitHub Packages\norg.gradle.jvmargs=-Xmx2g\ngpr.user=octocat\n"
        f"gpr.key={t1}\nsonar.token : {t2}\n",
    )
    result = scan_home(home)
    [c] = at(result, t1, "~/.gradle/gradle.properties")
    assert (c.location.line, c.location.column) == (4, 9)
    assert c.context == Context(
        file_type="gradle-properties", key="gpr.key", host="maven.pkg.github.com", usage="gradle"
    )
    [c] = at(result, t2, "~/.gradle/gradle.properties")
    assert (c.location.line, c.context.key, c.context.host) == (5, "sonar.token", None)
