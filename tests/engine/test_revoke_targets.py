"""Reading `patlint revoke` targets back from a JSON report's places."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from click.testing import CliRunner

from patlint.cli import cli
from patlint.config import Config
from patlint.detectors.pattern import Detector
from patlint.engine.revoke_targets import from_report
from patlint.engine.ruleset import build_ruleset
from patlint.model import sha256_hex


def test_file_name_that_is_not_utf8_is_found_again(
    tmp_path: Path, token: Callable[..., str]
) -> None:
    # The report writes the name's bad byte as "\xe9"; revoke must still find the file.
    t = token("ghp")
    root = tmp_path / "tree"
    root.mkdir()
    with open(os.fsencode(str(root)) + b"/caf\xe9.txt", "wb") as fh:
        fh.write(b"GH_TOKEN=" + t.encode() + b"\n")
    other = token("ghp")
    (root / "caf\\xe9.txt").write_text(f"GH_TOKEN={other}\n")  # the escape, literally
    report = tmp_path / "report.json"
    res = CliRunner().invoke(
        cli,
        ["scan", "--offline", "--no-progress", "--format", "json", "-o", str(report), str(root)],
    )
    assert res.exit_code == 1, res.stderr
    detector = Detector(build_ruleset(Config()).detectors)
    targets = from_report(str(report), detector, root=str(root))
    assert sorted(t.secret.digest for t in targets.found) == sorted(
        [sha256_hex(t), sha256_hex(other)]
    )
    assert targets.missing == []
