"""Tokens in file and folder names found once per name (patlint/engine/names.py, `NameScan`):
the walk's items pass through unchanged while their names are read in batches."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
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


def test_a_token_as_a_links_target_is_found_at_the_link(
    tmp_path: Path, token: Callable[..., str]
) -> None:
    """`ln -s ghp_… creds; git add creds` commits the token as the link's blob, and the tree
    scan passed the link over without a look (an attacker's review)."""
    import json

    from click.testing import CliRunner

    from patlint.cli import cli

    secret = token("ghp")
    (tmp_path / "creds").symlink_to(secret)  # dangling: the target is the token itself
    (tmp_path / "ok").symlink_to("README.md")
    for args in ([str(tmp_path)], [str(tmp_path / "creds")]):  # walked, and named explicitly
        res = CliRunner().invoke(cli, ["scan", "--offline", "--format", "json", *args])
        assert res.exit_code == 1, res.output
        report = json.loads(res.stdout)
        (tok,) = report["tokens"]
        assert tok["locations"][0]["note"] == "link target"
        assert tok["locations"][0]["path"].endswith("creds")
        assert secret not in res.stdout
