"""The variants fixture: two file indexes and a base repository for ``tests/data/accel``.

``accelapp`` and ``accelkit`` are on the main index; ``gpukernels`` only on the GPU index,
as PyTorch publishes its CUDA builds on an index of their own.  The base repository is the
demo's (stand-ins for the host's interpreter and setuptools, :func:`tools.devkit.demo.base_rpms`),
so the streams build with rpmbuild on this machine and install into a scratch root.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from tools.devkit.demo import _tinybackend, base_rpms, host_python, make_sdist, make_wheel
from tools.devkit.fakeindex import FakeIndex
from tools.devkit.rpmfixtures import build_rpms, make_repo

ACCEL = Path(__file__).resolve().parents[2] / "tests" / "data" / "accel"
GPU_ONLY = ("gpukernels",)


@dataclass(frozen=True, slots=True)
class Accel:
    work: Path
    recipe: Path
    index: Path
    gpu_index: Path
    base: Path
    """The base for ``--target host`` (the host's Python)."""
    base_f44: Path
    """A base for ``fedora-44-x86_64`` (Python 3.14 stand-ins): enough to lock for Copr."""
    python: str


def _index(trees: list[Path], root: Path) -> Path:
    index = FakeIndex()
    tb = _tinybackend()
    for tree in trees:
        project = tb_project(tree)
        name = str(project["name"])
        sdist_name, sdist = make_sdist(tree)
        index.add_file(name, sdist_name, sdist)
        wheel_name, wheel = make_wheel(tree)
        index.add_file(name, wheel_name, wheel, metadata=tb._metadata(project).encode())
    return index.write_file_index(root)


def tb_project(tree: Path) -> dict[str, object]:
    import tomllib

    with (tree / "pyproject.toml").open("rb") as f:
        project: dict[str, object] = tomllib.load(f)["project"]
    return project


def prepare(work: Path) -> Accel:
    """Write both indexes, the base repo and the recipe (its index URLs filled in)."""
    python, sitedir = host_python()
    work.mkdir(parents=True, exist_ok=True)
    trees = sorted(p for p in (ACCEL / "src").iterdir() if p.is_dir())
    main = _index([t for t in trees if not t.name.startswith(GPU_ONLY)], work / "index")
    gpu = _index([t for t in trees if t.name.startswith(GPU_ONLY)], work / "gpu-index")
    rpms = build_rpms(base_rpms(python, sitedir), work / "base-build")
    base = make_repo(rpms, work / "base")
    f44 = build_rpms(base_rpms("3.14", "/usr/lib/python3.14/site-packages"), work / "f44-build")
    base_f44 = make_repo(f44, work / "base-f44")
    shutil.rmtree(work / "base-build", ignore_errors=True)
    shutil.rmtree(work / "f44-build", ignore_errors=True)
    text = (ACCEL / "accel.toml").read_text(encoding="utf-8")
    text = text.replace("@INDEX@", main.as_uri()).replace("@GPU_INDEX@", gpu.as_uri())
    recipe = work / "accel.toml"
    recipe.write_text(text, encoding="utf-8")
    return Accel(work, recipe, main, gpu, base, base_f44, python)
