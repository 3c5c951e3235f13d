"""`patlint merge`: the JSON reports of several scans (the shards of a fleet) as one report.

Each report is read back as what its sources collected (patlint.sources.report_json): places
deduplicated (a report given twice, or a merged report with one of its parts, counts once),
put in the canonical order of a fleet scan, then grouped, verified and judged once, exactly
as one unsharded `scan --repos` would: GitHub is asked once per token for the whole fleet.

Verifying needs the token and a report holds none (only its SHA-256). So the merge reads each
token again from the place the report names: the git blob (`git cat-file`, through the
hardened helper) in the repository of the location — one of the `--repos FILE` list given to
merge: a local path as listed, or the mirror of a URL in --repos-cache (fetched again when the
merging job has none) — or the file, inside --root. A report names places, it does not choose
them (see Reader). Only a token whose SHA-256 is the report's is kept, and it lives only in
memory: no artifact of a fleet ever holds a plaintext token; it is sent only to the hosts its
places, as read again, name. A token that cannot be read again keeps what its report recorded
(if the shard verified it) with a notice. With --offline nothing is read again and each token
keeps what its report recorded.

Merging is associative and commutative in content: the result depends on the set of places,
not on how the reports were grouped or ordered.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone

from patlint.catalog.ruleset import RuleSet
from patlint.engine.fleet import NOT_SCANNED, SCANNED, STALE, canonical, fleet_notice
from patlint.engine.run import Collected, Resolver, ScanOptions, finish
from patlint.model import (
    Candidate,
    FleetInfo,
    Location,
    PlaceFinding,
    RepoStatus,
    Rule,
    ScanResult,
    Secret,
    Skip,
    Token,
    TokenInfo,
    TokenStatus,
)
from patlint.sources.report_json import MISSING_SHARD, LoadedReport
from patlint.sources.repos import Repo, Shard, normalize, shard_of, shards_of

MAX_FILE = 256 << 20  # a file read again for its token
_RANK = {SCANNED: 0, STALE: 1, NOT_SCANNED: 2}


def _is_fleet_notice(text: str) -> bool:
    """A summary a merge works out again (so merging merged reports changes nothing)."""
    return text.startswith(("fleet: ", "fleet (shard ", "fleet (merged ", "merge: "))


def _loc_key(loc: Location) -> tuple[object, ...]:
    return (
        loc.repository,
        loc.path,
        loc.line,
        loc.column,
        loc.offset,
        loc.commit,
        loc.blob,
        loc.binary,
        loc.note,
    )


@dataclass(slots=True)
class Merged:
    """The union of several reports' collected places, before verification and judging."""

    collected: Collected
    infos: dict[str, TokenInfo] = field(default_factory=dict)
    fleet: FleetInfo | None = None


def combine(reports: Sequence[LoadedReport], listed: Sequence[Repo] | None = None) -> Merged:
    """Unite the reports: every place once, every skip and notice once, the fleet covered.

    What a report says it covered (`fleet.shards`, a repository `scanned`) cannot be checked
    without scanning again, so it is trusted: merge only your own run's artifacts. What can be
    compared is: two reports that claim one shard with different contents, a report listing
    repositories of a shard it does not claim, and, given `listed` (the list the shards
    scanned), a listed repository that no report of its (given) shard mentions."""
    out = Collected()
    # One place named by several reports (a shard given twice; or a forged report copying an
    # honest one's place, digests are in every artifact): the claim that hides less wins,
    # whatever the order, so no report can suppress or weaken another's place.
    seen_c: dict[tuple[object, ...], Candidate] = {}
    seen_p: dict[tuple[object, ...], PlaceFinding] = {}
    seen_s: set[tuple[str, str, str]] = set()
    notices: dict[str, None] = {}
    infos: dict[str, TokenInfo] = {}
    shards: set[str] = set()
    repos: dict[str, RepoStatus] = {}
    any_fleet = False
    for rep in reports:
        for c in rep.candidates:
            key = (c.secret.digest, c.rule_id, _loc_key(c.location))
            have_c = seen_c.get(key)
            if have_c is None or _stronger(c, have_c):
                seen_c[key] = c
        for p in rep.places:
            digest = p.secret.digest if p.secret is not None else ""
            pkey = (digest, p.rule_id, p.message, _loc_key(p.location))
            have_p = seen_p.get(pkey)
            if have_p is None or (have_p.suppress is not None and p.suppress is None):
                seen_p[pkey] = p
        for s in rep.skipped:
            if (s.path, s.reason, s.detail) not in seen_s:
                seen_s.add((s.path, s.reason, s.detail))
                out.stats.skipped.append(s)
        for n in rep.notices:
            if not _is_fleet_notice(n):
                notices[n] = None
        for digest, info in rep.infos.items():
            have = infos.get(digest)
            infos[digest] = info if have is None else _worst(have, info)
        if rep.fleet is not None:
            any_fleet = True
            shards.update(rep.fleet.shards)
            for r in rep.fleet.repositories:
                old = repos.get(r.name)
                if old is None or (_RANK.get(r.status, 3), r.detail) < (
                    _RANK.get(old.status, 3),
                    old.detail,
                ):
                    repos[r.name] = r
    out.candidates = list(seen_c.values())
    out.places = list(seen_p.values())
    out.stats.files_scanned, out.stats.bytes_scanned = _counted(reports)
    out.candidates = canonical(out.candidates)
    out.places = canonical(out.places)
    out.stats.skipped.sort(key=lambda s: (s.path, s.reason, s.detail))
    out.stats.notices = sorted(notices)
    fleet = None
    if any_fleet:
        covered = _shard_order(shards)
        out.stats.notices += _disagreements(reports)
        if listed is not None:
            absent = _unaccounted(listed, repos, covered)
            for name, shard in absent:
                detail = f"in the --repos list, in no report of shard {shard}"
                repos[name] = RepoStatus(name, NOT_SCANNED, detail)
                out.stats.skipped.append(Skip(name, "repository-not-scanned", detail))
            if absent:
                out.stats.notices.append(
                    f"merge: {len(absent)} repositor{'y' if len(absent) == 1 else 'ies'} of the "
                    "--repos list in no report of a shard that was given: the reports cover less "
                    "than they claim (merge only the artifacts of your own run)"
                )
        statuses = tuple(sorted(repos.values(), key=lambda r: r.name))
        fleet = FleetInfo(covered, statuses)
        missing = missing_shards(covered)
        for m in missing:
            detail = "no report of this shard was merged: its repositories are not in the report"
            out.stats.skipped.append(Skip(f"shard {m}", MISSING_SHARD, detail))
        if missing:
            out.stats.notices.append(
                f"merge: shard{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
                "missing (not given): the report covers only part of the fleet"
            )
        out.stats.notices.append(_merged_notice(statuses, covered))
    return Merged(out, infos, fleet)


def _in_shard(name: str, shard: Shard) -> bool:
    try:
        return shard_of(normalize(name), shard.total) == shard.index
    except ValueError:
        return False


def _disagreements(reports: Sequence[LoadedReport]) -> list[str]:
    """Where reports' coverage claims contradict each other or themselves (one notice each)."""
    out: list[str] = []
    contents: dict[str, set[str]] = {}
    for rep in reports:
        if rep.fleet is None or len(rep.fleet.shards) != 1:
            continue  # a merged report (several shards) holds parts that are compared alone
        claim = rep.fleet.shards[0]
        what = (
            sorted((r.name, r.status, r.detail) for r in rep.fleet.repositories),
            sorted(
                repr((c.secret.digest, c.rule_id, _loc_key(c.location))) for c in rep.candidates
            ),
            rep.files_scanned,
            rep.bytes_scanned,
        )
        contents.setdefault(claim, set()).add(hashlib.sha256(repr(what).encode()).hexdigest())
        parsed = shards_of([claim])
        if parsed and not all(_in_shard(r.name, parsed[0]) for r in rep.fleet.repositories):
            out.append(
                f"merge: {rep.source} claims shard {claim} but lists repositories of other shards "
                "(a report made from another list, or not what it claims)"
            )
    for claim, seen in sorted(contents.items()):
        if len(seen) > 1:
            out.append(
                f"merge: {len(seen)} reports claim shard {claim} with different contents (a job "
                "run twice, or a report that is not what it claims: merge only the artifacts of "
                "your own run)"
            )
    return out


def _unaccounted(
    listed: Sequence[Repo], statuses: Mapping[str, RepoStatus], covered: Sequence[str]
) -> list[tuple[str, Shard]]:
    """Listed repositories that no report mentions although a report of their shard was given."""
    named = set()
    for name in statuses:
        try:
            named.add(normalize(name))
        except ValueError:
            continue
    given = shards_of(covered)
    out: list[tuple[str, Shard]] = []
    for repo in listed:
        if repo.normalized in named:
            continue
        shard = next((s for s in given if shard_of(repo.normalized, s.total) == s.index), None)
        if shard is not None:
            out.append((repo.name, shard))
    return out


def _counted(reports: Sequence[LoadedReport]) -> tuple[int, int]:
    """Files and bytes scanned, each shard's counted once: a shard's report given twice (an
    artifact uploaded again) or inside a merged report given beside it is not counted again,
    so merging stays idempotent and associative. Reports without shards (plain scans) are
    counted once per identical content."""
    files = size = 0
    counted: set[str] = set()
    plain: set[tuple[object, ...]] = set()
    widest_first = sorted(reports, key=lambda r: -len(r.fleet.shards) if r.fleet else 0)
    for rep in widest_first:
        if rep.fleet is not None and rep.fleet.shards:
            if counted.intersection(rep.fleet.shards):
                continue
            counted.update(rep.fleet.shards)
        else:
            key = (
                rep.files_scanned,
                rep.bytes_scanned,
                tuple(
                    sorted(
                        (c.secret.digest, c.rule_id, _loc_key(c.location)) for c in rep.candidates
                    )
                ),
            )
            if key in plain:
                continue
            plain.add(key)
        files += rep.files_scanned
        size += rep.bytes_scanned
    return files, size


def _checked(info: TokenInfo) -> datetime:
    return info.checked_at or datetime.min.replace(tzinfo=timezone.utc)


def _stronger(new: Candidate, have: Candidate) -> bool:
    """True when `new` hides less than `have` (not suppressed; checksum known valid)."""
    return (new.suppress is None, new.checksum_valid is True) > (
        have.suppress is None,
        have.checksum_valid is True,
    )


# What a token's record says it can do, least to most: a report cannot vouch for itself (a
# shard's report may be forged), so when two disagree the more dangerous claim is kept.
_DANGER = {
    TokenStatus.INVALID: 0,
    TokenStatus.UNVERIFIED: 1,
    TokenStatus.RATE_LIMITED: 1,
    TokenStatus.UNREACHABLE: 1,
    TokenStatus.SSO_REQUIRED: 2,
    TokenStatus.VALID: 3,
}
_LEVEL = {"none": 0, "read": 1, "write": 2, "admin": 3}


def _worst(a: TokenInfo, b: TokenInfo) -> TokenInfo:
    """Two reports' records of one token as one, the most dangerous reading of each fact: the
    more alive status; of equal ones, the later record with every scope and permission either
    grants, "never expires" if either says so, the later expiry. Independent of the order."""
    if _DANGER[a.status] != _DANGER[b.status]:
        return a if _DANGER[a.status] > _DANGER[b.status] else b
    late, early = (
        (a, b) if (_checked(a), a.status.value) >= (_checked(b), b.status.value) else (b, a)
    )
    scopes = (
        None
        if late.scopes is None and early.scopes is None
        else (late.scopes or frozenset()) | (early.scopes or frozenset())
    )
    perms: dict[str, str] | None = None
    if late.permissions is not None or early.permissions is not None:
        perms = dict(early.permissions or {})
        for name, level in (late.permissions or {}).items():
            if _LEVEL.get(level, 0) >= _LEVEL.get(perms.get(name, ""), -1):
                perms[name] = level
    never = True if late.never_expires or early.never_expires else late.never_expires
    expires = [x.expires_at for x in (late, early) if x.expires_at is not None]
    return replace(
        late,
        scopes=scopes,
        permissions=perms,
        never_expires=never,
        expires_at=None if never else max(expires, default=None),
        sso_orgs=tuple(dict.fromkeys((*late.sso_orgs, *early.sso_orgs))),
        undetermined=tuple(dict.fromkeys((*late.undetermined, *early.undetermined))),
    )


def _shard_order(shards: set[str]) -> tuple[str, ...]:
    parsed = shards_of(sorted(shards))
    known = {str(s) for s in parsed}
    ordered = [str(s) for s in sorted(parsed, key=lambda s: (s.total, s.index))]
    return tuple(ordered + sorted(shards - known))


def missing_shards(covered: Sequence[str]) -> list[str]:
    """The K/N not covered, for each N of which some shard is (none when any 1/1 is there)."""
    parsed = shards_of(covered)
    if any(s.total == 1 for s in parsed):
        return []
    have = {(s.index, s.total) for s in parsed}
    out: list[str] = []
    for total in sorted({s.total for s in parsed}):
        out += [f"{k}/{total}" for k in range(1, total + 1) if (k, total) not in have]
    return out


def _merged_notice(statuses: Sequence[RepoStatus], covered: Sequence[str]) -> str:
    text = fleet_notice(statuses, None, len(statuses))
    return text.replace("fleet:", f"fleet (merged shards {', '.join(covered)}):", 1)


# --- verification: the token read again from the place its report names ---------------------


class Reader:
    """Reads tokens again from their places; each git directory and blob once.

    A report is another job's artifact, so it names places, it does not choose them: a file is
    read only when its path stays inside --root (no absolute path, no `..`, no link out), a
    blob only from --root's repository or one of the `repos` the merging job was given (the
    list the shards scanned; the list's own spelling is fetched, never the report's). Any
    other place is not read; the token keeps what its report recorded, with a notice."""

    def __init__(
        self,
        detectors: Sequence[Rule],
        *,
        root: str,
        cache: str | None,
        timeout: float,
        repos: Sequence[Repo] | None = None,
    ) -> None:
        from patlint.detectors.pattern import Detector

        self.detector = Detector(detectors)
        self.root = root
        self.real_root = os.path.realpath(root)
        self.cache = cache
        self.timeout = timeout
        self.repos = {r.normalized: r for r in repos} if repos is not None else None
        self._gitdirs: dict[str, str | None] = {}
        self._cands: dict[tuple[str | None, str], list[Candidate]] = {}
        self._refused: dict[str, None] = {}  # repositories not given (shown safely)
        self._outside = 0  # places whose path leads outside --root
        self._problems: list[str] = []

    @property
    def notes(self) -> list[str]:
        """What the merging job would not or could not read, one notice per kind of reason."""
        out = list(self._problems)
        if self._outside:
            out.append(
                f"merge: {self._outside} place(s) not read again: the path leads outside --root "
                "(absolute, `..`, or through a link out of it); a report names only places "
                "under the folder it scanned"
            )
        if self._refused:
            names = list(self._refused)
            shown = ", ".join(names[:10]) + (
                f" and {len(names) - 10} more" if len(names) > 10 else ""
            )
            why = (
                "not in the --repos list given to merge"
                if self.repos is not None
                else "give merge --repos FILE (the list the shards scanned) to read them"
            )
            out.append(
                f"merge: {len(names)} repositor{'y' if len(names) == 1 else 'ies'} not read "
                f"again ({why}): {shown}"
            )
        return out

    def _gitdir(self, repository: str | None) -> str | None:
        if repository is None:
            return self.root
        if repository in self._gitdirs:
            return self._gitdirs[repository]
        from patlint.sources.mirrors import MirrorCache, local
        from patlint.sources.repos import parse_line

        path: str | None = None
        try:
            named = parse_line(repository)
        except ValueError:
            named = None
        repo = self.repos.get(named.normalized) if named and self.repos is not None else None
        if repo is None:
            self._refused[shown_name(repository)] = None
        elif repo.local:
            path = local(repo).path
        else:
            mirrors = MirrorCache(self.cache, timeout=self.timeout)
            path = mirrors.existing(repo)
            if path is None:
                got = mirrors.fetch(repo)
                path = got.path
                if got.problem and path is None:
                    self._problems.append(f"merge: repository {repo.name}: {got.problem}")
        self._gitdirs[repository] = path
        return path

    def inside(self, rel: str) -> str | None:
        """The file `rel` names under --root, resolved; None when it would lead outside."""
        parts = rel.replace(os.sep, "/").split("/")
        if not rel or "\0" in rel or os.path.isabs(rel) or ".." in parts:
            return None
        real = os.path.realpath(os.path.join(self.real_root, rel))
        top = self.real_root.rstrip(os.sep) + os.sep
        return real if real.startswith(top) else None

    def _candidates(self, loc: Location) -> list[Candidate]:
        from patlint.engine.filescan import scan_bytes, scan_path
        from patlint.engine.revoke_targets import _read_blob, _unescape

        key = (loc.repository, f"blob:{loc.blob}" if loc.blob else f"path:{loc.path}")
        if key in self._cands:
            return self._cands[key]
        found: list[Candidate] = []
        if loc.blob is not None:
            gitdir = self._gitdir(loc.repository)
            data = _read_blob(gitdir, loc.blob) if gitdir is not None else None
            if data is not None:
                found = scan_bytes(data, loc.path, self.detector).candidates
        elif loc.repository is None:
            # both names the path can stand for: reports write a non-UTF-8 byte as `\xNN`
            names = [self.inside(rel) for rel in dict.fromkeys((loc.path, _unescape(loc.path)))]
            if all(n is None for n in names):
                self._outside += 1
            for name in names:
                if name is not None and os.path.isfile(name):
                    found += scan_path(name, loc.path, self.detector, max_size=MAX_FILE).candidates
        self._cands[key] = found
        return found

    def prefetch(self, tokens: Sequence[Token]) -> None:
        """Read every blob the tokens' places name, one `git cat-file --batch` per repository
        (a process per blob cost ~3 ms: a token in 500 versions of a file took 1.4 s)."""
        from patlint.engine.filescan import scan_bytes

        wanted: dict[str | None, dict[str, str]] = {}  # repository -> blob -> path it is read as
        for t in tokens:
            for c in t.candidates:
                loc = c.location
                if loc.blob is not None and (loc.repository, f"blob:{loc.blob}") not in self._cands:
                    wanted.setdefault(loc.repository, {}).setdefault(loc.blob, loc.path)
        for repository, blobs in wanted.items():
            gitdir = self._gitdir(repository)
            for blob in blobs:
                self._cands[(repository, f"blob:{blob}")] = []
            if gitdir is None:
                continue
            for blob, data in read_blobs(gitdir, blobs, self._problems):
                found = scan_bytes(data, blobs[blob], self.detector).candidates
                self._cands[(repository, f"blob:{blob}")] = found

    def found(self, token: Token) -> list[Candidate]:
        """The token as read again at each of its places (the contexts the files give, not
        what the reports claim); empty when no place has it."""
        out: list[Candidate] = []
        for c in token.candidates:
            for got in self._candidates(c.location):
                if got.secret.digest == token.secret.digest and not got.secret.sealed:
                    out.append(got)
        return out


def read_blobs(
    gitdir: str, blobs: Iterable[str], notices: list[str] | None = None
) -> Iterator[tuple[str, bytes]]:
    """(blob, bytes) of each blob git can read in `gitdir`, through one hardened and watched
    `git cat-file --batch` (`patlint.sources.gitguard.cat_file`). Ids that are not 7 to 64 hex
    digits are not asked for; other objects, missing or ambiguous ids and blobs over MAX_FILE
    are left out; a git that stops answering is stopped (a line in `notices` says so)."""
    import re

    from patlint.sources import gitguard

    wanted = [b for b in blobs if re.fullmatch(r"[0-9a-f]{7,64}", b)]
    if not wanted:
        return
    if (why := gitguard.precheck(gitdir)) is not None:
        if notices is not None:
            notices.append(f"{gitdir}: blobs not read again, git would wait on it ({why})")
        return
    keep = lambda kind, size: size if kind == b"blob" and size <= MAX_FILE else 0  # noqa: E731
    for blob, kind, size, data in gitguard.cat_file(gitdir, wanted, keep, notices):
        if kind == b"blob" and size <= MAX_FILE:
            yield blob, data


def shown_name(name: str) -> str:
    """A name a report gave, fit for a notice: control characters escaped, cut short, and not
    at all when it looks like a token (a legacy 40-hex token has no shape to redact)."""
    from patlint.sources.repos import looks_like_token

    if looks_like_token(name):
        return "(a name that looks like a token, not shown)"
    text = "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in name)
    return text if len(text) <= 120 else text[:119] + "…"


class MergeResolver:
    """Verifies merged tokens: each read again from its places, then asked of GitHub once."""

    def __init__(
        self, inner: Resolver | None, reader: Reader | None, recorded: Mapping[str, TokenInfo]
    ) -> None:
        self.inner = inner
        self.reader = reader
        self.recorded = recorded
        self.revealed: list[Secret] = []
        self._notices: list[str] = []

    def resolve(self, tokens: Sequence[Token]) -> Mapping[str, TokenInfo]:
        out: dict[str, TokenInfo] = {}
        live: list[Token] = []
        lost: list[str] = []
        if self.reader is not None:
            self.reader.prefetch(tokens)
        for t in tokens:
            again = self.reader.found(t) if self.reader is not None else []
            if not again:
                if self.reader is not None:
                    lost.append(t.secret.preview)
                if t.secret.digest in self.recorded:
                    out[t.secret.digest] = self.recorded[t.secret.digest]
                continue
            self.revealed.append(again[0].secret)
            # Where it is sent, and whether it may be, is decided by the places as read again
            # (their hosts, their checksums), never by a report's claims: a forged shard can
            # name an honest place with its own `context.host`.
            live.append(replace(t, secret=again[0].secret, candidates=tuple(again)))
        if self.inner is not None and live:
            out.update(self.inner.resolve(live))
            self._notices.extend(self.inner.notices())
        if self.reader is not None:
            self._notices.extend(self.reader.notes)
        if lost:
            self._notices.append(
                f"merge: {len(lost)} token(s) could not be read again from the places their "
                f"reports name (not verified now; what a shard recorded is kept): "
                f"{', '.join(lost[:10])}{' …' if len(lost) > 10 else ''}"
            )
        return out

    def notices(self) -> list[str]:
        return list(self._notices)

    def summary(self) -> str:
        if self.inner is None:
            return "offline"
        summary = getattr(self.inner, "summary", None)
        return str(summary()) if callable(summary) else "online"


def merge_reports(
    reports: Sequence[LoadedReport],
    ruleset: RuleSet,
    options: ScanOptions,
    *,
    resolver: MergeResolver,
    listed: Sequence[Repo] | None = None,
) -> ScanResult:
    """One result for the union of the reports, verified and judged once."""
    merged = combine(reports, listed)
    resolver.recorded = merged.infos
    result = finish(merged.collected, ruleset, options, resolver=resolver)
    result.fleet = merged.fleet
    return result
