"""``streams base query``: what the base repositories provide for a dependency.

A debugging aid for packagers, and the way tests and reviewers see what the loader sees.
"""

from __future__ import annotations

import platform

import click

from streams.cli.params import echo_json, json_option
from streams.cli.repo_options import base_repo_options, base_specs
from streams.errors import UsageError
from streams.solver.query import check_dep, query_many
from streams.solver.repos import BaseRepos, RepoSpec
from streams.targets import ARCHES, get_target, target_names


@click.group("base")
def command() -> None:
    """Inspect the base repositories (Fedora) that streams solves against."""


@command.command("query")
@click.option(
    "--target",
    "-t",
    "target_name",
    metavar="TARGET",
    default=None,
    help="Target whose base repos to read, e.g. fedora-45-x86_64. Required unless --repo is "
    "given (then the architecture defaults to this machine's).",
)
@base_repo_options
@json_option
@click.argument("deps", nargs=-1, required=True, metavar="DEP...")
def query_command(
    target_name: str | None,
    repos: tuple[RepoSpec, ...],
    base: str,
    offline: bool,
    as_json: bool,
    deps: tuple[str, ...],
) -> None:
    """Print the providers of each DEP as NEVRAs with their repository.

    DEP is a package name (python3-torch), a file path (/usr/bin/python3), a provide
    (python3dist(torch)), a versioned dependency ('python3dist(numpy) >= 2') or a rich one
    ('(python3dist(a) >= 1 with python3dist(a) < 2)'). Quote it for the shell.

    \b
    The default base is the snapshot embedded in streams (offline; rawhide on the release's
    branch day, Requires derived from PyPI metadata: see docs/snapshots.md). --base live reads
    Fedora's repositories; --repo NAME=URL replaces them.

    \b
    Exit codes: 0 every DEP has a provider; 1 some DEP has none (named on stderr);
    2 an unparseable DEP, an unknown target, or no --target and no --repo.
    """
    if target_name is None and not repos:
        raise UsageError(
            "streams base query needs --target (or --repo NAME=URL)",
            hint=f"e.g. --target fedora-45-x86_64; targets: {', '.join(target_names())}",
        )
    if target_name is not None:
        target = get_target(target_name)
        specs = base_specs(target, repos=repos, base=base)
        arch = target.arch
    else:
        specs = list(repos)
        arch = platform.machine() if platform.machine() in ARCHES else "x86_64"
    import solv

    # Parse every DEP before loading anything: a typo should not cost a repository download.
    scratch = solv.Pool()
    for d in deps:
        check_dep(scratch, d)
    paths = any(d.strip().startswith("/") for d in deps)
    loaded = BaseRepos.load(specs, arch=arch, offline=offline, filelists=paths)
    results = query_many(loaded.pool, deps)

    if as_json:
        echo_json([r.to_dict() for r in results])
    else:
        for r in results:
            click.echo(f"{r.dep}:")
            if not r.providers:
                click.echo("  (nothing provides it)")
            width = max((len(p.nevra) for p in r.providers), default=0)
            for p in r.providers:
                click.echo(f"  {p.nevra.ljust(width)}  {p.repo}")
    missing = [r.dep for r in results if not r.providers]
    if missing:
        click.echo(f"error: nothing provides {', '.join(missing)}", err=True)
        click.get_current_context().exit(1)
