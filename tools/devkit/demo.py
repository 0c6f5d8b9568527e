"""The two demo streams: a local package index and a small real Fedora-like base repository.

Everything is made at run time from text under ``tests/data/demo/``:

* ``src/NAME-VERSION/`` -- source trees of tiny real distributions.  Each becomes an sdist
  (tar.gz with ``PKG-INFO``) and a pure wheel built by the demo's own PEP 517 backend,
  ``tinybackend`` (loaded from its source tree), on a PEP 503 *file index* that uv resolves
  against.  ``greeter-app`` is built by ``tinybackend`` in its RPM build as well, so the
  ``greeter`` stream bundles it as a build-only package.
* a base repository of real RPMs (``rpmbuild`` from fixture specs, ``createrepo_c``) that looks
  like Fedora's for the host's ``/usr/bin/python3``: ``python3-colorlib`` 1.5 and
  ``python3-textfmt`` 1.1 with their files in the host interpreter's system site directory and
  ``python3dist()``/``python3.Xdist()`` provides, plus metadata-only stand-ins for the
  interpreter (``python(abi)``) and ``python3-setuptools`` (the host's setuptools is what the
  builds use).
* ``recipes/greeter.toml`` and ``recipes/other.toml``.

The two applications conflict: ``greeter-app`` pins ``colorlib==2.0`` (bundled, the base has
1.5) and reuses the base's ``textfmt`` 1.1; ``other-app`` pins ``colorlib==1.5`` (reused) and
needs ``textfmt>=1.2`` (bundled).  Both install side by side with the base.

``python tools/demo.py WORKDIR`` runs the whole pipeline on them (lock, build, check).
"""

from __future__ import annotations

import gzip
import importlib.util
import io
import shutil
import subprocess
import tarfile
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from tools.devkit.fakeindex import FakeIndex
from tools.devkit.rpmfixtures import FixtureRpm, build_rpms, make_repo

DEMO = Path(__file__).resolve().parents[2] / "tests" / "data" / "demo"
SRC = DEMO / "src"
RECIPES = DEMO / "recipes"
STREAMS = ("greeter", "other")
BASE_DISTS = ("colorlib-1.5", "textfmt-1.1")
SETUPTOOLS_STANDIN = "66.1.1"


@dataclass(frozen=True, slots=True)
class Demo:
    """Where :func:`prepare` put things."""

    work: Path
    index: Path
    """The file index root (``--index-url``)."""
    base: Path
    """The base rpm-md repository (``--repo base=DIR``)."""
    recipes: dict[str, Path]
    python: str
    """``X.Y`` of /usr/bin/python3."""
    sitedir: str
    """Where the host's /usr/bin/python3 imports system packages from (base RPMs' files)."""


def host_python() -> tuple[str, str]:
    """``(X.Y, system site dir)`` of ``/usr/bin/python3``.

    The site dir is the last ``/usr/lib*/...-packages`` entry of its ``sys.path``: Fedora's
    ``/usr/lib/python3.X/site-packages``, Debian's ``/usr/lib/python3/dist-packages`` (Debian's
    ``/usr/local/...`` entry is for pip, not for packages).
    """
    code = (
        "import sys; print('%d.%d' % sys.version_info[:2]); "
        "print([p for p in sys.path if p.startswith('/usr/lib') and p.endswith('-packages')][-1])"
    )
    out = subprocess.run(
        ["/usr/bin/python3", "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    return out[0], out[1]


def _tinybackend() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "_demo_tinybackend", SRC / "tinybackend-0.3" / "tinybackend.py"
    )
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _project(tree: Path) -> dict[str, object]:
    with (tree / "pyproject.toml").open("rb") as f:
        project: dict[str, object] = tomllib.load(f)["project"]
    return project


def make_sdist(tree: Path) -> tuple[str, bytes]:
    """``(filename, bytes)`` of the sdist of a source tree (PKG-INFO from ``[project]``)."""
    tb = _tinybackend()
    project = _project(tree)
    top = f"{tb._escaped(project['name'])}-{project['version']}"
    members = {"PKG-INFO": tb._metadata(project).encode()}
    for f in sorted(tree.rglob("*")):
        if f.is_file() and "__pycache__" not in f.parts:
            members[f.relative_to(tree).as_posix()] = f.read_bytes()
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tf:
        for path, data in sorted(members.items()):
            info = tarfile.TarInfo(f"{top}/{path}")
            info.size = len(data)
            info.mtime = 0
            info.mode = 0o644
            tf.addfile(info, io.BytesIO(data))
    return f"{top}.tar.gz", gzip.compress(raw.getvalue(), mtime=0)


def make_wheel(tree: Path) -> tuple[str, bytes]:
    """``(filename, bytes)`` of the wheel of a source tree, built by tinybackend."""
    with tempfile.TemporaryDirectory() as tmp:
        name = _tinybackend().make_wheel(str(tree), tmp)
        return name, (Path(tmp) / name).read_bytes()


def build_index(root: Path) -> Path:
    """A PEP 503 file index of every demo distribution (sdist + wheel with PEP 658 metadata)."""
    index = FakeIndex()
    tb = _tinybackend()
    for tree in sorted(p for p in SRC.iterdir() if p.is_dir()):
        project = _project(tree)
        name = str(project["name"])
        sdist_name, sdist = make_sdist(tree)
        index.add_file(name, sdist_name, sdist)
        wheel_name, wheel = make_wheel(tree)
        index.add_file(name, wheel_name, wheel, metadata=tb._metadata(project).encode())
    return index.write_file_index(root)


def base_rpms(python: str, sitedir: str) -> list[FixtureRpm]:
    """The base repository's packages (see the module docstring)."""
    tb = _tinybackend()
    out = [
        FixtureRpm(
            "python3",
            f"{python}.0",
            summary="stand-in for the host's interpreter (metadata only)",
            provides=(f"python(abi) = {python}", f"python{python}"),
        ),
        FixtureRpm(
            "python3-setuptools",
            SETUPTOOLS_STANDIN,
            summary="stand-in for the host's setuptools (metadata only)",
            provides=(
                f"python3dist(setuptools) = {SETUPTOOLS_STANDIN}",
                f"python{python}dist(setuptools) = {SETUPTOOLS_STANDIN}",
            ),
            requires=(f"python(abi) = {python}",),
        ),
    ]
    for dist in BASE_DISTS:
        tree = SRC / dist
        project = _project(tree)
        name, version = str(project["name"]), str(project["version"])
        files = [
            (f"{sitedir}/{p.relative_to(tree).as_posix()}", p.read_text(encoding="utf-8"))
            for p in sorted(tree.rglob("*.py"))
            if p.name != "setup.py"
        ]
        files.append(
            (f"{sitedir}/{tb._escaped(name)}-{version}.dist-info/METADATA", tb._metadata(project))
        )
        out.append(
            FixtureRpm(
                f"python3-{name}",
                version,
                provides=(
                    f"python3dist({name}) = {version}",
                    f"python{python}dist({name}) = {version}",
                ),
                requires=(f"python(abi) = {python}",),
                files=tuple(files),
            )
        )
    return out


def prepare(work: Path) -> Demo:
    """Make the index, the base repo and copies of the recipes under ``work``."""
    python, sitedir = host_python()
    work.mkdir(parents=True, exist_ok=True)
    index = build_index(work / "index")
    rpms = build_rpms(base_rpms(python, sitedir), work / "base-build")
    base = make_repo(rpms, work / "base")
    shutil.rmtree(work / "base-build", ignore_errors=True)
    recipes = {}
    for name in STREAMS:
        recipes[name] = work / f"{name}.toml"
        shutil.copy2(RECIPES / f"{name}.toml", recipes[name])
    return Demo(work, index, base, recipes, python, sitedir)
