"""``streams why RECIPE DIST``: why DIST is in the stream, and why it is reused or bundled."""

from __future__ import annotations

import functools
import itertools
from pathlib import Path

import click
from packaging.utils import canonicalize_name

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
from streams.errors import UsageError
from streams.lock.graph import reverse_deps, runtime_graph, why_paths


@click.command("why")
@click.argument("recipe")
@click.argument("dist")
@click.option(
    "--target", "-t", default=None, metavar="TARGET", help="Target (default: the first locked one)."
)
@click.option("--depth", type=int, default=None, help="Longest path to show (edges).")
@click.option("--limit", type=int, default=5, show_default=True, help="How many paths to show.")
@lock_file_option
@variant_option
@json_option
def command(
    recipe: str,
    dist: str,
    target: str | None,
    depth: int | None,
    limit: int,
    lock_file: Path | None,
    variant: str | None,
    as_json: bool,
) -> None:
    """Show the dependency paths from the application to DIST and the decision on its origin."""
    rec = open_recipe(recipe)
    lock = open_lock(rec, lock_file)
    rec, lock = select_variant(rec, lock, variant)
    t = pick_target(rec, lock, target)
    name = canonicalize_name(dist)
    pkg = t.packages().get(name)
    if pkg is None:
        raise UsageError(
            f"{dist} is not in the closure of {rec.name} for {t.name}",
            hint=f"`streams show {rec.name} --target {t.name}` lists what is",
        )
    g = runtime_graph(t)
    top = list(rec.normalized_requires)
    paths = why_paths(g, name, top, limit=limit, depth=depth)
    rdeps = reverse_deps(g, name)
    if as_json:
        echo_json(
            {
                "target": t.name,
                "name": pkg.name,
                "version": pkg.version,
                "origin": pkg.origin,
                "rpm": pkg.rpm,
                "evr": pkg.evr,
                "reason": pkg.reason,
                "paths": paths,
                "required_by": [{"name": n, "requirement": r} for n, r in rdeps],
            }
        )
        return
    out = stdout_console()
    say = functools.partial(out.print, markup=False)
    say(f"{pkg.name} {pkg.version} on {t.name}: {pkg.origin} ({pkg.rpm} {pkg.evr})")
    say(f"  {pkg.reason}")
    if paths:
        say("paths from the application:")
        for p in paths:
            hops = [p[0]]
            for a, b in itertools.pairwise(p):
                hops.append(f"-[{g.edges[a, b].get('requirement', '')}]-> {b}")
            say("  " + " ".join(hops))
    if rdeps:
        say("required directly by:")
        for n, r in rdeps:
            say(f"  {n}: {r}")
