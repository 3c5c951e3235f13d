"""File-based rule examples run through the real pipeline, and the runner catches bad ones."""

from __future__ import annotations

import random
from dataclasses import replace

from patlint.config import Config
from patlint.engine.examples import check_rule
from patlint.engine.place_examples import run_file_example
from patlint.engine.ruleset import build_ruleset

RULESET = build_ruleset(Config())


def rule(rule_id: str):  # type: ignore[no-untyped-def]
    r = RULESET.get(rule_id)
    assert r is not None
    return r


def test_mode_is_applied() -> None:
    r = rule("credential-file-readable-by-others")
    ex = {"path": "~/.netrc", "text": "machine github.com password {{token:ghp}}\n"}
    rng = random.Random(1)
    assert run_file_example(r, RULESET, {**ex, "mode": 0o644}, rng) is True
    assert run_file_example(r, RULESET, {**ex, "mode": "0600"}, rng) is False
    assert run_file_example(r, RULESET, {**ex, "mode": "0o640"}, rng) is True


def test_copy_plants_one_token_in_several_files() -> None:
    r = rule("token-stored-in-several-places")
    rng = random.Random(2)
    files = [
        {"path": ".git-credentials", "text": "https://me:{{token:ghp}}@github.com\n"},
        {"path": "x/.env", "text": "GH_TOKEN={{copy}}\n"},
    ]
    assert run_file_example(r, RULESET, {"files": files}, rng) is True
    files[1] = {"path": "x/.env", "text": "GH_TOKEN={{token:ghp}}\n"}
    assert run_file_example(r, RULESET, {"files": files}, rng) is False


def test_runner_reports_examples_that_misbehave() -> None:
    r = rule("token-in-shell-history")
    broken = replace(
        r,
        examples=({"path": "~/.bash_history", "text": "ls\n"},),
        negative_examples=({"path": "~/.bash_history", "text": "export T={{token:ghp}}\n"},),
    )
    assert check_rule(broken, RULESET, seed=0) == [
        "examples[0] does not fire",
        "negative_examples[0] fires",
    ]
    bad_path = replace(r, examples=({"path": "../escape", "text": "x"},))
    assert check_rule(bad_path, RULESET, seed=0) == [
        "examples[0]: files[0]: path must be relative and stay inside the example"
    ]


def test_github_api_names_configured_hosts() -> None:
    """`github_api:` in a file example scans as if the config named those GitHub API hosts."""
    r = rule("token-for-wrong-host")
    rng = random.Random(3)
    ex = {"path": "~/.git-credentials", "text": "https://me:{{token:ghp}}@git.corp.example\n"}
    assert run_file_example(r, RULESET, ex, rng) is True
    api = {"git.corp.example": "https://git.corp.example/api/v3"}
    assert run_file_example(r, RULESET, {**ex, "github_api": api}, rng) is False
    bad = replace(r, negative_examples=({**ex, "github_api": ["git.corp.example"]},))
    assert check_rule(bad, RULESET, seed=0) == [
        "negative_examples[0]: github_api: expected a mapping of host to API URL"
    ]


def test_runner_reports_a_trigger_that_misses_its_own_example() -> None:
    # A tree scan never gives the detector a file the pre-check turns away: an example found
    # by the detector alone must fail `rules check` rather than go unnoticed by users.
    from patlint.catalog.ruleset import RuleSet
    from patlint.model import Trigger

    r = rule("github-legacy-token-in-url")
    assert r.trigger is not None
    blind = replace(r, trigger=replace(r.trigger, after="[A-Za-z0-9.-]*githubXYZ"))
    assert isinstance(blind.trigger, Trigger)
    known = tuple(blind if k.id == r.id else k for k in RULESET.known)
    ruleset = RuleSet(known, known)
    problems = check_rule(blind, ruleset, seed=0)
    assert problems and all("pre-check" in p for p in problems)
    assert check_rule(r, RULESET, seed=0) == []
