"""`pat-where-github-token-would-do`: a personal token secret handed to a job GITHUB_TOKEN
could do with a small `permissions:` block (ghcr.io login for the repository's owner,
actions/checkout of the same repository, `gh` calls on the same repository)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from patlint.model import Candidate, PlaceFinding
from patlint.policy.ci.common import Binding, Places, action, pat, step_envs
from patlint.sources.readers.ci import shell
from patlint.sources.readers.ci.model import CiModel, Job, Mapping, Step, Text

RULE_ID = "pat-where-github-token-would-do"

_OWNER_EXPR = re.compile(r"github\.(?:actor|repository_owner|triggering_actor)\b")
_SAME_REPOSITORY = re.compile(r"^\s*\$\{\{\s*github\.repository\s*\}\}\s*$")
_GIT_PUSH = re.compile(r"\bgit\s+push\b")
_PUSH_ACTIONS = (
    "stefanzweifel/git-auto-commit-action",
    "endbug/add-and-commit",
    "ad-m/github-push-action",
    "peter-evans/create-pull-request",
)
_DOCKER_LOGIN_GHCR = re.compile(r"\b(?:docker|podman|buildah)\s+login\b[^\n]*\bghcr\.io\b")


@dataclass(slots=True)
class _GhUse:
    """The `gh` calls made through one GH_TOKEN/GITHUB_TOKEN binding of a workflow."""

    binding: Binding
    needs: dict[str, str] = field(default_factory=dict)
    subcommands: set[str] = field(default_factory=set)
    blocked: bool = False


def check(ci: CiModel, found: Sequence[Candidate]) -> list[PlaceFinding]:
    """A finding at each personal token GITHUB_TOKEN could replace (composite actions aside:
    their inputs are the caller's choice)."""
    out = Places(ci, RULE_ID)
    for wf in ci.workflows:
        if wf.composite:
            continue
        gh_uses: dict[int, _GhUse] = {}
        for job in wf.jobs:
            _job(out, job, step_envs(ci, wf, job), gh_uses)
        for use in gh_uses.values():
            if use.blocked or not use.subcommands:
                continue
            b = use.binding
            secret = pat(b.secrets)
            if secret is None:
                continue
            out.add(
                f"`gh` calls on this repository ({', '.join(sorted(use.subcommands))}) use "
                f"{secret}, a personal token, through {b.name}; GITHUB_TOKEN would do with "
                f"`permissions: {_perm_text(use.needs)}` (pull requests and pushes made with "
                "GITHUB_TOKEN do not start other workflows; if that is why, use a GitHub App "
                "token)",
                ci.index_of(b.value.node),
                b.path,
            )
    return out.out


def _job(
    out: Places,
    job: Job,
    steps: list[tuple[Step, dict[str, Binding]]],
    gh_uses: dict[int, _GhUse],
) -> None:
    # The job's texts searched at once: a NUL between two can be part of no match (neither
    # `git push` nor the path holds one, and `\b` sees it as a string's end).
    texts = "\0".join(job.texts())
    actions = {s.uses.split("@", 1)[0] for s in job.steps}  # as `action` compares them
    pushes = _GIT_PUSH.search(texts) is not None or not actions.isdisjoint(_PUSH_ACTIONS)
    touches_workflows = ".github/workflows" in texts
    has_checkout = "actions/checkout" in actions
    for step, env in steps:
        if action(step.uses, "actions/checkout"):
            _checkout(out, step, pushes, touches_workflows, job.steps)
        if action(step.uses, "docker/login-action"):
            _docker_login_action(out, step)
        run = step.run
        if run is not None and run.text is not None:
            _docker_login_run(out, run, step, env)
            _collect_gh(run.text, env, gh_uses, has_checkout)


def _perm_text(needs: dict[str, str]) -> str:
    return "{" + ", ".join(f"{k}: {v}" for k, v in sorted(needs.items())) + "}"


def _merge_needs(into: dict[str, str], more: dict[str, str]) -> None:
    for k, v in more.items():
        if into.get(k) != "write":
            into[k] = v


def _secret_in(value: Text) -> str | None:
    return pat([n for _s, _e, n in shell.expression_secrets(value.text or "")])


def _checkout(
    out: Places, step: Step, pushes: bool, touches_workflows: bool, steps: Sequence[Step]
) -> None:
    with_: Mapping = step.with_
    tok = with_.get("token")
    if tok is None:
        return
    secret = _secret_in(tok)
    if secret is None:
        return
    repo = with_.text("repository")
    if repo is not None and not _SAME_REPOSITORY.match(repo):
        return  # another repository: GITHUB_TOKEN cannot read it
    submodules = (with_.text("submodules") or "false").strip().lower()
    if submodules not in ("false", ""):
        return  # submodules usually live in other repositories
    if pushes and touches_workflows:
        return  # pushing changes to .github/workflows needs a PAT or App token (workflows scope)
    needs = {"contents": "write" if pushes else "read"}
    if any(action(s.uses, "peter-evans/create-pull-request") for s in steps):
        needs["pull-requests"] = "write"
    out.add(
        f"actions/checkout of this repository uses {secret}, a personal token; GITHUB_TOKEN "
        f"would do with `permissions: {_perm_text(needs)}` (keep a PAT or App token only if the "
        "job pushes changes to .github/workflows or its pushes must start other workflows)",
        out.ci.index_of(tok.node),
        (*step.path, "with", "token"),
    )


def _docker_login_action(out: Places, step: Step) -> None:
    with_ = step.with_
    registry = (with_.text("registry") or "").strip().lower()
    if not registry.startswith("ghcr.io"):
        return
    pw = with_.get("password")
    if pw is None:
        return
    secret = _secret_in(pw)
    if secret is None or not _OWNER_EXPR.search(with_.text("username") or ""):
        return
    out.add(
        f"docker/login-action logs in to ghcr.io with {secret}, a personal token, for this "
        "repository's owner; GITHUB_TOKEN would do: `password: ${{ secrets.GITHUB_TOKEN }}` "
        "with `permissions: {contents: read, packages: write}`",
        out.ci.index_of(pw.node),
        (*step.path, "with", "password"),
    )


def _docker_login_run(out: Places, run: Text, step: Step, env: dict[str, Binding]) -> None:
    text = run.text or ""
    names = {n: pat(b.secrets) or "" for n, b in env.items()}
    for start, end in shell.logical_lines(text):
        line = text[start:end]
        if not _DOCKER_LOGIN_GHCR.search(line) or not _OWNER_EXPR.search(line):
            continue
        refs = [shell.Ref(s, e, n, n) for s, e, n in shell.expression_secrets(line)]
        refs += [r for r in shell.variable_refs(line, names) if r.secret]
        for r in refs:
            secret = pat([r.secret])
            if secret is None:
                continue
            out.add(
                f"`docker login ghcr.io` uses {secret}, a personal token, for this repository's "
                "owner; GITHUB_TOKEN would do with `permissions: {contents: read, packages: "
                "write}`",
                out.ci.index_in(run, start + r.start),
                (*step.path, "run"),
            )
            break


def _collect_gh(
    run: str, env: dict[str, Binding], gh_uses: dict[int, _GhUse], has_checkout: bool
) -> None:
    binding = env.get("GH_TOKEN") or env.get("GITHUB_TOKEN")
    if binding is None or pat(binding.secrets) is None:
        return
    calls = shell.gh_calls(run)
    if not calls:
        return
    use = gh_uses.setdefault(id(binding.value.node), _GhUse(binding))
    for call in calls:
        if call.needs is None:
            use.blocked = True
            return
        use.subcommands.add(f"gh {call.subcommand}")
        _merge_needs(use.needs, call.needs)
    if has_checkout:
        _merge_needs(use.needs, {"contents": "read"})
