"""The lock's build section: what each bundled sdist needs to build, and where it comes from.

For every bundled distribution built from its sdist, ``[build-system] requires`` is read from
the sdist (through the content-addressed source-info store of :mod:`streams.specgen.buildinfo`;
recorded infos can be given as read-only seeds, so this runs offline).  Each requirement, after
the recipe's ``ignore-build-requires`` and the target's markers, is met by

1. a distribution the stream already bundles, in a version that satisfies it (a *build edge*:
   that package must be built first), or
2. Fedora's base (the spec gets ``BuildRequires: python3.Xdist(...)``), or
3. a *build-only* bundle: the unmet requirements are resolved upstream (uv) and reconciled with
   Fedora exactly like the runtime closure; what must be bundled is added to the lock with
   ``build-only = true`` (it is built and shipped in the stream's repo, but is not part of the
   runtime view).  Their own build requirements are handled the same way, round after round.

Everything specgen needs is then in the lock, so ``streams specgen`` runs offline.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import Specifier, SpecifierSet
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import InvalidVersion, Version

from streams.errors import LockError, ResolutionError, SpecGenError
from streams.lock import LockedEdge, LockedPackage, LockedSource, LockedTarget
from streams.recipe import Recipe
from streams.solver.index import IndexClient
from streams.solver.pydeps import environment, without_marker
from streams.solver.reconcile import Policy, parse_dep, py_name, reconcile
from streams.solver.repos import BaseRepos, RepoSpec
from streams.solver.versions import rpm_dep
from streams.specgen.buildinfo import LEGACY_REQUIRES, SourceInfoStore
from streams.specgen.context import SourceFetch, choose_source
from streams.specgen.output import cached_source
from streams.targets import Target

log = logging.getLogger(__name__)

MAX_ROUNDS = 5
"""Build-only bundles may need build-only bundles of their own; this many rounds at most."""


@dataclass
class BuildSection:
    """What :func:`add_build_section` found (for messages and tests)."""

    rounds: int = 0
    fedora: set[str] = field(default_factory=set)
    build_only: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _plain(req: Requirement) -> str:
    return str(without_marker(req))


class _Fedora:
    """Answers "does the base satisfy this requirement for this interpreter?" with libsolv."""

    def __init__(self, base: BaseRepos, python: str) -> None:
        self.base = base
        self.python = python
        self.repo_ids = {r.repo.id for r in base.repos}

    def satisfies(self, req: Requirement) -> bool:
        name = canonicalize_name(req.name)
        deps = [rpm_dep(py_name(self.python, name), req.specifier)]
        deps += [
            rpm_dep(py_name(self.python, name, canonicalize_name(e)), req.specifier)
            for e in sorted(req.extras)
        ]
        pool = self.base.pool
        return all(
            any(s.repo.id in self.repo_ids for s in pool.whatprovides(parse_dep(pool, d)))
            for d in deps
        )


def _build_requirements(
    pkg: LockedPackage,
    recipe: Recipe,
    store: SourceInfoStore,
    *,
    python: str,
    arch: str,
    offline: bool,
) -> tuple[str, ...] | None:
    """The sdist's build requirements as written, or None when ``pkg`` is not built from one."""
    src, _note = choose_source(pkg, recipe.package_settings(pkg.name).source, python, arch)
    if src.kind != "sdist":
        return None
    info = store.get(src.sha256)
    if info is None:
        filename = src.filename or src.url.rsplit("/", 1)[-1]
        try:
            path = cached_source(
                SourceFetch(filename, src.url, src.sha256, src.kind, pkg.name), offline=offline
            )
        except SpecGenError as exc:
            raise LockError(
                f"cannot read the build requirements of {pkg.name} {pkg.version}: {exc.message}",
                hint="run without --offline once (the sdist is downloaded and cached), or give "
                "recorded build info with --seed DIR",
            ) from exc
        info = store.load(path, sha256=src.sha256, kind="sdist", name=pkg.name, version=pkg.version)
    if info.build is None:
        return LEGACY_REQUIRES
    return info.build.requires


def add_build_section(
    target: LockedTarget,
    *,
    recipe: Recipe,
    platform: Target,
    specs: Sequence[RepoSpec],
    client: IndexClient,
    store: SourceInfoStore,
    offline: bool,
    index_url: str,
    policy: Policy,
) -> tuple[LockedTarget, BuildSection]:
    """``target`` with ``build-requires``, build edges and build-only bundles filled in."""
    from streams.solver import upstream

    python, arch = target.python, platform.arch
    env = environment(python, arch)
    section = BuildSection()
    packages: dict[str, LockedPackage] = {p.name: p for p in target.package}
    edges: set[tuple[str, str, str, str]] = {
        (e.source, e.target, e.requirement, e.kind) for e in target.edge
    }
    base = BaseRepos.load(specs, arch=arch, offline=offline)
    fedora = _Fedora(base, python)
    pending = [p.name for p in target.package if p.origin == "bundle"]
    for round_no in range(1, MAX_ROUNDS + 1):
        if not pending:
            break
        section.rounds = round_no
        needs: dict[NormalizedName, list[Requirement]] = {}
        requirers: dict[NormalizedName, set[str]] = {}
        for name in sorted(pending):
            pkg = packages[name]
            written = _build_requirements(
                pkg, recipe, store, python=python, arch=arch, offline=offline
            )
            if written is None:
                continue
            ignore = {
                canonicalize_name(n) for n in recipe.package_settings(name).ignore_build_requires
            }
            kept: list[str] = []
            for text in written:
                try:
                    req = Requirement(text)
                except InvalidRequirement:
                    section.warnings.append(
                        f"{name}: ignoring unparsable build requirement {text!r}"
                    )
                    continue
                if req.marker is not None and not req.marker.evaluate({**env, "extra": ""}):
                    continue
                dep = canonicalize_name(req.name)
                if dep in ignore:
                    continue
                kept.append(_plain(req))
                have = packages.get(dep)
                if have is not None and not have.build_only:
                    # The runtime view has it: build against the very copy the stream will
                    # import (what a packager does with numpy==X / oldest-supported pins).
                    if not _satisfied(req, have.version):
                        section.warnings.append(
                            f"{name}: build requirement {_plain(req)} relaxed to the "
                            f"{have.origin} {dep} {have.version} of the stream's runtime view"
                        )
                        kept[-1] = _with_name_only(req)
                    if have.origin == "bundle" and dep != name:
                        edges.add((name, dep, kept[-1], "build"))
                    continue
                if have is not None and have.origin == "bundle" and _satisfied(req, have.version):
                    if dep != name:
                        edges.add((name, dep, _plain(req), "build"))
                    continue
                if fedora.satisfies(req):
                    section.fedora.add(dep)
                    continue
                needs.setdefault(dep, []).append(req)
                requirers.setdefault(dep, set()).add(name)
            packages[name] = pkg.model_copy(update={"build_requires": tuple(sorted(set(kept)))})
        if not needs:
            break
        levels = {dep: relaxation_levels(dep, reqs) for dep, reqs in sorted(needs.items())}
        level = 0
        while True:
            merged = [lv[min(level, len(lv) - 1)] for lv in levels.values()]
            try:
                closure = upstream.resolve(
                    merged,
                    python=python,
                    arch=arch,
                    index_url=index_url,
                    extra_index_urls=tuple(recipe.index.extra_urls),
                    offline=offline,
                    target=target.name,
                    client=client,
                )
                break
            except ResolutionError as exc:
                if level < RELAX_LEVELS - 1:
                    level += 1
                    continue
                # Even names alone do not resolve together: leave out what does not resolve
                # on its own (said in the warnings; the spec still asks for it, so the build
                # fails visibly until the recipe ignores it or names a source), then retry.
                bad = [
                    dep
                    for dep, lv in levels.items()
                    if not _resolves(
                        upstream,
                        lv[-1],
                        python,
                        arch,
                        index_url,
                        recipe,
                        offline,
                        target.name,
                        client,
                    )
                ]
                if not bad or len(bad) == len(levels):
                    raise
                for dep in bad:
                    section.warnings.append(
                        f"build requirement {dep} (needed by "
                        f"{', '.join(sorted(requirers[dep]))}) cannot be resolved: "
                        f"{exc.message}; list it in [packages.NAME] ignore-build-requires if "
                        "Fedora provides it otherwise"
                    )
                    del levels[dep]
                    needs.pop(dep)
        for dep, req in zip(levels, merged, strict=True):
            asked = sorted({_plain(r) for r in needs[dep]})
            if asked == [_plain(req)]:
                continue
            section.warnings.append(
                f"build requirements on {dep} ({'; '.join(asked)}) cannot all hold with one "
                f"bundled {dep}: relaxed to {_plain(req)}"
            )
            for n in requirers[dep]:
                pkg = packages[n]
                packages[n] = pkg.model_copy(
                    update={
                        "build_requires": tuple(
                            sorted(
                                _plain(req) if canonicalize_name(Requirement(t).name) == dep else t
                                for t in pkg.build_requires
                            )
                        )
                    }
                )
        fresh = BaseRepos.load(specs, arch=arch, offline=offline)
        result = reconcile(
            fresh.pool,
            [r.repo for r in fresh.repos],
            closure,
            stream=recipe.stream.name,
            policy=Policy(prefer=policy.prefer, bundle=policy.bundle),
            target_label=target.name,
        )
        pending = []
        for d in result.decisions:
            if d.origin != "bundle":
                continue
            have = packages.get(d.name)
            if have is not None:
                if have.origin == "bundle" and have.version == d.version:
                    continue
                section.warnings.append(
                    f"building {', '.join(sorted(requirers.get(d.name, {'the stream'})))} needs "
                    f"{d.name} {d.version}, but the stream has {d.name} {have.version} "
                    f"({have.origin}); the build uses {have.version}"
                )
                continue
            who = sorted(requirers.get(d.name, set())) or sorted(
                e.source for e in result.edges if e.target == d.name
            )
            packages[d.name] = LockedPackage(
                name=d.name,
                version=d.version,
                origin="bundle",
                rpm=d.rpm,
                evr=d.evr,
                reason=f"bundled to build {', '.join(who) or 'the stream'} "
                f"({d.reason.removeprefix('bundled: ')})",
                repo="stream",
                requires=d.requires,
                extras=d.extras,
                sources=tuple(
                    LockedSource(kind=s.kind, url=s.url, sha256=s.sha256, filename=s.filename)
                    for s in d.sources
                ),
                build_only=True,
            )
            section.build_only.append(d.name)
            pending.append(d.name)
        for e in result.edges:
            src, dst = packages.get(e.source), packages.get(e.target)
            if src is not None and dst is not None and src.build_only and dst.origin == "bundle":
                edges.add((e.source, e.target, e.requirement, "runtime"))
        for dep, names in requirers.items():
            if dep in packages and packages[dep].origin == "bundle":
                for n in names:
                    if n != dep:
                        req_text = ", ".join(sorted({_plain(r) for r in needs[dep]}))
                        edges.add((n, dep, req_text, "build"))
    else:
        if pending:
            section.warnings.append(
                f"build requirements still unresolved after {MAX_ROUNDS} rounds: "
                f"{', '.join(sorted(pending))}"
            )
    new = target.model_copy(
        update={
            "package": tuple(sorted(packages.values(), key=lambda p: p.name)),
            "edge": tuple(
                LockedEdge(source=a, target=b, requirement=r, kind=k)
                for a, b, r, k in sorted(edges)
            ),
            "warnings": tuple(target.warnings) + tuple(section.warnings),
        }
    )
    return new, section


def _resolves(
    upstream: Any,
    req: Requirement,
    python: str,
    arch: str,
    index_url: str,
    recipe: Recipe,
    offline: bool,
    target: str,
    client: IndexClient,
) -> bool:
    try:
        upstream.resolve(
            [req],
            python=python,
            arch=arch,
            index_url=index_url,
            extra_index_urls=tuple(recipe.index.extra_urls),
            offline=offline,
            target=target,
            client=client,
        )
    except ResolutionError:
        return False
    return True


def _with_name_only(req: Requirement) -> str:
    extra = f"[{','.join(sorted(req.extras))}]" if req.extras else ""
    return f"{canonicalize_name(req.name)}{extra}"


def _satisfied(req: Requirement, version: str) -> bool:
    try:
        return req.specifier.contains(Version(version), prereleases=True)
    except InvalidVersion:
        return False


RELAX_LEVELS = 3


def relaxation_levels(name: NormalizedName, reqs: Sequence[Requirement]) -> list[Requirement]:
    """Ever looser forms of what ``reqs`` ask of ``name``, tried in order until one resolves.

    A stream bundles one version of each distribution, so every sdist that needs it to build
    gets the same copy.  Sdists often pin their backend exactly (``hatchling==1.26.3`` here,
    ``hatchling==1.33.0`` there) or cap it (``setuptools<70``) where another needs more; a
    packager relaxes such pins, and so do we, saying so in the lock's warnings:

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
