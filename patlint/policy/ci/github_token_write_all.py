"""`github-token-write-all`: `permissions: write-all` at the workflow or job level."""

from __future__ import annotations

from collections.abc import Sequence

from patlint.model import Candidate, PlaceFinding
from patlint.policy.ci.common import Places
from patlint.sources.readers.ci.model import CiModel, Pair
from patlint.sources.readers.ci.yamldoc import Path

RULE_ID = "github-token-write-all"


def check(ci: CiModel, found: Sequence[Candidate]) -> list[PlaceFinding]:
    """A finding at each `write-all`."""
    out = Places(ci, RULE_ID)
    for wf in ci.workflows:
        if wf.composite:
            continue
        _write_all(out, wf.permissions, ("permissions",), "the workflow")
        for job in wf.jobs:
            _write_all(out, job.permissions, (*job.path, "permissions"), f"job {job.id}")
    return out.out


def _write_all(out: Places, perms: Pair | None, path: Path, who: str) -> None:
    if perms is not None and (perms.value.text or "").strip() == "write-all":
        out.add(
            f"`permissions: write-all` gives GITHUB_TOKEN in {who} write access to every "
            "scope (contents, packages, actions, …); list only the scopes it needs",
            out.ci.index_of(perms.value.node),
            path,
        )
