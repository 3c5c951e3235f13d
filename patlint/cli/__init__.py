"""Command line: one module per command, registered on the group here; the entry points.

Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage or configuration error,
3 unexpected error (run again with --debug for the traceback), 130 interrupted, 143 terminated
(SIGTERM).
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

import click

from patlint.cli.common import EXIT_CLEAN, EXIT_INTERRUPTED, EXIT_TERMINATED, EXIT_USAGE, cli

__all__ = ["cli", "entry", "main"]

# The commands: name -> "module:attribute", one module per command (`explain` is a shortcut
# for `rules explain`). Each is imported only when it runs (or for --help and completion).
COMMANDS: dict[str, str] = {
    "scan": "patlint.cli.scan:scan",
    "rules": "patlint.cli.rules:rules",
    "explain": "patlint.cli.rules:explain",
    "baseline": "patlint.cli.baseline:baseline",
    "revoke": "patlint.cli.revoke:revoke",
    "org": "patlint.cli.org:org",
    "merge": "patlint.cli.merge:merge",
    "ci": "patlint.cli.ci:ci",  # hidden: the glue of action.yml, the GitLab template, pre-push
}
cli.registry = COMMANDS


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
        from patlint.cli.hookargs import rewrite

        rv = cli.main(
            args=rewrite(sys.argv[1:] if argv is None else argv),
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
