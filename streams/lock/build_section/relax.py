"""Resolving the build requirements nobody meets yet, relaxing them when they conflict.

A stream bundles one version of each distribution, so every sdist that needs it to build gets
the same copy.  Sdists often pin their backend exactly (``hatchling==1.26.3`` here,
``hatchling==1.33.0`` there) or cap it (``setuptools<70``) where another needs more; a
packager relaxes such pins, and so does :func:`resolve_relaxed`, saying so in the warnings.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from packaging.requirements import Requirement
from packaging.specifiers import Specifier, SpecifierSet
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version

from streams.errors import ResolutionError
from streams.lock.build_section.classify import plain
from streams.lock.context import Resolver
from streams.solver.model import UpstreamClosure

RELAX_LEVELS = 3


def relaxation_levels(name: NormalizedName, reqs: Sequence[Requirement]) -> list[Requirement]:
    """Ever looser forms of what ``reqs`` ask of ``name``, tried in order until one resolves.

    0. everything asked, with conflicting exact pins dropped;
    1. only the lower bounds (the highest ``>=``/``>``);
    2. the name alone (extras kept).
    """
    extras: set[str] = set()
    specs: list[Specifier] = []
    for r in reqs:
        extras |= r.extras
        specs.extend(r.specifier)
    extra = f"[{','.join(sorted(extras))}]" if extras else ""
    exact = _exact(specs)
    pins = {s.version for s in exact}
    ranges = SpecifierSet(",".join(str(s) for s in specs if s not in exact))
    if len(pins) > 1 or any(not ranges.contains(p, prereleases=True) for p in pins):
        first = ranges
    else:
        first = SpecifierSet(",".join(str(s) for s in specs))
    lower = [s for s in specs if s.operator in (">=", ">")]
    best = max(lower, key=lambda s: (Version(s.version), s.operator == ">"), default=None)
    second = SpecifierSet(str(best)) if best is not None else SpecifierSet()
    return [
        Requirement(f"{name}{extra}{first}"),
        Requirement(f"{name}{extra}{second}"),
        Requirement(f"{name}{extra}"),
    ]


def _exact(specs: list[Specifier]) -> list[Specifier]:
    return [s for s in specs if s.operator in ("==", "===") and "*" not in s.version]


@dataclass
class Relaxed:
    """What :func:`resolve_relaxed` settled on."""

    closure: UpstreamClosure
    chosen: dict[NormalizedName, Requirement]
    """The requirement resolved for each distribution (relaxed or as asked)."""
    relaxed: dict[NormalizedName, Requirement] = field(default_factory=dict)
    """The distributions whose requirements could not all hold, with what was used instead."""
    dropped: set[NormalizedName] = field(default_factory=set)
    """Distributions that do not resolve even by name; left out (said in the warnings)."""
    warnings: list[str] = field(default_factory=list)

    def applied(
        self, build_requires: Sequence[str], deps: Iterable[NormalizedName]
    ) -> tuple[str, ...]:
        """``build_requires`` of a requirer of ``deps`` with those requirements as resolved."""
        wanted = {d: self.relaxed[d] for d in deps}
        return tuple(
            sorted(
                plain(wanted[name])
                if (name := canonicalize_name(Requirement(t).name)) in wanted
                else t
                for t in build_requires
            )
        )


def _resolves(resolve: Resolver, req: Requirement) -> bool:
    try:
        resolve([req])
    except ResolutionError:
        return False
    return True


def resolve_relaxed(
    needs: Mapping[NormalizedName, Sequence[Requirement]],
    requirers: Mapping[NormalizedName, set[str]],
    resolve: Resolver,
) -> Relaxed:
    """Resolve ``needs`` together, climbing the :func:`relaxation_levels` until they do.

    When even the names alone do not resolve together, what does not resolve on its own is
    left out (the spec still asks for it, so the build fails visibly until the recipe ignores
    it or names a source) and the rest is tried again.  Raises the last
    :class:`~streams.errors.ResolutionError` when nothing (or everything) resolves alone.
    """
    levels = {dep: relaxation_levels(dep, reqs) for dep, reqs in sorted(needs.items())}
    warnings: list[str] = []
    dropped: set[NormalizedName] = set()
    level = 0
    while True:
        merged = {dep: lv[min(level, len(lv) - 1)] for dep, lv in levels.items()}
        try:
            closure = resolve(list(merged.values()))
            break
        except ResolutionError as exc:
            if level < RELAX_LEVELS - 1:
                level += 1
                continue
            bad = [dep for dep, lv in levels.items() if not _resolves(resolve, lv[-1])]
            if not bad or len(bad) == len(levels):
                raise
            for dep in bad:
                warnings.append(
                    f"build requirement {dep} (needed by "
                    f"{', '.join(sorted(requirers[dep]))}) cannot be resolved: "
                    f"{exc.message}; list it in [packages.NAME] ignore-build-requires if "
                    "Fedora provides it otherwise"
                )
                del levels[dep]
                dropped.add(dep)
    relaxed: dict[NormalizedName, Requirement] = {}
    for dep, req in merged.items():
        asked = sorted({plain(r) for r in needs[dep]})
        if asked == [plain(req)]:
            continue
        warnings.append(
            f"build requirements on {dep} ({'; '.join(asked)}) cannot all hold with one "
            f"bundled {dep}: relaxed to {plain(req)}"
        )
        relaxed[dep] = req
    return Relaxed(closure, merged, relaxed, dropped, warnings)
