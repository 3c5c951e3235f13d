"""File-based rule examples: write the files into a temporary folder and run the real pipeline.

Used by rules whose findings come from readers (`check: place`) or from where tokens are stored
(`several-places`, `wrong-host`). An example is a file or a set of files::

    {path: "~/.git-credentials", text: "https://me:{{token:ghp}}@github.com", mode: 0644}
    {files: [{path: .git-credentials, text: "…{{token:ghp}}…"}, {path: .npmrc, text: "…{{copy}}…"}]}
    {path: …, text: …, github_api: {git.corp.example: "https://git.corp.example/api/v3"}}

`github_api` scans as if the config named those GitHub API hosts (as `--github-api HOST=URL`).

`{{token:KIND}}` and the other placeholders are expanded as in detector examples; `{{copy}}`
repeats the example's first generated token, so one token can be planted in several files.
The scan is offline and uses the enabled detection rules plus the rule under test.
"""

from __future__ import annotations

import os
import random
import re
import tempfile
from collections.abc import Mapping
from typing import Any

from patlint.catalog.ruleset import RuleSet
from patlint.model import Rule

_FIRST_TOKEN = re.compile(r"\{\{token:([a-z_]+)\}\}")


def is_file_example(example: Any) -> bool:
    """True for `{path, text[, mode]}` and `{files: [...]}` examples."""
    return isinstance(example, Mapping) and ("text" in example or "files" in example)


def _mode(value: Any, where: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        try:
            return int(value.removeprefix("0o"), 8)
        except ValueError:
            pass
    raise ValueError(f"{where}: mode: expected an octal mode such as 0600, got {value!r}")


def _files(example: Mapping[str, Any]) -> list[tuple[str, str, int | None]]:
    items = example.get("files", [example])
    if not isinstance(items, list) or not items:
        raise ValueError("files: expected a non-empty list of {path, text, mode}")
    out = []
    for i, item in enumerate(items):
        if not isinstance(item, Mapping):
            raise ValueError(f"files[{i}]: expected a mapping with path and text")
        path, text = item.get("path"), item.get("text")
        if not isinstance(path, str) or not path or not isinstance(text, str):
            raise ValueError(f"files[{i}]: expected 'path' and 'text' strings")
        path = path.removeprefix("~/")
        if os.path.isabs(path) or ".." in path.split("/"):
            raise ValueError(f"files[{i}]: path must be relative and stay inside the example")
        out.append((path, text, _mode(item.get("mode"), f"files[{i}]")))
    return out


def _github_api(example: Mapping[str, Any]) -> Mapping[str, str]:
    value = example.get("github_api", {})
    if not isinstance(value, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise ValueError("github_api: expected a mapping of host to API URL")
    return value


def run_file_example(
    rule: Rule, ruleset: RuleSet, example: Mapping[str, Any], rng: random.Random
) -> bool:
    """Write the example's files and scan them; True when `rule` reports something."""
    from patlint.engine.run import ScanOptions, run_scan
    from patlint.hosts import configured_hosts
    from patlint.sources.tree import WalkOptions
    from patlint.tokengen import expand, make_token

    files = _files(example)
    github_hosts = configured_hosts(_github_api(example), ())
    first: str | None = None
    for _path, text, _ in files:
        m = _FIRST_TOKEN.search(text)
        if m:
            first = make_token(m.group(1), rng)
            break
    with tempfile.TemporaryDirectory(prefix="patlint-example-") as root:
        placed = False
        for path, raw, mode in files:
            text = raw
            if first is not None:
                if not placed and _FIRST_TOKEN.search(text):
                    text = _FIRST_TOKEN.sub(lambda _m: first or "", text, count=1)
                    placed = True
                text = text.replace("{{copy}}", first)
            expanded, _tokens = expand(text, rng)
            full = os.path.join(root, *path.split("/"))
            os.makedirs(os.path.dirname(full), exist_ok=True)
            with open(full, "w", encoding="utf-8") as fh:
                fh.write(expanded)
            os.chmod(full, mode if mode is not None else 0o600)
        enabled = (*ruleset.detectors, rule)
        result = run_scan(
            [root],
            RuleSet(known=ruleset.known, enabled=enabled),
            ScanOptions(
                walk=WalkOptions(use_gitignore=False, read_git_config=True),
                jobs=1,
                github_hosts=github_hosts,
            ),
        )
    return any(f.rule_id == rule.id for f in [*result.findings, *result.suppressed])


def check_file_examples(rule: Rule, ruleset: RuleSet, rng: random.Random) -> list[str]:
    """Problems: a positive example the rule does not report, a negative one it does."""
    problems: list[str] = []
    for label, examples, want in (
        ("examples", rule.examples, True),
        ("negative_examples", rule.negative_examples, False),
    ):
        for i, ex in enumerate(examples):
            try:
                fired = run_file_example(rule, ruleset, ex, rng)
            except ValueError as exc:
                problems.append(f"{label}[{i}]: {exc}")
                continue
            if fired != want:
                problems.append(f"{label}[{i}] {'does not fire' if want else 'fires'}")
    return problems
