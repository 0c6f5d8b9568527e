"""Base repositories through libsolv: real RPMs (rpmbuild), real repodata (createrepo_c),
loaded from a directory, file://, a local HTTP server and a local metalink, with faults."""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import solv

from streams.errors import RepoError, ServiceError
from streams.infra.http import RetryPolicy
from streams.solver.repos import (
    BaseRepos,
    LoadedRepo,
    LoadReporter,
    RepoCache,
    RepoSpec,
    load_base,
    make_spec,
    wait_for_cache_writes,
)
from tools.devkit.httpserver import FaultServer, serve_directory
from tools.devkit.rpmfixtures import FixtureRpm, build_rpms, make_repo

pytestmark = pytest.mark.slow

FAST = RetryPolicy(attempts=3, backoff=0.01, max_backoff=0.05, timeout=5)

PACKAGES = (
    FixtureRpm(
        "alpha",
        "1.1",
        provides=("python3dist(alpha) = 1.1",),
        files=(("/usr/bin/alpha", "#!/bin/sh\n"),),
    ),
    FixtureRpm(
        "beta",
        "2.0",
        release="3",
        provides=("python3dist(beta) = 2.0",),
        requires=("python3dist(alpha) >= 1.0",),
    ),
    FixtureRpm("gamma", "0.5", requires=("python3dist(missing) > 1",)),
    FixtureRpm(
        "delta",
        "3.0",
        requires=("(python3dist(alpha) >= 1 with python3dist(alpha) < 2)",),
        files=(("/usr/share/delta/data.txt", "data\n"),),
    ),
)
EXTRA = FixtureRpm("epsilon", "1.0", provides=("python3dist(epsilon) = 1.0",))


@pytest.fixture(scope="session")
def built_rpms(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    work = tmp_path_factory.mktemp("rpmbuild")
    rpms = build_rpms([*PACKAGES, EXTRA], work)
    return {p.name: rpm for p, rpm in zip([*PACKAGES, EXTRA], rpms, strict=True)}


@pytest.fixture(scope="session")
def pristine_repo(tmp_path_factory: pytest.TempPathFactory, built_rpms: dict[str, Path]) -> Path:
    base = [built_rpms[p.name] for p in PACKAGES]
    return make_repo(base, tmp_path_factory.mktemp("pristine") / "repo")


@pytest.fixture(scope="session")
def bigger_repo(tmp_path_factory: pytest.TempPathFactory, built_rpms: dict[str, Path]) -> Path:
    """The same repo plus epsilon: a newer state of the repository."""
    return make_repo(list(built_rpms.values()), tmp_path_factory.mktemp("bigger") / "repo")


@pytest.fixture(autouse=True)
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cache = tmp_path / "cache"
    monkeypatch.setenv("STREAMS_CACHE_DIR", str(cache))
    return cache


@pytest.fixture
def www(tmp_path: Path, pristine_repo: Path) -> Path:
    """A web root with the repo at /repo/ (a copy: tests may damage it)."""
    root = tmp_path / "www"
    shutil.copytree(pristine_repo, root / "repo")
    return root


@pytest.fixture
def server(www: Path) -> Iterator[FaultServer]:
    with serve_directory(www) as srv:
        yield srv


def _load(spec: RepoSpec, **kw: object) -> tuple[solv.Pool, LoadedRepo]:
    pool = solv.Pool()
    pool.setarch("x86_64")
    (loaded,) = load_base(pool, [spec], retry=FAST, **kw)  # type: ignore[arg-type]
    return pool, loaded


def _providers(pool: solv.Pool, name: str, op: str = "", evr: str = "") -> list[str]:
    if name.startswith("/"):  # libsolv indexes only required file provides; search file lists
        sel = pool.select(name, solv.Selection.SELECTION_FILELIST)
        return sorted(str(s) for s in sel.solvables())
    dep = pool.Dep(name)
    if op:
        flags = {">=": solv.REL_GT | solv.REL_EQ, "=": solv.REL_EQ, ">": solv.REL_GT}[op]
        dep = dep.Rel(flags, pool.Dep(evr))
    return sorted(str(s) for s in pool.whatprovides(dep))


def _install(pool: solv.Pool, name: str) -> list[str]:
    solver = pool.Solver()
    sel = pool.select(name, solv.Selection.SELECTION_NAME)
    problems = solver.solve(sel.jobs(solv.Job.SOLVER_INSTALL))
    assert not problems, [str(p) for p in problems]
    return sorted(str(s) for s in solver.transaction().newsolvables())


def _primary_href(repo_dir: Path) -> str:
    (name,) = [p.name for p in (repo_dir / "repodata").glob("*primary.xml*")]
    return f"repodata/{name}"


# --- the four ways in -----------------------------------------------------------------------


def test_directory_cold_then_warm_from_solv_cache(www: Path) -> None:
    repo_dir = www / "repo"
    spec = make_spec("fedora", str(repo_dir))
    pool, cold = _load(spec)
    assert not cold.from_cache
    assert cold.nsolvables == 4
    assert (
        cold.checksum == hashlib.sha256((repo_dir / "repodata/repomd.xml").read_bytes()).hexdigest()
    )
    assert cold.revision.isdigit()
    assert cold.lock_entry() == {
        "name": "fedora",
        "revision": cold.revision,
        "checksum": cold.checksum,
    }
    assert _providers(pool, "python3dist(alpha)", ">=", "1.1") == ["alpha-1.1-1.noarch"]
    assert _install(pool, "beta") == ["alpha-1.1-1.noarch", "beta-2.0-3.noarch"]

    # the warm load must not read XML: make the XML unreadable and it still works
    primary = repo_dir / _primary_href(repo_dir)
    primary.write_bytes(b"not gzip at all")
    pool2, warm = _load(spec)
    assert warm.from_cache
    assert warm.checksum == cold.checksum
    assert _install(pool2, "beta") == ["alpha-1.1-1.noarch", "beta-2.0-3.noarch"]


def test_rich_requires_and_unsatisfiable_problem(pristine_repo: Path) -> None:
    pool, _ = _load(make_spec("fedora", str(pristine_repo)))
    assert _install(pool, "delta") == ["alpha-1.1-1.noarch", "delta-3.0-1.noarch"]
    solver = pool.Solver()
    problems = solver.solve(
        pool.select("gamma", solv.Selection.SELECTION_NAME).jobs(solv.Job.SOLVER_INSTALL)
    )
    assert "nothing provides python3dist(missing) > 1 needed by gamma-0.5-1.noarch" in str(
        problems[0]
    )


def test_file_url(pristine_repo: Path) -> None:
    spec = make_spec("fedora", pristine_repo.as_uri())
    assert spec.kind == "file"
    pool, loaded = _load(spec)
    assert loaded.nsolvables == 4
    assert _providers(pool, "python3dist(beta)") == ["beta-2.0-3.noarch"]


def test_http_baseurl_cold_then_warm(server: FaultServer) -> None:
    spec = make_spec("fedora", server.url + "/repo/")
    assert spec.kind == "http"
    pool, cold = _load(spec)
    assert not cold.from_cache
    assert _providers(pool, "python3dist(alpha)") == ["alpha-1.1-1.noarch"]
    assert "/repo/repodata/repomd.xml" in server.requests
    assert any(p.endswith("primary.xml.gz") for p in server.requests)
    server.clear()
    _pool, warm = _load(spec)
    assert warm.from_cache
    assert server.requests == ["/repo/repodata/repomd.xml"]  # only the freshness check


def _metalink(mirrors: list[str], repomd: bytes, *, extra_hash: bytes | None = None) -> bytes:
    """A MirrorManager-style Metalink 3.0 document for repomd.xml (what Fedora serves)."""
    import xml.etree.ElementTree as ET

    ns = "http://www.metalinker.org/"
    mm0 = "http://fedorahosted.org/mirrormanager"
    ET.register_namespace("", ns)
    ET.register_namespace("mm0", mm0)
    root = ET.Element(f"{{{ns}}}metalink", {"version": "3.0", "type": "dynamic"})
    f = ET.SubElement(
        ET.SubElement(root, f"{{{ns}}}files"), f"{{{ns}}}file", {"name": "repomd.xml"}
    )
    ver = ET.SubElement(f, f"{{{ns}}}verification")
    for algo in ("md5", "sha256", "sha512"):
        ET.SubElement(ver, f"{{{ns}}}hash", {"type": algo}).text = hashlib.new(
            algo, repomd
        ).hexdigest()
    if extra_hash is not None:
        alt = ET.SubElement(ET.SubElement(f, f"{{{mm0}}}alternates"), f"{{{mm0}}}alternate")
        av = ET.SubElement(alt, f"{{{ns}}}verification")
        ET.SubElement(av, f"{{{ns}}}hash", {"type": "sha256"}).text = hashlib.sha256(
            extra_hash
        ).hexdigest()
    res = ET.SubElement(f, f"{{{ns}}}resources")
    for i, m in enumerate(mirrors):
        pref = str(100 - i)
        ET.SubElement(
            res, f"{{{ns}}}url", {"protocol": "http", "type": "http", "preference": pref}
        ).text = m + "repodata/repomd.xml"
    return ET.tostring(root, xml_declaration=True, encoding="utf-8")


def test_metalink_skips_dead_and_stale_mirrors(
    www: Path, server: FaultServer, bigger_repo: Path
) -> None:
    good = (www / "repo" / "repodata" / "repomd.xml").read_bytes()
    shutil.copytree(bigger_repo, www / "stale")  # a mirror serving another repomd.xml
    mirrors = [server.url + "/dead/", server.url + "/stale/", server.url + "/repo/"]
    (www / "metalink").write_bytes(_metalink(mirrors, good))
    warnings: list[str] = []

    class Rec(LoadReporter):
        def warning(self, spec: RepoSpec, message: str) -> None:
            warnings.append(message)

    spec = make_spec("fedora", server.url + "/metalink?repo=fedora-44&arch=x86_64")
    assert spec.kind == "metalink"
    pool, loaded = _load(spec, reporter=Rec())
    assert loaded.baseurl == server.url + "/repo/"
    assert loaded.nsolvables == 4
    assert _providers(pool, "python3dist(epsilon)") == []
    assert len(warnings) == 2 and "dead" in warnings[0] and "does not match" in warnings[1]


def test_metalink_accepts_alternate_hash_and_local_document(
    tmp_path: Path, server: FaultServer, www: Path
) -> None:
    good = (www / "repo" / "repodata" / "repomd.xml").read_bytes()
    doc = tmp_path / "fedora.metalink.xml"
    # the main hash is for some newer repomd.xml; the mirror still has the previous (alternate)
    doc.write_bytes(_metalink([server.url + "/repo/"], b"newer repomd", extra_hash=good))
    spec = make_spec("fedora", "metalink+" + doc.as_uri())
    assert spec.kind == "metalink"
    _pool, loaded = _load(spec)
    assert loaded.nsolvables == 4


def test_metalink_with_no_good_mirror_names_them_all(www: Path, server: FaultServer) -> None:
    (www / "metalink").write_bytes(_metalink([server.url + "/dead/"], b"whatever"))
    with pytest.raises(RepoError) as err:
        _load(make_spec("fedora", server.url + "/metalink"))
    assert "repo fedora: no mirror" in err.value.message
    assert "/dead/" in err.value.message


# --- faults ---------------------------------------------------------------------------------


def test_http_500_twice_then_success_is_retried(www: Path, server: FaultServer) -> None:
    href = _primary_href(www / "repo")
    server.fail("/repo/repodata/repomd.xml", status=500, times=2)
    server.fail(f"/repo/{href}", status=503, times=2)
    _pool, loaded = _load(make_spec("fedora", server.url + "/repo"))
    assert loaded.nsolvables == 4
    assert server.requests.count("/repo/repodata/repomd.xml") == 3
    assert server.requests.count(f"/repo/{href}") == 3


def test_http_500_forever_is_a_service_error(server: FaultServer) -> None:
    server.fail("/repo/repodata/repomd.xml", status=500, times=10)
    with pytest.raises(ServiceError) as err:
        _load(make_spec("fedora", server.url + "/repo"))
    assert err.value.exit_code == 5
    assert "repo fedora" in err.value.message and "500" in err.value.message


def test_connection_cut_mid_download_is_retried(www: Path, server: FaultServer) -> None:
    href = _primary_href(www / "repo")
    server.truncate(f"/repo/{href}", keep=50)
    _pool, loaded = _load(make_spec("fedora", server.url + "/repo"))
    assert loaded.nsolvables == 4
    assert server.requests.count(f"/repo/{href}") == 2


def test_truncated_primary_is_an_error_and_the_cache_stays_usable(
    www: Path, server: FaultServer, bigger_repo: Path, cache_home: Path
) -> None:
    spec = make_spec("fedora", server.url + "/repo/")
    _load(spec)  # a good state in the cache

    # the server now has a newer repository whose primary file is cut short
    shutil.rmtree(www / "repo")
    shutil.copytree(bigger_repo, www / "repo")
    href = _primary_href(www / "repo")
    good_primary = (www / "repo" / href).read_bytes()
    (www / "repo" / href).write_bytes(good_primary[: len(good_primary) // 2])
    with pytest.raises(RepoError) as err:
        _load(spec)
    msg = err.value.message
    assert "repo fedora" in msg and href in msg and "truncated" in msg
    cache = RepoCache(spec)
    assert not (cache.repodata / href.rsplit("/", 1)[1]).exists()  # the bad file was not kept

    # offline still gives the previous good state
    pool, old = _load(spec, offline=True)
    assert old.nsolvables == 4 and old.from_cache
    # and once the server is fixed, the new state loads
    (www / "repo" / href).write_bytes(good_primary)
    pool, new = _load(spec)
    assert new.nsolvables == 5 and not new.from_cache
    assert _providers(pool, "python3dist(epsilon)") == ["epsilon-1.0-1.noarch"]
    wait_for_cache_writes()
    assert len(list(cache.dir.glob("*.solv"))) == 1  # the old state's cache was pruned


def test_checksum_mismatch_names_repo_and_file(www: Path) -> None:
    repo_dir = www / "repo"
    repomd = repo_dir / "repodata" / "repomd.xml"
    href = _primary_href(repo_dir)
    real = href.rsplit("/", 1)[1].split("-", 1)[0]
    text = repomd.read_text()
    checksum_line = f'<checksum type="sha256">{real}</checksum>'
    assert checksum_line in text
    repomd.write_text(text.replace(checksum_line, f'<checksum type="sha256">{"0" * 64}</checksum>'))
    with pytest.raises(RepoError) as err:
        _load(make_spec("mine", str(repo_dir)))
    msg = err.value.message
    assert msg.startswith("repo mine: ") and href in msg
    assert "does not match repomd.xml" in msg and real in msg


def test_offline_without_cache_says_so_and_makes_no_request(server: FaultServer) -> None:
    spec = make_spec("updates", server.url + "/repo/")
    with pytest.raises(RepoError) as err:
        _load(spec, offline=True)
    assert err.value.message == (
        f"no cached copy of repo updates ({server.url}/repo/); run once without --offline"
    )
    assert server.requests == []


def test_offline_with_cache_makes_no_request(server: FaultServer) -> None:
    spec = make_spec("fedora", server.url + "/repo/")
    _load(spec)
    server.clear()
    pool, loaded = _load(spec, offline=True)
    assert server.requests == []
    assert loaded.from_cache and loaded.baseurl == ""
    assert _install(pool, "beta") == ["alpha-1.1-1.noarch", "beta-2.0-3.noarch"]


def test_offline_metalink_uses_cache(www: Path, server: FaultServer) -> None:
    good = (www / "repo" / "repodata" / "repomd.xml").read_bytes()
    (www / "metalink").write_bytes(_metalink([server.url + "/repo/"], good))
    spec = make_spec("fedora", server.url + "/metalink")
    _load(spec)
    server.clear()
    _pool, loaded = _load(spec, offline=True)
    assert loaded.nsolvables == 4 and server.requests == []


@pytest.mark.parametrize("damage", ["garbage", "truncate", "wrong-cookie"])
def test_corrupt_solv_cache_is_rebuilt(pristine_repo: Path, damage: str) -> None:
    spec = make_spec("fedora", str(pristine_repo))
    _load(spec)
    wait_for_cache_writes()
    (solv_file,) = RepoCache(spec).dir.glob("*.solv")
    data = solv_file.read_bytes()
    if damage == "garbage":
        solv_file.write_bytes(b"\0garbage" * 100)
    elif damage == "truncate":
        solv_file.write_bytes(data[: len(data) // 2] + data[-32:])  # cookie intact, body cut
    else:
        solv_file.write_bytes(data[:-32] + b"x" * 32)
    pool, again = _load(spec)
    assert not again.from_cache and again.nsolvables == 4
    assert _install(pool, "beta") == ["alpha-1.1-1.noarch", "beta-2.0-3.noarch"]
    _pool, third = _load(spec)
    assert third.from_cache


def test_filelists_on_demand(pristine_repo: Path) -> None:
    spec = make_spec("fedora", str(pristine_repo))
    pool, primary_only = _load(spec)
    assert not primary_only.filelists
    assert _providers(pool, "/usr/bin/alpha") == ["alpha-1.1-1.noarch"]  # primary's subset
    assert _providers(pool, "/usr/share/delta/data.txt") == []
    pool, full = _load(spec, filelists=True)
    assert full.filelists and not full.from_cache
    assert _providers(pool, "/usr/share/delta/data.txt") == ["delta-3.0-1.noarch"]
    pool, warm = _load(spec, filelists=True)
    assert warm.from_cache
    assert _providers(pool, "/usr/share/delta/data.txt") == ["delta-3.0-1.noarch"]


def test_cache_written_in_foreground_too(pristine_repo: Path) -> None:
    spec = make_spec("fedora", str(pristine_repo))
    _load(spec, background_cache_write=False)
    assert len(list(RepoCache(spec).dir.glob("*.solv"))) == 1
    _pool, warm = _load(spec, background_cache_write=False)
    assert warm.from_cache


def test_not_a_repository(tmp_path: Path) -> None:
    with pytest.raises(RepoError) as err:
        _load(make_spec("fedora", str(tmp_path)))
    assert "is not an rpm-md repository (no repodata/repomd.xml)" in err.value.message


def test_two_repos_and_base_repos_queries(pristine_repo: Path, bigger_repo: Path) -> None:
    specs = [
        RepoSpec("fedora", str(pristine_repo), "dir", priority=10),
        RepoSpec("updates", str(bigger_repo), "dir"),
    ]
    base = BaseRepos.load(specs, arch="x86_64")
    assert [r.name for r in base.repos] == ["fedora", "updates"]
    assert base.repos[0].repo.priority == 10
    assert [str(s) for s in base.whatprovides("python3dist(epsilon) >= 1")] == [
        "epsilon-1.0-1.noarch"
    ]
    rich = "(python3dist(alpha) >= 1 with python3dist(alpha) < 2)"
    assert {str(s) for s in base.whatprovides(rich)} == {"alpha-1.1-1.noarch"}
    assert [e["name"] for e in base.lock_entries()] == ["fedora", "updates"]


def test_base_repos_file_query_needs_filelists_outside_primary(pristine_repo: Path) -> None:
    specs = [make_spec("fedora", str(pristine_repo))]
    base = BaseRepos.load(specs, arch="x86_64")
    assert [str(s) for s in base.whatprovides("/usr/bin/alpha")] == ["alpha-1.1-1.noarch"]
    assert base.whatprovides("/usr/share/delta/data.txt") == []
    full = BaseRepos.load(specs, arch="x86_64", filelists=True)
    assert [str(s) for s in full.whatprovides("/usr/share/delta/data.txt")] == [
        "delta-3.0-1.noarch"
    ]
