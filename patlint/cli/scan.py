"""`patlint scan`: builds the scan from flags and config, runs the pipeline, picks the exit code."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import Any

import click

from patlint.cli.common import EXIT_FINDINGS, SEVERITIES, VERDICT, _emit, _Progress, check_output
from patlint.report import FORMATS

# --status NAME -> the TokenStatus values it selects (None: GitHub gave no answer at all)
STATUS_FILTERS: dict[str, tuple[str | None, ...]] = {
    "live": ("valid", "sso-required"),
    "valid": ("valid",),
    "sso-required": ("sso-required",),
    "invalid": ("invalid",),
    "unverified": (None, "unverified", "rate-limited", "unreachable"),
    "rate-limited": ("rate-limited",),
    "unreachable": ("unreachable",),
}
STATUSES = tuple(STATUS_FILTERS)


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(sorted(FORMATS)),
    default="text",
    show_default=True,
    help="Report format.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    help="Write the report to FILE.",
)
@click.option(
    "--report",
    "reports",
    multiple=True,
    metavar="FORMAT=FILE",
    help="Also write a FORMAT report to FILE, from the same scan (repeatable), "
    "e.g. --report sarif=patlint.sarif.",
)
@click.option(
    "--fail-on",
    type=click.Choice(SEVERITIES),
    help="Exit 1 when a finding is at or above this severity [default: low].",
)
@click.option(
    "--offline", is_flag=True, help="Do not contact GitHub: detection and offline rules only."
)
@click.option(
    "--status",
    "statuses",
    multiple=True,
    type=click.Choice(STATUSES),
    help="Show only tokens GitHub answered this way (repeatable): live (valid, also when SSO "
    "authorization is pending), valid, sso-required, invalid (revoked, expired or never valid), "
    "unverified (no answer: offline, rate-limited, unreachable). Findings about places are not "
    "shown; the exit code counts only what is shown.",
)
@click.option(
    "--github-api",
    "github_api",
    multiple=True,
    metavar="URL|HOST=URL",
    help="API base URL for github.com, or for HOST (repeatable).",
)
@click.option(
    "--no-cache", is_flag=True, help="Ask GitHub again; ignore cached verification results."
)
@click.option(
    "--cache-ttl",
    type=click.FloatRange(0),
    metavar="SECONDS",
    help="Reuse cached verification results up to this age [default: 3600].",
)
@click.option(
    "--max-verify",
    type=click.IntRange(0),
    metavar="N",
    help="Send at most N tokens to GitHub per scan; the rest are reported unverified "
    "[default: verification.max_tokens, 100].",
)
@click.option(
    "--require-verification",
    is_flag=True,
    help="Exit 1 when any token could not be verified (offline, unreachable, rate-limited).",
)
@click.option(
    "--fail-on-incomplete",
    is_flag=True,
    help="Exit 1 when the scan could not read everything it meant to (unreadable files, paths "
    "longer than PATH_MAX, missing or corrupt git objects, bad refs).",
)
@click.option(
    "--config",
    "config_file",
    type=click.Path(exists=True, dir_okay=False),
    help="Use this config file (pins it: no discovery).",
)
@click.option(
    "--no-repo-config",
    is_flag=True,
    help="Ignore .patlint.yaml / pyproject.toml found in the scanned tree.",
)
@click.option(
    "--trust-repo-config",
    is_flag=True,
    help="Trust the config found in the scanned tree: let it set every key (github_api, "
    "verification, profile, rules_dirs…), not only narrow what is reported.",
)
@click.option(
    "--rules",
    "rules_dirs",
    multiple=True,
    type=click.Path(exists=True, file_okay=False),
    help="Extra folder of YAML rules (repeatable).",
)
@click.option(
    "--enable",
    multiple=True,
    metavar="RULE",
    help="Enable a rule, e.g. an opt-in one (repeatable).",
)
@click.option("--disable", multiple=True, metavar="RULE", help="Disable a rule (repeatable).")
@click.option(
    "--max-file-size",
    metavar="SIZE",
    help="Skip files larger than SIZE (e.g. 100MB) [default: 256MB].",
)
@click.option(
    "--report-invalid",
    is_flag=True,
    help="Also report token-shaped strings whose checksum fails (severity info).",
)
@click.option(
    "--follow-symlinks",
    is_flag=True,
    help="Follow symbolic links that stay inside the scanned tree.",
)
@click.option(
    "--no-gitignore", is_flag=True, help="Inside a git work tree, scan ignored files too."
)
@click.option(
    "--no-archives",
    is_flag=True,
    help="Scan archives (zip, jar, tar, gz, …) as bytes only, not member by member.",
)
@click.option(
    "--history",
    is_flag=True,
    help="Scan the git history of PATH (a repository, default .): every blob once.",
)
@click.option(
    "--since",
    "since_rev",
    metavar="REV",
    help="With --history: only commits reachable from a ref but not from REV.",
)
@click.option(
    "--range",
    "rev_range",
    metavar="A..B",
    help=(
        "With --history: only commits in A..B (a pull request, a pre-push). An all-zero A "
        "(a new branch in a pre-push hook): B's commits that no remote-tracking ref has."
    ),
)
@click.option(
    "--repos",
    "repos_file",
    metavar="FILE|-",
    help="With --history: scan every repository FILE lists (a path or an https://, ssh://, "
    "file:// URL a line; `-` reads standard input) into one report. URLs are fetched as "
    "mirrors into --repos-cache.",
)
@click.option(
    "--shard",
    metavar="K/N",
    help="With --repos: only the K-th of N disjoint shares of the list (by a stable hash of "
    "each repository's name), for one job of a CI matrix; `patlint merge` joins the reports.",
)
@click.option(
    "--repos-cache",
    metavar="DIR",
    type=click.Path(file_okay=False),
    help="With --repos: folder of the repository mirrors, reused and updated on the next run "
    "[default: $XDG_CACHE_HOME/patlint/repos].",
)
@click.option(
    "--fetch-jobs",
    type=click.IntRange(1, 64),
    default=4,
    show_default=True,
    help="With --repos: repositories fetched at once.",
)
@click.option(
    "--fetch-timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=3600.0,
    show_default=True,
    metavar="SECONDS",
    help="With --repos: give up on one repository's fetch after this long.",
)
@click.option(
    "--no-suppress",
    is_flag=True,
    help="Report findings even where an inline comment or allow-list suppresses them.",
)
@click.option(
    "--baseline",
    "baseline_file",
    type=click.Path(exists=True, dir_okay=False),
    help="Report only findings not in this baseline (patlint's or detect-secrets').",
)
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(0, 256),
    default=0,
    help="Worker processes (0: one per core).",
)
@click.option("--no-progress", is_flag=True, help="Never show progress on stderr.")
@click.option("-v", "--verbose", is_flag=True, help="List every skipped file with its reason.")
@click.option(
    "--profile",
    type=click.Choice(["repository", "workstation"]),
    help="workstation: prune caches and dependency trees, read every known credential file "
    "[default: workstation when scanning the home directory].",
)
@click.option(
    "--all",
    "scan_all",
    is_flag=True,
    help="Workstation profile: scan caches and dependency trees too.",
)
@click.option(
    "--env", "scan_env", is_flag=True, help="Also scan this process's environment variables."
)
@click.option(
    "--credential-helpers",
    is_flag=True,
    help="Ask configured docker-credential-* helpers for their GitHub registry secrets.",
)
def scan(
    paths: tuple[str, ...],
    fmt: str,
    output: str | None,
    reports: tuple[str, ...],
    fail_on: str | None,
    offline: bool,
    statuses: tuple[str, ...],
    github_api: tuple[str, ...],
    no_cache: bool,
    cache_ttl: float | None,
    max_verify: int | None,
    require_verification: bool,
    fail_on_incomplete: bool,
    config_file: str | None,
    no_repo_config: bool,
    trust_repo_config: bool,
    rules_dirs: tuple[str, ...],
    enable: tuple[str, ...],
    disable: tuple[str, ...],
    max_file_size: str | None,
    report_invalid: bool,
    follow_symlinks: bool,
    no_gitignore: bool,
    no_archives: bool,
    history: bool,
    since_rev: str | None,
    rev_range: str | None,
    no_suppress: bool,
    baseline_file: str | None,
    jobs: int,
    no_progress: bool,
    verbose: bool,
    profile: str | None = None,
    scan_all: bool = False,
    scan_env: bool = False,
    credential_helpers: bool = False,
    repos_file: str | None = None,
    shard: str | None = None,
    repos_cache: str | None = None,
    fetch_jobs: int = 4,
    fetch_timeout: float = 3600.0,
) -> int:
    """Scan files and folders (default: .) for GitHub tokens; `-` reads standard input.

    \b
    Examples:
      patlint scan                         # the current repository, verified with GitHub
      patlint scan --offline src/ .env     # no network, pre-commit style
      patlint scan --format json -o r.json ~
      patlint scan --format sarif -o patlint.sarif     # CI: code-scanning upload
      patlint scan --format github --report sarif=patlint.sarif   # annotations and SARIF
      patlint scan --baseline .patlint-baseline.json   # only what is new
      patlint scan --history --range origin/main..HEAD  # every commit of a pull request
      patlint scan ~ --env                 # workstation audit: every token on this machine
      cat build.log | patlint scan -
      patlint scan --offline --history --repos repos.txt --shard 2/8 --format json -o 2.json
    """
    from patlint.config import parse_size, resolve
    from patlint.engine.ruleset import build_ruleset
    from patlint.engine.run import ScanOptions, exit_code, run_scan
    from patlint.hosts import configured_hosts
    from patlint.model import Severity
    from patlint.sources.tree import WalkOptions

    fleet = None
    if repos_file is not None or shard is not None:
        fleet = _fleet_options(
            paths,
            history,
            since_rev or rev_range,
            (profile, scan_all, scan_env, credential_helpers),
            repos_file,
            shard,
            repos_cache,
            fetch_jobs,
            fetch_timeout,
        )
    roots = list(paths) or ["."]
    missing = [p for p in roots if p != "-" and not os.path.lexists(p)]
    if missing:
        raise click.BadParameter(f"no such file or directory: {missing[0]}", param_hint="PATHS")
    check_output(output)
    extra_reports = _extra_reports(reports)
    needs_answer = sorted({s for s in statuses if None not in STATUS_FILTERS[s]})
    if offline and needs_answer:
        raise click.UsageError(
            f"--status {needs_answer[0]} needs GitHub's answer, and --offline does not ask: "
            "drop --offline (or use --status unverified)"
        )
    if fleet is not None:
        from patlint.config import resolve_trusted

        config = resolve_trusted(config_file)  # many repositories: none of them configures it
    else:
        config = resolve(
            roots,
            config_file=config_file,
            no_repo_config=no_repo_config,
            trust_repo_config=trust_repo_config,
        )
    extra_enable = list(enable) + (["github-token-checksum-invalid"] if report_invalid else [])
    ruleset = build_ruleset(config, extra_dirs=rules_dirs, enable=extra_enable, disable=disable)
    max_size = (
        parse_size(max_file_size, "--max-file-size") if max_file_size else config.max_file_size
    )
    threshold = Severity.parse(fail_on) if fail_on else (config.fail_on or Severity.LOW)
    baseline_keys, baseline_sha1, baseline_notices = _baseline_options(baseline_file)
    options = ScanOptions(
        walk=WalkOptions(
            follow_symlinks=follow_symlinks or config.follow_symlinks,
            use_gitignore=not no_gitignore,
            exclude=config.exclude,
        ),
        max_file_size=max_size,
        jobs=jobs,
        no_suppress=no_suppress,
        allow=config.allow,
        baseline=baseline_keys,
        baseline_sha1=baseline_sha1,
        github_hosts=configured_hosts(config.github_api, github_api),
        archives=not no_archives,
    )
    resolver = (
        None if offline else _github_resolver(config, github_api, no_cache, cache_ttl, max_verify)
    )
    progress = _Progress(sys.stderr) if (not no_progress and sys.stderr.isatty()) else None
    if fleet is not None:
        from patlint.engine.fleet import scan_fleet

        repos, fleet_options = fleet
        result = scan_fleet(
            repos, ruleset, options, fleet_options, resolver=resolver, progress=progress
        )
    elif history or since_rev or rev_range:
        from patlint.engine.history import scan_history

        if len(roots) != 1 or roots[0] == "-":
            raise click.UsageError("--history takes one repository directory (default: .)")
        result = scan_history(
            roots[0],
            ruleset,
            options,
            resolver=resolver,
            progress=progress,
            since=since_rev,
            rev_range=rev_range,
        )
    else:
        from dataclasses import replace

        from patlint.sources.workstation import plan_scan

        plan = plan_scan(
            roots,
            options.walk,
            profile=profile or config.profile,
            scan_all=scan_all,
            scan_env=scan_env,
            credential_helpers=credential_helpers,
        )
        options = replace(options, walk=plan.walk)
        result = run_scan(
            plan.roots,
            ruleset,
            options,
            resolver=resolver,
            progress=progress,
            extra_values=plan.values,
        )
        result.notices.extend(plan.notices)
    if progress is not None:
        progress.done()
    result.notices[:0] = config.notices
    result.notices.extend(baseline_notices)
    all_tokens = result.tokens
    if statuses:
        from patlint.engine.run import only_statuses

        wanted = frozenset(v for s in statuses for v in STATUS_FILTERS[s])
        result = only_statuses(result, wanted, f"--status {', '.join(statuses)}")
    code = exit_code(result.findings, threshold)
    verification = "offline" if resolver is None else resolver.summary()
    code = _require_verification(result, code, all_tokens) if require_verification else code
    code = _fail_on_incomplete(result, code) if fail_on_incomplete else code
    click.get_current_context().meta[VERDICT] = code
    _emit(
        fmt,
        output,
        result,
        config,
        threshold.label,
        code,
        verification,
        ruleset,
        verbose,
        reports=extra_reports,
        base=_base(roots),
        hook=("push" if history or since_rev or rev_range else "commit")
        if os.environ.get("PRE_COMMIT") == "1"
        else "",
    )
    return code


def _extra_reports(values: Sequence[str]) -> list[tuple[str, str]]:
    """`--report FORMAT=FILE` values as (format, file), each checked before any work."""
    out = []
    for value in values:
        fmt, sep, path = value.partition("=")
        if not sep or not path or fmt not in FORMATS:
            raise click.BadParameter(
                f"{value!r}: expected FORMAT=FILE, FORMAT one of {', '.join(sorted(FORMATS))}",
                param_hint="--report",
            )
        check_output(path, "--report")
        out.append((fmt, path))
    return out


def _base(roots: Sequence[str]) -> str | None:
    """The folder report paths are relative to: the one folder scanned (files are named as
    typed, so `.` for files), None when several folders were (a path could be in either)."""
    folders = [r for r in roots if r != "-" and os.path.isdir(r)]
    if len(folders) > 1:
        return None
    return folders[0] if folders else "."


def _github_resolver(
    config: Any,
    api_flags: tuple[str, ...],
    no_cache: bool,
    cache_ttl: float | None,
    max_verify: int | None = None,
) -> Any:
    """The online resolver (issue 3): one API client per GitHub host, cache unless --no-cache."""
    from patlint.github.verify import GitHubResolver, build_options

    options = build_options(
        config.github_api,
        config.verification,
        api_flags,
        use_cache=not no_cache,
        cache_ttl=cache_ttl,
        max_tokens=max_verify,
    )
    return GitHubResolver(options)


def _require_verification(result: Any, code: int, tokens: Sequence[Any]) -> int:
    """--require-verification: tokens GitHub gave no definite answer about make the exit code 1
    (all tokens found, also those --status hides)."""
    from patlint.github.verify import unverified_tokens

    missing = unverified_tokens(list(tokens))
    if not missing:
        return code
    n = len(missing)
    result.notices.append(
        f"--require-verification: {n} token{'s' if n != 1 else ''} could not be verified; exit code 1"
    )
    return max(code, EXIT_FINDINGS)


def _fail_on_incomplete(result: Any, code: int) -> int:
    """--fail-on-incomplete: places the scan meant to read and could not make the exit code 1."""
    missed = result.stats.incomplete()
    if not missed:
        return code
    n = len(missed)
    result.notices.append(
        f"--fail-on-incomplete: {n} place{'s' if n != 1 else ''} could not be read "
        f"({missed[0].reason}: {missed[0].path}{' …' if n > 1 else ''}); exit code 1"
    )
    return max(code, EXIT_FINDINGS)


def _baseline_options(path: str | None) -> tuple[frozenset[str], frozenset[str], list[str]]:
    """Finding keys, detect-secrets SHA-1s and notices for `--baseline FILE` (empty without)."""
    if not path:
        return frozenset(), frozenset(), []
    from pathlib import Path

    from patlint.baseline import load

    loaded = load(Path(path))
    return loaded.keys, loaded.sha1s, list(loaded.notices)


def _fleet_options(
    paths: tuple[str, ...],
    history: bool,
    revisions: str | None,
    workstation: tuple[Any, ...],
    repos_file: str | None,
    shard: str | None,
    repos_cache: str | None,
    fetch_jobs: int,
    fetch_timeout: float,
) -> tuple[Any, Any]:
    """The repositories (of the list) and how to reach them, or a usage error (exit 2)."""
    from patlint.engine.fleet import FleetOptions
    from patlint.sources.repos import parse_shard, read_repos

    if repos_file is None:
        raise click.UsageError("--shard K/N takes the repositories of --repos FILE")
    if not history:
        raise click.UsageError("--repos scans repository histories: add --history")
    if paths:
        raise click.UsageError("--repos FILE lists the repositories: give no PATHS")
    if revisions:
        raise click.UsageError(
            "--since and --range are not for --repos (each repository has its own refs)"
        )
    if any(workstation):
        raise click.UsageError(
            "--profile, --all, --env and --credential-helpers are not for --repos"
        )
    parsed = parse_shard(shard) if shard is not None else None
    repos = read_repos(repos_file)
    return repos, FleetOptions(
        cache=repos_cache, fetch_jobs=fetch_jobs, fetch_timeout=fetch_timeout, shard=parsed
    )
