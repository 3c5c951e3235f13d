"""The CLI contract: exit codes, the JSON schema, config discovery and errors, rule errors."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from patlint.cli import cli
from patlint.model import redact

TokenFactory = Callable[..., str]
SCHEMA = json.loads(
    (Path(__file__).parents[2] / "patlint" / "schemas" / "report-v1.json").read_text()
)


def scan(*args: str, input: str | None = None) -> tuple[int, str, str]:
    runner = CliRunner()
    res = runner.invoke(
        cli, ["scan", "--offline", "--no-progress", *args], input=input, catch_exceptions=False
    )
    return res.exit_code, res.stdout, res.stderr


@pytest.fixture
def tree(tmp_path: Path, token: TokenFactory) -> tuple[Path, dict[str, str]]:
    """Tokens of every kind, plain, base64 and percent-encoded, plus decoys."""
    import base64
    import urllib.parse

    toks = {
        k: token(k) for k in ("ghp", "gho", "ghu", "ghs", "ghr", "github_pat", "ghs_jwt", "legacy")
    }
    (tmp_path / "plain.env").write_text(
        "\n".join(f"TOKEN_{k.upper()}={v}" for k, v in toks.items() if k != "legacy")
        + f"\nGITHUB_TOKEN={toks['legacy']}\n"
    )
    b64 = base64.b64encode(f"octo:{toks['ghp']}".encode()).decode()
    (tmp_path / "docker.json").write_text(
        json.dumps({"auths": {"ghcr.io": {"auth": b64}}}, indent=2)
    )
    (tmp_path / "url.txt").write_text(
        "u=" + urllib.parse.quote(f"https://x:{toks['github_pat']}@github.com", safe="") + "\n"
    )
    (tmp_path / "decoys.md").write_text(
        "\n".join(
            [
                token("ghp", valid=False),
                "ghp_" + "x" * 36,
                "gho_16C7e42F292c6912E7710c838347Ae178B4a",
                "commit " + token("legacy"),
                "GITHUB_SHA=" + token("legacy"),
            ]
        )
    )
    return tmp_path, toks


def test_json_report_finds_every_kind_and_no_decoy(tree: tuple[Path, dict[str, str]]) -> None:
    root, toks = tree
    code, out, _ = scan("--format", "json", str(root))
    assert code == 1
    report = json.loads(out)
    jsonschema.validate(report, SCHEMA)
    import hashlib

    want = {hashlib.sha256(t.encode()).hexdigest(): k for k, t in toks.items()}
    got = {t["sha256"]: t for t in report["tokens"]}
    assert set(got) == set(want)
    ghp = got[hashlib.sha256(toks["ghp"].encode()).hexdigest()]
    assert sorted(loc["path"] for loc in ghp["locations"]) == ["docker.json", "plain.env"]
    assert {c.get("encoding") for c in ghp["contexts"]} == {None, "base64"}
    assert all(f["location"]["path"] != "decoys.md" for f in report["findings"])
    # One token, several places: one detection finding with the other place as related, and
    # the hygiene rule saying the token is stored twice.
    ghp_findings = [f for f in report["findings"] if f["token"]["sha256"] == ghp["sha256"]]
    assert sorted(f["rule_id"] for f in ghp_findings) == [
        "github-classic-pat",
        "token-stored-in-several-places",
    ]
    assert all(len(f["related"]) == 1 for f in ghp_findings)
    for t in toks.values():
        assert t not in out
    assert report["summary"]["files_scanned"] == 4
    assert report["summary"]["exit_code"] == 1


def test_text_report_and_summary(tree: tuple[Path, dict[str, str]]) -> None:
    root, toks = tree
    code, out, _ = scan(str(root))
    assert code == 1
    # one block per token, opened by its preview and digest
    heads = [line for line in out.splitlines() if "  sha256 " in line and not line[0].isspace()]
    assert len(heads) == 8
    (ghp,) = [h for h in heads if h.startswith(redact(toks["ghp"]) + "  ")]
    block = out[out.index(ghp) :].split("\n\n")[0]
    assert (
        "  where    docker.json:4:16  auth, base64\n           plain.env:1:11  TOKEN_GHP\n" in block
    )
    assert "token-stored-in-several-places  is stored in 2 places" in block
    summary = out.strip().split("\n\n")[-1].split("patlint: ", 1)[1].replace("\n  ", " ")
    assert "in 8 tokens; 4 files" in summary
    assert all(len(line) <= 120 for line in out.splitlines())
    for t in toks.values():
        assert t not in out


def test_exit_codes_and_fail_on(tmp_path: Path, token: TokenFactory) -> None:
    (tmp_path / "clean.txt").write_text("nothing\n")
    assert scan(str(tmp_path))[0] == 0
    (tmp_path / "u.txt").write_text(f"{token('ghu')}\n")  # medium severity
    assert scan(str(tmp_path))[0] == 1
    assert scan("--fail-on", "high", str(tmp_path))[0] == 0
    assert scan("--fail-on", "medium", str(tmp_path))[0] == 1
    assert scan("--fail-on", "bogus", str(tmp_path))[0] == 2
    assert scan("--no-such-flag")[0] == 2
    code, _, err = scan(str(tmp_path / "missing"))
    assert code == 2 and "no such file or directory" in err


def test_report_invalid_is_opt_in(tmp_path: Path, token: TokenFactory) -> None:
    (tmp_path / "bad.txt").write_text(f"{token('ghp', valid=False)}\n")
    code, out, _ = scan("--format", "json", str(tmp_path))
    assert (code, json.loads(out)["findings"]) == (0, [])
    code, out, _ = scan("--format", "json", "--report-invalid", str(tmp_path))
    findings = json.loads(out)["findings"]
    assert [(f["rule_id"], f["severity"]) for f in findings] == [
        ("github-token-checksum-invalid", "info")
    ]
    assert code == 0  # info is below the default threshold (low)


def test_config_discovery_overrides_and_errors(tmp_path: Path, token: TokenFactory) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.txt").write_text(f"{token('ghp')}\n")
    (tmp_path / "vendor").mkdir()
    (tmp_path / "vendor" / "b.txt").write_text(f"{token('gho')}\n")
    (tmp_path / ".patlint.yaml").write_text(
        "rules:\n  github-classic-pat: {severity: critical}\nexclude: ['vendor/']\ndisable: [github-oauth-token]\n"
    )
    code, out, _ = scan("--format", "json", str(tmp_path))
    report = json.loads(out)
    assert [(f["rule_id"], f["severity"], f["location"]["path"]) for f in report["findings"]] == [
        ("github-classic-pat", "critical", "sub/a.txt")
    ]
    assert report["summary"]["config"].endswith(".patlint.yaml")
    code, out, _ = scan("--format", "json", "--no-repo-config", str(tmp_path))
    assert {f["rule_id"] for f in json.loads(out)["findings"]} == {
        "github-classic-pat",
        "github-oauth-token",
    }

    (tmp_path / ".patlint.yaml").write_text("exclud: ['x']\n")
    code, _, err = scan(str(tmp_path))
    assert code == 2
    assert "unknown key(s): exclud" in err
    (tmp_path / ".patlint.yaml").write_text("rules:\n  github-classic-pat: {severity: huge}\n")
    code, _, err = scan(str(tmp_path))
    assert code == 2 and "rules.github-classic-pat.severity: unknown severity 'huge'" in err
    (tmp_path / ".patlint.yaml").write_text("disable: [no-such-rule]\n")
    code, _, err = scan(str(tmp_path))
    assert code == 2 and "unknown rule id 'no-such-rule'" in err
    (tmp_path / ".patlint.yaml").write_text("max_file_size: lots\n")
    code, _, err = scan(str(tmp_path))
    assert code == 2 and "max_file_size: expected a size" in err
    (tmp_path / ".patlint.yaml").write_text("rules: [\n")
    code, _, err = scan(str(tmp_path))
    assert code == 2 and "not valid YAML" in err


def test_pyproject_tool_table(tmp_path: Path, token: TokenFactory) -> None:
    (tmp_path / "a.txt").write_text(f"{token('ghp')}\n")
    (tmp_path / "pyproject.toml").write_text('[tool.patlint]\ndisable = ["github-classic-pat"]\n')
    code, out, _ = scan("--format", "json", str(tmp_path))
    assert (code, json.loads(out)["findings"]) == (0, [])


def test_broken_rule_file_names_file_rule_and_field(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "mine.yml").write_text(
        "- id: my-rule\n  name: Mine\n  kind: detector\n  token_kind: ghp\n  pattern: 'ghp_(x'\n"
        "  keywords: [ghp_]\n  severity: high\n  description: d\n  remediation: r\n"
        "  examples: [a]\n  negative_examples: [b]\n"
    )
    code, _, err = scan("--rules", str(rules), str(tmp_path))
    assert code == 2
    assert f"{rules / 'mine.yml'}: rule 'my-rule': field 'pattern': does not compile" in err
    (rules / "mine.yml").write_text(
        "- id: my-rule\n  name: Mine\n  kind: detector\n  token_kind: ghp\n  pattern: 'ghp_x'\n"
        "  keywords: [ghp_]\n  severity: high\n  description: d\n  remediation: r\n"
        "  examples: [a]\n  negative_examples: [b]\n"
    )
    code, _, err = scan("--rules", str(rules), str(tmp_path))
    assert code == 2 and "field 'pattern': expected exactly one capture group" in err
    (rules / "mine.yml").write_text("- id: github-classic-pat\n  kind: detector\n")
    code, _, err = scan("--rules", str(rules), str(tmp_path))
    assert code == 2 and "field 'name': expected a non-empty string" in err


def test_user_rule_folder_adds_a_detector(tmp_path: Path) -> None:
    # The rule's example used to be an ascending run (`CORP-0123456789abcdef…`), which the
    # placeholder filter drops: `rules check` failed on the very rule this test loads. It is a
    # negative example now, and the finding is shown to come from the rule and go with it.
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "corp.yml").write_text(
        "- id: corp-deploy-key\n  name: Corp key\n  kind: detector\n  token_kind: legacy\n"
        "  pattern: '(CORP-[0-9a-f]{32})'\n  keywords: [CORP-]\n  entropy: 2.5\n  severity: medium\n"
        "  description: d\n  remediation: r\n  examples: ['k=CORP-5e1a9c7b3d2f4086e1b7a9c5d3f20864']\n"
        "  negative_examples: ['CORP-1', 'k=CORP-0123456789abcdef0fedcba987654321']\n"
    )
    checked = CliRunner().invoke(cli, ["rules", "check", "--rules", str(rules)])
    assert checked.exit_code == 0, checked.stdout
    target = tmp_path / "x.cfg"
    target.write_text("key = CORP-9f8e7d6c5b4a39281706f5e4d3c2b1a0\n")

    code, out, _ = scan("--format", "json", "--rules", str(rules), str(target))
    assert code == 1
    report = json.loads(out)
    (found,) = report["findings"]
    assert (found["rule_id"], found["severity"], found["remediation"]) == (
        "corp-deploy-key",
        "medium",
        "r",
    )
    assert (found["location"]["line"], found["location"]["column"]) == (1, 7)
    (tok,) = report["tokens"]
    assert [d["rule_id"] for d in tok["detections"]] == ["corp-deploy-key"]

    # without the folder, or with the rule file gone from it, nothing finds the key
    code, out, _ = scan("--format", "json", str(target))
    assert (code, json.loads(out)["findings"], json.loads(out)["tokens"]) == (0, [], [])
    (rules / "corp.yml").unlink()
    code, out, _ = scan("--format", "json", "--rules", str(rules), str(target))
    assert (code, json.loads(out)["findings"], json.loads(out)["tokens"]) == (0, [], [])


def test_version_is_light() -> None:
    import subprocess
    import sys

    code = "import sys, patlint.cli; print(sorted(m for m in ('requests', 'yaml', 'tabulate', 'detect_secrets') if m in sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, check=True, text=True
    ).stdout
    assert out.strip() == "[]"


def test_offline_scan_start_up_is_light(home: Path, tmp_path: Path, token: TokenFactory) -> None:
    """`scan --offline` (the pre-commit hook) loads no network, YAML or table code, nor OpenSSL
    until a token is found: YAML only on the first run, which fills the parsed-rules cache."""
    import subprocess
    import sys

    heavy = (
        "requests",
        "urllib3",
        "socket",
        "yaml",
        "tabulate",
        "importlib.metadata",
        "detect_secrets",
        "hashlib",
        "tempfile",
        "multiprocessing",
        "patlint.github.transport",
        "patlint.github.client",
        "patlint.github.tokens",
        "patlint.policy.remediation",
        "patlint.records",
        "patlint.sources.archives",
    )
    code = (
        "import sys\nfrom patlint.cli import main\n"
        "try:\n    main(sys.argv[1:])\nexcept SystemExit as exc:\n    code = exc.code\n"
        f"print('loaded:', sorted(m for m in {heavy!r} if m in sys.modules), 'exit:', code,"
        " file=sys.stderr)\n"
    )

    def loaded(*args: str) -> str:
        argv = [sys.executable, "-c", code, "scan", "--offline", "--no-progress", *args]
        res = subprocess.run(argv, capture_output=True, text=True, check=False, cwd=tmp_path)
        return res.stderr.strip().splitlines()[-1]

    (tmp_path / "clean.py").write_text("print('hello')\n")
    assert "'yaml'" in loaded(".")
    assert loaded(".") == "loaded: [] exit: 0"
    assert loaded("clean.py") == "loaded: [] exit: 0"
    (tmp_path / "t.env").write_text(f"GH_TOKEN={token('ghp')}\n")
    found = "loaded: ['hashlib', 'patlint.policy.remediation'] exit: 1"
    assert loaded("clean.py", "t.env") == found
    assert loaded("--format", "json", "-o", "r.json", "clean.py", "t.env") == found
    assert json.loads((tmp_path / "r.json").read_text())["summary"]["files_scanned"] == 2


def test_a_json_report_to_a_file_does_not_load_the_text_report(tmp_path: Path) -> None:
    """The real-tree benchmark's path: the summary line on stderr comes from report.common,
    the text report's module (and its dataclasses, ~4 ms) stays unloaded."""
    import subprocess
    import sys

    code = (
        "import sys\nfrom patlint.cli import main\n"
        "try:\n    main(sys.argv[1:])\nexcept SystemExit as exc:\n    code = exc.code\n"
        "print('text loaded:', 'patlint.report.text' in sys.modules, file=sys.stderr)\n"
    )
    (tmp_path / "clean.py").write_text("print('hello')\n")
    argv = [sys.executable, "-c", code, "scan", "--offline", "--no-progress"]
    res = subprocess.run(
        [*argv, "--format", "json", "-o", "r.json", "clean.py"],
        capture_output=True, text=True, check=False, cwd=tmp_path,
    )  # fmt: skip
    lines = res.stderr.strip().splitlines()
    assert lines[-1] == "text loaded: False"
    assert lines[-2].startswith("patlint: 0 findings in 0 tokens; 1 file (0.0 MB) scanned")
    assert json.loads((tmp_path / "r.json").read_text())["tokens"] == []


def test_entry_point_leaves_fast_but_loses_nothing(tmp_path: Path, token: TokenFactory) -> None:
    """The console script skips interpreter teardown: stdout (piped, so block-buffered) is still
    complete, the -o report is written, the exit code kept, and no worker outlives it."""
    import subprocess
    import sys

    tree = tmp_path / "tree"
    from patlint.engine.run import PARALLEL_MIN_FILES

    for i in range(PARALLEL_MIN_FILES + 100):  # enough files for the worker processes
        (tree / f"d{i % 7}").mkdir(parents=True, exist_ok=True)
        (tree / f"d{i % 7}" / f"f{i}.py").write_text(f"x = {i}\n" * 50)
    secrets = [token("ghp") for _ in range(40)]
    for i, t in enumerate(secrets):
        (tree / f"t{i}.env").write_text(f"GH_TOKEN={t}\n")
    cmd = [sys.executable, "-m", "patlint", "scan", "--offline", "--no-progress"]
    res = subprocess.run([*cmd, "--format", "json", str(tree)], capture_output=True, check=False)
    assert res.returncode == 1, res.stderr
    doc = json.loads(res.stdout)  # complete: the last buffered block was flushed
    assert len(doc["tokens"]) == 40 and doc["summary"]["files_scanned"] == PARALLEL_MIN_FILES + 140
    out = tmp_path / "r.sarif"
    res = subprocess.run(
        [*cmd, "--format", "sarif", "-o", str(out), str(tree)], capture_output=True, check=False
    )
    assert res.returncode == 1
    assert len(json.loads(out.read_text())["runs"][0]["results"]) >= 40
    # Forked workers carry their parent's command line: none may outlive it.
    left = subprocess.run(["pgrep", "-f", str(tree)], capture_output=True, check=False)
    assert left.stdout == b"", left.stdout


def test_catastrophic_custom_pattern_is_refused_at_load(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "slow.yml").write_text(
        "- id: slow-rule\n  name: Slow\n  kind: detector\n  token_kind: ghp\n  pattern: '((?:a|b)+)+c'\n"
        "  keywords: [aa]\n  severity: high\n  description: d\n  remediation: r\n"
        "  examples: [a]\n  negative_examples: [b]\n"
    )
    (tmp_path / "x.txt").write_text("a" * 50_000 + "!\n")
    code, _, err = scan("--rules", str(rules), str(tmp_path / "x.txt"))
    assert code == 2
    assert (
        "rule 'slow-rule': field 'pattern': refused: an unbounded repeat nested inside another"
        in err
    )


def test_zero_size_and_non_table_tool_are_config_errors(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("x\n")
    (tmp_path / ".patlint.yaml").write_text("max_file_size: 0\n")
    code, _, err = scan(str(tmp_path))
    assert code == 2 and "max_file_size: expected a size above zero" in err
    code, _, err = scan("--max-file-size", "0KB", str(tmp_path))
    assert code == 2 and "expected a size above zero" in err
    (tmp_path / ".patlint.yaml").unlink()
    (tmp_path / "pyproject.toml").write_text('tool = "x"\n')
    code, _, err = scan("--config", str(tmp_path / "pyproject.toml"), str(tmp_path))
    assert code == 2 and "'tool' is not a table" in err
