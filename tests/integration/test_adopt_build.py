"""Fedora's own specs of three C extensions, adopted into a stream, built and imported.

``streams adopt``'s conversion (:func:`streams.specgen.adopt.adopt_spec`) of Fedora's
``python-markupsafe``, ``python-patiencediff`` and ``python-posix-ipc`` specs
(``tests/data/adopt/``, mirror commit in its README) is built with real rpmbuild for the host
target, against their real upstream sdists (committed there), with the stream's include in
``SOURCES/``; the RPMs pass the stream's provides firewall (``streams.checks.firewall``), are
installed into a scratch root with ``rpm --root`` and imported from it with the host's
Python.  ``%check`` is skipped (``--nocheck``): Fedora's runs pytest, which the host's
``/usr/bin/python3`` does not have; the import in the scratch root is the check here.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from streams.checks.firewall import header_violations
from streams.checks.model import LoadedStream, StreamRepo
from streams.checks.rpms import read_rpms
from streams.specgen.adopt import adopt_spec, macros_filename, macros_text
from streams.specgen.output import install_helper_text

DATA = Path(__file__).resolve().parent.parent / "data" / "adopt"
STREAM = "adopted"
PREFIX = f"/opt/streams/{STREAM}"
CASES = [
    # (Fedora spec, distribution, sdist, module to import, what to run with it)
    ("python-markupsafe.spec", "markupsafe", "markupsafe-3.0.2.tar.gz", "markupsafe._speedups",
     "import markupsafe; assert str(markupsafe.escape('<a>')) == '&lt;a&gt;'"),
    ("python-patiencediff.spec", "patiencediff", "patiencediff-0.2.15.tar.gz",
     "patiencediff._patiencediff_c",
     "import patiencediff; assert patiencediff.unified_diff(['a\\n'], ['b\\n'])"),
    ("python-posix-ipc.spec", "posix-ipc", "posix_ipc-1.3.2.tar.gz", "posix_ipc",
     "import posix_ipc; assert posix_ipc.SEMAPHORE_VALUE_SUPPORTED is not None"),
]  # fmt: skip

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


def _build(spec_name: str, dist: str, sdist: str, tmp: Path, python: str) -> list[Path]:
    adopted = adopt_spec(
        (DATA / spec_name).read_text(encoding="utf-8"),
        stream=STREAM,
        dist=dist,
        bundled=(),
        origin=f"Fedora's {spec_name}",
    )
    sources = tmp / dist / "SOURCES"
    sources.mkdir(parents=True)
    shutil.copy(DATA / "sdists" / sdist, sources / sdist)
    (sources / "streams-install.py").write_text(install_helper_text(), encoding="utf-8")
    (sources / macros_filename(STREAM, dist)).write_text(
        macros_text(
            stream=STREAM,
            dist=dist,
            prefix=PREFIX,
            python_version=python,
            interpreter="/usr/bin/python3",
            version=sdist.rsplit("-", 1)[1].removesuffix(".tar.gz"),
        ),
        encoding="utf-8",
    )
    spec = tmp / dist / f"{adopted.main_package}.spec"
    spec.write_text(adopted.text, encoding="utf-8")
    top = tmp / dist / "rpmbuild"
    built = subprocess.run(
        [
            "rpmbuild",
            "-bb",
            "--nodeps",
            "--nocheck",
            "--define",
            f"_topdir {top}",
            "--define",
            f"_sourcedir {sources}",
            "--define",
            "_disable_source_fetch 1",
            str(spec),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    return sorted((top / "RPMS").glob("*/*.rpm"))


def test_adopted_fedora_specs_build_install_and_import(tmp_path: Path) -> None:
    python = _host_python()
    rpms: list[Path] = []
    for spec_name, dist, sdist, _module, _code in CASES:
        built = _build(spec_name, dist, sdist, tmp_path, python)
        names = [p.name for p in built]
        assert any(n.startswith(f"{STREAM}-stream-python3-{dist}-") for n in names), names
        rpms += built

    infos = read_rpms(rpms)
    # the compiled extension is there, under the prefix
    for _spec, dist, _sdist, _module, _code in CASES:
        (info,) = [i for i in infos if i.name == f"{STREAM}-stream-python3-{dist}"]
        sofiles = [f.path for f in info.files if f.path.endswith(".so")]
        assert sofiles and all(f.startswith(f"{PREFIX}/lib/python{python}/") for f in sofiles)
        assert f"{STREAM}-stream-python3dist({dist})" in " ".join(info.provides)
        assert f"{STREAM}-stream-runtime" in info.requires
    # the same firewall as the generated specs: namespaced provides, every file in the prefix
    stream = LoadedStream(StreamRepo(STREAM, tmp_path, PREFIX, ()), PREFIX, tuple(infos))
    assert header_violations(stream) == []

    root = tmp_path / "root"
    installed = subprocess.run(
        ["rpm", "--root", str(root), "-i", "--nodeps", "--noscripts", *map(str, rpms)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert installed.returncode == 0, installed.stderr
    assert not (root / "usr").exists() or not any((root / "usr").rglob("*.so"))
    sitelib = root / PREFIX.lstrip("/") / "lib" / f"python{python}" / "site-packages"
    for _spec, _dist, _sdist, module, code in CASES:
        ran = subprocess.run(
            ["/usr/bin/python3", "-I", "-c", f"import sys; sys.path.insert(0, {str(sitelib)!r}); "
             f"import {module}; assert {module}.__file__.startswith({str(sitelib)!r}), "
             f"{module}.__file__; {code}"],
            capture_output=True,
            text=True,
            check=False,
        )  # fmt: skip
        assert ran.returncode == 0, (module, ran.stderr)


def test_the_include_travels_in_the_srpm_and_a_rebuild_finds_it(tmp_path: Path) -> None:
    """What mock, Copr and Koji do: ``rpmbuild --rebuild`` of the SRPM streams makes, with
    nothing but the SRPM (its sources installed into the rebuild's own ``%_sourcedir``)."""
    from streams.builders import rpmbuild_srpm

    python = _host_python()
    spec_name, dist, sdist, _module, _code = CASES[0]
    _build(spec_name, dist, sdist, tmp_path, python)
    spec = next((tmp_path / dist).glob("*.spec"))
    srpm = rpmbuild_srpm(spec, tmp_path / dist / "SOURCES", tmp_path / "srpms")
    assert srpm.name.startswith(f"{STREAM}-stream-python3-{dist}-")
    listed = subprocess.run(
        ["rpm", "-qlp", str(srpm)], capture_output=True, text=True, check=True
    ).stdout.split()
    assert {macros_filename(STREAM, dist), "streams-install.py", sdist} <= set(listed)
    top = tmp_path / "rebuild"
    rebuilt = subprocess.run(
        ["rpmbuild", "--rebuild", "--nodeps", "--nocheck", "--define", f"_topdir {top}", str(srpm)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert rebuilt.returncode == 0, rebuilt.stdout[-3000:] + rebuilt.stderr[-3000:]
    (rpm,) = (top / "RPMS").glob(f"*/{STREAM}-stream-python3-{dist}-*.rpm")
    files = subprocess.run(
        ["rpm", "-qlp", str(rpm)], capture_output=True, text=True, check=True
    ).stdout.split()
    assert files and all(f.startswith(PREFIX + "/") for f in files), files
