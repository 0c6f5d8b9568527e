"""``streams new NAME``: write a commented recipe to start from."""

from __future__ import annotations

from pathlib import Path

import click

from streams.errors import UsageError
from streams.infra.fsutil import atomic_write_text
from streams.recipe import DEFAULT_INDEX, load_recipe, scaffold_recipe


@click.command("new")
@click.argument("name")
@click.option(
    "--from-pypi",
    "dist",
    metavar="DIST",
    help="Require DIST pinned to its newest release on the index (pre-releases excluded).",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the recipe (default: recipes/NAME.toml).",
)
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
@click.option(
    "--index-url",
    default=DEFAULT_INDEX,
    show_default=True,
    metavar="URL",
    help="Simple index (PEP 503/691) --from-pypi asks; also written into [index] if not PyPI.",
)
@click.option(
    "--target",
    "-t",
    "targets",
    multiple=True,
    metavar="TARGET",
    help="Target to list in the recipe (repeatable; default: the two newest Fedora releases).",
)
def command(
    name: str,
    dist: str | None,
    output: Path | None,
    force: bool,
    index_url: str,
    targets: tuple[str, ...],
) -> None:
    """Scaffold a commented recipe for stream NAME (recipes/NAME.toml).

    Every key is explained in a comment; the file validates as written.  With --from-pypi DIST
    the [requires] table pins DIST to its newest release, e.g. `streams new vllm --from-pypi vllm`.
    """
    path = output or Path("recipes") / f"{name}.toml"
    if path.exists() and not force:
        raise UsageError(f"{path} already exists", hint="use --force to overwrite it")
    version: str | None = None
    if dist:
        from streams.solver.index import IndexClient

        version = str(IndexClient(index_url).latest_version(dist))
    text = scaffold_recipe(name, dist=dist, version=version, targets=targets, index_url=index_url)
    atomic_write_text(path, text)
    load_recipe(path)  # the scaffold must validate; a failure here is a bug worth reporting
    pinned = f", requiring {dist}=={version}" if version else ""
    click.echo(f"wrote {path}{pinned}")
    click.echo(f"next: edit it, then `streams validate {path}` and `streams lock {path}`")
