"""Graphs of the closure: why-paths, reverse deps, cycles, build generations."""

from __future__ import annotations

import networkx as nx
from hypothesis import given, settings
from hypothesis import strategies as st

from streams.lock import LockedEdge, LockedPackage, LockedTarget
from streams.lock.graph import (
    build_graph,
    cycles,
    generations,
    longest_path_length,
    reverse_deps,
    runtime_graph,
    to_dot,
    to_html,
    topo_check,
    why_paths,
)


def target(edges: list[tuple[str, str]], fedora: set[str] = frozenset()) -> LockedTarget:  # type: ignore[assignment]
    names = sorted({n for e in edges for n in e})
    return LockedTarget(
        name="t",
        python="3.14",
        interpreter="python3",
        interpreter_main=True,
        package=tuple(
            LockedPackage(
                name=n,
                version="1",
                origin="fedora" if n in fedora else "bundle",
                rpm=n,
                evr="1",
                reason="",
            )
            for n in names
        ),
        edge=tuple(LockedEdge(source=a, target=b, requirement=f"{b}>=1") for a, b in edges),
    )


def test_why_and_reverse() -> None:
    t = target([("app", "a"), ("app", "b"), ("a", "c"), ("b", "c"), ("c", "d")])
    g = runtime_graph(t)
    paths = why_paths(g, "d", ["app"])
    assert paths[0][0] == "app" and paths[0][-1] == "d" and len(paths) == 2
    assert reverse_deps(g, "c") == [("a", "c>=1"), ("b", "c>=1")]
    assert why_paths(g, "nope") == []


def test_cycles_become_one_step() -> None:
    t = target([("app", "a"), ("a", "b"), ("b", "a"), ("b", "c")])
    g = build_graph(t)
    assert cycles(g) == [["a", "b"]]
    gens = generations(g)
    assert [[str(s) for s in gen] for gen in gens] == [["c"], ["{a, b}"], ["app"]]
    assert len(gens) == longest_path_length(g) + 1
    assert topo_check(gens, g) == []


def test_build_graph_skips_reused() -> None:
    t = target([("app", "a"), ("a", "six")], fedora={"six"})
    g = build_graph(t)
    assert set(g) == {"app", "a"}


def test_renderings() -> None:
    g = runtime_graph(target([("app", "six")], fedora={"six"}))
    dot = to_dot(g, "demo")
    assert '"app" -> "six"' in dot and "#3c6eb4" in dot
    page = to_html(g, "demo <x>")
    assert page.startswith("<!DOCTYPE html>") and "demo &lt;x&gt;" in page
    assert "<script" not in page and "http://" not in page.replace("http://www.w3.org", "")
    assert "1 reused from Fedora, 1 bundled" in page


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 12), st.integers(0, 12)), max_size=40))
def test_generations_respect_every_edge(pairs: list[tuple[int, int]]) -> None:
    g = nx.DiGraph()
    g.add_nodes_from(f"p{i}" for i in range(13))
    g.add_edges_from((f"p{a}", f"p{b}") for a, b in pairs if a != b)
    gens = generations(g)
    assert topo_check(gens, g) == []
    assert sum(len(s.members) for gen in gens for s in gen) == 13
    assert len(gens) == longest_path_length(g) + 1


def test_runtime_graph_leaves_out_build_only_bundles() -> None:
    t = target([("app", "lib")])
    tool = LockedPackage(
        name="hatchling", version="1", origin="bundle", rpm="h", evr="1", reason="", build_only=True
    )
    t = t.model_copy(update={"package": (*t.package, tool)})
    assert set(runtime_graph(t)) == {"app", "lib"}
    assert "hatchling" in build_graph(t)
