"""What a Fedora packager checks on the built RPMs, with real rpmbuild:

- a script runs the stream's interpreter sealed: with ``PYTHONPATH`` and ``~/.local`` holding
  a poisoned module of the same name, the stream's copy is imported (``-sP`` alone is not
  enough: PYTHONPATH comes first on sys.path; hence ``-I``);
- the packaged ``.py`` mtimes are clamped to SOURCE_DATE_EPOCH (the changelog date) and the
  ``.pyc`` files still match them: importing writes no ``.pyc`` and reads the cached one;
- ``%check`` imports the package's modules: one that fails on import fails the build, one
  that needs a distribution the buildroot does not have is skipped with a message;
- the runtime owns ``/opt/streams``'s counterpart and arch packages have no build-id links.

The stream's prefix is put under the test's tmp directory so the payload can be unpacked
with ``cpio`` and run in place.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from streams.lock import LockedPackage, LockedSource, LockedTarget, Revision, lock_path, read_lock
from streams.recipe import load_recipe
from streams.sources import SourceInfoStore
from streams.specgen import StreamSettings, plan_target, render_plan
from streams.specgen.output import fetch_sources
from tools.devkit.specgen_sources import (
    DEMO,
    SETUPTOOLS_PYPROJECT,
    demo_fetch,
    make_sdist,
    pkg_info,
)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        shutil.which("rpmbuild") is None or shutil.which("rpm2cpio") is None,
        reason="rpmbuild not installed (scripts/setup.sh installs it)",
    ),
]


def _run(argv: list[str], **kw: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, check=False, **kw)  # type: ignore[call-overload,no-any-return]


def _host_python() -> str:
    out = _run(["/usr/bin/python3", "-c", "import sys; print('%d.%d' % sys.version_info[:2])"])
    return out.stdout.strip()


if _run(["/usr/bin/python3", "-c", "import setuptools, installer, pip"]).returncode != 0:
    pytestmark.append(pytest.mark.skip(reason="host python3 lacks setuptools/installer/pip"))


def _host_target(packages: tuple[LockedPackage, ...] | None = None) -> LockedTarget:
    base = read_lock(lock_path(DEMO / "demo.toml")).get_target("fedora-44-x86_64")
    return base.model_copy(
        update={
            "name": "host",
            "python": _host_python(),
            "package": packages
            if packages is not None
            else tuple(p for p in base.package if p.name != "fastlib"),
        }
    )


def _settings(prefix: Path) -> StreamSettings:
    return dataclasses.replace(
        StreamSettings.from_recipe(load_recipe(DEMO / "demo.toml")), prefix=str(prefix)
    )


def _rpmbuild(spec: Path, top: Path, sources: Path) -> subprocess.CompletedProcess[str]:
    return _run(
        [
            "rpmbuild",
            "-ba",
            "--nodeps",
            "--define",
            f"_topdir {top}",
            "--define",
            f"_sourcedir {sources}",
            str(spec),
        ]
    )


def _build(plan: object, names: list[str], tmp: Path, fetch: object) -> Path:
    out = tmp / "out"
    fetch_sources(plan, out / "SOURCES", fetch=fetch)  # type: ignore[arg-type]
    specs = {s.filename: s.text for s in render_plan(plan)}  # type: ignore[arg-type]
    top = tmp / "rpmbuild"
    for name in names:
        spec = out / name
        spec.write_text(specs[name])
        built = _rpmbuild(spec, top, out / "SOURCES")
        assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    return top


def _unpack(rpm_file: Path) -> None:
    # payload paths are ./TMP/.../opt/streams/demo/...: unpacked at / they land in TMP
    res = _run(["sh", "-c", f"rpm2cpio {rpm_file} | cpio -idm --quiet"], cwd="/")
    assert res.returncode == 0, res.stderr


def test_scripts_are_sealed_and_pycs_stay_valid(tmp_path: Path) -> None:
    prefix = tmp_path / "opt" / "streams" / "demo"
    plan = plan_target(
        _settings(prefix),
        _host_target(),
        SourceInfoStore(root=tmp_path / "store"),
        arch="x86_64",
        interpreter="/usr/bin/python3",
        fetch=demo_fetch,
    )
    top = _build(
        plan,
        ["demo-stream-runtime.spec", "demo-stream-python3-hello-cow.spec"],
        tmp_path,
        demo_fetch,
    )
    runtime = next((top / "RPMS").glob("*/demo-stream-runtime-*.rpm"))
    hello = next((top / "RPMS").glob("*/demo-stream-python3-hello-cow-*.rpm"))
    # the runtime owns the directories between the top-level one and the prefix
    owned = _run(["rpm", "-qp", "--list", str(runtime)]).stdout.split()
    assert str(prefix.parent) in owned and str(prefix) in owned
    _unpack(runtime)
    _unpack(hello)
    py = _host_python()
    site = prefix / "lib" / f"python{py}" / "site-packages"
    # what was packaged, before anything runs (a stale .pyc would be rewritten by any run)
    before = {p: (p.stat().st_mtime, p.read_bytes()) for p in site.rglob("*") if p.is_file()}

    script = prefix / "bin" / "hello-cow"
    python = prefix / "bin" / "python3"
    assert script.read_text().splitlines()[0] == f"#!{python} -I"

    poison = tmp_path / "poison"
    home = tmp_path / "home"
    user_site = home / ".local" / "lib" / f"python{py}" / "site-packages"
    for d in (poison, user_site):
        d.mkdir(parents=True)
        (d / "hello_cow.py").write_text('def main():\n    print("POISONED")\n')
    env = {**os.environ, "PYTHONPATH": str(poison), "HOME": str(home)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    ran = _run([str(script)], env=env)
    assert ran.returncode == 0, ran.stderr
    assert "< hello >" in ran.stdout and "POISONED" not in ran.stdout
    # Fedora's -sP alone would import the poisoned copy from PYTHONPATH
    weak = _run([str(python), "-sP", "-c", "import hello_cow; hello_cow.main()"], env=env)
    assert "POISONED" in weak.stdout

    # mtimes clamped to the changelog date (SOURCE_DATE_EPOCH), .pyc files matching them
    changelog = dt.datetime(2026, 1, 15, tzinfo=dt.UTC).timestamp()
    source = site / "hello_cow.py"
    assert source.stat().st_mtime <= changelog
    pyc = next((site / "__pycache__").glob("hello_cow.*.pyc"))
    assert int.from_bytes(pyc.read_bytes()[4:8], "little") == 0  # PEP 552: timestamp-based
    imported = _run([str(python), "-I", "-v", "-c", "import hello_cow"], env=env)
    assert imported.returncode == 0, imported.stderr
    assert "# code object from" in imported.stderr and "hello_cow" in imported.stderr
    assert "bytecode is stale" not in imported.stderr
    after = {p: (p.stat().st_mtime, p.read_bytes()) for p in site.rglob("*") if p.is_file()}
    assert after == before  # nothing was (re)written: a read-only prefix works the same


def _one_module_plan(tmp: Path, name: str, body: str) -> tuple[object, Path]:
    src = tmp / "src"
    sdist = make_sdist(
        src,
        name,
        "1.0",
        {
            "pyproject.toml": SETUPTOOLS_PYPROJECT.format(
                name=name,
                version="1.0",
                summary="An import check fixture",
                extra=f'[tool.setuptools]\npy-modules = ["{name}"]\n',
            ),
            f"{name}.py": body,
            "PKG-INFO": pkg_info(name, "1.0", summary="An import check fixture"),
        },
    )
    sha = hashlib.sha256(sdist.read_bytes()).hexdigest()
    pkg = LockedPackage(
        name=name,
        version="1.0",
        origin="bundle",
        rpm=f"demo-stream-python3-{name}",
        evr="1",
        reason="bundled",
        build_requires=("setuptools>=61",),
        sources=(
            LockedSource(
                kind="sdist", url=f"https://x.org/{sdist.name}", sha256=sha, filename=sdist.name
            ),
        ),
        revision=Revision(release=3, date="2026-02-02", packager="A <a@b.org>", text="Rebuild"),
    )
    plan = plan_target(
        StreamSettings("demo", str(tmp / "opt/streams/demo"), "Demo", "MIT", top_level=(name,)),
        _host_target((pkg,)),
        SourceInfoStore(root=tmp / "store"),
        arch="x86_64",
        interpreter="/usr/bin/python3",
        fetch=lambda s: src / s.filename,
    )
    return plan, src


def test_check_fails_the_build_when_a_module_does_not_import(tmp_path: Path) -> None:
    plan, src = _one_module_plan(tmp_path, "brokenimp", 'raise RuntimeError("broken on import")\n')
    out = tmp_path / "out"
    fetch_sources(plan, out / "SOURCES", fetch=lambda s: src / s.filename)  # type: ignore[arg-type]
    spec = out / "demo-stream-python3-brokenimp.spec"
    spec.write_text({s.filename: s.text for s in render_plan(plan)}[spec.name])  # type: ignore[arg-type]
    assert "Release:        3%{?dist}" in spec.read_text()
    built = _rpmbuild(spec, tmp_path / "rpmbuild", out / "SOURCES")
    assert built.returncode != 0
    assert "%check" in built.stderr or "check" in built.stderr.lower()
    assert "import brokenimp FAILED" in built.stderr
    assert "broken on import" in built.stderr


def test_check_skips_a_module_that_needs_a_missing_distribution(tmp_path: Path) -> None:
    plan, src = _one_module_plan(
        tmp_path, "needsextra", "import streams_no_such_distribution_xyz\n"
    )
    top = _build(
        plan, ["demo-stream-python3-needsextra.spec"], tmp_path, lambda s: src / s.filename
    )
    rpm_file = next((top / "RPMS").glob("*/*.rpm"))
    info = _run(["rpm", "-qp", "--qf", "%{version}-%{release}\n", str(rpm_file)]).stdout
    assert info.startswith("1.0-3")
    log = _run(["rpm", "-qp", "--changelog", str(rpm_file)]).stdout
    assert "A <a@b.org> - 1.0-3" in log and "- Rebuild" in log
