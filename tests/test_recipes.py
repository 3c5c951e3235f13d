"""The recipes of ARCHITECTURE.md, each walked once: a toy reader, policy check and report
format, written in a temporary package outside patlint, and a toy token kind, each registered
into the explicit registry the recipe names, used by a real scan, and taken out again."""

from __future__ import annotations

import importlib
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from patlint.config import Config
from patlint.engine.ruleset import build_ruleset
from patlint.engine.run import ScanOptions, run_scan
from patlint.model import ScanResult, sha256_hex

TokenFactory = Callable[..., str]


@pytest.fixture
def toy_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., Any]]:
    """`make(module, source)`: writes `toypkg/<module>.py` and imports it."""
    root = tmp_path / "pkgs"
    (root / "toypkg").mkdir(parents=True)
    (root / "toypkg" / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(root))

    def make(module: str, source: str) -> Any:
        (root / "toypkg" / f"{module}.py").write_text(textwrap.dedent(source))
        return importlib.import_module(f"toypkg.{module}")

    yield make
    for name in [m for m in sys.modules if m == "toypkg" or m.startswith("toypkg.")]:
        del sys.modules[name]


def _scan(tree: Path, **kw: Any) -> ScanResult:
    return run_scan([str(tree)], build_ruleset(Config(), **kw), ScanOptions(jobs=1))


def test_recipe_a_reader(
    tmp_path: Path, toy_package: Callable[..., Any], token: TokenFactory
) -> None:
    """A reader module and its registry row: the engine searches the values it returns and
    reports their tokens with its context."""
    from patlint.sources.readers import registry

    toy_package(
        "toyrc",
        """
        from patlint.model import Context
        from patlint.sources.readers import Reading
        from patlint.sources.values import Value


        class ToyReader:
            name = "toyrc"

            def read(self, data, rel, st):
                out = Reading()
                offset = 0
                for line in data.decode("utf-8", "surrogateescape").splitlines(True):
                    key, sep, value = line.partition("=")
                    if sep:
                        at = offset + len((key + sep).encode("utf-8", "surrogateescape"))
                        ctx = Context(file_type="toyrc", key=key.strip(), usage="toy")
                        out.values.append(Value(value.strip(), ctx, at, key.strip()))
                    offset += len(line.encode("utf-8", "surrogateescape"))
                return out


        READER = ToyReader()
        """,
    )
    t = token("ghp")
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "app.toycreds").write_text(f"colour=blue\nsecret={t}\n")
    before = _scan(tree)
    [c] = [c for tok in before.tokens for c in tok.candidates]
    assert c.context.file_type == "text"  # no reader knows the file yet

    row = registry.Row("toypkg.toyrc", suffixes=(".toycreds",), credential=False)
    registry.REGISTRY = (*registry.REGISTRY, row)
    registry.refresh()
    try:
        assert registry.may_have_readers("a/app.toycreds")
        [c] = [c for tok in _scan(tree).tokens for c in tok.candidates]
    finally:
        registry.REGISTRY = tuple(r for r in registry.REGISTRY if r is not row)
        registry.refresh()
    assert c.secret.digest == sha256_hex(t)
    assert (c.context.file_type, c.context.key, c.context.usage) == ("toyrc", "secret", "toy")
    assert (c.location.line, c.location.column) == (2, 8)
    assert not registry.may_have_readers("a/app.toycreds")  # and it is gone again


def test_recipe_a_policy_check(
    tmp_path: Path,
    toy_package: Callable[..., Any],
    token: TokenFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A check module, its row in CHECKS (and POLICY_CHECKS), and a rule that uses it."""
    import patlint.catalog.rules as catalog_rules
    from patlint import policy

    mod = toy_package(
        "toycheck",
        """
        from patlint.errors import ConfigError
        from patlint.policy.base import Verdict


        class LongFileNameCheck:
            name = "toy-long-path"

            def parse_params(self, params, where):
                longest = params.get("longest", 10)
                if not isinstance(longest, int):
                    raise ConfigError(f"{where}: longest must be a number")
                return longest

            def evaluate(self, token, params, *, now, ctx=None):
                for c in token.candidates:
                    if len(c.location.path) > params:
                        yield Verdict(f"a token sits in a file whose path is over {params} long")
                        return
        """,
    )
    monkeypatch.setitem(policy.CHECKS, "toy-long-path", mod.LongFileNameCheck())
    monkeypatch.setattr(
        catalog_rules, "POLICY_CHECKS", catalog_rules.POLICY_CHECKS | {"toy-long-path"}
    )
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "toy.yml").write_text(
        textwrap.dedent(
            """\
            - id: toy-token-in-long-path
              name: Token in a long path
              kind: policy
              check: toy-long-path
              severity: low
              confidence: high
              params: {longest: 12}
              description: A toy rule of the recipe test.
              remediation: Move it.
              examples:
                - {kind: ghp}
              negative_examples:
                - {kind: gho}
            """
        )
    )
    t = token("ghp")
    tree = tmp_path / "tree"
    (tree / "a-rather-long-folder").mkdir(parents=True)
    (tree / "a-rather-long-folder" / "notes.txt").write_text(f"token {t}\n")
    (tree / "x.txt").write_text(f"token {t}\n")
    result = _scan(tree, extra_dirs=[str(rules)])
    toy = [f for f in result.findings if f.rule_id == "toy-token-in-long-path"]
    assert [f.message for f in toy] == ["a token sits in a file whose path is over 12 long"]
    assert toy[0].token is not None and toy[0].token.sha256 == sha256_hex(t)


def test_recipe_a_ci_rule(
    tmp_path: Path, toy_package: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A CI rule: its YAML, a module over the CI reader's model and its row in policy.ci.RULES."""
    toy_package(
        "toycirule",
        """
        from patlint.model import PlaceFinding


        def check(ci, found):
            for wf in ci.workflows:
                for job in wf.jobs:
                    if job.steps and len(job.steps) > 2:
                        index = ci.index_of(job.steps[0].with_.pairs[0].key_node) if job.steps[0].with_.pairs else 0
                        loc = ci.location(index)
                        yield PlaceFinding(
                            rule_id="toy-long-job",
                            message=f"job {job.id} has {len(job.steps)} steps",
                            location=loc,
                            secret=None,
                            context=ci.context(job.path),
                        )
        """,
    )
    import patlint.policy.ci as ci_rules

    monkeypatch.setattr(ci_rules, "RULES", [*ci_rules.RULES, ("toy-long-job", "toypkg.toycirule")])
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "toy.yml").write_text(
        textwrap.dedent(
            """\
            - id: toy-long-job
              name: A job with many steps
              kind: policy
              check: place
              severity: low
              confidence: high
              description: A toy CI rule of the recipe test.
              remediation: Split it.
              examples:
                - path: .github/workflows/ci.yml
                  text: "jobs: {a: {steps: [{run: a}, {run: b}, {run: c}]}}"
              negative_examples:
                - path: .github/workflows/ci.yml
                  text: "jobs: {a: {steps: [{run: a}]}}"
            """
        )
    )
    tree = tmp_path / "tree"
    (tree / ".github" / "workflows").mkdir(parents=True)
    (tree / ".github" / "workflows" / "ci.yml").write_text(
        "on: push\npermissions: {}\njobs:\n  big:\n    steps:\n"
        "      - {uses: actions/checkout@v4, with: {fetch-depth: 0}}\n"
        "      - run: make\n      - run: make test\n"
        "  small:\n    steps: [{run: make}]\n"
    )
    result = _scan(tree, extra_dirs=[str(rules)])
    toy = [f for f in result.findings if f.rule_id == "toy-long-job"]
    assert [(f.message, f.location.line, f.context.key) for f in toy] == [
        ("job big has 3 steps", 6, "jobs.big")
    ]


def test_recipe_a_report_format(
    tmp_path: Path,
    toy_package: Callable[..., Any],
    token: TokenFactory,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A format module and its row in FORMATS: the CLI's report writer renders with it."""
    from patlint.cli.common import _emit
    from patlint.report import FORMATS

    toy_package(
        "toyformat",
        """
        def render(result, *, stream, meta):
            for f in result.findings:
                stream.write(f"{f.rule_id}\\t{f.location.path}\\t{f.token.preview}\\n")
            stream.write(f"exit {meta.exit_code}\\n")
        """,
    )
    monkeypatch.setitem(FORMATS, "toy", "toypkg.toyformat")
    t = token("ghp")
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "f.txt").write_text(f"token {t}\n")
    ruleset = build_ruleset(Config())
    result = run_scan([str(tree)], ruleset, ScanOptions(jobs=1))
    _emit("toy", None, result, Config(), "low", 1, "offline", ruleset, False)
    out = capsys.readouterr().out
    [finding] = [f for f in result.findings if f.rule_id == "github-classic-pat"]
    assert out.splitlines() == [
        f"github-classic-pat\t{finding.location.path}\t{finding.token.preview}",  # type: ignore[union-attr]
        "exit 1",
    ]
    assert t not in out


def test_recipe_a_token_kind(
    tmp_path: Path, token: TokenFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A row in kinds.py and a detect rule: the generator makes the kind from its row, and a
    scan finds it checksum-valid, named as the row says. (The kinds table's derived names are
    computed when patlint is imported, so the test sets them too; a kind added to the file
    is in them from the start.)"""
    import patlint.catalog.rules as catalog_rules
    import patlint.kinds as kinds
    from patlint.detectors.checksum import checksum_ok
    from patlint.tokengen import make_token

    toy = kinds.Kind("toy", "tyk_", "toy token", checksum=True, identity=None, body=36)
    monkeypatch.setitem(kinds.KINDS, "toy", toy)  # type: ignore[index]
    monkeypatch.setitem(kinds.KIND_NAMES, "toy", toy.name)  # type: ignore[index]
    monkeypatch.setattr(catalog_rules, "RULE_TOKEN_KINDS", (*kinds.RULE_TOKEN_KINDS, "toy"))
    t = make_token("toy")
    assert t.startswith("tyk_") and len(t) == 40 and checksum_ok(t)
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "toy.yml").write_text(
        textwrap.dedent(
            """\
            - id: toy-token
              name: Toy token
              kind: detector
              token_kind: toy
              pattern: '(tyk_[A-Za-z0-9]{36})'
              keywords: [tyk_]
              validator: checksum
              entropy: 3.0
              severity: high
              confidence: high
              description: A toy kind of the recipe test.
              remediation: Revoke it.
              examples:
                - 'key = {{token:toy}}'
              negative_examples:
                - 'key = {{bad:toy}}'
            """
        )
    )
    tree = tmp_path / "tree"
    tree.mkdir()
    bad = make_token("toy", valid=False)
    (tree / "f.txt").write_text(f"key = {t}\nold = {bad}\n")
    result = _scan(tree, extra_dirs=[str(rules)])
    [f] = [f for f in result.findings if f.rule_id == "toy-token"]
    assert f.token is not None and f.token.sha256 == sha256_hex(t)
    assert f.token.kind == "toy" and t not in f.message
