"""The ``streams`` command line.

One click group; every subcommand lives in its own module under :mod:`streams.cli.commands` and
exposes a ``command`` attribute (a click command or group).  Third-party packages can add
commands through the ``streams.commands`` entry-point group.  Commands only parse, call one
library function and render; all logic lives in the library.
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import pkgutil
import sys
import traceback
from pathlib import Path
from typing import Any

import click

from streams import __version__
from streams.errors import EXIT_INTERNAL, StreamsError

log = logging.getLogger("streams")


class Context:
    """Global options shared by every subcommand (``click.get_current_context().obj``)."""

    def __init__(self, *, verbose: int, debug: bool, quiet: bool, log_file: Path) -> None:
        self.verbose = verbose
        self.debug = debug
        self.quiet = quiet
        self.log_file = log_file
        self.json = False  # set by commands run with --json, so errors come out as JSON too


def _default_log_file() -> Path:
    from streams.infra.fsutil import state_dir

    return state_dir() / "streams.log"


def _setup_logging(verbose: int, debug: bool, log_file: Path) -> None:
    root = logging.getLogger("streams")
    root.setLevel(logging.DEBUG)
    root.handlers.clear()
    console = logging.StreamHandler(sys.stderr)
    console.setLevel(
        logging.DEBUG if debug or verbose > 1 else logging.INFO if verbose else logging.WARNING
    )
    console.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
    root.addHandler(console)
    try:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        fh = logging.FileHandler(log_file, encoding="utf-8")
    except OSError:
        return
    fh.setLevel(logging.DEBUG)
    fh.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    root.addHandler(fh)


class StreamsGroup(click.Group):
    """A group whose subcommands are imported only when used, so start-up stays fast.

    Built-in commands are the modules of :mod:`streams.cli.commands` (module ``foo_bar`` is
    command ``foo-bar``, exposing ``command``); plugins come from the ``streams.commands``
    entry-point group.
    """

    def _builtin(self) -> dict[str, str]:
        from streams.cli import commands

        return {
            m.name.replace("_", "-"): f"streams.cli.commands.{m.name}"
            for m in pkgutil.iter_modules(commands.__path__)
            if not m.name.startswith("_")
        }

    def _plugins(self) -> dict[str, Any]:
        from importlib.metadata import entry_points  # only when a name is not built in

        return {ep.name: ep for ep in entry_points(group="streams.commands")}

    def list_commands(self, ctx: click.Context) -> list[str]:
        extra: dict[str, click.Command] = getattr(self, "_extra", {})
        return sorted(set(self._builtin()) | set(self._plugins()) | set(extra))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        extra: dict[str, click.Command] = getattr(self, "_extra", {})
        if cmd_name in extra:
            return extra[cmd_name]
        module = self._builtin().get(cmd_name)
        if module is not None:
            cmd = getattr(importlib.import_module(module), "command", None)
            return cmd if isinstance(cmd, click.Command) else None
        ep = self._plugins().get(cmd_name)
        if ep is None:
            return None
        try:
            loaded = ep.load()
        except Exception as exc:  # a broken plugin must not break streams
            log.warning("could not load plugin command %s: %s", cmd_name, exc)
            return None
        return loaded if isinstance(loaded, click.Command) else None

    def add_extra(self, cmd: click.Command) -> None:
        """Register a command object directly (tests, embedding)."""
        extra: dict[str, click.Command] = getattr(self, "_extra", {})
        extra[cmd.name or ""] = cmd
        self._extra = extra


@click.group(cls=StreamsGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="streams")
@click.option("-v", "--verbose", count=True, help="More output on stderr (repeat for debug).")
@click.option("-q", "--quiet", is_flag=True, help="No progress output.")
@click.option("--debug", is_flag=True, help="Debug logging; re-raise internal errors.")
@click.option(
    "--log-file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Debug log file (default: $XDG_STATE_HOME/streams/streams.log).",
)
@click.pass_context
def cli(ctx: click.Context, verbose: int, quiet: bool, debug: bool, log_file: Path | None) -> None:
    """streams: isolated dependency streams for Fedora.

    A recipe pins what an application needs; streams resolves the closure, reuses every
    compatible Fedora package, bundles the rest as prefixed RPMs under an isolated root and
    builds them in dependency order.

    \b
    Exit codes:
      0 success
      1 a check or another expected step failed
      2 bad input (recipe, target, usage)
      3 unsatisfiable dependencies
      4 build failed
      5 remote service unavailable
      70 internal error (a bug: the traceback is in the log file)
    """
    log_file = log_file or _default_log_file()
    _setup_logging(verbose, debug, log_file)
    ctx.obj = Context(verbose=verbose, debug=debug, quiet=quiet, log_file=log_file)


def _emit_error(exc: StreamsError, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(exc.to_dict(), indent=2, sort_keys=True))
    text = exc.render()
    first, _, rest = text.partition("\n")
    click.echo(f"error: {first}", err=True)
    if rest:
        click.echo(rest, err=True)


def main(argv: list[str] | None = None) -> int:
    """Console-script entry point: user errors become a message and an exit code."""
    ctx: click.Context | None = None
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        ctx = cli.make_context("streams", args)
        with ctx:
            cli.invoke(ctx)
        return 0
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        return 130
    except StreamsError as exc:
        obj = _obj(ctx)
        log.debug("%s", "".join(traceback.format_exception(exc)))
        if obj is not None and obj.debug:
            raise
        _emit_error(exc, bool(obj and obj.json))
        return exc.exit_code
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        return 130
    except BrokenPipeError:
        # the reader went away (`streams show vllm | head`): not an error of ours.  Point
        # stdout at /dev/null so the interpreter's final flush does not fail again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141
    except Exception as exc:
        obj = _obj(ctx)
        if obj is not None and obj.debug:
            raise
        log_file = obj.log_file if obj else _default_log_file()
        log.debug("internal error", exc_info=exc)  # file only, unless -vv
        click.echo(
            f"internal error: {type(exc).__name__}: {exc}\n"
            f"  the traceback is in {log_file}; please report it with that file",
            err=True,
        )
        return EXIT_INTERNAL


def _obj(ctx: click.Context | None) -> Context | None:
    return ctx.obj if ctx is not None and isinstance(ctx.obj, Context) else None


def run() -> None:
    sys.exit(main())
