"""``streams schema recipe``: print the JSON Schema of a file format (for editors and docs)."""

from __future__ import annotations

import json

import click

from streams.recipe import recipe_schema


def schema_text(kind: str) -> str:
    """The schema of ``kind`` as committed in ``docs/<kind>.schema.json`` (with final newline)."""
    if kind == "recipe":
        return json.dumps(recipe_schema(), indent=2, ensure_ascii=False) + "\n"
    raise click.BadParameter(f"unknown kind {kind!r}")  # pragma: no cover - click.Choice guards


@click.command("schema")
@click.argument("kind", type=click.Choice(["recipe"]))
def command(kind: str) -> None:
    """Print the JSON Schema of KIND (recipe).

    Editors with TOML schema support (Taplo / Even Better TOML) use it for completion and
    checking: `streams schema recipe > recipe.schema.json`, or point them at
    docs/recipe.schema.json.
    """
    click.echo(schema_text(kind), nl=False)
