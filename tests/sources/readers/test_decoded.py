"""A token hidden from the text detectors by an escape (JSON `\\u0067`, YAML `"\\x67"`, XML
`&#103;`), in a key, a name or a value, is found when the reader decodes the file
(`Reading.decoded`, `patlint.engine.readings.decoded_candidates`)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from patlint.detectors.pattern import Detector
from patlint.engine.filescan import scan_path
from patlint.model import sha256_hex
from patlint.sources.readers.structured import DECODED_NOTE
from tests.sources.home import ruleset


def _json_escaped(t: str) -> str:
    return f"\\u{ord(t[0]):04x}{t[1:]}"


def _yaml_escaped(t: str) -> str:
    return f'"\\x{ord(t[0]):02x}{t[1:]}"'


def _xml_escaped(t: str) -> str:
    return f"&#{ord(t[0])};{t[1:]}"


def _found(path: Path, rel: str) -> dict[str, tuple[str, int | None, str]]:
    """digest -> (file type, line, note) of every candidate in the file."""
    res = scan_path(str(path), rel, Detector(ruleset().detectors), max_size=1 << 20)
    return {
        c.secret.digest: (c.context.file_type, c.location.line, c.location.note)
        for c in res.candidates
    }


@pytest.mark.parametrize(
    ("rel", "write"),
    [
        (
            ".docker/config.json",
            lambda k, v: (
                '{"auths": {"https://' + _json_escaped(k) + '/": {"auth": ""}},'
                ' "HttpHeaders": {"X-Token": "' + _json_escaped(v) + '"}}'
            ),
        ),
        (
            ".config/gh/hosts.yml",
            lambda k, v: f"{_yaml_escaped(k)}:\n  user: octo\n  note: {_yaml_escaped(v)}\n",
        ),
        (
            ".m2/settings.xml",
            lambda k, v: (
                f"<settings><servers><server><id>{_xml_escaped(k)}</id>"
                f"<username>{_xml_escaped(v)}</username></server></servers></settings>"
            ),
        ),
        (
            "NuGet.Config",
            lambda k, v: (
                f'<configuration><packageSources><add key="{_xml_escaped(k)}" '
                f'value="https://{_xml_escaped(v)}/x"/></packageSources></configuration>'
            ),
        ),
    ],
    ids=["docker-json", "gh-hosts-yaml", "maven-xml", "nuget-xml"],
)
def test_an_escaped_token_in_a_key_or_value_is_found(
    tmp_path: Path, token: Any, rel: str, write: Any
) -> None:
    k, v = token("ghp"), token("gho")
    path = tmp_path / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(write(k, v))
    os.chmod(path, 0o600)
    got = _found(path, rel)
    assert set(got) == {sha256_hex(k), sha256_hex(v)}, got
    assert got[sha256_hex(k)][2] == DECODED_NOTE  # a value the reader reads keeps its own note


def test_an_escaped_job_id_in_a_workflow_is_found_at_its_line(tmp_path: Path, token: Any) -> None:
    k, raw = token("ghu"), token("ghp")
    rel = ".github/workflows/ci.yml"
    path = tmp_path / rel
    path.parent.mkdir(parents=True)
    path.write_text(
        "on: push\njobs:\n"
        f"  {_yaml_escaped(k)}:\n    runs-on: ubuntu-latest\n"
        f"    steps:\n      - run: echo {raw}\n"
    )
    got = _found(path, rel)
    assert got[sha256_hex(k)] == ("ci-yaml", 3, DECODED_NOTE)
    assert got[sha256_hex(raw)][2] != DECODED_NOTE  # found raw by the text detectors, once
    assert len(got) == 2
