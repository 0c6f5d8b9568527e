"""What every build backend shares: the Protocol, SRPM creation, progress hooks, the outcome.

Backends (``copr``, ``koji``, ``mock``, and the local rpmbuild one) take a
:class:`~streams.builders.plan.BuildPlan` and a :class:`~streams.builders.state.PlanState` and
return a :class:`BuildOutcome`.  Client libraries (``copr``, ``koji``) are imported only inside
their own modules, so a missing optional extra breaks only the backend that needs it (the way
fedrq loads its dnf or libdnf5 backend by name).

SRPMs come from an injected :data:`SrpmProvider` ``(node, target) -> Path``: ``streams build``
hands backends the workspace's (``rpmbuild -bs`` on the specgen output), :class:`SpecTree` does
the same for a tree of hand-written specs, and tests hand them real tiny SRPMs.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from streams.builders.plan import BuildPlan, PlanNode
from streams.builders.state import PlanState, State, SummaryRow
from streams.errors import BuildError, CommandError
from streams.infra.proc import run, which

SrpmProvider = Callable[[PlanNode, str], Path]
"""Returns the SRPM of a plan node for a target (it may be the same file for every target)."""

_WROTE_RE = re.compile(r"^Wrote:\s+(?P<path>\S+\.src\.rpm)\s*$", re.MULTILINE)


def rpmbuild_srpm(spec: Path, sources: Path, outdir: Path, *, log_file: Path | None = None) -> Path:
    """Build the source RPM of ``spec`` with ``rpmbuild -bs``; its sources are in ``sources``.

    ``_topdir`` points into ``outdir`` so nothing touches ``~/rpmbuild``.
    """
    outdir.mkdir(parents=True, exist_ok=True)
    topdir = outdir / ".rpmbuild"
    try:
        res = run(
            [
                which("rpmbuild", hint="install rpm-build (dnf) or rpm (apt-get)"),
                "-bs",
                "--define",
                f"_topdir {topdir}",
                "--define",
                f"_sourcedir {sources}",
                "--define",
                f"_specdir {spec.parent}",
                "--define",
                f"_srcrpmdir {outdir}",
                str(spec),
            ],
            log_file=log_file,
            what=f"rpmbuild -bs {spec.name}",
        )
    except CommandError as exc:
        raise BuildError(
            f"cannot build the source RPM of {spec}: {exc.message}",
            backend="srpm",
            log_path=exc.log_path,
            output_tail=exc.output_tail,
            hint="check that every Source of the spec is in " + str(sources),
        ) from exc
    text = res.stdout if log_file is None else log_file.read_text(encoding="utf-8")
    found = _WROTE_RE.findall(text)
    if not found:
        raise BuildError(f"rpmbuild -bs {spec} wrote no source RPM", backend="srpm")
    return Path(found[-1])


def default_spec_layout(root: Path, node: PlanNode, target: str) -> Path:
    """Where the spec of ``node`` for ``target`` lives under ``root``.

    The first that exists of ``ROOT/TARGET/RPM/RPM.spec``, ``ROOT/RPM/RPM.spec`` and
    ``ROOT/RPM.spec`` (Fedora dist-git style: the spec and its sources side by side).
    """
    for candidate in (
        root / target / node.rpm / f"{node.rpm}.spec",
        root / node.rpm / f"{node.rpm}.spec",
        root / f"{node.rpm}.spec",
    ):
        if candidate.is_file():
            return candidate
    raise BuildError(
        f"no spec for {node.rpm} under {root}",
        backend="srpm",
        hint=f"expected {root / node.rpm / (node.rpm + '.spec')}; run: streams specgen RECIPE",
    )


class SpecTree:
    """An :data:`SrpmProvider` over a directory of generated specs (``rpmbuild -bs``, cached).

    One SRPM per spec file: targets that share a spec share the SRPM (and, in Copr, one build).
    """

    def __init__(
        self,
        root: Path,
        outdir: Path,
        *,
        layout: Callable[[Path, PlanNode, str], Path] = default_spec_layout,
        build: Callable[[Path, Path, Path], Path] = rpmbuild_srpm,
    ) -> None:
        self.root = root
        self.outdir = outdir
        self.layout = layout
        self.build = build
        self._made: dict[Path, Path] = {}

    def __call__(self, node: PlanNode, target: str) -> Path:
        spec = self.layout(self.root, node, target).resolve()
        if spec not in self._made:
            out = self.outdir / spec.parent.parent.name / spec.parent.name
            self._made[spec] = self.build(spec, spec.parent, out)
        return self._made[spec]


class Reporter:
    """Progress hooks with do-nothing defaults (the CLI subclasses it with rich output)."""

    def submitted(self, name: str, targets: tuple[str, ...], build_id: str) -> None:
        """A build of ``name`` for ``targets`` was submitted (or started) as ``build_id``."""

    def changed(self, name: str, target: str, state: State, detail: str = "") -> None:
        """The record of ``name`` on ``target`` changed to ``state``."""

    def chroots(self, name: str, build_id: str, states: Mapping[str, str]) -> None:
        """Per-chroot (Copr) or per-arch (Koji) states of one build."""

    def message(self, text: str) -> None:
        """Something a packager should see (a retry, a cancellation)."""


class Poller:
    """How long to wait before the next poll of a remote service: ``base`` seconds, growing
    by half after every round in which nothing changed, up to ``ceiling``, and back to
    ``base`` on any change.  Quick builds are seen soon; hour-long ones do not cost a request
    every few seconds.  The default ceiling is twelve times ``base``, at most two minutes
    (never less than ``base``)."""

    def __init__(
        self,
        base: float,
        ceiling: float | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if base <= 0:
            raise ValueError(f"poll interval must be positive, not {base}")
        self.base = base
        self.ceiling = max(base, min(12 * base, 120.0)) if ceiling is None else max(ceiling, base)
        self.interval = base
        self.sleep = sleep

    def wait(self) -> None:
        self.sleep(self.interval)

    def changed(self, changed: bool) -> None:
        """After a round: back to ``base`` if something changed, else back off."""
        self.interval = self.base if changed else min(self.interval * 1.5, self.ceiling)


LOG_LINES = 8
"""Lines of each failed package's log that the failure summary shows."""


def _log_tail(log: Path, lines: int) -> list[str]:
    text = log.read_text(encoding="utf-8", errors="replace")
    return [ln.rstrip() for ln in text.rstrip().splitlines()[-lines:]] if lines > 0 else []


class BuildFailures(BuildError):
    """The end of a build that did not build everything: every failed and skipped package.

    Unlike a single :class:`~streams.errors.BuildError`, whose output tail is cut to its last
    lines, the whole listing is shown: a packager must see every package that was not built.
    """

    def render(self) -> str:
        lines = [self.message]
        lines += ["  " + ln for ln in self.output_tail.rstrip().splitlines()]
        if self.hint:
            lines.append(f"  hint: {self.hint}")
        return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class BuildOutcome:
    """What a backend run produced: the summary rows and where the state is kept."""

    backend: str
    rows: tuple[SummaryRow, ...]
    state_path: Path | None
    api_calls: Mapping[str, int] = field(default_factory=dict)
    batches: int = 0

    @property
    def ok(self) -> bool:
        return all(r.state == "succeeded" for r in self.rows)

    def failed(self) -> list[SummaryRow]:
        return [r for r in self.rows if r.state != "succeeded"]

    def counts(self) -> dict[str, int]:
        """Packages by their worst state over the targets; the values add up to the rows."""
        out = {"succeeded": 0, "failed": 0, "orphaned": 0, "skipped": 0, "unfinished": 0}
        for r in self.rows:
            out[r.state if r.state in out else "unfinished"] += 1
        return out

    def raise_for_failures(self, *, log_lines: int = LOG_LINES) -> None:
        """A :class:`BuildFailures` naming every failed package (its reason, log and the last
        ``log_lines`` lines of it), every orphaned one (built remotely after its dependency
        failed), every skipped one with the dependency that stopped it and, when a remote
        build of it was cancelled, that build's page, and counts that add up to the plan, if
        anything was not built."""
        if self.ok:
            return
        failed: list[str] = []
        orphaned: list[str] = []
        skipped: list[str] = []
        unfinished: list[str] = []
        first_log: Path | None = None
        for row in self.rows:
            for target, rec in row.records:
                if rec.state == "succeeded":
                    continue
                head = f"{row.package} ({row.rpm}) on {target}"
                if rec.state == "failed":
                    where = rec.logs[-1] if rec.logs else (rec.url or "")
                    failed.append(f"  {head}: {rec.reason or 'build failed'}")
                    if where:
                        failed.append(f"    log: {where}")
                    if rec.url and rec.url != where and rec.url.startswith("http"):
                        failed.append(f"    url: {rec.url}")
                    log = Path(rec.logs[-1]) if rec.logs else None
                    if log is not None and log.is_file():
                        first_log = first_log or log
                        failed += [f"    | {ln}" for ln in _log_tail(log, log_lines)]
                elif rec.state == "orphaned":
                    orphaned.append(f"  {head}: {rec.reason}")
                    where = rec.logs[-1] if rec.logs else (rec.url or "")
                    if where:
                        orphaned.append(f"    log: {where}")
                elif rec.state == "skipped":
                    skipped.append(f"  {head}: {rec.reason or 'a dependency was not built'}")
                    if rec.build_id and rec.url and rec.url.startswith("http"):
                        skipped.append(f"    build: {rec.url}")
                else:
                    unfinished.append(
                        f"  {head}: {rec.state}" + (f" ({rec.reason})" if rec.reason else "")
                    )
        c = self.counts()
        summary = (
            f"{self.backend} build: {c['failed']} failed"
            + (f", {c['orphaned']} orphaned" if c["orphaned"] else "")
            + f", {c['skipped']} skipped"
            + (f", {c['unfinished']} unfinished" if c["unfinished"] else "")
            + f", {c['succeeded']} succeeded of {len(self.rows)} packages"
        )
        sections: list[str] = []
        if failed:
            sections += ["failed:", *failed]
        if orphaned:
            sections += [
                "orphaned (built after a dependency failed; not published, --resume "
                "rebuilds them):",
                *orphaned,
            ]
        if skipped:
            sections += ["skipped (a dependency was not built):", *skipped]
        if unfinished:
            sections += ["not finished:", *unfinished]
        raise BuildFailures(
            summary,
            backend=self.backend,
            log_path=first_log,
            output_tail="\n".join(sections),
            hint="fix the failures, then run the same command with --resume "
            "(what succeeded is not rebuilt)",
        )

    def to_dict(self) -> dict[str, object]:
        return {
            "schema_version": 1,
            "backend": self.backend,
            "ok": self.ok,
            "state_path": str(self.state_path) if self.state_path else None,
            "batches": self.batches,
            "api_calls": dict(self.api_calls),
            "packages": [r.to_dict() for r in self.rows],
        }


class Backend(Protocol):
    """A build backend: renders what it would do, and does it."""

    name: str

    def dry_run(self, plan: BuildPlan, state: PlanState) -> str:
        """The batches and the commands or API calls a real run would make, as text."""
        ...

    def build(self, plan: BuildPlan, state: PlanState) -> BuildOutcome:
        """Build what ``state`` says is not built yet, in plan order, updating ``state``."""
        ...
