"""The spec's non-Python BuildRequires come from the lock's build-tools."""

from __future__ import annotations

import pytest

from streams.lock import LockedBuildTool, LockedPackage
from streams.lock.build_section.tools import fedora_build_tool
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


@pytest.mark.parametrize(
    ("rpm", "builds"),
    [
        ("gcc-c++", True),
        ("cmake", True),
        ("ninja-build", True),
        ("pkgconfig(zlib)", True),
        ("openssl-devel", True),
        ("openssl-devel-engine", True),
        ("cmake(Catch2)", True),
        ("rust >= 1.70", True),
        # what Fedora's %check runs, not what compiles the code
        ("mutter", False),
        ("xwayland-run", False),
        ("/usr/bin/gpgsm", False),
        ("git-core", False),
        ("help2man", False),
        ("cargo-rpm-macros >= 24", False),
        ("krb5-kdb-devel-version = 9.0", False),
    ],
)
def test_fedora_build_requires_kept_are_those_that_build_code(rpm: str, builds: bool) -> None:
    assert fedora_build_tool(rpm) is builds
