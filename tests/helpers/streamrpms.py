"""Build the stream-shaped fixture specs of ``tests/data/streamrpms`` with rpmbuild.

``build_spec(spec, workdir)`` runs ``rpmbuild -bb`` with ``pyver`` set to the host Python's
``X.Y`` (so the bundled modules land in the ``lib/pythonX.Y/site-packages`` that the host's
``/usr/bin/python3`` reads through ``pyvenv.cfg``) and returns every binary RPM it wrote.
"""

from __future__ import annotations

import functools
import re
import subprocess
from pathlib import Path

from streams.infra.proc import run, which

SPECS = Path(__file__).resolve().parent.parent / "data" / "streamrpms"

_WROTE = re.compile(r"^Wrote:\s+(\S+\.rpm)\s*$", re.MULTILINE)


@functools.cache
def host_pyver() -> str:
    """``X.Y`` of ``/usr/bin/python3`` (the interpreter the smoke run uses)."""
    out = subprocess.run(
        ["/usr/bin/python3", "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip()


def build_spec(spec: Path, workdir: Path) -> list[Path]:
    """``rpmbuild -bb spec`` under ``workdir``; the binary RPMs it wrote, in its order."""
    top = workdir / "rpmbuild"
    for d in ("SPECS", "SOURCES", "BUILD", "RPMS", "BUILDROOT"):
        (top / d).mkdir(parents=True, exist_ok=True)
    res = run(
        [
            which("rpmbuild"),
            "-bb",
            "--define",
            f"_topdir {top}",
            "--define",
            f"pyver {host_pyver()}",
            "--define",
            "_build_id_links none",
            "--define",
            "__os_install_post %{nil}",
            str(spec),
        ],
        what=f"rpmbuild of fixture {spec.name}",
    )
    return [Path(p) for p in _WROTE.findall(res.stdout + res.stderr) if not p.endswith(".src.rpm")]


def build_specs(specs: list[Path], workdir: Path) -> list[Path]:
    """Build several specs; all their binary RPMs."""
    out: list[Path] = []
    for spec in specs:
        out += build_spec(spec, workdir)
    return out


BROKEN = ("leaked-provides", "sitepackages-file", "base-resolvable")


def build_fixture_sets(workdir: Path) -> dict[str, list[Path]]:
    """Build every fixture spec: ``good``, ``base``, ``other`` and one set per broken spec.

    Each set builds in its own directory (the broken ``greet`` specs share file names with the
    good one).
    """
    sets = {
        d: build_specs(sorted((SPECS / d).glob("*.spec")), workdir / d)
        for d in ("good", "base", "other")
    }
    for name in BROKEN:
        sets[name] = build_spec(SPECS / "broken" / f"{name}.spec", workdir / name)
    return sets


def swap_in(good: list[Path], extra: list[Path]) -> list[Path]:
    """``good`` with every RPM of the same file name replaced by the one in ``extra``."""
    names = {p.name for p in extra}
    return [p for p in good if p.name not in names] + list(extra)


def stage(rpms: list[Path], directory: Path) -> Path:
    """Copy ``rpms`` into ``directory`` (the "build results" a publish reads)."""
    import shutil

    directory.mkdir(parents=True, exist_ok=True)
    for p in rpms:
        shutil.copy2(p, directory / p.name)
    return directory
