"""NuGet.Config: ClearTextPassword under packageSourceCredentials, host from packageSources."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from patlint.model import Context
from tests.sources.home import at, hygiene, notices, scan_home, write


def test_clear_text_password(home: Path, token: Any) -> None:
    t = token("ghp")
    write(
        home,
        ".nuget/NuGet/NuGet.Config",
        '<?xml version="1.0" encoding="utf-8"?>\n<configuration>\n  <packageSources>\n'
        '    <add key="github acme" value="https://nuget.pkg.github.com/acme/index.json" />\n'
        "  </packageSources>\n  <packageSourceCredentials>\n    <github_x0020_acme>\n"
        '      <add key="Username" value="octocat" />\n'
        f'      <add key="ClearTextPassword" value="{t}" />\n'
        "    </github_x0020_acme>\n  </packageSourceCredentials>\n</configuration>\n",
        mode=0o664,
    )
    result = scan_home(home)
    [c] = at(result, t, "~/.nuget/NuGet/NuGet.Config")
    assert (c.location.line, c.location.column) == (9, 43)
    assert c.context == Context(
        file_type="nuget-config",
        key="packageSourceCredentials.github acme.ClearTextPassword",
        host="nuget.pkg.github.com",
        usage="nuget",
    )
    # `.nuget` is a pruned cache folder, but NuGet.Config is a known credential file.
    assert hygiene(result, "credential-file-readable-by-others") == [
        ("credential-file-readable-by-others", "~/.nuget/NuGet/NuGet.Config", None, None)
    ]


def test_project_nuget_config_lower_case(home: Path, token: Any) -> None:
    t = token("ghp")
    write(
        home,
        "src/app/nuget.config",
        "<configuration><packageSourceCredentials><gh>"
        f'<add key="ClearTextPassword" value="{t}"/></gh></packageSourceCredentials></configuration>',
    )
    result = scan_home(home)
    [c] = at(result, t, "~/src/app/nuget.config")
    assert (c.context.key, c.context.host, c.context.usage) == (
        "packageSourceCredentials.gh.ClearTextPassword",
        None,
        "nuget",
    )
    assert notices(result) == []
