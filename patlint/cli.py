"""Command line: builds objects from flags and config, runs the pipeline, picks the exit code.

Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage or configuration error,
3 unexpected error (run again with --debug for the traceback), 130 interrupted, 143 terminated
(SIGTERM).
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any, NoReturn, TextIO, cast

import click

from patlint import __version__
from patlint.errors import ConfigError, PatlintError
from patlint.redaction import RedactingWriter, Redactor, redact_text
from patlint.report import FORMATS

SEVERITIES = ["info", "low", "medium", "high", "critical"]
EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE, EXIT_ERROR, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
EXIT_TERMINATED = 143  # SIGTERM: 128 + 15, as a shell reports it


VERDICT = "patlint.exit_code"  # ctx.meta key: the exit code a command settled before writing


def _stdout_gone() -> None:
    """Point stdout at /dev/null, so the final flush of what no one reads raises nothing."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


class _State:
    debug = False


class _Group(click.Group):
    """Maps patlint's errors to the exit-code contract for every command (also under CliRunner),
    and is the redaction boundary: everything written to stdout and stderr while a command
    runs, by patlint or by click, passes the run's `Redactor` (`_redactor()`)."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        redactor = Redactor()
        kwargs.setdefault("obj", redactor)  # commands find it with `_redactor()`
        out, err = sys.stdout, sys.stderr
        sys.stdout = cast(TextIO, RedactingWriter(out, redactor))
        sys.stderr = cast(TextIO, RedactingWriter(err, redactor))
        try:
            return super().main(*args, **kwargs)
        except click.ClickException as exc:  # not standalone (`main`): shown here, redacted
            exc.show()
            raise click.exceptions.Exit(EXIT_USAGE) from None
        finally:
            held = (sys.stdout, sys.stderr)
            sys.stdout, sys.stderr = out, err
            for stream in held:
                try:
                    stream.flush()
                except BrokenPipeError:
                    _stdout_gone()  # the reader went away: what it did not read is dropped
                except (OSError, ValueError):
                    pass

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ConfigError as exc:
            click.echo(f"patlint: error: {redact_text(str(exc))}", err=True)
            ctx.exit(EXIT_USAGE)
        except PatlintError as exc:
            click.echo(f"patlint: error: {redact_text(str(exc))}", err=True)
            ctx.exit(EXIT_ERROR)
        except KeyboardInterrupt:
            click.echo("patlint: interrupted", err=True)
            ctx.exit(EXIT_INTERRUPTED)
        except click.ClickException as exc:  # usage errors echo the bad value: never a token
            setattr(exc, "message", redact_text(exc.message))  # noqa: B010 (typed Final by click)
            raise
        except (click.exceptions.Exit, click.exceptions.Abort):
            raise
        except BrokenPipeError:
            # The reader of our output went away (`patlint scan | head`). A scan's verdict was
            # settled before its report was written: findings still exit 1, never "clean".
            _stdout_gone()
            ctx.exit(ctx.meta.get(VERDICT, EXIT_CLEAN))
        except Exception as exc:  # the only broad catch: the CLI boundary
            if _State.debug:  # the traceback goes through the redactor too
                import traceback

                click.echo("".join(traceback.format_exception(exc)).rstrip("\n"), err=True)
                ctx.exit(EXIT_ERROR)
            click.echo(
                f"patlint: unexpected error: {exc.__class__.__name__}: {redact_text(str(exc))}"
                " (run with --debug for details)",
                err=True,
            )
            ctx.exit(EXIT_ERROR)


@click.group(
    cls=_Group,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog="Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage/config error, 3 unexpected error.",
)
@click.version_option(__version__, prog_name="patlint")
@click.option("--debug", is_flag=True, help="Show tracebacks for unexpected errors.")
def cli(debug: bool) -> None:
    """Find GitHub tokens that should not be where they are, and judge what they can do.

    \b
    Examples:
      patlint scan --offline .             # find tokens, send nothing anywhere
      patlint scan --format sarif -o patlint.sarif
      patlint rules                        # what patlint checks
      patlint explain github-classic-pat   # why it matters, how to fix it
      patlint baseline create .patlint-baseline.json

    \b
    Shell completion (bash; zsh and fish: zsh_source, fish_source):
      eval "$(_PATLINT_COMPLETE=bash_source patlint)"
    """
    _State.debug = debug


@cli.command()
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
    "--fail-on",
    type=click.Choice(SEVERITIES),
    help="Exit 1 when a finding is at or above this severity [default: low].",
)
@click.option(
    "--offline", is_flag=True, help="Do not contact GitHub: detection and offline rules only."
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
    fail_on: str | None,
    offline: bool,
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
) -> None:
    """Scan files and folders (default: .) for GitHub tokens; `-` reads standard input.

    \b
    Examples:
      patlint scan                         # the current repository, verified with GitHub
      patlint scan --offline src/ .env     # no network, pre-commit style
      patlint scan --format json -o r.json ~
      patlint scan --format sarif -o patlint.sarif     # CI: code-scanning upload
      patlint scan --baseline .patlint-baseline.json   # only what is new
      patlint scan --history --range origin/main..HEAD  # every commit of a pull request
      patlint scan ~ --env                 # workstation audit: every token on this machine
      cat build.log | patlint scan -
    """
    from patlint.config import parse_size, resolve
    from patlint.engine.ruleset import build_ruleset
    from patlint.engine.run import ScanOptions, exit_code, run_scan
    from patlint.github.hosts import configured_hosts
    from patlint.model import Severity
    from patlint.sources.tree import WalkOptions

    roots = list(paths) or ["."]
    missing = [p for p in roots if p != "-" and not os.path.lexists(p)]
    if missing:
        raise click.BadParameter(f"no such file or directory: {missing[0]}", param_hint="PATHS")
    check_output(output)
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
    )
    resolver = (
        None if offline else _github_resolver(config, github_api, no_cache, cache_ttl, max_verify)
    )
    progress = _Progress(sys.stderr) if (not no_progress and sys.stderr.isatty()) else None
    if history or since_rev or rev_range:
        result = _scan_history(roots, ruleset, options, resolver, progress, since_rev, rev_range)
    else:
        from dataclasses import replace

        from patlint.sources.workstation import plan_scan

        plan = plan_scan(
            roots,
            options.walk,
            ruleset.detectors,
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
            extra_candidates=plan.candidates,
        )
        result.notices.extend(plan.notices)
        result.stats.skipped.extend(plan.skipped)
    if progress is not None:
        progress.done()
    result.notices[:0] = config.notices
    result.notices.extend(baseline_notices)
    code = exit_code(result.findings, threshold)
    verification = "offline" if resolver is None else resolver.summary()
    code = _require_verification(result, code) if require_verification else code
    code = _fail_on_incomplete(result, code) if fail_on_incomplete else code
    click.get_current_context().meta[VERDICT] = code
    _emit(fmt, output, result, config, threshold.label, code, verification, ruleset, verbose)
    sys.exit(code)


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


def _require_verification(result: Any, code: int) -> int:
    """--require-verification: tokens GitHub gave no definite answer about make the exit code 1."""
    from patlint.github.verify import unverified_tokens

    missing = unverified_tokens(result.tokens)
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


def _scan_history(
    roots: Sequence[str],
    ruleset: Any,
    options: Any,
    resolver: Any,
    progress: Any,
    since_rev: str | None,
    rev_range: str | None,
) -> Any:
    """`--history`: every blob in the repository's history once, then the shared pipeline."""
    from patlint.engine.run import Collected, finish
    from patlint.sources.git_history import collect_history

    if len(roots) != 1 or roots[0] == "-":
        raise click.UsageError("--history takes one repository directory (default: .)")
    hist = collect_history(
        roots[0],
        ruleset.detectors,
        max_file_size=options.max_file_size,
        exclude=options.walk.exclude,
        since=since_rev,
        rev_range=rev_range,
        progress=progress,
    )
    collected = Collected(candidates=hist.candidates, places=hist.places, stats=hist.stats)
    return finish(collected, ruleset, options, resolver=resolver)


def _redactor() -> Redactor:
    """The redactor every output of this run passes (`_Group.main` installs it)."""
    ctx = click.get_current_context(silent=True)
    found = ctx.find_object(Redactor) if ctx is not None else None
    return found if found is not None else Redactor()


def _emit(
    fmt: str,
    output: str | None,
    result: Any,
    config: Any,
    fail_on: str,
    code: int,
    verification: str,
    ruleset: Any,
    verbose: bool,
) -> None:
    from patlint.report import renderer
    from patlint.report.common import ReportMeta

    meta = ReportMeta(
        version=__version__,
        config_source=config.source,
        config_narrowed=config.narrowed,
        fail_on=fail_on,
        exit_code=code,
        verification=verification,
        rules={r.id: r for r in ruleset.known},
    )
    _redactor().learn(t.secret for t in result.tokens)  # legacy 40-hex: known, not by shape
    module = renderer(fmt)
    kwargs: dict[str, Any] = {"meta": meta}
    if fmt == "text":
        kwargs["verbose"] = verbose
    if output:
        _write_atomic(output, lambda stream: module.render(result, stream=stream, **kwargs))
        if fmt != "text":
            from patlint.report.text import summary_line

            click.echo(summary_line(result, meta), err=True)
    else:
        module.render(result, stream=sys.stdout, **kwargs)
        sys.stdout.flush()  # here, where a reader gone away (broken pipe) is handled


def _write_atomic(path: str, write: Any) -> None:
    """Write via a temporary file and rename, so no half-written report is left behind.

    Only regular files (or new paths) are replaced: `-o /dev/null`, a FIFO or a terminal is
    written in place, never swapped for a regular file. What is written passes the redactor.
    """
    import stat

    redactor = _redactor()

    def redacted(stream: TextIO) -> None:
        redacting = RedactingWriter(stream, redactor)
        write(cast(TextIO, redacting))
        redacting.flush()

    try:
        existing = os.stat(path)
    except OSError:
        existing = None
    if existing is not None and not stat.S_ISREG(existing.st_mode):
        with open(path, "w", encoding="utf-8") as stream:
            redacted(stream)
        return
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = _mkstemp(directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as stream:
            redacted(stream)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def check_output(path: str | None, flag: str = "-o") -> None:
    """Refuse, before any work, an output the report could not be written to (exit 2).

    A folder that does not exist, is not a folder or cannot be written (read-only, another
    owner, a read-only file system) used to fail after the whole scan, with the results lost.
    The test is the real one: a temporary file is made in the folder and removed.
    """
    if not path:
        return
    import stat

    try:
        existing = os.stat(path)
    except FileNotFoundError:
        existing = None
    except OSError as exc:
        raise ConfigError(f"{flag} {path}: cannot write there ({exc.strerror})") from None
    if existing is not None and stat.S_ISDIR(existing.st_mode):
        raise ConfigError(f"{flag} {path}: is a folder; name a file to write the report to")
    if existing is not None and not stat.S_ISREG(existing.st_mode):
        return  # /dev/null, a FIFO, a terminal: written in place (see _write_atomic)
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise ConfigError(f"{flag} {path}: the folder {directory} does not exist")
    try:
        fd, tmp = _mkstemp(directory)
    except OSError as exc:
        raise ConfigError(
            f"{flag} {path}: cannot write in {directory} ({exc.strerror or exc})"
        ) from None
    os.close(fd)
    with contextlib.suppress(OSError):
        os.unlink(tmp)
    if existing is not None and not os.access(path, os.W_OK):
        raise ConfigError(f"{flag} {path}: the file is not writable")


def _mkstemp(directory: str) -> tuple[int, str]:
    """tempfile.mkstemp(prefix=".patlint-", dir=directory) without importing tempfile (~2 ms)."""
    flags = os.O_RDWR | os.O_CREAT | os.O_EXCL
    for name in ("O_NOFOLLOW", "O_CLOEXEC", "O_BINARY"):
        flags |= getattr(os, name, 0)
    for _ in range(100):
        tmp = os.path.join(directory, f".patlint-{os.urandom(6).hex()}")
        try:
            return os.open(tmp, flags, 0o600), tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary file name in {directory}")


class _Progress:
    """`files, MB, candidates` on one stderr line, at most ten times a second."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.last = 0.0
        self.shown = False

    def __call__(self, files: int, nbytes: int, found: int) -> None:
        now = time.monotonic()
        if now - self.last < 0.1:
            return
        self.last = now
        self.shown = True
        self.stream.write(
            f"\r\x1b[Kscanning: {files} files, {nbytes / 1e6:.1f} MB, {found} candidates"
        )
        self.stream.flush()

    def done(self) -> None:
        if self.shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()


def _complete_rule_id(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[str]:
    """Shell completion for RULE-ID arguments: the known rule ids."""
    from patlint.config import Config
    from patlint.engine.ruleset import build_ruleset

    return [r.id for r in build_ruleset(Config()).known if r.id.startswith(incomplete)]


@cli.group(invoke_without_command=True)
@click.pass_context
def rules(ctx: click.Context) -> None:
    """List, check and explain rules (`patlint rules` lists them).

    \b
    Examples:
      patlint rules
      patlint rules check --rules ./my-rules
      patlint rules explain no-expiration
    """
    if ctx.invoked_subcommand is None:
        ctx.invoke(rules_list)


@rules.command("list")
@click.option(
    "--rules",
    "rules_dirs",
    multiple=True,
    type=click.Path(exists=True, file_okay=False),
    help="Extra folder of YAML rules.",
)
def rules_list(rules_dirs: tuple[str, ...] = ()) -> None:
    """Every known rule: id, kind, severity, enabled by default, name.

    \b
    Examples:
      patlint rules list
      patlint rules list --rules ./my-rules   # with your own rule folder
    """
    from tabulate import tabulate

    from patlint.config import Config
    from patlint.engine.ruleset import build_ruleset

    ruleset = build_ruleset(Config(), extra_dirs=rules_dirs)
    enabled = {r.id for r in ruleset.enabled}
    rows = [
        [
            r.id,
            r.kind,
            r.severity.label,
            "yes" if r.id in enabled else ("opt-in" if r.opt_in else "no"),
            r.name,
        ]
        for r in ruleset.known
    ]
    click.echo(tabulate(rows, headers=["ID", "KIND", "SEVERITY", "DEFAULT", "NAME"]))


@rules.command("check")
@click.option(
    "--rules",
    "rules_dirs",
    multiple=True,
    type=click.Path(exists=True, file_okay=False),
    help="Extra folder of YAML rules.",
)
def rules_check(rules_dirs: tuple[str, ...] = ()) -> None:
    """Validate every rule and run its examples and negative examples through the detector.

    \b
    Examples:
      patlint rules check                     # what CI runs on the built-in rules
      patlint rules check --rules ./my-rules
    """
    from patlint.config import Config
    from patlint.engine.examples import check_rule
    from patlint.engine.ruleset import build_ruleset

    ruleset = build_ruleset(Config(), extra_dirs=rules_dirs)
    failures = 0
    for rule in ruleset.known:
        problems = check_rule(rule, ruleset)
        for p in problems:
            click.echo(f"FAIL {rule.id}: {p}")
        failures += len(problems)
    if failures:
        click.echo(f"{failures} problem(s) in {len(ruleset.known)} rules")
        sys.exit(EXIT_FINDINGS)
    click.echo(f"ok: {len(ruleset.known)} rules, every example and negative example behaves")


@rules.command("explain")
@click.argument("rule_id", shell_complete=_complete_rule_id)
def rules_explain(rule_id: str) -> None:
    """Why a rule matters and how to fix what it finds.

    \b
    Examples:
      patlint rules explain github-classic-pat
    """
    _explain(rule_id)


@cli.command("explain")
@click.argument("rule_id", shell_complete=_complete_rule_id)
def explain(rule_id: str) -> None:
    """Why a rule matters and how to fix what it finds (same as `rules explain`).

    \b
    Examples:
      patlint explain github-classic-pat
      patlint explain no-expiration
    """
    _explain(rule_id)


def _explain(rule_id: str) -> None:
    from patlint.config import Config
    from patlint.engine.ruleset import build_ruleset

    ruleset = build_ruleset(Config())
    rule = ruleset.get(rule_id)
    if rule is None:
        raise click.UsageError(f"unknown rule {rule_id!r} (see `patlint rules`)")
    lines = [
        f"{rule.id}: {rule.name}",
        f"kind: {rule.kind}, severity: {rule.severity.label}, confidence: {rule.confidence.label}"
        + (", opt-in" if rule.opt_in else ""),
        "",
        "## What it does",
        click.wrap_text(rule.description, 88),
        "",
        "## How to fix it",
        click.wrap_text(rule.remediation, 88),
    ]
    if rule.references:
        lines += ["", "## References", *[f"- {r}" for r in rule.references]]
    click.echo("\n".join(lines))


@cli.group()
def baseline() -> None:
    """Record today's findings so later scans report only new ones.

    A baseline holds each finding's fingerprint and place (rule, path, line, token kind,
    redacted preview, SHA-256), never the token. `patlint scan --baseline FILE` counts
    baselined findings as suppressed. A detect-secrets `.secrets.baseline` works as FILE too.

    \b
    Examples:
      patlint baseline create .patlint-baseline.json
      patlint scan --baseline .patlint-baseline.json
      patlint baseline update .patlint-baseline.json   # after fixing or accepting findings
    """


def _baseline_command(name: str, summary: str) -> Callable[[Callable[..., None]], click.Command]:
    """`baseline create|update FILE [PATHS]` with the options both share."""

    def decorate(fn: Callable[..., None]) -> click.Command:
        options = [
            baseline.command(name, help=summary),
            click.argument("file", type=click.Path(dir_okay=False, path_type=str)),
            click.argument("paths", nargs=-1, type=click.Path(path_type=str)),
            click.option(
                "--config",
                "config_file",
                type=click.Path(exists=True, dir_okay=False),
                help="Use this config file (pins it: no discovery).",
            ),
            click.option(
                "--no-repo-config",
                is_flag=True,
                help="Ignore .patlint.yaml / pyproject.toml found in the scanned tree.",
            ),
            click.option(
                "--trust-repo-config",
                is_flag=True,
                help="Trust the config found in the scanned tree (every key, not only "
                "narrowing ones).",
            ),
            click.option(
                "--no-gitignore",
                is_flag=True,
                help="Inside a git work tree, scan ignored files too.",
            ),
        ]
        decorated: Any = fn
        for option in reversed(options):
            decorated = option(decorated)
        assert isinstance(decorated, click.Command)
        return decorated

    return decorate


@_baseline_command(
    "create",
    """Scan PATHS (default: .) offline and write every current finding to FILE.

    \b
    Examples:
      patlint baseline create .patlint-baseline.json
      patlint baseline create --force .patlint-baseline.json src/ config/
    """,
)
@click.option("--force", is_flag=True, help="Overwrite FILE when it exists.")
def baseline_create(
    file: str,
    paths: tuple[str, ...],
    config_file: str | None,
    no_repo_config: bool,
    trust_repo_config: bool,
    no_gitignore: bool,
    force: bool,
) -> None:
    if os.path.exists(file) and not force:
        raise click.UsageError(f"{file} exists; use `patlint baseline update` or --force")
    check_output(file, "baseline")
    repo_config = (no_repo_config, trust_repo_config)
    _baseline_write(file, paths, config_file, repo_config, no_gitignore, previous=None)


@_baseline_command(
    "update",
    """Scan PATHS (default: .) offline and rewrite FILE with what is found now.

    Entries still found are kept (with any `reason` you added), fixed ones are dropped and
    new ones are added; the counts are printed.

    \b
    Examples:
      patlint baseline update .patlint-baseline.json
    """,
)
def baseline_update(
    file: str,
    paths: tuple[str, ...],
    config_file: str | None,
    no_repo_config: bool,
    trust_repo_config: bool,
    no_gitignore: bool,
) -> None:
    from pathlib import Path

    from patlint.baseline import load

    if not os.path.exists(file):
        raise click.UsageError(f"{file} does not exist; create it with `patlint baseline create`")
    check_output(file, "baseline")
    previous = load(Path(file))
    if previous.format != "patlint":
        raise ConfigError(
            f"{file}: a {previous.format} baseline; patlint reads it with --baseline but "
            "does not rewrite it (create a patlint baseline beside it)"
        )
    repo_config = (no_repo_config, trust_repo_config)
    _baseline_write(file, paths, config_file, repo_config, no_gitignore, previous=previous)


def _baseline_write(
    file: str,
    paths: tuple[str, ...],
    config_file: str | None,
    repo_config: tuple[bool, bool],
    no_gitignore: bool,
    *,
    previous: Any,
) -> None:
    """`repo_config`: (--no-repo-config, --trust-repo-config)."""
    from patlint.baseline import dumps, entries_for
    from patlint.config import resolve
    from patlint.engine.ruleset import build_ruleset
    from patlint.engine.run import ScanOptions, run_scan
    from patlint.github.hosts import configured_hosts
    from patlint.sources.tree import WalkOptions

    roots = list(paths) or ["."]
    missing = [p for p in roots if p != "-" and not os.path.lexists(p)]
    if missing:
        raise click.BadParameter(f"no such file or directory: {missing[0]}", param_hint="PATHS")
    config = resolve(
        roots,
        config_file=config_file,
        no_repo_config=repo_config[0],
        trust_repo_config=repo_config[1],
    )
    for notice in config.notices:
        click.echo(f"note: {notice}", err=True)
    ruleset = build_ruleset(config)
    options = ScanOptions(
        walk=WalkOptions(
            follow_symlinks=config.follow_symlinks,
            use_gitignore=not no_gitignore,
            exclude=config.exclude,
        ),
        max_file_size=config.max_file_size,
        allow=config.allow,
        github_hosts=configured_hosts(config.github_api, ()),
    )
    result = run_scan(roots, ruleset, options)
    _redactor().learn(t.secret for t in result.tokens)
    entries = entries_for(result.findings, previous)
    _write_atomic(file, lambda stream: stream.write(dumps(entries, version=__version__)))
    before = {e.fingerprint for e in previous.entries} if previous is not None else set()
    now = {e.fingerprint for e in entries}
    click.echo(
        f"patlint: baseline {file}: {len(entries)} finding(s) recorded "
        f"({len(now - before)} added, {len(before - now)} removed, {len(now & before)} kept; "
        f"{len(result.suppressed)} suppressed not recorded)",
        err=True,
    )


@cli.command()
@click.option(
    "--from-report",
    "reports",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False),
    metavar="FILE",
    help="A `patlint scan --format json` report: its places are read again (repeatable).",
)
@click.option(
    "--file",
    "files",
    multiple=True,
    type=click.Path(dir_okay=False, allow_dash=True),
    metavar="FILE|-",
    help="A file of tokens, one per line; `-` reads standard input (repeatable).",
)
@click.option(
    "--root",
    default=".",
    show_default=True,
    type=click.Path(exists=True, file_okay=False),
    help="Folder the report's relative paths are relative to (where the scan ran).",
)
@click.option(
    "--host",
    default="github.com",
    show_default=True,
    metavar="HOST",
    help="The GitHub host the tokens of --file belong to.",
)
@click.option(
    "--github-api",
    "github_api",
    multiple=True,
    metavar="URL|HOST=URL",
    help="API base URL for github.com, or for HOST (repeatable), as in scan.",
)
@click.option(
    "--token-env",
    default="GH_ENTERPRISE_TOKEN",
    show_default=True,
    metavar="NAME",
    help="Environment variable with the token that authenticates revocation on GitHub "
    "Enterprise Server (github.com takes no authentication).",
)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation (CI).")
@click.option("--dry-run", is_flag=True, help="Show what would be revoked; send nothing.")
@click.option(
    "--max-wait",
    type=click.FloatRange(0),
    default=900.0,
    show_default=True,
    metavar="SECONDS",
    help="Longest rate-limit wait before giving up on the remaining batches.",
)
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
def revoke(
    reports: tuple[str, ...],
    files: tuple[str, ...],
    root: str,
    host: str,
    github_api: tuple[str, ...],
    token_env: str,
    yes: bool,
    dry_run: bool,
    max_wait: float,
    fmt: str,
) -> None:
    """Revoke leaked tokens through GitHub's credential revocation API.

    Tokens come from a scan's JSON report (which holds no tokens: each listed place is read
    again and only tokens with the report's SHA-256 are kept), from a file of tokens, or from
    standard input. Each token goes only to the revocation endpoint of the host it was found
    for. Accepted kinds: ghp_, github_pat_, gho_, ghu_, ghr_. The owner is notified by GitHub.

    Exit codes: 0 every token submitted (or --dry-run), 1 some token could not be submitted
    or the confirmation was declined, 2 usage error (also: no terminal to confirm on and no
    --yes), 3 unexpected error.

    \b
    Examples:
      patlint scan --format json -o report.json ~ && patlint revoke --from-report report.json
      patlint revoke --file leaked.txt --dry-run
      printf '%s\\n' "$LEAKED" | patlint revoke --file - --yes
    """
    from patlint.config import Config
    from patlint.detectors.pattern import Detector
    from patlint.engine.revoke_targets import from_report, from_text, merge
    from patlint.engine.ruleset import build_ruleset
    from patlint.github.revoke import DRY_RUN, FAILED, SKIPPED, Outcome, Revoker, revocable
    from patlint.github.verify import build_options, normalize_host, route
    from patlint.report.revoke import render_json, render_text

    if not reports and not files:
        raise click.UsageError("nothing to revoke: give --from-report FILE or --file FILE|-")
    detector = Detector(build_ruleset(Config()).detectors)
    host = normalize_host(host) or "github.com"
    parts = [from_report(r, detector, root=root) for r in reports]
    from patlint.inputs import MAX_DOCUMENT, read_file, read_stream

    for f in files:
        data = (
            read_stream(sys.stdin.buffer, MAX_DOCUMENT, "--file - (standard input)")
            if f == "-"
            else read_file(f, MAX_DOCUMENT, f"--file {f}")
        )
        parts.append(from_text(data, "<stdin>" if f == "-" else f, detector, host=host))
    targets = merge(parts)
    _redactor().learn(t.secret for t in targets.found)
    options = build_options({}, {}, github_api)
    outcomes: list[Outcome] = [
        Outcome(p, sha, kind, "", SKIPPED, why) for p, sha, kind, why in targets.missing
    ]
    plan: dict[str, tuple[str, list[Any]]] = {}
    for t in targets.found:
        for h in t.hosts:
            s = t.secret
            r = route(h, options)
            if not revocable(s.kind):
                why = "GitHub's revocation API does not accept this kind (ghs_ expires within an hour)"
                outcomes.append(Outcome(s.preview, s.digest, s.kind, h, SKIPPED, why))
            elif r.base_url is None:
                outcomes.append(Outcome(s.preview, s.digest, s.kind, h, SKIPPED, r.reason))
            else:
                plan.setdefault(r.base_url, (h, []))[1].append(s)
    queued = [(base, h, s) for base, (h, ss) in plan.items() for s in ss]
    if queued:
        click.echo(f"patlint: {len(queued)} token(s) to revoke:", err=True)
    for base, h, s in queued:
        click.echo(
            f"  {s.preview}  sha256 {s.digest[:16]}…  {h}  → {base}/credentials/revoke", err=True
        )
    ghes = sorted({h for _b, h, _s in queued if h != "github.com" and not h.endswith(".ghe.com")})
    auth = None
    if len(ghes) > 1 and not dry_run:  # the one token of --token-env belongs to one server
        raise click.UsageError(
            f"revocation on several GitHub Enterprise Servers ({', '.join(ghes)}) needs one run "
            f"per server: {token_env} authenticates one of them; pass --github-api for one host"
        )
    if ghes and not dry_run:
        value = os.environ.get(token_env, "").strip()
        if not value:
            raise click.UsageError(
                f"revocation on GitHub Enterprise Server ({', '.join(ghes)}) is authenticated: "
                f"set the environment variable {token_env} (or name another with --token-env)"
            )
        from patlint.model import Secret

        auth = Secret(value, "ghp")
    if dry_run:
        outcomes += [
            Outcome(
                s.preview,
                s.digest,
                s.kind,
                h,
                DRY_RUN,
                f"would be sent to {base}/credentials/revoke",
            )
            for base, h, s in queued
        ]
    elif queued:
        if not yes:
            if "-" in files or not _can_prompt():
                click.echo(
                    "patlint: error: revoking needs confirmation: run in a terminal, or pass --yes",
                    err=True,
                )
                sys.exit(EXIT_USAGE)
            hosts = ", ".join(sorted({h for _b, h, _s in queued}))
            if not click.confirm(
                f"Revoke these {len(queued)} token(s) on {hosts}? Their owners are notified; "
                "this cannot be undone",
                default=False,
                err=True,
            ):
                click.echo("patlint: nothing revoked", err=True)
                sys.exit(EXIT_FINDINGS)
        from patlint.github.client import make_session

        session = make_session(1)
        try:
            for base, (h, secrets) in plan.items():
                revoker = Revoker(
                    session,
                    base,
                    h,
                    auth=auth if h in ghes else None,
                    max_wait=max_wait,
                    notify=lambda msg: click.echo(f"patlint: {msg}", err=True),
                )
                outcomes += revoker.revoke(secrets)
        finally:
            session.close()
    render = render_json if fmt == "json" else render_text
    render(outcomes, stream=sys.stdout, dry_run=dry_run)
    sys.exit(EXIT_FINDINGS if any(o.status == FAILED for o in outcomes) else EXIT_CLEAN)


def _can_prompt() -> bool:
    """True when a person can answer a confirmation prompt (standard input is a terminal)."""
    return sys.stdin.isatty()


@cli.command("org")
@click.argument("org_name", metavar="ORG")
@click.option("--app-id", metavar="ID", help="GitHub App ID (or client ID) for the inventory.")
@click.option(
    "--private-key",
    type=click.Path(exists=True, dir_okay=False),
    metavar="FILE",
    help="The App's private key (PEM).",
)
@click.option(
    "--token-env",
    metavar="NAME",
    help="Environment variable with an org owner's token: also list SAML-authorized classic "
    "tokens (GitHub Enterprise Cloud), e.g. --token-env GITHUB_TOKEN.",
)
@click.option(
    "--host", default="github.com", show_default=True, metavar="HOST", help="GitHub host."
)
@click.option("--github-api", "github_api", metavar="URL", help="API base URL for HOST.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "html"]),
    default="text",
    show_default=True,
)
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True))
@click.option("--fail-on", type=click.Choice(SEVERITIES), default="low", show_default=True)
@click.option(
    "--config",
    "config_file",
    type=click.Path(exists=True, dir_okay=False),
    help="Config file (rule overrides, allow-list).",
)
def org(
    org_name: str,
    app_id: str | None,
    private_key: str | None,
    token_env: str | None,
    host: str,
    github_api: str | None,
    fmt: str,
    output: str | None,
    fail_on: str,
    config_file: str | None,
) -> None:
    """Inventory the tokens with access to organization ORG and judge them by policy.

    Fine-grained tokens come from GET /orgs/ORG/personal-access-tokens, which only a GitHub
    App can call: give --app-id and --private-key (the App needs the organization permission
    "Personal access tokens: read" and an installation on ORG). On GitHub Enterprise Cloud,
    --token-env NAME adds the SAML-authorized classic tokens (an owner's token, read from the
    environment, never from the command line). Rules: God Token, no expiration, lifetime,
    expires soon, classic where fine-grained would do.

    \b
    Examples:
      patlint org acme --app-id 123456 --private-key app.pem
      GITHUB_TOKEN=… patlint org acme --token-env GITHUB_TOKEN --format html -o acme.html
    """
    from pathlib import Path

    from patlint.config import Config, load_file
    from patlint.engine.org_audit import audit
    from patlint.engine.ruleset import build_ruleset
    from patlint.engine.run import exit_code
    from patlint.errors import GitHubError
    from patlint.github.app import app_jwt, installation_token
    from patlint.github.client import GitHubClient, make_session
    from patlint.github.org import fine_grained_tokens, saml_tokens
    from patlint.github.verify import build_options, normalize_host, route
    from patlint.inputs import MAX_KEY, read_file
    from patlint.model import Secret, Severity
    from patlint.report.common import ReportMeta

    if bool(app_id) != bool(private_key):
        raise click.UsageError("--app-id and --private-key go together")
    if not app_id and not token_env:
        raise click.UsageError(
            "give --app-id and --private-key (fine-grained tokens), and/or --token-env NAME "
            "(SAML-authorized classic tokens)"
        )
    owner_token = None
    if token_env:
        value = os.environ.get(token_env, "").strip()
        if not value:
            raise click.UsageError(f"--token-env {token_env}: the variable is not set")
        owner_token = Secret(value, "ghp")
    check_output(output)
    # The key is read (bounded) and signed before anything is sent: a wrong file is exit 2 now,
    # not after the network part (and `--private-key /dev/zero` is not read forever).
    jwt = None
    if app_id and private_key:
        jwt = app_jwt(app_id, read_file(private_key, MAX_KEY, f"--private-key {private_key}"))
    config = load_file(Path(config_file)) if config_file else Config()
    ruleset = build_ruleset(config)
    host = normalize_host(host) or "github.com"
    flags = (f"{host}={github_api}",) if github_api else ()
    options = build_options(
        config.github_api, {**config.verification, "verify_unnamed_hosts": True}, flags
    )
    base = route(host, options).base_url
    if base is None:
        raise click.UsageError(f"--host {host}: not a GitHub host")
    session = make_session(2)
    entries = []
    failed: list[str] = []
    try:
        client = GitHubClient(
            session, base, timeout=options.timeout, connect_timeout=options.connect_timeout
        )
        if jwt is not None:
            try:
                inst = installation_token(client, org_name, jwt)
                entries += fine_grained_tokens(client, org_name, inst)
            except GitHubError as exc:
                failed.append(f"fine-grained tokens: {exc}")
        if owner_token is not None:
            try:
                entries += saml_tokens(client, org_name, owner_token)
            except GitHubError as exc:
                failed.append(f"SAML-authorized tokens: {exc}")
    finally:
        session.close()
    if failed and len(failed) == (jwt is not None) + (owner_token is not None):
        # Nothing could be listed: one clear line, no empty report that reads as "clean".
        raise ConfigError(
            f"organization {org_name} on {host} ({base}): could not list "
            + "; nor ".join(failed)
            + " (check the network path to the API, --host, --github-api and the credentials)"
        )
    notices = [
        f"incomplete inventory: could not list {what}; the report shows the other tokens only"
        for what in failed
    ]
    result = audit(entries, ruleset, org=org_name, host=host, allow=config.allow, notices=notices)
    code = exit_code(result.findings, Severity.parse(fail_on))
    click.get_current_context().meta[VERDICT] = code
    meta = ReportMeta(
        version=__version__,
        config_source=config.source,
        fail_on=fail_on,
        exit_code=code,
        verification=f"organization API ({host})",
        rules={r.id: r for r in ruleset.known},
    )

    def write(stream: TextIO) -> None:
        if fmt == "html":
            from patlint.report.html import render

            render(result, stream=stream, meta=meta)
        else:
            from patlint.report.org import render_json, render_text

            (render_json if fmt == "json" else render_text)(result, stream=stream, meta=meta)

    if output:
        _write_atomic(output, write)
        from patlint.report.org import summary_line

        click.echo(summary_line(result), err=True)
    else:
        write(sys.stdout)
    sys.exit(code)


def entry() -> NoReturn:
    """Console script and `python -m patlint`: `main`, then leave without tearing the
    interpreter down once everything is written.

    Freeing every object and module of a large scan took ~20 ms, 6% of a 315 MB tree scan and
    a fifth of a pre-commit run. Exit handlers still run (workers, finalizers) and output is
    flushed; reports are already closed (written atomically). If a thread other than this one
    is still alive, Python's own exit joins it as usual.
    """
    code: int | str | None
    try:
        main()
    except SystemExit as exc:
        code = exc.code
    import threading

    if threading.active_count() > 1 or not isinstance(code, int | None):
        sys.exit(code)
    import atexit

    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe: nothing left to say
            stream.flush()
    os._exit(code or 0)


def _on_sigterm(signum: int, frame: Any) -> None:
    """SIGTERM (what `timeout` and CI runners send): stop like Ctrl-C does, workers terminated
    and no half-written report left, then exit 143 (128 + 15)."""
    raise _Terminated()


class _Terminated(SystemExit):
    def __init__(self) -> None:
        super().__init__(EXIT_TERMINATED)


def main(argv: Sequence[str] | None = None) -> NoReturn:
    """Entry point: usage errors exit 2, interrupts 130, SIGTERM 143; the group maps the rest."""
    import signal
    import threading

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        rv = cli.main(
            args=list(argv) if argv is not None else None,
            prog_name="patlint",
            standalone_mode=False,
        )
        if isinstance(rv, int) and not isinstance(rv, bool):
            sys.exit(rv)  # click returns ctx.exit(code) as a value when not in standalone mode
    except click.exceptions.Abort:
        click.echo("patlint: interrupted", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(EXIT_USAGE)
    except KeyboardInterrupt:
        click.echo("patlint: interrupted", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except _Terminated:
        click.echo("patlint: terminated", err=True)
        sys.exit(EXIT_TERMINATED)
    sys.exit(EXIT_CLEAN)
