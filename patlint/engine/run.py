"""Wire the stages: walk → detect → group → resolve → judge. No output happens here."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Protocol

from patlint.catalog.ruleset import RuleSet
from patlint.detectors.pattern import Detector
from patlint.engine.filescan import PRECHECK_MIN_FILES, FileResult, scan_paths, scan_stream
from patlint.model import (
    Candidate,
    Finding,
    PlaceFinding,
    Rule,
    ScanResult,
    ScanStats,
    Severity,
    Skip,
    Token,
    TokenInfo,
)
from patlint.policy.judge import judge
from patlint.sources.tree import FileRef, WalkOptions, walk
from patlint.sources.values import Value

Progress = Callable[[int, int, int], None]  # files, bytes, candidates so far
# Below both, one process scans everything: forking two workers and importing every reader
# before (~30 ms of serial work, and each worker's own start) cost more than a second core saves.
# Measured with paired whole runs, --jobs 1 against 2 (load ~2): 880-1,700 files, 5-25 MB
# (tokio, cli, prometheus): serial 0.86-0.91x the wall time, 0.85x the CPU; 2,100-2,700 files
# 0.93x; 5,500 files (52 MB) 0.96x; 15,000 files (114 MB) 1.40x, i.e. the pool wins.
PARALLEL_MIN_BYTES = 32 << 20
PARALLEL_MIN_FILES = 2000
BATCH_BYTES = 2 << 20
BATCH_FILES = 512


class Resolver(Protocol):
    """Asks GitHub (or a cache) what tokens are; keyed by token digest."""

    def resolve(self, tokens: Sequence[Token]) -> Mapping[str, TokenInfo]:
        """TokenInfo for each token it could learn something about."""

    def notices(self) -> list[str]:
        """One-line notices for the summary (e.g. "GitHub unreachable: …")."""


@dataclass(frozen=True, slots=True)
class ScanOptions:
    """Everything the pipeline needs besides the rules; built by the CLI from flags and config."""

    walk: WalkOptions = field(default_factory=WalkOptions)
    max_file_size: int = 256 << 20
    jobs: int = 0  # 0 = one per core
    no_suppress: bool = False
    allow: frozenset[str] = frozenset()
    baseline: frozenset[str] = frozenset()
    baseline_sha1: frozenset[str] = frozenset()  # detect-secrets entries: "path\0hashed_secret"
    now: datetime | None = None
    github_hosts: frozenset[str] = frozenset()  # hosts configured as GitHub API targets
    archives: bool = True  # scan the members of archives (--no-archives: their bytes only)


@dataclass(slots=True)
class Collected:
    """Raw output of the walk + detect stage."""

    candidates: list[Candidate] = field(default_factory=list)
    places: list[PlaceFinding] = field(default_factory=list)
    stats: ScanStats = field(default_factory=ScanStats)


# --- collection (walk + detect), in parallel when the tree is large -------------------------

_WORKER_DETECTOR: Detector | None = None
_WORKER_MAX = 0
_WORKER_ARCHIVES = True


def _init_worker(rules: Sequence[Rule], max_size: int, archives: bool = True) -> None:
    global _WORKER_DETECTOR, _WORKER_MAX, _WORKER_ARCHIVES
    if _WORKER_DETECTOR is None or list(_WORKER_DETECTOR.rules) != [
        r for r in rules if r.kind == "detector"
    ]:
        _WORKER_DETECTOR = Detector(rules)
    _WORKER_MAX = max_size
    _WORKER_ARCHIVES = archives


def _use_detector(detector: Detector, max_size: int, archives: bool) -> None:
    """This process's detector for the workers it forks (their `_init_worker` keeps it)."""
    global _WORKER_DETECTOR, _WORKER_MAX, _WORKER_ARCHIVES
    _WORKER_DETECTOR, _WORKER_MAX, _WORKER_ARCHIVES = detector, max_size, archives


def _scan_batch(batch: Sequence[tuple[str, str]]) -> tuple[int, int, list[FileResult]]:
    """Scan a batch in a worker: (files scanned clean, their bytes, every other result).

    Most files hold nothing; they travel back as two counters instead of pickled objects.
    """
    assert _WORKER_DETECTOR is not None
    return scan_paths(batch, _WORKER_DETECTOR, max_size=_WORKER_MAX, archives=_WORKER_ARCHIVES)


def _prepare_workers(detector: Detector) -> None:
    """Compile the detector and import the readers before the workers fork, so that each does
    not do it again; both at once: Hyperscan compiles without the GIL (~25 ms) while the
    imports (~35 ms) hold it. The thread has ended before any fork."""
    import threading

    from patlint.sources.readers.registry import preload

    failed: list[BaseException] = []

    def compile_() -> None:
        try:
            detector.prepare()
        except BaseException as exc:  # re-raised below, in the scanning thread
            failed.append(exc)

    thread = threading.Thread(target=compile_, name="patlint-compile")
    thread.start()
    try:
        preload()
        _preload_worker_modules()
    finally:
        thread.join()
    if failed:
        raise failed[0]


def _preload_worker_modules() -> None:
    """What every worker imported again on its own after the fork (~25 ms of CPU each on the
    real trees, measured with a profile of each worker): its set-up (`ctypes` for the
    parent-death signal, `queue` for its inbox), the joining of a structured file's hits with
    its reader (`engine.readings`, `hashlib`) and the CI rules a workflow runs (imported on
    first use). Archives' modules stay lazy: most trees hold none."""
    import ctypes  # noqa: F401
    import queue  # noqa: F401

    import patlint.engine.readings  # noqa: F401
    from patlint.policy.ci import RULES, rule

    for _rule_id, module in RULES:
        rule(module)


def _size(path: str) -> int:
    """A file's size for the parallel-or-not decision (0 when it cannot be read: the scan says why)."""
    try:
        return os.lstat(path).st_size
    except OSError:
        return 0


def collect(
    roots: Sequence[str],
    rules: Sequence[Rule],
    options: ScanOptions,
    *,
    progress: Progress | None = None,
    stdin: Any = None,
) -> Collected:
    """Walk `roots` and detect tokens in every file; `-` means standard input."""
    out = Collected()
    stats = out.stats
    candidates = out.candidates
    detector = Detector(rules)
    paths = [r for r in roots if r != "-"]
    jobs = options.jobs or os.cpu_count() or 1
    # Walk until the tree is known to be big enough for the pool, then go on walking while the
    # pool scans what was handed out (walk skips are kept apart and put first, as if the walk
    # had finished before the scan).
    from patlint.engine.names import NameScan
    from patlint.sources.names import BATCH as NAMES_BATCH

    names = NameScan(detector)  # a token can be a file or folder name too
    # Every shown path (files and skipped places) goes to the name search, NAMES_BATCH at a
    # time, as `NameScan.wrap` would: the loops below do it inline (one generator layer per
    # file less on a path that runs for every file of the tree).
    named: list[str] = []
    walker = walk(paths, options.walk)
    walk_skipped: list[Skip] = []
    files: list[FileRef] = []
    total = 0
    parallel = False
    for item in walker:
        if type(item) is not FileRef:
            assert isinstance(item, Skip)
            walk_skipped.append(item)
            named.append(item.path)
        else:
            named.append(item.rel)
            files.append(item)
            total += item.size if item.size >= 0 else _size(item.path)
        if len(named) >= NAMES_BATCH:
            names.scan_names(named)
            named = []
        if jobs > 1 and (total >= PARALLEL_MIN_BYTES or len(files) >= PARALLEL_MIN_FILES):
            parallel = True
            break

    def batches() -> Iterator[list[tuple[str, str]]]:
        """The rest of the walk in batches of BATCH_FILES files or BATCH_BYTES (the files walked
        so far first), searching names on the way; skips are kept apart."""
        nonlocal named
        batch: list[tuple[str, str]] = []
        size = 0
        for f in files:
            batch.append(f[:2])  # (path, rel) as a plain tuple
            if f[2] > 0:  # the size, -1 when the walker did not stat the file
                size += f[2]
            if size >= BATCH_BYTES or len(batch) >= BATCH_FILES:
                yield batch
                batch, size = [], 0
        for item in walker:
            if type(item) is not FileRef:
                assert isinstance(item, Skip)
                walk_skipped.append(item)
                named.append(item.path)
            else:
                named.append(item[1])
                batch.append(item[:2])
                if item[2] > 0:
                    size += item[2]
                if size >= BATCH_BYTES or len(batch) >= BATCH_FILES:
                    yield batch
                    batch, size = [], 0
            if len(named) >= NAMES_BATCH:
                names.scan_names(named)
                named = []
        if batch:
            yield batch

    dropped: set[str] = set()  # each worker drops a rule on its own: say it once

    def absorb(res: FileResult) -> None:
        candidates.extend(res.candidates)
        out.places.extend(res.places)
        stats.notices.extend(res.notices)
        stats.notices.extend(n for n in res.timeouts if n not in dropped)
        dropped.update(n for n in res.timeouts if "dropped for the rest of the scan" in n)
        stats.bytes_scanned += res.bytes_read
        if res.skip is not None:
            stats.skipped.append(res.skip)
        for s in res.partial:
            if s.path.startswith("<rule "):
                if s.path in dropped:
                    continue
                dropped.add(s.path)
            stats.skipped.append(s)
        if res.scanned:
            stats.files_scanned += 1
        if progress is not None:
            progress(stats.files_scanned, stats.bytes_scanned, len(candidates))

    if "-" in roots:
        stream = stdin if stdin is not None else sys.stdin.buffer
        absorb(scan_stream(stream, "<stdin>", detector, max_size=options.max_file_size))

    if parallel:
        from patlint.engine.workers import run_batches

        def take(answer: tuple[int, int, list[FileResult]]) -> None:
            clean, clean_bytes, results = answer
            stats.files_scanned += clean
            stats.bytes_scanned += clean_bytes
            for res in results:
                absorb(res)
            if progress is not None:
                progress(stats.files_scanned, stats.bytes_scanned, len(candidates))

        # Forked workers inherit the compiled detector: the one the name search uses here too
        # (a second Detector compiled the pre-check's database again, ~30 ms, mid-scan).
        _use_detector(detector, options.max_file_size, options.archives)
        _prepare_workers(detector)
        run_batches(
            jobs,
            _init_worker,
            (list(rules), options.max_file_size, options.archives),
            _scan_batch,
            batches(),
            take,
        )
    else:
        clean, clean_bytes, results = scan_paths(
            [(f.path, f.rel) for f in files],
            detector,
            max_size=options.max_file_size,
            precheck=len(files) >= PRECHECK_MIN_FILES,
            archives=options.archives,
        )
        stats.files_scanned += clean
        stats.bytes_scanned += clean_bytes
        for res in results:
            absorb(res)
    names.scan_names(named)  # the last shown paths
    names.scan_link_targets(walk_skipped)
    candidates.extend(names.candidates)
    # Workers finish in any order: sort what they skipped so reports are reproducible.
    stats.skipped.sort(key=lambda s: (s.path, s.reason))
    stats.skipped[:0] = walk_skipped
    candidates.sort(key=lambda c: (c.location.path, c.location.offset or 0, c.rule_id))
    return out


# --- grouping, judging, suppression ----------------------------------------------------------


def group_tokens(candidates: Iterable[Candidate]) -> list[Token]:
    """One Token per unique secret (by digest), with every place it was seen, in scan order."""
    by_digest: dict[str, list[Candidate]] = {}
    for c in candidates:
        by_digest.setdefault(c.secret.digest, []).append(c)
    return [Token(secret=cs[0].secret, candidates=tuple(cs)) for cs in by_digest.values()]


def run_scan(
    roots: Sequence[str],
    ruleset: RuleSet,
    options: ScanOptions,
    *,
    resolver: Resolver | None = None,
    progress: Progress | None = None,
    extra_values: Sequence[Value] = (),
    stdin: Any = None,
) -> ScanResult:
    """The whole pipeline for a scan of files and folders; `extra_values` (the environment,
    credential helpers' answers) are searched too, each a place of its own."""
    collected = collect(roots, ruleset.detectors, options, progress=progress, stdin=stdin)
    notices: list[str] = []
    skipped: list[Skip] = []
    if extra_values:
        from patlint.engine.readings import values_candidates

        detector = Detector(ruleset.detectors)
        for cands in values_candidates(extra_values, detector, notices=notices, skipped=skipped):
            collected.candidates.extend(cands)
    result = finish(collected, ruleset, options, resolver=resolver)
    result.notices.extend(notices)  # what the custom rules could not finish in those values
    result.stats.skipped.extend(skipped)
    return result


def finish(
    collected: Collected,
    ruleset: RuleSet,
    options: ScanOptions,
    *,
    resolver: Resolver | None = None,
) -> ScanResult:
    """Group, resolve and judge what a source collected (shared by every kind of scan)."""
    tokens = group_tokens(collected.candidates)
    notices: list[str] = []
    if resolver is not None and tokens:
        infos = resolver.resolve(tokens)
        tokens = [replace(t, info=infos.get(t.secret.digest)) for t in tokens]
        notices.extend(resolver.notices())
    findings, suppressed = judge(
        tokens,
        ruleset,
        options,
        notices,
        places=collected.places,
        explain_skipped=resolver is not None,  # offline by choice: nothing to explain
    )
    collected.stats.suppressed = len(suppressed)
    return ScanResult(
        tokens, findings, suppressed, collected.stats, notices, places=list(collected.places)
    )


def exit_code(findings: Sequence[Finding], fail_on: Severity) -> int:
    """1 when any active finding is at or above the threshold, else 0."""
    return 1 if any(f.severity >= fail_on for f in findings) else 0


def only_statuses(result: ScanResult, wanted: frozenset[str | None], label: str) -> ScanResult:
    """The tokens GitHub answered one of the `wanted` ways (None: no answer at all) and only
    their findings; a notice, starting with `label`, says how much was hidden."""

    def status(info: TokenInfo | None) -> str | None:
        return None if info is None else str(info.status.value)

    tokens = [t for t in result.tokens if status(t.info) in wanted]
    keep = {t.secret.digest for t in tokens}
    findings = [f for f in result.findings if f.token is not None and f.token.sha256 in keep]
    suppressed = [f for f in result.suppressed if f.token is not None and f.token.sha256 in keep]
    hidden = len(result.findings) - len(findings)
    notices = [
        *result.notices,
        f"{label}: {len(tokens)} of {len(result.tokens)} "
        f"token{'s' if len(result.tokens) != 1 else ''} shown; {hidden} "
        f"finding{'s' if hidden != 1 else ''} about other tokens and places hidden",
    ]
    return replace(result, tokens=tokens, findings=findings, suppressed=suppressed, notices=notices)
