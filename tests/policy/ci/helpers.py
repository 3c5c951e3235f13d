"""Run one CI rule module over a file's model, as the engine does (no scan, no detector)."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

from patlint.model import Candidate, PlaceFinding
from patlint.policy.ci import rule
from patlint.sources.readers.ci import CiYamlReader


def run(module: str, rel: str, text: str, found: Sequence[Candidate] = ()) -> list[PlaceFinding]:
    """The findings of rule module `module` for the file `rel` holding dedented `text`."""
    reading = CiYamlReader().read(textwrap.dedent(text).encode(), rel, None)
    assert reading.ci is not None
    return list(rule(module)(reading.ci, found))


def where(p: PlaceFinding) -> tuple[int | None, int | None, str | None]:
    """(line, column, YAML path) of a finding."""
    return p.location.line, p.location.column, p.context.key
