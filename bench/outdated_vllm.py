"""Benchmark: ``streams outdated vllm`` offline, warm (issue 16's target: under 2 s).

    .venv/bin/python bench/outdated_vllm.py [--runs 5]

Runs the real command in a subprocess, as a packager or a CI job does, on the recorded vLLM
lock (tests/data/specgen/vllm) against the embedded Fedora snapshots and the recorded index of
each variant (tests/data/index/vllm for cuda, tests/data/index/vllm-cpu for cpu), with
``--offline``.  The first run warms the caches (libsolv's .solv files, parsed index pages) and
is not counted; the figure is the median wall time of the rest, interpreter start included.
Exit status 1 when the median is 2 s or more.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STREAMS = ROOT / ".venv" / "bin" / "streams"
LOCK = ROOT / "tests" / "data" / "specgen" / "vllm" / "vllm.lock.toml"
INDEX = {
    "cuda": ROOT / "tests" / "data" / "index" / "vllm" / "simple",
    "cpu": ROOT / "tests" / "data" / "index" / "vllm-cpu" / "simple",
}
BUDGET = 2.0


def once(variant: str) -> tuple[float, dict[str, object]]:
    argv = [
        str(STREAMS),
        "outdated",
        "vllm",
        "--lock",
        str(LOCK),
        "--variant",
        variant,
        "--offline",
        "--index-url",
        str(INDEX[variant]),
        "--json",
    ]
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, check=False)
    took = time.perf_counter() - start
    if done.returncode not in (0, 1, 3):
        sys.exit(f"streams outdated failed ({done.returncode}): {done.stderr}")
    return took, json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    slow = False
    for variant in INDEX:
        once(variant)  # warm-up
        times: list[float] = []
        data: dict[str, object] = {}
        for _ in range(args.runs):
            took, data = once(variant)
            times.append(took)
        median = statistics.median(times)
        counts = data["counts"]
        targets = len(data["targets"])  # type: ignore[arg-type]
        print(
            f"outdated vllm --variant {variant}: {targets} target(s), drift {counts}, "
            f"median {median:.2f} s of {args.runs} warm runs (min {min(times):.2f} s)"
        )
        slow = slow or median >= BUDGET
    if slow:
        sys.exit(f"slower than the {BUDGET:.0f} s budget")


if __name__ == "__main__":
    main()
