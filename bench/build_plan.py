"""Benchmark: build-plan depth of the vLLM lock, and local build makespan with -j 2 vs -j 1.

1. The vLLM lock (``tests/data/specgen/vllm/vllm.lock.toml``, or ``--lock FILE``): packages,
   generations of :class:`BuildPlan`, and the longest path of the condensed build graph
   (networkx), which must be equal -- generations are the critical path, so no backend can
   build it in fewer sequential steps.
2. A synthetic stream of 40 small packages with a known shape (4 layers of 10; each package
   of layer k needs 2 seeded-random packages of layer k-1), plus the runtime and the
   metapackage: real ``rpmbuild -bb`` through :class:`LocalBackend`, each ``%build`` sleeping
   ``--work`` seconds to stand for compile time, once with ``-j 1`` and once with ``-j 2``.

Run:  .venv/bin/python bench/build_plan.py [--work 0.3] [--lock FILE]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

import networkx as nx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from streams.builders.plan import BuildPlan, PlanNode
from streams.builders.rpmbuild import LocalBackend, staged_deps
from streams.builders.workspace import open_state
from streams.lock import read_lock
from streams.targets import host_python_version
from tools.devkit.buildplans import locked_target

VLLM_LOCK = Path(__file__).resolve().parents[1] / "tests/data/specgen/vllm/vllm.lock.toml"

SPEC = """\
Name: {rpm}
Version: 1.0
Release: 1
Summary: synthetic package {rpm}
License: MIT
BuildArch: noarch

%description
Synthetic package for bench/build_plan.py.

%build
{checks}
sleep {work}

%install
mkdir -p %{{buildroot}}/opt/streams/b
echo {rpm} > %{{buildroot}}/opt/streams/b/{rpm}

%files
/opt/streams/b/{rpm}
"""


def _condensed_longest_path(plan: BuildPlan) -> list[str]:
    """The longest chain of the condensed build graph, dependencies first (cycles as sets)."""
    g = nx.DiGraph()
    g.add_nodes_from(plan.deps)
    g.add_edges_from((a, b) for a, ds in plan.deps.items() for b in ds)
    cond = nx.condensation(g)
    path = nx.dag_longest_path(cond)
    steps = []
    for c in reversed(path):  # edges point from dependant to dependency
        members = sorted(cond.nodes[c]["members"])
        steps.append(members[0] if len(members) == 1 else "{" + ", ".join(members) + "}")
    return steps


def vllm_depth(lock_file: Path) -> None:
    lock = read_lock(lock_file)
    if lock.variants:  # one variant's closure, as a stream of its own
        lock = lock.for_variant("cuda" if "cuda" in lock.variants else lock.variants[0])
    plan = BuildPlan.from_lock(lock)
    edges = sum(len(ds) for ds in plan.deps.values())
    build_only = sum(1 for n in plan.nodes.values() if n.build_only)
    longest = _condensed_longest_path(plan)
    print(
        f"vLLM lock {lock_file.name}: {len(plan.nodes)} plan nodes over {len(plan.targets)} "
        f"targets ({build_only} of them build-only wherever bundled), {edges} build-graph edges"
    )
    print(
        f"  generations: {len(plan.generations)}; longest path of the condensed build graph: "
        f"{len(longest)} nodes; cycles: {len(plan.cycles())}"
    )
    print("  longest path: " + " <- ".join(longest))
    for step in plan.cycles():
        print(f"  cycle {step}: {step.reason}")
    for t in lock.target:
        one = BuildPlan.from_lock(t, stream=lock.stream)
        kinds = {e.kind for e in t.edge}
        print(
            f"  {t.name}: {len(t.bundled())} bundled "
            f"({sum(p.build_only for p in t.package)} build-only), "
            f"{sum(e.kind == 'build' for e in t.edge)} build edges, "
            f"{len(one.generations)} generations"
            + ("" if "build" in kinds else " (no build section in the lock)")
        )
    assert len(longest) == len(plan.generations), "generations must equal the critical path"


def synthetic_plan(layers: int = 4, width: int = 10, seed: int = 40) -> BuildPlan:
    rng = random.Random(seed)
    deps: dict[str, list[str]] = {}
    for k in range(layers):
        for i in range(width):
            below = [f"l{k - 1}p{j}" for j in range(width)] if k else []
            deps[f"l{k}p{i}"] = sorted(rng.sample(below, 2)) if below else []
    return BuildPlan.from_lock(locked_target("bench", deps, target="host"))


def write_specs(plan: BuildPlan, root: Path, work: float) -> None:
    for node in plan.nodes.values():
        checks = "\n".join(
            f"test -f %{{stream_staging}}/opt/streams/b/{plan.nodes[d].rpm}"
            for d in staged_deps(plan, node.name)
        )
        d = root / node.rpm
        d.mkdir(parents=True, exist_ok=True)
        (d / f"{node.rpm}.spec").write_text(SPEC.format(rpm=node.rpm, checks=checks, work=work))


def makespan(plan: BuildPlan, specs: Path, out: Path, jobs: int, py: str) -> float:
    def locate(node: PlanNode, target: str) -> tuple[Path, Path]:
        return specs / node.rpm / f"{node.rpm}.spec", specs / node.rpm

    state, _ = open_state(plan, out, "local", resume=False)
    t0 = time.monotonic()
    backend = LocalBackend(specs=locate, outdir=out, jobs=jobs, host_version=py)
    outcome = backend.build(plan, state)
    took = time.monotonic() - t0
    assert outcome.ok, [r for r in outcome.rows if r.state != "succeeded"]
    return took


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lock", type=Path, default=VLLM_LOCK)
    ap.add_argument("--work", type=float, default=0.3, help="seconds of %%build per package")
    args = ap.parse_args()
    vllm_depth(args.lock)

    plan = synthetic_plan()
    py = host_python_version()
    print(
        f"synthetic: {len(plan.nodes)} packages (40 + runtime + metapackage), "
        f"{len(plan.generations)} generations, %build sleeps {args.work}s"
    )
    with tempfile.TemporaryDirectory() as tmp:
        specs = Path(tmp) / "specs"
        write_specs(plan, specs, args.work)
        times = {j: makespan(plan, specs, Path(tmp) / f"out-j{j}", j, py) for j in (1, 2)}
    print(f"  -j 1: {times[1]:.1f}s   -j 2: {times[2]:.1f}s   speed-up {times[1] / times[2]:.2f}x")


if __name__ == "__main__":
    main()
