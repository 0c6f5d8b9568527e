"""The index client against a local index server speaking the real protocols.

Every test builds real wheels and sdists, serves them from 127.0.0.1 and checks what a
packager would notice: which path produced the metadata, its Requires-Dist, hash checks,
what is (not) fetched again, offline behaviour and errors.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from packaging.version import Version

from streams.errors import EXIT_SERVICE, ServiceError, UsageError
from streams.infra.http import RetryPolicy
from streams.solver.index import (
    HashMismatchError,
    IndexClient,
    NotCachedError,
    ProjectNotFoundError,
    Reporter,
)
from tools.devkit.fakeindex import FakeIndex

FAST = RetryPolicy(attempts=3, backoff=0.01, max_backoff=0.02, timeout=10)

MakeClient = Callable[..., IndexClient]


@pytest.fixture
def index() -> Iterator[FakeIndex]:
    with FakeIndex() as idx:
        yield idx


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    return tmp_path / "cache"


@pytest.fixture
def make_client(index: FakeIndex, cache: Path) -> MakeClient:
    def make(url: str | None = None, **kw: Any) -> IndexClient:
        kw.setdefault("retry", FAST)
        return IndexClient(url or index.url, cache=cache, **kw)

    return make


def _file_hits(index: FakeIndex) -> list[str]:
    return [h.path for h in index.hits if h.path.startswith("/files/")]


# -- the three metadata paths -----------------------------------------------------------------


def test_pep658_metadata_from_json_page(index: FakeIndex, make_client: MakeClient) -> None:
    index.add_wheel("Demo.Pkg", "1.0", requires_dist=["requests>=2.31", 'rich; extra == "ui"'])
    md = make_client().metadata("demo_pkg", "1.0")
    assert md.source == "pep658"
    assert md.requires_dist == ("requests>=2.31", 'rich; extra == "ui"')
    page = index.hits[0]
    assert page.path == "/simple/demo-pkg/"  # PEP 503 normalized
    assert page.headers["Accept"].startswith("application/vnd.pypi.simple.v1+json")
    # only the small .metadata file was fetched, never the wheel
    assert _file_hits(index) == ["/files/demo_pkg-1.0-py3-none-any.whl.metadata"]


@pytest.mark.parametrize("legacy_key", [False, True])
def test_pep658_metadata_from_html_page(
    index: FakeIndex, make_client: MakeClient, legacy_key: bool
) -> None:
    index.pages = "html"
    index.legacy_metadata_key = legacy_key
    index.add_wheel("demo", "1.0", requires_dist=["idna"])
    md = make_client().metadata("demo", "1.0")
    assert md.source == "pep658"
    assert md.requires_dist == ("idna",)


def test_wheel_metadata_by_range_requests(index: FakeIndex, make_client: MakeClient) -> None:
    f = index.add_wheel("big", "2.0", pep658=False, padding=400_000, requires_dist=["numpy>=2"])
    md = make_client().metadata("big", "2.0")
    assert md.source == "wheel-range"
    assert md.requires_dist == ("numpy>=2",)
    wheel_hits = [h for h in index.hits if h.path == f"/files/{f.filename}"]
    assert all("Range" in h.headers for h in wheel_hits)
    assert len(wheel_hits) == 2  # the tail, then METADATA's span
    assert sum(h.sent for h in wheel_hits) < len(f.data) / 4


def test_server_ignoring_range_gets_a_full_verified_download(
    index: FakeIndex, make_client: MakeClient
) -> None:
    index.range_support = False
    f = index.add_wheel("norange", "1.0", pep658=False, padding=100_000, requires_dist=["a"])
    client = make_client()
    md = client.metadata("norange", "1.0")
    assert md.source == "wheel"
    assert md.requires_dist == ("a",)
    # the full body it had to take is kept: download() needs no request
    index.clear_hits()
    path = client.download(client.project("norange").files[0])
    assert path.read_bytes() == f.data
    assert index.hits == []


def test_server_that_stops_honouring_range(index: FakeIndex, make_client: MakeClient) -> None:
    index.range_limit = 1  # the tail comes as 206, the next range as 200 + everything
    f = index.add_wheel("cdn", "1.0", pep658=False, padding=200_000, requires_dist=["q"])
    client = make_client()
    md = client.metadata("cdn", "1.0")
    assert (md.source, md.requires_dist) == ("wheel", ("q",))
    assert client.cache.has_file(f.advertised_sha256) is not None


def test_sdist_fallback_legacy_requires_txt(index: FakeIndex, make_client: MakeClient) -> None:
    index.add_sdist(
        "oldpkg",
        "0.9",
        requires_txt='six\n\n[test]\npytest\n\n[:python_version < "3.8"]\nimportlib-metadata\n',
    )
    md = make_client().metadata("oldpkg", "0.9")
    assert md.source == "sdist-legacy" and md.legacy
    assert md.requires_dist == (
        "six",
        'pytest; extra == "test"',
        'importlib-metadata; python_version < "3.8"',
    )
    assert md.note is not None and "requires.txt" in md.note


def test_sdist_with_reliable_pkg_info(index: FakeIndex, make_client: MakeClient) -> None:
    index.add_sdist("newpkg", "1.0", metadata_version="2.4", requires_dist=["attrs>=23"])
    md = make_client().metadata("newpkg", "1.0")
    assert (md.source, md.requires_dist, md.legacy) == ("sdist", ("attrs>=23",), False)


def test_prefer_picks_the_file(index: FakeIndex, make_client: MakeClient) -> None:
    index.add_wheel("both", "1.0", requires_dist=["from-wheel"])
    index.add_sdist("both", "1.0", metadata_version="2.2", requires_dist=["from-sdist"])
    client = make_client()
    sdist = next(f for f in client.project("both").files if f.kind == "sdist")
    md = client.metadata("both", "1.0", prefer=sdist)
    assert md.source == "sdist" and md.requires_dist == ("from-sdist",)


def test_missing_advertised_metadata_falls_back_to_range(
    index: FakeIndex, make_client: MakeClient
) -> None:
    f = index.add_wheel("liar", "1.0", padding=100_000, requires_dist=["x"])
    index.fail(f"{f.filename}.metadata", status=404)
    md = make_client().metadata("liar", "1.0")
    assert md.source == "wheel-range" and md.requires_dist == ("x",)


# -- hashes -----------------------------------------------------------------------------------


def test_tampered_metadata_file_is_rejected(index: FakeIndex, make_client: MakeClient) -> None:
    f = index.add_wheel("evil", "1.0", requires_dist=["good"])
    advertised = f.advertised_metadata_sha256
    f.metadata = f.metadata.replace(b"good", b"bad!") if f.metadata else None
    with pytest.raises(HashMismatchError) as err:
        make_client().metadata("evil", "1.0")
    assert f"{f.filename}.metadata" in err.value.message
    assert advertised is not None and advertised in err.value.message
    assert hashlib.sha256(f.metadata or b"").hexdigest() in err.value.message
    assert err.value.exit_code == EXIT_SERVICE


def test_tampered_download_is_rejected_and_not_cached(
    index: FakeIndex, make_client: MakeClient, cache: Path
) -> None:
    f = index.add_sdist("evil", "1.0", requires_txt="x\n")
    f.data = f.data + b"trailing junk"
    client = make_client()
    with pytest.raises(HashMismatchError, match=f.filename):
        client.metadata("evil", "1.0")
    assert not list((cache / "sha256").rglob("*"))  # nothing unverified entered the cache
    assert not list((cache / "tmp").iterdir())


# -- cache and offline ------------------------------------------------------------------------


def test_cache_avoids_refetching(index: FakeIndex, make_client: MakeClient) -> None:
    index.add_wheel("cached", "1.0", pep658=False, requires_dist=["dep"])
    first = make_client()
    md = first.metadata("cached", "1.0")
    index.clear_hits()
    assert first.metadata("cached", "1.0") == md
    assert index.hits == []  # same client: nothing at all
    again = make_client()
    assert again.metadata("cached", "1.0") == md
    assert [h.path for h in index.hits] == ["/simple/cached/"]  # only the page is re-fetched
    index.clear_hits()
    offline = make_client(offline=True)
    assert offline.metadata("cached", "1.0") == md
    assert offline.versions("cached") == [Version("1.0")]
    assert index.hits == []


def test_same_file_from_another_index_is_reused(index: FakeIndex, make_client: MakeClient) -> None:
    f = index.add_wheel("shared", "1.0", pep658=False, requires_dist=["z"])
    make_client().metadata("shared", "1.0")
    with FakeIndex() as mirror:
        mirror.add_file("shared", f.filename, f.data)
        md = make_client(mirror.url).metadata("shared", "1.0")
        assert md.requires_dist == ("z",)
        assert [h.path for h in mirror.hits] == ["/simple/shared/"]


def test_offline_without_cache_names_what_is_missing(
    index: FakeIndex, make_client: MakeClient
) -> None:
    index.add_wheel("demo", "1.0")
    with pytest.raises(NotCachedError) as err:
        make_client(offline=True).project("demo")
    assert "no cached copy of the index page for 'demo'" in err.value.message
    assert err.value.hint is not None and "without --offline" in err.value.hint
    # page cached but not the metadata
    make_client().project("demo")
    with pytest.raises(NotCachedError, match=r"no cached metadata for demo 1\.0"):
        make_client(offline=True).metadata("demo", "1.0")
    assert index.count("/files/") == 0


# -- errors and retries -----------------------------------------------------------------------


def test_server_error_then_success_is_retried(index: FakeIndex, make_client: MakeClient) -> None:
    index.add_wheel("flaky", "1.0", requires_dist=["ok"])
    index.fail("/simple/flaky/", status=503, times=2)
    index.fail(".metadata", status=500, times=1)
    md = make_client().metadata("flaky", "1.0")
    assert md.requires_dist == ("ok",)
    assert index.count("/simple/flaky/") == 3
    assert index.count(".metadata") == 2


def test_persistent_failure_names_index_and_project(
    index: FakeIndex, make_client: MakeClient
) -> None:
    index.add_wheel("down", "1.0")
    index.fail("/simple/down/", status=502, times=99)
    with pytest.raises(ServiceError) as err:
        make_client().project("down")
    assert "'down'" in err.value.message and index.url in (err.value.url or "")
    assert err.value.status == 502 and err.value.exit_code == EXIT_SERVICE


def test_unknown_project_is_a_404(make_client: MakeClient) -> None:
    with pytest.raises(ProjectNotFoundError) as err:
        make_client().project("No_Such.Project")
    assert err.value.status == 404
    assert "no project 'no-such-project'" in err.value.message


def test_unknown_version(index: FakeIndex, make_client: MakeClient) -> None:
    index.add_wheel("demo", "1.0")
    with pytest.raises(ServiceError, match=r"demo 9\.9 has no wheel or sdist") as err:
        make_client().metadata("demo", "9.9")
    assert err.value.hint is not None and "1.0" in err.value.hint


# -- versions ---------------------------------------------------------------------------------


def test_versions_and_latest(index: FakeIndex, make_client: MakeClient) -> None:
    index.add_wheel("rel", "1.0")
    index.add_sdist("rel", "1.0")
    index.add_wheel("rel", "1.10")
    index.add_wheel("rel", "2.0", yanked="broken")
    index.add_wheel("rel", "2.1rc1")
    client = make_client()
    assert client.versions("rel") == [Version(v) for v in ("1.0", "1.10", "2.0", "2.1rc1")]
    assert client.latest_version("rel") == Version("1.10")
    assert client.latest_version("rel", prereleases=True) == Version("2.1rc1")


def test_no_release_at_all(index: FakeIndex, make_client: MakeClient) -> None:
    index.add_wheel("gone", "1.0", yanked=True)
    index.add_wheel("pre", "1.0b1")
    client = make_client()
    with pytest.raises(ServiceError, match="no usable release") as err:
        client.latest_version("gone")
    assert err.value.hint == "every release is yanked"
    with pytest.raises(ServiceError) as err:
        client.latest_version("pre")
    assert err.value.hint is not None and "1.0b1" in err.value.hint


# -- parallel ---------------------------------------------------------------------------------


class RecordingReporter(Reporter):
    def __init__(self) -> None:
        self.total = -1
        self.done: list[str] = []
        self.finished_called = False
        self._lock = threading.Lock()

    def started(self, total: int) -> None:
        self.total = total

    def advanced(self, name: str) -> None:
        with self._lock:
            self.done.append(name)

    def finished(self) -> None:
        self.finished_called = True


def test_metadata_many_in_parallel(index: FakeIndex, make_client: MakeClient) -> None:
    for i in range(30):
        index.add_wheel(f"proj{i}", "1.0", requires_dist=[f"dep{i}"], pep658=i % 2 == 0)
    index.delay = 0.02
    reporter = RecordingReporter()
    wanted: list[tuple[str, str]] = [(f"proj{i}", "1.0") for i in range(30)]
    wanted.append(("missing", "1.0"))
    results = make_client(workers=8).metadata_many(wanted, reporter=reporter)
    assert list(results) == wanted
    for i in range(30):
        md = results[(f"proj{i}", "1.0")]
        assert not isinstance(md, Exception)
        assert md.requires_dist == (f"dep{i}",)
        # wheels under 64 KiB come whole with the first range request
        assert md.source == ("pep658" if i % 2 == 0 else "wheel")
    assert isinstance(results[("missing", "1.0")], ProjectNotFoundError)
    assert reporter.total == 31 and len(reporter.done) == 31 and reporter.finished_called
    assert index.max_in_flight > 1


# -- file indexes -----------------------------------------------------------------------------


@pytest.mark.parametrize("as_uri", [False, True])
def test_file_index_directory(tmp_path: Path, cache: Path, as_uri: bool) -> None:
    idx = FakeIndex()
    idx.add_wheel("local", "1.0", requires_dist=["a"])
    idx.add_wheel("local", "2.0", pep658=False, padding=100_000, requires_dist=["b"])
    idx.add_sdist("legacy", "1.0", requires_txt="c\n")
    root = idx.write_file_index(tmp_path / "idx")
    client = IndexClient(root.as_uri() if as_uri else str(root), cache=cache, offline=True)
    assert client.latest_version("local") == Version("2.0")
    one, two = client.metadata("local", "1.0"), client.metadata("local", "2.0")
    assert (one.source, one.requires_dist) == ("pep658", ("a",))
    assert (two.source, two.requires_dist) == ("wheel-range", ("b",))
    assert client.metadata("legacy", "1.0").requires_dist == ("c",)
    with pytest.raises(ProjectNotFoundError):
        client.project("absent")


def test_index_url_that_is_neither_url_nor_directory(cache: Path) -> None:
    with pytest.raises(UsageError, match="neither an http"):
        IndexClient("pypi.org/simple", cache=cache)


def test_file_index_prefers_json(tmp_path: Path, cache: Path) -> None:
    idx = FakeIndex()
    idx.add_wheel("both", "1.0")
    root = idx.write_file_index(tmp_path / "idx", with_json=True)
    # make the JSON page list something the HTML page does not
    idx.add_wheel("both", "3.0")
    (root / "both" / "index.json").write_bytes(idx.json_page("both", "../files/"))
    client = IndexClient(str(root), cache=cache)
    assert client.versions("both") == [Version("1.0"), Version("3.0")]


# -- the real PyPI (opt-in) -------------------------------------------------------------------


@pytest.mark.network
@pytest.mark.skipif(
    not os.environ.get("STREAMS_TEST_NETWORK"), reason="needs the internet (STREAMS_TEST_NETWORK=1)"
)
def test_real_pypi(cache: Path) -> None:
    """pip 24.0's wheel is 2 MB: PEP 658 when the index serves it, else range requests."""
    client = IndexClient(cache=cache)
    wheel = next(
        f for f in client.project("pip").files if f.filename == "pip-24.0-py3-none-any.whl"
    )
    md = client.metadata("pip", "24.0")
    assert md.source == ("pep658" if wheel.core_metadata else "wheel-range")
    assert (md.name, md.version, md.requires_python) == ("pip", "24.0", ">=3.7")
    assert client.latest_version("pip") >= Version("24.0")
