"""Generated specs of the demo stream against the committed golden files.

Regenerate after an intended change with ``python tools/regen_golden.py`` and review the diff.
The demo stream (tests/data/specgen/demo) covers: a pure-Python sdist with a console script
(hello-cow), an sdist built by a backend the stream bundles (uses-backend / tinybackend), an
sdist with a C extension (cext), a wheel repackage (fastlib), the runtime and the metapackage;
fedora-44 on its main Python (reuse from Fedora), fedora-45 on the alternative python3.14.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from streams.specgen import render_plan
from tools.devkit.specgen_sources import demo_plan

GOLDEN = Path(__file__).resolve().parent.parent / "data" / "specgen" / "golden"
TARGETS = ("fedora-44-x86_64", "fedora-45-x86_64")


@pytest.mark.parametrize("target", TARGETS)
def test_specs_match_golden_files(target: str, tmp_path: Path) -> None:
    rendered = {s.filename: s.text for s in render_plan(demo_plan(target, tmp_path))}  # type: ignore[arg-type]
    expected = {p.name: p.read_text("utf-8") for p in (GOLDEN / target).glob("*.spec")}
    assert sorted(rendered) == sorted(expected), "run: python tools/regen_golden.py"
    for name, text in rendered.items():
        assert text == expected[name], f"{target}/{name} differs; run: python tools/regen_golden.py"


def test_the_golden_set_covers_every_kind_of_spec() -> None:
    names = {p.name for p in (GOLDEN / "fedora-44-x86_64").glob("*.spec")}
    assert {
        "demo-stream-python3-hello-cow.spec",  # pure sdist with a console script
        "demo-stream-python3-uses-backend.spec",  # built by a bundled backend
        "demo-stream-python3-cext.spec",  # C extension
        "demo-stream-python3-fastlib.spec",  # wheel repackage
        "demo-stream-runtime.spec",
        "demo-stream.spec",
    } <= names


def test_same_lock_same_bytes(tmp_path: Path) -> None:
    first = render_plan(demo_plan("fedora-44-x86_64", tmp_path / "a"))  # type: ignore[arg-type]
    second = render_plan(demo_plan("fedora-44-x86_64", tmp_path / "b"))  # type: ignore[arg-type]
    assert first == second
