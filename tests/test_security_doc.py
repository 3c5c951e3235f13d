"""docs/SECURITY.md names, for each threat, tests that exist (so the map cannot rot silently)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_test_named_in_security_md_exists() -> None:
    text = (ROOT / "docs" / "SECURITY.md").read_text(encoding="utf-8")
    named = sorted(set(re.findall(r"`(tests/[\w/]+\.py)::(\w+)`", text)))
    assert len(named) >= 50
    missing = [
        f"{path}::{name}"
        for path, name in named
        if not (ROOT / path).is_file()
        or not re.search(rf"^def {name}\(", (ROOT / path).read_text(encoding="utf-8"), re.M)
    ]
    assert missing == []
