"""`patlint scan --pre-commit`: the command line pre-commit builds, split where it must be.

pre-commit runs `entry + args + file names`, with no `--` before the names: a staged file
named `--help`, `--fail-on=critical`, `--config=.c.yaml` or `-` was read as an option (the
commit went through with a token in it, or the tree's own config became the trusted one). The
file names are the longest tail of the line whose items all exist as paths (pre-commit only
passes files that exist); when the user's last argument is an option that takes a value, the
first of them is that value. A tree can make the tail longer (a file named like one of the
user's arguments), which only drops the user's options, never adds one; since dropping some
(`--no-repo-config`, `--config F`) would loosen the scan, a file named like an option of
`patlint scan` is refused (exit 2, nothing scanned). The hook is offline unless the user's
arguments say `--verify`, and a `--` is put before the file names.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

MARK = "--pre-commit"
VERIFY = "--verify"


def rewrite(args: Sequence[str]) -> list[str]:
    """`scan --pre-commit USER_ARGS FILES` as `scan --no-progress [--offline] USER_ARGS --
    FILES` (a file name starting with `-` as `./-…`); any other command line unchanged."""
    if list(args[:2]) != ["scan", MARK]:
        return list(args)
    user, files = split(args[2:], _value_options())
    named = [f for f in files if f.split("=", 1)[0] in _all_options()]
    if named:
        # A staged file named like an option could have taken the place of the user's own
        # (`--no-repo-config`, `--config F`): the tail cannot tell them apart, so refuse.
        import click

        # only the option part: the rest of the name is the tree's, and this message is
        # printed before the redacting, log-safe writers are in place
        shown = ", ".join(sorted({f.split("=", 1)[0] for f in named}))
        raise click.UsageError(
            f"a file to scan is named like an option of patlint scan ({shown}): it could "
            "stand for one of the hook's own arguments; rename it (nothing was scanned)"
        )
    online = VERIFY in user
    user = [a for a in user if a not in (VERIFY, "--offline")]  # said once, below
    paths = [f"./{f}" if f.startswith("-") else f for f in files]  # `-` is no stdin here
    return ["scan", "--no-progress", *([] if online else ["--offline"]), *user, "--", *paths]


def split(args: Sequence[str], takes_value: frozenset[str]) -> tuple[list[str], list[str]]:
    """(the user's arguments, the file names) of `args` (see the module's docstring)."""
    i = len(args)
    while i > 0 and os.path.lexists(args[i - 1]):
        i -= 1
    if 0 < i < len(args) and args[i - 1] in takes_value:
        i += 1  # `--baseline b.json`: b.json exists, yet it is the option's value
    return list(args[:i]), list(args[i:])


def _all_options() -> frozenset[str]:
    """Every option name of `patlint scan` (`--config`, `--no-repo-config`, `-o`, …)."""
    import click

    from patlint.cli.scan import scan

    names = {
        o for p in scan.params if isinstance(p, click.Option) for o in (*p.opts, *p.secondary_opts)
    }
    return frozenset(names | {VERIFY, "--help", "-h"})  # help is added by click, not a param


def _value_options() -> frozenset[str]:
    """The options of `patlint scan` that take a value (`--baseline FILE`, `-o FILE`, …)."""
    import click

    from patlint.cli.scan import scan

    return frozenset(
        opt
        for p in scan.params
        if isinstance(p, click.Option) and not p.is_flag and not p.count
        for opt in p.opts
    )
