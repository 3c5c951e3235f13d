"""The tree both GitLab formats are tested on (tests/report/test_gitlab_*.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


@pytest.fixture
def tree(tmp_path: Path, token: Any) -> tuple[Path, dict[str, str]]:
    """A token in three files (one binary), another once, a workflow without permissions."""
    tokens = {"shared": token("ghp"), "single": token("gho")}
    root = tmp_path / "tree"
    (root / "src").mkdir(parents=True)
    (root / ".github" / "workflows").mkdir(parents=True)
    (root / "src" / "app.py").write_text(f'# setup\nTOKEN = "{tokens["shared"]}"\n')
    (root / "deploy.env").write_text(f"GH_TOKEN={tokens['shared']}\nOAUTH={tokens['single']}\n")
    (root / "blob.bin").write_bytes(b"\x00\x01" * 10 + tokens["shared"].encode() + b"\x00")
    (root / ".github" / "workflows" / "ci.yml").write_text(
        "on: push\njobs:\n  b:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo hi\n"
    )
    return root, tokens
