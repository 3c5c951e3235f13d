"""Maven `settings.xml`: `<servers><server><id/><username/><password/></server>`.

The host comes from the repository with the same id (`https://maven.pkg.github.com/OWNER`).
"""

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
from patlint.sources.readers.xmlsafe import child_text, local, parse_xml
from patlint.sources.values import Value


class MavenSettingsReader:
    """`settings.xml` (Maven user and global settings)."""

    name = "maven"

    def read(self, data: bytes, rel: str, st: os.stat_result | None) -> Reading:
        """Server passwords with the host of the repository using that server id."""
        out = Reading(credential_file=True)
        if b"<settings" not in data[:4096] and b"<server" not in data:
            return out  # some other tool's settings.xml
        root, problem = parse_xml(data)
        if root is None:
            out.notices.append(cannot_parse(rel, problem or "unknown error"))
            return out
        if b"&" in data:  # an entity or character reference: text the file holds escaped
            out.decoded = decoded_xml(root, Context(file_type="maven-settings", usage="maven"))
        urls: dict[str, str] = {}
        for el in root.iter():
            if local(el.tag) in ("repository", "pluginRepository", "mirror"):
                rid, url = child_text(el, "id"), child_text(el, "url")
                if rid and url:
                    urls.setdefault(rid, normalize_host(url))
        loc = Locator(data)
        for el in root.iter():
            if local(el.tag) != "server":
                continue
            sid = child_text(el, "id") or ""
            host = urls.get(sid) or ("maven.pkg.github.com" if "github" in sid.lower() else None)
            for field in ("password", "privateKey", "passphrase", "username"):
                value = child_text(el, field)
                if not value:
                    continue
                ctx = Context(
                    file_type="maven-settings",
                    key=f"servers.server[{sid}].{field}",
                    host=host,
                    usage="maven",
                )
                out.values.append(Value(value, ctx, loc.find(value)))
        return out


READER = MavenSettingsReader()
