"""A `patlint scan --format json` report read back (patlint/sources/report_json.py), as
`patlint merge` reads a shard's artifact: what it returns for an honest report, and a forged or
damaged one refused with the report and the JSON path named, never echoing what looks like a
token, never crashing."""

from __future__ import annotations

import copy
import json
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from patlint import __version__
from patlint.cli import cli
from patlint.config import Config
from patlint.engine.ruleset import build_ruleset
from patlint.errors import ConfigError, PatlintError
from patlint.model import Rule
from patlint.report.json_report import SCHEMA_VERSION
from patlint.sources.report_json import MISSING_SHARD, LoadedReport, ReportedSecret, parse_report

RULES: dict[str, Rule] = {r.id: r for r in build_ruleset(Config()).known}


def parse(doc: Any, source: str = "shard.json") -> LoadedReport:
    text = doc if isinstance(doc, str) else json.dumps(doc)
    return parse_report(
        text, source, version=__version__, schema_version=SCHEMA_VERSION, rules=RULES
    )


_SCANNED: list[dict[str, Any]] = []  # one scan serves every test of this file


@pytest.fixture
def report(tmp_path: Path, token: Any) -> dict[str, Any]:
    """A real report (a copy): a token at two places and a workflow place finding."""
    if not _SCANNED:
        secret = token("ghp")
        (tmp_path / "a.env").write_text(f"GH_TOKEN={secret}\n")
        (tmp_path / "b.env").write_text(f"\nOTHER={secret}\n")
        (tmp_path / ".github" / "workflows").mkdir(parents=True)
        (tmp_path / ".github" / "workflows" / "ci.yml").write_text(
            "on: push\njobs:\n  b:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo hi\n"
        )
        with pytest.MonkeyPatch.context() as mp:
            mp.chdir(tmp_path)
            res = CliRunner().invoke(
                cli, ["scan", "--offline", "--no-progress", "--format", "json", "."]
            )
        assert res.exit_code == 1, res.stderr
        _SCANNED.append(json.loads(res.stdout))
    return copy.deepcopy(_SCANNED[0])


def test_an_honest_report_comes_back_as_its_places(report: dict[str, Any]) -> None:
    doc = report
    loaded = parse(doc)
    (tok,) = doc["tokens"]
    assert sorted((c.location.path, c.location.line, c.rule_id) for c in loaded.candidates) == [
        ("a.env", 1, "github-classic-pat"),
        ("b.env", 2, "github-classic-pat"),
    ]
    for c in loaded.candidates:
        assert isinstance(c.secret, ReportedSecret)
        assert (c.secret.digest, c.secret.kind) == (tok["sha256"], "ghp")
        assert c.severity == RULES["github-classic-pat"].severity
    assert [(p.rule_id, p.location.path) for p in loaded.places] == [
        ("missing-permissions-block", ".github/workflows/ci.yml")
    ]
    assert loaded.files_scanned == 3
    assert loaded.infos == {}  # offline: GitHub was not asked, nothing recorded


def test_a_reported_secret_reveals_nothing_even_unpickled(
    report: dict[str, Any],
) -> None:
    doc = report
    reported = parse(doc).candidates[0].secret
    # workers receive candidates pickled: the copy must stay sealed
    for s in (reported, pickle.loads(pickle.dumps(reported))):  # noqa: S301 - our own bytes
        assert isinstance(s, ReportedSecret) and s.digest == doc["tokens"][0]["sha256"]
        with pytest.raises(PatlintError, match="known only by its SHA-256"):
            s.reveal()
        with pytest.raises(PatlintError, match="known only by its SHA-256"):
            _ = s.sha1


Edit = Callable[[dict[str, Any]], None]


def _set(path: str, value: Any) -> Edit:
    """An edit that sets the value at a dotted JSON path (`tokens.0.sha256`)."""

    def edit(doc: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = doc
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        if isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value

    return edit


FORGED: dict[str, tuple[Edit, str]] = {
    "digest": (_set("tokens.0.sha256", "../../etc/passwd"), "tokens[0].sha256: expected a SHA-256"),
    "upper digest": (_set("tokens.0.sha256", "A" * 64), "tokens[0].sha256: expected a SHA-256"),
    "escape in kind": (_set("tokens.0.kind", "\x1b[2Jghp"), "tokens[0].kind: expected a name"),
    "bidi in preview": (_set("tokens.0.preview", "ghp_\u202e…"), "tokens[0].preview"),
    "long preview": (_set("tokens.0.preview", "g" * 65), "tokens[0].preview"),
    "negative line": (_set("tokens.0.locations.0.line", -1), "tokens[0].locations[0].line"),
    "bool line": (_set("tokens.0.locations.0.line", True), "tokens[0].locations[0].line"),
    "path not text": (_set("tokens.0.locations.0.path", ["x"]), "tokens[0].locations[0].path"),
    "fewer contexts": (_set("tokens.0.contexts", []), "as many contexts and detections"),
    "unknown rule": (_set("tokens.0.detections.0.rule_id", "mine"), "rule 'mine' is not known"),
    "status": (
        _set("tokens.0.verification", {"status": "owned", "kind": "ghp"}),
        "tokens[0].verification.status",
    ),
    "time": (
        _set("tokens.0.verification", {"status": "valid", "kind": "ghp", "checked_at": "now"}),
        "tokens[0].verification.checked_at: expected an ISO 8601 time",
    ),
    "time with no UTC form": (  # parsed by Python, then an OverflowError in the policy step
        _set(
            "tokens.0.verification",
            {"status": "valid", "kind": "ghp", "expires_at": "9999-12-31T23:59:59-23:59"},
        ),
        "tokens[0].verification.expires_at: expected an ISO 8601 time",
    ),
    "scopes": (
        _set("tokens.0.verification", {"status": "valid", "kind": "ghp", "scopes": "repo"}),
        "tokens[0].verification.scopes: expected a list",
    ),
    "severity": (_set("collected.places.0.severity", "extreme"), "collected.places[0].severity"),
    "skip reason": (
        lambda d: d["skipped"].append({"path": "x", "reason": "a\nb"}),
        "skipped[0].reason",
    ),
    "tokens not a list": (_set("tokens", {}), "tokens: expected a list"),
    "no collected": (lambda d: d.pop("collected"), "collected: expected an object"),
    "fleet name": (
        _set("fleet", {"shards": [], "repositories": [{"name": "-oops", "status": "scanned"}]}),
        "fleet.repositories[0].name",
    ),
}


@pytest.mark.parametrize("case", sorted(FORGED))
def test_a_forged_field_is_refused_naming_the_report_and_the_json_path(
    report: dict[str, Any], case: str
) -> None:
    doc = report
    edit, said = FORGED[case]
    forged = copy.deepcopy(doc)
    edit(forged)
    with pytest.raises(ConfigError) as err:
        parse(forged, "forged-shard.json")
    message = str(err.value)
    assert message.startswith("forged-shard.json: ") and said in message, message
    assert "\x1b" not in message and "\u202e" not in message


def test_a_repository_that_hides_a_token_is_refused_without_echoing_it(
    report: dict[str, Any], token: Any
) -> None:
    doc = report
    hidden = token("ghp")
    for name in (f"https://{hidden}@github.com/o/r", f"https://x:{'ab' * 20}@github.com/o/r\n"):
        forged = copy.deepcopy(doc)
        forged["tokens"][0]["locations"][0]["repository"] = name
        with pytest.raises(ConfigError) as err:
            parse(forged)
        assert "tokens[0].locations[0].repository" in str(err.value)
        assert hidden not in str(err.value) and "ab" * 20 not in str(err.value)


def test_other_versions_and_other_documents_are_refused(
    report: dict[str, Any],
) -> None:
    doc = report
    cases: dict[str, tuple[Any, str]] = {
        "older schema": (dict(doc, schema_version="1.0"), "report schema 1.0"),
        "other patlint": (dict(doc, tool={"name": "patlint", "version": "0.0.1"}), "0.0.1"),
        "other tool": (dict(doc, tool={"name": "gitleaks"}), "not a JSON report of"),
        "a list": ([doc], "not a patlint JSON report"),
        "not json": ("{", "not JSON"),
        "deep": ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    }
    for name, (bad, said) in cases.items():
        with pytest.raises(ConfigError) as err:
            parse(bad)
        assert said in str(err.value), name


def test_a_merges_own_missing_shard_skip_is_not_read_back(
    report: dict[str, Any],
) -> None:
    doc = report
    doc["skipped"] = [
        {"path": "shard 2/3", "reason": MISSING_SHARD, "detail": ""},
        {"path": "big.bin", "reason": "too-large", "detail": "9 MB"},
    ]
    assert [(s.path, s.reason) for s in parse(doc).skipped] == [("big.bin", "too-large")]
