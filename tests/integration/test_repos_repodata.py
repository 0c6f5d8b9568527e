"""The repodata writer: real createrepo_c output that libsolv reads back, byte-stable."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import solv

from streams.errors import UsageError
from streams.solver.repos import BaseRepos, load_base, make_spec
from tools.snapshots.repodata import PackageInfo, parse_dep, write_repo

ATTRS_RANGE = "(python3.14dist(attrs) >= 23.1 with python3.14dist(attrs) < 24)"

PKGS = (
    PackageInfo(
        "python3-attrs",
        "23.2.0",
        provides=("python3.14dist(attrs) = 23.2", "python3dist(attrs) = 23.2"),
        files=("/usr/lib/python3.14/site-packages/attrs/__init__.py",),
    ),
    PackageInfo("python3-attrs", "24.1.0", provides=("python3.14dist(attrs) = 24.1",)),
    PackageInfo(
        "python3-app",
        "1.0",
        epoch=2,
        requires=(ATTRS_RANGE, ("python(abi)", "EQ", "0", "3.14", None)),
        files=("/usr/bin/app",),
    ),
    PackageInfo("python3", "3.14.0", provides=("python(abi) = 3.14",), files=("/usr/bin/python3",)),
)


@pytest.fixture(autouse=True)
def _cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STREAMS_CACHE_DIR", str(tmp_path / "cache"))


@pytest.mark.parametrize("compression", ["gz", "zstd"])
def test_rich_requires_survive_libsolv(tmp_path: Path, compression: str) -> None:
    write_repo(tmp_path / "repo", PKGS, compression=compression, timestamp=1_700_000_000)  # type: ignore[arg-type]
    base = BaseRepos.load([make_spec("snap", str(tmp_path / "repo"))], arch="x86_64")
    assert [str(s) for s in base.whatprovides(ATTRS_RANGE)] == ["python3-attrs-23.2.0-1.noarch"]
    (app,) = [s for s in base.repos[0].repo.solvables if s.name == "python3-app"]
    assert ATTRS_RANGE in [str(d) for d in app.lookup_deparray(solv.SOLVABLE_REQUIRES)]
    assert str(app) == "python3-app-2:1.0-1.noarch"
    solver = base.pool.Solver()
    sel = base.pool.select("python3-app", solv.Selection.SELECTION_NAME)
    assert not solver.solve(sel.jobs(solv.Job.SOLVER_INSTALL))
    installed = sorted(str(s) for s in solver.transaction().newsolvables())
    assert installed == [
        "python3-3.14.0-1.noarch",
        "python3-app-2:1.0-1.noarch",
        "python3-attrs-23.2.0-1.noarch",
    ]


def test_output_is_byte_stable_with_a_fixed_timestamp(tmp_path: Path) -> None:
    def digest(root: Path) -> dict[str, str]:
        return {
            p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted((root / "repodata").iterdir())
        }

    a = write_repo(tmp_path / "a", PKGS, timestamp=1_700_000_000)
    write_repo(tmp_path / "b", tuple(reversed(PKGS)), timestamp=1_700_000_000)
    assert digest(tmp_path / "a") == digest(tmp_path / "b")
    assert a.revision == "1700000000"
    # rewriting in place replaces the old metadata completely
    write_repo(tmp_path / "a", PKGS[:2], timestamp=1_700_000_000)
    assert len(list((tmp_path / "a" / "repodata").iterdir())) == 4
    pool = solv.Pool()
    (loaded,) = load_base(pool, [make_spec("a", str(tmp_path / "a"))])
    assert loaded.nsolvables == 2


def test_filelists_hold_every_file(tmp_path: Path) -> None:
    write_repo(tmp_path / "r", PKGS, timestamp=1)
    base = BaseRepos.load([make_spec("r", str(tmp_path / "r"))], arch="x86_64", filelists=True)
    found = base.whatprovides("/usr/lib/python3.14/site-packages/attrs/__init__.py")
    assert [str(s) for s in found] == ["python3-attrs-23.2.0-1.noarch"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("foo", ("foo", None, None, None, None)),
        ("foo >= 1.2", ("foo", "GE", "0", "1.2", None)),
        ("foo = 1:2.0-3.fc44", ("foo", "EQ", "1", "2.0", "3.fc44")),
        ("foo < 2~~", ("foo", "LT", "0", "2~~", None)),
        (ATTRS_RANGE, (ATTRS_RANGE, None, None, None, None)),
    ],
)
def test_parse_dep(text: str, expected: tuple[str, ...]) -> None:
    assert parse_dep(text) == expected


@pytest.mark.parametrize("bad", ["", "foo >=", "foo bar baz qux", ("foo", "GTE", "0", "1", None)])
def test_parse_dep_rejects(bad: str) -> None:
    with pytest.raises(UsageError):
        parse_dep(bad)  # type: ignore[arg-type]
