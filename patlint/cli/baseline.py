"""`patlint baseline create|update`."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import click

from patlint import __version__
from patlint.cli.common import EXIT_CLEAN, _redactor, _write_atomic, check_output
from patlint.errors import ConfigError


@click.group()
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


def _baseline_command(name: str, summary: str) -> Callable[[Callable[..., int]], click.Command]:
    """`baseline create|update FILE [PATHS]` with the options both share."""

    def decorate(fn: Callable[..., int]) -> click.Command:
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
) -> int:
    if os.path.exists(file) and not force:
        raise click.UsageError(f"{file} exists; use `patlint baseline update` or --force")
    check_output(file, "baseline")
    repo_config = (no_repo_config, trust_repo_config)
    _baseline_write(file, paths, config_file, repo_config, no_gitignore, previous=None)
    return EXIT_CLEAN


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
) -> int:
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
    return EXIT_CLEAN


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
    from patlint.hosts import configured_hosts
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
    _write_atomic(file, lambda stream: stream.write(dumps(entries, version=__version__)), "json")
    before = {e.fingerprint for e in previous.entries} if previous is not None else set()
    now = {e.fingerprint for e in entries}
    click.echo(
        f"patlint: baseline {file}: {len(entries)} finding(s) recorded "
        f"({len(now - before)} added, {len(before - now)} removed, {len(now & before)} kept; "
        f"{len(result.suppressed)} suppressed not recorded)",
        err=True,
    )
