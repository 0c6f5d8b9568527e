"""Regenerate the spec generator's golden files: ``python tools/regen_golden.py``.

Writes ``tests/data/specgen/golden/TARGET/*.spec`` for both targets of the demo stream
(tests/data/specgen/demo).  Review the diff before committing: the golden files are what
``tests/unit/test_specgen_golden.py`` compares the generator's output with.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from streams.specgen import render_plan  # noqa: E402
from tools.devkit.specgen_sources import demo_plan  # noqa: E402

GOLDEN = ROOT / "tests" / "data" / "specgen" / "golden"
TARGETS = ("fedora-44-x86_64", "fedora-45-x86_64")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for target in TARGETS:
            out = GOLDEN / target
            out.mkdir(parents=True, exist_ok=True)
            for old in out.glob("*.spec"):
                old.unlink()
            for spec in render_plan(demo_plan(target, Path(tmp) / target)):  # type: ignore[arg-type]
                (out / spec.filename).write_text(spec.text, encoding="utf-8")
                print(out / spec.filename)


if __name__ == "__main__":
    main()
