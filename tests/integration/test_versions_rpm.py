"""The converted versions and dependencies in real RPMs: rpmbuild, createrepo_c and libsolv.

Providers carry ``dist_provide()`` provides and a consumer carries ``requires_for()`` requires.
rpmbuild has to accept every string, rpm has to read back exactly what was written, and the
solver, working on createrepo_c repodata, has to pick the providers PEP 440 allows.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import solv
from packaging.specifiers import SpecifierSet

from streams.infra.proc import run
from streams.solver.pydeps import requires_for
from streams.solver.versions import dist_provide, rpm_evr
from tools.devkit.rpmfixtures import FixtureRpm, build_rpms, make_repo

pytestmark = pytest.mark.slow

PY = "3.14"
ATTRS = ["22.2.0", "23.1.0", "23.2.0rc1", "23.2.0", "23.2.0.post1", "24.0.0", "1!1.0"]
REQUESTS = ["2.7", "2.8", "2.31.0", "3.0.0.dev1", "3.0"]
REQUIRES_DIST = [
    "attrs~=23.1",
    "requests>=2.8,<3",
    "pywin32>=300; sys_platform == 'win32'",
    "pytest; extra == 'test'",
]


def _provider(dist: str, version: str) -> FixtureRpm:
    evr = rpm_evr(version)
    return FixtureRpm(
        f"python3-{dist}",
        evr.version,
        epoch=evr.epoch or None,
        provides=tuple(dist_provide(dist, version, PY, main=True)),
    )


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    work = tmp_path_factory.mktemp("versions-rpm")
    pkgs = [_provider("attrs", v) for v in ATTRS] + [_provider("requests", v) for v in REQUESTS]
    pkgs.append(FixtureRpm("python3", "3.14.2", provides=("python(abi) = 3.14",)))
    pkgs.append(FixtureRpm("consumer", "1", requires=tuple(requires_for(REQUIRES_DIST, python=PY))))
    rpms = build_rpms(pkgs, work / "build")
    repo = make_repo(rpms, work / "repo")
    return {"repo": repo, **{p.name + "-" + p.version: r for p, r in zip(pkgs, rpms, strict=True)}}


def _query(rpm_path: Path, what: str) -> list[str]:
    out = run(["rpm", "-qp", f"--{what}", str(rpm_path)]).stdout
    return [line for line in out.splitlines() if line and not line.startswith("rpmlib(")]


def test_rpm_reads_back_what_was_generated(built: dict[str, Path]) -> None:
    expected = requires_for(REQUIRES_DIST, python=PY)
    assert expected == [
        "python(abi) = 3.14",
        "(python3.14dist(attrs) >= 23.1 with python3.14dist(attrs) < 24)",
        "(python3.14dist(requests) < 3~~ with python3.14dist(requests) >= 2.8)",
    ]
    assert sorted(_query(built["consumer-1"], "requires")) == sorted(expected)
    provides = _query(built["python3-attrs-23.2~rc1"], "provides")
    assert "python3.14dist(attrs) = 23.2~rc1" in provides
    assert "python3dist(attrs) = 23.2~rc1" in provides
    # rpm marks the features the strings need, so old rpm versions refuse the packages
    raw = run(["rpm", "-qp", "--requires", str(built["python3-attrs-23.2^post1"])]).stdout
    assert "rpmlib(CaretInVersions)" in raw
    raw = run(["rpm", "-qp", "--requires", str(built["consumer-1"])]).stdout
    assert "rpmlib(RichDependencies)" in raw


def _pool(repo_dir: Path) -> solv.Pool:
    pool = solv.Pool()
    pool.setarch("x86_64")
    repo = pool.add_repo("test")
    (primary,) = (repo_dir / "repodata").glob("*-primary.xml.gz")
    f = solv.xfopen(str(primary))
    repo.add_rpmmd(f, None, 0)
    f.close()
    pool.addfileprovides()
    pool.createwhatprovides()
    return pool


def test_repodata_requirements_select_what_pep440_allows(built: dict[str, Path]) -> None:
    pool = _pool(built["repo"])
    (consumer,) = [s for s in pool.solvables if s.name == "consumer"]
    allowed = {
        "attrs": {v for v in ATTRS if SpecifierSet("~=23.1", prereleases=True).contains(v)},
        "requests": {v for v in REQUESTS if SpecifierSet(">=2.8,<3", prereleases=True).contains(v)},
    }
    seen = set()
    for dep in consumer.lookup_deparray(solv.SOLVABLE_REQUIRES):
        text = str(dep)
        if text.startswith("python(abi)"):
            continue
        dist = "attrs" if "attrs" in text else "requests"
        versions = ATTRS if dist == "attrs" else REQUESTS
        by_evr = {str(rpm_evr(v)): v for v in versions}
        found = {by_evr[s.evr.rsplit("-", 1)[0]] for s in pool.whatprovides(dep)}
        assert found == allowed[dist], text
        seen.add(dist)
    assert seen == {"attrs", "requests"}


def test_solver_installs_the_newest_allowed(built: dict[str, Path]) -> None:
    pool = _pool(built["repo"])
    solver = pool.Solver()
    sel = pool.select("consumer", solv.Selection.SELECTION_NAME)
    problems = solver.solve(sel.jobs(solv.Job.SOLVER_INSTALL))
    assert not problems, [str(p) for p in problems]
    installed = sorted(str(s) for s in solver.transaction().newsolvables())
    assert installed == [
        "consumer-1-1.noarch",
        "python3-3.14.2-1.noarch",
        "python3-attrs-23.2^post1-1.noarch",
        "python3-requests-2.31-1.noarch",
    ]
