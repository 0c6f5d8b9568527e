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


def _spelled(req: Requirement) -> str:
    """``req`` without its marker and with the PEP 503 name: spellings of one requirement
    (``setuptools_scm>=8``, ``setuptools-scm>=8``) are one text."""
    extras = f"[{','.join(sorted(req.extras))}]" if req.extras else ""
    return f"{canonicalize_name(req.name)}{extras}{req.specifier}"


def _holds(version: Version, reqs: Sequence[Requirement]) -> bool:
    """Whether ``version`` satisfies every requirement in ``reqs`` (pre-releases allowed, as a
    bundled pre-release is what the resolver picked)."""
    return all(r.specifier.contains(version, prereleases=True) for r in reqs)


def resolve_relaxed(
    needs: Mapping[NormalizedName, Sequence[Requirement]],
    requirers: Mapping[NormalizedName, set[str]],
    resolve: Resolver,
) -> Relaxed:
    """Resolve ``needs`` together, climbing the :func:`relaxation_levels` until they do.

    Relaxing is per distribution: when the requirements do not resolve together, first the
    distributions asked for in several ways whose own requirements do not resolve at their
    current level go one level looser; only when none of them is the problem do all climb one
    level together (the conflict is between distributions).  When even the names alone do not
    resolve together, what does not resolve on its own is left out (the spec still asks for
    it, so the build fails visibly until the recipe ignores it or names a source) and the rest
    is tried again.  Raises the last :class:`~streams.errors.ResolutionError` when nothing (or
    everything) resolves alone.

    A distribution is *relaxed* (in :attr:`Relaxed.relaxed` and the warnings) only when the
    version resolved for it does not satisfy every requirement asked of it: ``maturin<2,>=1.16``
    and ``maturin<2.0,>=1.0`` both hold for maturin 1.9.6, and ``setuptools_scm>=8`` and
    ``setuptools-scm`` are requirements on one distribution (``needs`` is keyed by the PEP 503
    name), so neither is a relaxation.
    """
    levels = {dep: relaxation_levels(dep, reqs) for dep, reqs in sorted(needs.items())}
    at = dict.fromkeys(levels, 0)
    warnings: list[str] = []
    dropped: set[NormalizedName] = set()
    while True:
        merged = {dep: lv[min(at[dep], len(lv) - 1)] for dep, lv in levels.items()}
        try:
            closure = resolve(list(merged.values()))
            break
        except ResolutionError as exc:
            # distributions asked for in more than one way are the ones whose requirements
            # can conflict among themselves; one resolution each tells which do
            several = [
                d
                for d in levels
                if at[d] < RELAX_LEVELS - 1 and len({_spelled(r) for r in needs[d]}) > 1
            ]
            stuck = [d for d in several if not _resolves(resolve, merged[d])]
            if stuck:
                for d in stuck:
                    at[d] += 1
                continue
            if any(a < RELAX_LEVELS - 1 for a in at.values()):
                at = {d: min(a + 1, RELAX_LEVELS - 1) for d, a in at.items()}
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
                del at[dep]
                dropped.add(dep)
    pins = closure.by_name()
    relaxed: dict[NormalizedName, Requirement] = {}
    for dep, req in merged.items():
        pin = pins.get(dep)
        if pin is None or _holds(pin.version, needs[dep]):
            continue
        asked = sorted({_spelled(r) for r in needs[dep]})
        warnings.append(
            f"build requirements on {dep} ({'; '.join(asked)}) cannot all hold with one "
            f"bundled {dep}: relaxed to {plain(req)}"
        )
        relaxed[dep] = req
    return Relaxed(closure, merged, relaxed, dropped, warnings)
