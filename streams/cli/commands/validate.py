"""``streams validate RECIPE...``: check recipes, report every problem, show what they plan."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from streams.cli.params import echo_json, json_option
from streams.errors import EXIT_BAD_INPUT
from streams.recipe import Recipe, check_recipes, find_recipe, plan_recipe, target_plans

SCHEMA_VERSION = 1


def _display(path: Path) -> Path:
    """``path`` relative to the working directory when it is below it (shorter messages)."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        return path


def _interp_text(main: bool, python: str, rpm: str) -> str:
    if main:
        return f"Python {python} (main)"
    return f"Python {python} ({rpm}, alternative: nothing reused from Fedora)"


def _summary(recipe: Recipe) -> list[str]:
    exports = ", ".join(recipe.stream.exports) or "no commands"
    lines = [f"ok  {recipe.path}: {recipe.metapackage} in {recipe.prefix}, exports {exports}"]
    plans = target_plans(recipe)
    width = max(len(p.target) for p in plans)
    for p in plans:
        reqs = ", ".join(p.requirements) or "-"
        lines.append(
            f"    {p.target:<{width}}  {_interp_text(p.main, p.python, p.interpreter_rpm)}: {reqs}"
        )
    for name, section in recipe.variants.items():
        v = recipe.variant(name)
        targets = ", ".join(v.stream.targets)
        lines.append(
            f"    variant {name}: {v.metapackage} in {v.prefix} ({targets}; licenses "
            f"{v.policy.licenses}, binaries {v.policy.binaries}): {section.description}"
        )
    return lines


def _plan_text(recipe: Recipe) -> list[str]:
    plan = plan_recipe(recipe)
    out = [
        f"Plan of stream {recipe.name}: {recipe.stream.summary}",
        f"  recipe      {recipe.path} (sha256 {recipe.sha256[:16]}...), license {plan['license']}",
        f"  prefix      {recipe.prefix}",
        "  packages",
        f"    {recipe.metapackage:<28} metapackage: requires the app and the runtime; "
        "Provides bundled(python3dist(DIST)) for what it bundles",
        f"    {recipe.runtime_package:<28} owns {recipe.prefix}, its pyvenv.cfg "
        "(include-system-site-packages = true) and bin/python3",
        f"    {plan['packages']['bundled']:<28} one per bundled distribution, "
        "in the prefix's site-packages",
    ]
    if plan["exports"]:
        out.append("  exports")
        out += [f"    {e['link']} -> {e['target']}" for e in plan["exports"]]
    out.append("  targets")
    for t in plan["targets"]:
        out.append(f"    {t['target']}")
        out.append(
            f"      interpreter   {t['executable']} ({t['interpreter_rpm']}, Python {t['python']}"
            + (", main)" if t["main"] else ", alternative)")
        )
        out.append(f"      site-packages {t['site_packages']}")
        out.append(
            "      reuse         "
            + (
                "Fedora's python3-* packages where compatible"
                if t["reuses_fedora"]
                else "none: Fedora builds python3-* for the main Python only, so all is bundled"
            )
        )
        out.append(f"      requires      {', '.join(t['requirements']) or '-'}")
        if t["skipped"]:
            out.append(f"      not here      {', '.join(t['skipped'])} (markers)")
    pol = plan["policy"]
    out.append("  policy")
    out.append(f"    prefer        {pol['prefer']}")
    for key, label in (
        ("bundle", "always bundle"),
        ("fedora", "from Fedora"),
        ("abi-coupled", "abi-coupled"),
    ):
        out.append(f"    {label:<13} {', '.join(pol[key]) or '-'}")
    if plan["package_settings"]:
        out.append("  package settings")
        for name, settings in plan["package_settings"].items():
            text = "; ".join(f"{k} = {json.dumps(v)}" for k, v in settings.items()) or "defaults"
            out.append(f"    {name:<13} {text}")
    index = plan["index"]
    out.append(
        f"  index         {index['url']}"
        + (f" (+ {', '.join(index['extra-urls'])})" if index["extra-urls"] else "")
    )
    if plan["copr"]:
        out.append(
            "  copr          "
            + ", ".join(f"{k} = {json.dumps(v)}" for k, v in plan["copr"].items())
        )
    for name, variant in plan["variants"].items():
        out.append(f"  variant {name}: {variant['description']}")
        out.append(f"    stream        {variant['packages']['metapackage']} in {variant['prefix']}")
        out.append(f"    targets       {', '.join(t['target'] for t in variant['targets'])}")
        out.append(f"    requires      {', '.join(variant['requires'])}")
        if variant["constraints"]:
            out.append(f"    constraints   {', '.join(variant['constraints'])}")
        if variant["exclude"]:
            out.append(f"    exclude       {', '.join(variant['exclude'])}")
        vpol = variant["policy"]
        for key, label in (("bundle", "always bundle"), ("fedora", "from Fedora")):
            if vpol[key]:
                out.append(f"    {label:<13} {', '.join(vpol[key])}")
        out.append(f"    licenses      {vpol['licenses']}, binaries {vpol['binaries']}")
        if variant["copr"]:
            out.append(
                "    copr          "
                + ", ".join(f"{k} = {json.dumps(v)}" for k, v in variant["copr"].items())
            )
    out.append(f"  next          streams lock {recipe.name}")
    return out


@click.command("validate")
@click.argument("recipes", nargs=-1, required=True, metavar="RECIPE...")
@click.option(
    "--plan", is_flag=True, help="Print the full plan of each recipe, not only a summary line."
)
@json_option
@click.pass_context
def command(ctx: click.Context, recipes: tuple[str, ...], plan: bool, as_json: bool) -> None:
    """Check recipes and report every problem at once.

    RECIPE is a path or a name looked up in ./recipes, then in the recipes shipped with streams.
    Stream names and prefixes are also checked against each other and against the other known
    recipes.  Each problem is one line on stderr, FILE:LINE:COL: KEY.PATH: MESSAGE (hint: ...);
    the exit code is 2 if there is any.
    """
    paths = [_display(find_recipe(r)) for r in recipes]
    report = check_recipes(paths)
    if as_json:
        doc: dict[str, Any] = {
            "schema_version": SCHEMA_VERSION,
            "ok": report.ok,
            "recipes": [plan_recipe(r) for r in report.recipes],
            "problems": [p.to_dict() for p in report.problems],
        }
        echo_json(doc)
    else:
        for recipe in report.recipes:
            lines = _plan_text(recipe) if plan else _summary(recipe)
            click.echo("\n".join(lines))
        for problem in report.problems:
            click.echo(problem.render(), err=True)
        if report.problems:
            n = len(report.problems)
            files = len({p.file for p in report.problems})
            click.echo(
                f"error: {n} problem{'s' if n != 1 else ''} in {files} "
                f"recipe{'s' if files != 1 else ''}",
                err=True,
            )
    if report.problems:
        ctx.exit(EXIT_BAD_INPUT)
