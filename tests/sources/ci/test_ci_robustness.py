"""Properties: scalar positions map back to the source exactly; no input makes the reader raise."""

from __future__ import annotations

import os
import random
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from patlint.config import Config
from patlint.detectors.pattern import Detector
from patlint.engine.ruleset import build_ruleset
from patlint.sources.ci import CiYamlReader, shell
from patlint.sources.ci.yamldoc import Doc

DETECTOR = Detector(build_ruleset(Config()).detectors)
_TEXT = st.lists(
    st.sampled_from(
        [*"ab $\\'\"{}|&;>#\n\tx-:[]é", "${{ secrets.T }}", "echo ", "gh pr ", "$T", "<<EOF\n"]
    ),
    max_size=40,
).map("".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=_TEXT, style=st.sampled_from(["", "'", '"', "|", ">"]))
def test_value_positions_point_at_the_same_character(value: str, style: str) -> None:
    text = yaml.dump(
        {"job": {"run": value}}, default_style=style or None, width=20, allow_unicode=True
    )
    doc = Doc.parse(text)
    node = next(s.node for s in doc.scalars if s.path == ("job", "run") and not s.is_key)
    value = node.value  # pyyaml's emitter does not always round-trip (folded, leading space)
    for k, ch in enumerate(value):
        src = text[doc.value_index(node, k)]
        if ch in " \n\t\\\"'" or not ch.isprintable():
            continue  # folded, escaped or re-quoted in the source: not a 1:1 character
        assert src == ch, (k, text)


@settings(max_examples=300, deadline=None)
@given(script=_TEXT)
def test_shell_helpers_never_raise(script: str) -> None:
    refs = shell.secret_refs(script, {"T": "secrets.T"})
    for leak in shell.leaks(script, refs):
        assert 0 <= leak.ref.start < len(script)
    shell.gh_calls(script)


_PIECES = [
    "on: push\n",
    "jobs:\n",
    "  a:\n",
    "    steps:\n",
    "      - run: |\n",
    "          echo x\n",
    "  &a ",
    "*a",
    "<<: *a\n",
    "- ",
    "[",
    "]",
    "{",
    "}",
    ": ",
    "---\n",
    "'",
    '"',
    "\t",
    "\n",
    "permissions: write-all\n",
    "secrets: inherit\n",
    "uses: actions/checkout@v4\n",
    "with: {token: ${{ secrets.X }}}\n",
    "!reference [a]\n",
    "? x\n",
    "%YAML 1.1\n",
]


@settings(max_examples=300, deadline=None)
@given(
    parts=st.lists(st.sampled_from(_PIECES), max_size=30),
    name=st.sampled_from(
        [
            ".github/workflows/x.yml",
            "action.yml",
            ".gitlab-ci.yml",
            ".circleci/config.yml",
            "azure-pipelines.yml",
            "bitbucket-pipelines.yml",
            ".travis.yml",
        ]
    ),
)
def test_reader_never_raises(parts: list[str], name: str) -> None:
    data = "".join(parts).encode()
    out = CiYamlReader().read(data, name, os.stat("."), DETECTOR, [])
    for p in out.places:
        assert p.location.line is not None and p.location.line >= 1
        assert p.location.column is not None and p.location.column >= 1


def test_random_bytes_never_raise(rng: random.Random) -> None:
    for _ in range(200):
        data: Any = bytes(rng.randrange(256) for _ in range(rng.randrange(200)))
        out = CiYamlReader().read(data, ".github/workflows/x.yml", os.stat("."), DETECTOR, [])
        assert [p.rule_id for p in out.places] in ([], ["ci-file-unparsable"])
