"""Tokens in file and folder names found once per name (patlint/engine/names.py, `NameScan`):
the walk's items pass through unchanged while their names are read in batches."""

from __future__ import annotations

from typing import Any

import pytest

from patlint.detectors.pattern import Detector
from patlint.engine.names import NameScan
from patlint.model import Context, Location, Skip, sha256_hex
from patlint.sources import names
from patlint.sources.tree import FileRef
from tests.sources.home import ruleset


def test_name_scan_batches_and_a_name_is_one_place(
    token: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(names, "BATCH", 3)
    t = token("github_pat")
    items: list[FileRef | Skip] = [FileRef(f"/x/{i}", f"d/{t}/f{i}", 1) for i in range(7)]
    items.append(Skip(f"d/{t}/pipe", "fifo"))
    scan = NameScan(Detector(ruleset().detectors))
    assert list(scan.wrap(items)) == items  # passed through, in order
    [c] = scan.candidates
    assert c.location == Location(f"d/{t}", note="folder name")
    assert c.context == Context(file_type="path")
    assert c.secret.digest == sha256_hex(t)
