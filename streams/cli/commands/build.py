"""``streams build RECIPE [--backend local|mock|copr|koji] [--target T]... [-j N] [--resume]``.

The flow: the lock must exist; specgen writes the specs and sources of each target into
``OUT/TARGET/specs`` (``SPECS/``, ``SOURCES/``); the plan is built from the lock; the backend
builds it; with the local backend the RPMs (``OUT/TARGET/rpms``) are then published unsigned
into ``OUT/TARGET/repo`` (the layout ``streams publish`` and ``streams check`` default to, with
``OUT`` = ``out/NAME``).  The final table has one row per package: the state on each target,
the build id or log, and the duration.
"""

from __future__ import annotations

import os
import platform
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from streams.builders.base import BuildOutcome, Reporter, open_state, rpmbuild_srpm
from streams.builders.plan import BuildPlan, PlanNode, PlanState, State
from streams.cli.common import lock_file_option
from streams.cli.params import echo_json, json_option, progress_enabled
from streams.errors import LockError, UsageError
from streams.lock import Lock, lock_path, read_lock
from streams.recipe import Recipe, find_recipe, load_recipe
from streams.targets import HOST

BACKENDS = ("local", "mock", "copr", "koji")


def _targets(lock: Lock, rec: Recipe, wanted: tuple[str, ...], backend: str) -> list[str]:
    have = [t.name for t in lock.target]
    if wanted:
        missing = [t for t in wanted if t not in have]
        if missing:
            raise LockError(
                f"the lock of {rec.name} has no target {', '.join(missing)} "
                f"(it has: {', '.join(have) or 'none'})",
                hint=f"run: streams lock {rec.name} --target {missing[0]}",
            )
        return list(wanted)
    if backend == "local":
        if HOST in have:
            return [HOST]
        ours = [t for t in rec.stream.targets if t in have]
        return ours[:1] or have[:1]
    return [t for t in rec.stream.targets if t in have] or have


def _specgen(rec: Recipe, lock: Lock, target: str, out: Path) -> Path:
    """Write the specs and sources of ``target`` into ``out`` (``SPECS/``, ``SOURCES/``)."""
    from streams.specgen import (
        SourceInfoStore,
        StreamSettings,
        changelog_date,
        plan_target,
        write_output,
    )
    from streams.targets import get_target

    locked = lock.get_target(target)
    arch = get_target(target).arch or platform.machine()
    interpreter = "/usr/bin/python3" if target == HOST else rec.interpreter_for(target).executable
    plan = plan_target(
        StreamSettings.from_recipe(rec),
        locked,
        SourceInfoStore(),
        arch=arch,
        interpreter=interpreter,
        date=changelog_date(os.environ.get("SOURCE_DATE_EPOCH")),
    )
    write_output(plan, out, sources=True)
    return out


def _srpms(out: Path) -> Callable[[PlanNode, str], Path]:
    """An SrpmProvider over the specgen output: ``rpmbuild -bs`` once per spec."""
    made: dict[Path, Path] = {}

    def provide(node: PlanNode, target: str) -> Path:
        base = out / target / "specs"
        spec = base / "SPECS" / f"{node.rpm}.spec"
        if spec not in made:
            made[spec] = rpmbuild_srpm(spec, base / "SOURCES", out / target / "srpms")
        return made[spec]

    return provide


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
            if state in ("failed",):
                self.notes.append(f"[red]failed[/] {name} ({target}): {detail}")
        self.live.update(self._render())

    def message(self, text: str) -> None:
        self.notes.append(text)
        self.live.update(self._render())


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
            if rec.state in ("failed",) and rec.logs:
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
    no_publish: bool,
    mock_mode: str,
    koji_hub: str | None,
    koji_targets: tuple[str, ...],
    scratch: bool,
    as_json: bool,
) -> None:
    """Build RECIPE's stream in dependency order, then (local) publish it unsigned.

    Needs the lock (`streams lock RECIPE` first).  Specs are generated into
    OUT/TARGET/specs; local builds go to OUT/TARGET/rpms and the repository to
    OUT/TARGET/repo.  A failure stops its dependants at once; the others finish; run again
    with --resume after fixing it.
    """
    path = find_recipe(recipe)
    rec = load_recipe(path)
    lpath = lock_file or lock_path(path)
    if not lpath.is_file():
        raise LockError(
            f"{rec.name} has no lock ({lpath} does not exist)",
            hint=f"run: streams lock {recipe}" + (" --target host" if backend == "local" else ""),
        )
    lock = read_lock(lpath)
    if lock.stream != rec.name:
        raise UsageError(
            f"the lock is for stream {lock.stream!r}, the recipe is {rec.name!r}",
            hint=f"run: streams lock {recipe}",
        )
    names = _targets(lock, rec, targets, backend)
    out = (output or Path("out") / rec.name).resolve()
    plan = BuildPlan.from_lock([lock.get_target(t) for t in names], stream=rec.name)
    koji_map = {}
    for item in koji_targets:
        key, sep, value = item.partition("=")
        if not sep:
            raise UsageError(f"--koji-target {item!r} is not TARGET=KOJITARGET")
        koji_map[key] = value

    if backend == "local":
        from streams.builders.rpmbuild import check_host_python
        from streams.targets import host_python_version

        check_host_python(names, host_python_version())
    if dry_run:
        click.echo(_dry_run(backend, plan, out, rec, mock_mode, koji_map, scratch))
        return

    for t in names:
        _specgen(rec, lock, t, out / t / "specs")
    state, requeue = open_state(plan, out, backend, resume=resume)
    outcome = _run_backend(
        backend, plan, state, requeue, out, rec, jobs, mock_mode, koji_hub, koji_map, scratch
    )
    published: dict[str, dict[str, str]] = {}
    if backend == "local" and outcome.ok and not no_publish:
        from streams.publish import publish_repo

        for t in names:
            res = publish_repo(
                out / t / "rpms", out / t / "repo", stream=rec.name, summary=rec.stream.summary
            )
            published[t] = {"repo_dir": str(res.repo_dir), "repo_file": str(res.repo_file)}
    if as_json:
        data = outcome.to_dict()
        data["published"] = published
        echo_json(data)
    else:
        _print_summary(outcome, names)
        for t, p in published.items():
            click.echo(f"published {t}: {p['repo_dir']}")
            click.echo(f"  dnf config: {p['repo_file']}")
    outcome.raise_for_failures()


def _dry_run(
    backend: str,
    plan: BuildPlan,
    out: Path,
    rec: Recipe,
    mock_mode: str,
    koji_map: dict[str, str],
    scratch: bool,
) -> str:
    state = PlanState(plan, None, backend=backend)
    head = plan.render()
    if backend == "local":
        lines = [head, "", "local builds (rpmbuild -bb --nodeps, staged dependencies):"]
        for name in plan.order():
            node = plan.nodes[name]
            for t in node.targets:
                lines.append(
                    f"  rpmbuild -bb --define '_topdir {out / t / 'build' / node.rpm}' "
                    f"--define 'stream_staging .../stage' {out / t / 'specs/SPECS'}/"
                    f"{node.rpm}.spec"
                )
        return "\n".join(lines)
    if backend == "copr":
        from streams.builders.copr import CoprSettings, dry_run_copr

        return dry_run_copr(plan, state, settings=CoprSettings.from_recipe(rec))
    if backend == "mock":
        from streams.builders.mock import dry_run_mock

        return dry_run_mock(plan, state, outdir=out, mode=mock_mode)  # type: ignore[arg-type]
    from streams.builders.koji import KojiBackend

    kb = KojiBackend(
        None,
        lambda n, t: Path(f"{n.rpm}.src.rpm"),
        koji_targets=koji_map,
        scratch=scratch,
        weburl="KOJI",
    )
    return head + "\n\n" + kb.dry_run(plan, state)


def _run_backend(
    backend: str,
    plan: BuildPlan,
    state: PlanState,
    requeue: list[tuple[str, str]],
    out: Path,
    rec: Recipe,
    jobs: int,
    mock_mode: str,
    koji_hub: str | None,
    koji_map: dict[str, str],
    scratch: bool,
) -> BuildOutcome:
    reporter: Reporter | None = None
    live = progress_enabled()
    if live:
        reporter = _LiveReporter(state)
    try:
        if live:
            assert isinstance(reporter, _LiveReporter)
            reporter.__enter__()
        if backend == "local":
            from streams.builders.rpmbuild import build_local, specgen_layout

            return build_local(
                plan,
                state,
                specs=specgen_layout(lambda t: out / t / "specs"),
                outdir=out,
                jobs=jobs,
                reporter=reporter,
                requeue=requeue,
            )
        if backend == "copr":
            from streams.builders.copr import CoprSettings, build_copr

            return build_copr(
                plan,
                state,
                settings=CoprSettings.from_recipe(rec),
                srpms=_srpms(out),
                reporter=reporter,
            )
        if backend == "mock":
            from streams.builders.mock import build_mock

            return build_mock(
                plan,
                state,
                srpms=_srpms(out),
                outdir=out,
                mode=mock_mode,  # type: ignore[arg-type]
                reporter=reporter,
            )
        if not koji_hub:
            raise UsageError("--backend koji needs --koji-hub URL", hint="e.g. the hub's /kojihub")
        from streams.builders.koji import build_koji

        return build_koji(
            plan,
            state,
            hub=koji_hub,
            srpms=_srpms(out),
            koji_targets=koji_map,
            scratch=scratch,
            reporter=reporter,
        )
    finally:
        if live:
            assert isinstance(reporter, _LiveReporter)
            reporter.__exit__(None, None, None)
