"""`secrets-inherit`: a job hands every secret to a reusable workflow (`secrets: inherit`)."""

from __future__ import annotations

from collections.abc import Sequence

from patlint.model import Candidate, PlaceFinding
from patlint.policy.ci.common import Places
from patlint.sources.readers.ci.model import CiModel

RULE_ID = "secrets-inherit"


def check(ci: CiModel, found: Sequence[Candidate]) -> list[PlaceFinding]:
    """A finding at each `secrets: inherit` of a job."""
    out = Places(ci, RULE_ID)
    for wf in ci.workflows:
        if wf.composite:
            continue
        for job in wf.jobs:
            if job.secrets is None or (job.secrets.text or "").strip() != "inherit":
                continue
            target = job.uses or "a reusable workflow"
            out.add(
                f"Job {job.id} passes every secret of this repository to {target} with "
                "`secrets: inherit`; pass only the secrets it needs, by name",
                ci.index_of(job.secrets.node),
                (*job.path, "secrets"),
            )
    return out.out
