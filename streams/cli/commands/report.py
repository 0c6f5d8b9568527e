"""``streams report RECIPE -o FILE``: one self-contained HTML page of the lock, per stream."""

from __future__ import annotations

from pathlib import Path

import click

from streams.cli.common import lock_file_option, open_lock, open_recipe
from streams.errors import UsageError
from streams.infra.fsutil import atomic_write_text
from streams.lock import Lock
from streams.publish.report import Closure, DriftMap, render_report, select_closures
from streams.recipe import Recipe


@click.command("report")
@click.argument("recipe")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="The HTML file to write (one page, viewable offline).",
)
@click.option(
    "--target",
    "-t",
    "targets",
    multiple=True,
    metavar="TARGET",
    help="Target to report (repeatable; default: every locked one).",
)
@click.option(
    "--variant",
    "variants",
    multiple=True,
    metavar="VARIANT",
    help="Variant to report ([variants.NAME], repeatable; default: every locked one).",
)
@click.option(
    "--drift/--no-drift",
    default=False,
    show_default=True,
    help="Compare the lock with the current base and index (as `streams outdated` does) "
    "and show what moved.",
)
@lock_file_option
def command(
    recipe: str,
    output: Path,
    targets: tuple[str, ...],
    variants: tuple[str, ...],
    drift: bool,
    lock_file: Path | None,
) -> None:
    """Write one HTML page of RECIPE's lock: every target and variant, each distribution with
    its origin (reused or bundled), RPM, license verdict and drift; searchable and filterable,
    and for a selected distribution its why-paths and its neighbours in the graph."""
    rec = open_recipe(recipe)
    lock = open_lock(rec, lock_file)
    closures = select_closures(rec, lock, targets=targets, variants=variants)
    found = lock_drift(rec, lock, closures) if drift else None
    text = render_report(rec, lock, closures, found)
    atomic_write_text(output, text)
    packages = sum(len(c.target.package) for c in closures)
    click.echo(
        f"wrote {output}: {len(closures)} closure{'s' if len(closures) != 1 else ''}, "
        f"{packages} distributions",
        err=True,
    )


def lock_drift(recipe: Recipe, lock: Lock, closures: list[Closure]) -> DriftMap:
    """The drift of each closure, keyed ``(target, variant)``.

    INTEGRATION POINT (issue 16, item 1): call ``streams.lock.drift.find_drift`` here for
    each closure and convert its items to the mappings :mod:`streams.publish.report` reads
    (keys ``kind``, ``name``, ``locked``, ``current``, ``level``, ``detail``).  Until
    ``streams outdated`` exists, ``--drift`` says so (exit 2).
    """
    raise UsageError(
        "--drift needs `streams outdated` (streams.lock.drift), which this build does not have",
        hint="run without --drift",
    )
