"""Two streams that bundle the same compiled distribution install into one root side by side.

The demo lock's ``cext`` (a C extension built from its sdist) is generated as a package of two
streams, ``demo`` and ``twin``, built with rpmbuild and installed together with ``rpm --root``:
no file of either is outside its prefix (no ``/usr/lib/.build-id`` links, which both RPMs would
own and conflict on), only ``/opt/streams`` is shared, and rpm reports no conflict.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from streams.specgen import fetch_sources, render_plan
from tools.devkit.specgen_sources import demo_fetch, demo_plan

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        any(shutil.which(t) is None for t in ("rpmbuild", "rpm", "gcc")),
        reason="rpmbuild, rpm and gcc are needed (scripts/setup.sh)",
    ),
]


def _host_python() -> str:
    return subprocess.run(
        ["/usr/bin/python3", "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def _build(stream: str, tmp_path: Path) -> Path:
    plan = demo_plan("host", tmp_path / "store", host_python=_host_python(), stream=stream)
    out = tmp_path / stream
    fetch_sources(plan, out / "SOURCES", fetch=demo_fetch)  # type: ignore[arg-type]
    specs = {s.filename: s.text for s in render_plan(plan)}  # type: ignore[arg-type]
    spec = out / f"{stream}-stream-python3-cext.spec"
    spec.write_text(specs[spec.name])
    assert "BuildArch:      noarch" not in spec.read_text()
    top = tmp_path / f"rpmbuild-{stream}"
    built = subprocess.run(
        [
            "rpmbuild",
            "-bb",
            "--nodeps",
            "--define",
            f"_topdir {top}",
            "--define",
            f"_sourcedir {out / 'SOURCES'}",
            str(spec),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    return next((top / "RPMS").glob("*/*.rpm"))


def test_two_streams_bundling_one_compiled_distribution_install_side_by_side(
    tmp_path: Path,
) -> None:
    rpms = {stream: _build(stream, tmp_path) for stream in ("demo", "twin")}
    for stream, rpm in rpms.items():
        files = subprocess.run(
            ["rpm", "-qpl", str(rpm)], capture_output=True, text=True, check=True
        ).stdout.splitlines()
        assert any(f.endswith(".so") for f in files), files  # it is the compiled one
        outside = [f for f in files if not f.startswith(f"/opt/streams/{stream}/")]
        assert not outside, (stream, outside)
    root = tmp_path / "root"
    installed = subprocess.run(
        ["rpm", "--root", str(root), "-i", "--nodeps", "--noscripts", *map(str, rpms.values())],
        capture_output=True,
        text=True,
        check=False,
    )
    assert installed.returncode == 0, installed.stderr
    assert not (root / "usr" / "lib" / ".build-id").exists()
    for stream in rpms:
        assert list((root / "opt" / "streams" / stream).rglob("cext*.so"))
