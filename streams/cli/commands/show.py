"""``streams show RECIPE``: what comes from Fedora, what is bundled, and why."""

from __future__ import annotations

from pathlib import Path

import click
from rich.markup import escape
from rich.table import Table

from streams.cli.common import (
    lock_file_option,
    open_lock,
    open_recipe,
    pick_target,
    select_variant,
    stdout_console,
    variant_option,
)
from streams.cli.params import echo_json, json_option
from streams.lock import LockedTarget


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
@click.option(
    "--licenses",
    "licenses",
    is_flag=True,
    help="The license review instead: per bundled package its SPDX expression, where each part "
    "came from, and whether Fedora (and so Fedora's Copr) allows it.",
)
@lock_file_option
@variant_option
@json_option
def command(
    recipe: str,
    target: str | None,
    origin: str | None,
    licenses: bool,
    lock_file: Path | None,
    variant: str | None,
    as_json: bool,
) -> None:
    """Show the locked closure of RECIPE for one target: name, version, origin, RPM, reason."""
    rec = open_recipe(recipe)
    lock = open_lock(rec, lock_file)
    rec, lock = select_variant(rec, lock, variant)
    t = pick_target(rec, lock, target)
    pkgs = [p for p in t.package if origin is None or p.origin == origin]
    if licenses:
        _show_licenses(rec.name, lock.destination, t, as_json)
        return
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


def _show_licenses(name: str, destination: str, t: LockedTarget, as_json: bool) -> None:
    """``--licenses``: the lock's review of every bundled package (reused ones are Fedora's)."""
    bundled = sorted(t.bundled(), key=lambda p: p.name)
    rows = [
        {
            "name": p.name,
            "version": p.version,
            "expression": p.license.expression if p.license else None,
            "declared_from": p.license.declared_from if p.license else None,
            "evidence": list(p.license.evidence) if p.license else [],
            "fedora_allowed": p.license.fedora if p.license else None,
            "problems": list(p.license.problems) if p.license else [],
            "binary": p.license.binary if p.license else None,
            "target": t.name,
        }
        for p in bundled
    ]
    if as_json:
        echo_json({"target": t.name, "destination": destination, "packages": rows})
        return
    allowed = sum(1 for r in rows if r["fedora_allowed"])
    unreviewed = sum(1 for r in rows if r["expression"] is None)
    title = f"{name} on {t.name}: {allowed} of {len(rows)} bundled packages allowed by Fedora"
    if unreviewed:
        title += f", {unreviewed} not reviewed (locked without reading sources)"
    table = Table(title=escape(title), title_justify="left")
    for col in ("name", "version", "license", "from", "Fedora", "why not"):
        table.add_column(col, overflow="fold")
    for r in rows:
        ok = r["fedora_allowed"]
        verdict = "[green]yes[/green]" if ok else ("[red]no[/red]" if ok is False else "?")
        if r["binary"]:
            verdict += " (binary)"
        table.add_row(
            escape(str(r["name"])),
            escape(str(r["version"])),
            escape(str(r["expression"] or "not reviewed")),
            escape(str(r["declared_from"] or "")),
            verdict,
            escape("; ".join(r["problems"])),  # type: ignore[arg-type]
        )
    stdout_console().print(table)
