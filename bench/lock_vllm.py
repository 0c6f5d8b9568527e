"""Benchmark: warm `streams lock vllm --offline` for one target against plain uv, and against a
Fedora-sized base.

Measures, in one run on the same machine, each as the median of ``--runs`` fresh processes:

* uv       ``uv pip compile --offline`` of ``vllm==0.33.0`` for CPython 3.14 on
           ``x86_64-manylinux_2_40`` against the recorded index (tests/data/index/vllm), with a
           warm uv cache: the upstream resolution alone.
* streams  ``streams lock recipes/vllm.toml --offline --target fedora-44-x86_64
           --no-build-requires`` against the same index and the embedded Fedora 44 snapshot,
           warm (uv cache, index cache, .solv cache): uv plus reading 199 core-metadata files,
           loading the base, reconciling, and reading the requirements of Fedora's versions —
           the job uv does, plus the reconciliation uv does not do.
* streams-75k  the same lock with the base made of the Fedora 44 snapshot plus the
           75,000-package synthetic repository of bench/base_load.py (generated once, cached).
* full     the complete lock of that target (``--seed``: with the build section, which resolves
           and reconciles the bundled sdists' build requirements: more uv runs), for reference.

Targets (issue 4): streams <= 4 x uv; streams-75k < 2 s.

Run:  .venv/bin/python bench/lock_vllm.py [--runs 5]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

INDEX = ROOT / "tests" / "data" / "index" / "vllm" / "simple"
SEEDS = ROOT / "tests" / "data" / "specgen" / "vllm" / "buildinfo"
TARGET = "fedora-44-x86_64"


def timed(argv: list[str], env: dict[str, str] | None = None) -> float:
    t0 = time.perf_counter()
    subprocess.run(argv, check=True, capture_output=True, env=env)
    return time.perf_counter() - t0


def median_of(runs: int, argv: list[str], env: dict[str, str] | None = None) -> float:
    timed(argv, env)  # warm-up: fills every cache
    return statistics.median(timed(argv, env) for _ in range(runs))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--packages", type=int, default=75_000)
    args = ap.parse_args()

    import os

    from bench.base_load import GEN_VERSION, generate
    from streams.infra.fsutil import cache_dir
    from streams.solver.repos import snapshot_dir
    from streams.solver.upstream import GLIBC_PLATFORM, find_uv

    synth = cache_dir("bench", f"base-load-v{GEN_VERSION}-{args.packages}")
    if not (synth / "repodata" / "repomd.xml").exists():
        print(f"generating {args.packages} synthetic packages into {synth} ...", file=sys.stderr)
        generate(synth, args.packages)

    streams = str(Path(sys.executable).with_name("streams"))
    with tempfile.TemporaryDirectory(prefix="bench-lock-") as tmp:
        work = Path(tmp)
        env = dict(os.environ, XDG_CACHE_HOME=str(work / "cache"))
        (work / "req.in").write_text("vllm==0.33.0\n")
        uv = [
            find_uv(),
            "pip",
            "compile",
            str(work / "req.in"),
            "--python-version",
            "3.14",
            "--python-platform",
            f"x86_64-{GLIBC_PLATFORM}",
            "--format",
            "pylock.toml",
            "-o",
            str(work / "pylock.toml"),
            "--index-url",
            INDEX.as_uri(),
            "--offline",
            "--no-config",
            "--quiet",
            "--cache-dir",
            str(work / "uvcache"),
        ]
        recipe = work / "vllm.toml"
        shutil.copy(ROOT / "recipes" / "vllm.toml", recipe)
        lock = [
            streams,
            "lock",
            str(recipe),
            "--offline",
            "--target",
            TARGET,
            "--index-url",
            str(INDEX),
        ]
        full = [*lock, "--seed", str(SEEDS)]
        lock = [*lock, "--no-build-requires"]
        big = [
            *lock,
            "--repo",
            f"fedora={snapshot_dir('f44')}",
            "--repo",
            f"synthetic={synth}",
        ]
        t_uv = median_of(args.runs, uv, env)
        t_streams = median_of(args.runs, lock, env)
        t_big = median_of(args.runs, big, env)
        t_full = median_of(args.runs, full, env)

    ratio = t_streams / t_uv
    print(f"{'measurement':<48} {'median (s)':>10}")
    print(f"{'uv pip compile --offline (vllm, 3.14)':<48} {t_uv:>10.3f}")
    print(f"{'streams lock --offline, fedora-44 snapshot':<48} {t_streams:>10.3f}")
    print(f"{'streams lock --offline, snapshot + 75k synthetic':<48} {t_big:>10.3f}")
    print(f"{'full lock incl. build section (--seed)':<48} {t_full:>10.3f}")
    print()
    print(f"streams / uv = {ratio:.2f} (target <= 4): {'met' if ratio <= 4 else 'NOT met'}")
    print(f"75k-package base: {t_big:.2f} s (target < 2 s): {'met' if t_big < 2 else 'NOT met'}")


if __name__ == "__main__":
    main()
