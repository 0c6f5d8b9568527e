"""``streams report RECIPE -o FILE``: one self-contained HTML page of the lock, per stream."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import click

from streams.cli.common import (
    index_urls_option,
    lock_file_option,
    open_lock,
    open_recipe,
    split_index_urls,
)
from streams.cli.repo_options import base_repo_options
from streams.infra.fsutil import atomic_write_text
from streams.lock import Lock
from streams.lock.context import LockOptions
from streams.lock.drift import find_drift
from streams.publish.report import Closure, DriftMap, render_report, select_closures
from streams.recipe import Recipe
from streams.solver.repos import RepoSpec


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
    "and show what moved; the options below choose the base and the index.",
)
@base_repo_options
@index_urls_option("--drift: ")
@click.option("--no-index", is_flag=True, help="--drift: compare with the base only.")
@lock_file_option
def command(
    recipe: str,
    output: Path,
    targets: tuple[str, ...],
    variants: tuple[str, ...],
    drift: bool,
    repos: tuple[RepoSpec, ...],
    base: str,
    offline: bool,
    index_urls: tuple[str, ...],
    no_index: bool,
    lock_file: Path | None,
) -> None:
    """Write one HTML page of RECIPE's lock: every target and variant, each distribution with
    its origin (reused or bundled), RPM, license verdict and drift; searchable and filterable,
    and for a selected distribution its why-paths and its neighbours in the graph."""
    rec = open_recipe(recipe)
    lock = open_lock(rec, lock_file)
    closures = select_closures(rec, lock, targets=targets, variants=variants)
    index_url, per_variant = split_index_urls(rec, index_urls)
    options = LockOptions(base=base, repos=repos, offline=offline, index_url=index_url)
    found = (
        lock_drift(rec, lock, closures, options, check_index=not no_index, per_variant=per_variant)
        if drift
        else None
    )
    text = render_report(rec, lock, closures, found)
    atomic_write_text(output, text)
    packages = sum(len(c.target.package) for c in closures)
    click.echo(
        f"wrote {output}: {len(closures)} closure{'s' if len(closures) != 1 else ''}, "
        f"{packages} distributions",
        err=True,
    )


def lock_drift(
    recipe: Recipe,
    lock: Lock,
    closures: list[Closure],
    options: LockOptions,
    *,
    check_index: bool = True,
    per_variant: Mapping[str, str] | None = None,
) -> DriftMap:
    """The drift of each closure (``streams outdated``'s :func:`find_drift`), keyed
    ``(target, variant)`` as :mod:`streams.publish.report` reads it; what could not be checked
    is said on stderr."""
    report = find_drift(
        recipe,
        lock,
        options=options,
        targets=sorted({c.target.name for c in closures}),
        variants=sorted({c.variant for c in closures if c.variant}),
        check_index=check_index,
        variant_index_urls=per_variant,
    )
    out: dict[tuple[str, str], list[dict[str, str]]] = {}
    for t in report.targets:
        out[(t.target, t.variant)] = [
            {k: str(v or "") for k, v in i.as_dict().items() if k not in ("target", "variant")}
            for i in t.items
        ]
        for note in t.notes:
            where = f"{t.target} ({t.variant})" if t.variant else t.target
            click.echo(f"{where}: drift not checked: {note}", err=True)
    return out
