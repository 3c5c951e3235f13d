"""What the CI rules share: the findings collector, leak wording, secret references in
`${{ }}` expressions and environment bindings, and a few workflow facts."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from patlint.model import PlaceFinding, Secret, Severity
from patlint.sources.readers.ci import shell
from patlint.sources.readers.ci.model import CiModel, Job, Mapping, Step, Text, Workflow
from patlint.sources.readers.ci.yamldoc import Path
from patlint.suppress import suppression_at

# How a leaked secret got out, as the end of a finding message.
LEAK_WORDS = {
    "log": "is printed to the job log; log masking misses it as soon as the value is "
    "transformed, so pass it to the command through an environment variable or stdin",
    "encoded-log": "is printed to the job log in encoded form, which log masking does not catch",
    "file": "is written to {target}; later steps, caches and artifacts can carry it off",
    "github-env": "is written to $GITHUB_ENV, so every later step of the job gets it in its "
    "environment (and any action there can read it)",
    "github-output": "is written to $GITHUB_OUTPUT; step outputs are not secrets and reach "
    "logs and other jobs",
    "step-summary": "is written to the job summary, which everyone who can read the run sees",
}

SAME_REPO_GUARD = re.compile(
    r"head\.repo\.full_name\s*==\s*github\.repository\b"
    r"|github\.repository\s*==\s*github\.event\.pull_request\.head\.repo\.full_name"
    r"|head\.repo\.fork\s*==\s*false|!\s*github\.event\.pull_request\.head\.repo\.fork"
)
_INPUT_IN_EXPR = re.compile(r"\binputs\s*\.\s*([A-Za-z_][A-Za-z0-9_-]*)")


@dataclass(slots=True)
class Places:
    """The findings one rule makes in one file: one per position, each with its suppression."""

    ci: CiModel
    rule_id: str
    out: list[PlaceFinding] = field(default_factory=list)
    _seen: set[int] = field(default_factory=set)

    def add(
        self,
        message: str,
        index: int,
        path: Path | None,
        *,
        secret: Secret | None = None,
        severity: Severity | None = None,
    ) -> None:
        """Record a finding at a character index of the file (once per index)."""
        if index in self._seen:
            return
        self._seen.add(index)
        loc = self.ci.location(index)
        self.out.append(
            PlaceFinding(
                rule_id=self.rule_id,
                message=message,
                location=loc,
                secret=secret,
                context=self.ci.context(path),
                severity=severity,
                suppress=suppression_at(self.ci.data, loc.offset or 0),
            )
        )


@dataclass(frozen=True, slots=True)
class Binding:
    """An environment variable whose value names a secret (`GH_TOKEN: ${{ secrets.X }}`)."""

    name: str
    secrets: tuple[str, ...]
    value: Text
    path: Path


def secret_names(text: str, *, composite: bool) -> list[tuple[int, int, str]]:
    """Secrets named in `${{ }}` expressions (composite actions: token-like inputs too)."""
    out = list(shell.expression_secrets(text))
    if composite:
        for m in shell.EXPR.finditer(text):
            for i in _INPUT_IN_EXPR.finditer(m.group(1)):
                if shell.tokenish(i.group(1)):
                    out.append((m.start(), m.end(), f"inputs.{i.group(1)}"))
    return sorted(out)


def bindings(env: Mapping, path: Path, *, composite: bool) -> dict[str, Binding]:
    """The variables of an `env:` whose value names a secret."""
    out: dict[str, Binding] = {}
    for p in env.pairs:
        value = p.value.text
        if p.key is None or value is None or "${{" not in value:
            continue  # (no `${{ }}` expression, no secret named: most values)
        names = tuple(dict.fromkeys(n for _s, _e, n in secret_names(value, composite=composite)))
        if names:
            out[p.key] = Binding(p.key, names, p.value, (*path, p.key))
    return out


def step_envs(ci: CiModel, wf: Workflow, job: Job) -> list[tuple[Step, dict[str, Binding]]]:
    """Each step of a job with the secret bindings it sees (workflow, job and step `env:`,
    the innermost winning; a composite action's steps: their own, token-like inputs too).
    Computed once per job of a file (`CiModel.memo`), for every rule that asks."""
    key = ("step_envs", id(job))
    cached: list[tuple[Step, dict[str, Binding]]] | None = ci.memo.get(key)
    if cached is None:
        cached = ci.memo[key] = _step_envs(wf, job)
    return cached


def _step_envs(wf: Workflow, job: Job) -> list[tuple[Step, dict[str, Binding]]]:
    env: dict[str, Binding] = {}
    if not wf.composite:
        env.update(bindings(wf.env, ("env",), composite=False))
        env.update(bindings(job.env, (*job.path, "env"), composite=False))
    out = []
    for step in job.steps:
        step_env = dict(env)
        step_env.update(bindings(step.env, (*step.path, "env"), composite=wf.composite))
        out.append((step, step_env))
    return out


def pat(secrets: tuple[str, ...] | list[str]) -> str | None:
    """The first secret that is not GITHUB_TOKEN (a personal or other long-lived token)."""
    for s in secrets:
        if s.startswith("secrets.") and s.split(".", 1)[1].upper() != "GITHUB_TOKEN":
            return s
    return None


def action(uses: str, name: str) -> bool:
    """True when a step's `uses:` (lower-cased) is the action `name`, at any version."""
    return uses.split("@", 1)[0] == name
