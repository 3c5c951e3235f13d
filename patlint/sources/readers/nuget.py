"""`NuGet.Config`: `<packageSourceCredentials><SOURCE><add key="ClearTextPassword" value=…/>`."""

from __future__ import annotations

import os

from patlint.model import Context
from patlint.sources.readers import Reading
from patlint.sources.readers.structured import (
    Locator,
    cannot_parse,
    decoded_xml,
    normalize_host,
)
from patlint.sources.readers.xmlsafe import local, parse_xml
from patlint.sources.values import Value


def _source_name(tag: str) -> str:
    """NuGet encodes spaces and other characters in element names as `_xHHHH_`."""
    import re

    return re.sub(r"_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m.group(1), 16)), local(tag))


class NugetConfigReader:
    """`NuGet.Config` / `nuget.config` (any case)."""

    name = "nuget"

    def read(self, data: bytes, rel: str, st: os.stat_result | None) -> Reading:
        """Clear-text passwords with the host of the package source they belong to."""
        out = Reading(credential_file=True)
        root, problem = parse_xml(data)
        if root is None:
            out.notices.append(cannot_parse(rel, problem or "unknown error"))
            return out
        if b"&" in data:  # an entity or character reference: text the file holds escaped
            out.decoded = decoded_xml(root, Context(file_type="nuget-config", usage="nuget"))
        sources: dict[str, str] = {}
        for el in root.iter():
            if local(el.tag) == "packageSources":
                for add in el:
                    key, value = add.get("key"), add.get("value")
                    if local(add.tag) == "add" and key and value:
                        sources[key] = normalize_host(value)
        loc = Locator(data)
        for el in root.iter():
            if local(el.tag) != "packageSourceCredentials":
                continue
            for src in el:
                name = _source_name(src.tag)
                host = sources.get(name)
                for add in src:
                    key, value = add.get("key") or "", add.get("value") or ""
                    if key.lower() not in ("cleartextpassword", "username") or not value:
                        continue
                    ctx = Context(
                        file_type="nuget-config",
                        key=f"packageSourceCredentials.{name}.{key}",
                        host=host,
                        usage="nuget",
                    )
                    out.values.append(Value(value, ctx, loc.find(value)))
        return out


READER = NugetConfigReader()
