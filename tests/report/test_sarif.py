"""`--format sarif`: valid against the official SARIF 2.1.0 schema, exact locations, no token."""

from __future__ import annotations

import io
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner

from patlint.cli import cli
from patlint.model import (
    Confidence,
    Finding,
    Location,
    ScanResult,
    ScanStats,
    Secret,
    Severity,
    TokenRef,
    redact,
    sha256_hex,
)
from patlint.report import FORMATS, renderer
from patlint.report.common import ReportMeta
from patlint.report.sarif import artifact_uri

TokenFactory = Callable[..., str]
REPO_ROOT = Path(__file__).resolve().parents[2]
SCHEMA_PATH = REPO_ROOT.parent / "shared" / "reference" / "schemas" / "sarif-schema-2.1.0.json"


@pytest.fixture(scope="module")
def validator() -> Any:
    if not SCHEMA_PATH.is_file():
        pytest.skip(
            f"official SARIF 2.1.0 schema not found at {SCHEMA_PATH} "
            "(CI places it beside the clone in ../shared/reference/schemas/)"
        )
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def _sarif(*args: str) -> tuple[int, dict[str, Any], str]:
    res = CliRunner().invoke(
        cli,
        ["scan", "--offline", "--no-progress", "--format", "sarif", *args],
        catch_exceptions=False,
    )
    return res.exit_code, json.loads(res.stdout), res.stdout


def test_formats_are_registered() -> None:
    assert {"sarif", "github", "junit"} <= set(FORMATS)
    for name in ("sarif", "github", "junit"):
        assert callable(renderer(name).render)


def test_sarif_report_validates_and_locates_each_finding(
    tmp_path: Path, token: TokenFactory, validator: Any
) -> None:
    ghp, gho, ghu = token("ghp"), token("gho"), token("ghu")
    (tmp_path / "app.env").write_text(f"X=1\nGH_TOKEN={ghp}\n")
    (tmp_path / "copy.txt").write_text(f"again {ghp}\n")
    (tmp_path / "blob.bin").write_bytes(b"\0\x01\x02" * 10 + gho.encode() + b"\0")
    (tmp_path / "ok.py").write_text(f"T = '{ghu}'  # patlint: ignore\n")
    code, doc, raw = _sarif(str(tmp_path))
    assert code == 1
    validator.validate(doc)
    for secret in (ghp, gho, ghu):
        assert secret not in raw

    (run,) = doc["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "patlint"
    rules = {r["id"]: r for r in driver["rules"]}
    classic = rules["github-classic-pat"]
    assert classic["defaultConfiguration"]["level"] == "error"
    assert classic["helpUri"].startswith("https://")
    assert classic["help"]["markdown"].startswith("## What it does")
    assert "How to fix it" in classic["help"]["text"]
    assert classic["properties"]["security-severity"] == "8.0"

    by_rule: dict[str, Any] = {}
    for r in run["results"]:
        by_rule.setdefault(r["ruleId"], r)  # the primary place of each finding comes first
    detected = {"github-classic-pat", "github-oauth-token", "github-app-user-token"}
    assert detected <= set(by_rule)  # offline policy rules may add findings of their own
    assert all(r["ruleId"] in rules for r in run["results"])

    text = by_rule["github-classic-pat"]
    assert driver["rules"][text["ruleIndex"]]["id"] == "github-classic-pat"
    loc = text["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uri"] == "app.env"
    assert loc["region"] == {"startLine": 2, "startColumn": 10}
    (related,) = text["relatedLocations"]
    assert related["physicalLocation"]["artifactLocation"]["uri"] == "copy.txt"
    assert related["physicalLocation"]["region"] == {"startLine": 1, "startColumn": 7}
    assert text["properties"]["token"] == {
        "kind": "ghp",
        "preview": redact(ghp),
        "sha256": sha256_hex(ghp),
    }
    assert len(text["partialFingerprints"]["patlint/v1"]) == 64
    assert "suppressions" not in text
    (copy,) = [
        r
        for r in run["results"]
        if r["ruleId"] == "github-classic-pat"
        and r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "copy.txt"
    ]
    assert copy["relatedLocations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "app.env"
    assert copy["properties"]["findingFingerprint"] == text["partialFingerprints"]["patlint/v1"]

    binary = by_rule["github-oauth-token"]["locations"][0]["physicalLocation"]
    assert binary["artifactLocation"]["uri"] == "blob.bin"
    assert binary["region"] == {"byteOffset": 30}

    suppressed = by_rule["github-app-user-token"]
    assert suppressed["suppressions"] == [{"kind": "inSource", "justification": "inline comment"}]
    assert run["invocations"][0]["properties"]["suppressed"] == 1
    assert run["invocations"][0]["exitCode"] == 1


def test_sarif_clean_scan_validates(tmp_path: Path, validator: Any) -> None:
    (tmp_path / "a.txt").write_text("nothing here\n")
    code, doc, _ = _sarif(str(tmp_path))
    assert code == 0
    validator.validate(doc)
    assert doc["runs"][0]["results"] == []
    assert len(doc["runs"][0]["tool"]["driver"]["rules"]) >= 10
    broken = json.loads(json.dumps(doc))
    broken["runs"][0]["results"] = [{"message": {"text": "x"}, "level": "fatal"}]
    with pytest.raises(jsonschema.ValidationError):  # the schema really is enforced
        validator.validate(broken)


@pytest.mark.skipif(os.name == "nt", reason="POSIX file names may hold arbitrary bytes")
def test_sarif_uris_for_odd_paths(tmp_path: Path, token: TokenFactory, validator: Any) -> None:
    secret = token("ghp")
    odd = os.fsdecode(b"we ird,na:me\xff.txt")
    (tmp_path / odd).write_text(f"t={secret}\n")
    code, doc, raw = _sarif(str(tmp_path))
    assert code == 1
    validator.validate(doc)
    (result,) = doc["runs"][0]["results"]
    physical = result["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"]["uri"] == "we%20ird%2Cna%3Ame%FF.txt"
    assert result["locations"][0]["properties"]["path"] == "we ird,na:me\\xff.txt"
    assert secret not in raw


def test_artifact_uri_home_paths_are_absolute_file_uris(home: Path) -> None:
    assert artifact_uri("~/.docker/config.json") == f"file://{home}/.docker/config.json"
    assert artifact_uri("src/a b.py") == "src/a%20b.py"


def test_sarif_carries_commit_and_baseline_suppression(validator: Any) -> None:
    secret = Secret("ghp_" + "a1B2" * 9, "ghp")
    finding = Finding(
        rule_id="github-classic-pat",
        message="GitHub classic personal access token found",
        severity=Severity.HIGH,
        confidence=Confidence.HIGH,
        location=Location("src/a.py", 3, 7, 40, commit="1a2b3c4d"),
        token=TokenRef.of(secret),
        suppressed="baseline",
    )
    result = ScanResult(tokens=[], findings=[], suppressed=[finding], stats=ScanStats())
    meta = ReportMeta(
        version="0.0", config_source="test", fail_on="low", exit_code=0, verification="offline"
    )
    out = io.StringIO()
    renderer("sarif").render(result, stream=out, meta=meta)
    doc = json.loads(out.getvalue())
    validator.validate(doc)
    (res,) = doc["runs"][0]["results"]
    loc = res["locations"][0]
    assert loc["properties"]["commit"] == "1a2b3c4d"
    assert loc["message"]["text"] == "commit 1a2b3c4d"
    assert res["suppressions"] == [{"kind": "external", "justification": "baseline"}]
    assert "ruleIndex" not in res  # no rule metadata given
    assert secret.reveal() not in out.getvalue()


def test_a_token_in_three_files_is_one_result_per_file(
    tmp_path: Path, token: TokenFactory, validator: Any
) -> None:
    # Code scanning marks each file on the pull request, not the first one only.
    leaked = token("ghp")
    for name in ("a.env", "b.env", "c/d.env"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text(f"X=1\nGH_TOKEN={leaked}\nAGAIN={leaked}\n")
    code, doc, raw = _sarif(str(tmp_path))
    assert code == 1 and leaked not in raw
    validator.validate(doc)
    results = [r for r in doc["runs"][0]["results"] if r["ruleId"] == "github-classic-pat"]
    uris = [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results]
    assert uris == ["a.env", "b.env", "c/d.env"]
    assert [r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in results] == [
        2,
        2,
        2,
    ]
    digest = sha256_hex(leaked)
    from patlint.model import finding_fingerprint

    assert [r["partialFingerprints"]["patlint/v1"] for r in results] == [
        finding_fingerprint("github-classic-pat", p, digest) for p in uris
    ]
    # every other place (other files, the second line of the same file) stays related
    related = [
        (
            loc["physicalLocation"]["artifactLocation"]["uri"],
            loc["physicalLocation"]["region"]["startLine"],
        )
        for loc in results[1]["relatedLocations"]
    ]
    assert related == [("a.env", 2), ("a.env", 3), ("b.env", 3), ("c/d.env", 2), ("c/d.env", 3)]
    several = [
        r for r in doc["runs"][0]["results"] if r["ruleId"] == "token-stored-in-several-places"
    ]
    assert len(several) == 3


def test_an_archive_member_named_with_dot_segments_stays_below_its_archive() -> None:
    """`bundle.zip!../../.github/workflows/release.yml` resolved (RFC 3986) to the tree's own
    workflow: an alert of the zip would mark another file. Its slashes are encoded now."""
    from urllib.parse import urljoin

    uri = artifact_uri("sub/bundle.zip!../../.github/workflows/release.yml")
    assert uri == "sub/bundle.zip%21..%2F..%2F.github%2Fworkflows%2Frelease.yml"
    assert urljoin("https://x.test/root/", uri).startswith("https://x.test/root/sub/bundle.zip")
    # a member without dot segments keeps its readable form
    assert artifact_uri("sub/bundle.zip!docs/a b.txt") == "sub/bundle.zip%21docs/a%20b.txt"
