"""A CI finding carries its YAML line and column into every report format."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from patlint.cli import cli

WORKFLOW = textwrap.dedent(
    """\
    on: push
    permissions: {contents: read}
    jobs:
      call:
        uses: ./.github/workflows/x.yml
        secrets: inherit
    """
)


def _scan(tmp_path: Path, fmt: str) -> str:
    wf = tmp_path / ".github" / "workflows" / "ci.yml"
    wf.parent.mkdir(parents=True)
    wf.write_text(WORKFLOW, encoding="utf-8")
    res = CliRunner().invoke(
        cli, ["scan", "--offline", "--no-repo-config", "--format", fmt, str(tmp_path)]
    )
    assert res.exit_code == 1, res.output
    return res.output


def test_json_location(tmp_path: Path) -> None:
    data = json.loads(_scan(tmp_path, "json"))
    [f] = [f for f in data["findings"] if f["rule_id"] == "secrets-inherit"]
    assert (f["location"]["line"], f["location"]["column"]) == (6, 14)
    assert f["location"]["path"].endswith(".github/workflows/ci.yml")


def test_sarif_region(tmp_path: Path) -> None:
    data = json.loads(_scan(tmp_path, "sarif"))
    [r] = [r for r in data["runs"][0]["results"] if r["ruleId"] == "secrets-inherit"]
    region = r["locations"][0]["physicalLocation"]["region"]
    assert (region["startLine"], region["startColumn"]) == (6, 14)


@pytest.mark.parametrize(("fmt", "needle"), [("text", "ci.yml:6:14"), ("github", "line=6,col=14")])
def test_text_and_annotations(tmp_path: Path, fmt: str, needle: str) -> None:
    assert needle in _scan(tmp_path, fmt)
