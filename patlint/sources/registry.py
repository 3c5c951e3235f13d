"""The explicit registry of structured readers (one import and one entry per reader)."""

from __future__ import annotations

from patlint.sources import ci as _ci
from patlint.sources.readers import FileReader

READERS: tuple[FileReader, ...] = (
    _ci.READER,  # CI pipelines: GitHub Actions, GitLab, CircleCI, Azure, Bitbucket, Travis
)


def readers_for(rel: str) -> list[FileReader]:
    """Readers that claim the file shown as `rel`."""
    return [r for r in READERS if r.matches(rel)]
