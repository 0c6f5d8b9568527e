"""Regenerate the vLLM lock of the spec generator's fixture with ``streams lock`` (offline).

    .venv/bin/python tools/specgen_vllm_fixture.py [--check]

Runs, from the repository root, once per variant of the recipe::

    streams lock recipes/vllm.toml --variant cuda --offline \\
        --index-url tests/data/index/vllm/simple \\
        --seed tests/data/specgen/vllm/buildinfo --lock tests/data/specgen/vllm/vllm.lock.toml
    streams lock recipes/vllm.toml --variant cpu --offline \\
        --index-url tests/data/index/vllm-cpu/simple \\
        --seed tests/data/specgen/vllm/buildinfo --lock tests/data/specgen/vllm/vllm.lock.toml

so ``tests/data/specgen/vllm/vllm.lock.toml`` is the real lock of ``recipes/vllm.toml`` (its
``recipe-sha256`` matches the shipped recipe) against the recorded index
(``tests/data/index/vllm``, see its README) and the embedded Fedora snapshots, build section
included.  The seed store ``buildinfo/`` (one JSON per source sha256: build requirements,
license, shared libraries) covers every source the lock and specgen read; a source missing
from it makes the offline lock fail, saying which.  Refresh the recorded index first with
``tools/record_index.py`` when vLLM moves.

``--check`` writes the lock to a temporary file and exits 1 when it differs from the committed
one (the lock is deterministic: same inputs, same bytes).
"""

from __future__ import annotations

import argparse
import filecmp
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "data" / "specgen" / "vllm"


VARIANT_INDEXES = {
    # each variant of recipes/vllm.toml against the index recorded for its closure
    # (tests/data/index/README.md): the cuda one for vLLM 0.33.0, the cpu one for the newest
    # vLLM that works with Fedora 44's torch
    "cuda": ROOT / "tests" / "data" / "index" / "vllm" / "simple",
    "cpu": ROOT / "tests" / "data" / "index" / "vllm-cpu" / "simple",
}


def lock_commands(out: Path) -> list[list[str]]:
    return [
        [
            str(ROOT / ".venv" / "bin" / "streams"),
            "lock",
            str(ROOT / "recipes" / "vllm.toml"),
            "--variant",
            variant,
            "--offline",
            "--index-url",
            str(index),
            "--seed",
            str(FIXTURE / "buildinfo"),
            "--lock",
            str(out),
        ]
        for variant, index in VARIANT_INDEXES.items()
    ]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument(
        "--check", action="store_true", help="only compare a fresh lock with the committed one"
    )
    args = ap.parse_args()
    target = FIXTURE / "vllm.lock.toml"
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "vllm.lock.toml" if args.check else target
        if args.check:
            shutil.copy2(target, out)  # the other variant is kept from the lock being checked
        for command in lock_commands(out):
            res = subprocess.run(command, cwd=ROOT, check=False)
            if res.returncode != 0:
                return res.returncode
        if args.check:
            if not filecmp.cmp(out, target, shallow=False):
                print(f"{target} is out of date: run {sys.argv[0]}", file=sys.stderr)
                return 1
            print(f"{target} is up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
