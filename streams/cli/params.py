"""Shared click parameters and output helpers for the subcommands."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


def _set_json(ctx: click.Context, _param: click.Parameter, value: bool) -> bool:
    if value and ctx.obj is not None and hasattr(ctx.obj, "json"):
        ctx.obj.json = True
    return value


def json_option(func: F) -> F:
    """``--json``: one JSON document on stdout (errors too), no colour or progress."""
    return click.option(
        "--json",
        "as_json",
        is_flag=True,
        is_eager=True,
        callback=_set_json,
        expose_value=True,
        help="Print one JSON document on stdout instead of human output.",
    )(func)


def target_option(multiple: bool = True) -> Callable[[F], F]:
    """``--target T`` (repeatable): a recipe target name or ``host``."""

    def deco(func: F) -> F:
        return click.option(
            "--target",
            "-t",
            "targets" if multiple else "target",
            multiple=multiple,
            metavar="TARGET",
            help="Target such as fedora-45-x86_64, or 'host' for this machine"
            + (" (repeatable; default: all the recipe's targets)." if multiple else "."),
        )(func)

    return deco


def echo_json(data: Any) -> None:
    """Print ``data`` as indented, key-sorted JSON on stdout."""
    click.echo(json.dumps(data, indent=2, sort_keys=True, default=str))


def _progress_wanted() -> bool:
    ctx = click.get_current_context(silent=True)
    obj = ctx.find_root().obj if ctx is not None else None
    return not (obj is not None and (getattr(obj, "quiet", False) or getattr(obj, "json", False)))


def progress_enabled() -> bool:
    """Whether rich progress may be shown: stderr is a TTY, and neither --quiet nor --json."""
    import sys

    return _progress_wanted() and sys.stderr.isatty()


def progress_lines_enabled() -> bool:
    """Whether plain progress lines go to stderr instead: it is not a TTY (a CI log, a pipe),
    and neither --quiet nor --json.  One line per event, so such logs do not stay empty."""
    import sys

    return _progress_wanted() and not sys.stderr.isatty()


def progress_line(text: str) -> None:
    """One plain progress line on stderr, flushed at once (CI logs show it as it happens)."""
    import sys

    click.echo(text, err=True)
    sys.stderr.flush()
