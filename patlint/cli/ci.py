"""`patlint ci PLATFORM`: the scan a CI system or a hook runs, set up from its environment.

It is the glue behind `action.yml` (`patlint ci github`), the GitLab template
(`patlint ci gitlab`) and the pre-commit `pre-push` hook (`patlint ci pre-push`): it decides
what to scan (`patlint.sources.history.ci_range`), runs `patlint scan` once in a child process
with the reports that platform reads, and hands the results back the platform's way.

Inputs come from the environment, where action.yml and the template put them (never into a
shell command line): `PATLINT_PATH` (default `.`), `PATLINT_ARGS` (more `scan` arguments,
split like a shell would, never run by one), `PATLINT_OFFLINE`, `PATLINT_FAIL_ON`,
`PATLINT_HISTORY` (`auto`, `full`, `none`, `A..B`), `PATLINT_GITHUB_API` (URLs or HOST=URL,
space-separated), `PATLINT_SUMMARY` (`false`: no job summary). Arguments after PLATFORM go to
`patlint scan` too.

- github: annotations on stdout (`--format github`), SARIF and JSON reports in
  `$RUNNER_TEMP/patlint/`, the job summary, and the outputs `findings`, `tokens`,
  `sarif-file`, `json-file`, `exit-code` in `$GITHUB_OUTPUT`.
- gitlab: the text report on stdout, and in the job's folder the Code Quality, Secret Detection,
  JUnit and JSON reports the template declares as artifacts (`REPORTS`).
- pre-push: `--history --range` on what is being pushed, from pre-commit's refs.

The exit code is the scan's (2 when the setup is wrong: a bad input, a commit the clone lacks).
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from patlint.cli.common import EXIT_USAGE, stdout_form
from patlint.errors import ConfigError

if TYPE_CHECKING:
    from patlint.sources.history.ci_range import Plan

PLATFORMS = ("github", "gitlab", "pre-push")
OUTPUTS = ("findings", "tokens", "sarif-file", "json-file", "exit-code")  # action.yml's outputs
# GitLab: the reports `patlint ci gitlab` writes in the job's folder (the template's artifacts).
REPORTS: dict[str, str] = {
    "gitlab-codequality": "gl-code-quality-report.json",
    "gitlab-secret-detection": "gl-secret-detection-report.json",
    "junit": "patlint-junit.xml",
    "json": "patlint-report.json",
}
GITHUB_REPORTS: dict[str, str] = {"sarif": "patlint.sarif", "json": "patlint.json"}
EVENT_LIMIT = 64 * 1024 * 1024  # a webhook payload is at most 25 MB


@click.command(
    hidden=True,
    context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False},
)
@click.argument("platform", type=click.Choice(PLATFORMS))
@click.argument("scan_args", nargs=-1, type=click.UNPROCESSED)
def ci(platform: str, scan_args: tuple[str, ...]) -> int:
    """Run the scan a CI system or hook asks for (action.yml, the GitLab template, pre-push).

    What to scan comes from the platform's environment (the pull request's or the push's
    commits by default); inputs from PATLINT_* variables; SCAN_ARGS go to `patlint scan`.

    \b
    Examples:
      patlint ci github                    # in action.yml: annotations, SARIF, job summary, outputs
      patlint ci gitlab                    # in the GitLab template: Code Quality, Secret Detection, JUnit
      patlint ci pre-push --offline        # the pre-commit pre-push hook
    """
    env = dict(os.environ)
    if platform == "pre-push":
        return _pre_push(env, scan_args)
    try:
        if platform == "github":
            stdout_form("github", commands=True)  # the annotations are ours
            return _github(env, scan_args)
        return _gitlab(env, scan_args)
    except ConfigError as exc:
        if platform == "github":
            from patlint.report.github import escape_data

            _set_outputs(env, {"exit-code": str(EXIT_USAGE)})
            click.echo(f"::error title=patlint::{escape_data(str(exc))}")
        raise


def _pre_push(env: Mapping[str, str], scan_args: Sequence[str]) -> int:
    from patlint.sources.history import ci_range

    plan = ci_range.pre_push(env)
    click.echo(f"patlint: scanning {plan.description}", err=True)
    argv = ["--no-progress", *plan.scan_args(), *scan_args]
    return _run_scan(argv, env)


def _github(env: dict[str, str], scan_args: Sequence[str]) -> int:
    from patlint.sources.history import ci_range

    inputs = _Inputs(env)
    event_name = env.get("GITHUB_EVENT_NAME", "")
    plan = ci_range.github(inputs.path, event_name, _event(env), inputs.history)
    click.echo(f"patlint: scanning {plan.description}")
    if plan.skip:
        _set_outputs(env, {"findings": "0", "tokens": "0", "exit-code": "0"})
        return 0
    out = Path(env.get("RUNNER_TEMP") or _tempdir()) / "patlint"
    out.mkdir(parents=True, exist_ok=True)
    files = {fmt: out / name for fmt, name in GITHUB_REPORTS.items()}
    for path in files.values():
        _clear(path)
    argv = ["--no-progress", "--format", "github"]
    for fmt, path in files.items():
        argv += ["--report", f"{fmt}={path}"]
    argv += [*inputs.scan_args(), *plan.scan_args(), *scan_args, "--", inputs.path]
    child = dict(env)
    if not inputs.summary:
        child.pop("GITHUB_STEP_SUMMARY", None)
    code = _run_scan(argv, child)
    outputs = {"exit-code": str(code)}
    counts = _counts(files["json"])
    if counts is not None:
        outputs.update(findings=str(counts[0]), tokens=str(counts[1]))
        outputs["json-file"] = str(files["json"])
    if files["sarif"].is_file():
        withheld = _sarif_withheld(event_name, plan)
        if withheld:
            click.echo(f"patlint: note: the SARIF report is not offered for upload: {withheld}")
        else:
            outputs["sarif-file"] = str(files["sarif"])
    _set_outputs(env, outputs)
    return code


# Events whose GITHUB_REF is the code the job checks out (pull_request: the merge ref). The
# others (pull_request_target, workflow_run, issue_comment, …) upload under the base or default
# branch, typically while scanning a pull request's code.
_SARIF_EVENTS = frozenset({"push", "pull_request", "merge_group", "schedule", "workflow_dispatch"})


def _sarif_withheld(event_name: str, plan: Plan) -> str:
    """Why this run's SARIF must not go to code scanning ("" when it may). Code scanning takes
    an upload as the whole state of its ref and category, and marks every alert missing from it
    fixed: a push's range (only its new commits) would close the alerts of earlier pushes, and
    `pull_request_target`, `workflow_run` or `issue_comment` upload under the base or default
    branch's ref."""
    from patlint.sources.history.ci_range import word

    if event_name not in _SARIF_EVENTS:
        return (
            f"a {word(event_name)} run uploads under the ref it was started for (the "
            "base or default branch), not the code checked out for it, whose alerts this scan "
            "would close"
        )
    if plan.rev_range and event_name != "pull_request":
        return (
            f"it covers only {plan.rev_range}, and code scanning would take it as the branch's "
            "whole state and close the alerts of earlier scans; a scan of the tree or of the "
            "full history (history: none or full) keeps code scanning whole"
        )
    return ""


def _gitlab(env: dict[str, str], scan_args: Sequence[str]) -> int:
    from patlint.sources.history import ci_range

    inputs = _Inputs(env)
    plan = ci_range.gitlab(inputs.path, env, inputs.history)
    click.echo(f"patlint: scanning {plan.description}")
    if plan.skip:
        return 0
    argv = ["--no-progress", "--format", "text"]
    for fmt, name in REPORTS.items():
        _clear(Path(name))
        argv += ["--report", f"{fmt}={name}"]
    argv += [*inputs.scan_args(), *plan.scan_args(), *scan_args, "--", inputs.path]
    return _run_scan(argv, env)


class _Inputs:
    """The PATLINT_* inputs, checked."""

    def __init__(self, env: Mapping[str, str]) -> None:
        from patlint.sources.history.ci_range import history_mode

        self.path = env.get("PATLINT_PATH", "").strip() or "."
        self.offline = _flag(env, "PATLINT_OFFLINE", False)
        self.summary = _flag(env, "PATLINT_SUMMARY", True)
        self.fail_on = env.get("PATLINT_FAIL_ON", "").strip()
        self.history = history_mode(env.get("PATLINT_HISTORY", "auto"))
        self.github_api = env.get("PATLINT_GITHUB_API", "").split()
        try:
            self.args = shlex.split(env.get("PATLINT_ARGS", ""))
        except ValueError as exc:
            raise ConfigError(f"args: cannot split {env.get('PATLINT_ARGS')!r}: {exc}") from None

    def scan_args(self) -> list[str]:
        out = ["--offline"] if self.offline else []
        if self.fail_on:
            out += ["--fail-on", self.fail_on]
        for api in self.github_api:
            out += ["--github-api", api]
        return [*out, *self.args]


def _flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    value = env.get(name, "").strip().lower()
    if not value:
        return default
    if value in ("true", "1", "yes", "on"):
        return True
    if value in ("false", "0", "no", "off"):
        return False
    raise ConfigError(f"{name}: {value!r}: expected true or false")


def _event(env: Mapping[str, str]) -> dict[str, Any]:
    """The event payload at GITHUB_EVENT_PATH ({} when there is none)."""
    path = env.get("GITHUB_EVENT_PATH", "")
    if not path:
        return {}
    from patlint.inputs import read_text

    try:
        data = json.loads(read_text(path, EVENT_LIMIT, f"GITHUB_EVENT_PATH {path}"))
    except (ValueError, RecursionError) as exc:
        raise ConfigError(f"GITHUB_EVENT_PATH {path}: not a JSON event ({exc})") from None
    return data if isinstance(data, dict) else {}


def _tempdir() -> str:
    import tempfile

    return tempfile.mkdtemp(prefix="patlint-ci-")


def _clear(path: Path) -> None:
    """Remove what a previous run, or the checked-out tree, left where a report goes: a link
    there (to a device, a FIFO, a file elsewhere) must not receive the report."""
    try:
        if path.is_symlink() or (path.exists() and not path.is_dir()):
            path.unlink()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot replace it with the report ({exc.strerror})") from None


def _run_scan(argv: Sequence[str], env: Mapping[str, str]) -> int:
    """`patlint scan ARGV` in a child process (same interpreter); its exit code. Isolated
    (`-I`): the working directory is the scanned checkout, and `python -m` would put it first
    on the import path, so a `patlint/` package committed there would run instead of us."""
    cmd = [sys.executable, "-I", "-m", "patlint", "scan", *argv]
    return subprocess.run(cmd, env=dict(env), check=False).returncode


def _counts(path: Path) -> tuple[int, int] | None:
    """(findings, tokens) from the JSON report; None when the scan wrote none."""
    try:
        summary = json.loads(path.read_text(encoding="utf-8"))["summary"]
        return int(summary["findings"]), int(summary["tokens"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _set_outputs(env: Mapping[str, str], values: Mapping[str, str]) -> None:
    """Append step outputs to $GITHUB_OUTPUT (the `name<<DELIMITER` form: any value is safe)."""
    path = env.get("GITHUB_OUTPUT")
    if not path:
        return
    lines = []
    # every output, empty when unknown: nothing printed before (a `::set-output` forged by the
    # scanned tree) can stand in for a value this run did not give
    for name, value in {**dict.fromkeys(OUTPUTS, ""), **values}.items():
        delimiter = f"ghadelimiter_{os.urandom(16).hex()}"
        lines.append(f"{name}<<{delimiter}\n{value}\n{delimiter}\n")
    with open(path, "a", encoding="utf-8") as stream:
        stream.write("".join(lines))
