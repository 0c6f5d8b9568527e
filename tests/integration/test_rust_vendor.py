"""Rust crates vendored at lock time, built with no network by real rpmbuild.

The fixture (``tools/devkit/rust_fixture.py``) is a setuptools-rust sdist whose crate is a
``cdylib`` that depends on ``itoa`` and ``ryu``; the crates
come from the directory registry Debian's ``librust-itoa-dev`` and ``librust-ryu-dev``
install under ``/usr/share/cargo/registry`` (``scripts/setup.sh`` installs them), standing in
for crates.io, which no machine here reaches.

- the lock step vendors them into a tarball with exactly those crates, and two runs give the
  same sha256;
- the generated spec builds with ``rpmbuild -bb`` inside a network namespace with no
  interface up, and the built library works (called through ctypes);
- the same spec without the vendor tarball fails the way maturin's sdist does
  (``failed to get `itoa` as a dependency``): the test can fail.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest

from streams.infra.sandbox import offline_argv
from streams.lock import LockedPackage, LockedSource, LockedTarget
from streams.lock.context import LockContext, LockOptions
from streams.lock.vendoring import add_vendored_crates
from streams.recipe import load_recipe
from streams.sources import CrateRegistry, SourceInfoStore
from streams.specgen import StreamSettings, plan_target, render_plan
from streams.specgen.output import fetch_sources
from streams.targets import HOST_PYTHON, get_target, host_python_version
from tools.devkit.rust_fixture import DEBIAN_REGISTRY, crates, missing_crates, rusty_sdist

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("cargo") is None, reason="cargo is not installed"),
    pytest.mark.skipif(
        subprocess.run(["/usr/bin/python3", "-c", "import setuptools_rust"], check=False).returncode
        != 0,
        reason="the host's python3 lacks setuptools-rust (python3-setuptools-rust)",
    ),
    pytest.mark.skipif(
        bool(missing_crates()),
        reason=f"{DEBIAN_REGISTRY} lacks crates: install {' '.join(missing_crates())} "
        "(Fedora: rust-itoa-devel rust-ryu-devel; scripts/setup.sh does)",
    ),
]

REGISTRY = CrateRegistry(directory=DEBIAN_REGISTRY)


def _locked(tmp_path: Path) -> tuple[LockedTarget, Path, LockContext]:
    """A host target bundling rusty from its sdist, and a lock context that reads it."""
    src_dir = tmp_path / "index"
    sdist = rusty_sdist(src_dir)
    sha = hashlib.sha256(sdist.read_bytes()).hexdigest()
    pkg = LockedPackage(
        name="rusty",
        version="1.0",
        origin="bundle",
        rpm="rs-stream-python3-rusty",
        evr="1.0",
        reason="bundled: test",
        sources=(
            LockedSource(
                kind="sdist", url=f"https://x.org/{sdist.name}", sha256=sha, filename=sdist.name
            ),
        ),
    )
    python = host_python_version()
    target = LockedTarget(
        name="host", python=python, interpreter="python3", interpreter_main=True, package=(pkg,)
    )
    recipe = tmp_path / "rs.toml"
    recipe.write_text(
        '[stream]\nname = "rs"\nsummary = "s"\nlicense = "MIT"\ntargets = ["fedora-44-x86_64"]\n\n'
        '[requires]\nrusty = "==1.0"\n'
    )
    host = get_target("host")
    ctx = LockContext(
        recipe=load_recipe(recipe),
        target=host,
        interpreter=host.interpreter(None),
        options=LockOptions(),
        resolve=lambda reqs: pytest.fail("nothing is resolved here"),
        load_base=lambda: pytest.fail("no base is loaded here"),
        store=SourceInfoStore(root=tmp_path / "store"),
        fetch=lambda s: src_dir / s.filename,
    )
    return target, src_dir, ctx


def test_lock_vendors_the_crates_reproducibly(tmp_path: Path) -> None:
    target, _src, ctx = _locked(tmp_path)
    first = add_vendored_crates(target, ctx, registry=REGISTRY).packages()["rusty"].vendor
    assert first is not None
    assert first.filename == "rusty-1.0-cargo-vendor.tar.xz"
    assert first.manifests == ("rust/Cargo.toml",)
    assert first.crates == tuple(f"{n} {v}" for n, v in crates())  # itoa 1.0.1, ryu 1.0.2
    assert first.registry == "directory"
    assert first.sdist_sha256 == target.package[0].sources[0].sha256

    # the tarball is in the source cache under its sha256, with normalised members
    from streams.infra.fsutil import cache_dir

    cached = cache_dir("sources") / first.sha256
    assert hashlib.sha256(cached.read_bytes()).hexdigest() == first.sha256
    with tarfile.open(cached) as tar:
        members = tar.getmembers()
    names = [m.name for m in members]
    assert names == sorted(names) or names[0] == "cargo-vendor"
    assert {"cargo-vendor/itoa/Cargo.toml", "cargo-vendor/ryu/Cargo.toml"} <= set(names)
    assert {"cargo-vendor/itoa/.cargo-checksum.json"} <= set(names)
    assert all(m.mtime == 0 and m.uid == 0 and m.gid == 0 and not m.uname for m in members)

    # a second run, from scratch (another cache), gives the same bytes
    cached.unlink()
    second = add_vendored_crates(target, ctx, registry=REGISTRY).packages()["rusty"].vendor
    assert second is not None and second.sha256 == first.sha256


def _build(tmp_path: Path, target: LockedTarget, src_dir: Path) -> subprocess.CompletedProcess[str]:
    """specgen + fetch_sources + ``rpmbuild -bb`` with no network; the completed process."""
    settings = StreamSettings("rs", "/opt/streams/rs", "Rust stream", "MIT", top_level=("rusty",))
    plan = plan_target(
        settings,
        target,
        SourceInfoStore(root=tmp_path / "store"),
        arch=get_target("host").arch,
        interpreter=HOST_PYTHON,
        fetch=lambda s: src_dir / s.filename,
    )
    out = tmp_path / "out"
    fetch_sources(plan, out / "SOURCES", fetch=lambda s: src_dir / s.filename)
    spec = out / "rs-stream-python3-rusty.spec"
    spec.write_text({s.filename: s.text for s in render_plan(plan)}[spec.name])
    # a private, empty cargo home: nothing cached from earlier runs can stand in for crates.io
    env = {**os.environ, "CARGO_HOME": str(tmp_path / "cargo-home")}
    argv = [
        "rpmbuild",
        "-bb",
        "--nodeps",
        "--define",
        f"_topdir {tmp_path / 'rpmbuild'}",
        "--define",
        f"_sourcedir {out / 'SOURCES'}",
        str(spec),
    ]
    return subprocess.run(
        offline_argv(argv), capture_output=True, text=True, check=False, env=env, timeout=600
    )


@pytest.mark.skipif(shutil.which("rpmbuild") is None, reason="rpmbuild is not installed")
def test_rpmbuild_with_vendored_crates_needs_no_network(tmp_path: Path) -> None:
    target, src_dir, ctx = _locked(tmp_path)
    target = add_vendored_crates(target, ctx, registry=REGISTRY)
    built = _build(tmp_path, target, src_dir)
    assert built.returncode == 0, built.stdout[-4000:] + built.stderr[-4000:]

    rpm_file = next((tmp_path / "rpmbuild" / "RPMS").glob("*/rs-stream-python3-rusty-*.rpm"))
    spec_text = (tmp_path / "out" / "rs-stream-python3-rusty.spec").read_text()
    assert "Source2:        rusty-1.0-cargo-vendor.tar.xz" in spec_text
    assert spec_text.count("BuildRequires:  cargo\n") == 1
    assert spec_text.count("BuildRequires:  rust\n") == 1
    files = subprocess.run(
        ["rpm", "-qp", "--list", str(rpm_file)], capture_output=True, text=True, check=True
    ).stdout.split()
    lib = next(f for f in files if "/rusty/_rusty" in f and f.endswith(".so"))
    root = tmp_path / "root"
    root.mkdir()
    subprocess.run(f"rpm2cpio {rpm_file} | cpio -idm --quiet", shell=True, cwd=root, check=True)
    rusty = ctypes.CDLL(str(root / lib.lstrip("/")))
    rusty.rusty_float_len.argtypes = [ctypes.c_double]
    assert rusty.rusty_digits(ctypes.c_uint64(1234567)) == 7  # itoa
    assert rusty.rusty_float_len(1.5) == 3  # ryu: "1.5"


@pytest.mark.skipif(shutil.which("rpmbuild") is None, reason="rpmbuild is not installed")
def test_rpmbuild_without_vendored_crates_fails_like_maturin(tmp_path: Path) -> None:
    target, src_dir, _ctx = _locked(tmp_path)  # no vendoring: the spec has no Source2
    built = _build(tmp_path, target, src_dir)
    assert built.returncode != 0
    log = built.stdout + built.stderr
    assert "failed to get `itoa` as a dependency" in log, log[-3000:]
