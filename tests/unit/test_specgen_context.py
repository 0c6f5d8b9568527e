"""Context building: wheel choice, names, the firewall in the contexts, build-only packages."""

from __future__ import annotations

from pathlib import Path

import pytest

from streams.errors import SpecGenError
from streams.lock import LockedPackage, LockedSource
from streams.sources import choose_source
from streams.specgen import naming
from streams.specgen.context import changelog_date
from tools.devkit.specgen_sources import demo_plan


def _wheel(filename: str) -> LockedSource:
    return LockedSource(
        kind="wheel", url=f"https://x/{filename}", sha256="0" * 64, filename=filename
    )


def _pkg(*sources: LockedSource) -> LockedPackage:
    return LockedPackage(
        name="torch",
        version="2.14.0",
        origin="bundle",
        rpm="x",
        evr="2.14",
        reason="",
        sources=sources,
    )


def test_wheel_matching_python_and_arch_is_chosen() -> None:
    pkg = _pkg(
        _wheel("torch-2.14.0-cp313-cp313-manylinux_2_28_x86_64.whl"),
        _wheel("torch-2.14.0-cp314-cp314-manylinux_2_28_aarch64.whl"),
        _wheel("torch-2.14.0-cp314-cp314-manylinux_2_28_x86_64.whl"),
        _wheel("torch-2.14.0-cp314-cp314-win_amd64.whl"),
    )
    src, note = choose_source(pkg, "wheel", "3.14", "x86_64")
    assert src.filename == "torch-2.14.0-cp314-cp314-manylinux_2_28_x86_64.whl" and note is None
    src, _ = choose_source(pkg, "wheel", "3.14", "aarch64")
    assert src.filename.endswith("aarch64.whl")


def test_no_fitting_wheel_is_an_error_with_a_hint() -> None:
    pkg = _pkg(_wheel("torch-2.14.0-cp313-cp313-manylinux_2_28_x86_64.whl"))
    with pytest.raises(SpecGenError, match=r"no usable source for Python 3\.14"):
        choose_source(pkg, "wheel", "3.14", "x86_64")


def test_sdist_wanted_but_missing_falls_back_to_the_wheel_with_a_warning() -> None:
    pkg = _pkg(_wheel("torch-2.14.0-py3-none-any.whl"))
    src, note = choose_source(pkg, "sdist", "3.14", "x86_64")
    assert src.kind == "wheel" and note and "no sdist" in note


def test_names_and_namespace() -> None:
    assert naming.package_name("vllm", "Foo_Bar") == "vllm-stream-python3-foo-bar"
    assert (
        naming.stream_provide("vllm", "Foo.Bar", "CUDA") == "vllm-stream-python3dist(foo-bar[cuda])"
    )
    paths = naming.StreamPaths("/opt/streams/vllm", "3.14", "/usr/bin/python3.14")
    assert paths.sitelib == "/opt/streams/vllm/lib/python3.14/site-packages"


def test_changelog_date_is_deterministic() -> None:
    assert str(changelog_date(None)) == "2000-01-01"
    assert str(changelog_date("1767225600")) == "2026-01-01"


def test_demo_plan_firewall_and_build_graph(tmp_path: Path) -> None:
    plan = demo_plan("fedora-44-x86_64", tmp_path)
    specs = {s.rpm_name: s.variables for s in plan.specs}  # type: ignore[attr-defined]
    for v in specs.values():
        for prov in v.get("provides", []):
            assert prov.startswith("demo-stream-python3dist(")
    hello = specs["demo-stream-python3-hello-cow"]
    assert "python3.14dist(attrs) >= 22.1" in hello["requires"]  # reused from Fedora
    assert "demo-stream-python3dist(cext) = 1.2" in hello["requires"]  # bundled
    uses = specs["demo-stream-python3-uses-backend"]
    assert uses["build_requires"] == ["demo-stream-python3dist(tinybackend) >= 0.2"]
    # each arch spec filters only the libraries it ships: fastlib's libgomp is a real
    # dependency of anything else that links it
    assert specs["demo-stream-python3-cext"]["requires_exclude"] == ""
    assert specs["demo-stream-python3-fastlib"]["requires_exclude"].startswith("^(libgomp")
    assert specs["demo-stream-python3-hello-cow"]["requires_exclude"] == ""  # noarch
    bundled = dict(specs["demo-stream"]["bundled"])
    assert "tinybackend" not in bundled and bundled["hello-cow"] == "1"


def test_rust_build_backends_bring_the_rust_toolchain() -> None:
    from streams.specgen.requires import toolchain_for

    assert toolchain_for(["maturin>=1.0,<2.0"]) == ("cargo", "rust")
    assert toolchain_for(["setuptools", "setuptools_rust>=1.5"]) == ("cargo", "rust")
    assert toolchain_for(["hatchling", "not a requirement !"]) == ()
