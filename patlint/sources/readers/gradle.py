"""`gradle.properties`: `gpr.key=TOKEN` (GitHub Packages for Gradle), any token-valued property."""

from __future__ import annotations

import os
import re

from patlint.detectors.pattern import Detector
from patlint.model import Candidate, Context
from patlint.sources.readers import ReaderOutput
from patlint.sources.readers.structured import basename, finish, iter_lines, value_candidates

_PROP = re.compile(r"^\s*([^#!\s=:][^=:\s]*)\s*[=:\s]\s*(.*?)\s*$")


class GradlePropertiesReader:
    """`gradle.properties` (user `~/.gradle` and project files)."""

    name = "gradle"

    def matches(self, rel: str) -> bool:
        """By file name."""
        return basename(rel) == "gradle.properties"

    def read(
        self,
        data: bytes,
        rel: str,
        st: os.stat_result | None,
        detector: Detector,
        text_candidates: list[Candidate],
    ) -> ReaderOutput:
        """Each property holding a token; `gpr.*` properties are for maven.pkg.github.com."""
        out = ReaderOutput()
        for line_off, text in iter_lines(data):
            m = _PROP.match(text)
            if not m or not m.group(2):
                continue
            key = m.group(1)
            host = "maven.pkg.github.com" if key.lower().startswith("gpr.") else None
            ctx = Context(file_type="gradle-properties", key=key, host=host, usage="gradle")
            out.candidates += value_candidates(
                m.group(2),
                rel=rel,
                detector=detector,
                text_candidates=text_candidates,
                context=ctx,
                offset=line_off + len(text[: m.start(2)].encode("utf-8", "surrogateescape")),
                data=data,
            )
        return finish(out, rel, st, rel)


READER = GradlePropertiesReader()
