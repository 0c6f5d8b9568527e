"""``streams check RECIPE``: firewall, coupling, conflicts, installability, install-and-run."""

from __future__ import annotations

from pathlib import Path

import click
from rich.markup import escape

from streams.builders.workspace import Workspace
from streams.checks import CHECK_NAMES, CheckReport, CheckReporter, CheckResult, StreamRepo
from streams.checks import check_stream as run_checks
from streams.checks.image_prefix import image_prefix_warnings
from streams.checks.rpms import find_rpms, read_rpm
from streams.cli.common import (
    open_recipe,
    stderr_console,
    stdout_console,
    variant_option,
    variant_recipe,
)
from streams.cli.params import echo_json, json_option, progress_enabled
from streams.cli.repo_options import base_repo_options, base_specs
from streams.errors import CheckFailed, UsageError
from streams.publish.manifests import FORMATS as MANIFEST_FORMATS
from streams.solver.repos import RepoSpec
from streams.targets import Target, get_target

_STYLE = {"passed": "green", "failed": "bold red", "skipped": "yellow"}


class _Progress(CheckReporter):
    def __init__(self) -> None:
        self.console = stderr_console()

    def started(self, name: str) -> None:
        self.console.print(escape(f"checking {name}..."))


def _other_stream(value: str, target: Target) -> StreamRepo:
    """``--with``: a published repository directory, or a recipe (default layout)."""
    path = Path(value)
    if path.is_dir() and (path / "repodata" / "repomd.xml").is_file():
        metas = sorted(
            {i.name for i in (read_rpm(p) for p in find_rpms(path)) if i.name.endswith("-stream")}
        )
        if len(metas) != 1:
            raise UsageError(
                f"--with {value}: expected one NAME-stream metapackage in the repository, "
                f"found {', '.join(metas) or 'none'}",
                hint="give the other stream's recipe instead",
            )
        return StreamRepo(metas[0].removesuffix("-stream"), path)
    if path.is_dir():
        raise UsageError(
            f"--with {value}: {path} is not a published repository (no repodata/repomd.xml)",
            hint="run streams publish for that stream, or give its recipe",
        )
    rec = open_recipe(value)  # its own error says when no such recipe exists
    return StreamRepo(
        rec.name,
        Workspace.default(rec.name).repo(target.name),
        rec.prefix,
        tuple(rec.stream.exports),
    )


def _render(report: CheckReport) -> None:
    out = stdout_console()
    for c in report.checks:
        style = _STYLE[c.status]
        out.print(f"[{style}]{c.status.upper():7}[/{style}] [bold]{escape(c.name)}[/bold]")
        if c.skipped:
            out.print(f"        {escape(c.skipped)}")
        for line in c.evidence:
            out.print(f"        {escape(line)}")


@click.command("check")
@click.argument("recipe")
@click.option(
    "--target",
    "-t",
    default=None,
    metavar="TARGET",
    help="Target to check (default: the recipe's first target).",
)
@click.option(
    "--repo-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="The published repository of the stream (default: out/NAME/TARGET/repo).",
)
@click.option(
    "--spec-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="The stream's spec files, read by the coupling check (default: "
    "out/NAME/TARGET/specs/SPECS, what streams build writes).",
)
@click.option(
    "--with",
    "with_",
    multiple=True,
    metavar="OTHER",
    help="Another stream to check side by side (repeatable): its repository directory, or "
    "its recipe (then out/OTHER/TARGET/repo).",
)
@click.option(
    "--only",
    multiple=True,
    type=click.Choice(CHECK_NAMES),
    help="Run only these checks (repeatable; default: all).",
)
@click.option("--strict", is_flag=True, help="A skipped check fails too.")
@click.option(
    "--manifest-format",
    "manifest_formats",
    multiple=True,
    type=click.Choice(MANIFEST_FORMATS),
    help="Also warn when the recipe's prefix is unsafe for images built with this "
    "`streams manifest` format (repeatable; warnings do not fail the check).",
)
@click.option(
    "--keep-root",
    is_flag=True,
    help="Keep the scratch install root of install-and-run (its path is in the evidence).",
)
@base_repo_options
@variant_option
@json_option
def command(
    recipe: str,
    target: str | None,
    repo_dir: Path | None,
    spec_dir: Path | None,
    with_: tuple[str, ...],
    only: tuple[str, ...],
    strict: bool,
    manifest_formats: tuple[str, ...],
    keep_root: bool,
    repos: tuple[RepoSpec, ...],
    base: str,
    offline: bool,
    variant: str | None,
    as_json: bool,
) -> None:
    """Check RECIPE's published repository: the provides firewall, the coupling rule (no
    stream package, RPM or spec, requires an exact version of a base package), file conflicts
    with the base and --with streams, installability (libsolv), and a real install into a
    scratch root that runs the exported commands and imports every bundled module
    (bubblewrap).

    Exit code 1 when a check fails; each check prints its evidence either way.
    """
    rec = variant_recipe(open_recipe(recipe), variant)
    tgt = get_target(target or rec.stream.targets[0])
    stream = StreamRepo(
        rec.name,
        repo_dir or Workspace.default(rec.name).repo(tgt.name),
        rec.prefix,
        tuple(rec.stream.exports),
    )
    warnings = [w for f in manifest_formats for w in image_prefix_warnings(rec, f)]
    for w in warnings:
        click.echo(f"warning: {w.render()}", err=True)
    others = [_other_stream(w, tgt) for w in with_]
    report = run_checks(
        stream,
        base_specs(tgt, repos=repos, base=base),
        arch=tgt.arch,
        with_streams=others,
        offline=offline,
        releasever=str(tgt.release.number) if tgt.release else "host",
        checks=only or CHECK_NAMES,
        keep_root=keep_root,
        reporter=_Progress() if progress_enabled() else None,
        spec_dir=spec_dir or Workspace.default(rec.name).specs(tgt.name) / "SPECS",
    )
    bad: list[CheckResult] = [
        c for c in report.checks if c.status == "failed" or (strict and c.status == "skipped")
    ]
    if as_json:
        echo_json({**report.to_dict(), "warnings": [w.to_dict() for w in warnings]})
        if bad:
            raise click.exceptions.Exit(1)
        return
    _render(report)
    if bad:
        raise CheckFailed(
            f"{len(bad)} of {len(report.checks)} checks of {rec.name} failed: "
            + ", ".join(c.name for c in bad)
        )
