"""`pull-request-target-checkout`: a `pull_request_target` or `workflow_run` workflow checks
out (or fetches) the pull request's head ("pwn request"), unless a same-repository guard
keeps forks out."""

from __future__ import annotations

import re
from collections.abc import Sequence

from patlint.model import Candidate, PlaceFinding
from patlint.policy.ci.common import SAME_REPO_GUARD, Places, action
from patlint.sources.readers.ci import shell
from patlint.sources.readers.ci.model import CiModel, Job, Step

RULE_ID = "pull-request-target-checkout"

_TRIGGERS = frozenset({"pull_request_target", "workflow_run"})
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


def check(ci: CiModel, found: Sequence[Candidate]) -> list[PlaceFinding]:
    """A finding at each unguarded step that checks out or fetches the head."""
    out = Places(ci, RULE_ID)
    for wf in ci.workflows:
        events = sorted(wf.triggers & _TRIGGERS)
        if not events:
            continue
        for job in wf.jobs:
            if SAME_REPO_GUARD.search(job.if_):
                continue
            for step in job.steps:
                if not SAME_REPO_GUARD.search(step.if_):
                    _head_checkout(out, job, step, events)
    return out.out


def _head_checkout(out: Places, job: Job, step: Step, events: list[str]) -> None:
    secrets = sorted(
        {n for t in job.texts() for _s, _e, n in shell.expression_secrets(t)}
        - {"secrets.GITHUB_TOKEN", "github.token"}
    )
    reach = ", ".join([*secrets[:3], "a GITHUB_TOKEN that can write"])
    event = " / ".join(events)
    if action(step.uses, "actions/checkout"):
        ref = step.with_.get("ref")
        if ref is not None and _HEAD_REF.search(ref.text or ""):
            out.add(
                f"On {event} this step checks out the pull request's head, so code from a "
                f"fork runs with {reach} in reach",
                out.ci.index_of(ref.node),
                (*step.path, "with", "ref"),
            )
        return
    run = step.run
    if run is not None and run.text:
        m = _HEAD_FETCH.search(run.text)
        if m:
            out.add(
                f"On {event} this script fetches the pull request's head, so code from a fork "
                f"runs with {reach} in reach",
                out.ci.index_in(run, m.start()),
                (*step.path, "run"),
            )
