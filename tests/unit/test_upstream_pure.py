"""Pure parts of upstream resolution: pylock parsing, extras fixpoint, uv message handling."""

from __future__ import annotations

from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from streams.solver.index import CoreMetadata
from streams.solver.upstream import closure_requirements, parse_pylock, upstream_sources
from streams.solver.upstream._errors import _tag_summary, _uv_lines

PYLOCK = """\
lock-version = "1.0"
created-by = "uv"
requires-python = ">=3.14"

[[packages]]
name = "Foo_Bar"
version = "1.0"
marker = "sys_platform == 'linux'"
sdist = { url = "https://example.org/foo_bar-1.0.tar.gz", size = 10, hashes = { sha256 = "aa" } }
wheels = [{ url = "https://example.org/foo_bar-1.0-py3-none-any.whl", hashes = { sha256 = "bb" } }]

[[packages]]
name = "local"
version = "2.0"
wheels = [{ path = "wheels/local-2.0-py3-none-any.whl", hashes = { sha256 = "cc" } }]
"""


def test_pylock_packages_become_sources(tmp_path: Path) -> None:
    foo, local = parse_pylock(PYLOCK, base=tmp_path)
    assert (foo.name, foo.version, foo.marker) == (
        "foo-bar",
        Version("1.0"),
        "sys_platform == 'linux'",
    )
    assert [(s.kind, s.filename, s.sha256, s.size) for s in foo.sources] == [
        ("sdist", "foo_bar-1.0.tar.gz", "aa", 10),
        ("wheel", "foo_bar-1.0-py3-none-any.whl", "bb", None),
    ]
    (wheel,) = local.sources
    assert wheel.url == (tmp_path / "wheels/local-2.0-py3-none-any.whl").as_uri()


def test_upstream_map_replaces_only_local_urls(tmp_path: Path) -> None:
    (_, local) = parse_pylock(PYLOCK, base=tmp_path)
    name = "local-2.0-py3-none-any.whl"
    (mapped,) = upstream_sources(
        local.sources, {name: {"url": "https://up/" + name, "sha256": "cc", "size": 5}}
    )
    assert (mapped.url, mapped.size) == ("https://up/" + name, 5)


def md(name: str, *requires: str) -> CoreMetadata:
    return CoreMetadata(name=name, version="1", requires_dist=requires)


def test_extras_reach_a_fixpoint_through_chains() -> None:
    metadata = {
        canonicalize_name(m.name): m
        for m in (
            md("a", "b[one]"),
            md("b", "c[two]; extra == 'one'", "unused; extra == 'three'"),
            md("c", "d; extra == 'two'", "e; python_version < '3.10'"),
            md("d"),
        )
    }
    requires, extras = closure_requirements(
        [Requirement("a")], metadata, python="3.14", arch="x86_64"
    )
    assert extras == {"b": {"one"}, "c": {"two"}}
    assert [str(r) for r in requires["b"]] == ["c[two]"]
    assert [str(r) for r in requires["c"]] == ["d"]
    assert requires["d"] == ()


def test_tag_summary_joins_runs() -> None:
    assert _tag_summary(["cp314", "cp310", "cp311", "cp312", "cp313", "cp314t"]) == (
        "cp310–cp314, cp314t"
    )
    assert _tag_summary(["cp39", "cp311", "abi3"]) == "cp39, cp311, abi3"


def test_uv_lines_unwraps_continuations() -> None:
    text = (
        "error: No solution found when resolving dependencies\n"
        "  cause: Because a==1 depends on c<2 and b==1 depends on c>=2, we can conclude\n"
        "         that a==1 and b==1 are incompatible.\n"
        "\n"
        "hint: something to try\n"
    )
    assert _uv_lines(text) == [
        "No solution found when resolving dependencies",
        "Because a==1 depends on c<2 and b==1 depends on c>=2, we can conclude "
        "that a==1 and b==1 are incompatible.",
        "something to try",
    ]
