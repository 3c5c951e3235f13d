"""`missing-permissions-block`: no `permissions:` at the top and none on some job."""

from __future__ import annotations

from collections.abc import Sequence

from patlint.model import Candidate, PlaceFinding
from patlint.policy.ci.common import Places
from patlint.sources.readers.ci.model import CiModel

RULE_ID = "missing-permissions-block"


def check(ci: CiModel, found: Sequence[Candidate]) -> list[PlaceFinding]:
    """Once per workflow, at `jobs:`, naming the first jobs without a block."""
    out = Places(ci, RULE_ID)
    for wf in ci.workflows:
        if wf.composite or wf.permissions is not None or wf.jobs_key is None:
            continue
        missing = [job.id for job in wf.jobs if job.permissions is None]
        if not missing:
            continue
        names = ", ".join(missing[:5]) + (
            f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        )
        out.add(
            f"No `permissions:` for the workflow and none for job(s) {names}: GITHUB_TOKEN gets "
            "the repository's default, which may be read-write on everything; add "
            "`permissions: {contents: read}` at the top and widen per job",
            ci.index_of(wf.jobs_key),
            ("jobs",),
        )
    return out.out
