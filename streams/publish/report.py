"""``streams report``: one self-contained HTML page of a stream's lock, for packagers.

For every closure of the lock (a target, of a variant when the recipe has variants) the page
lists each distribution with its version, whether it is reused from Fedora or bundled, its RPM,
its license review (:class:`~streams.lock.model.LockedLicense`) and, when given, its drift; the
table is searchable and filterable, and selecting a package shows its dependency paths from the
application (what ``streams why`` prints, :func:`streams.lock.graph.why_paths`, computed here
and embedded per package) and its neighbourhood in the runtime graph (direct requirers and
requirements, drawn by the page's script from the same embedded data).

The page is rendered with jinja2 from ``streams/publish/templates/`` (HTML, CSS and JS inlined:
no CDN, nothing fetched, so it opens from ``file://`` offline).  The data travels as one JSON
document in a ``<script type="application/json">`` element; the same lock gives the same bytes.

Drift (``streams outdated``) is an optional input: a mapping ``(target, variant) ->`` list of
items, each a mapping with ``kind`` (one of :data:`DRIFT_KINDS`), ``name``, ``locked``,
``current``, ``level`` (``patch``/``minor``/``major``/``""``) and ``detail`` (a sentence).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

import jinja2
import networkx as nx
from markupsafe import Markup

from streams.errors import UsageError
from streams.lock import Lock, LockedPackage, LockedTarget
from streams.lock.graph import reverse_deps, runtime_graph, why_paths
from streams.recipe import Recipe

__all__ = [
    "DRIFT_KINDS",
    "Closure",
    "DriftItem",
    "DriftMap",
    "closure_data",
    "license_verdict",
    "render_report",
    "report_data",
    "script_json",
    "select_closures",
]

DriftItem = Mapping[str, str]
"""One drift finding: ``kind``, ``name``, ``locked``, ``current``, ``level``, ``detail``."""
DriftMap = Mapping[tuple[str, str], Sequence[DriftItem]]
"""Drift per closure, keyed ``(target, variant)`` (``variant`` ``""`` without variants)."""

#: The kinds of drift ``streams outdated`` reports, in the order the page lists them, with the
#: label shown for each.
DRIFT_KINDS: dict[str, str] = {
    "base-broken": "base update breaks the stream",
    "base-moved": "base package updated",
    "yanked": "release yanked upstream",
    "reusable": "Fedora now ships it (could be reused)",
    "upstream": "newer upstream release",
}
_DRIFT_KEYS = ("kind", "name", "locked", "current", "level", "detail")

#: How many why-paths the page shows per package (``streams why``'s default ``--limit``).
WHY_LIMIT = 5


@dataclass(frozen=True, slots=True)
class Closure:
    """One closure of the lock to report: the variant's recipe (for its top-level
    requirements and stream name) and the locked target."""

    recipe: Recipe
    target: LockedTarget
    variant: str = ""

    @property
    def key(self) -> str:
        return f"{self.variant}/{self.target.name}" if self.variant else self.target.name


def select_closures(
    recipe: Recipe,
    lock: Lock,
    *,
    targets: Iterable[str] = (),
    variants: Iterable[str] = (),
) -> list[Closure]:
    """The closures to report: every locked target of every variant by default; ``targets``
    and ``variants`` narrow them (an unknown name is a :class:`UsageError`, exit 2)."""
    wanted_variants = list(dict.fromkeys(variants))
    if recipe.variants:
        for v in wanted_variants:
            recipe.variant(v)  # says what is wrong with the name
        names = wanted_variants or [v for v in recipe.variants if v in lock.variants]
    else:
        if wanted_variants:
            recipe.variant(wanted_variants[0])  # "has no variants"
        names = [""]
    closures: list[Closure] = []
    for v in names:
        rec = recipe.variant(v) if v else recipe
        view = lock.for_variant(v)
        order = {n: i for i, n in enumerate(rec.stream.targets)}
        for t in sorted(view.target, key=lambda t: (order.get(t.name, len(order)), t.name)):
            closures.append(Closure(rec, t, v))
    wanted_targets = list(dict.fromkeys(targets))
    if wanted_targets:
        have = sorted({c.target.name for c in closures})
        missing = [t for t in wanted_targets if t not in have]
        if missing:
            raise UsageError(
                f"the lock of {recipe.name} has no target {', '.join(missing)}"
                + (f" for variant {', '.join(names)}" if recipe.variants else ""),
                hint=f"locked targets: {', '.join(have) or 'none'}",
            )
        closures = [c for c in closures if c.target.name in wanted_targets]
    if not closures:
        raise UsageError(
            f"the lock of {recipe.name} has no closure to report",
            hint=f"run: streams lock {recipe.name}",
        )
    return closures


def license_verdict(pkg: LockedPackage) -> str:
    """``fedora-package`` (reused: Fedora reviewed it), ``allowed`` (bundled, every part
    allowed in Fedora), ``not-allowed`` (bundled, with problems) or ``not-reviewed``."""
    if pkg.origin == "fedora":
        return "fedora-package"
    if pkg.license is None:
        return "not-reviewed"
    return "allowed" if pkg.license.fedora else "not-allowed"


def _status(pkg: LockedPackage) -> str:
    if pkg.origin == "fedora":
        return "reused"
    return "build-only" if pkg.build_only else "bundled"


def _drift_items(items: Sequence[DriftItem], closure: str) -> list[dict[str, str]]:
    out = []
    for i, item in enumerate(items):
        kind = str(item.get("kind", ""))
        if kind not in DRIFT_KINDS:
            raise UsageError(
                f"drift item {i} of {closure} has kind {kind!r}",
                hint=f"valid kinds: {', '.join(DRIFT_KINDS)}",
            )
        out.append({k: str(item.get(k, "")) for k in _DRIFT_KEYS})
    order = list(DRIFT_KINDS)
    return sorted(out, key=lambda d: (order.index(d["kind"]), d["name"], d["current"]))


def closure_data(closure: Closure, drift: Sequence[DriftItem] | None = None) -> dict[str, Any]:
    """Everything the page shows of one closure, as JSON-ready data (sorted, deterministic)."""
    t = closure.target
    g = runtime_graph(t)
    top = [str(n) for n in closure.recipe.normalized_requires]
    drift_items = _drift_items(drift or (), closure.key)
    by_name: dict[str, list[dict[str, str]]] = {}
    for d in drift_items:
        by_name.setdefault(d["name"], []).append(d)
    built_for: dict[str, set[str]] = {}
    for e in t.edge:
        if e.kind == "build" and e.source != e.target:
            built_for.setdefault(e.target, set()).add(e.source)
    packages: list[dict[str, Any]] = []
    for p in sorted(t.package, key=lambda p: p.name):
        lic = p.license
        packages.append(
            {
                "name": p.name,
                "version": p.version,
                "status": _status(p),
                "rpm": p.rpm,
                "evr": p.evr,
                "repo": p.repo,
                "reason": p.reason,
                "license": {
                    "verdict": license_verdict(p),
                    "expression": lic.expression if lic else "",
                    "declared_from": lic.declared_from if lic else "",
                    "evidence": list(lic.evidence) if lic else [],
                    "problems": list(lic.problems) if lic else [],
                    "binary": lic.binary if lic else False,
                },
                "drift": by_name.get(p.name, []),
                "paths": why_paths(g, p.name, top, limit=WHY_LIMIT),
                "required_by": [list(x) for x in reverse_deps(g, p.name)],
                "requires": _requirements(g, p.name),
                "built_for": sorted(built_for.get(p.name, ())),
            }
        )
    counts = {s: sum(1 for p in t.package if _status(p) == s) for s in _STATUSES}
    verdicts = {v: sum(1 for p in t.package if license_verdict(p) == v) for v in _VERDICTS}
    return {
        "key": closure.key,
        "target": t.name,
        "variant": closure.variant,
        "stream": closure.recipe.name,
        "python": t.python,
        "interpreter": t.interpreter,
        "base": t.base,
        "repos": [{"name": r.name, "revision": r.revision} for r in t.repo],
        "roots": sorted(n for n in top if n in g),
        "warnings": list(t.warnings),
        "counts": counts,
        "verdicts": verdicts,
        "drift_given": drift is not None,
        "drift": drift_items,
        "packages": packages,
    }


_STATUSES = ("reused", "bundled", "build-only")
_VERDICTS = ("fedora-package", "allowed", "not-allowed", "not-reviewed")


def _requirements(g: nx.DiGraph, name: str) -> list[list[str]]:
    if name not in g:
        return []
    return sorted([dst, g.edges[name, dst].get("requirement", "")] for dst in g.successors(name))


def report_data(
    recipe: Recipe, lock: Lock, closures: Sequence[Closure], drift: DriftMap | None = None
) -> dict[str, Any]:
    """The page's JSON document: the stream and one entry per closure."""
    return {
        "stream": recipe.family,
        "lock": {
            "recipe": lock.recipe,
            "locked_at": lock.locked_at,
            "packager": lock.packager,
            "destination": lock.destination,
        },
        "drift_kinds": DRIFT_KINDS,
        "closures": [
            closure_data(
                c,
                None if drift is None else drift.get((c.target.name, c.variant), ()),
            )
            for c in closures
        ],
    }


def script_json(data: object) -> str:
    """``data`` as JSON safe inside an HTML ``<script>`` element.

    The HTML parser ends a script at ``</script`` and treats ``<!--`` specially inside it
    (https://html.spec.whatwg.org/multipage/scripting.html#restrictions-for-contents-of-script-elements),
    so every ``<``, ``>`` and ``&`` is written as its JSON ``\\u`` escape: the parser sees
    none of them and ``JSON.parse`` gives back the same strings."""
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("streams.publish", "templates"),
        undefined=jinja2.StrictUndefined,
        autoescape=True,
        keep_trailing_newline=True,
    )


@cache
def _asset(name: str) -> Markup:
    """A stylesheet or script of the templates folder, inlined verbatim (not a jinja2
    template: its braces are CSS and JavaScript)."""
    text = (files("streams.publish") / "templates" / name).read_text(encoding="utf-8")
    if "</" in text:
        raise AssertionError(f"templates/{name} would end its element early: it holds '</'")
    return Markup(text)


def render_report(
    recipe: Recipe,
    lock: Lock,
    closures: Sequence[Closure],
    drift: DriftMap | None = None,
) -> str:
    """The whole page, deterministic: the same lock (and drift) gives the same text."""
    data = report_data(recipe, lock, closures, drift)
    return (
        _environment()
        .get_template("report.html.j2")
        .render(
            title=f"{data['stream']} stream report",
            data=data,
            data_json=Markup(script_json(data)),
            css=_asset("report.css"),
            js=_asset("report.js"),
        )
    )
