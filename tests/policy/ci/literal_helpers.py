"""The file's own hits for the literal rules: a real detector over the file's bytes."""

from __future__ import annotations

import textwrap

from patlint.config import Config
from patlint.detectors.pattern import Detector
from patlint.engine.filescan import scan_buffer
from patlint.engine.ruleset import build_ruleset
from patlint.model import PlaceFinding
from patlint.policy.ci import rule
from patlint.sources.readers.ci import CiYamlReader

DETECTOR = Detector(build_ruleset(Config()).detectors)


def run_with_hits(module: str, rel: str, text: str) -> list[PlaceFinding]:
    """Rule `module` over the file's model, given the detector's hits in it."""
    data = textwrap.dedent(text).encode()
    found = scan_buffer(data, rel, DETECTOR)[0].candidates
    reading = CiYamlReader().read(data, rel, None)
    assert reading.ci is not None
    return list(rule(module)(reading.ci, found))
