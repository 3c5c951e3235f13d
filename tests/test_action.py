"""action.yml, the composite GitHub Action: checked against the runner's own schema for action
files (tests/fixtures/github/action_yaml.json, see SOURCE.txt), every input and output wired,
no expression ever on a shell line, third-party actions pinned; then run the way the runner
runs it — each `run:` step under `bash --noprofile --norc -eo pipefail` with its `env:`
expressions evaluated, per-step GITHUB_OUTPUT files, the `uses:` steps stood in for — on a
snapshot of this checkout as the action's folder: the environment is really created and
patlint really pip-installed into it (once per session; it needs a package index, as
pre-commit's test does), then a real pull request is scanned."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.cli.test_ci import Project, outputs
from tests.report.test_markdown import unescape
from tests.test_redaction_audit import leaks

ROOT = Path(__file__).resolve().parent.parent
ACTION = yaml.safe_load((ROOT / "action.yml").read_text())
SCHEMA = json.loads(
    (ROOT / "tests" / "fixtures" / "github" / "action_yaml.json").read_text("utf-8-sig")
)["definitions"]
EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
STEPS = ACTION["runs"]["steps"]


def step(step_id: str) -> dict[str, Any]:
    return next(s for s in STEPS if s.get("id") == step_id)


# --- the file itself ---------------------------------------------------------------------------


def _contexts(text: str) -> set[str]:
    """The named values and functions the expressions in `text` use (`inputs`, `always`…)."""
    out = set()
    for expr in EXPR.findall(text):
        expr = re.sub(r"'[^']*'", "", expr)
        out |= set(re.findall(r"(?<![.\w-])([A-Za-z_][\w-]*)(?=\s*[.(])", expr))
    return out


def _allowed(kind: str) -> set[str]:
    """Contexts a field of this schema type may use (`always(0,0)` -> `always`)."""
    definition = SCHEMA[kind] if isinstance(kind, str) else kind
    return {c.split("(")[0] for c in definition.get("context", [])}


def _check_mapping(value: dict[str, Any], kind: str, where: str) -> list[str]:
    props = SCHEMA[kind]["mapping"].get("properties", {})
    loose = "loose-key-type" in SCHEMA[kind]["mapping"]
    errors = []
    for key, field in props.items():
        required = isinstance(field, dict) and field.get("required")
        if required and key not in value:
            errors.append(f"{where}: {key} is required")
    for key, item in value.items():
        if key not in props:
            if not loose:
                errors.append(f"{where}: unexpected key {key}")
            continue
        field = props[key]
        ftype = field["type"] if isinstance(field, dict) else field
        definition = SCHEMA.get(ftype, {})
        if "context" not in definition and {"mapping", "one-of", "sequence"} & set(definition):
            continue  # a structure: its own fields are checked where it is walked
        text = json.dumps(item)
        if not EXPR.search(text):
            continue
        if "context" not in definition:
            errors.append(f"{where}.{key}: no expression is evaluated there")
        elif bad := _contexts(text) - _allowed(ftype):
            errors.append(f"{where}.{key}: contexts {sorted(bad)} not available there")
    return errors


def test_action_yml_is_what_the_runner_accepts() -> None:
    errors = _check_mapping(ACTION, "action-root", "action")
    for name, spec in ACTION["inputs"].items():
        errors += _check_mapping(spec, "input", f"inputs.{name}")
    for name, spec in ACTION["outputs"].items():
        errors += _check_mapping(spec, "output-definition", f"outputs.{name}")
        assert set(spec) == {"description", "value"}, name
    assert ACTION["runs"]["using"] == "composite"
    errors += _check_mapping(ACTION["runs"], "composite-runs", "runs")
    for i, s in enumerate(STEPS):
        errors += _check_mapping(s, "run-step" if "run" in s else "uses-step", f"steps[{i}]")
    assert errors == []
    assert all(s.get("shell") == "bash" for s in STEPS if "run" in s)


def test_every_input_and_output_is_wired() -> None:
    steps_text = json.dumps(STEPS)
    for name in ACTION["inputs"]:
        assert f"inputs.{name} " in steps_text or f"inputs.{name}}}" in steps_text, name
    source = (ROOT / "patlint" / "cli" / "ci.py").read_text()
    for name, spec in ACTION["outputs"].items():
        assert spec["value"] == f"${{{{ steps.scan.outputs.{name} }}}}"
        assert f'"{name}"' in source or f"{name.replace('-', '_')}=" in source, name
    for var in step("scan")["env"]:
        if var != "PATLINT_VENV_PYTHON":
            assert f'"{var}"' in source, var  # read by `patlint ci github`


def test_no_expression_is_ever_part_of_a_shell_command() -> None:
    for s in STEPS:
        if "run" in s:
            assert "${{" not in s["run"], s["run"]
    assert "github.event" not in (ROOT / "action.yml").read_text()


def test_third_party_actions_are_pinned_to_a_commit() -> None:
    lines = [ln.strip() for ln in (ROOT / "action.yml").read_text().splitlines()]
    uses = [ln for ln in lines if ln.startswith("uses:")]
    assert len(uses) == 3
    for line in uses:
        assert re.fullmatch(r"uses: [\w-]+/[\w/-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+", line), line


def test_permissions_are_documented() -> None:
    description = ACTION["description"]
    assert "contents: read" in description and "security-events: write" in description
    readme = (ROOT / "README.md").read_text()
    section = readme.split("### GitHub Action", 1)[1].split("\n### ", 1)[0]
    for needed in (
        "contents: read",
        "security-events: write",
        "fetch-depth: 0",
        "uses: patlint/patlint@",
    ):
        assert needed in section, needed


# --- running it ---------------------------------------------------------------------------------


def _lookup(term: str, ctx: dict[str, Any]) -> Any:
    term = term.strip()
    if term == "always()":
        return True
    if term.startswith("'"):
        return term[1:-1]
    cur: Any = ctx
    for part in term.split("."):
        cur = cur.get(part, "") if isinstance(cur, dict) else ""
    return cur


def evaluate(expr: str, ctx: dict[str, Any]) -> bool:
    """The subset of the expression language action.yml's conditions use: &&, ==, !=,
    always(), string literals and context properties."""
    result = True
    for cond in expr.split("&&"):
        for op in ("==", "!="):
            if op in cond:
                left, right = cond.split(op)
                same = str(_lookup(left, ctx)) == str(_lookup(right, ctx))
                result &= same if op == "==" else not same
                break
        else:
            result &= bool(_lookup(cond, ctx))
    return result


def substitute(text: str, ctx: dict[str, Any]) -> str:
    return EXPR.sub(lambda m: str(_lookup(m.group(1), ctx)), text)


class Runner:
    """Runs action.yml's steps as the GitHub runner does, with the action at `action_path`."""

    def __init__(self, action_path: Path, temp: Path, workspace: Path, base_env: dict[str, str]):
        self.action_path = action_path
        self.temp = temp
        self.workspace = workspace
        self.base_env = base_env
        self.logs: dict[str, subprocess.CompletedProcess[str]] = {}

    def run(self, inputs: dict[str, str], only: tuple[str, ...] | None = None) -> dict[str, Any]:
        values = {k: str(v.get("default", "")) for k, v in ACTION["inputs"].items()}
        values.update(inputs)
        ctx: dict[str, Any] = {"inputs": values, "steps": {}}
        ctx["uploads"] = []
        failed = False
        for i, s in enumerate(STEPS):
            sid = s.get("id", f"step{i}")
            if only is not None and sid not in only:
                continue
            if "if" in s and not evaluate(
                s["if"].strip().removeprefix("${{").removesuffix("}}"), ctx
            ):
                continue
            if failed and "if" not in s:
                continue
            if "uses" in s:
                ctx["steps"][sid] = {"outputs": self._uses(s, ctx)}
                continue
            done, out = self._run(s, ctx, sid)
            ctx["steps"][sid] = {"outputs": out, "returncode": done.returncode}
            failed |= done.returncode != 0
        ctx["outputs"] = {k: substitute(v["value"], ctx) for k, v in ACTION["outputs"].items()}
        ctx["failed"] = failed
        return ctx

    def _uses(self, s: dict[str, Any], ctx: dict[str, Any]) -> dict[str, str]:
        with_ = {k: substitute(str(v), ctx) for k, v in s.get("with", {}).items()}
        if s["uses"].startswith("actions/setup-python@"):
            assert with_ == {"python-version": "3.12", "update-environment": "false"}
            base = getattr(sys, "_base_executable", sys.executable)
            return {"python-path": base, "python-version": ".".join(map(str, sys.version_info[:3]))}
        if s["uses"].startswith("actions/cache@"):
            assert with_["path"] == str(self.temp / "patlint-venv")
            return {"cache-hit": "false"}
        assert s["uses"].startswith("github/codeql-action/upload-sarif@")
        ctx["uploads"].append(with_)
        return {}

    def _run(self, s: dict[str, Any], ctx: dict[str, Any], sid: str) -> tuple[Any, dict[str, str]]:
        files = self.temp.parent / "step-files"
        files.mkdir(exist_ok=True)
        output, summary = files / f"{sid}.output", files / f"{sid}.summary"
        for f in (output, summary):
            f.write_text("")
        script = files / f"{sid}.sh"
        script.write_text(s["run"])
        env = {
            **self.base_env,
            "GITHUB_ACTION_PATH": str(self.action_path),
            "GITHUB_OUTPUT": str(output),
            "GITHUB_STEP_SUMMARY": str(summary),
            "RUNNER_TEMP": str(self.temp),
            "RUNNER_OS": "Linux",
            "RUNNER_ARCH": "X64",
            **{k: substitute(str(v), ctx) for k, v in s.get("env", {}).items()},
        }
        done = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=self.workspace,
            env=env,
            capture_output=True,
            text=True,
            check=False,
            timeout=600,
        )
        self.logs[sid] = done
        ctx.setdefault("summaries", {})[sid] = summary.read_text()
        return done, outputs(output)


_SNAPSHOT = ("pyproject.toml", "README.md", "action.yml", "patlint", "rules", "ci")
_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", "build")


@pytest.fixture(scope="session")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    """The action's folder (a snapshot of this checkout, as the runner downloads it: not a git
    repository) and a RUNNER_TEMP whose patlint environment the install step really built."""
    base = tmp_path_factory.mktemp("action")
    action = base / "_actions" / "patlint" / "patlint" / "v0"
    action.mkdir(parents=True)
    for name in _SNAPSHOT:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, action / name, ignore=_IGNORE)
        else:
            shutil.copy2(src, action / name)
    temp = base / "_temp"
    temp.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "VIRTUAL_ENV"))}
    runner = Runner(action, temp, base, env)
    ctx = runner.run({}, only=("python", "key", "cache", "step3"))
    install = runner.logs["step3"]
    out = install.stdout + install.stderr
    if install.returncode != 0 and any(
        s in out
        for s in ("No matching distribution", "NewConnectionError", "Network is unreachable")
    ):
        pytest.skip(f"the install step could not reach a package index\n{out}")
    assert install.returncode == 0, out
    assert ctx["steps"]["key"]["outputs"]["key"].startswith("patlint-venv-v1-Linux-X64-py3.")
    yield action, temp


@pytest.fixture
def project(tmp_path: Path, token: Any, git_env: None) -> Project:
    return Project(tmp_path, token)


def _runner(installed: tuple[Path, Path], project: Project) -> Runner:
    action, temp = installed
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "VIRTUAL_ENV"))}
    env.update(
        GITHUB_ACTIONS="true",
        GITHUB_WORKSPACE=str(project.workspace),
        GITHUB_EVENT_NAME="pull_request",
        GITHUB_EVENT_PATH=str(project.event("gh-event-pull_request_opened.payload.json")),
    )
    return Runner(action, temp, project.workspace, env)


def test_the_action_scans_a_pull_request_end_to_end(
    installed: tuple[Path, Path], project: Project
) -> None:
    runner = _runner(installed, project)
    ctx = runner.run({"offline": "true"})
    install = runner.logs["step3"]
    assert install.returncode == 0 and "using the cached environment" in install.stdout
    scan = runner.logs["scan"]
    assert scan.returncode == 1 and ctx["failed"], scan.stdout + scan.stderr
    assert "scanning the commits of pull request #2" in scan.stdout
    assert "::error file=deploy.env,line=1,col=10,title=github-classic-pat (high)::" in scan.stdout
    out = ctx["outputs"]
    assert out["exit-code"] == "1" and out["tokens"] == "2" and int(out["findings"]) >= 2
    assert Path(out["sarif-file"]).is_file() and Path(out["json-file"]).is_file()
    # the upload runs although the scan step failed, with the scan's SARIF
    assert ctx["uploads"] == [{"sarif_file": out["sarif-file"], "category": "patlint"}]
    summary = ctx["summaries"]["scan"]
    assert "## patlint: " in summary and "### Tokens" in summary
    texts = [
        scan.stdout,
        scan.stderr,
        summary,
        unescape(summary),
        Path(out["sarif-file"]).read_text(),
    ]
    assert leaks("\n".join(texts), project.tokens) == []


def test_inputs_are_data_never_shell(
    installed: tuple[Path, Path], project: Project, tmp_path: Path
) -> None:
    pwned = tmp_path / "pwned"
    runner = _runner(installed, project)
    evil = f"$(touch {pwned}) `touch {pwned}`; touch {pwned}"
    ctx = runner.run(
        {"args": f"'{evil}'", "path": evil, "fail-on": evil, "history": "none", "sarif": "false"}
    )
    assert not pwned.exists()
    assert ctx["outputs"]["exit-code"] == "2"  # a path that does not exist: a usage error
    assert ctx["uploads"] == []  # sarif: false
    ctx = runner.run({"args": f"--no-suppress '{evil}'", "history": "none", "offline": "true"})
    assert not pwned.exists() and ctx["outputs"]["exit-code"] == "2"


def _shadowing_packages(where: Path, marker: Path) -> None:
    """Packages named like what the action runs with `python -m` (committed to the checkout,
    which is the working directory of every step): each leaves `marker` when imported."""
    for name in ("patlint", "pip", "venv"):
        pkg = where / name
        pkg.mkdir()
        code = f"open({str(marker)!r}, 'a').write({name!r} + '\\n')\n"
        code += "print('::set-output name=findings::0')\n"
        (pkg / "__init__.py").write_text(code)
        (pkg / "__main__.py").write_text(code)


def test_a_checkout_cannot_replace_patlint_or_pip(
    installed: tuple[Path, Path], project: Project, tmp_path: Path
) -> None:
    """`python -m patlint` in the workspace put the checkout first on the import path: a pull
    request adding `patlint/__main__.py` ran its own code in the job (and in `ci github`'s
    child scan), forging outputs and SARIF (found by an attacker's review, 2026-12-06)."""
    marker = tmp_path / "shadowed"
    _shadowing_packages(project.workspace, marker)
    ctx = _runner(installed, project).run({"offline": "true"})
    assert not marker.exists(), marker.read_text()
    assert ctx["outputs"]["exit-code"] == "1" and ctx["outputs"]["tokens"] == "2"


def test_every_python_module_run_by_the_action_and_the_template_is_isolated() -> None:
    """`-m pip` and `-m venv` run in the checkout too (the install steps): `-I` everywhere."""
    runs = [s["run"] for s in STEPS if "run" in s]
    template = (ROOT / "ci" / "gitlab" / "patlint.gitlab-ci.yml").read_text()
    lines = [ln for text in [*runs, template] for ln in text.splitlines() if " -m " in ln]
    assert len(lines) >= 6
    assert all(" -I -m " in ln for ln in lines), lines


def test_cache_key_follows_the_package_and_the_interpreter(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "ci" / "github"))
    try:
        import cache_key
    finally:
        sys.path.pop(0)
    action = tmp_path / "action"
    (action / "patlint").mkdir(parents=True)
    (action / "rules").mkdir()
    (action / "pyproject.toml").write_text("[project]\n")
    (action / "patlint" / "a.py").write_text("x = 1\n")
    (action / "patlint" / "__pycache__").mkdir()
    env = {
        "GITHUB_ACTION_PATH": str(action),
        "RUNNER_TEMP": str(tmp_path / "t"),
        "RUNNER_OS": "Linux",
        "RUNNER_ARCH": "ARM64",
    }
    first = cache_key.main(env)
    assert f"venv={tmp_path / 't' / 'patlint-venv'}\n" in first
    assert f"python={tmp_path / 't' / 'patlint-venv' / 'bin' / 'python'}\n" in first
    assert first.startswith("key=patlint-venv-v1-Linux-ARM64-py")
    (action / "patlint" / "__pycache__" / "a.pyc").write_bytes(b"compiled")
    assert cache_key.main(env) == first  # byte code is not the package
    (action / "rules" / "new.yml").write_text("- id: x\n")
    assert cache_key.main(env) != first
