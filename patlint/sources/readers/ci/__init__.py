"""CI pipeline files (GitHub Actions, GitLab, CircleCI, Azure, Bitbucket, Travis) as YAML nodes.

`CiYamlReader` is the structured reader registered in `patlint.sources.readers.registry`. It
parses the file into a typed model (`model.CiModel`: workflows, jobs, steps, env, with,
permissions, triggers, scripts, each value with its place), which the CI policy rules
(`patlint.policy.ci`, one module per rule of rules/policy/ci.yml) read, and re-labels the
tokens the engine found in the file with their YAML path (`jobs.build.steps[2].with.password`).
It never raises on a file: malformed YAML gives a model with its `failure` (the rules report
`ci-file-unparsable`) and the file's own hits stand.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import replace

from patlint.model import Candidate, Context, PlaceFinding
from patlint.sources.readers import Reading
from patlint.sources.readers.ci.common import FILE_TYPE, USAGE
from patlint.sources.readers.ci.model import CiModel, Failure, build, unparsable
from patlint.sources.readers.ci.platforms import platform_for
from patlint.sources.readers.ci.yamldoc import EXPANSION_LIMIT, Doc, ParseFailure
from patlint.sources.values import Decoded


class CiYamlReader:
    """Structured reader for CI pipeline YAML."""

    name = "ci-yaml"
    # Every token it reports (candidate or place) is one of the file's own hits, re-labelled:
    # without them it only has facts about the file's configuration (a history scan skips it).
    text_derived = True

    def matches(self, rel: str) -> bool:
        """True for the CI files patlint understands (see `platforms.PLATFORMS`)."""
        return platform_for(rel) is not None

    def read(self, data: bytes, rel: str, st: os.stat_result | None) -> Reading:
        """Parse the file into its model (`Reading.ci`, for the CI rules) and say how to
        label the tokens the engine finds in it (`Reading.relabel`)."""
        platform = platform_for(rel)
        out = Reading()
        if platform is None:
            return out
        try:
            text = data.decode("utf-8")
            doc = Doc.parse(text)
        except UnicodeDecodeError as exc:
            out.ci = unparsable(rel, data, platform, Failure(f"not UTF-8 (byte {exc.start})"))
            return out
        except ParseFailure as exc:
            out.ci = unparsable(rel, data, platform, Failure(exc.reason, exc.line, exc.column))
            return out
        out.decoded = _escaped_scalars(doc)
        if doc.expansion > EXPANSION_LIMIT:
            out.notices.append(
                f"{rel}: YAML aliases expand to more than {EXPANSION_LIMIT:,} nodes (an alias "
                "bomb?); each anchored value was analysed once, without expanding it"
            )
        if doc.truncated:
            out.notices.append(
                f"{rel}: more YAML nodes than patlint analyses; the rest was skipped"
            )
        model = build(rel, data, doc, platform)
        out.ci = model

        def relabel(found: Sequence[Candidate]) -> tuple[list[Candidate], list[PlaceFinding]]:
            return _labelled(model, found), []

        out.relabel = relabel
        return out


def _escaped_scalars(doc: Doc) -> list[Decoded]:
    """Double-quoted scalars written with escapes (`"\\x67hp_…"`), keys and job ids too: their
    decoded text, which the text detectors never saw."""
    out = []
    for node, start, _end in doc.escaped():
        offset = len(doc.text[:start].encode("utf-8", "surrogateescape"))
        out.append(Decoded(node.value, Context(file_type=FILE_TYPE, usage=USAGE), offset))
    return out


def _labelled(ci: CiModel, candidates: Sequence[Candidate]) -> list[Candidate]:
    """The file's own hits with their YAML path as key (host and encoding kept)."""
    out: list[Candidate] = []
    for c in candidates:
        path = None
        if c.location.line is not None and not c.location.binary:
            path = ci.yaml_path_at(c.location.line, c.location.column or 1)
        ctx = replace(ci.context(path), host=c.context.host, encoding=c.context.encoding)
        out.append(replace(c, context=ctx))
    return out


READER = CiYamlReader()
