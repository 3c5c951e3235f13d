"""`--format json` (patlint/report/json_report.py): a document that validates against
patlint/schemas/report-v1.json, whose summary agrees with its lists, that keeps what `patlint
merge` reads back, and that never holds a token — not in a name, a key, a suppressed finding or
the collected places."""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner

from patlint.cli import cli
from patlint.report.json_report import SCHEMA_VERSION

SCHEMA = json.loads(
    (Path(__file__).parents[2] / "patlint" / "schemas" / "report-v1.json").read_text()
)


def scan_json(root: Path, *args: str) -> tuple[int, str, dict[str, Any]]:
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(root)
        res = CliRunner().invoke(
            cli,
            ["scan", "--offline", "--no-progress", "--format", "json", *args, "."],
            catch_exceptions=False,
        )
    return res.exit_code, res.stdout, json.loads(res.stdout)


def sha(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@pytest.fixture
def tree(tmp_path: Path, token: Any) -> tuple[Path, dict[str, str]]:
    """A token twice, one suppressed inline, one as a file name, one as a JSON key, and a
    workflow without permissions."""
    toks = {k: token(kind) for k, kind in (("twice", "ghp"), ("hushed", "gho"), ("named", "ghu"))}
    toks["key"] = token("ghs")
    (tmp_path / "a.env").write_text(f"GH_TOKEN={toks['twice']}\n")
    (tmp_path / "b.env").write_text(f"OTHER={toks['twice']}\n")
    (tmp_path / "c.py").write_text(f'T = "{toks["hushed"]}"  # patlint: ignore\n')
    (tmp_path / f"{toks['named']}.txt").write_text("x\n")
    (tmp_path / "d.json").write_text(json.dumps({toks["key"]: "value"}))
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    (tmp_path / ".github" / "workflows" / "ci.yml").write_text(
        "on: push\njobs:\n  b:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo hi\n"
    )
    return tmp_path, toks


def test_the_document_validates_and_its_summary_agrees_with_its_lists(
    tree: tuple[Path, dict[str, str]],
) -> None:
    root, toks = tree
    code, out, doc = scan_json(root)
    assert code == 1
    jsonschema.validate(doc, SCHEMA)
    assert doc["schema_version"] == SCHEMA_VERSION
    assert doc["tool"]["name"] == "patlint"
    # sorted keys, two-space indent, UTF-8 text: the standard library's own spelling
    assert out.rstrip("\n") == json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False)
    s = doc["summary"]
    assert s["findings"] == len(doc["findings"]) > 0
    assert s["by_severity"] == dict(Counter(f["severity"] for f in doc["findings"]))
    assert s["tokens"] == len(doc["tokens"]) == len(toks)
    assert s["suppressed"] == len(doc["suppressed"]) == 1
    assert s["skipped"] == len(doc["skipped"])
    assert s["files_scanned"] == 6 and s["exit_code"] == 1
    # the suppressed token is reported as suppressed, not as a finding
    hushed = sha(toks["hushed"])
    assert all(f["token"]["sha256"] != hushed for f in doc["findings"] if f.get("token"))
    assert any(f["token"]["sha256"] == hushed for f in doc["suppressed"])
    # a token's rules name every rule that fired on it, suppressed or not
    by_digest = {t["sha256"]: t for t in doc["tokens"]}
    twice = by_digest[sha(toks["twice"])]
    assert sorted(loc["path"] for loc in twice["locations"]) == ["a.env", "b.env"]
    assert len(twice["detections"]) == len(twice["contexts"]) == 2
    assert set(twice["rules"]) == {
        f["rule_id"]
        for f in doc["findings"]
        if (f.get("token") or {}).get("sha256") == twice["sha256"]
    }
    assert by_digest[hushed]["rules"] == [doc["suppressed"][0]["rule_id"]]
    assert [d["suppress"] for d in by_digest[hushed]["detections"]] == ["*"]


def test_no_token_anywhere_in_the_document(tree: tuple[Path, dict[str, str]]) -> None:
    root, toks = tree
    _, out, doc = scan_json(root)
    for name, secret in toks.items():
        assert secret not in out, name
        assert sha(secret) in {t["sha256"] for t in doc["tokens"]}, name
    # what merge reads back: places before judging (the workflow's), never a token
    (place,) = doc["collected"]["places"]
    assert place["rule_id"] == "missing-permissions-block" and place["token"] is None
    assert place["location"]["path"] == ".github/workflows/ci.yml"


def test_an_undecodable_file_name_keeps_the_document_utf8(tmp_path: Path, token: Any) -> None:
    secret = token("ghp")
    name = os.fsencode(tmp_path) + b"/bad-\xff\xfe.env"
    with open(name, "wb") as fh:
        fh.write(f"GH_TOKEN={secret}\n".encode())
    code, out, doc = scan_json(tmp_path)
    assert code == 1
    out.encode("utf-8")  # no lone surrogate reached the text
    (finding,) = [f for f in doc["findings"] if f["rule_id"] == "github-classic-pat"]
    assert finding["location"]["path"].startswith("bad-") and "\udcff" not in out
    assert secret not in out
