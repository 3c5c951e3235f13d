"""`--format junit`: one failing test case per finding, well-formed XML for any path bytes."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from click.testing import CliRunner

from patlint.cli import cli
from patlint.model import redact, sha256_hex
from patlint.report.junit import xml_text

TokenFactory = Callable[..., str]


def _junit(path: Path) -> tuple[int, str]:
    res = CliRunner().invoke(
        cli,
        ["scan", "--offline", "--no-progress", "--format", "junit", str(path)],
        catch_exceptions=False,
    )
    return res.exit_code, res.stdout


def test_xml_text_escapes_what_xml_forbids() -> None:
    assert xml_text("a\x00b\x1bc\td\ud8ffe") == "a\\x00b\\x1bc\td\\ud8ffe"


def test_xml_text_shows_reordering_marks_escaped() -> None:
    """A hostile `login` or file name with U+202E reordered a test name in CI's view (an
    attacker's review found JUnit the one format that kept it raw)."""
    assert xml_text("invoice\u202etxt.exe") == "invoice\\u202etxt.exe"
    assert xml_text("a\u200bb\u2066c\ufeff") == "a\\u200bb\\u2066c\\ufeff"


@pytest.mark.skipif(os.name == "nt", reason="POSIX file names may hold arbitrary bytes")
def test_one_failure_per_finding_and_suppressed_as_skipped(
    tmp_path: Path, token: TokenFactory
) -> None:
    ghp, gho = token("ghp"), token("gho")
    odd = os.fsdecode(b"bad\x1b[31m<&>\xfe.txt")
    (tmp_path / odd).write_text(f"T={ghp}\n")
    (tmp_path / "ok.txt").write_text(f"T={gho}  # pragma: allowlist secret\n")
    code, out = _junit(tmp_path)
    assert code == 1
    root = ET.fromstring(out.encode("utf-8"))  # noqa: S314 - our own output; well-formed?
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures"), root.get("skipped")) == ("2", "1", "1")
    cases = root.findall("./testsuite/testcase")
    assert len(cases) == 2
    failing = cases[0]
    assert failing.get("classname") == "patlint.github-classic-pat"
    assert failing.get("file") == "bad\\x1b[31m<&>\\xfe.txt"
    assert failing.get("line") == "1"
    failure = failing.find("failure")
    assert failure is not None and failure.get("type") == "github-classic-pat"
    assert f"token: {redact(ghp)} (ghp, sha256 {sha256_hex(ghp)})" in (failure.text or "")
    skipped = cases[1].find("skipped")
    assert skipped is not None and skipped.get("message") == "suppressed: inline comment"
    assert ghp not in out and gho not in out


def test_clean_scan_is_one_passing_case(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("fine\n")
    code, out = _junit(tmp_path)
    assert code == 0
    root = ET.fromstring(out)  # noqa: S314 - our own output
    (case,) = root.findall("./testsuite/testcase")
    assert case.get("name") == "no unsuppressed findings"
    assert list(case) == []
    assert root.get("failures") == "0"
