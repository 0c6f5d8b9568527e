"""The snapshot generator end to end: a 10-row table, metadata from a local fake index (real
PEP 691 pages and PEP 658 files on 127.0.0.1), repodata written with createrepo_c, read back
with libsolv through the repos loader."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import solv

from streams.errors import RecipeError
from streams.infra.http import RetryPolicy
from streams.solver.index import IndexClient
from streams.solver.repos import BaseRepos, RepoSpec
from tools.devkit.fakeindex import FakeIndex
from tools.snapshots.snapshot import SNAPSHOTS, generate, parse_table

INFO = SNAPSHOTS["f45"]  # main Python 3.15, dist tag fc45

TABLE = """\
rpm_name\tepoch\tversion\tdist_name\textra\tsource_spec\tconfidence
python3-alpha\t\t1.0\talpha\t\tpython-alpha.spec\thigh
python3-alpha+test\t\t1.0\talpha\ttest\tpython-alpha.spec\thigh
python3-beta\t\t2.0.1\tbeta\t\tpython-beta.spec\thigh
python3-gamma\t1\t1.4.2\tgamma\t\tpython-gamma.spec\thigh
python3-delta\t\t1.5~rc1\tdelta\t\tpython-delta.spec\thigh
python3-ghost\t\t3.0\tghost\t\tpython-ghost.spec\thigh
python3-nowhere\t\t1.0\tnowhere\t\tpython-nowhere.spec\tlow
python3-snap\t\t0^20260101.abc\tsnap\t\tpython-snap.spec\thigh
python3-multi\t\t2.0\tmulti-a\t\tpython-multi.spec\thigh
python3-multi\t\t2.0\tmulti-b\t\tpython-multi.spec\thigh
"""

INTERPRETERS = """\
snapshot\trpm_name\tversion\tmain
f45\tpython3.14\t3.14.6\tno
f45\tpython3.15\t3.15.0~rc1\tyes
"""


@pytest.fixture
def index() -> Iterator[FakeIndex]:
    with FakeIndex() as idx:
        idx.add_wheel(
            "alpha",
            "1.0",
            provides_extra=["test"],
            requires_dist=[
                "beta>=2.0",
                "gamma[fast]~=1.4.2; python_version >= '3.10'",
                "winonly; sys_platform == 'win32'",
                "oldonly; python_version < '3.0'",
                "testdep>=1,!=1.3.*; extra == 'test'",
            ],
        )
        idx.add_wheel("beta", "2.0.1", requires_dist=["delta!=1.3.*", "Typing_Extensions"])
        idx.add_wheel("gamma", "1.4.2", provides_extra=["fast"])
        idx.add_wheel("delta", "1.5rc1", requires_dist=["zeta==2.1.*"])
        idx.add_wheel("ghost", "2.0")  # the table's 3.0 is not on the index
        idx.add_wheel("multi-a", "2.0", requires_dist=["beta"])
        idx.add_wheel("multi-b", "2.0", requires_dist=["gamma>1"])
        yield idx


@pytest.fixture
def generated(
    index: FakeIndex, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Path, object]:
    monkeypatch.setenv("STREAMS_CACHE_DIR", str(tmp_path / "cache"))
    (tmp_path / "f45.tsv").write_text(TABLE)
    (tmp_path / "interpreters.tsv").write_text(INTERPRETERS)
    client = IndexClient(
        index.url,
        cache=tmp_path / "cache" / "index",
        retry=RetryPolicy(attempts=1, backoff=0.01, max_backoff=0.01, timeout=5),
    )
    snap, _written = generate(
        INFO,
        tmp_path / "f45.tsv",
        tmp_path / "interpreters.tsv",
        tmp_path / "out" / "f45",
        client,
    )
    return tmp_path / "out" / "f45", snap


def _load(path: Path) -> BaseRepos:
    return BaseRepos.load([RepoSpec("fedora", str(path), "dir")], arch="x86_64", filelists=True)


def _deps(pool: BaseRepos, name: str, key: int) -> list[str]:
    """The dependencies of package ``name`` as libsolv reads them, sorted (libsolv reorders)."""
    sel = pool.pool.select(name, solv.Selection.SELECTION_NAME)
    (s,) = sel.solvables()
    return sorted(str(d) for d in s.lookup_deparray(key))


def test_provides_and_requires_follow_fedoras_generator(generated: tuple[Path, object]) -> None:
    base = _load(generated[0])
    assert _deps(base, "python3-alpha", solv.SOLVABLE_PROVIDES) == [
        "python3-alpha = 1.0-1.fc45",
        "python3.15dist(alpha) = 1",
        "python3dist(alpha) = 1",
    ]
    # Requires-Dist of alpha 1.0 above: the win32, python<3 and extra == 'test' lines are dropped,
    # gamma[fast] also requires gamma (--require-extras-subpackages), ~=1.4.2 is a range.
    assert _deps(base, "python3-alpha", solv.SOLVABLE_REQUIRES) == [
        "(python3.15dist(gamma) >= 1.4.2 with python3.15dist(gamma) < 1.5)",
        "(python3.15dist(gamma[fast]) >= 1.4.2 with python3.15dist(gamma[fast]) < 1.5)",
        "python(abi) = 3.15",
        "python3.15dist(beta) >= 2",
    ]
    # !=1.3.* excludes the whole series; the name is PEP 503-normalized
    assert _deps(base, "python3-beta", solv.SOLVABLE_REQUIRES) == [
        "(python3.15dist(delta) < 1.3~~ or python3.15dist(delta) >= 1.4)",
        "python(abi) = 3.15",
        "python3.15dist(typing-extensions)",
    ]
    # epoch from the table; the pre-release is provided in RPM form
    assert "python3-gamma = 1:1.4.2-1.fc45" in _deps(base, "python3-gamma", solv.SOLVABLE_PROVIDES)
    assert "python3dist(delta) = 1.5~rc1" in _deps(base, "python3-delta", solv.SOLVABLE_PROVIDES)
    assert _deps(base, "python3-delta", solv.SOLVABLE_REQUIRES) == [
        "(python3.15dist(zeta) >= 2.1 with python3.15dist(zeta) < 2.2)",
        "python(abi) = 3.15",
    ]
    # a package that installs two distributions provides both, requires the union
    assert {"python3dist(multi-a) = 2", "python3dist(multi-b) = 2"} <= set(
        _deps(base, "python3-multi", solv.SOLVABLE_PROVIDES)
    )
    assert _deps(base, "python3-multi", solv.SOLVABLE_REQUIRES) == [
        "python(abi) = 3.15",
        "python3.15dist(beta)",
        "python3.15dist(gamma) > 1.0",
    ]
    assert base.whatprovides("python3dist(alpha) >= 1")[0].name == "python3-alpha"
    assert all(s.arch == "noarch" for s in base.pool.solvables_iter())


def test_extras_package_requires_its_base_package(generated: tuple[Path, object]) -> None:
    base = _load(generated[0])
    assert _deps(base, "python3-alpha+test", solv.SOLVABLE_PROVIDES) == [
        "python3-alpha+test = 1.0-1.fc45",
        "python3.15dist(alpha[test]) = 1",
        "python3dist(alpha[test]) = 1",
    ]
    # only the extra's own requirement (testdep>=1,!=1.3.*), plus the exact base package
    assert _deps(base, "python3-alpha+test", solv.SOLVABLE_REQUIRES) == [
        "((python3.15dist(testdep) < 1.3~~ or python3.15dist(testdep) >= 1.4)"
        " with python3.15dist(testdep) >= 1)",
        "python(abi) = 3.15",
        "python3-alpha = 1.0-1.fc45",
    ]


def test_rows_without_metadata_still_provide(generated: tuple[Path, object]) -> None:
    path, _snap = generated
    base = _load(path)
    for name, provide in [
        ("python3-ghost", "python3dist(ghost) = 3"),
        ("python3-nowhere", "python3dist(nowhere) = 1"),
        ("python3-snap", "python3dist(snap) = 0^20260101.abc"),
    ]:
        assert provide in _deps(base, name, solv.SOLVABLE_PROVIDES)
        assert _deps(base, name, solv.SOLVABLE_REQUIRES) == ["python(abi) = 3.15"]
    assert (path / "missing-metadata.tsv").read_text().splitlines() == [
        "rpm_name\tdist_name\tversion\treason",
        "python3-ghost\tghost\t3.0\tno such release on PyPI",
        "python3-nowhere\tnowhere\t1.0\tno such project on PyPI",
        "python3-snap\tsnap\t0^20260101.abc\tnot a PEP 440 version",
    ]


def test_interpreters_are_in_the_repo(generated: tuple[Path, object]) -> None:
    base = _load(generated[0])
    (main,) = base.whatprovides("/usr/bin/python3")
    assert (main.name, main.evr) == ("python3", "3.15.0~rc1-1.fc45")
    assert [s.name for s in base.whatprovides("/usr/bin/python3.15")] == ["python3"]
    assert [s.name for s in base.whatprovides("python(abi) = 3.15")] == ["python3"]
    (alt,) = base.whatprovides("python(abi) = 3.14")
    assert (alt.name, alt.evr) == ("python3.14", "3.14.6-1.fc45")
    assert [s.name for s in base.whatprovides("/usr/bin/python3.14")] == ["python3.14"]
    # every snapshot package can be installed: nothing it requires is missing except the rows'
    # own derived deps on distributions outside the table (zeta, testdep, typing-extensions)
    solver = base.pool.Solver()
    job = base.pool.select("python3-gamma", solv.Selection.SELECTION_NAME).jobs(
        solv.Job.SOLVER_INSTALL
    )
    assert solver.solve(job) == []


def test_generation_is_byte_for_byte_reproducible(
    generated: tuple[Path, object], index: FakeIndex, tmp_path: Path
) -> None:
    first = generated[0]
    client = IndexClient(index.url, cache=tmp_path / "cache" / "index")
    generate(INFO, tmp_path / "f45.tsv", tmp_path / "interpreters.tsv", tmp_path / "again", client)
    again = tmp_path / "again"
    a = {p.relative_to(first): p.read_bytes() for p in first.rglob("*") if p.is_file()}
    b = {p.relative_to(again): p.read_bytes() for p in again.rglob("*") if p.is_file()}
    assert a == b
    assert not any(str(p).endswith((".sqlite", ".sqlite.bz2")) for p in a)
    assert all(str(p).endswith(".gz") for p in a if "repodata" in str(p) and "repomd" not in str(p))


def test_bad_table_names_file_and_line(tmp_path: Path) -> None:
    bad = TABLE + "python3-broken\tx\t1.0\tbroken\t\ts.spec\thigh\npython3-short\t1.0\n"
    with pytest.raises(RecipeError) as err:
        parse_table(bad, source="f45.tsv")
    lines = err.value.render().splitlines()
    assert lines[0].startswith("f45.tsv:12: epoch:")
    assert lines[1].startswith("f45.tsv:13: 2 columns, expected 7")
    assert err.value.exit_code == 2
