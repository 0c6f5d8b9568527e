"""Tiny sdists and wheels for the spec generator's tests, built byte-for-byte reproducibly.

The committed copies under ``tests/data/specgen/sources/`` were written by
``python -m tools.devkit.specgen_sources`` (run it again only when a fixture must change:
the golden specs record their sha256).
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import tarfile
import zipfile
from pathlib import Path

EPOCH = 946684800  # 2000-01-01: fixed mtimes so archives are reproducible

DATA = Path(__file__).resolve().parents[2] / "tests" / "data"
SOURCES = DATA / "specgen" / "sources"


def pkg_info(
    name: str,
    version: str,
    *,
    summary: str,
    description: str = "",
    license_expression: str = "",
    classifiers: tuple[str, ...] = (),
    home_page: str = "",
    requires: tuple[str, ...] = (),
) -> str:
    lines = ["Metadata-Version: 2.4" if license_expression else "Metadata-Version: 2.1"]
    lines += [f"Name: {name}", f"Version: {version}", f"Summary: {summary}"]
    if home_page:
        lines.append(f"Home-page: {home_page}")
    if license_expression:
        lines.append(f"License-Expression: {license_expression}")
    lines += [f"Classifier: {c}" for c in classifiers]
    lines += [f"Requires-Dist: {r}" for r in requires]
    text = "\n".join(lines) + "\n"
    if description:
        text += "Description-Content-Type: text/markdown\n\n" + description + "\n"
    return text


def make_sdist(dest: Path, name: str, version: str, files: dict[str, str]) -> Path:
    """``dest/NAME-VERSION.tar.gz`` with ``files`` under ``NAME-VERSION/`` (reproducible)."""
    stem = f"{name.replace('-', '_')}-{version}"
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for rel, text in sorted(files.items()):
            data = text.encode("utf-8")
            info = tarfile.TarInfo(f"{stem}/{rel}")
            info.size = len(data)
            info.mtime = EPOCH
            info.mode = 0o644
            info.uname = info.gname = "root"
            tar.addfile(info, io.BytesIO(data))
    path = dest / f"{stem}.tar.gz"
    dest.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh, gzip.GzipFile(fileobj=fh, mode="wb", mtime=0) as gz:
        gz.write(raw.getvalue())
    return path


def make_wheel(dest: Path, filename: str, files: dict[str, bytes]) -> Path:
    """A wheel with ``files`` plus a correct RECORD (reproducible)."""
    dist_info = next(k.split("/")[0] for k in files if k.endswith(".dist-info/METADATA"))
    record_lines = []
    for rel, data in sorted(files.items()):
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record_lines.append(f"{rel},sha256={digest},{len(data)}")
    record_lines.append(f"{dist_info}/RECORD,,")
    all_files = {**files, f"{dist_info}/RECORD": ("\n".join(record_lines) + "\n").encode()}
    path = dest / filename
    dest.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for rel, data in sorted(all_files.items()):
            info = zipfile.ZipInfo(rel, date_time=(2000, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    return path


SETUPTOOLS_PYPROJECT = """\
[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "{name}"
version = "{version}"
description = "{summary}"
{extra}
"""


def hello_cow(dest: Path) -> Path:
    """Pure Python, setuptools, a console script; builds with the host's setuptools."""
    summary = "Say hello like a cow, 100% pure Python"
    desc = (
        "# hello-cow\n\n[![badge](https://example.org/b.svg)](https://example.org)\n\n"
        "hello-cow prints a greeting inside a speech bubble, spoken by a cow. It exists to "
        "test how streams packages a pure-Python distribution with a console script: the "
        "script's shebang must point at the stream's python, and nothing may leak out of "
        "the prefix.\n\n```\n$ hello-cow\n```\n"
    )
    extra = (
        'license = "MIT"\n'
        'dependencies = ["attrs>=22.1", "cext==1.2"]\n'
        '[project.scripts]\nhello-cow = "hello_cow:main"\n'
        '[project.urls]\nHomepage = "https://example.org/hello-cow"\n'
        '[tool.setuptools]\npy-modules = ["hello_cow"]\n'
    ).replace('license = "MIT"\n', "")
    files = {
        "pyproject.toml": SETUPTOOLS_PYPROJECT.format(
            name="hello-cow", version="1.0", summary=summary, extra=extra
        ),
        "hello_cow.py": 'def main():\n    print("< hello >\\n  \\\\ (oo)")\n',
        "LICENSE": "MIT License\n\nCopyright (c) 2000 The hello-cow authors\n",
        "PKG-INFO": pkg_info(
            "hello-cow",
            "1.0",
            summary=summary,
            description=desc,
            classifiers=("License :: OSI Approved :: MIT License",),
            home_page="https://example.org/hello-cow",
            requires=("attrs>=22.1", "cext==1.2"),
        ),
    }
    return make_sdist(dest, "hello-cow", "1.0", files)


def tinybackend(dest: Path) -> Path:
    """A PEP 517 backend that builds itself (backend-path)."""
    files = {
        "pyproject.toml": '[build-system]\nrequires = []\nbuild-backend = "tinybackend"\n'
        'backend-path = ["."]\n',
        "tinybackend.py": "def build_wheel(wheel_directory, config_settings=None, "
        "metadata_directory=None):\n    raise NotImplementedError\n",
        "PKG-INFO": pkg_info(
            "tinybackend",
            "0.3",
            summary="A tiny PEP 517 build backend",
            license_expression="Apache-2.0",
        ),
    }
    return make_sdist(dest, "tinybackend", "0.3", files)


def uses_backend(dest: Path) -> Path:
    """Built by tinybackend, which the stream bundles."""
    files = {
        "pyproject.toml": '[build-system]\nrequires = ["tinybackend>=0.2", '
        "\"tomli>=1; python_version < '3.11'\"]\n"
        'build-backend = "tinybackend"\n',
        "uses_backend.py": "VALUE = 1\n",
        "PKG-INFO": pkg_info(
            "uses-backend",
            "2.0",
            summary="Built with a bundled backend",
            classifiers=(
                "License :: OSI Approved :: MIT License",
                "License :: OSI Approved :: Apache Software License",
            ),
        ),
    }
    return make_sdist(dest, "uses-backend", "2.0", files)


def cext(dest: Path) -> Path:
    """A C extension built by setuptools (legacy: no pyproject.toml)."""
    files = {
        "setup.py": "from setuptools import Extension, setup\n"
        'setup(name="cext", version="1.2", ext_modules=[Extension("cext", ["cext.c"])])\n',
        "cext.c": "#include <Python.h>\n"
        'static struct PyModuleDef m = {PyModuleDef_HEAD_INIT, "cext", NULL, -1, NULL};\n'
        "PyMODINIT_FUNC PyInit_cext(void) { return PyModule_Create(&m); }\n",
        "PKG-INFO": pkg_info(
            "cext",
            "1.2",
            summary="A C extension module",
            classifiers=("License :: OSI Approved :: BSD License",),
        ),
    }
    return make_sdist(dest, "cext", "1.2", files)


def fastlib(dest: Path) -> Path:
    """A platform wheel shipping a shared library (auditwheel style) and an extension."""
    di = "fastlib-3.0.dist-info"
    meta = pkg_info(
        "fastlib",
        "3.0",
        summary="Fast things, prebuilt",
        description="fastlib ships a prebuilt shared library and an extension module that "
        "links to it; streams repackages the wheel instead of building it.",
        license_expression="BSD-3-Clause",
    )
    files = {
        "fastlib/__init__.py": b"from fastlib._core import *\n",
        "fastlib/_core.cpython-314-x86_64-linux-gnu.so": b"\x7fELF not really\n",
        # auditwheel grafts the OpenMP runtime it links: a third-party library (GCC runtime)
        "fastlib.libs/libgomp-1a2b3c4d.so.1": b"\x7fELF not really\n",
        f"{di}/METADATA": meta.encode(),
        f"{di}/WHEEL": b"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: false\n"
        b"Tag: cp314-cp314-manylinux_2_28_x86_64\n",
        f"{di}/entry_points.txt": b"[console_scripts]\nfastlib-bench = fastlib:bench\n",
    }
    return make_wheel(dest, "fastlib-3.0-cp314-cp314-manylinux_2_28_x86_64.whl", files)


def attrs(dest: Path) -> Path:
    """A pure wheel standing in for attrs (bundled where Fedora's cannot be reused)."""
    di = "attrs-25.1.0.dist-info"
    meta = pkg_info(
        "attrs", "25.1.0", summary="Classes Without Boilerplate", license_expression="MIT"
    )
    files = {
        "attrs/__init__.py": b"",
        f"{di}/METADATA": meta.encode(),
        f"{di}/WHEEL": b"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\n"
        b"Tag: py3-none-any\n",
        f"{di}/licenses/LICENSE": b"MIT License\n",
    }
    return make_wheel(dest, "attrs-25.1.0-py3-none-any.whl", files)


def write_all(dest: Path = SOURCES) -> list[Path]:
    return [f(dest) for f in (hello_cow, tinybackend, uses_backend, cext, fastlib, attrs)]


DEMO = DATA / "specgen" / "demo"


def write_demo_lock(sources: Path = SOURCES, recipe: Path = DEMO / "demo.toml") -> Path:
    """Write ``demo.lock.toml``, a hand-made lock of the demo stream (the lock step's shape):
    fedora-44 reuses attrs from Fedora (main Python 3.14), fedora-45 runs on the alternative
    python3.14 and bundles everything."""
    from streams.lock import (
        Lock,
        LockedEdge,
        LockedPackage,
        LockedRepo,
        LockedSource,
        LockedTarget,
        Revision,
        lock_path,
        write_lock,
    )

    def src(filename: str, kind: str) -> LockedSource:
        digest = hashlib.sha256((sources / filename).read_bytes()).hexdigest()
        url = f"https://files.pythonhosted.org/packages/ab/cd/{filename}"
        return LockedSource(kind=kind, url=url, sha256=digest, filename=filename)  # type: ignore[arg-type]

    def bundle(name: str, version: str, **kw: object) -> LockedPackage:
        reason = kw.pop("reason", f"bundled: Fedora does not package {name}")
        return LockedPackage(
            name=name,
            version=version,
            origin="bundle",
            rpm=f"demo-stream-python3-{name}",
            evr=version,
            reason=str(reason),
            **kw,  # type: ignore[arg-type]
        )

    def packages(main: bool) -> list[LockedPackage]:
        if main:
            attrs_pkg = LockedPackage(
                name="attrs",
                version="25.1.0",
                origin="fedora",
                rpm="python3-attrs",
                evr="25.1.0",
                repo="fedora",
                reason="reused: Fedora's python3-attrs 25.1.0 satisfies attrs>=22.1",
            )
        else:
            attrs_pkg = bundle(
                "attrs",
                "25.1.0",
                sources=(src("attrs-25.1.0-py3-none-any.whl", "wheel"),),
                reason="bundled: Fedora's python3-* are built for the main Python only",
            )
        return [
            attrs_pkg,
            bundle(
                "hello-cow",
                "1.0",
                requires=("attrs>=22.1", "cext==1.2"),
                sources=(src("hello_cow-1.0.tar.gz", "sdist"),),
                build_requires=("setuptools>=61",),
            ),
            bundle(
                "cext",
                "1.2",
                sources=(src("cext-1.2.tar.gz", "sdist"),),
                build_requires=("setuptools>=40.8.0", "wheel"),
            ),
            bundle(
                "tinybackend",
                "0.3",
                sources=(src("tinybackend-0.3.tar.gz", "sdist"),),
                build_only=True,
                reason="bundled to build uses-backend: Fedora does not package tinybackend",
            ),
            bundle(
                "uses-backend",
                "2.0",
                sources=(src("uses_backend-2.0.tar.gz", "sdist"),),
                build_requires=("tinybackend>=0.2", "tomli>=1; python_version < '3.11'"),
            ),
            bundle(
                "fastlib",
                "3.0",
                sources=(src("fastlib-3.0-cp314-cp314-manylinux_2_28_x86_64.whl", "wheel"),),
            ),
        ]

    edges = (
        LockedEdge(source="hello-cow", target="attrs", requirement="attrs>=22.1"),
        LockedEdge(source="hello-cow", target="cext", requirement="cext==1.2"),
        LockedEdge(
            source="uses-backend",
            target="tinybackend",
            requirement="tinybackend>=0.2",
            kind="build",
        ),
    )
    targets = tuple(
        LockedTarget(
            name=name,
            python="3.14",
            interpreter="python3" if main else "python3.14",
            interpreter_main=main,
            package=tuple(packages(main)),
            edge=edges,
            repo=(LockedRepo(name="fedora", url=f"snapshot:{snap}"),),
        )
        for name, main, snap in (
            ("fedora-44-x86_64", True, "f44"),
            ("fedora-45-x86_64", False, "f45"),
        )
    )
    # Revisions as `streams lock` records them: fedora-44 is a re-lock of a lock that also
    # bundled oldlib 0.9 (release 2), which the runtime now obsoletes.
    from streams.lock.revisions import stamp_lock, stamp_target
    from streams.recipe import load_recipe

    loaded = load_recipe(recipe)
    packager = "Demo Packager <demo@example.org>"
    earlier = targets[0].model_copy(
        update={
            "package": (
                *targets[0].package,
                bundle("oldlib", "0.9", revision=Revision(release=2, digest="0" * 64)),
            )
        }
    )
    stamped = tuple(
        stamp_target(
            t,
            earlier if t.name == "fedora-44-x86_64" else None,
            loaded,
            date="2026-01-15",
            packager=packager,
        )
        for t in targets
    )
    lock = Lock(
        stream="demo",
        recipe=recipe.name,
        recipe_sha256=hashlib.sha256(recipe.read_bytes()).hexdigest(),
        target=stamped,
    )
    lock = stamp_lock(lock, packager=packager)
    path = lock_path(recipe)
    write_lock(path, lock)
    return path


if __name__ == "__main__":
    for p in write_all(SOURCES):
        print(p, hashlib.sha256(p.read_bytes()).hexdigest())
    print(write_demo_lock())


def demo_fetch(src: object) -> Path:
    """A fetcher serving the committed demo sources (by file name)."""
    return SOURCES / src.filename  # type: ignore[attr-defined]


def demo_plan(
    target: str, store_root: Path, *, host_python: str | None = None, stream: str | None = None
) -> object:
    """The spec plan of the demo stream for ``target`` (``host``: fedora-44's lock made into a
    host target for ``host_python``, without fastlib, whose only wheel is for CPython 3.14);
    ``stream``: the same lock as another stream's (its name, prefix /opt/streams/STREAM)."""
    import dataclasses

    from streams.lock import lock_path, read_lock
    from streams.recipe import load_recipe
    from streams.sources import SourceInfoStore
    from streams.specgen import StreamSettings, plan_target

    recipe = load_recipe(DEMO / "demo.toml")
    lock = read_lock(lock_path(DEMO / "demo.toml"))
    if target == "host":
        base = lock.get_target("fedora-44-x86_64")
        locked = base.model_copy(
            update={
                "name": "host",
                "python": host_python or "3.11",
                "package": tuple(p for p in base.package if p.name != "fastlib"),
            }
        )
        interpreter = "/usr/bin/python3"
    else:
        locked = lock.get_target(target)
        interpreter = recipe.interpreter_for(target).executable
    settings = StreamSettings.from_recipe(recipe)
    if stream is not None:
        settings = dataclasses.replace(settings, name=stream, prefix=f"/opt/streams/{stream}")
    return plan_target(
        settings,
        locked,
        SourceInfoStore(root=store_root),
        arch="x86_64",
        interpreter=interpreter,
        fetch=demo_fetch,
    )
