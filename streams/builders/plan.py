"""The build plan: what to build, in which order, and where each build stands.

:class:`BuildPlan` is pure: it is computed from the lock's build and runtime edges
(:func:`streams.solver.graph.build_graph`), merged over every target, and ordered by the
topological generations of its condensation (a dependency cycle is one step, built together,
with the edges that form it kept as the reason).  The stream's own packages are plan nodes too:
``NAME-stream-runtime`` owns the prefix and needs nothing bundled, so it is in generation 0;
``NAME-stream`` (the metapackage) requires everything, so it is alone in the last generation.

:class:`PlanState` is the persistent part: one record per (package, target) with its state
(``pending``, ``building``, ``succeeded``, ``failed``, ``skipped``), the backend's build id, the
log paths, timestamps, attempts and, for ``skipped``, which dependency failed.  It is written
atomically after every change, so an interruption (Ctrl-C, a crash, a lost connection) loses
nothing, and ``--resume`` (:meth:`PlanState.resume`) keeps what succeeded, turns failed, skipped
and pending records back into ``pending`` and leaves ``building`` ones for the backend to
re-attach to.  A failure marks every transitive dependant ``skipped`` at once
(:meth:`PlanState.fail`).  :meth:`PlanState.ready` is a small scheduler any backend can use
(the local rpmbuild backend included): the pending records whose dependencies all succeeded.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal, TypedDict

import networkx as nx

from streams.errors import BuildError, LockError
from streams.infra.fsutil import atomic_write_text
from streams.lock import Lock, LockedTarget
from streams.solver.graph import build_graph
from streams.solver.graph import generations as graph_generations

State = Literal["pending", "building", "succeeded", "failed", "skipped"]
STATES: tuple[State, ...] = ("pending", "building", "succeeded", "failed", "skipped")
NodeKind = Literal["runtime", "package", "metapackage"]

STATE_SCHEMA_VERSION = 1

_STREAM_RPM_RE = re.compile(r"^(?P<stream>.+)-stream-python3-")


@dataclass(frozen=True, slots=True)
class PlanNode:
    """One source package of the stream.

    ``name`` is the plan key: the distribution's PEP 503 name for bundled packages, the RPM
    name for the runtime and the metapackage.  ``versions`` maps each target the package is
    built for to its version there (the same nearly always; a lock may differ per target).
    """

    name: str
    rpm: str
    kind: NodeKind
    versions: tuple[tuple[str, str], ...]
    build_only: bool = False

    @property
    def targets(self) -> tuple[str, ...]:
        return tuple(t for t, _ in self.versions)

    def version(self, target: str) -> str:
        for t, v in self.versions:
            if t == target:
                return v
        raise KeyError(f"{self.name} is not built for {target}")


@dataclass(frozen=True, slots=True)
class PlanStep:
    """One unit of a generation: a package, or a dependency cycle built together.

    ``reason`` names the edges that form the cycle (empty for a single package), e.g.
    ``"a -> b (build), b -> a (runtime)"``: ``a -> b`` means b must be installed to build a.
    """

    members: tuple[str, ...]
    reason: str = ""

    @property
    def is_cycle(self) -> bool:
        return len(self.members) > 1

    def __str__(self) -> str:
        return self.members[0] if len(self.members) == 1 else "{" + ", ".join(self.members) + "}"


@dataclass(frozen=True, slots=True)
class BuildPlan:
    """Nodes, their build dependencies, and the generations (batches) to build them in."""

    stream: str
    targets: tuple[str, ...]
    nodes: dict[str, PlanNode] = field(compare=False)
    deps: dict[str, frozenset[str]] = field(compare=False)
    """Direct build dependencies of each node (nodes of this plan)."""
    generations: tuple[tuple[PlanStep, ...], ...]

    # -- construction ----------------------------------------------------------------------
    @classmethod
    def from_lock(
        cls,
        target: Lock | LockedTarget | Sequence[LockedTarget],
        *,
        stream: str | None = None,
        with_stream_packages: bool = True,
    ) -> BuildPlan:
        """The plan of one or several locked targets (a whole :class:`Lock` means all).

        ``stream`` defaults to the lock's stream, else it is read off the bundled RPM names
        (``NAME-stream-python3-DIST``).  ``with_stream_packages`` adds the runtime package
        (generation 0) and the metapackage (last generation).
        """
        if isinstance(target, Lock):
            stream = stream or target.stream
            locked = list(target.target)
        elif isinstance(target, LockedTarget):
            locked = [target]
        else:
            locked = list(target)
        if not locked:
            raise LockError("the lock has no targets to build", hint="run: streams lock RECIPE")
        stream = stream or _infer_stream(locked)
        g = nx.DiGraph()
        versions: dict[str, dict[str, str]] = {}
        rpms: dict[str, str] = {}
        build_only: dict[str, bool] = {}
        for t in locked:
            tg = build_graph(t)
            for p in t.bundled():
                versions.setdefault(p.name, {})[t.name] = p.version
                rpms[p.name] = p.rpm
                build_only[p.name] = build_only.get(p.name, True) and p.build_only
            for n in tg:
                g.add_node(n)
            for a, b, data in tg.edges(data=True):
                kinds = set(g.edges[a, b]["kinds"]) if g.has_edge(a, b) else set()
                g.add_edge(a, b, kinds=sorted(kinds | set(data.get("kinds", ()))))
        target_names = tuple(sorted(t.name for t in locked))
        nodes = {
            n: PlanNode(n, rpms[n], "package", tuple(sorted(versions[n].items())), build_only[n])
            for n in sorted(g)
        }
        gens: list[tuple[PlanStep, ...]] = [
            tuple(PlanStep(s.members, _cycle_reason(g, s.members)) for s in gen)
            for gen in graph_generations(g)
        ]
        deps = {n: frozenset(g.successors(n)) for n in g}
        if with_stream_packages:
            runtime = f"{stream}-stream-runtime"
            meta = f"{stream}-stream"
            for special in (runtime, meta):
                if special in nodes:
                    raise LockError(
                        f"a bundled distribution is called {special!r}, like the stream's own "
                        "package",
                        hint="rename the stream in the recipe's [stream] name",
                    )
            everywhere = tuple((t, "") for t in target_names)
            nodes[runtime] = PlanNode(runtime, runtime, "runtime", everywhere)
            nodes[meta] = PlanNode(meta, meta, "metapackage", everywhere)
            deps[runtime] = frozenset()
            deps[meta] = frozenset(n for n in nodes if n != meta)
            if gens:
                gens[0] = (PlanStep((runtime,)), *gens[0])
            else:
                gens.append((PlanStep((runtime,)),))
            gens.append((PlanStep((meta,)),))
        return cls(stream, target_names, nodes, deps, tuple(gens))

    # -- queries ---------------------------------------------------------------------------
    def order(self) -> list[str]:
        """Every node in build order (generation by generation, steps sorted)."""
        return [m for gen in self.generations for step in gen for m in step.members]

    def generation_of(self, name: str) -> int:
        for i, gen in enumerate(self.generations):
            for step in gen:
                if name in step.members:
                    return i
        raise KeyError(name)

    def step_of(self, name: str) -> PlanStep:
        for gen in self.generations:
            for step in gen:
                if name in step.members:
                    return step
        raise KeyError(name)

    def blocking_deps(self, name: str) -> frozenset[str]:
        """Dependencies that must be built first: those outside the node's own cycle."""
        return self.deps[name] - set(self.step_of(name).members)

    def dependants(self, name: str) -> list[str]:
        """Every node that needs ``name`` to build, directly or transitively, in build order."""
        rev: dict[str, set[str]] = {}
        for n, ds in self.deps.items():
            for d in ds:
                rev.setdefault(d, set()).add(n)
        seen: set[str] = set()
        todo = [name]
        while todo:
            for n in rev.get(todo.pop(), ()):
                if n not in seen and n != name:
                    seen.add(n)
                    todo.append(n)
        return [n for n in self.order() if n in seen]

    def cycles(self) -> list[PlanStep]:
        return [s for gen in self.generations for s in gen if s.is_cycle]

    def render(self) -> str:
        """The generations as text, one line per step (cycles with their reason)."""
        lines = [
            f"build plan for {self.stream}: {len(self.nodes)} packages in "
            f"{len(self.generations)} generations ({', '.join(self.targets)})"
        ]
        for i, gen in enumerate(self.generations):
            lines.append(f"generation {i}:")
            for step in gen:
                rpms = ", ".join(self.nodes[m].rpm for m in step.members)
                text = f"  {step}  [{rpms}]"
                if step.is_cycle:
                    text += f"  (cycle, built together: {step.reason})"
                lines.append(text)
        return "\n".join(lines)


def _infer_stream(locked: Iterable[LockedTarget]) -> str:
    for t in locked:
        for p in t.bundled():
            m = _STREAM_RPM_RE.match(p.rpm)
            if m:
                return m["stream"]
    raise LockError(
        "cannot tell the stream's name from the lock (no bundled NAME-stream-python3-* package)",
        hint="pass the stream name (the recipe's [stream] name)",
    )


def _cycle_reason(g: nx.DiGraph, members: tuple[str, ...]) -> str:
    if len(members) < 2:
        return ""
    inside = set(members)
    edges = sorted((a, b) for a, b in g.edges if a in inside and b in inside)
    return ", ".join(f"{a} -> {b} ({'+'.join(g.edges[a, b]['kinds'])})" for a, b in edges)


# -- persistent state --------------------------------------------------------------------------


class RecordDict(TypedDict):
    state: State
    version: str
    build_id: str | None
    url: str | None
    logs: list[str]
    started: str | None
    ended: str | None
    attempts: int
    reason: str


class StateDict(TypedDict):
    schema_version: int
    stream: str
    backend: str
    packages: dict[str, dict[str, RecordDict]]


@dataclass(frozen=True, slots=True)
class Record:
    """Where one package stands on one target."""

    state: State = "pending"
    version: str = ""
    build_id: str | None = None
    """The backend's id: a Copr build id, a Koji task id, a mock chain run."""
    url: str | None = None
    """Where a packager can look: a Copr build page, a Koji task page, a result directory."""
    logs: tuple[str, ...] = ()
    started: str | None = None
    ended: str | None = None
    attempts: int = 0
    reason: str = ""
    """Why it failed or was skipped, one sentence."""

    def to_dict(self) -> RecordDict:
        return {
            "state": self.state,
            "version": self.version,
            "build_id": self.build_id,
            "url": self.url,
            "logs": list(self.logs),
            "started": self.started,
            "ended": self.ended,
            "attempts": self.attempts,
            "reason": self.reason,
        }

    @classmethod
    def from_dict(cls, data: RecordDict) -> Record:
        if data["state"] not in STATES:
            raise ValueError(f"unknown state {data['state']!r}")
        return cls(
            state=data["state"],
            version=str(data.get("version", "")),
            build_id=data.get("build_id"),
            url=data.get("url"),
            logs=tuple(data.get("logs", ())),
            started=data.get("started"),
            ended=data.get("ended"),
            attempts=int(data.get("attempts", 0)),
            reason=str(data.get("reason", "")),
        )

    @property
    def duration(self) -> float | None:
        """Seconds between start and end, if both are known."""
        if not self.started or not self.ended:
            return None
        return (
            datetime.fromisoformat(self.ended) - datetime.fromisoformat(self.started)
        ).total_seconds()


@dataclass(frozen=True, slots=True)
class SummaryRow:
    """One line of the final table: a package and where it stands on every target."""

    package: str
    rpm: str
    generation: int
    records: tuple[tuple[str, Record], ...]

    @property
    def state(self) -> State:
        """The worst state over the targets (failed > skipped > building > pending > ok)."""
        states = {r.state for _, r in self.records}
        for s in ("failed", "skipped", "building", "pending"):
            if s in states:
                return s
        return "succeeded"

    @property
    def duration(self) -> float | None:
        ds = [r.duration for _, r in self.records if r.duration is not None]
        return max(ds) if ds else None

    def to_dict(self) -> dict[str, object]:
        return {
            "package": self.package,
            "rpm": self.rpm,
            "generation": self.generation,
            "state": self.state,
            "duration": self.duration,
            "targets": {t: dict(r.to_dict()) for t, r in self.records},
        }


def _merge(old: Sequence[str], new: Sequence[str | Path]) -> tuple[str, ...]:
    """``old`` then ``new`` without duplicates; the newest (most telling) log comes last."""
    fresh = [str(p) for p in new]
    return tuple(dict.fromkeys([*(p for p in old if p not in fresh), *fresh]))


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class PlanState:
    """Per (package, target) records of a plan, saved atomically to ``path`` on every change.

    Thread-safe: local builds running in parallel may update it from several threads.
    """

    def __init__(self, plan: BuildPlan, path: Path | None, *, backend: str) -> None:
        self.plan = plan
        self.path = path
        self.backend = backend
        self._lock = threading.RLock()
        self._records: dict[tuple[str, str], Record] = {
            (n.name, t): Record(version=v) for n in plan.nodes.values() for t, v in n.versions
        }

    # -- persistence -----------------------------------------------------------------------
    @staticmethod
    def default_path(outdir: Path, backend: str) -> Path:
        """``OUTDIR/build-state-BACKEND.json``: next to the outputs, one file per backend."""
        return outdir / f"build-state-{backend}.json"

    @classmethod
    def load(cls, plan: BuildPlan, path: Path, *, backend: str) -> PlanState:
        """The state saved at ``path`` for ``plan``; missing file: everything pending.

        Records of packages no longer in the plan are dropped; a record whose version changed
        (the lock moved on) starts again from ``pending``.
        """
        state = cls(plan, path, backend=backend)
        if not path.exists():
            return state
        try:
            data: StateDict = json.loads(path.read_text(encoding="utf-8"))
            if data.get("schema_version") != STATE_SCHEMA_VERSION:
                raise ValueError(f"schema_version {data.get('schema_version')!r}")
            for name, per_target in data["packages"].items():
                for target, raw in per_target.items():
                    key = (name, target)
                    if key not in state._records:
                        continue
                    rec = Record.from_dict(raw)
                    if rec.version != state._records[key].version:
                        continue
                    state._records[key] = rec
        except (ValueError, KeyError, TypeError) as exc:
            raise BuildError(
                f"{path}: unreadable build state ({exc})",
                backend=backend,
                hint=f"delete {path} to start the build from scratch",
            ) from exc
        return state

    def to_dict(self) -> StateDict:
        packages: dict[str, dict[str, RecordDict]] = {}
        for (name, target), rec in sorted(self._records.items()):
            packages.setdefault(name, {})[target] = rec.to_dict()
        return {
            "schema_version": STATE_SCHEMA_VERSION,
            "stream": self.plan.stream,
            "backend": self.backend,
            "packages": packages,
        }

    def save(self) -> None:
        if self.path is not None:
            with self._lock:
                atomic_write_text(self.path, json.dumps(self.to_dict(), indent=1) + "\n")

    # -- access ----------------------------------------------------------------------------
    def get(self, name: str, target: str) -> Record:
        return self._records[(name, target)]

    def records(self, name: str) -> list[tuple[str, Record]]:
        return [(t, self._records[(name, t)]) for t in self.plan.nodes[name].targets]

    def items(self) -> Iterator[tuple[tuple[str, str], Record]]:
        return iter(sorted(self._records.items()))

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = dict.fromkeys(STATES, 0)
        for rec in self._records.values():
            out[rec.state] += 1
        return out

    def done(self) -> bool:
        """Nothing is pending or building."""
        return all(r.state not in ("pending", "building") for r in self._records.values())

    def ok(self) -> bool:
        return all(r.state == "succeeded" for r in self._records.values())

    def pending_targets(self, name: str) -> list[str]:
        return [t for t, r in self.records(name) if r.state == "pending"]

    # -- transitions -----------------------------------------------------------------------
    def _set(self, name: str, target: str, **changes: object) -> Record:
        with self._lock:
            rec = replace(self._records[(name, target)], **changes)  # type: ignore[arg-type]
            self._records[(name, target)] = rec
            return rec

    def _targets(self, name: str, target: str | None) -> list[str]:
        return list(self.plan.nodes[name].targets) if target is None else [target]

    def reset(self) -> None:
        """Forget everything (a fresh build without ``--resume``)."""
        with self._lock:
            for key, rec in self._records.items():
                self._records[key] = Record(version=rec.version)
            self.save()

    def resume(self) -> list[tuple[str, str]]:
        """Prepare a ``--resume``: succeeded stays, failed/skipped become pending.

        Returns the ``building`` records (package, target), which the backend re-attaches to
        (Copr, Koji) or starts again (local, mock: the process that ran them is gone).
        """
        building = []
        with self._lock:
            for key, rec in self._records.items():
                if rec.state in ("failed", "skipped"):
                    self._records[key] = replace(rec, state="pending", reason="")
                elif rec.state == "building":
                    building.append(key)
            self.save()
        return sorted(building)

    def requeue(self, name: str, target: str, *, reason: str = "") -> None:
        """Put a ``building`` record back to ``pending`` (its process is gone: mock, local)."""
        with self._lock:
            self._set(name, target, state="pending", reason=reason)
            self.save()

    def start(
        self,
        name: str,
        target: str | None = None,
        *,
        build_id: str | None = None,
        url: str | None = None,
        logs: Sequence[str | Path] = (),
    ) -> None:
        """Mark ``name`` building (on ``target``, or all its targets)."""
        with self._lock:
            for t in self._targets(name, target):
                rec = self._records[(name, t)]
                self._set(
                    name,
                    t,
                    state="building",
                    build_id=build_id,
                    url=url,
                    logs=tuple(str(p) for p in logs) or rec.logs,
                    started=_now(),
                    ended=None,
                    attempts=rec.attempts + 1,
                    reason="",
                )
            self.save()

    def update(
        self,
        name: str,
        target: str | None = None,
        *,
        url: str | None = None,
        logs: Sequence[str | Path] = (),
    ) -> None:
        """Record a URL or more logs without changing the state."""
        with self._lock:
            for t in self._targets(name, target):
                rec = self._records[(name, t)]
                merged = _merge(rec.logs, logs)
                self._set(name, t, url=url or rec.url, logs=merged)
            self.save()

    def succeed(
        self,
        name: str,
        target: str | None = None,
        *,
        url: str | None = None,
        logs: Sequence[str | Path] = (),
    ) -> None:
        with self._lock:
            for t in self._targets(name, target):
                rec = self._records[(name, t)]
                merged = _merge(rec.logs, logs)
                self._set(
                    name,
                    t,
                    state="succeeded",
                    url=url or rec.url,
                    logs=merged,
                    ended=_now(),
                    started=rec.started or _now(),
                    reason="",
                )
            self.save()

    def fail(
        self,
        name: str,
        target: str | None = None,
        *,
        reason: str = "",
        url: str | None = None,
        logs: Sequence[str | Path] = (),
    ) -> list[tuple[str, str]]:
        """Mark ``name`` failed and every transitive dependant ``skipped`` at once.

        Returns the (package, target) records that became skipped: backends that queued them
        elsewhere (Copr batches) cancel those builds.  Succeeded records are left alone.
        """
        skipped: list[tuple[str, str]] = []
        with self._lock:
            targets = self._targets(name, target)
            for t in targets:
                rec = self._records[(name, t)]
                merged = _merge(rec.logs, logs)
                self._set(
                    name,
                    t,
                    state="failed",
                    reason=reason or "build failed",
                    url=url or rec.url,
                    logs=merged,
                    ended=_now(),
                    started=rec.started or _now(),
                )
            for dep in self.plan.dependants(name):
                for t in targets:
                    key = (dep, t)
                    if key not in self._records:
                        continue
                    rec = self._records[key]
                    if rec.state in ("succeeded", "failed", "skipped"):
                        continue
                    self._set(dep, t, state="skipped", reason=f"dependency {name} failed on {t}")
                    skipped.append(key)
            self.save()
        return skipped

    mark_failed = fail

    def skip(self, name: str, target: str | None = None, *, reason: str) -> list[tuple[str, str]]:
        """Mark ``name`` skipped, and its pending or building dependants with it.

        Returns every record that became skipped (``name``'s included).
        """
        out: list[tuple[str, str]] = []
        with self._lock:
            targets = self._targets(name, target)
            for t in targets:
                if self._records[(name, t)].state != "succeeded":
                    self._set(name, t, state="skipped", reason=reason)
                    out.append((name, t))
            for dep in self.plan.dependants(name):
                for t in targets:
                    key = (dep, t)
                    if key in self._records and self._records[key].state in (
                        "pending",
                        "building",
                    ):
                        self._set(dep, t, state="skipped", reason=f"dependency {name} not built")
                        out.append(key)
            self.save()
        return out

    # -- scheduling ------------------------------------------------------------------------
    def ready(self, target: str | None = None) -> list[tuple[str, str]]:
        """Pending (package, target) records whose dependencies have all succeeded there.

        Members of one cycle become ready together (their mutual edges do not block).  In
        build order, so callers may start them as they come.
        """
        out: list[tuple[str, str]] = []
        with self._lock:
            for name in self.plan.order():
                for t in self._targets(name, None):
                    if target is not None and t != target:
                        continue
                    if self._records[(name, t)].state != "pending":
                        continue
                    if all(
                        self._records[(d, t)].state == "succeeded"
                        for d in self.plan.blocking_deps(name)
                        if (d, t) in self._records
                    ):
                        out.append((name, t))
        return out

    # -- reporting -------------------------------------------------------------------------
    def summary(self) -> list[SummaryRow]:
        """Rows for the final table, in build order."""
        return [
            SummaryRow(
                n,
                self.plan.nodes[n].rpm,
                self.plan.generation_of(n),
                tuple(self.records(n)),
            )
            for n in self.plan.order()
        ]
