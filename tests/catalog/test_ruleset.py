"""Which rules run (patlint/catalog/ruleset.py): the default ruleset, opt-in rules, user rule
folders, and the config's and the command line's enable/disable/overrides, in the order they
apply; every unknown id refused naming where it came from."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from patlint.catalog.ruleset import (
    builtin_rules_dir,
    load_ruleset_ids,
    rule_files,
    select_rules,
)
from patlint.config import Config, parse_config
from patlint.errors import ConfigError, RuleError
from patlint.model import Severity

OPT_IN = "github-token-checksum-invalid"
CORP = (
    "- id: corp-key\n  name: Corp key\n  kind: detector\n  token_kind: legacy\n"
    "  pattern: '(CORP-[0-9a-f]{32})'\n  keywords: [CORP-]\n  severity: medium\n"
    "  description: d\n  remediation: r\n  examples: ['k=CORP-3a7f19c2e84b60d5f1c9a2e7b4d80f63']\n"
    "  negative_examples: ['CORP-1']\n{extra}"
)


def config(**data: Any) -> Config:
    return parse_config(data, "test")


def ids(rules: Any) -> list[str]:
    return [r.id for r in rules]


def test_the_default_ruleset_in_its_order_without_opt_in_rules() -> None:
    rs = select_rules(Config())
    default = load_ruleset_ids(builtin_rules_dir() / "rulesets" / "default.yml")
    assert ids(rs.enabled) == [rid for rid in default if rid != OPT_IN]
    assert OPT_IN in ids(rs.known) and OPT_IN not in ids(rs.enabled)
    assert {r.kind for r in rs.detectors} == {"detector"}
    assert {r.kind for r in rs.policies} == {"policy"}
    assert sorted(ids(rs.detectors) + ids(rs.policies)) == sorted(ids(rs.enabled))
    assert rs.get("no-such-rule") is None and rs.get(OPT_IN) is not None


def test_switches_apply_in_order_and_disable_wins() -> None:
    on = select_rules(Config(), enable=[OPT_IN])
    assert ids(on.enabled)[-1] == OPT_IN
    both = select_rules(config(enable=[OPT_IN]), disable=[OPT_IN])
    assert OPT_IN not in ids(both.enabled)
    overridden = select_rules(
        config(rules={"god-token": {"enabled": False}, OPT_IN: {"enabled": True}})
    )
    assert "god-token" not in ids(overridden.enabled) and OPT_IN in ids(overridden.enabled)
    stricter = select_rules(config(rules={"github-oauth-token": {"severity": "critical"}}))
    oauth = next(r for r in stricter.enabled if r.id == "github-oauth-token")
    assert oauth.severity is Severity.CRITICAL
    assert select_rules(Config()).get("github-oauth-token").severity is not Severity.CRITICAL  # type: ignore[union-attr]


def test_extends_none_starts_from_nothing() -> None:
    rs = select_rules(config(extends="none", enable=["github-classic-pat"]))
    assert ids(rs.enabled) == ["github-classic-pat"]
    assert len(rs.known) == len(select_rules(Config()).known)


@pytest.mark.parametrize(
    ("cfg", "kw", "where"),
    [
        ({"enable": ["nope"]}, {}, "config: enable"),
        ({"disable": ["nope"]}, {}, "config: disable"),
        ({"rules": {"nope": {"enabled": True}}}, {}, "config: rules"),
        ({}, {"enable": ["nope"]}, "--enable"),
        ({}, {"disable": ["nope"]}, "--disable"),
    ],
)
def test_an_unknown_id_is_refused_naming_its_source(
    cfg: dict[str, Any], kw: dict[str, Any], where: str
) -> None:
    with pytest.raises(ConfigError, match=f"^{where}: unknown rule id 'nope'"):
        select_rules(config(**cfg), **kw)


def test_user_rules_are_custom_and_on_unless_opt_in(tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "corp.yml").write_text(CORP.replace("{extra}", ""))
    (mine / "notes.txt").write_text("not a rule file\n")
    rs = select_rules(Config(), extra_dirs=[str(mine)])
    corp = rs.get("corp-key")
    assert corp is not None and corp.custom and ids(rs.enabled)[-1] == "corp-key"
    assert not any(r.custom for r in rs.known if r.id != "corp-key")
    (mine / "corp.yml").write_text(CORP.replace("{extra}", "  opt_in: true\n"))
    rs = select_rules(config(rules_dirs=[str(mine)]))
    assert "corp-key" in ids(rs.known) and "corp-key" not in ids(rs.enabled)


def test_a_user_rule_cannot_take_a_built_in_id(tmp_path: Path) -> None:
    (tmp_path / "dup.yml").write_text(
        CORP.replace("{extra}", "").replace("corp-key", "github-classic-pat")
    )
    with pytest.raises(RuleError, match="github-classic-pat"):
        select_rules(Config(), extra_dirs=[str(tmp_path)])


def test_rule_files_skip_rulesets_and_other_files_and_a_missing_folder_is_an_error(
    tmp_path: Path,
) -> None:
    (tmp_path / "rulesets").mkdir()
    (tmp_path / "rulesets" / "mine.yml").write_text("rules: []\n")
    (tmp_path / "sub").mkdir()
    for name in ("b.yaml", "sub/a.yml", "c.json", "d.yml.bak"):
        (tmp_path / name).write_text("[]\n")
    assert [p.relative_to(tmp_path).as_posix() for p in rule_files(tmp_path)] == [
        "b.yaml",
        "sub/a.yml",
    ]
    with pytest.raises(ConfigError, match="rules folder not found"):
        rule_files(tmp_path / "absent")


@pytest.mark.parametrize("text", ["rules: github-classic-pat\n", "rules: [1, 2]\n", "- a\n"])
def test_a_ruleset_file_must_list_rule_ids(tmp_path: Path, text: str) -> None:
    path = tmp_path / "set.yml"
    path.write_text(text)
    with pytest.raises(RuleError, match="field 'rules': expected a list of rule ids"):
        load_ruleset_ids(path)
