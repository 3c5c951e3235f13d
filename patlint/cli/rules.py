"""`patlint rules` (list, check, explain) and `patlint explain`."""

from __future__ import annotations

import click

from patlint.cli.common import EXIT_CLEAN, EXIT_FINDINGS


def _complete_rule_id(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[str]:
    """Shell completion for RULE-ID arguments: the known rule ids."""
    from patlint.config import Config
    from patlint.engine.ruleset import build_ruleset

    return [r.id for r in build_ruleset(Config()).known if r.id.startswith(incomplete)]


@click.group(invoke_without_command=True)
@click.pass_context
def rules(ctx: click.Context) -> int | None:
    """List, check and explain rules (`patlint rules` lists them).

    \b
    Examples:
      patlint rules
      patlint rules check --rules ./my-rules
      patlint rules explain no-expiration
    """
    if ctx.invoked_subcommand is None:
        code: int = ctx.invoke(rules_list)
        return code
    return None


@rules.command("list")
@click.option(
    "--rules",
    "rules_dirs",
    multiple=True,
    type=click.Path(exists=True, file_okay=False),
    help="Extra folder of YAML rules.",
)
def rules_list(rules_dirs: tuple[str, ...] = ()) -> int:
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
    return EXIT_CLEAN


@rules.command("check")
@click.option(
    "--rules",
    "rules_dirs",
    multiple=True,
    type=click.Path(exists=True, file_okay=False),
    help="Extra folder of YAML rules.",
)
def rules_check(rules_dirs: tuple[str, ...] = ()) -> int:
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
        return EXIT_FINDINGS
    click.echo(f"ok: {len(ruleset.known)} rules, every example and negative example behaves")
    return EXIT_CLEAN


@rules.command("explain")
@click.argument("rule_id", shell_complete=_complete_rule_id)
def rules_explain(rule_id: str) -> int:
    """Why a rule matters and how to fix what it finds.

    \b
    Examples:
      patlint rules explain github-classic-pat
    """
    _explain(rule_id)
    return EXIT_CLEAN


@click.command("explain")
@click.argument("rule_id", shell_complete=_complete_rule_id)
def explain(rule_id: str) -> int:
    """Why a rule matters and how to fix what it finds (same as `rules explain`).

    \b
    Examples:
      patlint explain github-classic-pat
      patlint explain no-expiration
    """
    _explain(rule_id)
    return EXIT_CLEAN


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
