"""The spec's non-Python BuildRequires come from the lock's build-tools."""

from __future__ import annotations

from streams.lock import LockedBuildTool, LockedPackage
from streams.sources import BuildInfo
from streams.specgen.requires import build_tools_for, marks_native


def pkg(*tools: tuple[str, str]) -> LockedPackage:
    return LockedPackage(
        name="grpcio",
        version="1.80.0",
        origin="bundle",
        rpm="s-stream-python3-grpcio",
        evr="1.80.0",
        reason="bundled: test",
        build_tools=tuple(
            LockedBuildTool.model_validate({"rpm": rpm, "from": src}) for rpm, src in tools
        ),
    )


def test_the_lock_build_tools_are_the_spec_build_requires() -> None:
    locked = pkg(("gcc-c++", "fedora"), ("pkgconfig(zlib)", "fedora"), ("cmake", "sdist"))
    build = BuildInfo(requires=(), backend="setuptools.build_meta", tools=(("gcc", "C"),))
    assert build_tools_for(locked, build, noarch=False) == ("gcc-c++", "pkgconfig(zlib)", "cmake")


def test_a_lock_without_build_tools_uses_the_inferred_ones_and_a_compiler() -> None:
    cmake = BuildInfo(requires=(), backend="b", tools=(("cmake", "CMake"), ("ninja-build", "")))
    assert build_tools_for(pkg(), cmake, noarch=False) == ("cmake", "ninja-build", "gcc")
    assert build_tools_for(pkg(), cmake, noarch=True) == ("cmake", "ninja-build")
    assert build_tools_for(pkg(), None, noarch=True) == ()


def test_a_compiler_in_the_recipe_marks_the_package_native() -> None:
    assert marks_native(["gcc"]) and marks_native(["gcc-c++ >= 14"])
    assert not marks_native(["pkgconfig(zlib)", "cmake"])
