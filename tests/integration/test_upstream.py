"""Upstream resolution with the real uv against local indexes (tools/devkit/fakeindex.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

from streams.errors import ResolutionError, ServiceError, UsageError
from streams.solver.index import Reporter
from streams.solver.model import UpstreamClosure
from streams.solver.upstream import resolve
from tools.devkit.fakeindex import FakeIndex


@pytest.fixture(autouse=True)
def _cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """uv's and the index client's caches live in the test's tmp dir, never in ~/.cache."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("STREAMS_CACHE_DIR", str(cache))
    return cache


@pytest.fixture
def index() -> Iterator[FakeIndex]:
    with FakeIndex() as ix:
        yield ix


def names(closure: UpstreamClosure) -> list[str]:
    return [p.name for p in closure.pins]


def reqs(closure: UpstreamClosure, name: str) -> list[str]:
    return [str(r) for r in closure.by_name()[name].requires]  # type: ignore[index]


def test_pins_carry_versions_files_and_metadata(index: FakeIndex) -> None:
    wheel = index.add_wheel(
        "app", "2.0", requires_dist=["lib>=1"], summary="The app", license="MIT"
    )
    index.add_wheel("app", "1.0")
    index.add_wheel("lib", "1.5", requires_python=">=3.10")
    index.add_sdist("lib", "1.5")

    closure = resolve(["app"], python="3.14", index_url=index.url, target="fedora-44-x86_64")

    assert closure.python == "3.14" and closure.target == "fedora-44-x86_64"
    assert [(p.name, p.version) for p in closure.pins] == [
        ("app", Version("2.0")),
        ("lib", Version("1.5")),
    ]
    app, lib = closure.pins
    assert reqs(closure, "app") == ["lib>=1"]
    assert (app.summary, app.license) == ("The app", "MIT")
    assert lib.requires_python == ">=3.10"
    (source,) = app.sources
    assert source.kind == "wheel" and source.filename == wheel.filename
    assert source.sha256 == wheel.advertised_sha256 and source.url.endswith(wheel.filename)
    assert {s.kind for s in lib.sources} == {"sdist", "wheel"}


def test_an_extra_asked_for_anywhere_applies_its_requirements(index: FakeIndex) -> None:
    index.add_wheel("app", "1.0", requires_dist=["foo[fast]"])
    index.add_wheel(
        "foo",
        "1.0",
        provides_extra=["fast", "docs"],
        requires_dist=["speedy; extra == 'fast'", "sphinx; extra == 'docs'"],
    )
    index.add_wheel("speedy", "1.0", requires_dist=["bar[x]"])
    index.add_wheel("bar", "1.0", provides_extra=["x"], requires_dist=["xdep; extra == 'x'"])
    index.add_wheel("xdep", "1.0")
    index.add_wheel("sphinx", "1.0")

    closure = resolve(["app"], python="3.14", index_url=index.url)

    # foo[fast] (from app) pulls speedy, which asks for bar[x], which pulls xdep
    assert names(closure) == ["app", "bar", "foo", "speedy", "xdep"]
    pins = closure.by_name()
    assert pins["foo"].extras == frozenset({"fast"})  # type: ignore[index]
    assert pins["bar"].extras == frozenset({"x"})  # type: ignore[index]
    assert reqs(closure, "foo") == ["speedy"]  # marker evaluated and dropped; docs not asked
    assert reqs(closure, "bar") == ["xdep"]
    assert pins["app"].extras == frozenset()  # type: ignore[index]


def test_top_level_extras_and_markers(index: FakeIndex) -> None:
    index.add_wheel("foo", "1.0", provides_extra=["x"], requires_dist=["xdep; extra == 'x'"])
    index.add_wheel("xdep", "1.0")
    index.add_wheel("never", "1.0")

    closure = resolve(
        [Requirement("foo[x]"), "never; python_version < '3.0'"],
        python="3.14",
        index_url=index.url,
    )

    assert names(closure) == ["foo", "xdep"]
    assert closure.by_name()["foo"].extras == frozenset({"x"})  # type: ignore[index]
    assert [str(r) for r in closure.top] == ["foo[x]", 'never; python_version < "3.0"']


def test_markers_are_evaluated_for_the_target_python_and_arch(index: FakeIndex) -> None:
    index.add_wheel(
        "app",
        "1.0",
        requires_dist=[
            "backport; python_version < '3.12'",
            "armlib; platform_machine == 'aarch64'",
            "common",
        ],
    )
    for dist in ("backport", "armlib", "common"):
        index.add_wheel(dist, "1.0")

    x86 = resolve(["app"], python="3.14", index_url=index.url)
    arm = resolve(["app"], python="3.14", arch="aarch64", index_url=index.url)
    old = resolve(["app"], python="3.11", index_url=index.url)

    assert names(x86) == ["app", "common"]
    assert reqs(x86, "app") == ["common"]
    assert names(arm) == ["app", "armlib", "common"]
    assert reqs(arm, "app") == ["armlib", "common"]
    assert names(old) == ["app", "backport", "common"]


def test_wheels_for_another_platform_are_not_pinned(index: FakeIndex) -> None:
    index.add_wheel("native", "1.0", tag="cp314-cp314-manylinux_2_28_x86_64")
    index.add_wheel("native", "1.0", tag="cp314-cp314-manylinux_2_28_aarch64")
    index.add_wheel("native", "1.0", tag="cp314-cp314-win_amd64")

    closure = resolve(["native"], python="3.14", arch="aarch64", index_url=index.url)

    (pin,) = closure.pins
    wanted = "native-1.0-cp314-cp314-manylinux_2_28_aarch64.whl"
    assert [s.filename for s in pin.sources] == [wanted]


def test_a_dependency_cycle_is_pinned_once_each(index: FakeIndex) -> None:
    index.add_wheel("a", "1.0", requires_dist=["b>=1"])
    index.add_wheel("b", "1.0", requires_dist=["a"])

    closure = resolve(["a"], python="3.14", index_url=index.url)

    assert names(closure) == ["a", "b"]
    assert reqs(closure, "a") == ["b>=1"]
    assert reqs(closure, "b") == ["a"]


def test_no_files_for_the_target_python_names_the_dist_and_the_way_out(index: FakeIndex) -> None:
    index.add_wheel("app", "1.0", requires_dist=["tensor==2.0"])
    for tag in ("cp313-cp313", "cp314-cp314", "cp314-cp314t"):
        index.add_wheel("tensor", "2.0", tag=f"{tag}-manylinux_2_28_x86_64")

    ok = resolve(["app"], python="3.14", index_url=index.url)
    assert names(ok) == ["app", "tensor"]

    with pytest.raises(ResolutionError) as info:
        resolve(["app"], python="3.15", index_url=index.url, target="fedora-45-x86_64")

    err = info.value
    assert err.exit_code == 3
    cause = err.causes[0]
    assert cause.message == (
        "tensor 2.0 has no files for CPython 3.15 (wheels for cp313–cp314, cp314t, no sdist)"
    )
    assert cause.data["distribution"] == "tensor" and cause.data["sdist"] is False
    assert err.hint == (
        "choose an interpreter Fedora has for this target in the recipe: "
        '[stream] python = { "fedora-45-x86_64" = "3.14" }'
    )
    assert "tensor 2.0 has no files for CPython 3.15" in err.message
    # uv's own explanation is kept as further causes
    assert any("cp315" in c.message for c in err.causes[1:])


def test_conflicting_requirements_are_unsatisfiable(index: FakeIndex) -> None:
    index.add_wheel("a", "1.0", requires_dist=["c<2"])
    index.add_wheel("b", "1.0", requires_dist=["c>=2"])
    index.add_wheel("c", "1.0")
    index.add_wheel("c", "2.0")

    with pytest.raises(ResolutionError) as info:
        resolve(["a", "b"], python="3.14", index_url=index.url)

    assert info.value.exit_code == 3
    text = " ".join(c.message for c in info.value.causes)
    assert "c<2" in text and "c>=2" in text
    assert info.value.hint is None


def test_offline_works_from_a_warm_cache_only(
    index: FakeIndex, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    index.add_wheel("app", "1.0", requires_dist=["lib"])
    index.add_wheel("lib", "1.0")
    online = resolve(["app"], python="3.14", index_url=index.url)
    url = index.url
    index.stop()

    offline = resolve(["app"], python="3.14", index_url=url, offline=True)
    assert offline == online

    monkeypatch.setenv("STREAMS_CACHE_DIR", str(tmp_path / "cold"))
    with pytest.raises(ServiceError) as info:
        resolve(["app"], python="3.14", index_url=url, offline=True)
    assert info.value.exit_code == 5
    assert "without --offline" in (info.value.hint or "")


def test_a_file_index_with_an_upstream_map_gives_upstream_urls(tmp_path: Path) -> None:
    ix = FakeIndex()
    lib = ix.add_wheel("lib", "1.0")
    ix.add_wheel("app", "1.0", requires_dist=["lib"])
    root = ix.write_file_index(tmp_path / "simple")
    real = f"https://files.example.org/packages/ab/{lib.filename}"
    (root / "lib" / "upstream.json").write_text(
        json.dumps(
            {
                "schema_version": 1,
                "files": {lib.filename: {"url": real, "sha256": lib.advertised_sha256, "size": 7}},
            }
        )
    )

    closure = resolve(["app"], python="3.14", index_url=str(root), offline=True)

    pins = closure.by_name()
    (src,) = pins["lib"].sources  # type: ignore[index]
    assert (src.url, src.sha256, src.size) == (real, lib.advertised_sha256, 7)
    (app_src,) = pins["app"].sources  # type: ignore[index]
    assert app_src.url.startswith("file://")  # no map for app: the local URL stays


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"requirements": ["app >>= 1"]}, "invalid requirement"),
        ({"requirements": []}, "nothing to resolve"),
        ({"requirements": ["app"], "arch": "s390x"}, "s390x"),
        ({"requirements": ["app"], "python": "three"}, "invalid Python version"),
    ],
)
def test_bad_input_is_exit_code_2(kwargs: dict[str, object], needle: str) -> None:
    args: dict[str, object] = {"python": "3.14", "index_url": "http://127.0.0.1:9/simple/"}
    args.update(kwargs)
    with pytest.raises((UsageError, ValueError)) as info:
        resolve(**args)  # type: ignore[arg-type]
    assert needle in str(info.value)
    assert getattr(info.value, "exit_code", None) == 2


def test_an_extra_index_serves_what_the_main_one_lacks(index: FakeIndex) -> None:
    index.add_wheel("app", "1.0", requires_dist=["private"])
    with FakeIndex() as extra:
        extra.add_wheel("private", "3.0", summary="In-house")
        files_url = extra.url.replace("/simple/", "/files/")
        closure = resolve(["app"], python="3.14", index_url=index.url, extra_index_urls=[extra.url])
        assert extra.count("/files/private-3.0-py3-none-any.whl.metadata") >= 1

    assert names(closure) == ["app", "private"]
    private = closure.by_name()["private"]  # type: ignore[index]
    assert private.summary == "In-house"
    assert private.sources[0].url.startswith(files_url)


def test_an_unreachable_index_is_a_service_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UV_HTTP_RETRIES", "0")  # uv's own retries would take ~10 s
    with pytest.raises(ServiceError) as info:
        resolve(["app"], python="3.14", index_url="http://127.0.0.1:9/simple/")
    assert info.value.exit_code == 5
    assert "127.0.0.1:9" in info.value.message


def test_metadata_progress_is_reported(index: FakeIndex) -> None:
    index.add_wheel("app", "1.0", requires_dist=["lib"])
    index.add_wheel("lib", "1.0")
    events: list[str] = []

    class Recorder(Reporter):
        def started(self, total: int) -> None:
            events.append(f"start {total}")

        def advanced(self, name: str) -> None:
            events.append(name)

        def finished(self) -> None:
            events.append("done")

    resolve(["app"], python="3.14", index_url=index.url, reporter=Recorder())

    assert events[0] == "start 2" and events[-1] == "done"
    assert sorted(events[1:-1]) == ["app 1.0", "lib 1.0"]
