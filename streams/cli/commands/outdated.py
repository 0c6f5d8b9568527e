"""``streams outdated RECIPE``: how far the lock has drifted from today's base and index.

Exit codes, for CI: 0 nothing drifted, 1 updates are available, 3 the lock no longer installs
on the current base (a reused package moved out of the stream's range, or libsolv cannot
install the locked decisions).  See :mod:`streams.lock.drift` and ``docs/outdated.md``.
"""

from __future__ import annotations

import functools
from pathlib import Path

import click
from rich.table import Table

from streams.cli.common import (
    index_urls_option,
    lock_file_option,
    open_lock,
    open_recipe,
    split_index_urls,
    stdout_console,
)
from streams.cli.params import echo_json, json_option, target_option
from streams.cli.repo_options import base_repo_options
from streams.errors import UsageError
from streams.lock.context import LockOptions
from streams.lock.drift import DriftReport, TargetDrift, find_drift
from streams.solver.repos import RepoSpec

_KIND_TEXT = {
    "base-broken": "BREAKS",
    "base-moved": "base moved",
    "reusable": "reusable",
    "yanked": "yanked",
    "upstream": "upstream",
}


@click.command("outdated")
@click.argument("recipe")
@target_option()
@click.option(
    "--variant",
    "variants",
    multiple=True,
    metavar="VARIANT",
    help="Only this variant ([variants.NAME]; repeatable; default: every locked one).",
)
@base_repo_options
@index_urls_option("")
@click.option("--no-index", is_flag=True, help="Compare with the base only; read no index.")
@lock_file_option
@json_option
def command(
    recipe: str,
    targets: tuple[str, ...],
    variants: tuple[str, ...],
    repos: tuple[RepoSpec, ...],
    base: str,
    offline: bool,
    index_urls: tuple[str, ...],
    no_index: bool,
    lock_file: Path | None,
    as_json: bool,
) -> None:
    """Compare RECIPE's lock with the current base (the snapshot, --base live or --repo) and
    the index: reused packages whose base version moved (inside the stream's range, or out of
    it: the stream breaks), bundled packages the base now provides compatibly, newer upstream
    releases of bundled packages (patch, minor, major) and yanked releases.

    Exit code 0 when nothing drifted, 1 when updates are available, 3 when the lock no longer
    installs on the current base.
    """
    rec = open_recipe(recipe)
    lock = open_lock(rec, lock_file)
    for v in variants:
        rec.variant(v)  # says what is wrong with an unknown name
    have = {t.name for t in lock.target}
    for name in targets:
        if name not in have:
            raise UsageError(
                f"the lock of {rec.name} has no target {name}",
                hint=f"locked targets: {', '.join(sorted(have)) or 'none'}",
            )
    index_url, per_variant = split_index_urls(rec, index_urls)
    report = find_drift(
        rec,
        lock,
        options=LockOptions(base=base, repos=repos, offline=offline, index_url=index_url),
        targets=targets,
        variants=variants,
        check_index=not no_index,
        variant_index_urls=per_variant,
    )
    if as_json:
        echo_json(report.as_dict())
    else:
        _render(report)
    if report.exit_code:
        raise click.exceptions.Exit(report.exit_code)


def _render(report: DriftReport) -> None:
    out = stdout_console()
    say = functools.partial(out.print, markup=False, highlight=False)
    for t in report.targets:
        say(_heading(t))
        if t.items:
            table = Table(show_edge=False, pad_edge=False, box=None, header_style="bold")
            for col in ("drift", "package", "locked", "now", "level", "detail"):
                table.add_column(col, overflow="fold")
            for i in t.items:
                table.add_row(
                    _KIND_TEXT[i.kind], i.name, i.locked or "-", i.current or "-", i.level, i.detail
                )
            out.print(table)
        for note in t.notes:
            say(f"  not checked: {note}")
    code = report.exit_code
    verdict = {
        0: "up to date",
        1: "updates available",
        3: "the lock no longer installs on the current base",
    }[code]
    say(f"{len(report.items)} drift item(s): {verdict} (exit {code})")


def _heading(t: TargetDrift) -> str:
    name = f"{t.target} ({t.variant})" if t.variant else t.target
    base = ", ".join(t.base) or "not read"
    moved = "changed since the lock" if t.base_changed else "as locked"
    return f"{name}: base {base} ({moved}), {len(t.items)} item(s)"
