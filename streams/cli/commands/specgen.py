"""``streams specgen RECIPE [--target T] [-o DIR]``: spec files and sources from the lock."""

from __future__ import annotations

from pathlib import Path

import click

from streams.cli.common import lock_file_option, seed_option, select_variant, variant_option
from streams.cli.params import echo_json, json_option, progress_enabled
from streams.lock import require_lock
from streams.recipe import find_recipe, load_recipe
from streams.sources import SourceInfoStore
from streams.specgen import SpecPlan, Summary, plan_recipe_target, write_output


@click.command("specgen")
@click.argument("recipe")
@click.option(
    "--target",
    "-t",
    "target",
    metavar="TARGET",
    help="Target (default: the first "
    "of the recipe's targets in the lock; 'host' for this machine).",
)
@click.option(
    "-o",
    "--output",
    "output",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Output directory (default: ./specgen/NAME/TARGET); gets SPECS/ and SOURCES/.",
)
@lock_file_option
@variant_option
@click.option("--no-sources", is_flag=True, help="Write SPECS/ only; fetch no sources.")
@seed_option
@click.option("-j", "--jobs", default=8, show_default=True, help="Parallel downloads.")
@json_option
def command(
    recipe: str,
    target: str | None,
    output: Path | None,
    lock_file: Path | None,
    variant: str | None,
    no_sources: bool,
    seeds: tuple[Path, ...],
    jobs: int,
    as_json: bool,
) -> None:
    """Write the spec files of RECIPE's stream, and fetch their sources.

    One spec per bundled distribution (NAME-stream-python3-DIST), NAME-stream-runtime and
    NAME-stream.  Reads only the lock (and the cache): run `streams lock` first.  The
    changelog date is SOURCE_DATE_EPOCH when set, else 2000-01-01, so the same lock always
    gives the same bytes.
    """
    rec = load_recipe(find_recipe(recipe))
    lock = require_lock(rec, lock_file)
    rec, lock = select_variant(rec, lock, variant)
    plan = plan_recipe_target(rec, lock, target, SourceInfoStore(seeds=seeds))
    out = output or Path("specgen") / rec.name / plan.target
    summary = _write(plan, out, not no_sources, jobs, progress_enabled() and not as_json)
    if as_json:
        echo_json(summary.to_dict())
        return
    _print(summary)


def _write(plan: SpecPlan, out: Path, sources: bool, jobs: int, progress: bool) -> Summary:
    if not progress or not sources:
        return write_output(plan, out, sources=sources, workers=jobs)
    from rich.progress import Progress

    total = sum(1 for s in plan.specs if s.source)
    with Progress(transient=True) as bar:
        task = bar.add_task("sources", total=total)
        return write_output(
            plan,
            out,
            sources=True,
            workers=jobs,
            progress=lambda _name: bar.advance(task),
        )


def _print(summary: Summary) -> None:
    click.echo(f"{len(summary.specs)} specs for {summary.target} in {summary.output}/SPECS")
    width = max(len(k) for k in summary.licenses) if summary.licenses else 0
    for name, lic in summary.licenses.items():
        click.echo(f"  {name:<{width}}  {lic}")
    if summary.sources:
        click.echo(f"{len(summary.sources)} sources in {summary.output}/SOURCES")
    if summary.warnings:
        click.echo(f"{len(summary.warnings)} warnings:")
        for w in summary.warnings:
            click.echo(f"  - {w}")
