"""Benchmark: Copr API calls and batches for a vLLM-sized build plan.

Runs the Copr backend (real ``copr.v3`` client) against the local fake Copr frontend
(``tools/devkit/fakecopr.py``) on the real vLLM lock (``tests/data/specgen/vllm/vllm.lock.toml``,
made by ``streams lock`` with its build section, or ``--lock FILE``): its plan across both
chroots, then each chroot alone.  Every build runs 3 poll rounds in the fake.  SRPMs are
placeholder files with the right names (the fake reads only the file name), so the run measures
the API traffic, not rpmbuild.  A synthetic plan (``--packages`` bundled packages in
``--layers`` dependency layers, 2 chroots) and one twice its size show how the count grows.

Prints JSON: packages, generations, batches (must equal generations), API calls by method and
HTTP requests the server saw, per plan.

Run:  .venv/bin/python bench/copr_calls.py [--lock FILE] [--packages 130] [--layers 8]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from streams.builders.copr import CoprApi, CoprBackend, CoprSettings
from streams.builders.plan import BuildPlan, PlanNode
from streams.builders.state import PlanState
from streams.lock import read_lock
from tools.devkit.buildplans import locked_target
from tools.devkit.fakecopr import serve_copr

TARGETS = ("fedora-44-x86_64", "fedora-45-x86_64")
VLLM_LOCK = Path(__file__).resolve().parents[1] / "tests/data/specgen/vllm/vllm.lock.toml"


def synthetic(packages: int, layers: int, targets: tuple[str, ...], seed: int = 44) -> BuildPlan:
    rng = random.Random(seed)
    # layer sizes shrinking toward the application on top, like vLLM's closure
    weights = [layers - i for i in range(layers)]
    sizes = [max(1, packages * w // sum(weights)) for w in weights]
    sizes[0] += packages - sum(sizes)
    names: list[list[str]] = []
    deps: dict[str, list[str]] = {}
    n = 0
    for layer, size in enumerate(sizes):
        names.append([])
        for _ in range(size):
            name = f"dist{n:03d}"
            n += 1
            names[layer].append(name)
            below = names[layer - 1] if layer else []
            deeper = [x for lay in names[: max(0, layer - 1)] for x in lay]
            deps[name] = rng.sample(below, min(len(below), rng.randint(1, 3))) if below else []
            deps[name] += rng.sample(deeper, min(len(deeper), rng.randint(0, 2)))
    return BuildPlan.from_lock([locked_target("vllm", deps, target=t) for t in targets])


def placeholder_srpms(tmp: Path):  # type: ignore[no-untyped-def]
    """One SRPM per package and target, as ``streams build`` makes them (specgen renders a spec
    per target: the interpreter and BuildRequires differ), so each target is its own build."""

    def provide(node: PlanNode, target: str) -> Path:
        path = tmp / target / f"{node.rpm}-{node.version(target) or '1.0'}-1.src.rpm"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(b"placeholder SRPM for the Copr API benchmark\n")
        return path

    return provide


def measure(plan: BuildPlan) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp, serve_copr() as copr:
        api = CoprApi(copr.client(), backoff=0.001)
        backend = CoprBackend(
            api,
            CoprSettings(project="vllm-stream"),
            placeholder_srpms(Path(tmp)),
            poll_interval=0.0,
        )
        out = backend.build(plan, PlanState(plan, None, backend="copr"))
        return {
            "packages": len(plan.nodes),
            "package_builds": sum(len(n.targets) for n in plan.nodes.values()),
            "generations": len(plan.generations),
            "chroots": len(plan.targets),
            "batches": out.batches,
            "server_batches": len(copr.batches),
            "api_calls": sum(out.api_calls.values()),
            "http_requests": copr.calls(),
            "by_method": dict(sorted(out.api_calls.items())),
            "ok": out.ok,
        }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--lock", type=Path, default=VLLM_LOCK)
    ap.add_argument("--packages", type=int, default=130)
    ap.add_argument("--layers", type=int, default=8)
    args = ap.parse_args()
    lock = read_lock(args.lock)
    if lock.variants:  # one variant's closure, as a stream of its own
        lock = lock.for_variant("cuda" if "cuda" in lock.variants else lock.variants[0])
    results: dict[str, object] = {
        "lock": str(args.lock),
        "vllm": measure(BuildPlan.from_lock(lock)),
    }
    for t in lock.target:
        results[f"vllm_{t.name}"] = measure(BuildPlan.from_lock(t, stream=lock.stream))
    results["synthetic"] = measure(synthetic(args.packages, args.layers, TARGETS))
    results["synthetic_double"] = measure(synthetic(2 * args.packages, args.layers, TARGETS))
    print(json.dumps(results, indent=2))
    failed = 0
    for key, run in results.items():
        if isinstance(run, dict) and run["batches"] != run["generations"]:
            print(f"FAIL {key}: batches != generations", file=sys.stderr)
            failed = 1
        if isinstance(run, dict) and not run["ok"]:
            print(f"FAIL {key}: the build did not succeed", file=sys.stderr)
            failed = 1
    return failed


if __name__ == "__main__":
    sys.exit(main())
