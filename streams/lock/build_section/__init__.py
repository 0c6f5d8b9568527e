"""The lock's build section: what each bundled sdist needs to build, and where it comes from.

For every bundled distribution built from its sdist, ``[build-system] requires`` is read from
the sdist through :mod:`streams.sources` (its content-addressed store; recorded infos can be
given as read-only seeds, so this runs offline), with what the backend's
``get_requires_for_build_wheel`` asks beyond them (PEP 517, as ``%pyproject_buildrequires``;
:mod:`streams.sources.backend`), and its compilers, tools and libraries (:mod:`.tools`:
the recipe, Fedora's own spec, then inference from the sdist).  Then, round after round:

1. :mod:`.classify` (pure) sorts each requirement by where it is met: the runtime view, a
   build-only bundle already locked, Fedora's base, or nothing yet;
2. :mod:`.relax` resolves what nothing meets with the context's resolver (uv), relaxing
   conflicting pins;
3. that closure is reconciled with Fedora exactly like the runtime closure, and :mod:`.merge`
   adds what must be bundled as ``build-only = true`` packages (built and shipped in the
   stream's repo, but not part of the runtime view).  Their own build requirements are the
   next round's work.

An sdist whose build requirements no index has is repackaged from its pure-Python wheel
(with a warning), or refused when it has none (:mod:`.fallback`).  Everything specgen needs
is then in the lock, so ``streams specgen`` runs offline.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from streams.errors import LockError, SourceError
from streams.lock.build_section.classify import Classified, Edge, classify, group_needs
from streams.lock.build_section.fallback import dependency_path, pure_wheel
from streams.lock.build_section.merge import merge_build_closure
from streams.lock.build_section.relax import RELAX_LEVELS, relaxation_levels, resolve_relaxed
from streams.lock.build_section.tools import build_tools
from streams.lock.context import LockContext
from streams.lock.model import LockedBuildTool, LockedEdge, LockedPackage, LockedTarget
from streams.solver.pydeps import environment
from streams.solver.reconcile import Policy, parse_dep, py_name, reconcile
from streams.solver.repos import BaseRepos
from streams.solver.versions import rpm_dep
from streams.sources import (
    LEGACY_BACKEND,
    LEGACY_REQUIRES,
    BuildInfo,
    choose_source,
    inspect_source,
)

__all__ = [
    "MAX_ROUNDS",
    "RELAX_LEVELS",
    "BuildSection",
    "FedoraBase",
    "add_build_section",
    "build_requirements",
    "build_tools",
    "relaxation_levels",
    "source_build",
]

MAX_ROUNDS = 5
"""Build-only bundles may need build-only bundles of their own; this many rounds at most."""


@dataclass
class BuildSection:
    """What :func:`add_build_section` found (for messages and tests)."""

    rounds: int = 0
    fedora: set[str] = field(default_factory=set)
    build_only: list[str] = field(default_factory=list)
    fallbacks: list[str] = field(default_factory=list)
    """Distributions repackaged from their pure wheel because their sdist cannot be built."""
    warnings: list[str] = field(default_factory=list)
    too_old: dict[str, list[tuple[str, Requirement]]] = field(default_factory=dict)
    """Reused runtime copies too old for a bundled build: name -> (requirer, requirement)."""


class FedoraBase:
    """Answers "does the base satisfy this requirement for this interpreter?" with libsolv.

    Only the base repositories are asked, so a pool that a reconciliation already added its
    candidates to answers as a fresh one would.
    """

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


def source_build(pkg: LockedPackage, ctx: LockContext) -> BuildInfo | None:
    """The build system of ``pkg``'s sdist (with the backend's own answer when the context
    can ask it), or None when ``pkg`` is not built from an sdist."""
    wanted = ctx.recipe.package_settings(pkg.name).source
    src, _note = choose_source(pkg, wanted, ctx.python, ctx.target.arch)
    if src.kind != "sdist":
        return None
    try:
        info = inspect_source(
            src,
            dist=pkg.name,
            version=pkg.version,
            store=ctx.store,
            fetch=ctx.fetch,
            ask=ctx.ask_backend,
        )
    except SourceError as exc:
        raise LockError(
            f"cannot read the build requirements of {pkg.name} {pkg.version}: {exc.message}",
            hint="run without --offline once (the sdist is downloaded and cached), or give "
            "recorded build info with --seed DIR",
        ) from exc
    return info.build or BuildInfo(LEGACY_REQUIRES, LEGACY_BACKEND, legacy=True)


def build_requirements(pkg: LockedPackage, ctx: LockContext) -> tuple[str, ...] | None:
    """The sdist's build requirements (static, then the backend's), or None when ``pkg`` is
    not built from one."""
    build = source_build(pkg, ctx)
    return None if build is None else build.all_requires


def _tools(name: str, build: BuildInfo, ctx: LockContext) -> tuple[LockedBuildTool, ...]:
    facts = ctx.fedora_build_requires(name) if ctx.fedora_build_requires else None
    return build_tools(
        build,
        recipe=ctx.recipe.package_settings(name).build_requires,
        fedora=facts,
        fedora_label=f"Fedora's spec ({ctx.target.name})",
    )


def _fall_back(
    unbuildable: dict[str, list[str]],
    packages: dict[str, LockedPackage],
    edges: set[Edge],
    ctx: LockContext,
    section: BuildSection,
) -> set[Edge]:
    """Repackage the pure wheel of each sdist whose build requirements no index has; a
    LockError for a distribution without one.  Returns ``edges`` without their build edges."""
    tops = list(ctx.recipe.normalized_requires)
    for name, missing in sorted(unbuildable.items()):
        pkg = packages[name]
        wheel = pure_wheel(pkg)
        what = ", ".join(sorted(set(missing)))
        if wheel is None:
            path = " -> ".join(dependency_path(edges, tops, name))
            raise LockError(
                f"{name} {pkg.version} cannot be built: its build requirement {what} is on no "
                f"index, and {name} has no pure-Python wheel to use instead (needed as {path})",
                hint=f"if the build does not really need it, list it in [packages.{name}] "
                f"ignore-build-requires; or point [packages.{name}] url at an sdist that builds",
            )
        try:
            inspect_source(
                wheel, dist=pkg.name, version=pkg.version, store=ctx.store, fetch=ctx.fetch
            )
        except SourceError as exc:
            raise LockError(
                f"cannot read the wheel of {name} {pkg.version}: {exc.message}",
                hint="run without --offline once, or give recorded build info with --seed DIR",
            ) from exc
        packages[name] = pkg.model_copy(
            update={
                "sources": tuple(s for s in pkg.sources if s.kind == "wheel"),
                "build_requires": (),
                "build_tools": (),
            }
        )
        edges = {e for e in edges if not (e[0] == name and e[3] == "build")}
        section.fallbacks.append(name)
        section.warnings.append(
            f"{name}: its sdist cannot be built (build requirement {what} is on no index); "
            f"repackaging its pure-Python wheel {wheel.filename or wheel.url} instead"
        )
    return edges


def add_build_section(
    target: LockedTarget, ctx: LockContext, *, base: BaseRepos | None = None
) -> tuple[LockedTarget, BuildSection]:
    """``target`` with ``build-requires``, build edges and build-only bundles filled in.

    ``base`` answers what Fedora provides (default: the context loads it); each round's
    reconciliation gets a fresh pool from :meth:`LockContext.load_base`.
    """
    env = environment(target.python, ctx.target.arch)
    section = BuildSection()
    packages: dict[str, LockedPackage] = {p.name: p for p in target.package}
    edges: set[Edge] = {(e.source, e.target, e.requirement, e.kind) for e in target.edge}
    fedora = FedoraBase(base or ctx.load_base(), target.python)
    pending = [p.name for p in target.package if p.origin == "bundle"]
    for round_no in range(1, MAX_ROUNDS + 1):
        if not pending:
            break
        section.rounds = round_no
        classified: dict[str, Classified] = {}
        for name in sorted(pending):
            build = source_build(packages[name], ctx)
            if build is None:
                continue
            if build.dynamic is None and build.dynamic_error and ctx.ask_backend is not None:
                section.warnings.append(
                    f"{name}: its build backend could not be asked for its build requirements "
                    f"({build.dynamic_error}); the lock has its [build-system] requires only"
                )
            c = classify(
                name,
                build.all_requires,
                packages=packages,
                environment=env,
                ignore=ctx.recipe.package_settings(name).ignore_build_requires,
                fedora_satisfies=fedora.satisfies,
            )
            classified[name] = c
            for req in c.too_old:
                section.too_old.setdefault(canonicalize_name(req.name), []).append((name, req))
            section.warnings += c.warnings
            section.fedora |= c.fedora
            edges |= c.edges
            packages[name] = packages[name].model_copy(
                update={"build_requires": c.build_requires, "build_tools": _tools(name, build, ctx)}
            )
        needs, requirers = group_needs(classified)
        if not needs:
            break
        relaxed = resolve_relaxed(needs, requirers, ctx.resolve)
        unbuildable: dict[str, list[str]] = {}
        for dep in sorted(relaxed.dropped):
            for n in requirers[dep]:
                unbuildable.setdefault(n, []).append(dep)
        if unbuildable:
            # repackaged from their wheels (or refused): what only they needed is not built
            edges = _fall_back(unbuildable, packages, edges, ctx, section)
            for n in unbuildable:
                classified.pop(n, None)
            needs, requirers = group_needs(classified)
            if not needs:
                break
            relaxed = resolve_relaxed(needs, requirers, ctx.resolve)
        section.warnings += relaxed.warnings
        for n in sorted({n for dep in relaxed.relaxed for n in requirers[dep]}):
            mine = {dep for dep in relaxed.relaxed if n in requirers[dep]}
            packages[n] = packages[n].model_copy(
                update={"build_requires": relaxed.applied(packages[n].build_requires, mine)}
            )
        fresh = ctx.load_base()
        result = reconcile(
            fresh.pool,
            [r.repo for r in fresh.repos],
            relaxed.closure,
            stream=ctx.recipe.stream.name,
            policy=Policy(prefer=ctx.policy.prefer, bundle=ctx.policy.bundle),
            target_label=target.name,
        )
        live_needs = {d: r for d, r in needs.items() if d not in relaxed.dropped}
        merged = merge_build_closure(result, packages, needs=live_needs, requirers=requirers)
        section.warnings += merged.warnings
        section.build_only += merged.added
        edges |= merged.edges
        pending = merged.added
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
