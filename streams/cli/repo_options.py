"""Click options shared by every command that reads base repositories.

``@base_repo_options`` adds::

    --repo NAME=URL        (repeatable) replace the target's base repos with these
    --base snapshot|live   embedded snapshot (default) or Fedora's repos over the network
    --offline              use only cached repository data; never touch the network

and passes ``repos`` (tuple of RepoSpec), ``base`` and ``offline`` to the command.  Then::

    specs = base_specs(target, repos=repos, base=base)
    base = BaseRepos.load(specs, arch=target.arch, offline=offline)

The default ``--base`` is ``snapshot`` for now: it works without network and gives reproducible
locks; ``live`` reads the target's ``fedora`` and ``updates`` metalinks.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from streams.errors import StreamsError
from streams.solver.repos import BaseChoice, RepoSpec, parse_repo_options, target_specs
from streams.targets import Target

F = TypeVar("F", bound=Callable[..., Any])


def _parse_repos(
    _ctx: click.Context, param: click.Parameter, value: tuple[str, ...]
) -> tuple[RepoSpec, ...]:
    try:
        return tuple(parse_repo_options(value))
    except StreamsError as exc:
        # click reports BadParameter with exit code 2 and the usage line
        text = exc.message.removeprefix("--repo: ")
        if exc.hint:
            text += f" ({exc.hint})"
        raise click.BadParameter(text, param=param) from exc


def base_repo_options(func: F) -> F:
    """Add ``--repo``, ``--base`` and ``--offline`` to a command (see the module docstring)."""
    func = click.option(
        "--offline",
        is_flag=True,
        help="Use only cached repository data (fails, saying so, when a repo was never cached).",
    )(func)
    func = click.option(
        "--base",
        type=click.Choice(["snapshot", "live"]),
        default="snapshot",
        show_default=True,
        help="Base repositories: the snapshot embedded in streams, or Fedora's live "
        "repositories (fedora + updates metalinks) over the network.",
    )(func)
    func = click.option(
        "--repo",
        "repos",
        multiple=True,
        metavar="NAME=URL",
        callback=_parse_repos,
        help="A base repository (repeatable); replaces the target's default ones. URL is a "
        "directory, file://, http(s):// baseurl, or a metalink URL ('metalink+' forces it).",
    )(func)
    return func


def base_specs(
    target: Target, *, repos: tuple[RepoSpec, ...] = (), base: str = "snapshot"
) -> list[RepoSpec]:
    """The RepoSpecs to load for ``target`` from the parsed option values."""
    choice: BaseChoice = "live" if base == "live" else "snapshot"
    return target_specs(target, base=choice, repos=repos)
