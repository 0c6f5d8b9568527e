"""Fedora's own spec facts: the lookup on the embedded tables, table validation, the filter."""

from __future__ import annotations

import pytest

from streams.errors import RecipeError
from streams.solver.fedora_specs import (
    all_spec_facts,
    load_table,
    parse_table,
    spec_facts,
    target_spec_facts,
)
from streams.sources.licenses import choose_license_for_target, fedora_license
from streams.targets import get_target, host_target
from tools.snapshots.specfacts import is_python_dep, non_python_build_requires

F44 = get_target("fedora-44-x86_64")
HEADER = "# comment\ndist_name\tsource_spec\tbuild_requires\tlicense\n"


def test_cryptography_builds_with_openssl_and_rust_on_f44() -> None:
    # python-cryptography.spec at F44 branching: BuildRequires openssl-devel, gcc, and (under
    # %if 0%{?fedora}) rust-packaging; its Python BuildRequires are not facts here
    facts = spec_facts("f44", "cryptography")
    assert facts is not None
    assert facts.source_spec == "python-cryptography.spec"
    assert {"openssl-devel", "gcc", "rust-packaging"} <= set(facts.build_requires)
    assert not any(d.startswith("python3") for d in facts.build_requires)
    assert "Apache-2.0 OR BSD-3-Clause" in facts.license


def test_pillow_has_its_image_libraries_and_no_mingw() -> None:
    facts = spec_facts("f44", "Pillow")  # normalized here
    assert facts is not None
    assert {"zlib-devel", "libjpeg-devel", "freetype-devel", "gcc"} <= set(facts.build_requires)
    # the MinGW cross build's BuildRequires are not a native build's
    assert not any(d.startswith("mingw") for d in facts.build_requires)
    assert facts.license == "MIT"


def test_grpcio_comes_from_grpc_spec_with_cxx_and_cmake() -> None:
    facts = target_spec_facts(F44, "grpcio")
    assert facts is not None
    assert facts.source_spec == "grpc.spec"
    assert {"gcc-c++", "cmake", "ninja-build", "pkgconfig(zlib)"} <= set(facts.build_requires)


def test_a_compat_spec_comes_after_the_main_one() -> None:
    found = all_spec_facts("f44", "sqlalchemy")
    assert [f.source_spec for f in found] == [
        "python-sqlalchemy.spec",
        "python-sqlalchemy1.4.spec",
    ]
    main = spec_facts("f44", "sqlalchemy")
    assert main is not None and main.source_spec == "python-sqlalchemy.spec"


def test_no_table_no_package_no_host() -> None:
    assert spec_facts("f42", "cryptography") is None  # no embedded table
    assert spec_facts("f44", "no-such-distribution-anywhere") is None
    assert target_spec_facts(host_target(), "cryptography") is None
    assert load_table("../f44") is None


def test_bad_rows_are_reported_with_file_and_line() -> None:
    text = HEADER + (
        "Foo_Bar\tpython-foo.spec\tgcc\tMIT\n"
        "ok\tpython-ok.spec\tgcc, , make\tMIT\n"
        "short\tpython-short.spec\n"
        "nolicense\tnolicense.txt\t\t \n"
    )
    with pytest.raises(RecipeError) as err:
        parse_table(text, source="f99-specs.tsv")
    rendered = err.value.render()
    assert "f99-specs.tsv:3: dist_name: 'Foo_Bar' is not a PEP 503-normalized" in rendered
    assert "write 'foo-bar'" in rendered
    assert "f99-specs.tsv:4: build_requires: empty dependency" in rendered
    assert "f99-specs.tsv:5: 2 columns, expected 4" in rendered
    assert "f99-specs.tsv:6: source_spec: 'nolicense.txt' is not a spec file name" in rendered
    assert "f99-specs.tsv:6: license: empty license" in rendered
    assert err.value.exit_code == 2


def test_bad_header_is_reported() -> None:
    with pytest.raises(RecipeError, match="problem") as err:
        parse_table("name\tspec\n", source="x.tsv")
    assert "x.tsv:1: unexpected header" in err.value.render()


def test_fedora_license_is_preferred_over_metadata() -> None:
    choice = choose_license_for_target("pillow", F44, classifiers=("License :: OSI Approved",))
    assert (choice.expression, choice.source) == ("MIT", "fedora-spec:python-pillow.spec")
    assert choice.warning is None
    # the host target has no Fedora spec: the metadata decides
    host = choose_license_for_target("pillow", host_target(), license="MIT-CMU")
    assert (host.expression, host.source) == ("MIT-CMU", "license")
    assert fedora_license("no-such-distribution-anywhere", F44) is None


@pytest.mark.parametrize(
    ("dep", "python"),
    [
        ("python3-devel", True),
        ("python3dist(setuptools) >= 40", True),
        ("python3.14-foo", True),
        ("pyproject-rpm-macros", True),
        ("(python3dist(a) >= 1 with python3dist(a) < 2)", True),
        ("(python3dist(pandas) or python3(x86-32))", True),
        ("pkgconfig(python3)", True),
        ("gcc-c++", False),
        ("pkgconfig(zlib)", False),
        ("boost-python3-devel", False),
        ("(cmake(nlohmann_json) with json-static)", False),
        ("(python3-foo or gcc)", False),
    ],
)
def test_python_dependencies_are_recognised(dep: str, python: bool) -> None:
    assert is_python_dep(dep) is python


def test_filter_keeps_rpm_order_once() -> None:
    deps = [
        "cmake >= 3.15",
        "crate(serde/default) >= 1",
        "gcc",
        "gnupg2",
        "mingw64-gcc",
        "python3-devel",
        "rpmlib(DynamicBuildRequires) <= 4.15.0-1",
        "gcc",
    ]
    assert non_python_build_requires(deps) == ("cmake >= 3.15", "gcc")
