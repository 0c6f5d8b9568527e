"""Fedora's own spec facts, extracted by rpm: the tool on fixture specs, the embedded tables.

* ``tools/snapshots/specfacts.py`` on the specs of ``tests/data/specfacts/`` (real rpm, Fedora's
  macros of f44 and f43) gives exactly the expected rows and missing list;
* every embedded ``<snapshot>-specs.tsv`` is in step with its snapshot table, and every
  dependency in it is one rpm itself parses back unchanged from a ``BuildRequires:`` line.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from streams.solver import fedora_specs
from tools.snapshots.snapshot import SNAPSHOTS, TableRow, parse_table
from tools.snapshots.specfacts import (
    FactRow,
    MissingSpec,
    fact_rows,
    fedora_macros,
    parse_specs,
    render_table,
)

rpm = pytest.importorskip("rpm")

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "data" / "specfacts"
DATA = ROOT / "streams" / "data" / "fedora"
TABLE = (
    "rpm_name\tepoch\tversion\tdist_name\textra\tsource_spec\tconfidence\n"
    "python3-cext\t\t1.2.3\tcext\t\tpython-cext.spec\thigh\n"
    "python3-cext+fast\t\t1.2.3\tcext\tfast\tpython-cext.spec\thigh\n"
    "python3-declarative\t\t0.1\tdeclarative\t\tpython-declarative.spec\thigh\n"
    "python3-broken\t\t1.0\tbroken\t\tpython-broken.spec\thigh\n"
    "python3-gone\t\t1.0\tgone\t\tpython-gone.spec\tlow\n"
)


def _extract(tmp_path: Path, snapshot: str) -> tuple[list[FactRow], list[MissingSpec]]:
    rows = parse_table(TABLE, source="fixture.tsv")
    paths = {}
    for spec in FIXTURES.glob("*.spec"):
        paths[spec.name] = Path(shutil.copy(spec, tmp_path / spec.name))
    parsed, failed = parse_specs(paths, fedora_macros(SNAPSHOTS[snapshot]), workers=1)
    return fact_rows(rows, parsed, failed)


@pytest.mark.slow
def test_fixture_specs_give_the_expected_rows(tmp_path: Path) -> None:
    facts, missing = _extract(tmp_path, "f44")
    assert facts == [
        # %if 0%{?fedora} >= 44 picks libjpeg-devel; the tests bcond is on by default, so its
        # Xvfb counts; docs and mingw are off; Python, macros, gnupg2 and crates are dropped;
        # the license is python3-cext's own, not the source package's
        FactRow(
            "cext",
            "python-cext.spec",
            ("gcc", "libjpeg-devel", "pkgconfig(zlib) >= 1.2", "xorg-x11-server-Xvfb"),
            "MIT",
        ),
        # BuildSystem: pyproject parses on rpm 4.18; the subpackage inherits the License
        FactRow("declarative", "python-declarative.spec", ("make",), "BSD-3-Clause"),
    ]
    assert [(m.source_spec, m.dist_names) for m in missing] == [
        ("python-broken.spec", ("broken",)),
        ("python-gone.spec", ("gone",)),
    ]
    assert 'Illegal sequence ".."' in missing[0].reason
    assert "not in major/fedora-rpm-specs" in missing[1].reason


@pytest.mark.slow
def test_release_point_macros_decide_the_conditionals(tmp_path: Path) -> None:
    facts, _missing = _extract(tmp_path, "f43")
    cext = next(f for f in facts if f.dist_name == "cext")
    assert "libjpeg-turbo-devel" in cext.build_requires
    assert "libjpeg-devel" not in cext.build_requires


@pytest.mark.slow
def test_rendered_table_reads_back_through_the_lookup_parser(tmp_path: Path) -> None:
    facts, _missing = _extract(tmp_path, "f44")
    text = render_table(facts, SNAPSHOTS["f44"])
    assert SNAPSHOTS["f44"].mirror_commit in text.splitlines()[0]
    table = fedora_specs.parse_table(text, source="t.tsv")
    assert table["cext"][0].build_requires == facts[0].build_requires
    assert table["declarative"][0].license == "BSD-3-Clause"


def _embedded() -> list[str]:
    return sorted(p.name.removesuffix("-specs.tsv") for p in DATA.glob("*-specs.tsv"))


def test_every_snapshot_has_a_facts_table() -> None:
    assert _embedded() == sorted(SNAPSHOTS)


@pytest.mark.parametrize("snapshot", sorted(SNAPSHOTS))
def test_embedded_table_matches_its_snapshot(snapshot: str) -> None:
    text = (DATA / f"{snapshot}-specs.tsv").read_text(encoding="utf-8")
    assert SNAPSHOTS[snapshot].mirror_commit in text.splitlines()[0]
    table = fedora_specs.load_table(snapshot)
    assert table is not None
    rows: list[TableRow] = parse_table(
        (DATA / f"{snapshot}.tsv").read_text(encoding="utf-8"), source=snapshot
    )
    missing = (DATA / f"{snapshot}-specs-missing.tsv").read_text(encoding="utf-8")
    unreadable = {ln.split("\t")[0] for ln in missing.splitlines()[3:]}
    # every spec of the snapshot table has its facts, or is listed as unreadable (few)
    for row in rows:
        if row.source_spec in unreadable:
            continue
        specs = {f.source_spec for f in table.get(str(row.dist_name), ())}
        assert row.source_spec in specs, (snapshot, row.rpm_name)
    assert len(unreadable) <= 10


@pytest.mark.slow
@pytest.mark.parametrize("snapshot", sorted(SNAPSHOTS))
def test_every_embedded_dependency_is_valid_rpm_syntax(snapshot: str, tmp_path: Path) -> None:
    """rpm's own parser reads every dependency back unchanged from a BuildRequires: line."""
    table = fedora_specs.load_table(snapshot)
    assert table is not None
    deps = sorted({d for rows in table.values() for r in rows for d in r.build_requires})
    assert len(deps) > 500
    spec = tmp_path / "all.spec"
    spec.write_text(
        "Name: all\nVersion: 1\nRelease: 1\nSummary: s\nLicense: MIT\n"
        + "".join(f"BuildRequires: {d}\n" for d in deps)
        + "%description\nd\n",
        encoding="utf-8",
    )
    parsed = rpm.spec(str(spec))
    back = sorted({d.DNEVR()[2:] for d in rpm.ds(parsed.sourceHeader, "requires")})
    assert back == deps
