"""Run the two demo streams end to end, offline: ``python tools/demo.py [WORKDIR] [-j N]``.

1. prepare: the demo's package index (sdists + wheels from tests/data/demo/src) and its base
   repository (real RPMs built by rpmbuild from fixture specs, indexed by createrepo_c);
2. ``streams lock`` both recipes for the host against them;
3. ``streams build --backend local`` both (unsigned repos under WORKDIR/out/NAME/host/repo);
4. ``streams check`` each ``--with`` the other.

Each step prints the command it runs; the first failing one stops the script with its exit
code.  WORKDIR defaults to ./demo-work (recreated).
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tools.devkit.demo import STREAMS, prepare  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("workdir", nargs="?", default="demo-work", type=Path)
    ap.add_argument("-j", "--jobs", type=int, default=2)
    args = ap.parse_args()
    work: Path = args.workdir.resolve()
    shutil.rmtree(work, ignore_errors=True)
    t0 = time.monotonic()
    print(f"==> preparing the demo index and base repository in {work}", flush=True)
    demo = prepare(work)
    print(f"    index: {demo.index}\n    base:  {demo.base} (Python {demo.python})", flush=True)
    streams = [sys.executable, "-m", "streams"]
    base = ["--repo", f"base={demo.base}"]
    steps: list[list[str]] = []
    for name in STREAMS:
        steps.append(
            ["lock", f"{name}.toml", "--target", "host", *base, "--index-url", str(demo.index)]
        )
    for name in STREAMS:
        steps.append(["build", f"{name}.toml", "--backend", "local", "-j", str(args.jobs)])
    for name, other in zip(STREAMS, reversed(STREAMS), strict=True):
        steps.append(
            ["check", f"{name}.toml", "--target", "host", "--with", f"{other}.toml", *base]
        )
    env = dict(os.environ)
    env.pop("STREAMS_DEMO_BREAK", None)
    for argv in steps:
        print(f"==> streams {shlex.join(argv)}", flush=True)
        code = subprocess.run([*streams, *argv], cwd=work, env=env, check=False).returncode
        if code != 0:
            print(f"demo: step failed with exit code {code}", file=sys.stderr)
            return code
    print(f"==> demo done in {time.monotonic() - t0:.0f}s; repositories:")
    for name in STREAMS:
        print(f"    {work / 'out' / name / 'host' / 'repo' / (name + '-stream.repo')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
