"""Fleet scans (`scan --history --repos FILE [--shard K/N]`): many repositories' histories,
one report.

Each repository of the shard is fetched into a mirror (or read in place, for a local path) and
its history is collected exactly as `scan --history` does; every place is tagged with the
repository it is in. Then the shared pipeline runs once over everything: a token found in
three repositories is one token, verified once, judged once. A repository that cannot be
fetched or read is a notice and a `repository-not-scanned` skip (the scan is incomplete), not
a failed run.

Places are put in one canonical order (repository, then commit date, path, offset, rule), the
same that `patlint merge` uses, so the merge of the shards' reports equals the report of one
unsharded run.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, TypeVar

from patlint.catalog.ruleset import RuleSet
from patlint.engine.run import Collected, Resolver, ScanOptions, finish
from patlint.errors import PatlintError
from patlint.model import (
    Candidate,
    FleetInfo,
    Location,
    PlaceFinding,
    RepoStatus,
    ScanResult,
    Skip,
)
from patlint.sources.repos import Repo, Shard, select

SCANNED, STALE, NOT_SCANNED = "scanned", "stale", "not-scanned"
Progress = Callable[[int, int, int], None]


@dataclass(frozen=True, slots=True)
class FleetOptions:
    """How to reach the repositories: the mirror cache, fetch parallelism and time limit."""

    cache: str | None = None  # None: $XDG_CACHE_HOME/patlint/repos
    fetch_jobs: int = 4
    fetch_timeout: float = 3600.0
    shard: Shard | None = None


def _date_key(when: str | None) -> float:
    if not when:
        return float("inf")
    try:
        return datetime.fromisoformat(when.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return float("inf")


def location_key(loc: Location, rule_id: str) -> tuple[Any, ...]:
    """The canonical order of places: repository, commit date (oldest first), path, offset."""
    return (
        loc.repository or "",
        _date_key(loc.commit_date),
        loc.path,
        loc.offset or 0,
        rule_id,
        loc.commit or "",
        loc.blob or "",
        loc.line or 0,
        loc.column or 0,
    )


T = TypeVar("T", Candidate, PlaceFinding)


def canonical(items: Sequence[T]) -> list[T]:
    """Candidates or place findings in the canonical order (stable for equal keys)."""
    return sorted(items, key=lambda c: location_key(c.location, c.rule_id))


def _tag(loc: Location, repository: str) -> Location:
    return replace(loc, repository=repository)


def scan_fleet(
    repos: Sequence[Repo],
    ruleset: RuleSet,
    options: ScanOptions,
    fleet: FleetOptions,
    *,
    resolver: Resolver | None = None,
    progress: Progress | None = None,
) -> ScanResult:
    """Scan the history of every repository of the shard; one result for all of them."""
    from patlint.engine.history import collect_history
    from patlint.sources.mirrors import MirrorCache

    shard = fleet.shard
    selected = select(repos, shard)
    cache = MirrorCache(fleet.cache, timeout=fleet.fetch_timeout)
    out = Collected()
    stats = out.stats
    statuses: list[RepoStatus] = []
    done = [0, 0, 0]  # blobs, bytes, hits of the repositories before this one

    def moving(blobs: int, nbytes: int, hits: int) -> None:
        if progress is not None:
            progress(done[0] + blobs, done[1] + nbytes, done[2] + hits)

    for got in cache.fetch_all(selected, fleet.fetch_jobs):
        name = got.repo.name
        if got.path is None:
            stats.notices.append(f"repository {name}: not scanned: {got.problem}")
            stats.skipped.append(Skip(name, "repository-not-scanned", got.problem))
            statuses.append(RepoStatus(name, NOT_SCANNED, got.problem))
            continue
        try:
            hist = collect_history(
                got.path,
                ruleset.detectors,
                max_file_size=options.max_file_size,
                exclude=options.walk.exclude,
                progress=moving,
            )
        except PatlintError as exc:  # not a repository, or git failed on it
            why = str(exc)
            stats.notices.append(f"repository {name}: not scanned: {why}")
            stats.skipped.append(Skip(name, "repository-not-scanned", why))
            statuses.append(RepoStatus(name, NOT_SCANNED, why))
            continue
        done[0] += hist.blobs_read
        done[1] += hist.stats.bytes_scanned
        done[2] += hist.blobs_with_hits
        out.candidates.extend(replace(c, location=_tag(c.location, name)) for c in hist.candidates)
        out.places.extend(replace(p, location=_tag(p.location, name)) for p in hist.places)
        stats.files_scanned += hist.stats.files_scanned
        stats.bytes_scanned += hist.stats.bytes_scanned
        stats.skipped.extend(replace(s, path=f"[{name}] {s.path}") for s in hist.stats.skipped)
        stats.notices.extend(f"{name}: {n}" for n in hist.stats.notices)
        if got.stale:
            stats.notices.append(f"repository {name}: {got.problem}")
            stats.skipped.append(Skip(name, "stale-mirror", got.problem))
            statuses.append(RepoStatus(name, STALE, got.problem))
        else:
            statuses.append(RepoStatus(name, SCANNED))
    stats.notices.append(fleet_notice(statuses, shard, len(repos)))
    out.candidates = canonical(out.candidates)
    out.places = canonical(out.places)
    result = finish(out, ruleset, options, resolver=resolver)
    result.fleet = FleetInfo(
        shards=(str(shard) if shard is not None else "1/1",), repositories=tuple(statuses)
    )
    return result


def fleet_notice(statuses: Sequence[RepoStatus], shard: Shard | None, listed: int) -> str:
    """`fleet (shard 2/4): 12 of 50 repositories, 11 scanned, 1 not scanned`."""
    counts: dict[str, int] = {}
    for s in statuses:
        counts[s.status] = counts.get(s.status, 0) + 1
    parts = [
        f"{counts[k]} {k.replace('-', ' ')}" for k in (SCANNED, STALE, NOT_SCANNED) if k in counts
    ]
    where = f"fleet (shard {shard})" if shard is not None else "fleet"
    return f"{where}: {len(statuses)} of {listed} repositories listed" + (
        f", {', '.join(parts)}" if parts else ""
    )
