"""The coupling rule in specgen: an exact pin on a distribution reused from Fedora becomes its
release-series range (so Fedora can update the package), the widening is said in specgen's
warnings, and requirements on the stream's own packages stay exact."""

from __future__ import annotations

import doctest
from pathlib import Path

import pytest
from packaging.specifiers import SpecifierSet

import streams.checks.coupling
import streams.solver.versions
import streams.specgen.requires
from streams.lock import LockedPackage
from streams.solver.versions import exact_pins, rpm_dep, series_range
from streams.specgen.requires import map_build_requires, runtime_requires

ENV = {"python_version": "3.14", "python_full_version": "3.14.0", "sys_platform": "linux"}


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("==1.2.2", ">=1.2.2,<1.3"),
        ("==2.9.1", ">=2.9.1,<2.10"),
        ("==1.2", ">=1.2,<1.3"),
        ("==5", ">=5,<6"),
        ("==5.6.3", ">=5.6.3,<5.7"),
        ("==4.10.0.84", ">=4.10.0.84,<4.11"),
        ("===1.2.2", ">=1.2.2,<1.3"),
        ("==2.0rc1", ">=2.0rc1,<2.1"),
        ("==1!2.3", ">=1!2.3,<1!2.4"),
        ("==1.2.2+cu121", ">=1.2.2,<1.3"),  # >= cannot carry a local label; Fedora drops it
        # other specifiers are kept; wildcards are ranges already; non-PEP 440 === is kept
        ("==1.2.2,<3", ">=1.2.2,<1.3,<3"),
        ("==2.9.1,!=2.9.0", ">=2.9.1,<2.10,!=2.9.0"),
        ("==1.2.*", "==1.2.*"),
        (">=1.0,<2", ">=1.0,<2"),
        ("", ""),
    ],
)
def test_series_range(spec: str, expected: str) -> None:
    assert series_range(spec) == SpecifierSet(expected)


def test_non_pep440_arbitrary_equality_is_kept() -> None:
    assert str(series_range(SpecifierSet("===foobar"))) == "===foobar"
    assert exact_pins("===foobar") == []


def test_the_rpm_form_is_fedoras_rich_range() -> None:
    # what Fedora's generator writes for >=1.2.2,<1.3 (pythondistdeps.py: convert_ordered)
    assert rpm_dep("python3.14dist(lark)", series_range("==1.2.2")) == (
        "(python3.14dist(lark) < 1.3~~ with python3.14dist(lark) >= 1.2.2)"
    )


def _pkg(name: str, version: str, origin: str, requires: tuple[str, ...] = ()) -> LockedPackage:
    return LockedPackage(
        name=name,
        version=version,
        origin=origin,  # type: ignore[arg-type]
        rpm=f"python3-{name}",
        evr=f"{version}-1",
        reason="test",
        requires=requires,
    )


def test_runtime_pin_on_a_reused_package_is_widened_and_said() -> None:
    app = _pkg("app", "1.0", "bundle", ("lark==1.2.2", "torch[opt]==2.9.1", "inner==3.1"))
    packages = {
        "app": app,
        "lark": _pkg("lark", "1.2.2", "fedora"),
        "torch": _pkg("torch", "2.9.1", "fedora"),
        "inner": _pkg("inner", "3.1", "bundle"),
    }
    warnings: list[str] = []
    out = runtime_requires(app, "demo", "3.14", packages, ENV, warnings)
    assert out == [
        "(python3.14dist(lark) < 1.3~~ with python3.14dist(lark) >= 1.2.2)",
        "(python3.14dist(torch[opt]) < 2.10~~ with python3.14dist(torch[opt]) >= 2.9.1)",
        # the stream's own package stays exact: the stream's packages move together
        "demo-stream-python3dist(inner) = 3.1",
    ]
    assert warnings == [
        "app: requires lark==1.2.2; Fedora's lark is reused, so the spec requires "
        "lark >= 1.2.2, < 1.3 (coupling rule: a stream never pins a base package exactly)",
        "app: requires torch[opt]==2.9.1; Fedora's torch is reused, so the spec requires "
        "torch >= 2.9.1, < 2.10 (coupling rule: a stream never pins a base package exactly)",
    ]


def test_a_range_on_a_reused_package_is_left_alone() -> None:
    app = _pkg("app", "1.0", "bundle", ("lark>=1.2,<2",))
    warnings: list[str] = []
    out = runtime_requires(
        app, "demo", "3.14", {"app": app, "lark": _pkg("lark", "1.2.2", "fedora")}, ENV, warnings
    )
    assert out == ["(python3.14dist(lark) < 2~~ with python3.14dist(lark) >= 1.2)"]
    assert warnings == []


def test_build_requires_pin_on_fedora_is_widened_bundled_pin_kept() -> None:
    warnings: list[str] = []
    out = map_build_requires(
        ["torch==2.9.1", "setuptools-scm==8.1", "cmake>=3.26"],
        stream="demo",
        python="3.14",
        main_python=True,
        bundled={"setuptools-scm": "8.1"},
        environment=ENV,
        owner="vllm",
        warnings=warnings,
    )
    assert out == (
        "(python3dist(torch) < 2.10~~ with python3dist(torch) >= 2.9.1)",
        "demo-stream-python3dist(setuptools-scm) = 8.1",
        "python3dist(cmake) >= 3.26",
    )
    assert warnings == [
        "vllm: build-requires torch==2.9.1; Fedora's torch is reused, so the spec "
        "build-requires torch >= 2.9.1, < 2.10 (coupling rule: a stream never pins a base "
        "package exactly)"
    ]


@pytest.mark.parametrize(
    "module", [streams.solver.versions, streams.specgen.requires, streams.checks.coupling]
)
def test_doctests(module: object) -> None:
    result = doctest.testmod(module, raise_on_error=False)  # type: ignore[arg-type]
    assert result.attempted > 0 and result.failed == 0


def test_reading_a_spec_leaves_rpms_macros_alone(tmp_path: Path) -> None:
    """The coupling check parses many specs in one process (and streams adopt parses more):
    a spec's %global must not leak into the next parse, and rpm's errors are reported."""
    import rpm

    from streams.checks.coupling import read_spec
    from tests.helpers.streamrpms import SPECS

    deps = read_spec(SPECS / "good" / "demo-stream-python3-greet.spec")
    assert deps.requires == (("demo-stream-python3-greet", "demo-stream-runtime"),)
    assert rpm.expandMacro("%{?stream}|%{?sitelib}") == "|"
    broken = tmp_path / "broken.spec"
    broken.write_text("Name: broken\nVersion: 1\n")
    with pytest.raises(ValueError, match="error: Release field must be present"):
        read_spec(broken)
