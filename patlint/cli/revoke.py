"""`patlint revoke`: revoke leaked tokens through GitHub's credential revocation API."""

from __future__ import annotations

import os
import sys

import click

from patlint.cli.common import (
    EXIT_CLEAN,
    EXIT_FINDINGS,
    EXIT_USAGE,
    SEVERITIES,
    _redactor,
    stdout_form,
)


@click.command()
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
@click.option(
    "--token",
    "digests",
    multiple=True,
    metavar="SHA256",
    help="Only the token with this SHA-256 (8 to 64 hex digits of it; repeatable), as the "
    "text report's next step names it.",
)
@click.option(
    "--rule",
    "rules",
    multiple=True,
    metavar="RULE",
    help="With --from-report: only tokens with a finding of this rule (repeatable).",
)
@click.option(
    "--min-severity",
    type=click.Choice(SEVERITIES),
    help="With --from-report: only tokens with a finding at or above this severity.",
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
    digests: tuple[str, ...] = (),
    rules: tuple[str, ...] = (),
    min_severity: str | None = None,
) -> int:
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
      patlint revoke --from-report report.json --min-severity high --dry-run
      patlint revoke --token 6e9c895f54303228 --file .env
    """
    from patlint.config import Config
    from patlint.detectors.pattern import Detector
    from patlint.engine.revoke_plan import dry_run_outcomes, execute, plan_revocation
    from patlint.engine.revoke_targets import from_report, from_text, merge, only_digests
    from patlint.engine.ruleset import build_ruleset
    from patlint.errors import ConfigError
    from patlint.github.revoke import FAILED
    from patlint.github.verify import build_options
    from patlint.hosts import normalize_host
    from patlint.report.revoke import render_json, render_text

    if not reports and not files:
        raise click.UsageError("nothing to revoke: give --from-report FILE or --file FILE|-")
    if (rules or min_severity) and not reports:
        raise click.UsageError(
            "--rule and --min-severity choose by a report's findings: give --from-report FILE"
        )
    prefixes = _digest_prefixes(digests)
    ruleset = build_ruleset(Config())
    detector = Detector(ruleset.detectors)
    if rules:
        from patlint.engine.revoke_targets import report_rules

        known = {r.id for r in ruleset.known}.union(*(report_rules(r) for r in reports))
        unknown = [r for r in rules if r not in known]
        if unknown:
            raise click.UsageError(
                f"--rule {unknown[0]}: no such rule (`patlint rules` lists them)"
            )
    host = normalize_host(host) or "github.com"
    from patlint.model import Severity

    floor = int(Severity.parse(min_severity)) if min_severity else None
    parts = [from_report(r, detector, root=root, rules=rules, min_severity=floor) for r in reports]
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
    if prefixes:
        try:
            targets = only_digests(targets, prefixes)
        except ConfigError as exc:
            raise click.BadParameter(str(exc), param_hint="--token") from None
    for note in targets.notes:
        click.echo(f"patlint: {note}", err=True)
    revocation = plan_revocation(targets, build_options({}, {}, github_api))
    outcomes = revocation.outcomes
    queued = revocation.queued
    from patlint.engine.own_tools import used_by

    in_use = used_by({s.digest for _b, _h, s in queued}, detector)
    if queued and not dry_run:  # a dry run lists them once, in its report below
        click.echo(f"patlint: {_count(len(queued))} to revoke:", err=True)
        for base, h, s in queued:
            click.echo(
                f"  {s.preview}  sha256 {s.digest[:16]}…  {h}  → {base}/credentials/revoke",
                err=True,
            )
    for _b, _h, s in queued:
        if s.digest in in_use:
            click.echo(
                f"patlint: warning: {s.preview} (sha256 {s.digest[:16]}…) is what this machine's "
                f"own tools log in with; revoking it breaks: {', '.join(in_use[s.digest])}. "
                "Log them in again with the new token.",
                err=True,
            )
    ghes = revocation.ghes
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
        _redactor().learn([auth])  # a 40-hex GHES token has no shape the redactor knows
    if dry_run:
        outcomes += dry_run_outcomes(revocation, in_use)
    elif queued:
        if not yes:
            if "-" in files or not _can_prompt():
                click.echo(
                    "patlint: error: revoking needs confirmation: run in a terminal, or pass --yes",
                    err=True,
                )
                return EXIT_USAGE
            hosts = ", ".join(sorted({h for _b, h, _s in queued}))
            breaks = sum(1 for _b, _h, s in queued if s.digest in in_use)
            if not click.confirm(
                f"Revoke {'this' if len(queued) == 1 else 'these'} {_count(len(queued))} on "
                f"{hosts}? Their owners are notified; this cannot be undone"
                + (f" and breaks the tools named above ({breaks})" if breaks else ""),
                default=False,
                err=True,
            ):
                click.echo("patlint: nothing revoked", err=True)
                return EXIT_FINDINGS
        outcomes += execute(
            revocation,
            auth=auth,
            max_wait=max_wait,
            notify=lambda msg: click.echo(f"patlint: {msg}", err=True),
        )
    render = render_json if fmt == "json" else render_text
    stdout_form(fmt)
    render(outcomes, stream=sys.stdout, dry_run=dry_run)
    if prefixes and not outcomes:
        return EXIT_FINDINGS  # the token asked for was not found: nothing was revoked
    return EXIT_FINDINGS if any(o.status == FAILED for o in outcomes) else EXIT_CLEAN


def _count(n: int) -> str:
    return f"{n} token{'' if n == 1 else 's'}"


def _digest_prefixes(values: tuple[str, ...]) -> list[str]:
    """--token values: 8 to 64 hex digits of a SHA-256, lower-cased."""
    import re

    out = []
    for v in values:
        p = v.strip().lower().removeprefix("sha256:")
        if not re.fullmatch(r"[0-9a-f]{8,64}", p):
            raise click.BadParameter(
                "expected 8 to 64 hex digits of a token's SHA-256 (the report shows 16)",
                param_hint="--token",
            )
        out.append(p)
    return out


def _can_prompt() -> bool:
    """True when a person can answer a confirmation prompt (standard input is a terminal)."""
    return sys.stdin.isatty()
