"""PEP 440 -> RPM conversions as Fedora's generator writes them.

Expectations come from docs/reference/contracts.md §4 (the real pythondistdeps.py run on a test
dist-info) and
from the generator's own test data (python-rpm-generators
``tests/data/scripts_pythondistdeps/test-data.yaml``, the ``pyreq2rpm.tests`` egg-info under
``--requires --normalized-names-format pep503 --require-extras-subpackages``), restated here.
"""

from __future__ import annotations

import pytest
from packaging.specifiers import Specifier, SpecifierSet
from packaging.version import Version

from streams.errors import EXIT_BAD_INPUT, VersionError
from streams.solver.versions import (
    Evr,
    convert_specifier,
    dist_dep_name,
    dist_provide,
    rpm_dep,
    rpm_evr,
    rpm_version,
)

# -- versions -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pep440", "rpm"),
    [
        ("1.0.0", "1"),
        ("2.10", "2.10"),
        ("0.0", "0"),
        ("1.2.0rc1", "1.2~rc1"),
        ("1.0c1", "1~rc1"),  # packaging normalizes c -> rc
        ("1.0alpha2", "1~a2"),
        ("1.0b0", "1~b0"),
        ("1.0.dev3", "1~~dev3"),
        ("1.0.dev0", "1~~dev0"),  # dev0 still counts as a dev release
        ("1.0.post1", "1^post1"),
        ("1.0-1", "1^post1"),
        ("1.0.post0", "1^post0"),
        ("1.0a1.dev2", "1~a1"),  # pre wins over dev
        ("1.0a1.post2", "1~a1"),  # pre wins over post
        ("1.0.post1.dev2", "1~~dev2"),  # dev wins over post
        ("1!2.0", "1:2"),
        ("0!2.0", "2"),
        ("1.0+ubuntu.1", "1"),  # local dropped
        ("2020.04.07.024", "2020.4.7.24"),
        ("11.1.0.post3", "11.1^post3"),
        ("8a4", "8~a4"),
        ("11rc0", "11~rc0"),
        ("0+unknown", "0"),
    ],
)
def test_rpm_version(pep440: str, rpm: str) -> None:
    assert rpm_version(pep440) == rpm
    assert rpm_version(Version(pep440)) == rpm


def test_rpm_evr() -> None:
    assert rpm_evr("1!2.0rc1+local") == Evr(1, "2~rc1")
    assert str(rpm_evr("1!2.0rc1")) == "1:2~rc1"
    assert rpm_evr("2.0").release is None


def test_invalid_version_is_a_clear_bad_input_error() -> None:
    with pytest.raises(VersionError) as info:
        rpm_version("not-a-version")
    assert "not a valid PEP 440 version" in str(info.value)
    assert info.value.exit_code == EXIT_BAD_INPUT


# -- Evr ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "evr", "back"),
    [
        ("1:2.0-3", Evr(1, "2.0", "3"), "1:2.0-3"),
        ("2.0-3", Evr(0, "2.0", "3"), "2.0-3"),
        ("2.0", Evr(0, "2.0", None), "2.0"),
        ("0:2.0", Evr(0, "2.0", None), "2.0"),
        ("1.2~rc1^post1-0.1.fc44", Evr(0, "1.2~rc1^post1", "0.1.fc44"), "1.2~rc1^post1-0.1.fc44"),
    ],
)
def test_evr_parse_and_str(text: str, evr: Evr, back: str) -> None:
    parsed = Evr.parse(text)
    assert (parsed.epoch, parsed.version, parsed.release) == (evr.epoch, evr.version, evr.release)
    assert str(parsed) == back


@pytest.mark.parametrize("text", ["", "a:1.0", "1.0-2-3", "1:", "1.0 -2", ":1.0"])
def test_evr_parse_rejects(text: str) -> None:
    with pytest.raises(VersionError, match="invalid RPM EVR"):
        Evr.parse(text)


def test_evr_order_is_rpms() -> None:
    ordered = ["1~~dev1", "1~a1", "1~rc1", "1", "1^post1", "1.0.1", "1.9", "1.10", "1:0.1"]
    evrs = [Evr.parse(t) for t in ordered]
    assert sorted(reversed(evrs)) == evrs
    assert [str(e) for e in sorted(reversed(evrs))] == ordered
    assert Evr.parse("1.0") == Evr.parse("1.00")  # rpm compares numeric segments as numbers
    assert hash(Evr.parse("1.0")) == hash(Evr.parse("1.00"))
    assert Evr.parse("2.0") < Evr.parse("2.0-1")  # labelCompare: no release sorts first
    assert Evr.parse("1.0-2") < Evr.parse("1.0-10.fc44")
    assert Evr(0, "1") != "1"
    assert max(Evr.parse("3.1"), Evr.parse("3.1.0")) == Evr.parse("3.1.0")


# -- specifiers: docs/reference/contracts.md §4 ----------------------------------------------

N = "N"


@pytest.mark.parametrize(
    ("spec", "dep"),
    [
        (">=1.2", "N >= 1.2"),
        (">1.2", "N > 1.2.0"),
        ("<2", "N < 2~~"),
        ("<=2.0", "N <= 2"),
        ("==1.2.3", "N = 1.2.3"),
        ("===1.0", "N = 1"),
        (">1.0.*", "N >= 1"),
        ("==1.2.*", "(N >= 1.2 with N < 1.3)"),
        ("~=1.4.2", "(N >= 1.4.2 with N < 1.5)"),
        ("~=2.2", "(N >= 2.2 with N < 3)"),
        ("!=1.3", "(N < 1.3 or N > 1.3)"),
        ("!=1.3.*", "(N < 1.3~~ or N >= 1.4)"),
        ("", "N"),
    ],
)
def test_contract_operator_table(spec: str, dep: str) -> None:
    assert rpm_dep(N, spec) == dep


# -- specifiers: the generator's own test data ---------------------------------------------


@pytest.mark.parametrize(
    ("spec", "dep"),
    [
        ("~=2.4.8", "(N >= 2.4.8 with N < 2.5)"),
        ("~=2.4.8.0", "(N >= 2.4.8 with N < 2.4.9)"),
        ("~=2.4.8.1", "(N >= 2.4.8.1 with N < 2.4.9)"),
        ("~=2.0", "(N >= 2 with N < 3)"),
        ("~=2.4.8b5", "(N >= 2.4.8~b5 with N < 2.5)"),
        ("~=2.0.0b5", "(N >= 2~b5 with N < 2.1)"),
        ("~=2.4.8.post1", "(N >= 2.4.8^post1 with N < 2.5)"),
        ("~=2.0.post1", "(N >= 2^post1 with N < 3)"),
        ("==2.4.8.0", "N = 2.4.8"),
        ("==2.4.8.*", "(N >= 2.4.8 with N < 2.4.9)"),
        ("==2", "N = 2"),
        ("==2.*", "(N >= 2 with N < 3)"),
        ("==2.0.0b5", "N = 2~b5"),
        ("==2.0.post1", "N = 2^post1"),
        ("===2.4.8.0", "N = 2.4.8"),
        ("===2.0.0b5", "N = 2~b5"),
        ("!=2.4.8.0", "(N < 2.4.8 or N > 2.4.8)"),
        ("!=2.4.8.*", "(N < 2.4.8~~ or N >= 2.4.9)"),
        ("!=2.*", "(N < 2~~ or N >= 3)"),
        ("!=2.4.8b5", "(N < 2.4.8~b5 or N > 2.4.8~b5)"),
        ("!=2.0.post1", "(N < 2^post1 or N > 2^post1)"),
        ("<=2.4.8.0", "N <= 2.4.8"),
        ("<=2.0.0b5", "N <= 2~b5"),
        ("<=2.0.post1", "N <= 2^post1"),
        ("<2.4.8.0", "N < 2.4.8~~"),
        ("<2.4.8.1", "N < 2.4.8.1~~"),
        ("<2.0.0b5", "N < 2~b5"),
        ("<2.0.post1", "N < 2^post1"),
        (">=2.0", "N >= 2"),
        (">=2.0.0b5", "N >= 2~b5"),
        (">2.4.8", "N > 2.4.8.0"),
        (">2.4.8.0", "N > 2.4.8.0"),
        (">2.4.8.1", "N > 2.4.8.1.0"),
        (">2", "N > 2.0"),
        (">2.0", "N > 2.0"),
        (">2.0.0b5", "N > 2~b5"),
        (">2.0.post1", "N > 2^post1"),
        ("==1.0.0.dev7", "N = 1~~dev7"),
        ("<=8a4", "N <= 8~a4"),
        ("!=11.1.1b14", "(N < 11.1.1~b14 or N > 11.1.1~b14)"),
        (">11rc0", "N > 11~rc0"),
        ("===11.1.0.post3", "N = 11.1^post3"),
        ("==0+unknown", "N = 0"),
        (">=1.3,!=2.0", "((N < 2 or N > 2) with N >= 1.3)"),
        (
            ">=2.0.1,!=2.0.4,!=2.1.2,!=2.1.6",
            "((N < 2.0.4 or N > 2.0.4) with (N < 2.1.2 or N > 2.1.2) with "
            "(N < 2.1.6 or N > 2.1.6) with N >= 2.0.1)",
        ),
    ],
)
def test_generator_test_data(spec: str, dep: str) -> None:
    assert rpm_dep(N, spec) == dep
    assert rpm_dep(N, SpecifierSet(spec)) == dep


@pytest.mark.parametrize(
    ("spec", "dep"),
    [
        # ordered prefix forms: not PEP 440 any more, but the generator still defines them
        (">=1.0.*", "N >= 1"),
        ("<1.0.*", "N < 1~~"),
        ("<=1.0.*", "N < 1~~"),
        # epochs survive every operator
        (">=1!2.0", "N >= 1:2"),
        (">1!2", "N > 1:2.0"),
        ("<1!2", "N < 1:2~~"),
        ("~=1!2.3", "(N >= 1:2.3 with N < 1:3)"),
        ("==1!2.*", "(N >= 1:2 with N < 1:3)"),
        ("!=1!2.*", "(N < 1:2~~ or N >= 1:3)"),
        # dev releases are suffixes too: no "~~" / ".0" added
        ("<2.dev1", "N < 2~~dev1"),
        (">2.dev1", "N > 2~~dev1"),
        # local labels are dropped
        ("==1.0+local", "N = 1"),
        # duplicates collapse; a specifier that spells the same thing differently does not
        (">=1,>=1", "N >= 1"),
        (" >= 1 , < 2 ", "(N < 2~~ with N >= 1)"),
    ],
)
def test_more_operators(spec: str, dep: str) -> None:
    assert rpm_dep(N, spec) == dep


def test_specifier_object_and_named_dep() -> None:
    assert rpm_dep("python3.14dist(attrs)", Specifier("~=23.1")) == (
        "(python3.14dist(attrs) >= 23.1 with python3.14dist(attrs) < 24)"
    )
    assert convert_specifier("python3dist(x)", "<", "3") == "python3dist(x) < 3~~"


@pytest.mark.parametrize(
    ("spec", "why"),
    [
        ("~=1", "at least two release components"),
        ("~=1!2", "at least two release components"),
        ("~=1.0.*", "cannot use a '.*' prefix"),
        ("===1.0.*", "cannot use a '.*' prefix"),
        ("===foobar", "not a valid PEP 440 version"),
        (">=1.0,<=garbage", "not a valid PEP 440 version"),
        ("=>1.0", "invalid version specifier"),
        ("1.0", "invalid version specifier"),
    ],
)
def test_unconvertible_specifiers_raise(spec: str, why: str) -> None:
    with pytest.raises(VersionError, match=why) as info:
        rpm_dep("python3.14dist(foo)", spec)
    assert info.value.exit_code == EXIT_BAD_INPUT
    assert info.value.hint


# -- provides -------------------------------------------------------------------------------


def test_dist_provide_contract_example() -> None:
    # docs/reference/contracts.md §4: Foo_Bar 1.2.0rc1 under python3.13
    assert dist_provide("Foo_Bar", "1.2.0rc1", "3.13", main=False) == [
        "python3.13dist(foo-bar) = 1.2~rc1"
    ]
    assert dist_provide("Foo_Bar", "1.2.0rc1", "3.13", main=True) == [
        "python3.13dist(foo-bar) = 1.2~rc1",
        "python3dist(foo-bar) = 1.2~rc1",
    ]


def test_dist_provide_extras_and_defaults() -> None:
    # the generator's test data: build 0.8.0 for python3.10, package python3-build+virtualenv
    assert dist_provide("build", "0.8.0", "3.10", extra="virtualenv") == [
        "python3.10dist(build[virtualenv]) = 0.8",
        "python3dist(build[virtualenv]) = 0.8",
    ]
    assert dist_provide("zope.component", Version("4.3.0")) == [
        "python3.14dist(zope-component) = 4.3",
        "python3dist(zope-component) = 4.3",
    ]


def test_dist_provide_version_zero() -> None:
    assert dist_provide("importlib_metadata", "0.0", "3.11") == [
        "python3.11dist(importlib-metadata) = 0",
        "python3dist(importlib-metadata) = 0",
    ]
    with pytest.raises(VersionError, match="normalizes to zero"):
        dist_provide("importlib_metadata", "0.0", "3.11", fail_if_zero=True)
    assert dist_provide("x", "0.1", "3.11", fail_if_zero=True)[0] == "python3.11dist(x) = 0.1"


def test_dist_named_python_provides_abi() -> None:
    assert "python(abi) = 3.14" in dist_provide("Python", "3.14.2", "3.14")


def test_dist_dep_name() -> None:
    assert dist_dep_name("Zope.Interface", "3.14") == "python3.14dist(zope-interface)"
    assert dist_dep_name("dnspython", "3.14", "DNSSEC") == "python3.14dist(dnspython[dnssec])"
    assert dist_dep_name("a__b", "3") == "python3dist(a-b)"
    with pytest.raises(VersionError, match="invalid Python version"):
        dist_provide("x", "1", "python3")
