"""``streams lint RECIPE``: rpmlint with Fedora's configuration on the specs and built RPMs."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import click
from rich.markup import escape

from streams.builders.workspace import Workspace
from streams.checks.lint import PARTS, LintReport, lint_files, stream_files
from streams.cli.common import open_recipe, stdout_console
from streams.cli.params import echo_json, json_option
from streams.errors import CheckFailed, UsageError
from streams.targets import get_target

_SEV_STYLE = {"E": "bold red", "W": "yellow", "I": "dim"}


def _default_target(ws: Workspace, targets: Sequence[str]) -> str:
    """``host`` when it was built, else the first recipe target that has outputs."""
    for name in ["host", *targets]:
        if ws.target(name).is_dir():
            return name
    raise UsageError(
        f"nothing to lint: {ws.root} holds no target ({', '.join(['host', *targets])})",
        hint="run streams specgen RECIPE or streams build RECIPE first, or give --target",
    )


def _render(report: LintReport, verbose: bool) -> None:
    out = stdout_console()
    for origin, findings in report.by_origin().items():
        shown = [f for f in findings if verbose or f.accepted is None]
        if not shown:
            continue
        errors = sum(f.is_error for f in findings)
        warns = sum(f.severity == "W" for f in findings)
        head = f"{errors} errors, {warns} warnings"
        out.print(f"[bold]{escape(origin)}[/bold]: {head}")
        for f in shown:
            style = _SEV_STYLE[f.severity] if f.accepted is None else "dim"
            tag = f" (accepted: {f.accepted})" if f.accepted else ""
            text = f"  {f.severity}: {f.check}{' ' + f.detail if f.detail else ''}{tag}"
            out.print(f"[{style}]{escape(text)}[/{style}]", soft_wrap=True)
    accepted = report.accepted
    if accepted:
        out.print("accepted by design (--verbose lists them):")
        reasons = {r.name: r for r in report.rules}
        for name, count in sorted(
            {
                f.accepted: sum(1 for g in accepted if g.accepted == f.accepted) for f in accepted
            }.items()
        ):
            assert name is not None
            rule = reasons[name]
            out.print(f"  {rule.check} x{count}: {escape(rule.reason)}")
    if report.warnings:
        classes = ", ".join(f"{c} x{n}" for c, n in report.classes(report.warnings))
        out.print(f"warnings: {escape(classes)} (see docs/specgen.md, rpmlint)")
    out.print(escape(report.summary()))


@click.command("lint")
@click.argument("recipe")
@click.option(
    "--target",
    "-t",
    default=None,
    metavar="TARGET",
    help="Target to lint (default: 'host' if it has outputs, else the first recipe target "
    "that has).",
)
@click.option(
    "--only",
    multiple=True,
    type=click.Choice(PARTS),
    help="Lint only these (repeatable; default: every spec, source RPM and RPM there is).",
)
@click.option(
    "--out",
    "out_root",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="The stream's output tree (default: out/NAME).",
)
@click.option("--verbose", "-v", is_flag=True, help="Also list the errors accepted by design.")
@json_option
def command(
    recipe: str,
    target: str | None,
    only: tuple[str, ...],
    out_root: Path | None,
    verbose: bool,
    as_json: bool,
) -> None:
    """Run rpmlint with Fedora's configuration on RECIPE's generated specs
    (out/NAME/TARGET/specs, so before a build), source RPMs and built RPMs
    (out/NAME/TARGET/rpms, after a build), and list its errors and warnings per package.

    rpmlint is the PyPI package installed with streams; its Fedora configuration is embedded
    (rpmlint's configs/Fedora). The errors a stream has by design (its prefix under /opt,
    scripts run by the prefix's interpreter, spell checking of names) are counted as accepted,
    each with its reason. Exit code 1 when rpmlint reports any other error.
    """
    rec = open_recipe(recipe)
    ws = Workspace(out_root) if out_root is not None else Workspace.default(rec.name)
    tname = get_target(target).name if target else _default_target(ws, rec.stream.targets)
    files = stream_files(ws.specs(tname), ws.srpms(tname), ws.rpms(tname))
    parts = only or PARTS
    chosen = {k: v for k, v in files.items() if k in parts}
    if not any(chosen.values()):
        raise UsageError(
            f"nothing to lint for {rec.name} ({tname}): no "
            + " or ".join(parts)
            + f" under {ws.target(tname)}",
            hint="run streams specgen RECIPE (specs) or streams build RECIPE (RPMs) first",
        )
    report = lint_files(rec.name, tname, rec.prefix, chosen)
    if as_json:
        echo_json(report.to_dict())
        if report.errors:
            raise click.exceptions.Exit(1)
        return
    _render(report, verbose)
    if report.errors:
        classes = ", ".join(f"{c} x{n}" for c, n in report.classes(report.errors))
        raise CheckFailed(f"rpmlint found {len(report.errors)} errors in {rec.name}: {classes}")
