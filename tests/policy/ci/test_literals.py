"""Where a CI file's own tokens sit (patlint/policy/ci/literals.py), shared by the two literal
rules: each token's first place once, its YAML path (none in a comment), whether it is a
variables block, and a message that names the kind and preview, never the token."""

from __future__ import annotations

import textwrap
from dataclasses import replace
from typing import Any

from patlint.engine.filescan import scan_buffer
from patlint.model import Candidate
from patlint.policy.ci.literals import place, sightings
from patlint.sources.readers.ci import CiYamlReader
from patlint.sources.readers.ci.model import CiModel
from tests.policy.ci.literal_helpers import DETECTOR


def read(rel: str, text: str) -> tuple[CiModel, list[Candidate]]:
    data = textwrap.dedent(text).encode()
    found = scan_buffer(data, rel, DETECTOR)[0].candidates
    reading = CiYamlReader().read(data, rel, None)
    assert reading.ci is not None
    return reading.ci, found


def test_each_token_is_sighted_once_at_its_first_place(token: Any) -> None:
    twice, once = token("ghp"), token("gho")
    ci, found = read(
        ".github/workflows/ci.yml",
        f"""\
        on: push
        # an old token: {once}
        env:
          FIRST: {twice}
        jobs:
          j:
            runs-on: ubuntu-latest
            steps:
              - run: echo {twice}
        """,
    )
    seen = list(sightings(ci, found))
    assert [(s.found.secret.digest, s.path, s.in_variables) for s in seen] == [
        (found[0].secret.digest, None, False),  # the comment, line 2
        (next(c for c in found if c.location.line == 4).secret.digest, ("env", "FIRST"), False),
    ]
    assert {s.found.location.line for s in seen} == {2, 4}
    assert all(s.context.file_type == "ci-yaml" for s in seen)


def test_a_variables_block_is_told_apart_and_the_message_never_holds_the_token(
    token: Any,
) -> None:
    secret = token("ghp")
    ci, found = read(
        ".gitlab-ci.yml",
        f"""\
        variables:
          GH_TOKEN: {secret}
        build:
          script:
            - echo hi
        """,
    )
    (s,) = sightings(ci, found)
    assert s.in_variables and s.path == ("variables", "GH_TOKEN")
    finding = place(ci, "token-in-ci-variables", s, "; use a masked CI/CD variable")
    assert finding.message.startswith("GitHub classic personal access token ")
    assert s.found.secret.preview in finding.message
    assert "at variables.GH_TOKEN" in finding.message
    assert finding.message.endswith("; use a masked CI/CD variable")
    assert secret not in finding.message
    assert finding.location == s.found.location and finding.context.key == "variables.GH_TOKEN"


def test_a_comment_place_says_so_and_a_hit_without_a_line_is_not_sighted(token: Any) -> None:
    secret = token("gho")
    ci, found = read(".github/workflows/ci.yml", f"on: push  # {secret}\njobs: {{}}\n")
    (s,) = sightings(ci, found)
    assert s.path is None
    assert "file (in a comment)" in place(ci, "token-literal-in-ci", s, ".").message
    lineless = [replace(found[0], location=replace(found[0].location, line=None))]
    assert list(sightings(ci, lineless)) == []
