"""`patlint merge`: the JSON reports of several scans (a fleet's shards) as one report."""

from __future__ import annotations

from collections.abc import Iterator

import click

from patlint.cli.common import SEVERITIES, VERDICT, _emit, _redactor, check_output
from patlint.report import FORMATS

# All the reports of one merge together (each is also at most MAX_DOCUMENT, 64 MiB): a merge of
# 10,000 shards' reports (as many as --shard allows) must not parse 640 GB into memory.
MAX_MERGE_TOTAL = 512 << 20


def _read_reports(paths: tuple[str, ...]) -> Iterator[tuple[str, str]]:
    """Each report's text in turn, all of them within MAX_MERGE_TOTAL: ConfigError (exit 2)
    before any is read when their sizes already say so, else when the reading does."""
    import os
    import stat

    from patlint.errors import ConfigError
    from patlint.inputs import MAX_DOCUMENT, read_text

    limit = MAX_MERGE_TOTAL
    sizes = 0
    for path in paths:
        try:
            st = os.stat(path)
        except OSError:
            continue  # read_text says why
        if stat.S_ISREG(st.st_mode):
            sizes += st.st_size
    why = "(each report is at most 64 MiB): a runaway or forged report? merge fewer at a time"
    if sizes > limit:
        raise ConfigError(f"merge: the reports total {sizes} bytes, more than {limit} {why}")
    total = 0
    for path in paths:
        left = limit - total
        try:
            text = read_text(path, min(MAX_DOCUMENT, left), path)
        except ConfigError:
            if left >= MAX_DOCUMENT:
                raise
            raise ConfigError(f"merge: the reports total more than {limit} bytes {why}") from None
        total += len(text.encode("utf-8", "surrogatepass"))
        yield path, text


@click.command("merge")
@click.argument("reports", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(sorted(FORMATS)),
    default="text",
    show_default=True,
    help="Report format.",
)
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, writable=True), help="Write to FILE."
)
@click.option(
    "--report",
    "extra",
    multiple=True,
    metavar="FORMAT=FILE",
    help="Also write a FORMAT report to FILE, from the same merge (repeatable), "
    "e.g. --report sarif=fleet.sarif --report html=fleet.html.",
)
@click.option(
    "--fail-on",
    type=click.Choice(SEVERITIES),
    help="Exit 1 when a finding is at or above this severity [default: low].",
)
@click.option(
    "--offline",
    is_flag=True,
    help="Do not read tokens again nor contact GitHub: keep what each report recorded.",
)
@click.option(
    "--config",
    "config_file",
    type=click.Path(exists=True, dir_okay=False),
    help="Config file (rules, allow-list, GitHub API) instead of the user config.",
)
@click.option(
    "--rules",
    "rules_dirs",
    multiple=True,
    type=click.Path(exists=True, file_okay=False),
    metavar="DIR",
    help="Extra rule folders (the same the scans used).",
)
@click.option(
    "--repos",
    "repos_file",
    metavar="FILE",
    help="The repository list the shards scanned (`-`: standard input): tokens are read again "
    "only from these repositories (a report names places, it does not choose them).",
)
@click.option(
    "--repos-cache",
    metavar="DIR",
    type=click.Path(file_okay=False),
    help="Mirrors to read tokens again from [default: $XDG_CACHE_HOME/patlint/repos]; a "
    "repository without one is fetched again.",
)
@click.option(
    "--root",
    default=".",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Folder the reports' paths (of scans without --repos) are relative to.",
)
@click.option("--github-api", "github_api", multiple=True, metavar="[HOST=]URL")
@click.option("--no-cache", is_flag=True, help="Do not use the verification cache.")
@click.option("-v", "--verbose", is_flag=True, help="List every skipped place.")
def merge(
    reports: tuple[str, ...],
    fmt: str,
    output: str | None,
    extra: tuple[str, ...],
    fail_on: str | None,
    offline: bool,
    config_file: str | None,
    rules_dirs: tuple[str, ...],
    repos_file: str | None,
    repos_cache: str | None,
    root: str,
    github_api: tuple[str, ...],
    no_cache: bool,
    verbose: bool,
) -> int:
    """Merge the JSON reports of `patlint scan` (e.g. a fleet's shards) into one report.

    Tokens are deduplicated by SHA-256 with all their places united; then verification,
    policy and rendering happen once, on the merged set: GitHub is asked once per token. A
    report holds no token, so each is read again from the place its report names (the git
    blob in the mirror of a repository of --repos FILE, or the file under --root); nothing
    plaintext is ever written. Reports of another patlint or schema version are refused
    (exit 2).

    \b
    Examples:
      patlint merge shard-*.json --repos repos.txt --format sarif -o fleet.sarif
      patlint merge shard-*.json --format json -o fleet.json --report html=fleet.html
      patlint merge --offline a.json b.json --format json -o all.json
    """
    from patlint import __version__
    from patlint.cli.scan import _extra_reports, _github_resolver
    from patlint.config import resolve_trusted
    from patlint.engine.merge import MergeResolver, Reader, merge_reports
    from patlint.engine.ruleset import build_ruleset
    from patlint.engine.run import ScanOptions, exit_code
    from patlint.hosts import configured_hosts
    from patlint.model import Severity
    from patlint.report.json_report import SCHEMA_VERSION
    from patlint.sources.report_json import parse_report
    from patlint.sources.repos import read_repos

    check_output(output)
    extra_reports = _extra_reports(extra)
    listed = read_repos(repos_file) if repos_file is not None else None
    config = resolve_trusted(config_file)
    ruleset = build_ruleset(config, extra_dirs=rules_dirs)
    rules = {r.id: r for r in ruleset.known}
    loaded = [
        parse_report(
            text,
            path,
            version=__version__,
            schema_version=SCHEMA_VERSION,
            rules=rules,
        )
        for path, text in _read_reports(reports)
    ]
    threshold = Severity.parse(fail_on) if fail_on else (config.fail_on or Severity.LOW)
    options = ScanOptions(
        allow=config.allow, github_hosts=configured_hosts(config.github_api, github_api)
    )
    inner = None if offline else _github_resolver(config, github_api, no_cache, None)
    reader = (
        None
        if offline
        else Reader(ruleset.detectors, root=root, cache=repos_cache, timeout=3600.0, repos=listed)
    )
    resolver = MergeResolver(inner, reader, {})
    result = merge_reports(loaded, ruleset, options, resolver=resolver, listed=listed)
    _redactor().learn(resolver.revealed)  # legacy 40-hex: known, not by shape
    result.notices[:0] = config.notices
    code = exit_code(result.findings, threshold)
    click.get_current_context().meta[VERDICT] = code
    verification = resolver.summary()
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
        extra_reports,
    )
    return code
