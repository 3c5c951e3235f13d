"""~/.netrc and _netrc: machine, login, password (and macdef blocks skipped)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from patlint.model import Context
from tests.sources.home import at, hygiene, scan_home, write


def test_machines_and_tokens(home: Path, token: Any) -> None:
    t1, t2, t3 = token("github_pat"), token("ghp"), token("ghp")
    write(
        home,
        ".netrc",
        f"machine github.com\n  login octocat\n  password {t1}\n\n"
        f'machine api.github.com login octocat password "{t2}"\n'
        "macdef init\n  echo hello\n\n"
        f"default login anonymous password {t3}\n",
        mode=0o644,
    )
    result = scan_home(home)
    [c] = at(result, t1, "~/.netrc")
    assert (c.location.line, c.location.column, c.location.note) == (3, 12, "machine github.com")
    assert c.context == Context(file_type="netrc", key="password", host="github.com", usage="netrc")
    [c] = at(result, t2, "~/.netrc")
    assert (c.location.line, c.context.host) == (5, "api.github.com")
    [c] = at(result, t3, "~/.netrc")
    assert (c.location.line, c.context.host, c.location.note) == (9, None, "default")
    assert hygiene(result, "credential-file-readable-by-others") == [
        ("credential-file-readable-by-others", "~/.netrc", None, None)
    ]


def test_windows_netrc_name(home: Path, token: Any) -> None:
    t = token("ghp")
    write(home, "_netrc", f"machine github.com login me password {t}\n")
    [c] = at(scan_home(home), t, "~/_netrc")
    assert c.context.usage == "netrc"
