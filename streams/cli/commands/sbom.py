"""``streams sbom RECIPE``: the software bill of materials of one locked target."""

from __future__ import annotations

from pathlib import Path

import click

from streams.cli.common import (
    lock_file_option,
    open_lock,
    open_recipe,
    pick_target,
    select_variant,
    variant_option,
)
from streams.publish.sbom import FORMATS, collect, render, reused_arches, write_sbom


@click.command("sbom")
@click.argument("recipe")
@click.option(
    "--target", "-t", default=None, metavar="TARGET", help="Target (default: the first locked one)."
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="cyclonedx",
    show_default=True,
    help="cyclonedx: CycloneDX 1.6 JSON; spdx: SPDX 2.3 JSON.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write to this file (atomically) instead of stdout.",
)
@lock_file_option
@variant_option
def command(
    recipe: str,
    target: str | None,
    fmt: str,
    output: Path | None,
    lock_file: Path | None,
    variant: str | None,
) -> None:
    """Write the SBOM of RECIPE for one target, from its lock: every distribution (reused
    from Fedora or bundled) with its version, purl, source URL and sha256, license and the
    libraries bundled in its wheel, and the dependency graph.  The same lock gives the same
    bytes."""
    rec = open_recipe(recipe)
    lock = open_lock(rec, lock_file)
    rec, lock = select_variant(rec, lock, variant)
    t = pick_target(rec, lock, target)
    sbom = collect(rec, lock, t, variant=rec.variant_name, arches=reused_arches(t))
    text = render(sbom, fmt)
    if output is None:
        click.echo(text, nl=False)
    else:
        write_sbom(output, text)
        click.echo(
            f"wrote {output}: {len(sbom.packages)} distributions of {sbom.stream} on {t.name}",
            err=True,
        )
