"""Benchmark: Copr API calls and batches for a vLLM-sized build plan.

Runs the Copr backend (real ``copr.v3`` client) against the local fake Copr frontend
(``tests/helpers/fakecopr.py``) on the vLLM lock when ``recipes/vllm.lock.toml`` exists, else on
a synthetic plan of its shape: ~130 bundled packages in 8 dependency layers, built for 2 chroots.
Every build runs 3 poll rounds in the fake.  SRPMs are placeholder files with the right names
(the fake reads only the file name), so the run measures the API traffic, not rpmbuild.

Prints: packages, generations, batches (must equal generations), API calls by method, HTTP
requests the server saw, and the same for 1 chroot and for twice the packages, to show how the
count grows.

Run:  .venv/bin/python bench/copr_calls.py [--packages 130] [--layers 8]
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
from streams.builders.plan import BuildPlan, PlanNode, PlanState
from streams.lock import read_lock
from tests.helpers.buildplans import locked_target
from tests.helpers.fakecopr import serve_copr

TARGETS = ("fedora-44-x86_64", "fedora-45-x86_64")


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
    def provide(node: PlanNode, target: str) -> Path:
        path = tmp / f"{node.rpm}-{node.version(target) or '1.0'}-1.src.rpm"
        if not path.exists():
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
    ap.add_argument("--packages", type=int, default=130)
    ap.add_argument("--layers", type=int, default=8)
    args = ap.parse_args()
    lock = Path("recipes/vllm.lock.toml")
    if lock.exists():
        plan = BuildPlan.from_lock(read_lock(lock))
        source = str(lock)
    else:
        plan = synthetic(args.packages, args.layers, TARGETS)
        source = f"synthetic ({args.packages} bundled, {args.layers} layers)"
    results = {
        "plan": source,
        "vllm": measure(plan),
        "one_chroot": measure(synthetic(args.packages, args.layers, TARGETS[:1])),
        "double_packages": measure(synthetic(2 * args.packages, args.layers, TARGETS)),
    }
    print(json.dumps(results, indent=2))
    main_run = results["vllm"]
    assert isinstance(main_run, dict)
    if main_run["batches"] != main_run["generations"]:
        print("FAIL: batches != generations", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
