"""``streams show RECIPE``: what comes from Fedora, what is bundled, and why."""

from __future__ import annotations

from pathlib import Path

import click
from rich.markup import escape
from rich.table import Table

from streams.cli.common import lock_file_option, open_lock, open_recipe, pick_target, stdout_console
from streams.cli.params import echo_json, json_option


@click.command("show")
@click.argument("recipe")
@click.option(
    "--target", "-t", default=None, metavar="TARGET", help="Target (default: the first locked one)."
)
@click.option(
    "--origin",
    type=click.Choice(["fedora", "bundle"]),
    default=None,
    help="Only distributions of this origin.",
)
@lock_file_option
@json_option
def command(
    recipe: str, target: str | None, origin: str | None, lock_file: Path | None, as_json: bool
) -> None:
    """Show the locked closure of RECIPE for one target: name, version, origin, RPM, reason."""
    rec = open_recipe(recipe)
    lock = open_lock(rec, lock_file)
    t = pick_target(rec, lock, target)
    pkgs = [p for p in t.package if origin is None or p.origin == origin]
    if as_json:
        echo_json(
            [
                {
                    "name": p.name,
                    "version": p.version,
                    "origin": p.origin,
                    "rpm": p.rpm,
                    "evr": p.evr,
                    "reason": p.reason,
                    "repo": p.repo,
                    "build_only": p.build_only,
                    "target": t.name,
                }
                for p in pkgs
            ]
        )
        return
    reused = sum(1 for p in t.package if p.origin == "fedora" and not p.build_only)
    bundled = sum(1 for p in t.package if p.origin == "bundle" and not p.build_only)
    table = Table(
        title=escape(
            f"{rec.name} on {t.name} (Python {t.python}, {t.interpreter}): "
            f"{reused} reused, {bundled} bundled"
        ),
        title_justify="left",
    )
    for col in ("name", "version", "origin", "rpm", "reason"):
        table.add_column(col, overflow="fold")
    for p in pkgs:
        style = "blue" if p.origin == "fedora" else "yellow"
        origin_text = p.origin + (" (build)" if p.build_only else "")
        table.add_row(
            p.name, p.version, f"[{style}]{origin_text}[/{style}]", f"{p.rpm} {p.evr}", p.reason
        )
    stdout_console().print(table)
