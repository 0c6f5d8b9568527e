"""``streams lock RECIPE``: resolve upstream, reconcile with Fedora, write the lock."""

from __future__ import annotations

import functools
import time
from contextlib import ExitStack
from pathlib import Path

import click

from streams.cli.common import open_recipe, seed_option, stderr_console, stdout_console
from streams.cli.params import (
    echo_json,
    json_option,
    progress_enabled,
    progress_line,
    progress_lines_enabled,
    target_option,
)
from streams.cli.repo_options import base_repo_options
from streams.errors import UsageError
from streams.lock import LockedTarget, lock_path
from streams.lock.pipeline import LockOptions, LockReporter, lock_recipe
from streams.lock.update import TargetChanges, Update, lock_changes, previous_lock
from streams.solver.repos import RepoSpec


class _Progress(LockReporter):
    """A rich status line on a terminal; with ``lines`` (stderr is not a terminal), one plain
    line per stage and per locked target, so a CI log shows where the lock is."""

    def __init__(self, status: object | None, *, lines: bool = False) -> None:
        self.status = status
        self.lines = lines
        self.started = time.monotonic()

    def stage(self, target: str, what: str) -> None:
        elapsed = time.monotonic() - self.started
        if self.status is not None:
            self.status.update(f"[bold]{target}[/bold]: {what} ({elapsed:.0f}s)")  # type: ignore[attr-defined]
        elif self.lines:
            progress_line(f"lock {target}: {what} ({elapsed:.0f}s)")

    def done(self, target: str, locked: LockedTarget) -> None:
        if self.lines:
            elapsed = time.monotonic() - self.started
            bundled = sum(1 for p in locked.package if p.origin == "bundle")
            progress_line(
                f"lock {target}: locked, {len(locked.package)} distributions, "
                f"{bundled} bundled ({elapsed:.0f}s)"
            )


@click.command("lock")
@click.argument("recipe")
@click.argument("dists", nargs=-1, metavar="[DIST]...")
@target_option()
@base_repo_options
@click.option(
    "--index-url", default=None, help="Package index to resolve against (overrides [index])."
)
@click.option(
    "--lock",
    "lock_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Where to write the lock (default: NAME.lock.toml next to the recipe).",
)
@seed_option
@click.option(
    "--no-build-requires",
    is_flag=True,
    help="Do not read the bundled sdists' build requirements (no build section in the lock).",
)
@click.option(
    "--variant",
    "variants",
    multiple=True,
    metavar="VARIANT",
    help="Lock only this variant ([variants.NAME]; repeatable; default: all). "
    "Others keep what the lock says.",
)
@click.option(
    "--update",
    is_flag=True,
    help="Let the DISTs given after RECIPE move to newer releases (and what they need newer); "
    "without DISTs, every distribution. Without --update a re-lock keeps the locked versions.",
)
@json_option
def command(
    recipe: str,
    dists: tuple[str, ...],
    targets: tuple[str, ...],
    repos: tuple[RepoSpec, ...],
    base: str,
    offline: bool,
    index_url: str | None,
    lock_file: Path | None,
    seeds: tuple[Path, ...],
    no_build_requires: bool,
    variants: tuple[str, ...],
    update: bool,
    as_json: bool,
) -> None:
    """Resolve RECIPE's closure per target and decide, for every distribution, whether
    Fedora's package is reused or a copy is bundled; write the lock.

    Without --target, every target of the recipe is locked; with it, only those (others keep
    what the lock already says). `--target host` locks for this machine.

    A re-lock keeps the versions the lock has unless the recipe or the base needs others;
    `--update numpy` lets numpy move (and what its newer release needs newer), `--update`
    alone lets everything move. The summary says what moved and why.
    """
    if dists and not update:
        raise UsageError(
            f"distribution names after the recipe ({' '.join(dists)}) need --update",
            hint=f"streams lock {recipe} --update {' '.join(dists)}",
        )
    rec = open_recipe(recipe)
    asked = Update.of(dists) if update else Update()
    # the lock as it is before this run: what the summary compares with
    if lock_file is None and rec.path is not None:
        lock_file = lock_path(rec.path)
    previous = previous_lock(lock_file) if lock_file is not None else None
    options = LockOptions(
        base=base,
        repos=repos,
        offline=offline,
        index_url=index_url,
        seeds=seeds,
        build_section=not no_build_requires,
    )
    with ExitStack() as stack:
        status = None
        if progress_enabled():
            status = stack.enter_context(stderr_console().status("locking"))
        lock, path = lock_recipe(
            rec,
            targets=targets,
            variants=variants,
            options=options,
            reporter=_Progress(status, lines=status is None and progress_lines_enabled()),
            path=lock_file,
            update=asked,
        )
    done = [
        t
        for t in lock.target
        if (not targets or t.name in targets) and (not variants or t.variant in variants)
    ]
    changes = {(c.target, c.variant): c for c in lock_changes(rec, previous, lock, asked, done)}
    if as_json:
        echo_json(
            {
                "schema_version": 1,
                "lock": str(path),
                "targets": [
                    {**_summary(t), "update": changes[(t.name, t.variant)].to_dict()} for t in done
                ],
            }
        )
        return
    out = stdout_console()
    say = functools.partial(out.print, markup=False, highlight=False)
    for t in done:
        s = _summary(t)
        closure = s["closure"]
        extra = f", {s['build_only']} more bundled to build them" if s["build_only"] else ""
        name = f"{t.name} ({t.variant})" if t.variant else t.name
        say(
            f"{name}: Python {t.python} ({t.interpreter}), {closure} "
            f"distribution{'' if closure == 1 else 's'}: "
            f"{s['reused']} reused from Fedora, {s['bundled']} bundled{extra}"
        )
        for w in t.warnings:
            say(f"  warning: {w}")
        for line in _change_lines(changes[(t.name, t.variant)]):
            say(f"  {line}")
    say(f"wrote {path}")


def _change_lines(ch: TargetChanges) -> list[str]:
    """What the re-lock changed, one line each, then how many kept their versions."""
    if not ch.previous:
        return []
    lines = [c.describe() for c in ch.changes]
    if not ch.changes:
        lines.append(f"unchanged: all {ch.kept} distributions kept their locked versions")
    else:
        lines.append(f"kept: {ch.kept} distribution{'' if ch.kept == 1 else 's'} unchanged")
    return lines


def _summary(t: LockedTarget) -> dict[str, object]:
    runtime = [p for p in t.package if not p.build_only]
    return {
        "target": t.name,
        "variant": t.variant,
        "python": t.python,
        "interpreter": t.interpreter,
        "closure": len(runtime),
        "reused": sum(1 for p in runtime if p.origin == "fedora"),
        "bundled": sum(1 for p in runtime if p.origin == "bundle"),
        "build_only": sum(1 for p in t.package if p.build_only),
        "warnings": list(t.warnings),
    }
