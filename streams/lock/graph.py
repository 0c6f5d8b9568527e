"""The solved closure as graphs (networkx): runtime view, why-paths, cycles, build generations.

* The *runtime graph* has one node per distribution of a target's runtime view (attributes
  ``origin``, ``version``, ``rpm``) and an edge ``A -> B`` when A requires B (attribute
  ``requirement``: the PEP 508 requirement, or Fedora's RPM dependency for reused packages).
* The *build graph* has one node per bundled distribution and an edge ``A -> B`` when B must be
  installed to build A: its build-system requirements and, because each build runs an import
  check, its runtime requirements among the bundled set (docs/architecture.md, "How a stream
  is built").  Its condensation's topological generations are the build batches; a cycle
  becomes one step.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import networkx as nx

from streams.lock import LockedTarget


def runtime_graph(target: LockedTarget) -> nx.DiGraph:
    """The runtime view of ``target`` as a directed graph (build-only bundles are not in it)."""
    g = nx.DiGraph(name=target.name)
    for p in target.package:
        if p.build_only:
            continue
        g.add_node(p.name, origin=p.origin, version=p.version, rpm=p.rpm, evr=p.evr)
    for e in target.edge:
        if e.kind != "runtime" or e.source not in g or e.target not in g:
            continue
        if g.has_edge(e.source, e.target):
            prev = g.edges[e.source, e.target]["requirement"]
            if e.requirement and e.requirement not in prev.split("; "):
                g.edges[e.source, e.target]["requirement"] = f"{prev}; {e.requirement}"
        else:
            g.add_edge(e.source, e.target, requirement=e.requirement)
    return g


def roots(g: nx.DiGraph, top: Iterable[str] = ()) -> list[str]:
    """The application's entry points: the given top-level names, else nodes nobody requires."""
    wanted = [n for n in top if n in g]
    return sorted(wanted) if wanted else sorted(n for n in g if g.in_degree(n) == 0)


def why_paths(
    g: nx.DiGraph, dist: str, top: Iterable[str] = (), *, limit: int = 5, depth: int | None = None
) -> list[list[str]]:
    """Up to ``limit`` shortest-first simple paths from the roots to ``dist``."""
    if dist not in g:
        return []
    paths: list[list[str]] = []
    for root in roots(g, top):
        if root == dist:
            paths.append([dist])
            continue
        try:
            for path in nx.shortest_simple_paths(g, root, dist):
                if depth is not None and len(path) - 1 > depth:
                    break
                paths.append(list(path))
                if len(paths) >= limit * 4:
                    break
        except nx.NetworkXNoPath:
            continue
    paths.sort(key=lambda p: (len(p), p))
    return paths[:limit]


def reverse_deps(g: nx.DiGraph, dist: str) -> list[tuple[str, str]]:
    """Who requires ``dist`` directly, with the requirement each one states."""
    if dist not in g:
        return []
    return sorted((src, g.edges[src, dist].get("requirement", "")) for src in g.predecessors(dist))


def cycles(g: nx.DiGraph) -> list[list[str]]:
    """Strongly connected components with more than one node (dependency cycles)."""
    out = [sorted(c) for c in nx.strongly_connected_components(g) if len(c) > 1]
    out += [[n] for n in g if g.has_edge(n, n)]
    return sorted(out)


def build_graph(target: LockedTarget) -> nx.DiGraph:
    """Bundled distributions, with ``A -> B`` when B must be installed to build A."""
    bundled = {p.name for p in target.bundled()}
    g = nx.DiGraph(name=target.name)
    for p in target.bundled():
        g.add_node(p.name, version=p.version, rpm=p.rpm)
    for e in target.edge:
        if e.source in bundled and e.target in bundled and e.source != e.target:
            kinds = (
                set(g.edges[e.source, e.target]["kinds"])
                if g.has_edge(e.source, e.target)
                else set()
            )
            kinds.add(e.kind)
            g.add_edge(e.source, e.target, kinds=sorted(kinds))
    return g


@dataclass(frozen=True, slots=True)
class Step:
    """One unit of a build batch: one package, or a dependency cycle built together."""

    members: tuple[str, ...]

    @property
    def is_cycle(self) -> bool:
        return len(self.members) > 1

    def __str__(self) -> str:
        return self.members[0] if len(self.members) == 1 else "{" + ", ".join(self.members) + "}"


def generations(g: nx.DiGraph) -> list[list[Step]]:
    """Build batches: generation 0 needs nothing bundled, generation N only earlier ones.

    Computed on the condensation (each strongly connected component is one step), so the
    number of generations equals the longest path in the condensed graph plus one.
    """
    cond = nx.condensation(g)
    # edges point from dependant to dependency; build dependencies first
    order = list(nx.topological_generations(cond.reverse(copy=False)))
    out: list[list[Step]] = []
    for gen in order:
        steps = [Step(tuple(sorted(cond.nodes[c]["members"]))) for c in gen]
        out.append(sorted(steps, key=lambda s: s.members))
    return out


# -- rendering -----------------------------------------------------------------------------

COLOURS = {"fedora": "#3c6eb4", "bundle": "#e07b00"}  # Fedora blue; orange for bundles


def _dot_id(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def to_dot(g: nx.DiGraph, title: str = "") -> str:
    """Graphviz DOT text for a runtime graph, reused and bundled nodes coloured."""
    lines = [
        f"digraph {_dot_id(title or str(g.name or 'stream'))} {{",
        "  rankdir=LR;",
        '  node [shape=box, style="rounded,filled", fontname="sans-serif", fontcolor=white];',
        '  edge [color="#888888", fontname="sans-serif", fontsize=9];',
    ]
    for n in sorted(g):
        a = g.nodes[n]
        colour = COLOURS.get(a.get("origin", "bundle"), "#666666")
        label = f"{n}\\n{a.get('version', '')}"
        lines.append(f'  {_dot_id(n)} [label="{label}", fillcolor="{colour}"];')
    for src, dst in sorted(g.edges):
        req = g.edges[src, dst].get("requirement", "")
        lines.append(f"  {_dot_id(src)} -> {_dot_id(dst)} [tooltip={_dot_id(req)}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def to_html(g: nx.DiGraph, title: str) -> str:
    """A self-contained HTML page (inline SVG, no scripts, no network) of a runtime graph.

    Nodes are laid out in columns by dependency depth (the application on the left), coloured
    by origin; every edge carries its requirement as a tooltip.
    """
    cond = nx.condensation(g)
    depth: dict[int, int] = {}
    for c in nx.topological_sort(cond):
        preds = list(cond.predecessors(c))
        depth[c] = 1 + max((depth[p] for p in preds), default=-1)
    col: dict[str, int] = {}
    for c, d in depth.items():
        for n in cond.nodes[c]["members"]:
            col[n] = d
    columns: dict[int, list[str]] = {}
    for n in sorted(g):
        columns.setdefault(col.get(n, 0), []).append(n)
    w, h, gapx, gapy = 190, 34, 70, 12
    pos: dict[str, tuple[int, int]] = {}
    for c, names in columns.items():
        for i, n in enumerate(names):
            pos[n] = (20 + c * (w + gapx), 60 + i * (h + gapy))
    width = 40 + (max(columns, default=0) + 1) * (w + gapx)
    height = 80 + max((len(v) for v in columns.values()), default=1) * (h + gapy)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        'font-family="sans-serif" font-size="12">',
        '<defs><marker id="a" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" '
        'markerHeight="6" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#888"/></marker></defs>',
        f'<text x="20" y="24" font-size="16">{html.escape(title)}</text>',
        f'<rect x="20" y="34" width="12" height="12" fill="{COLOURS["fedora"]}"/>'
        '<text x="38" y="45">reused from Fedora</text>'
        f'<rect x="180" y="34" width="12" height="12" fill="{COLOURS["bundle"]}"/>'
        '<text x="198" y="45">bundled in the stream</text>',
    ]
    for src, dst in sorted(g.edges):
        (x1, y1), (x2, y2) = pos[src], pos[dst]
        req = html.escape(g.edges[src, dst].get("requirement", ""))
        parts.append(
            f'<line x1="{x1 + w}" y1="{y1 + h // 2}" x2="{x2}" y2="{y2 + h // 2}" stroke="#aaa" '
            f'marker-end="url(#a)"><title>{html.escape(src)} requires {req}</title></line>'
        )
    for n, (x, y) in sorted(pos.items()):
        a = g.nodes[n]
        colour = COLOURS.get(a.get("origin", "bundle"), "#666")
        tip = html.escape(
            f"{n} {a.get('version', '')} — {a.get('origin', '')} ({a.get('rpm', '')})"
        )
        parts.append(
            f'<g><title>{tip}</title><rect x="{x}" y="{y}" width="{w}" height="{h}" rx="6" '
            f'fill="{colour}"/><text x="{x + 8}" y="{y + 21}" fill="#fff">'
            f"{html.escape(n)} {html.escape(str(a.get('version', '')))}</text></g>"
        )
    parts.append("</svg>")
    counts = {o: sum(1 for n in g if g.nodes[n].get("origin") == o) for o in COLOURS}
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title></head><body>\n"
        f"<p>{len(g)} distributions: {counts['fedora']} reused from Fedora, "
        f"{counts['bundle']} bundled. Hover a node or an edge for details.</p>\n"
        + "\n".join(parts)
        + "\n</body></html>\n"
    )


def longest_path_length(g: nx.DiGraph) -> int:
    """Edges on the longest path of the condensation (generations - 1)."""
    return int(nx.dag_longest_path_length(nx.condensation(g)))


def topo_check(order: Sequence[Sequence[Step]], g: nx.DiGraph) -> list[tuple[str, str]]:
    """Edges violated by a build order (a dependency built in the same or a later batch)."""
    batch: dict[str, int] = {}
    for i, gen in enumerate(order):
        for step in gen:
            for m in step.members:
                batch[m] = i
    bad = []
    for a, b in g.edges:
        same_step = any(a in s.members and b in s.members for gen in order for s in gen)
        if not same_step and batch[b] >= batch[a]:
            bad.append((a, b))
    return bad
