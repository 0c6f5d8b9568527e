"""The build plan: what to build, and in which order.

:class:`BuildPlan` is pure: it is computed from the lock's build and runtime edges
(:func:`streams.lock.graph.build_graph`), merged over every target, and ordered by the
topological generations of its condensation (a dependency cycle is one step, built together,
with the edges that form it kept as the reason).  The stream's own packages are plan nodes too:
``NAME-stream-runtime`` owns the prefix and needs nothing bundled, so it is in generation 0;
``NAME-stream`` (the metapackage) requires everything, so it is alone in the last generation.

Where each build stands is :class:`streams.builders.state.PlanState`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import networkx as nx

from streams.errors import LockError
from streams.lock import Lock, LockedTarget
from streams.lock.graph import build_graph
from streams.lock.graph import generations as graph_generations

NodeKind = Literal["runtime", "package", "metapackage"]

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
