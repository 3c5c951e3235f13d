"""The fleet, org and revoke records: out of `patlint.model`'s import, still reachable through it."""

from __future__ import annotations

import pickle
import subprocess
import sys
from dataclasses import FrozenInstanceError, fields, replace
from datetime import datetime, timezone

import pytest

import patlint.model
from patlint import records
from patlint.model import ScanStats, TokenStatus


def test_importing_the_model_or_the_cli_does_not_create_the_records() -> None:
    code = (
        "import sys, patlint.cli, patlint.model\n"
        "print('patlint.records' in sys.modules)\n"
        "from patlint.model import OrgToken\n"
        "print(OrgToken.__module__, 'patlint.records' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "patlint.records", "True"]


@pytest.mark.parametrize("name", sorted(patlint.model._RECORDS))
def test_the_model_answers_for_each_record(name: str) -> None:
    assert getattr(patlint.model, name) is getattr(records, name)


def test_an_unknown_name_is_still_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="NoSuchRecord"):
        _ = patlint.model.NoSuchRecord  # type: ignore[attr-defined]


def test_records_pickle_replace_and_stay_frozen() -> None:
    when = datetime(2026, 1, 2, tzinfo=timezone.utc)
    tok = records.OrgToken("fine-grained", 7, "github_pat", "octo", expires_at=when)
    result = records.OrgResult([], [], [], ScanStats(), org="acme", inventory=[tok])
    back = pickle.loads(pickle.dumps(result))  # noqa: S301 (our own bytes, as a worker sends)
    assert back == result and back.inventory[0] == tok
    assert replace(tok, owner="other").owner == "other"
    assert "inventory" in {f.name for f in fields(records.OrgResult)}
    with pytest.raises(FrozenInstanceError):
        tok.owner = "x"  # type: ignore[misc]
    assert tok.info("github.com", now=when).status is TokenStatus.VALID
    fleet = records.FleetInfo(("1/1",), (records.RepoStatus("r", "scanned"),))
    assert pickle.loads(pickle.dumps(fleet)) == fleet  # noqa: S301 (our own bytes)
