"""Helpers shared by the subcommands: recipe lookup, lock loading, rich console on stderr."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from streams.errors import UsageError
from streams.lock import Lock, LockedTarget, load_lock_for
from streams.recipe import Recipe, find_recipe, load_recipe

F = TypeVar("F", bound=Callable[..., Any])

if TYPE_CHECKING:
    from rich.console import Console


def stderr_console() -> Console:
    """A rich console on stderr (progress, warnings); plain when not a TTY."""
    from rich.console import Console

    return Console(stderr=True, highlight=False, soft_wrap=True)


def stdout_console() -> Console:
    """A rich console on stdout for human results (tables), wide enough to stay readable."""
    from rich.console import Console

    width = None if sys.stdout.isatty() else 200
    return Console(highlight=False, width=width, soft_wrap=False)


def open_recipe(name_or_path: str) -> Recipe:
    """Find and load a recipe (``vllm``, ``recipes/vllm.toml``), or fail with exit 2."""
    return load_recipe(find_recipe(name_or_path))


def open_lock(recipe: Recipe, lock_file: Path | None = None) -> Lock:
    """The recipe's lock; warns on stderr when the recipe changed since it was locked."""
    lock, where, stale = load_lock_for(recipe, lock_file)
    if stale:
        click.echo(
            f"warning: {recipe.path} changed since {where} was written; "
            f"run `streams lock {recipe.name}` to update it",
            err=True,
        )
    return lock


def pick_target(recipe: Recipe, lock: Lock, target: str | None) -> LockedTarget:
    """The locked target named, else the first of the recipe's targets that the lock has,
    else the first locked one (a lock made with ``--target host`` only has ``host``)."""
    if target:
        return lock.get_target(target)
    for name in recipe.stream.targets:
        for t in lock.target:
            if t.name == name:
                return t
    if lock.target:
        return lock.target[0]
    return lock.get_target(recipe.stream.targets[0])


def lock_file_option(func: F) -> F:
    """``--lock FILE``: read another lock file than the recipe's own."""
    return click.option(
        "--lock",
        "lock_file",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="Lock file (default: NAME.lock.toml next to the recipe).",
    )(func)


def seed_option(func: F) -> F:
    """``--seed DIR`` (repeatable): recorded source info, so nothing must be downloaded."""
    return click.option(
        "--seed",
        "seeds",
        multiple=True,
        type=click.Path(file_okay=False, exists=True, path_type=Path),
        help="Read-only directory of recorded source info (build requirements, licenses), "
        "repeatable; lets lock and specgen work offline without the sources themselves.",
    )(func)


def variant_option(func: F) -> F:
    """``--variant NAME``: which ``[variants.NAME]`` of the recipe (default: its first)."""
    return click.option(
        "--variant",
        "variant",
        metavar="VARIANT",
        default=None,
        help="Variant of the recipe ([variants.NAME]; default: its first).",
    )(func)


def select_variant(recipe: Recipe, lock: Lock, variant: str | None) -> tuple[Recipe, Lock]:
    """The recipe and lock of one variant, as a stream of their own (names, prefix, Copr
    project, policy); the recipe and lock themselves when the recipe has no variants.  The
    default is the recipe's first variant the lock has."""
    if variant is None and recipe.variants:
        have = [v for v in recipe.variants if v in lock.variants] or list(recipe.variants)
        variant = have[0]
        if len(recipe.variants) > 1:
            stderr_console().print(
                f"[dim]variant {variant} (of {', '.join(recipe.variants)}; "
                "--variant to choose)[/dim]"
            )
    chosen = variant_recipe(recipe, variant)
    return chosen, lock.for_variant(chosen.variant_name)


def variant_recipe(recipe: Recipe, variant: str | None) -> Recipe:
    """The recipe of one variant (default: the first), for commands that read no lock;
    :meth:`Recipe.variant` says what is wrong with a name."""
    if not recipe.variants and variant is None:
        return recipe
    return recipe.variant(variant or next(iter(recipe.variants)))


def index_urls_option(what: str) -> Callable[[F], F]:
    """``--index-url [VARIANT=]URL`` (repeatable): the index to compare with, for every
    variant or for one (each variant of a recipe may resolve against its own index)."""

    def deco(func: F) -> F:
        return click.option(
            "--index-url",
            "index_urls",
            multiple=True,
            metavar="[VARIANT=]URL",
            help=f"{what}Package index to compare with (overrides [index]); VARIANT=URL for "
            "one variant only (repeatable).",
        )(func)

    return deco


def split_index_urls(recipe: Recipe, values: Sequence[str]) -> tuple[str | None, dict[str, str]]:
    """``--index-url`` values as (the one for every variant, the per-variant ones).

    ``NAME=URL`` is per variant only when NAME is one of the recipe's variants (an index URL
    may contain ``=`` in its query); an unknown name, or two URLs for the same variant or for
    all of them, is a usage error (exit 2)."""
    default: str | None = None
    per: dict[str, str] = {}
    for value in values:
        name, sep, url = value.partition("=")
        if sep and name in recipe.variants:
            if name in per:
                raise UsageError(f"--index-url: two indexes for the variant {name}")
            per[name] = url
            continue
        if sep and "/" not in name and ":" not in name:
            recipe.variant(name)  # says which variants there are
        if default is not None:
            raise UsageError(
                "--index-url: two indexes for every variant",
                hint="give one URL, and VARIANT=URL for the variants that differ",
            )
        default = value
    return default, per
