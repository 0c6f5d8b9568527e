"""Benchmark of the index client against the local fake index (no network).

    .venv/bin/python -m bench.bench_index

Prints, for 40 releases served with a simulated 20 ms latency per request: the wall time of
metadata_many with 1 and 8 workers, the warm-cache time, and the bytes a range read of
METADATA costs for a 5 MB wheel compared with downloading it.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from streams.infra.http import RetryPolicy
from streams.solver.index import IndexClient
from tools.devkit.fakeindex import FakeIndex

FAST = RetryPolicy(attempts=2, backoff=0.01)


def main() -> None:
    with FakeIndex() as idx, tempfile.TemporaryDirectory() as tmp:
        n = 40
        for i in range(n):
            idx.add_wheel(f"p{i}", "1.0", requires_dist=["x"], pep658=i % 2 == 0)
        idx.delay = 0.02
        wanted = [(f"p{i}", "1.0") for i in range(n)]
        for workers in (1, 8):
            cache = Path(tmp) / f"c{workers}"
            t0 = time.perf_counter()
            IndexClient(idx.url, cache=cache, workers=workers, retry=FAST).metadata_many(wanted)
            cold = time.perf_counter() - t0
            t0 = time.perf_counter()
            IndexClient(idx.url, cache=cache, workers=workers, retry=FAST).metadata_many(wanted)
            warm = time.perf_counter() - t0
            print(
                f"{n} releases, workers={workers}: cold {cold:.2f}s, warm (pages only) {warm:.2f}s"
            )
        idx.delay = 0
        big = idx.add_wheel("big", "1.0", pep658=False, padding=5_000_000, requires_dist=["y"])
        idx.clear_hits()
        md = IndexClient(idx.url, cache=Path(tmp) / "big", retry=FAST).metadata("big", "1.0")
        sent = sum(h.sent for h in idx.hits if h.path.startswith("/files/"))
        print(
            f"METADATA of a {len(big.data) / 1e6:.1f} MB wheel via {md.source}: "
            f"{sent / 1024:.0f} KiB in {idx.count('/files/')} requests"
        )


if __name__ == "__main__":
    main()
