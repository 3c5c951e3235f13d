"""Which commits a CI run scans (`patlint/sources/history/ci_range.py`), with real clones of a
real upstream: GitHub pull requests and pushes (new branch, force push, deletion), GitLab merge
request and push pipelines, pre-commit's pre-push refs, shallow clones and hostile events."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from patlint.errors import ConfigError
from patlint.sources.history import ci_range
from patlint.sources.history.ci_range import ZERO, Plan, history_mode


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True
    ).stdout.strip()


def commit(repo: Path, name: str, message: str) -> str:
    (repo / name).write_text(message + "\n")
    git(repo, "add", name)
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD")


class Repos:
    """An upstream with main (2 commits) and feature (2 more), and a full clone of it."""

    def __init__(self, tmp: Path) -> None:
        self.upstream = tmp / "upstream"
        self.upstream.mkdir()
        git(self.upstream, "init", "-q", "-b", "main")
        self.root = commit(self.upstream, "a.txt", "one")
        self.main = commit(self.upstream, "b.txt", "two")
        git(self.upstream, "checkout", "-q", "-b", "feature")
        self.f1 = commit(self.upstream, "c.txt", "three")
        self.feature = commit(self.upstream, "d.txt", "four")
        git(self.upstream, "checkout", "-q", "main")
        self.clone = tmp / "clone"
        git(tmp, "clone", "-q", "--no-local", str(self.upstream), str(self.clone))

    def commits(self, plan: Plan) -> set[str]:
        """The commits `patlint scan` would walk for this plan."""
        assert plan.history and plan.rev_range
        out = git(self.clone, "rev-list", plan.rev_range)
        return set(out.split())


@pytest.fixture
def repos(tmp_path: Path, git_env: None) -> Repos:
    return Repos(tmp_path)


def pr_event(base: str, head: str, **extra: object) -> dict[str, object]:
    return {
        "pull_request": {
            "number": 7,
            "title": "$(touch pwned) `id`",
            "base": {"sha": base, "ref": "main"},
            "head": {"sha": head, "ref": "x;rm -rf ~"},
        },
        **extra,
    }


def test_pull_request_scans_base_to_head(repos: Repos) -> None:
    plan = ci_range.github(
        str(repos.clone), "pull_request", pr_event(repos.main, repos.feature), "auto"
    )
    assert plan.rev_range == f"{repos.main}..{repos.feature}"
    assert plan.scan_args() == ["--history", "--range", plan.rev_range]
    assert repos.commits(plan) == {repos.f1, repos.feature}
    assert plan.description.startswith("the commits of pull request #7: ")
    assert "pwned" not in plan.description and "rm -rf" not in plan.description
    target = ci_range.github(
        str(repos.clone), "pull_request_target", pr_event(repos.main, repos.feature), "auto"
    )
    assert target.rev_range == plan.rev_range


def test_merge_group_scans_its_range(repos: Repos) -> None:
    event = {"merge_group": {"base_sha": repos.main, "head_sha": repos.feature}}
    plan = ci_range.github(str(repos.clone), "merge_group", event, "auto")
    assert repos.commits(plan) == {repos.f1, repos.feature}


def push_event(before: str, after: str, ref: str = "refs/heads/feature") -> dict[str, object]:
    return {"before": before, "after": after, "ref": ref, "repository": {"default_branch": "main"}}


def test_push_scans_the_pushed_commits(repos: Repos) -> None:
    plan = ci_range.github(str(repos.clone), "push", push_event(repos.f1, repos.feature), "auto")
    assert repos.commits(plan) == {repos.feature}
    assert plan.description.startswith("the pushed commits: ")


def test_new_branch_scans_what_the_default_branch_lacks(repos: Repos) -> None:
    plan = ci_range.github(str(repos.clone), "push", push_event(ZERO, repos.feature), "auto")
    assert repos.commits(plan) == {repos.f1, repos.feature}
    assert "not on main (a new branch)" in plan.description
    # the default branch itself pushed for the first time: every commit
    first = ci_range.github(
        str(repos.clone), "push", push_event(ZERO, repos.main, "refs/heads/main"), "auto"
    )
    assert first.history and first.rev_range is None
    assert first.description.startswith("every commit (a new branch")


def test_force_push_whose_old_tip_is_gone_scans_what_main_lacks(repos: Repos) -> None:
    gone = "f" * 40  # the old tip, rewritten away and never fetched
    plan = ci_range.github(str(repos.clone), "push", push_event(gone, repos.feature), "auto")
    assert repos.commits(plan) == {repos.f1, repos.feature}
    assert "the old tip is not in the clone" in plan.description


def test_deleted_branch_or_tag_scans_nothing(repos: Repos) -> None:
    plan = ci_range.github(
        str(repos.clone), "push", push_event(repos.main, ZERO, "refs/tags/v1"), "auto"
    )
    assert plan.skip and plan.description == "nothing: refs/tags/v1 was deleted"


def test_other_events_scan_the_tree_and_explicit_modes_win(repos: Repos) -> None:
    clone = str(repos.clone)
    plan = ci_range.github(clone, "schedule", {}, "auto")
    assert not plan.history and plan.scan_args() == []
    assert "a schedule event has no commit range" in plan.description
    event = pr_event(repos.main, repos.feature)
    assert ci_range.github(clone, "pull_request", event, "none").scan_args() == []
    assert ci_range.github(clone, "pull_request", event, "full").scan_args() == ["--history"]
    explicit = ci_range.github(clone, "pull_request", event, "HEAD~1..HEAD")
    assert explicit.scan_args() == ["--history", "--range", "HEAD~1..HEAD"]


@pytest.mark.parametrize(
    ("value", "mode"),
    [
        ("", "auto"),
        ("AUTO", "auto"),
        ("true", "auto"),
        ("false", "none"),
        ("full", "full"),
        ("main..HEAD", "main..HEAD"),
    ],
)
def test_history_modes(value: str, mode: str) -> None:
    assert history_mode(value) == mode


@pytest.mark.parametrize("value", ["sometimes", "--output=x..y", "a ..b", "HEAD"])
def test_bad_history_modes_are_config_errors(value: str) -> None:
    with pytest.raises(ConfigError, match="expected auto, full, none or a range"):
        history_mode(value)


@pytest.mark.parametrize(
    "bad",
    ["--output=/tmp/x", "HEAD", "$(touch pwned)", "a" * 39, "g" * 40, None, 12, ["a" * 40]],
)
def test_an_event_commit_that_is_not_a_commit_id_is_refused(repos: Repos, bad: object) -> None:
    event = pr_event(repos.main, repos.feature)
    event["pull_request"]["head"]["sha"] = bad  # type: ignore[index]
    with pytest.raises(ConfigError, match=r"pull_request.head.sha: expected a commit id"):
        ci_range.github(str(repos.clone), "pull_request", event, "auto")


def test_a_hostile_default_branch_name_is_never_used_as_a_revision(repos: Repos) -> None:
    git(repos.clone, "update-ref", "refs/remotes/origin/x", repos.root)
    for name in ("--all", "main..feature", "main^", "x y", "../../x"):
        event = push_event(ZERO, repos.feature)
        event["repository"] = {"default_branch": name}
        plan = ci_range.github(str(repos.clone), "push", event, "auto")
        assert plan.history and plan.rev_range is None, name  # every commit, nothing injected


def test_a_commit_the_clone_lacks_says_how_to_fetch_it(repos: Repos, tmp_path: Path) -> None:
    shallow = tmp_path / "shallow"
    git(
        tmp_path,
        "clone",
        "-q",
        "--depth",
        "1",
        "--branch",
        "feature",
        f"file://{repos.upstream}",
        str(shallow),
    )
    event = pr_event(repos.main, repos.feature)
    with pytest.raises(ConfigError) as err:
        ci_range.github(str(shallow), "pull_request", event, "auto")
    assert str(err.value) == (
        f"pull request #7's base {repos.main[:12]} is not in the clone (the clone is shallow): "
        "actions/checkout needs `fetch-depth: 0` for history scans"
    )
    with pytest.raises(ConfigError, match=r"in a shallow clone: actions/checkout needs"):
        ci_range.github(str(shallow), "push", push_event(ZERO, repos.feature), "auto")
    with pytest.raises(ConfigError, match="not a git repository"):
        ci_range.github(str(tmp_path), "pull_request", event, "auto")


def test_gitlab_merge_request_and_push_pipelines(repos: Repos) -> None:
    clone = str(repos.clone)
    mr = {
        "CI_PIPELINE_SOURCE": "merge_request_event",
        "CI_MERGE_REQUEST_IID": "12",
        "CI_MERGE_REQUEST_DIFF_BASE_SHA": repos.main,
        "CI_COMMIT_SHA": repos.feature,
    }
    plan = ci_range.gitlab(clone, mr, "auto")
    assert repos.commits(plan) == {repos.f1, repos.feature}
    assert plan.description.startswith("the commits of merge request !12: ")
    merged = {**mr, "CI_COMMIT_SHA": repos.root, "CI_MERGE_REQUEST_SOURCE_BRANCH_SHA": repos.f1}
    assert repos.commits(ci_range.gitlab(clone, merged, "auto")) == {repos.f1}

    push = {
        "CI_PIPELINE_SOURCE": "push",
        "CI_COMMIT_BRANCH": "feature",
        "CI_DEFAULT_BRANCH": "main",
        "CI_COMMIT_BEFORE_SHA": repos.f1,
        "CI_COMMIT_SHA": repos.feature,
    }
    assert repos.commits(ci_range.gitlab(clone, push, "auto")) == {repos.feature}
    new = {**push, "CI_COMMIT_BEFORE_SHA": ZERO}
    assert repos.commits(ci_range.gitlab(clone, new, "auto")) == {repos.f1, repos.feature}
    scheduled = {**push, "CI_PIPELINE_SOURCE": "schedule"}
    assert ci_range.gitlab(clone, scheduled, "auto").scan_args() == []
    with pytest.raises(ConfigError, match='GIT_DEPTH: "0"'):
        ci_range.gitlab(clone, {**mr, "CI_MERGE_REQUEST_DIFF_BASE_SHA": "e" * 40}, "auto")


def test_pre_push_refs_or_the_first_push() -> None:
    refs = {"PRE_COMMIT_FROM_REF": "a" * 40, "PRE_COMMIT_TO_REF": "b" * 40}
    assert ci_range.pre_push(refs).scan_args() == [
        "--history",
        "--range",
        f"{'a' * 40}..{'b' * 40}",
    ]
    first = ci_range.pre_push({"PRE_COMMIT_LOCAL_BRANCH": "refs/heads/topic"})
    assert first.scan_args() == ["--history", "--range", f"{ZERO}..refs/heads/topic"]
    assert ci_range.pre_push({}).rev_range == f"{ZERO}..HEAD"


@pytest.mark.parametrize("how", ["fifo-head", "include-fifo"])
def test_a_checkout_git_would_hang_in_is_a_clear_error_not_a_hang(
    repos: Repos, how: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A FIFO at `.git/HEAD` or named by the config's `include.path` (both found before git
    runs): the plan fails with a message naming the FIFO, in seconds."""
    import os
    from concurrent.futures import ThreadPoolExecutor

    from patlint.sources import gitguard

    dotgit = repos.clone / ".git"
    if how == "fifo-head":
        (dotgit / "HEAD").unlink()
        os.mkfifo(dotgit / "HEAD")
    else:
        os.mkfifo(dotgit / "more.cfg")
        with open(dotgit / "config", "a") as f:
            f.write(f"[include]\n\tpath = {dotgit / 'more.cfg'}\n")
    monkeypatch.setenv(gitguard.STALL_ENV, "0.5")
    event = pr_event(repos.main, repos.feature)
    pool = ThreadPoolExecutor(1)
    job = pool.submit(ci_range.github, str(repos.clone), "pull_request", event, "auto")
    try:
        with pytest.raises(ConfigError) as err:
            job.result(timeout=30)  # a hang fails here instead of stopping the suite
    finally:
        pool.shutdown(wait=False)
    said = str(err.value)
    assert ("HEAD is a FIFO" in said) if how == "fifo-head" else ("more.cfg" in said)
    assert "FIFO" in said
