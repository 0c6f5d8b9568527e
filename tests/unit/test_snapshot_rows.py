"""Pure parts of the snapshot generator: RPM versions read back as PEP 440, table parsing."""

from __future__ import annotations

import pytest
from packaging.utils import canonicalize_name
from packaging.version import Version

from streams.errors import RecipeError, UsageError
from streams.solver.index import CoreMetadata
from streams.targets import Interpreter
from tools.snapshots.snapshot import (
    SNAPSHOTS,
    TableRow,
    build_snapshot,
    metadata_key,
    parse_interpreters,
    pep440_version,
)

FOO = canonicalize_name("foo")


@pytest.mark.parametrize(
    ("rpm", "pep440"),
    [
        ("2.12.0", "2.12.0"),
        ("2.12.0~a1", "2.12.0a1"),
        ("15.0.0~b1", "15.0.0b1"),
        ("3.0~rc2", "3.0rc2"),
        ("1.0~~dev3", "1.0.dev3"),
        ("1.0^post1", "1.0.post1"),
        ("1!2.0", "1!2.0"),
    ],
)
def test_rpm_versions_read_back_as_pep440(rpm: str, pep440: str) -> None:
    assert pep440_version(rpm) == Version(pep440)


@pytest.mark.parametrize(
    "rpm", ["0^20260603.6fbb5f7", "1.2.1~git.4.67d46b9", "0.5.0~20231031git5aea0fd"]
)
def test_snapshot_versions_are_not_pep440(rpm: str) -> None:
    assert pep440_version(rpm) is None


def test_metadata_key_normalises_so_shared_versions_are_fetched_once() -> None:
    a = TableRow("python3-foo", 0, "2.0", FOO, None, "python-foo.spec", "high")
    b = TableRow("python3-foo+x", 0, "2.0", FOO, "x", "python-foo.spec", "high")
    assert metadata_key(a) == metadata_key(b) == ("foo", "2.0")


def test_interpreters_table_main_first_and_bad_rows_reported() -> None:
    text = (
        "snapshot\trpm_name\tversion\tmain\n"
        "f45\tpython3.14\t3.14.6\tno\n"
        "f45\tpython3.15\t3.15.0\tyes\n"
    )
    assert parse_interpreters(text, source="i.tsv")["f45"] == (
        Interpreter("3.15", "python3", "3.15.0", True),
        Interpreter("3.14", "python3.14", "3.14.6", False),
    )
    with pytest.raises(RecipeError) as err:
        parse_interpreters(text + "f45\tpython3.13\t3.13.1\tmaybe\n", source="i.tsv")
    assert err.value.render().startswith("i.tsv:4: bad interpreter row")


def test_wrong_main_python_is_refused() -> None:
    interps = (Interpreter("3.14", "python3", "3.14.6", True),)
    with pytest.raises(UsageError, match=r"expected 3\.15"):
        build_snapshot(SNAPSHOTS["f45"], [], interps, {})


def test_unconvertible_metadata_keeps_the_row_providing() -> None:
    # ~=2 (one component) is rejected by Fedora's generator (exit 65); the row still provides
    row = TableRow("python3-foo", 0, "1.0", FOO, None, "python-foo.spec", "high")
    md = CoreMetadata(name="foo", version="1.0", requires_dist=("bar~=2",))
    interps = (Interpreter("3.15", "python3", "3.15.0", True),)
    snap = build_snapshot(SNAPSHOTS["f45"], [row], interps, {("foo", "1.0"): md})
    (pkg, _python3) = snap.packages
    assert pkg.requires == ("python(abi) = 3.15",)
    assert "python3dist(foo) = 1" in pkg.provides
    assert [m.reason.split(":")[0] for m in snap.missing] == ["unusable metadata"]
