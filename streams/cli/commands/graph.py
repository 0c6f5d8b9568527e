"""``streams graph RECIPE``: the runtime graph as DOT, SVG (through Graphviz) or HTML."""

from __future__ import annotations

import shutil
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
from streams.errors import ToolMissingError
from streams.infra.fsutil import atomic_write_text
from streams.infra.proc import run
from streams.lock.graph import runtime_graph, to_dot, to_html


@click.command("graph")
@click.argument("recipe")
@click.option(
    "--target", "-t", default=None, metavar="TARGET", help="Target (default: the first locked one)."
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["dot", "svg", "html"]),
    default="dot",
    show_default=True,
    help="dot: Graphviz source; svg: rendered by Graphviz `dot`; html: a self-contained page.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write to this file instead of stdout.",
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
    """Render the runtime graph of RECIPE for one target; reused and bundled are coloured."""
    rec = open_recipe(recipe)
    lock = open_lock(rec, lock_file)
    rec, lock = select_variant(rec, lock, variant)
    t = pick_target(rec, lock, target)
    g = runtime_graph(t)
    title = f"{rec.name} on {t.name} (Python {t.python})"
    if fmt == "html":
        text = to_html(g, title)
    else:
        text = to_dot(g, title)
        if fmt == "svg":
            if shutil.which("dot") is None:
                raise ToolMissingError(
                    "rendering SVG needs Graphviz's `dot`, which is not installed",
                    hint="install graphviz (dnf install graphviz / apt-get install graphviz), "
                    "or use --format html (no Graphviz needed) or --format dot",
                )
            text = run(["dot", "-Tsvg"], input=text, what="Graphviz dot").stdout
    if output is None:
        click.echo(text, nl=False)
    else:
        atomic_write_text(output, text)
        click.echo(f"wrote {output}", err=True)
