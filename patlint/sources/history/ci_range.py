"""Which commits a CI run or a pre-push hook should scan: from GitHub Actions' event, GitLab
CI's variables or pre-commit's refs to a `--history --range A..B`, the whole history, the tree,
or nothing, with one line saying what and why.

`history` is what the user asked for: `auto` (the default: the pull request's or merge
request's commits, the pushed commits on a push, the tree on any other event), `full` (every
commit), `none` (the tree only) or an explicit range `A..B`.

- GitHub `pull_request` / `pull_request_target`: `base.sha..head.sha`; `merge_group`:
  `base_sha..head_sha`.
- GitHub `push` and GitLab push pipelines: `before..after`. A new branch (`before` all zeros)
  or a force push whose old tip is not in the clone scans the commits that are not on the
  default branch (`origin/<default>..after`); when the default branch itself is pushed that
  way, or is not in the clone, every commit. A deleted branch or tag scans nothing.
- GitLab merge request pipelines: `CI_MERGE_REQUEST_DIFF_BASE_SHA..` the source branch's tip
  (`CI_MERGE_REQUEST_SOURCE_BRANCH_SHA` in merged-results pipelines, else `CI_COMMIT_SHA`).
- pre-commit's pre-push stage: `PRE_COMMIT_FROM_REF..PRE_COMMIT_TO_REF`; unset (the first push
  of a root commit), `0…0..<local branch>`: the commits no remote-tracking ref has.

Everything in an event is attacker-influenced (branch names, titles): only commit ids are
read from it, each checked to be 40 or 64 hex digits, and the default branch's name only to
look up `refs/remotes/origin/<name>`. A commit the clone lacks is a configuration error that
says how to fetch the history (`fetch-depth: 0`, `GIT_DEPTH: "0"`).
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from patlint.errors import ConfigError
from patlint.sources import gitcmd, gitguard
from patlint.sources.history.revisions import open_repo

ZERO = "0" * 40
_HEX = re.compile(r"[0-9a-f]{40}(?:[0-9a-f]{24})?")
_ZERO = re.compile(r"0{40}(?:0{24})?")
_BRANCH = re.compile(r"[A-Za-z0-9._/-]{1,255}")

GITHUB_FETCH = "actions/checkout needs `fetch-depth: 0` for history scans"
GITLAB_FETCH = 'set `GIT_DEPTH: "0"` (a full clone) for history scans'


@dataclass(frozen=True, slots=True)
class Plan:
    """What to scan: the tree, the whole history, a range, or nothing."""

    description: str  # one line for the log: what is scanned and why
    history: bool = False  # --history
    rev_range: str | None = None  # --range A..B, with --history
    skip: bool = False  # nothing to scan (a deleted branch or tag)

    def scan_args(self) -> list[str]:
        """The `patlint scan` flags for this plan."""
        if not self.history:
            return []
        return ["--history", *(["--range", self.rev_range] if self.rev_range else [])]


def history_mode(value: str) -> str:
    """`auto`, `full`, `none` or a range `A..B`; `true`/`false` mean `auto`/`none`."""
    v = value.strip()
    low = v.lower()
    if low in ("", "auto", "true", "yes", "on"):
        return "auto"
    if low in ("none", "false", "no", "off"):
        return "none"
    if low == "full":
        return "full"
    if ".." in v and not v.startswith("-") and not any(c.isspace() for c in v):
        return v
    raise ConfigError(f"history: {value!r}: expected auto, full, none or a range A..B")


def _explicit(mode: str) -> Plan | None:
    if mode == "none":
        return Plan("the tree (history: none)")
    if mode == "full":
        return Plan("every commit of the repository (history: full)", history=True)
    if mode != "auto":
        return Plan(f"commits {mode} (history: {mode})", history=True, rev_range=mode)
    return None


def github(repo: str, event_name: str, event: Mapping[str, Any], mode: str) -> Plan:
    """The plan for a GitHub Actions run of `event_name` whose payload is `event`."""
    explicit = _explicit(mode)
    if explicit is not None:
        return explicit
    if event_name in ("pull_request", "pull_request_target"):
        pr = _mapping(event.get("pull_request"))
        base = _sha(_mapping(pr.get("base")).get("sha"), "pull_request.base.sha")
        head = _sha(_mapping(pr.get("head")).get("sha"), "pull_request.head.sha")
        number = pr.get("number")
        what = f"pull request #{number}" if isinstance(number, int) else "the pull request"
        _need(repo, base, f"{what}'s base", GITHUB_FETCH)
        _need(repo, head, f"{what}'s head", GITHUB_FETCH)
        return _range(f"the commits of {what}", base, head)
    if event_name == "merge_group":
        group = _mapping(event.get("merge_group"))
        base = _sha(group.get("base_sha"), "merge_group.base_sha")
        head = _sha(group.get("head_sha"), "merge_group.head_sha")
        _need(repo, base, "the merge group's base", GITHUB_FETCH)
        _need(repo, head, "the merge group's head", GITHUB_FETCH)
        return _range("the commits of the merge group", base, head)
    if event_name == "push":
        default = _mapping(event.get("repository")).get("default_branch")
        ref = event.get("ref")
        return _push(
            repo,
            before=_sha(event.get("before"), "before"),
            after=_sha(event.get("after"), "after"),
            ref=ref if isinstance(ref, str) else "",
            default=default if isinstance(default, str) else "",
            fetch=GITHUB_FETCH,
        )
    return Plan(f"the tree (a {word(event_name)} event has no commit range; history: full)")


def gitlab(repo: str, env: Mapping[str, str], mode: str) -> Plan:
    """The plan for a GitLab CI job, from its predefined variables."""
    explicit = _explicit(mode)
    if explicit is not None:
        return explicit
    source = env.get("CI_PIPELINE_SOURCE", "")
    if source == "merge_request_event" or env.get("CI_MERGE_REQUEST_IID"):
        base = _sha(env.get("CI_MERGE_REQUEST_DIFF_BASE_SHA"), "CI_MERGE_REQUEST_DIFF_BASE_SHA")
        tip = env.get("CI_MERGE_REQUEST_SOURCE_BRANCH_SHA") or env.get("CI_COMMIT_SHA")
        head = _sha(tip, "CI_COMMIT_SHA")
        iid = env.get("CI_MERGE_REQUEST_IID", "")
        what = f"merge request !{iid}" if iid.isdigit() else "the merge request"
        _need(repo, base, f"{what}'s base", GITLAB_FETCH)
        _need(repo, head, f"{what}'s head", GITLAB_FETCH)
        return _range(f"the commits of {what}", base, head)
    branch = env.get("CI_COMMIT_BRANCH", "")
    if source == "push" and branch:
        return _push(
            repo,
            before=_sha(env.get("CI_COMMIT_BEFORE_SHA") or ZERO, "CI_COMMIT_BEFORE_SHA"),
            after=_sha(env.get("CI_COMMIT_SHA"), "CI_COMMIT_SHA"),
            ref=f"refs/heads/{branch}",
            default=env.get("CI_DEFAULT_BRANCH", ""),
            fetch=GITLAB_FETCH,
        )
    what = f"a {word(source)} pipeline" if source else "this pipeline"
    return Plan(f"the tree ({what} has no commit range; history: full)")


def pre_push(env: Mapping[str, str]) -> Plan:
    """The plan for pre-commit's pre-push stage (git checks the refs when the scan runs)."""
    start, end = env.get("PRE_COMMIT_FROM_REF", ""), env.get("PRE_COMMIT_TO_REF", "")
    if start and end:
        return Plan(f"the pushed commits {start}..{end}", history=True, rev_range=f"{start}..{end}")
    tip = env.get("PRE_COMMIT_LOCAL_BRANCH") or "HEAD"
    return Plan(
        f"the commits of {tip} that no remote-tracking ref has (a first push)",
        history=True,
        rev_range=f"{ZERO}..{tip}",
    )


def _push(repo: str, *, before: str, after: str, ref: str, default: str, fetch: str) -> Plan:
    if _ZERO.fullmatch(after):
        return Plan(f"nothing: {word(ref)} was deleted", skip=True)
    _need(repo, after, "the pushed commit", fetch)
    if not _ZERO.fullmatch(before) and _present(repo, before):
        return _range("the pushed commits", before, after)
    why = "a new branch" if _ZERO.fullmatch(before) else "the old tip is not in the clone"
    if _shallow(repo):
        raise ConfigError(
            f"cannot tell which commits were pushed ({why}) in a shallow clone: {fetch}"
        )
    base = None
    if _BRANCH.fullmatch(default) and ".." not in default and ref != f"refs/heads/{default}":
        base = _resolve(repo, f"refs/remotes/origin/{default}")
    if base is not None:
        return _range(f"the pushed commits not on {default} ({why})", base, after)
    return Plan(f"every commit ({why}, and no other branch to compare with)", history=True)


def _range(what: str, base: str, head: str) -> Plan:
    return Plan(f"{what}: {base[:12]}..{head[:12]}", history=True, rev_range=f"{base}..{head}")


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _sha(value: Any, name: str) -> str:
    """A commit id from the event or the environment: 40 or 64 hex digits, nothing else."""
    if isinstance(value, str) and _HEX.fullmatch(value.lower()):
        return value.lower()
    raise ConfigError(f"{name}: expected a commit id (40 or 64 hex digits)")


def word(value: str) -> str:
    """An event or ref name for a message: printable, short (it may come from an event)."""
    text = "".join(c if c.isalnum() or c in "._/-" else "?" for c in value[:80])
    return text or "?"


def _git(repo: str, *args: str) -> subprocess.CompletedProcess[str]:
    try:
        proc = gitguard.run(gitcmd.argv(repo, *args), timeout=120)
    except FileNotFoundError:
        raise ConfigError("git is not installed (or not on PATH); history scans need it") from None
    except gitguard.GitStalled as exc:  # a failed command: the plan says what is missing
        return subprocess.CompletedProcess(exc.cmd, -9, "", str(exc))
    return subprocess.CompletedProcess(
        proc.args,
        proc.returncode,
        proc.stdout.decode("utf-8", "replace"),
        proc.stderr.decode("utf-8", "replace"),
    )


def _present(repo: str, sha: str) -> bool:
    return _git(repo, "cat-file", "-e", f"{sha}^{{commit}}").returncode == 0


def _shallow(repo: str) -> bool:
    return _git(repo, "rev-parse", "--is-shallow-repository").stdout.strip() == "true"


def _resolve(repo: str, ref: str) -> str | None:
    proc = _git(repo, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    oid = proc.stdout.strip()
    return oid if proc.returncode == 0 and _HEX.fullmatch(oid) else None


def _need(repo: str, sha: str, what: str, fetch: str) -> None:
    try:
        open_repo(repo)  # not a repository at all, or one git hangs in: say so
    except gitguard.GitStalled as exc:
        raise ConfigError(f"{repo}: {exc}") from None
    if _present(repo, sha):
        return
    shallow = " (the clone is shallow)" if _shallow(repo) else ""
    raise ConfigError(f"{what} {sha[:12]} is not in the clone{shallow}: {fetch}")
