"""Maven settings.xml: server passwords with the host of the matching repository id."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from patlint.model import Context
from tests.sources.home import at, notices, scan_home, write

SETTINGS = """<?xml version="1.0" encoding="UTF-8"?>
<settings xmlns="http://maven.apache.org/SETTINGS/1.0.0">
  <profiles><profile><id>github</id>
    <repositories>
      <repository><id>github</id><url>https://maven.pkg.github.com/acme/*</url></repository>
    </repositories>
  </profile></profiles>
  <servers>
    <server>
      <id>github</id>
      <username>octocat</username>
      <password>{t}</password>
    </server>
    <server><id>nexus</id><username>me</username><password>{{env.NEXUS}}</password></server>
  </servers>
</settings>
"""


def test_server_password_for_github_packages(home: Path, token: Any) -> None:
    t = token("ghp")
    write(home, ".m2/settings.xml", SETTINGS.replace("{t}", t))
    result = scan_home(home)
    [c] = at(result, t, "~/.m2/settings.xml")
    assert (c.location.line, c.location.column) == (12, 17)
    assert c.context == Context(
        file_type="maven-settings",
        key="servers.server[github].password",
        host="maven.pkg.github.com",
        usage="maven",
    )


def test_doctype_refused_and_scanned_as_text(home: Path, token: Any) -> None:
    t = token("ghp")
    bomb = (
        '<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>\n'
        f"<settings><servers><server><id>github</id><password>{t}&lol2;</password></server></servers></settings>\n"
    )
    write(home, ".m2/settings.xml", bomb)
    result = scan_home(home)
    [c] = at(result, t, "~/.m2/settings.xml")
    assert c.context.file_type == "text"
    assert notices(result) == [
        "cannot parse ~/.m2/settings.xml: DTDs and entities are not accepted, scanned as text"
    ]


def test_broken_xml(home: Path, token: Any) -> None:
    t = token("ghp")
    write(home, ".m2/settings.xml", f"<settings><servers><server><password>{t}</server>")
    result = scan_home(home)
    assert [c.context.file_type for c in at(result, t, "~/.m2/settings.xml")] == ["text"]
    assert notices(result) == [
        "cannot parse ~/.m2/settings.xml: not valid XML (mismatched tag: line 1, column 79), "
        "scanned as text"
    ]
