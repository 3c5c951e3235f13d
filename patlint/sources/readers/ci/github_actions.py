"""GitHub Actions workflows and composite actions: token misuse the file itself shows.

Rules reported here (ids in rules/policy/ci.yml): pat-where-github-token-would-do,
github-token-write-all, missing-permissions-block, secrets-inherit, secret-echoed-or-persisted,
pull-request-target-checkout. Token literals are handled for every platform in `literals.py`.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from patlint.sources.readers.ci import shell
from patlint.sources.readers.ci.common import LEAK_WORDS, CiFile
from patlint.sources.readers.ci.yamldoc import (
    Path,
    entry,
    get,
    get_text,
    is_map,
    items,
    seq,
    text_of,
)

_INPUT_IN_EXPR = re.compile(r"\binputs\s*\.\s*([A-Za-z_][A-Za-z0-9_-]*)")
_HEAD_REF = re.compile(
    r"github\.event\.pull_request\.head\.(?:sha|ref)|github\.head_ref|refs/pull/"
    r"|github\.event\.workflow_run\.head_(?:sha|branch)|github\.event\.workflow_run\.pull_requests"
    r"|github\.event\.number|github\.event\.pull_request\.number"
)
_HEAD_FETCH = re.compile(
    r"\bgh\s+pr\s+checkout\b"
    r"|\bgit\s+(?:fetch|checkout|switch|pull)\b[^\n]*(?:pull/|"
    + r"github\.event\.pull_request\.head|github\.head_ref|workflow_run\.head_)"
)
_SAME_REPO_GUARD = re.compile(
    r"head\.repo\.full_name\s*==\s*github\.repository\b"
    r"|github\.repository\s*==\s*github\.event\.pull_request\.head\.repo\.full_name"
    r"|head\.repo\.fork\s*==\s*false|!\s*github\.event\.pull_request\.head\.repo\.fork"
)
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
_WORKSPACE = frozenset({".", "./", "*", "**", "${{ github.workspace }}", "${{github.workspace}}"})


@dataclass(frozen=True, slots=True)
class Binding:
    """An environment variable whose value names a secret (`GH_TOKEN: ${{ secrets.X }}`)."""

    name: str
    secrets: tuple[str, ...]
    node: Any  # the value node
    path: Path


@dataclass(slots=True)
class _GhUse:
    binding: Binding
    needs: dict[str, str] = field(default_factory=dict)
    subcommands: set[str] = field(default_factory=set)
    blocked: bool = False


def analyse(f: CiFile, root: Any, *, composite: bool) -> None:
    """Report what a workflow (or a composite action, `composite=True`) does with tokens."""
    if not is_map(root):
        return
    if composite:
        runs = get(root, "runs")
        if is_map(runs):
            _job_steps(f, runs, ("runs",), {}, set(), {}, composite=True)
        return
    triggers = _triggers(get(root, "on"))
    wf_env = _bindings(get(root, "env"), ("env",), composite=False)
    top_perms = entry(root, "permissions")
    if top_perms is not None:
        _write_all(f, top_perms[1], ("permissions",), "the workflow")
    gh_uses: dict[int, _GhUse] = {}
    missing: list[str] = []
    jobs = entry(root, "jobs")
    for k, job in items(jobs[1] if jobs else None):
        job_id = text_of(k) or "?"
        path: Path = ("jobs", job_id)
        if not is_map(job):
            continue
        perms = entry(job, "permissions")
        if perms is None:
            missing.append(job_id)
        else:
            _write_all(f, perms[1], (*path, "permissions"), f"job {job_id}")
        _secrets_inherit(f, job, job_id, path)
        env = dict(wf_env)
        env.update(_bindings(get(job, "env"), (*path, "env"), composite=False))
        _job_steps(f, job, path, env, triggers, gh_uses, composite=False)
    for use in gh_uses.values():
        if use.blocked or not use.subcommands:
            continue
        b = use.binding
        secret = _pat(b.secrets)
        if secret is None:
            continue
        f.add(
            "pat-where-github-token-would-do",
            f"`gh` calls on this repository ({', '.join(sorted(use.subcommands))}) use {secret}, "
            f"a personal token, through {b.name}; GITHUB_TOKEN would do with "
            f"`permissions: {_perm_text(use.needs)}` (pull requests and pushes made with "
            "GITHUB_TOKEN do not start other workflows; if that is why, use a GitHub App token)",
            f.at_node(b.node),
            b.path,
        )
    if top_perms is None and missing and jobs is not None:
        names = ", ".join(missing[:5]) + (
            f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        )
        f.add(
            "missing-permissions-block",
            f"No `permissions:` for the workflow and none for job(s) {names}: GITHUB_TOKEN gets "
            "the repository's default, which may be read-write on everything; add "
            "`permissions: {contents: read}` at the top and widen per job",
            f.at_node(jobs[0]),
            ("jobs",),
        )


def _triggers(node: Any) -> set[str]:
    """Event names from `on:` (a string, a list or a mapping)."""
    if node is None:
        return set()
    value = text_of(node)
    if value is not None:
        return {value}
    if node.id == "sequence":
        return {t for t in (text_of(n) for n in node.value) if t}
    return {t for t in (text_of(k) for k, _v in items(node)) if t}


def _secret_names(text: str, *, composite: bool) -> list[tuple[int, int, str]]:
    """Secrets named in `${{ }}` expressions (composite actions: token-like inputs too)."""
    out = list(shell.expression_secrets(text))
    if composite:
        for m in shell.EXPR.finditer(text):
            for i in _INPUT_IN_EXPR.finditer(m.group(1)):
                if shell.tokenish(i.group(1)):
                    out.append((m.start(), m.end(), f"inputs.{i.group(1)}"))
    return sorted(out)


def _bindings(node: Any, path: Path, *, composite: bool) -> dict[str, Binding]:
    out: dict[str, Binding] = {}
    for k, v in items(node):
        name = text_of(k)
        value = text_of(v)
        if name is None or value is None:
            continue
        names = tuple(dict.fromkeys(n for _s, _e, n in _secret_names(value, composite=composite)))
        if names:
            out[name] = Binding(name, names, v, (*path, name))
    return out


def _pat(secrets: tuple[str, ...] | list[str]) -> str | None:
    """The first secret that is not GITHUB_TOKEN (a personal or other long-lived token)."""
    for s in secrets:
        if s.startswith("secrets.") and s.split(".", 1)[1].upper() != "GITHUB_TOKEN":
            return s
    return None


def _perm_text(needs: dict[str, str]) -> str:
    return "{" + ", ".join(f"{k}: {v}" for k, v in sorted(needs.items())) + "}"


def _merge_needs(into: dict[str, str], more: dict[str, str]) -> None:
    for k, v in more.items():
        if into.get(k) != "write":
            into[k] = v


def _write_all(f: CiFile, value: Any, path: Path, who: str) -> None:
    if (text_of(value) or "").strip() == "write-all":
        f.add(
            "github-token-write-all",
            f"`permissions: write-all` gives GITHUB_TOKEN in {who} write access to every "
            "scope (contents, packages, actions, …); list only the scopes it needs",
            f.at_node(value),
            path,
        )


def _secrets_inherit(f: CiFile, job: Any, job_id: str, path: Path) -> None:
    found = entry(job, "secrets")
    if found is None or (text_of(found[1]) or "").strip() != "inherit":
        return
    target = get_text(job, "uses") or "a reusable workflow"
    f.add(
        "secrets-inherit",
        f"Job {job_id} passes every secret of this repository to {target} with "
        "`secrets: inherit`; pass only the secrets it needs, by name",
        f.at_node(found[1]),
        (*path, "secrets"),
    )


def _uses(step: Any) -> str:
    return (get_text(step, "uses") or "").strip().lower()


def _action(uses: str, name: str) -> bool:
    return uses.split("@", 1)[0] == name


def _job_texts(job: Any) -> Iterator[str]:
    """Scalar values of a job's env and its steps' run, with: and env:, for whole-job tests."""
    for _k, v in items(get(job, "env")):
        t = text_of(v)
        if t:
            yield t
    for step in seq(get(job, "steps")):
        run = get_text(step, "run")
        if run:
            yield run
        for key in ("with", "env"):
            for _k, v in items(get(step, key)):
                t = text_of(v)
                if t:
                    yield t


def _job_steps(
    f: CiFile,
    job: Any,
    path: Path,
    env: dict[str, Binding],
    triggers: set[str],
    gh_uses: dict[int, _GhUse],
    *,
    composite: bool,
) -> None:
    steps = seq(get(job, "steps"))
    texts = list(_job_texts(job))
    pushes = any(_GIT_PUSH.search(t) for t in texts) or any(
        _action(_uses(s), a) for s in steps for a in _PUSH_ACTIONS
    )
    touches_workflows = any(".github/workflows" in t for t in texts)
    has_checkout = any(_action(_uses(s), "actions/checkout") for s in steps)
    pr_target = triggers & {"pull_request_target", "workflow_run"}
    guarded = bool(_SAME_REPO_GUARD.search(get_text(job, "if") or ""))
    written: list[tuple[str, str, int]] = []  # (file, secret, step number)
    persisted_checkout = any(
        _action(_uses(s), "actions/checkout")
        and (get_text(get(s, "with"), "persist-credentials") or "").strip().lower() != "false"
        for s in steps
    )
    for i, step in enumerate(steps):
        if not is_map(step):
            continue
        spath: Path = (*path, "steps", i)
        step_env = dict(env)
        step_env.update(_bindings(get(step, "env"), (*spath, "env"), composite=composite))
        uses = _uses(step)
        with_ = get(step, "with")
        run_node = get(step, "run")
        run = text_of(run_node)
        if pr_target and not guarded and not _SAME_REPO_GUARD.search(get_text(step, "if") or ""):
            _pr_head_checkout(f, job, spath, uses, with_, run_node, sorted(pr_target))
        if not composite:
            if _action(uses, "actions/checkout"):
                _checkout_pat(f, with_, spath, pushes, touches_workflows, steps)
            if _action(uses, "docker/login-action"):
                _docker_login_pat(f, with_, spath)
            if run is not None:
                _docker_login_run(f, run_node, spath, step_env)
                _collect_gh(run, step_env, gh_uses, has_checkout)
        if run is not None:
            names = {n: _pat(b.secrets) or b.secrets[0] for n, b in step_env.items()}
            refs = [shell.Ref(s, e, n, n) for s, e, n in _secret_names(run, composite=composite)]
            refs.extend(shell.variable_refs(run, names))
            for leak in shell.leaks(run, sorted(refs, key=lambda r: r.start)):
                _report_leak(f, run_node, (*spath, "run"), leak)
                if leak.how == "file":
                    written.append((leak.target, leak.ref.secret, i))
        if _action(uses, "actions/upload-artifact"):
            _upload(f, step, with_, spath, written, persisted_checkout)


def _report_leak(f: CiFile, run_node: Any, path: Path, leak: shell.Leak) -> None:
    ref = leak.ref
    what = ref.name if ref.name == ref.secret else f"{ref.name} (holding {ref.secret})"
    words = LEAK_WORDS[leak.how].format(target=leak.target)
    f.add(
        "secret-echoed-or-persisted",
        f"{what} {words}",
        f.in_value(run_node, ref.start),
        path,
    )


def _upload(
    f: CiFile,
    step: Any,
    with_: Any,
    spath: Path,
    written: list[tuple[str, str, int]],
    persisted_checkout: bool,
) -> None:
    found = entry(with_, "path")
    if found is None:
        return
    node = found[1]
    paths = [p.strip() for p in (text_of(node) or "").splitlines() if p.strip()]
    for p in paths:
        if p.startswith("!"):
            continue
        pn = _norm(p)
        for target, secret, n in written:
            tn = _norm(target)
            if tn == pn or tn.startswith(pn.rstrip("/") + "/") or fnmatch.fnmatchcase(tn, pn):
                f.add(
                    "secret-echoed-or-persisted",
                    f"actions/upload-artifact uploads {p}, which step {n + 1} wrote {secret} "
                    "into; everyone who can read the repository can download artifacts",
                    _entry_index(f, node, p),
                    (*spath, "with", "path"),
                )
                return
        uses = _uses(step)
        version = uses.split("@", 1)[1] if "@" in uses else ""
        hidden = (get_text(with_, "include-hidden-files") or "").strip().lower() == "true"
        old = bool(re.match(r"^v?[123](?:\.|$)", version))
        if p in _WORKSPACE and persisted_checkout and (hidden or old):
            f.add(
                "secret-echoed-or-persisted",
                "actions/upload-artifact uploads the whole workspace, including .git/config "
                "where actions/checkout persisted the job's token; set "
                "`persist-credentials: false` on checkout or upload only the build output",
                _entry_index(f, node, p),
                (*spath, "with", "path"),
            )
            return


def _entry_index(f: CiFile, node: Any, entry_text: str) -> int:
    """Where one line of a multi-line `path:` value is in the file."""
    value = text_of(node) or ""
    for start, end in shell.logical_lines(value):
        offset = value.find(entry_text, start, end)
        if offset >= 0:
            return f.in_value(node, offset)
    return f.at_node(node)


def _norm(p: str) -> str:
    p = p.strip().strip("\"'")
    for prefix in ("${{ github.workspace }}/", "${{github.workspace}}/", "$GITHUB_WORKSPACE/"):
        if p.startswith(prefix):
            p = p[len(prefix) :]
    while p.startswith("./"):
        p = p[2:]
    return p


def _pr_head_checkout(
    f: CiFile,
    job: Any,
    spath: Path,
    uses: str,
    with_: Any,
    run_node: Any,
    events: list[str],
) -> None:
    secrets = sorted(
        {n for t in _job_texts(job) for _s, _e, n in shell.expression_secrets(t)}
        - {"secrets.GITHUB_TOKEN", "github.token"}
    )
    reach = ", ".join([*secrets[:3], "a GITHUB_TOKEN that can write"])
    event = " / ".join(events)
    if _action(uses, "actions/checkout"):
        ref = entry(with_, "ref")
        if ref is not None and _HEAD_REF.search(text_of(ref[1]) or ""):
            f.add(
                "pull-request-target-checkout",
                f"On {event} this step checks out the pull request's head, so code from a "
                f"fork runs with {reach} in reach",
                f.at_node(ref[1]),
                (*spath, "with", "ref"),
            )
        return
    run = text_of(run_node)
    if run:
        m = _HEAD_FETCH.search(run)
        if m:
            f.add(
                "pull-request-target-checkout",
                f"On {event} this script fetches the pull request's head, so code from a fork "
                f"runs with {reach} in reach",
                f.in_value(run_node, m.start()),
                (*spath, "run"),
            )


def _checkout_pat(
    f: CiFile, with_: Any, spath: Path, pushes: bool, touches_workflows: bool, steps: list[Any]
) -> None:
    tok = entry(with_, "token")
    if tok is None:
        return
    secret = _pat([n for _s, _e, n in shell.expression_secrets(text_of(tok[1]) or "")])
    if secret is None:
        return
    repo = get_text(with_, "repository")
    if repo is not None and not _SAME_REPOSITORY.match(repo):
        return  # another repository: GITHUB_TOKEN cannot read it
    submodules = (get_text(with_, "submodules") or "false").strip().lower()
    if submodules not in ("false", ""):
        return  # submodules usually live in other repositories
    if pushes and touches_workflows:
        return  # pushing changes to .github/workflows needs a PAT or App token (workflows scope)
    needs = {"contents": "write" if pushes else "read"}
    if any(_action(_uses(s), "peter-evans/create-pull-request") for s in steps):
        needs["pull-requests"] = "write"
    f.add(
        "pat-where-github-token-would-do",
        f"actions/checkout of this repository uses {secret}, a personal token; GITHUB_TOKEN "
        f"would do with `permissions: {_perm_text(needs)}` (keep a PAT or App token only if the "
        "job pushes changes to .github/workflows or its pushes must start other workflows)",
        f.at_node(tok[1]),
        (*spath, "with", "token"),
    )


def _docker_login_pat(f: CiFile, with_: Any, spath: Path) -> None:
    registry = (get_text(with_, "registry") or "").strip().lower()
    if not registry.startswith("ghcr.io"):
        return
    pw = entry(with_, "password")
    if pw is None:
        return
    secret = _pat([n for _s, _e, n in shell.expression_secrets(text_of(pw[1]) or "")])
    if secret is None or not _OWNER_EXPR.search(get_text(with_, "username") or ""):
        return
    f.add(
        "pat-where-github-token-would-do",
        f"docker/login-action logs in to ghcr.io with {secret}, a personal token, for this "
        "repository's owner; GITHUB_TOKEN would do: `password: ${{ secrets.GITHUB_TOKEN }}` "
        "with `permissions: {contents: read, packages: write}`",
        f.at_node(pw[1]),
        (*spath, "with", "password"),
    )


def _docker_login_run(f: CiFile, run_node: Any, spath: Path, env: dict[str, Binding]) -> None:
    run = text_of(run_node) or ""
    names = {n: _pat(b.secrets) or "" for n, b in env.items()}
    for start, end in shell.logical_lines(run):
        line = run[start:end]
        if not _DOCKER_LOGIN_GHCR.search(line) or not _OWNER_EXPR.search(line):
            continue
        refs = [shell.Ref(s, e, n, n) for s, e, n in shell.expression_secrets(line)]
        refs += [r for r in shell.variable_refs(line, names) if r.secret]
        for r in refs:
            secret = _pat([r.secret])
            if secret is None:
                continue
            f.add(
                "pat-where-github-token-would-do",
                f"`docker login ghcr.io` uses {secret}, a personal token, for this repository's "
                "owner; GITHUB_TOKEN would do with `permissions: {contents: read, packages: "
                "write}`",
                f.in_value(run_node, start + r.start),
                (*spath, "run"),
            )
            break


def _collect_gh(
    run: str, env: dict[str, Binding], gh_uses: dict[int, _GhUse], has_checkout: bool
) -> None:
    binding = env.get("GH_TOKEN") or env.get("GITHUB_TOKEN")
    if binding is None or _pat(binding.secrets) is None:
        return
    calls = shell.gh_calls(run)
    if not calls:
        return
    use = gh_uses.setdefault(id(binding.node), _GhUse(binding))
    for call in calls:
        if call.needs is None:
            use.blocked = True
            return
        use.subcommands.add(f"gh {call.subcommand}")
        _merge_needs(use.needs, call.needs)
    if has_checkout:
        _merge_needs(use.needs, {"contents": "read"})
