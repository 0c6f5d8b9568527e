"""``streams new NAME``: write a commented recipe to start from."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from streams.errors import UsageError
from streams.infra.fsutil import atomic_write_text
from streams.recipe import DEFAULT_INDEX, load_recipe, scaffold_recipe

if TYPE_CHECKING:
    from packaging.version import Version

    from streams.solver.index import IndexClient


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
    the [requires] table pins DIST to its newest release, e.g. `streams new vllm --from-pypi vllm`,
    and `exports` lists the console scripts that release's wheel declares (its
    entry_points.txt, read over HTTP range requests).
    """
    path = output or Path("recipes") / f"{name}.toml"
    if path.exists() and not force:
        raise UsageError(f"{path} already exists", hint="use --force to overwrite it")
    version: str | None = None
    exports: tuple[str, ...] | None = None
    if dist:
        from streams.solver.index import IndexClient

        client = IndexClient(index_url)
        latest = client.latest_version(dist)
        version = str(latest)
        exports = _scripts(client, dist, latest)
    text = scaffold_recipe(
        name, dist=dist, version=version, targets=targets, index_url=index_url, exports=exports
    )
    atomic_write_text(path, text)
    load_recipe(path)  # the scaffold must validate; a failure here is a bug worth reporting
    pinned = f", requiring {dist}=={version}" if version else ""
    if exports:
        pinned += f", exporting {', '.join(exports)}"
    click.echo(f"wrote {path}{pinned}")
    click.echo(f"next: edit it, then `streams validate {path}` and `streams lock {path}`")


def _scripts(client: IndexClient, dist: str, version: Version) -> tuple[str, ...] | None:
    """The console scripts of ``dist`` ``version``, from one of its wheels (a pure one first,
    then the smallest); None when it has no wheel or the wheel cannot be read."""
    from streams.errors import StreamsError

    files = client.project(dist).files_for(version)
    wheels = sorted(
        (f for f in files if f.kind == "wheel"),
        key=lambda f: (not f.is_pure, f.size if f.size is not None else 1 << 62, f.filename),
    )
    if not wheels:
        return None
    try:
        return client.console_scripts(wheels[0])
    except StreamsError as exc:
        click.echo(
            f"note: could not read the console scripts of {wheels[0].filename} ({exc.message}); "
            "exports left empty",
            err=True,
        )
        return None
