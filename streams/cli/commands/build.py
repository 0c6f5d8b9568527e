"""``streams build RECIPE [--backend local|mock|copr|koji] [--target T]... [-j N] [--resume]``.

Parses the options into a :class:`~streams.builders.dispatch.BuildRequest` and hands it to
:class:`~streams.builders.dispatch.BuildSession`, which does the work (specs, plan, backend,
publishing); this module shows the live progress on a terminal and prints the final table: one
row per package with its state on each target, the build id or log, and the duration.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import click

from streams.builders.base import BuildOutcome, Reporter
from streams.builders.dispatch import BACKENDS, BuildRequest, BuildSession
from streams.builders.state import PlanState, State
from streams.cli.common import lock_file_option, select_variant, variant_option
from streams.cli.params import (
    echo_json,
    json_option,
    progress_enabled,
    progress_line,
    progress_lines_enabled,
)
from streams.errors import Cause, ResolutionError, UsageError
from streams.lock import Lock, require_lock
from streams.lock.drift import find_drift
from streams.recipe import Recipe, find_recipe, load_recipe


class _LiveReporter(Reporter):
    """Rich progress on stderr: one line per running build, counts, elapsed time."""

    def __init__(self, state: PlanState) -> None:
        from rich.console import Console
        from rich.live import Live

        self.state = state
        self.t0 = time.monotonic()
        self.running: dict[tuple[str, str], float] = {}
        self.notes: list[str] = []
        self.live = Live(console=Console(stderr=True), refresh_per_second=4, transient=True)
        self.live.update(self._render())

    def __enter__(self) -> _LiveReporter:
        self.live.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.live.__exit__(*exc)

    def _render(self) -> Any:
        from rich.table import Table

        counts = self.state.counts()
        now = time.monotonic()
        table = Table.grid(padding=(0, 1))
        table.add_row(
            f"[bold]{counts['succeeded']}[/] built, {counts['building']} building, "
            f"{counts['pending']} pending, [red]{counts['failed']}[/] failed, "
            f"{counts['orphaned']} orphaned, "
            f"{counts['skipped']} skipped  ({now - self.t0:.0f}s)"
        )
        for (name, target), t in sorted(self.running.items(), key=lambda kv: kv[1]):
            table.add_row(f"  [cyan]building[/] {name} ({target})  {now - t:.0f}s")
        for note in self.notes[-3:]:
            table.add_row(f"  {note}")
        return table

    def changed(self, name: str, target: str, state: State, detail: str = "") -> None:
        if state == "building":
            self.running[(name, target)] = time.monotonic()
        else:
            self.running.pop((name, target), None)
            if state in ("failed", "orphaned"):
                self.notes.append(f"[red]{state}[/] {name} ({target}): {detail}")
        self.live.update(self._render())

    def message(self, text: str) -> None:
        self.notes.append(text)
        self.live.update(self._render())


class _LineReporter(Reporter):
    """Plain progress when stderr is not a terminal: one line per package start and finish.

    ``[done/total]`` counts finished records (built, failed or skipped) of the plan.
    """

    def __init__(self, state: PlanState) -> None:
        self.state = state
        self.t0 = time.monotonic()
        self.started: dict[tuple[str, str], float] = {}
        self.total = sum(1 for _ in state.items())
        self._lock = threading.Lock()

    def __enter__(self) -> _LineReporter:
        return self

    def __exit__(self, *exc: Any) -> None:
        return None

    def _say(self, text: str) -> None:
        counts = self.state.counts()
        done = counts["succeeded"] + counts["failed"] + counts["skipped"] + counts["orphaned"]
        elapsed = time.monotonic() - self.t0
        with self._lock:
            progress_line(f"[{done}/{self.total}] {text}  ({_fmt_duration(elapsed) or '0s'})")

    def changed(self, name: str, target: str, state: State, detail: str = "") -> None:
        key = (name, target)
        if state == "building":
            self.started[key] = time.monotonic()
            self._say(f"building {name} ({target})")
            return
        took = ""
        if key in self.started:
            took = f" in {_fmt_duration(time.monotonic() - self.started.pop(key))}"
        if state == "succeeded":
            self._say(f"built {name} ({target}){took}")
        elif state == "failed":
            self._say(f"FAILED {name} ({target}){took}: {detail}")
        elif state == "skipped":
            self._say(f"skipped {name} ({target}): {detail}")
        else:
            self._say(f"{state} {name} ({target})" + (f": {detail}" if detail else ""))

    def message(self, text: str) -> None:
        self._say(text)


def _fmt_duration(seconds: float | None) -> str:
    if seconds is None:
        return ""
    return f"{seconds:.0f}s" if seconds < 120 else f"{seconds / 60:.1f}m"


def _print_summary(outcome: BuildOutcome, targets: list[str]) -> None:
    rows = []
    for row in outcome.rows:
        recs = dict(row.records)
        states = [recs[t].state if t in recs else "-" for t in targets]
        where = ""
        for t in targets:
            rec = recs.get(t)
            if rec is None:
                continue
            if rec.state in ("failed", "orphaned") and rec.logs:
                where = rec.logs[-1]
                break
            if rec.state == "skipped":
                where = rec.reason
            elif not where:
                where = rec.build_id or ""
                if rec.url and rec.url.startswith("http"):
                    where = rec.url
        rows.append([row.package, *states, where, _fmt_duration(row.duration)])
    headers = ["package", *targets, "build id / log", "duration"]
    if progress_enabled():
        from rich.console import Console
        from rich.table import Table

        table = Table(*headers)
        for r in rows:
            table.add_row(*r)
        Console().print(table)
        return
    widths = [max(len(str(x)) for x in col) for col in zip(headers, *rows, strict=False)]
    for r in [headers, *rows]:
        click.echo("  ".join(str(x).ljust(w) for x, w in zip(r, widths, strict=False)).rstrip())


def refuse_broken_base(recipe: Recipe, lock: Lock, targets: list[str]) -> None:
    """Before any build: when the base repositories the lock names (the embedded snapshot,
    local directories) changed so that the lock no longer installs on them, stop with exit 3
    rather than build a stream that cannot be installed.  Remote bases are not read here.

    ``recipe`` and ``lock`` are one variant's already (:func:`select_variant`: the view's
    targets carry no variant), so no variant is selected here."""
    report = find_drift(recipe, lock, targets=targets, check_index=False, locked_repos=True)
    broken = [i for i in report.items if i.kind == "base-broken"]
    if not broken:
        return
    raise ResolutionError(
        f"the lock of {recipe.name} no longer installs on the base it was solved against "
        f"({len(broken)} problem(s)); nothing was built",
        tuple(Cause(f"{i.target}: {i.name}: {i.detail}") for i in broken),
        hint=f"`streams outdated {recipe.name}` shows all the drift; relock "
        f"(`streams lock {recipe.name}`) or build anyway with --no-base-check",
    )


@click.command("build")
@click.argument("recipe")
@click.option(
    "--backend",
    type=click.Choice(BACKENDS),
    default="local",
    show_default=True,
    help="local: rpmbuild on this machine; mock: clean roots on a Fedora host; copr, koji.",
)
@click.option(
    "--target",
    "-t",
    "targets",
    multiple=True,
    metavar="TARGET",
    help="Target (repeatable; default: 'host' for local if locked, else the recipe's targets).",
)
@click.option("-j", "--jobs", default=1, show_default=True, help="Parallel local builds.")
@click.option("--resume", is_flag=True, help="Keep what succeeded; build only the rest.")
@click.option("--dry-run", is_flag=True, help="Print the batches and commands; build nothing.")
@click.option(
    "-o",
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Output directory (default: out/NAME); per target: specs/, rpms/, repo/, build/.",
)
@lock_file_option
@variant_option
@click.option("--no-publish", is_flag=True, help="Local backend: do not publish the repo.")
@click.option(
    "--mock-mode", type=click.Choice(("chain", "rebuild")), default="chain", show_default=True
)
@click.option("--koji-hub", metavar="URL", help="Koji hub XML-RPC URL (required for koji).")
@click.option(
    "--koji-target",
    "koji_targets",
    multiple=True,
    metavar="TARGET=KOJITARGET",
    help="Koji build target for a streams target (repeatable; default fNN-candidate).",
)
@click.option("--scratch", is_flag=True, help="Koji scratch builds (never tagged).")
@click.option(
    "--poll-interval",
    type=click.FloatRange(min=0.1),
    default=None,
    metavar="SECONDS",
    help="Copr, Koji: seconds between polls at first (default 10 for Copr, 20 for Koji); "
    "backs off up to 2 minutes while nothing changes.",
)
@click.option(
    "--allow-network",
    is_flag=True,
    help="Local backend: let rpmbuild reach the network (default: none, as in mock, Copr "
    "and Koji); for hosts that cannot make a network namespace.",
)
@click.option(
    "--no-base-check",
    is_flag=True,
    help="Build even if the base the lock was solved against changed so that the lock no "
    "longer installs (checked before any build; see `streams outdated`).",
)
@json_option
def command(
    recipe: str,
    backend: str,
    targets: tuple[str, ...],
    jobs: int,
    resume: bool,
    dry_run: bool,
    output: Path | None,
    lock_file: Path | None,
    variant: str | None,
    no_publish: bool,
    mock_mode: str,
    koji_hub: str | None,
    koji_targets: tuple[str, ...],
    scratch: bool,
    poll_interval: float | None,
    allow_network: bool,
    no_base_check: bool,
    as_json: bool,
) -> None:
    """Build RECIPE's stream in dependency order, then (local) publish it unsigned.

    Needs the lock (`streams lock RECIPE` first).  Specs are generated into
    OUT/TARGET/specs; local builds go to OUT/TARGET/rpms and the repository to
    OUT/TARGET/repo.  A failure stops its dependants at once; the others finish; run again
    with --resume after fixing it.
    """
    rec = load_recipe(find_recipe(recipe))
    lock = require_lock(
        rec,
        lock_file,
        hint=f"run: streams lock {recipe}" + (" --target host" if backend == "local" else ""),
    )
    rec, lock = select_variant(rec, lock, variant)
    koji_map = {}
    for item in koji_targets:
        key, sep, value = item.partition("=")
        if not sep:
            raise UsageError(f"--koji-target {item!r} is not TARGET=KOJITARGET")
        koji_map[key] = value
    request = BuildRequest(
        backend=backend,
        targets=targets,
        jobs=jobs,
        resume=resume,
        publish=not no_publish,
        mock_mode="rebuild" if mock_mode == "rebuild" else "chain",
        koji_hub=koji_hub,
        koji_targets=koji_map,
        scratch=scratch,
        allow_network=allow_network,
        poll_interval=poll_interval,
    )
    if allow_network and backend == "local":
        click.echo(
            "warning: --allow-network: builds can reach the network here, and what works "
            "only with it fails in mock, Copr and Koji",
            err=True,
        )
    session = BuildSession(rec, lock, request, output)
    if dry_run:
        click.echo(session.dry_run())
        return
    if not no_base_check:
        refuse_broken_base(rec, lock, session.targets)
    reporter = (
        _LiveReporter if progress_enabled() else _LineReporter if progress_lines_enabled() else None
    )
    result = session.build(reporter)
    if as_json:
        echo_json(result.to_dict())
    else:
        _print_summary(result.outcome, list(result.targets))
        for t, p in result.published.items():
            click.echo(f"published {t}: {p['repo_dir']}")
            click.echo(f"  dnf config: {p['repo_file']}")
    result.outcome.raise_for_failures()
