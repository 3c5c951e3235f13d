"""`gradle.properties`: `gpr.key=TOKEN` (GitHub Packages for Gradle), any token-valued property."""

from __future__ import annotations

import os
import re

from patlint.model import Context
from patlint.sources.readers import Reading
from patlint.sources.readers.structured import iter_lines
from patlint.sources.values import Value

_PROP = re.compile(r"^\s*([^#!\s=:][^=:\s]*)\s*[=:\s]\s*(.*?)\s*$")


class GradlePropertiesReader:
    """`gradle.properties` (user `~/.gradle` and project files)."""

    name = "gradle"

    def read(self, data: bytes, rel: str, st: os.stat_result | None) -> Reading:
        """Each property's value; `gpr.*` properties are for maven.pkg.github.com."""
        out = Reading(credential_file=True)
        for line_off, text in iter_lines(data):
            m = _PROP.match(text)
            if not m or not m.group(2):
                continue
            key = m.group(1)
            host = "maven.pkg.github.com" if key.lower().startswith("gpr.") else None
            ctx = Context(file_type="gradle-properties", key=key, host=host, usage="gradle")
            at = line_off + len(text[: m.start(2)].encode("utf-8", "surrogateescape"))
            out.values.append(Value(m.group(2), ctx, at))
        return out


READER = GradlePropertiesReader()
