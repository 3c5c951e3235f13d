"""`secret-echoed-or-persisted`: a script prints a secret, writes it to a file, to
$GITHUB_ENV/$GITHUB_OUTPUT or the job summary, or actions/upload-artifact uploads what holds
one; on other CI systems, variables named like tokens are followed the same way."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Sequence

from patlint.model import Candidate, PlaceFinding
from patlint.policy.ci.common import LEAK_WORDS, Places, action, pat, secret_names, step_envs
from patlint.sources.readers.ci import shell
from patlint.sources.readers.ci.model import CiModel, Job, Step, Text, Workflow
from patlint.sources.readers.ci.yamldoc import Path

RULE_ID = "secret-echoed-or-persisted"

_TOKENISH_VAR = re.compile(
    r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$env:([A-Za-z_][A-Za-z0-9_]*)|\$([A-Za-z_][A-Za-z0-9_]*)"
    r"|%([A-Za-z_][A-Za-z0-9_]*)%|\$\(([A-Za-z_][A-Za-z0-9_.]*)\)"
)
_WORKSPACE = frozenset({".", "./", "*", "**", "${{ github.workspace }}", "${{github.workspace}}"})


def check(ci: CiModel, found: Sequence[Candidate]) -> list[PlaceFinding]:
    """A finding at each leak of a secret from a script or an upload."""
    out = Places(ci, RULE_ID)
    for wf in ci.workflows:
        for job in wf.jobs:
            _job(out, wf, job)
    for script in ci.scripts:
        _script(out, script.value, script.path)
    return out.out


def _job(out: Places, wf: Workflow, job: Job) -> None:
    written: list[tuple[str, str, int]] = []  # (file, secret, step number)
    persisted_checkout = any(
        action(s.uses, "actions/checkout")
        and (s.with_.text("persist-credentials") or "").strip().lower() != "false"
        for s in job.steps
    )
    for step, env in step_envs(out.ci, wf, job):
        run = step.run
        if run is not None and run.text is not None:
            names = {n: pat(b.secrets) or b.secrets[0] for n, b in env.items()}
            refs = [
                shell.Ref(s, e, n, n) for s, e, n in secret_names(run.text, composite=wf.composite)
            ]
            refs.extend(shell.variable_refs(run.text, names))
            for leak in shell.leaks(run.text, sorted(refs, key=lambda r: r.start)):
                ref = leak.ref
                what = ref.name if ref.name == ref.secret else f"{ref.name} (holding {ref.secret})"
                words = LEAK_WORDS[leak.how].format(target=leak.target)
                out.add(f"{what} {words}", out.ci.index_in(run, ref.start), (*step.path, "run"))
                if leak.how == "file":
                    written.append((leak.target, leak.ref.secret, step.index))
        if action(step.uses, "actions/upload-artifact"):
            _upload(out, step, written, persisted_checkout)


def _upload(
    out: Places, step: Step, written: list[tuple[str, str, int]], persisted_checkout: bool
) -> None:
    value = step.with_.get("path")
    if value is None:
        return
    where: Path = (*step.path, "with", "path")
    paths = [p.strip() for p in (value.text or "").splitlines() if p.strip()]
    for p in paths:
        if p.startswith("!"):
            continue
        pn = _norm(p)
        for target, secret, n in written:
            tn = _norm(target)
            if tn == pn or tn.startswith(pn.rstrip("/") + "/") or fnmatch.fnmatchcase(tn, pn):
                out.add(
                    f"actions/upload-artifact uploads {p}, which step {n + 1} wrote {secret} "
                    "into; everyone who can read the repository can download artifacts",
                    _entry_index(out, value, p),
                    where,
                )
                return
        version = step.uses.split("@", 1)[1] if "@" in step.uses else ""
        hidden = (step.with_.text("include-hidden-files") or "").strip().lower() == "true"
        old = bool(re.match(r"^v?[123](?:\.|$)", version))
        if p in _WORKSPACE and persisted_checkout and (hidden or old):
            out.add(
                "actions/upload-artifact uploads the whole workspace, including .git/config "
                "where actions/checkout persisted the job's token; set "
                "`persist-credentials: false` on checkout or upload only the build output",
                _entry_index(out, value, p),
                where,
            )
            return


def _entry_index(out: Places, value: Text, entry_text: str) -> int:
    """Where one line of a multi-line `path:` value is in the file."""
    text = value.text or ""
    for start, end in shell.logical_lines(text):
        offset = text.find(entry_text, start, end)
        if offset >= 0:
            return out.ci.index_in(value, offset)
    return out.ci.index_of(value.node)


def _norm(p: str) -> str:
    p = p.strip().strip("\"'")
    for prefix in ("${{ github.workspace }}/", "${{github.workspace}}/", "$GITHUB_WORKSPACE/"):
        if p.startswith(prefix):
            p = p[len(prefix) :]
    while p.startswith("./"):
        p = p[2:]
    return p


def _script(out: Places, value: Text, path: Path) -> None:
    """Secrets echoed or written to files by the shell of GitLab/CircleCI/Azure/… jobs."""
    text = value.text or ""
    refs = [shell.Ref(s, e, n, n) for s, e, n in shell.expression_secrets(text)]
    for m in _TOKENISH_VAR.finditer(text):
        name = next(g for g in m.groups() if g)
        if shell.tokenish(name):
            refs.append(shell.Ref(m.start(), m.end(), m.group(), m.group()))
    for leak in shell.leaks(text, sorted(refs, key=lambda r: r.start)):
        words = LEAK_WORDS[leak.how].format(target=leak.target)
        out.add(f"{leak.ref.name} {words}", out.ci.index_in(value, leak.ref.start), path)
