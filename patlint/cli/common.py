"""Shared by every command: the exit-code contract, the click group (the redaction boundary
for stdout and stderr), and output helpers (reports written atomically, progress).

Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage or configuration error,
3 unexpected error (run again with --debug for the traceback), 130 interrupted, 143 terminated
(SIGTERM).
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Mapping, Sequence
from typing import Any, TextIO, cast

import click

from patlint import __version__
from patlint.errors import ConfigError, PatlintError
from patlint.redaction import RedactingWriter, Redactor, redact_text

SEVERITIES = ["info", "low", "medium", "high", "critical"]


EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE, EXIT_ERROR, EXIT_INTERRUPTED = 0, 1, 2, 3, 130


EXIT_TERMINATED = 143  # SIGTERM: 128 + 15, as a shell reports it


VERDICT = "patlint.exit_code"  # ctx.meta key: the exit code a command settled before writing
STARTED = "patlint.started"  # ctx.meta key: when the command started (time.time())


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
    runs, by patlint or by click, passes the run's `Redactor` (`_redactor()`).

    Its commands come from `registry` (name: "module:attribute", see patlint/cli/__init__.py):
    a command's module is imported when the command is asked for, so a run imports only its own.
    """

    registry: Mapping[str, str] = {}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.registry})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        where = self.registry.get(cmd_name)
        if where is None:
            return super().get_command(ctx, cmd_name)
        import importlib

        module, _, attr = where.partition(":")
        command: click.Command = getattr(importlib.import_module(module), attr)
        return command

    def main(self, *args: Any, **kwargs: Any) -> Any:
        redactor = Redactor()
        kwargs.setdefault("obj", redactor)  # commands find it with `_redactor()`
        out, err = sys.stdout, sys.stderr
        sys.stdout = cast(TextIO, RedactingWriter(out, redactor, log=True))
        sys.stderr = cast(TextIO, RedactingWriter(err, redactor, log=True))
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
        ctx.meta.setdefault(STARTED, time.time())
        try:
            code = super().invoke(ctx)
            if isinstance(code, int) and not isinstance(code, bool):
                ctx.exit(code)  # each command returns its exit code
            return code
        except ConfigError as exc:
            click.echo(f"patlint: error: {_one_line(exc)}", err=True)
            ctx.exit(EXIT_USAGE)
        except PatlintError as exc:
            click.echo(f"patlint: error: {_one_line(exc)}", err=True)
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

                # an error's redactor: it may quote a legacy token nobody found (a 40-hex)
                trace = "".join(traceback.format_exception(exc)).rstrip("\n")
                click.echo(redact_text(trace), err=True)
                ctx.exit(EXIT_ERROR)
            name = ctx.invoked_subcommand or "<command>"
            click.echo(
                f"patlint: unexpected error: {exc.__class__.__name__}: {_one_line(exc)}"
                f" (for the traceback, run again as `patlint --debug {name} …`)",
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


def _one_line(exc: BaseException) -> str:
    """An error's message, redacted, on one line: it may quote the scanned tree (a config key, a
    file name), whose line breaks and control characters are shown escaped, never written."""
    from patlint.report.common import safe

    return safe(redact_text(str(exc)))


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
    reports: Sequence[tuple[str, str]] = (),
    *,
    base: str | None = ".",
    hook: str = "",
) -> None:
    """Write the report (`fmt` to `output` or stdout), each extra `(format, file)` report, and
    the job summary when GitHub Actions asks for one."""
    from patlint.report import renderer
    from patlint.report.common import ReportMeta

    ctx = click.get_current_context(silent=True)
    started = ctx.meta.get(STARTED) if ctx is not None else None
    meta = ReportMeta(
        version=__version__,
        config_source=config.source,
        config_narrowed=config.narrowed,
        fail_on=fail_on,
        exit_code=code,
        verification=verification,
        rules={r.id: r for r in ruleset.known},
        started_at=started if isinstance(started, float) else None,
        commit=_ci_commit(),
        base=base,
        hook=hook,
        redact=_redactor(),
    )
    # legacy 40-hex: known, not by shape (a token read back from a report has no plaintext)
    _redactor().learn(t.secret for t in result.tokens if not t.secret.sealed)
    # and a token only a place rule knows (the checkout's ghs_ it absorbs is in no Token)
    _redactor().learn(
        p.secret for p in result.places if p.secret is not None and not p.secret.sealed
    )

    def write(fmt: str, path: str | None) -> None:
        module = renderer(fmt)
        kwargs: dict[str, Any] = {"meta": meta}
        if fmt == "text":
            kwargs["verbose"] = verbose
            if not path:
                kwargs["color"] = use_color(sys.stdout)
                kwargs["width"] = text_width(sys.stdout)
        if path:
            _write_atomic(path, lambda s: module.render(result, stream=s, **kwargs), fmt)
        else:
            stdout_form(fmt, commands=fmt == "github")
            module.render(result, stream=sys.stdout, **kwargs)
            sys.stdout.flush()  # here, where a reader gone away (broken pipe) is handled

    for extra_fmt, extra_path in reports:
        write(extra_fmt, extra_path)
    write(fmt, output)
    if output and fmt != "text":
        from patlint.report.common import summary_line

        click.echo(summary_line(result, meta), err=True)
    step_summary(result, meta)


def stdout_form(fmt: str, *, commands: bool = False) -> None:
    """Say what stdout carries from now on: report format `fmt` (its notation decides how a
    runner command in it is escaped, `cilog`), and whether workflow commands of our own
    (`--format github`, `ci github`) may start a line."""
    from patlint.cilog import form_of

    if isinstance(sys.stdout, RedactingWriter):
        sys.stdout.flush()  # what was written before keeps the form it was written in
        sys.stdout.form = form_of(fmt)
        sys.stdout.commands = commands


def _ci_commit() -> str | None:
    """The commit a CI job checked out (GitLab's CI_COMMIT_SHA), for reports that must name one."""
    sha = os.environ.get("CI_COMMIT_SHA", "")
    return sha.lower() if len(sha) in (40, 64) and all(c in HEX for c in sha.lower()) else None


HEX = frozenset("0123456789abcdef")


def step_summary(result: Any, meta: Any) -> None:
    """Append the Markdown job summary to `$GITHUB_STEP_SUMMARY` when it is set (GitHub
    Actions sets it for every step), redacted like every other output and within the 1 MiB
    GitHub accepts per step; trouble is a warning on stderr, never a failed scan."""
    path = os.environ.get("GITHUB_STEP_SUMMARY")
    if not path:
        return
    import stat

    from patlint.report.markdown import LIMIT, build

    flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags, 0o644)
    except OSError as exc:
        click.echo(f"patlint: warning: job summary {path}: {exc.strerror or exc}", err=True)
        return
    with os.fdopen(fd, "wb") as stream:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            click.echo(f"patlint: warning: job summary {path}: not a regular file", err=True)
            return
        budget = LIMIT - st.st_size - 1
        text = _redactor()(build(result, meta, budget=budget))
        data = ("\n" if st.st_size else "").encode() + text.encode("utf-8")
        if len(data) > budget:
            click.echo(
                f"patlint: warning: job summary {path}: no room left "
                f"(GitHub accepts {LIMIT // 1024} KiB per step, {st.st_size} bytes used)",
                err=True,
            )
            return
        try:
            stream.write(data)
            stream.flush()
        except OSError as exc:
            click.echo(f"patlint: warning: job summary {path}: {exc.strerror or exc}", err=True)


def use_color(stream: Any) -> bool:
    """Colour for a terminal: never with NO_COLOR (any value) or TERM=dumb; always with
    FORCE_COLOR (any value but empty or 0), e.g. in CI logs that render ANSI colours."""
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR", "") not in ("", "0"):
        return True
    if os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def text_width(stream: Any, widest: int = 120) -> int:
    """Columns for the text report: `widest`, or a narrower terminal (`COLUMNS` counts)."""
    isatty = getattr(stream, "isatty", None)
    if not (isatty and isatty()):
        return widest
    import shutil

    return max(60, min(widest, shutil.get_terminal_size((widest, 24)).columns))


def _write_atomic(path: str, write: Any, fmt: str = "text") -> None:
    """Write via a temporary file and rename, so no half-written report is left behind.

    Only regular files (or new paths) are replaced: `-o /dev/null`, a FIFO or a terminal is
    written in place, never swapped for a regular file. What is written passes the redactor;
    written in place to our own stdout or stderr (`--report json=/dev/stdout`), it is the log,
    and passes `cilog` too, in the notation of `fmt`.
    """
    from patlint.cilog import form_of

    redactor = _redactor()

    def redacted(stream: TextIO, log: bool = False) -> None:
        redacting = RedactingWriter(stream, redactor, log=log)
        redacting.form, redacting.commands = form_of(fmt), fmt == "github"
        write(cast(TextIO, redacting))
        redacting.flush()

    if _in_place(path):
        fd = _open_in_place(path)
        with os.fdopen(fd, "w", encoding="utf-8") as stream:
            redacted(stream, log=_is_our_log(fd))
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


_NONBLOCK = getattr(os, "O_NONBLOCK", 0)  # not on Windows, which has no FIFOs to wait on


def _is_our_log(fd: int) -> bool:
    """Whether `fd` is the file behind our stdout or stderr (`/dev/stdout`, `/proc/self/fd/2`)."""
    try:
        st = os.fstat(fd)
        ours = [os.fstat(n) for n in (1, 2)]
    except OSError:
        return False
    return any((st.st_dev, st.st_ino) == (o.st_dev, o.st_ino) for o in ours)


def _in_place(path: str) -> bool:
    """True for an output written in place (`/dev/null`, a FIFO, a terminal, `/dev/stdout`);
    False for a regular file or a new path, replaced whole. A link is written through only
    when it is the system's (`/dev/…`, `/proc/…`): a link in a checkout (`fleet.json ->
    ~/.ssh/authorized_keys`, `-> /dev/sda`) is replaced, nothing is written where it points."""
    import stat

    try:
        link = os.lstat(path)
        st = os.stat(path) if stat.S_ISLNK(link.st_mode) else link
    except OSError:
        return False
    if stat.S_ISREG(st.st_mode):
        return False
    return not stat.S_ISLNK(link.st_mode) or os.path.abspath(path).startswith(("/dev/", "/proc/"))


def _open_in_place(path: str, wait: float = 5.0) -> int:
    """Open an output written in place without blocking: a FIFO nobody reads is an error
    after `wait` seconds (a reader may still be starting), not a run that never ends."""
    import errno

    deadline = time.monotonic() + wait
    while True:
        try:
            fd = os.open(path, os.O_WRONLY | _NONBLOCK | getattr(os, "O_CLOEXEC", 0))
        except OSError as exc:
            if exc.errno != errno.ENXIO:
                raise
            if time.monotonic() >= deadline:
                raise ConfigError(
                    f"{path}: a FIFO nobody reads; the report was not written"
                ) from None
            time.sleep(0.05)
            continue
        if _NONBLOCK:
            os.set_blocking(fd, True)
        return fd


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
    if _in_place(path):
        return  # /dev/null, a FIFO, a terminal: written in place (see _write_atomic)
    if existing is not None and not stat.S_ISREG(existing.st_mode):
        existing = None  # a link to a device or FIFO: the link is replaced
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
    if existing is not None and not os.path.islink(path) and not os.access(path, os.W_OK):
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
