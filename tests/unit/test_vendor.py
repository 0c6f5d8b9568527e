"""Vendoring Rust crates, without cargo: which manifests an sdist builds, the registry setting,
the reproducible tarball, cargo's errors, the lock field and what specgen makes of it."""

from __future__ import annotations

import hashlib
import io
import os
import tarfile
from pathlib import Path

import pytest

from streams.errors import UsageError
from streams.lock import Lock, LockedPackage, LockedSource, LockedTarget, LockedVendor, dumps
from streams.lock.io import read_lock
from streams.sources import CrateRegistry, SourceInfo, find_cargo_project
from streams.sources.vendor import _missing_crates, pack_vendor_dir
from streams.specgen import StreamSettings, build_contexts, render_plan
from tools.devkit.specgen_sources import make_sdist


def _sdist(tmp_path: Path, files: dict[str, str]) -> Path:
    return make_sdist(tmp_path, "pkg", "1.0", {"PKG-INFO": "Name: pkg\n", **files})


def test_cargo_project_from_maturin_manifest_path(tmp_path: Path) -> None:
    sdist = _sdist(
        tmp_path,
        {
            "pyproject.toml": '[tool.maturin]\nmanifest-path = "crates/py/Cargo.toml"\n',
            "Cargo.toml": "[workspace]\n",
            "Cargo.lock": "version = 3\n",
            "crates/py/Cargo.toml": "[package]\n",
            "crates/core/Cargo.toml": "[package]\n",
        },
    )
    project = find_cargo_project(sdist)
    assert project is not None
    assert project.manifests == ("crates/py/Cargo.toml",)
    assert project.locked  # the workspace's Cargo.lock covers the member


def test_cargo_project_beside_each_lock_and_not_in_vendor_or_target(tmp_path: Path) -> None:
    sdist = _sdist(
        tmp_path,
        {
            "rust/Cargo.toml": "[package]\n",
            "rust/Cargo.lock": "version = 3\n",
            "vendor/foo/Cargo.toml": "[package]\n",
            "vendor/foo/Cargo.lock": "version = 3\n",
            "target/x/Cargo.toml": "[package]\n",
        },
    )
    project = find_cargo_project(sdist)
    assert project is not None and project.manifests == ("rust/Cargo.toml",) and project.locked


def test_cargo_project_without_lock_is_not_locked_and_pure_sdist_has_none(tmp_path: Path) -> None:
    unlocked = find_cargo_project(_sdist(tmp_path / "a", {"Cargo.toml": "[package]\n"}))
    assert unlocked is not None and unlocked.manifests == ("Cargo.toml",) and not unlocked.locked
    assert find_cargo_project(_sdist(tmp_path / "b", {"pkg/__init__.py": ""})) is None


def test_registry_setting(tmp_path: Path) -> None:
    assert CrateRegistry.from_env({}) == CrateRegistry()
    assert CrateRegistry.from_env({"STREAMS_CARGO_REGISTRY": "crates-io"}).directory is None
    assert not CrateRegistry.from_env({"STREAMS_CARGO_REGISTRY": "none"}).enabled
    reg = CrateRegistry.from_env({"STREAMS_CARGO_REGISTRY": str(tmp_path)})
    assert reg.directory == tmp_path.resolve() and reg.offline
    args = reg.cargo_args()
    assert 'source.crates-io.replace-with="streams-registry"' in args
    assert f'source.streams-registry.directory="{tmp_path.resolve()}"' in args
    with pytest.raises(UsageError, match="not a directory") as err:
        CrateRegistry.from_env({"STREAMS_CARGO_REGISTRY": str(tmp_path / "missing")})
    assert err.value.exit_code == 2 and "/usr/share/cargo/registry" in (err.value.hint or "")


def test_vendor_tarball_is_reproducible(tmp_path: Path) -> None:
    def tree(root: Path, mtime: int) -> Path:
        for rel, text in {
            "b/Cargo.toml": "[package]\n",
            "a/src/lib.rs": "",
            "a/x.sh": "#!",
        }.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            os.utime(path, (mtime, mtime))
        (root / "a" / "x.sh").chmod(0o775)
        return root

    one, two = tmp_path / "one.tar.xz", tmp_path / "two.tar.xz"
    pack_vendor_dir(tree(tmp_path / "v1", 1_000_000), one)
    pack_vendor_dir(tree(tmp_path / "v2", 2_000_000), two)
    assert one.read_bytes() == two.read_bytes()
    with tarfile.open(one) as tar:
        members = tar.getmembers()
    names = [m.name for m in members]
    assert names == sorted(names)
    assert names[0] == "cargo-vendor" and "cargo-vendor/b/Cargo.toml" in names
    assert {m.mtime for m in members} == {0} and {(m.uid, m.gid, m.uname) for m in members} == {
        (0, 0, "")
    }
    modes = {m.name: m.mode for m in members}
    assert modes["cargo-vendor/a/x.sh"] == 0o755 and modes["cargo-vendor/b/Cargo.toml"] == 0o644


def test_missing_crates_from_cargo_output() -> None:
    crates_io = (
        "error: failed to sync\n\nCaused by:\n  failed to get `anyhow` as a dependency of "
        "package `maturin v1.9.0`\n"
    )
    directory = "error: no matching package named `itoa` found\nlocation searched: directory"
    assert _missing_crates(crates_io) == ["anyhow"]
    assert _missing_crates(directory) == ["itoa"]
    assert _missing_crates("error: something else") == []


# -- the lock field and specgen ---------------------------------------------------------------

SDIST_SHA = "a" * 64
VENDOR = LockedVendor(
    filename="rusty-1.0-cargo-vendor.tar.xz",
    sha256="b" * 64,
    sdist_sha256=SDIST_SHA,
    manifests=("rust/Cargo.toml",),
    crates=("itoa 1.0.1",),
    registry="directory",
)


def _target(vendor: LockedVendor | None, requires: tuple[str, ...]) -> LockedTarget:
    pkg = LockedPackage(
        name="rusty",
        version="1.0",
        origin="bundle",
        rpm="rs-stream-python3-rusty",
        evr="1.0",
        reason="bundled",
        build_requires=requires,
        sources=(
            LockedSource(
                kind="sdist",
                url="https://x.org/rusty-1.0.tar.gz",
                sha256=SDIST_SHA,
                filename="rusty-1.0.tar.gz",
            ),
        ),
        vendor=vendor,
    )
    return LockedTarget(
        name="fedora-44-x86_64",
        python="3.14",
        interpreter="python3",
        interpreter_main=True,
        package=(pkg,),
    )


def test_lock_writes_vendor_only_where_there_is_one(tmp_path: Path) -> None:
    lock = Lock(
        stream="rs", recipe="rs.toml", recipe_sha256="c" * 64, target=(_target(VENDOR, ()),)
    )
    text = dumps(lock)
    assert 'sdist-sha256 = "' + SDIST_SHA + '"' in text
    path = tmp_path / "rs.lock.toml"
    path.write_text(text)
    assert read_lock(path).target[0].package[0].vendor == VENDOR
    plain = Lock(stream="rs", recipe="rs.toml", recipe_sha256="c" * 64, target=(_target(None, ()),))
    assert "vendor" not in dumps(plain)


def _spec(target: LockedTarget) -> tuple[str, tuple[str, ...]]:
    info = SourceInfo(kind="sdist", name="rusty", version="1.0", summary="Rusty", pure=False)
    settings = StreamSettings("rs", "/opt/streams/rs", "Rust stream", "MIT", top_level=("rusty",))
    plan = build_contexts(
        settings, target, {SDIST_SHA: info}, arch="x86_64", interpreter="/usr/bin/python3.14"
    )
    spec = {s.filename: s.text for s in render_plan(plan)}["rs-stream-python3-rusty.spec"]
    return spec, plan.warnings


def test_spec_ships_the_vendor_tarball_and_configures_cargo_offline() -> None:
    spec, warnings = _spec(_target(VENDOR, ("setuptools", "setuptools-rust")))
    assert "Source2:        rusty-1.0-cargo-vendor.tar.xz\n" in spec
    assert "%setup -q -T -D -a 2 -n rusty-1.0\n" in spec
    prep = spec.split("%prep\n", 1)[1].split("%build\n", 1)[0]
    assert 'replace-with = "vendored-sources"' in prep
    assert 'directory = "$PWD/cargo-vendor"' in prep and "offline = true" in prep
    # cargo and rust once each, though both the backend and the vendor tarball ask for them
    assert spec.count("BuildRequires:  cargo\n") == 1 and spec.count("BuildRequires:  rust\n") == 1
    assert not any("vendored none" in w for w in warnings)


def test_spec_without_vendor_warns_for_a_rust_backend_and_ignores_a_stale_one() -> None:
    spec, warnings = _spec(_target(None, ("maturin>=1,<2",)))
    assert "Source2" not in spec and "cargo-vendor" not in spec
    assert any("rusty 1.0: builds Rust crates and the lock vendored none" in w for w in warnings)
    stale = VENDOR.model_copy(update={"sdist_sha256": "d" * 64})  # vendored from another file
    spec, _ = _spec(_target(stale, ()))
    assert "Source2" not in spec


def test_vendor_fetch_reaches_fetch_sources(tmp_path: Path) -> None:
    from streams.infra.fsutil import cache_dir
    from streams.specgen.output import fetch_sources

    data = b"vendored"
    digest = hashlib.sha256(data).hexdigest()
    (cache_dir("sources") / digest).write_bytes(data)
    sdist = io.BytesIO(b"sdist")
    (tmp_path / "rusty-1.0.tar.gz").write_bytes(sdist.getvalue())
    vendor = VENDOR.model_copy(update={"sha256": digest})
    target = _target(vendor, ())
    sha = hashlib.sha256(sdist.getvalue()).hexdigest()
    src = target.package[0].sources[0].model_copy(update={"sha256": sha})
    pkg = target.package[0].model_copy(
        update={"sources": (src,), "vendor": vendor.model_copy(update={"sdist_sha256": sha})}
    )
    target = target.model_copy(update={"package": (pkg,)})
    info = SourceInfo(kind="sdist", name="rusty", version="1.0", summary="Rusty", pure=False)
    settings = StreamSettings("rs", "/opt/streams/rs", "Rust stream", "MIT", top_level=("rusty",))
    plan = build_contexts(settings, target, {sha: info}, arch="x86_64", interpreter="/usr/bin/py")
    names = fetch_sources(plan, tmp_path / "SOURCES", fetch=lambda s: tmp_path / s.filename)
    assert "rusty-1.0-cargo-vendor.tar.xz" in names
    assert (tmp_path / "SOURCES" / "rusty-1.0-cargo-vendor.tar.xz").read_bytes() == data
