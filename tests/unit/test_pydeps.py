"""Requires-Dist -> RPM Requires, as Fedora's pythondistdeps.py generates them.

Expected lists come from docs/reference/contracts.md §4 and the generator's test data
(python-rpm-generators
``tests/data/scripts_pythondistdeps/test-data.yaml``), restated here; the rest follow from
reading ``pythondistdeps.py`` (cited per test).
"""

from __future__ import annotations

import pytest
from packaging.markers import Marker

from streams.errors import EXIT_BAD_INPUT, VersionError
from streams.solver.pydeps import applicable_requirements, environment, requires_for


def test_contract_example() -> None:
    reqs = [
        "attrs~=23.1",
        "requests>=2.8,<3",
        "zope.interface!=5.0.*",
        "pytest; extra == 'test'",
        "pywin32; sys_platform == 'win32'",
    ]
    assert requires_for(reqs, python="3.13") == [
        "python(abi) = 3.13",
        "(python3.13dist(attrs) >= 23.1 with python3.13dist(attrs) < 24)",
        "(python3.13dist(requests) < 3~~ with python3.13dist(requests) >= 2.8)",
        "(python3.13dist(zope-interface) < 5~~ or python3.13dist(zope-interface) >= 5.1)",
    ]


def test_no_requirements_still_requires_the_interpreter() -> None:
    assert requires_for([], python="3.14") == ["python(abi) = 3.14"]
    assert requires_for([], python="3.10.4") == ["python(abi) = 3.10"]


def test_extras_of_a_dependency_require_both_names() -> None:
    # generator test data: "dnspython[DNSSEC]" in pyreq2rpm.tests
    assert requires_for(["dnspython[DNSSEC]"], python="3.9") == [
        "python(abi) = 3.9",
        "python3.9dist(dnspython)",
        "python3.9dist(dnspython[dnssec])",
    ]
    assert requires_for(["Foo_Bar[b,A]>=1.0"], python="3.14") == [
        "python(abi) = 3.14",
        "python3.14dist(foo-bar) >= 1",
        "python3.14dist(foo-bar[a]) >= 1",
        "python3.14dist(foo-bar[b]) >= 1",
    ]


def test_requirements_on_one_name_merge_and_deduplicate() -> None:
    # pythondistdeps.py collects (operator, version) pairs per dependency name across all
    # requirements, dropping exact duplicates, then sorts and joins them with "with".
    reqs = [
        "numpy>=1.22",
        "numpy<3; python_version >= '3.12'",
        "numpy>=1.22; platform_machine == 'x86_64'",
        "numpy; python_version < '3.9'",
        "six",
        "six",
    ]
    assert requires_for(reqs, python="3.14") == [
        "python(abi) = 3.14",
        "(python3.14dist(numpy) < 3~~ with python3.14dist(numpy) >= 1.22)",
        "python3.14dist(six)",
    ]


def test_unversioned_and_versioned_on_one_name() -> None:
    assert requires_for(["idna", "idna>=2.5"], python="3.14")[1] == "python3.14dist(idna) >= 2.5"


def test_output_is_sorted_by_dependency_name() -> None:
    reqs = ["zipp", "Zope.Event", "a_b", "ab", "a-b[x]", "python-dateutil"]
    out = requires_for(reqs, python="3.14")
    assert out == [
        "python(abi) = 3.14",
        "python3.14dist(a-b)",
        "python3.14dist(a-b[x])",
        "python3.14dist(ab)",
        "python3.14dist(python-dateutil)",
        "python3.14dist(zipp)",
        "python3.14dist(zope-event)",
    ]


@pytest.mark.parametrize(
    ("marker", "python", "arch", "kept"),
    [
        ("python_version < '3.11'", "3.14", "x86_64", False),
        ("python_version >= '3.14'", "3.14", "x86_64", True),
        ("python_version >= '3.14'", "3.13", "x86_64", False),
        ("python_full_version >= '3.13.1'", "3.13", "x86_64", False),  # as Fedora: "3.13"
        ("python_full_version >= '3.13.1'", "3.13.2", "x86_64", True),
        ("sys_platform == 'linux'", "3.14", "x86_64", True),
        ("sys_platform == 'darwin'", "3.14", "x86_64", False),
        ("platform_system == 'Windows'", "3.14", "x86_64", False),
        ("os_name == 'nt'", "3.14", "x86_64", False),
        ("platform_machine == 'x86_64'", "3.14", "x86_64", True),
        ("platform_machine == 'x86_64'", "3.14", "aarch64", False),
        ("platform_machine == 'aarch64'", "3.14", "aarch64", True),
        ("implementation_name == 'pypy'", "3.14", "x86_64", False),
        ("platform_python_implementation == 'CPython'", "3.14", "x86_64", True),
        ("extra == 'test'", "3.14", "x86_64", False),
        ("extra != 'test'", "3.14", "x86_64", True),
        ("python_version >= '3' or extra == 'test'", "3.14", "x86_64", True),
    ],
)
def test_markers_are_evaluated_for_the_target(
    marker: str, python: str, arch: str, kept: bool
) -> None:
    out = requires_for([f"dep; {marker}"], python=python, arch=arch)
    assert (f"python{python[:4]}dist(dep)" in out) is kept


def test_environment_is_fedoras_linux() -> None:
    env = environment("3.14", "aarch64")
    assert env["python_version"] == "3.14"
    assert env["python_full_version"] == "3.14"
    assert env["sys_platform"] == "linux"
    assert env["platform_system"] == "Linux"
    assert env["platform_machine"] == "aarch64"
    assert env["os_name"] == "posix"
    assert env["implementation_name"] == "cpython"
    assert env["platform_python_implementation"] == "CPython"
    # complete: nothing falls back to the machine running streams
    assert Marker("platform_release == ''").evaluate({**env, "extra": ""})
    assert environment("3.15.0a2")["python_version"] == "3.15"


def test_bad_python_version() -> None:
    with pytest.raises(VersionError, match="invalid Python version"):
        environment("three")


# -- extras subpackages ---------------------------------------------------------------------

ZOPE_COMPONENT = [
    # the dependencies of zope.component 4.3.0 that matter for its "testing" extra
    "setuptools",
    "zope.event",
    "zope.hookable>=4.2.0; extra == 'hook'",
    "zope.security; extra == 'security'",
    "nose; extra == 'testing'",
    "coverage; extra == 'testing'",
    "zope.testing; extra == 'testing'",
    "zope.component[hook,persistentregistry,security,zcml]; extra == 'testing'",
]


def test_extras_subpackage_requires_only_its_extra() -> None:
    # generator test data: python3-zope-component+testing
    assert requires_for(ZOPE_COMPONENT, python="3.9", extras=frozenset({"testing"})) == [
        "python(abi) = 3.9",
        "python3.9dist(coverage)",
        "python3.9dist(nose)",
        "python3.9dist(zope-component)",
        "python3.9dist(zope-component[hook])",
        "python3.9dist(zope-component[persistentregistry])",
        "python3.9dist(zope-component[security])",
        "python3.9dist(zope-component[zcml])",
        "python3.9dist(zope-testing)",
    ]


def test_extras_subpackage_build_virtualenv() -> None:
    # generator test data: python3-build+virtualenv from build 0.8.0
    reqs = [
        "packaging>=19.0",
        "pep517>=0.9.1",
        "tomli>=1.0.0",
        "colorama; os_name == 'nt'",
        "virtualenv>=20.0.35; extra == 'virtualenv'",
        "importlib-metadata>=0.22; python_version < '3.8'",
        "pytest>=6.2.4; extra == 'test'",
    ]
    assert requires_for(reqs, python="3.10", extras=frozenset({"virtualenv"})) == [
        "python(abi) = 3.10",
        "python3.10dist(virtualenv) >= 20.0.35",
    ]


def test_extra_marker_combined_with_environment() -> None:
    reqs = [
        "uvloop; extra == 'standard' and sys_platform != 'win32'",
        "colorama; extra == 'standard' and sys_platform == 'win32'",
        "httptools>=0.6; extra == 'STANDARD'",  # extra names compare normalized
        "always-true; python_version >= '3'",  # true without the extra: main package only
    ]
    assert requires_for(reqs, python="3.14", extras=frozenset({"standard"})) == [
        "python(abi) = 3.14",
        "python3.14dist(httptools) >= 0.6",
        "python3.14dist(uvloop)",
    ]
    assert requires_for(reqs, python="3.14") == [
        "python(abi) = 3.14",
        "python3.14dist(always-true)",
    ]


def test_several_extras_are_united() -> None:
    reqs = ["a; extra == 'x'", "b; extra == 'y'", "c; extra == 'z'"]
    out = requires_for(reqs, python="3.14", extras=frozenset({"x", "y"}))
    assert out == ["python(abi) = 3.14", "python3.14dist(a)", "python3.14dist(b)"]


def test_unknown_extra_fails_like_fedora() -> None:
    with pytest.raises(VersionError, match="'missing' is not in the distribution's metadata"):
        requires_for(
            ZOPE_COMPONENT,
            python="3.9",
            extras=frozenset({"missing"}),
            provides_extra=["hook", "security", "testing"],
        )
    # declared but without requirements is fine (an empty extras package)
    assert requires_for(
        ["a"], python="3.14", extras=frozenset({"empty"}), provides_extra=["Empty"]
    ) == ["python(abi) = 3.14"]


def test_applicable_requirements_keep_metadata_order() -> None:
    kept = applicable_requirements(
        ["b>=1", "a; python_version < '3'", "c[x]"], python="3.14", arch="x86_64"
    )
    assert [str(r) for r in kept] == ["b>=1", "c[x]"]


def test_invalid_requirements_are_reported_together() -> None:
    with pytest.raises(VersionError) as info:
        requires_for(["ok>=1", "bad>>1", "also bad ~= 1"], python="3.14")
    assert info.value.exit_code == EXIT_BAD_INPUT
    assert "'bad>>1'" in info.value.message
    assert "'also bad ~= 1'" in info.value.message


def test_unconvertible_specifier_fails() -> None:
    # "~=1" parses in old packaging only; "===" with a non-PEP 440 string is still valid PEP 508
    with pytest.raises(VersionError, match="not a valid PEP 440 version"):
        requires_for(["foo===custom-build"], python="3.14")
