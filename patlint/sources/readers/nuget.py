"""`NuGet.Config`: `<packageSourceCredentials><SOURCE><add key="ClearTextPassword" value=…/>`."""

from __future__ import annotations

import os

from patlint.detectors.pattern import Detector
from patlint.model import Candidate, Context
from patlint.sources.readers import ReaderOutput
from patlint.sources.readers.structured import (
    Locator,
    basename,
    cannot_parse,
    decoded_xml,
    finish,
    normalize_host,
    value_candidates,
)
from patlint.sources.readers.xmlsafe import local, parse_xml


def _source_name(tag: str) -> str:
    """NuGet encodes spaces and other characters in element names as `_xHHHH_`."""
    import re

    return re.sub(r"_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m.group(1), 16)), local(tag))


class NugetConfigReader:
    """`NuGet.Config` / `nuget.config` (any case)."""

    name = "nuget"

    def matches(self, rel: str) -> bool:
        """By file name, case-insensitively."""
        return basename(rel).lower() == "nuget.config"

    def read(
        self,
        data: bytes,
        rel: str,
        st: os.stat_result | None,
        detector: Detector,
        text_candidates: list[Candidate],
    ) -> ReaderOutput:
        """Clear-text passwords with the host of the package source they belong to."""
        out = ReaderOutput()
        root, problem = parse_xml(data)
        if root is None:
            out.notices.append(cannot_parse(rel, problem or "unknown error"))
            return out
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
                    out.candidates += value_candidates(
                        value,
                        rel=rel,
                        detector=detector,
                        text_candidates=text_candidates,
                        context=ctx,
                        offset=loc.find(value),
                        data=data,
                    )
        return finish(out, rel, st, rel)


READER = NugetConfigReader()
