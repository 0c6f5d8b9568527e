"""``streams lock``: recipe + target → upstream closure → reconciliation → lock.

This module wires the stages together for one recipe: the upstream closure and the base come
through the target's :class:`~streams.lock.context.LockContext` (``solver/upstream/``,
``solver/repos/``), reconciliation is :func:`streams.solver.reconcile.reconcile`, and the build
section is :mod:`streams.lock.build_section`.  It does no printing: progress goes through a
:class:`LockReporter` whose methods do nothing by default.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from importlib import resources
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import InvalidVersion, Version

from streams.errors import LockError
from streams.lock.basefirst import base_first, resolve_base_first
from streams.lock.build_section import BuildSection, add_build_section
from streams.lock.context import LockContext, LockOptions
from streams.lock.io import lock_path, read_lock, write_lock
from streams.lock.licensing import add_licenses, check_policy, license_summary
from streams.lock.model import (
    FEDORA_COPR,
    Lock,
    LockedPackage,
    LockedPolicy,
    LockedRepo,
    LockedSource,
    LockedTarget,
)
from streams.lock.records import locked_edges, locked_package
from streams.lock.revisions import lock_date, resolve_packager, stamp_lock, stamp_target
from streams.lock.update import Update, check_update, preferences_for
from streams.lock.vendoring import add_vendored_crates
from streams.recipe import Recipe
from streams.solver.index import IndexClient
from streams.solver.model import Decision, UpstreamClosure
from streams.solver.pydeps import applicable_requirements, without_marker
from streams.solver.reconcile import Policy, Reconciliation, reconcile
from streams.solver.repos import BaseRepos
from streams.targets import Target, get_target

__all__ = [
    "PROMOTED",
    "LockContext",
    "LockOptions",
    "LockReporter",
    "lock_recipe",
    "lock_target",
    "recipe_variants",
]

log = logging.getLogger(__name__)


class LockReporter:
    """Progress hooks; the CLI shows them on a TTY.  Every method is optional."""

    def stage(self, target: str, what: str) -> None:
        """A stage of locking ``target`` started ("loading base repos", ...)."""

    def done(self, target: str, locked: LockedTarget) -> None:
        """``target`` is locked."""


def recipe_targets(recipe: Recipe, requested: Sequence[str]) -> list[Target]:
    """The targets to work on: the requested ones (``host`` allowed), else the recipe's."""
    names = list(requested) or list(recipe.stream.targets)
    return [get_target(n) for n in names]


def lock_target(ctx: LockContext, reporter: LockReporter | None = None) -> LockedTarget:
    """Resolve and reconcile ``ctx.recipe`` for ``ctx.target``."""
    recipe, target, options = ctx.recipe, ctx.target, ctx.options
    rep = reporter or LockReporter()
    label = f"{target.name} ({recipe.variant_name})" if recipe.variant_name else target.name
    requirements = list(recipe.normalized_requires.values())
    constraints = recipe.constraints
    notes: list[str] = []
    if ctx.policy.fedora:
        # Base-first: the base is needed before uv runs, to pin policy.fedora to its versions.
        rep.stage(label, "loading base (base-first resolution)")
        base = ctx.load_base()
        plan = base_first(ctx, base)
        rep.stage(label, f"resolving upstream for Python {ctx.python} with {plan.describe()}")
        closure, notes = resolve_base_first(ctx, requirements, constraints, plan)
    else:
        # The base repositories load in a worker thread while uv resolves upstream in its own
        # process: the two are independent, and the main thread mostly waits for uv.
        rep.stage(label, f"resolving upstream for Python {ctx.python}; loading base")
        with ThreadPoolExecutor(1, thread_name_prefix="base-load") as pool:
            base_future = pool.submit(ctx.load_base)
            closure = ctx.resolve_with(requirements, constraints)
            base = base_future.result()
    rep.stage(label, f"reconciling {len(closure.pins)} distributions with Fedora")
    locked = _runtime_view(ctx, closure, base, ctx.policy, {})
    if notes:
        locked = locked.model_copy(update={"warnings": (*notes, *locked.warnings)})
    if options.build_section and locked.bundled():
        rep.stage(label, "reading the build requirements of bundled sdists")
        # The runtime reconciliation only added its candidates to ``base``: its base repos
        # answer "does Fedora provide X?" as before, so the build section asks them too.
        locked, section = add_build_section(locked, ctx, base=base)
        promoted = _promotions(section, closure, ctx.policy)
        if promoted:
            # A reused copy too old for a bundled build: bundle the upstream pin instead (it
            # satisfies the runtime view's requirements too, uv chose it), then redo the view
            # and the build section with a fresh pool (the reconciler added candidates to it).
            rep.stage(label, f"bundling {', '.join(sorted(promoted))} for the builds")
            policy = replace(ctx.policy, bundle=ctx.policy.bundle | frozenset(promoted))
            fresh = ctx.load_base()
            locked = _runtime_view(ctx, closure, fresh, policy, promoted)
            locked, _section = add_build_section(locked, ctx, base=fresh)
        rep.stage(label, "vendoring the Rust crates of bundled sdists")
        locked = add_vendored_crates(locked, ctx)
        rep.stage(label, "reviewing the licenses of bundled packages")
        locked = add_licenses(locked, ctx)
        notes = license_summary(locked)
        if notes:
            locked = locked.model_copy(update={"warnings": (*locked.warnings, *notes)})
        check_policy(locked, ctx)
    rep.done(label, locked)
    return locked


def _runtime_view(
    ctx: LockContext,
    closure: UpstreamClosure,
    base: BaseRepos,
    policy: Policy,
    promoted: Mapping[NormalizedName, str],
) -> LockedTarget:
    """The runtime view of ``closure`` reconciled with ``base`` under ``policy``, as a lock
    target; ``promoted`` distributions are bundled because builds need them newer (why)."""
    target, options, recipe = ctx.target, ctx.options, ctx.recipe
    label = target.name if not options.repos else f"{target.name} (--repo)"
    result = reconcile(
        base.pool,
        [r.repo for r in base.repos],
        closure,
        stream=recipe.stream.name,
        policy=policy,
        target_label=label,
    )
    if promoted:
        result = replace(
            result,
            decisions=tuple(
                replace(d, reason=f"bundled: {promoted[d.name]}")
                if d.name in promoted and d.origin == "bundle"
                else d
                for d in result.decisions
            ),
        )
    if ctx.client is not None:
        fedora_requires, notes = _fedora_requirements(
            ctx.client, closure, result, target.arch, exclude=recipe.excluded
        )
        result = Reconciliation(
            tuple(
                d if d.name not in fedora_requires else replace(d, requires=fedora_requires[d.name])
                for d in result.decisions
            ),
            result.edges,
            result.warnings + tuple(notes),
            result.solves,
            result.system_packages,
        )
    return to_locked_target(
        target,
        interp_version=ctx.interpreter.version,
        interp_rpm=ctx.interpreter.rpm_name,
        interp_main=ctx.interpreter.main,
        base=options.base if not options.repos else "repos",
        repos=[
            LockedRepo(
                name=r.name, url=_display_url(r.url), revision=r.revision, checksum=r.checksum
            )
            for r in base.repos
        ],
        result=result,
        recipe=recipe,
    )


PROMOTED = "the base's copy is too old to build with"
"""How the reason of a reused distribution bundled for a build's sake begins (after
``bundled: ``); :mod:`streams.lock.drift` keeps those bundled."""


def _promotions(
    section: BuildSection, closure: UpstreamClosure, policy: Policy
) -> dict[NormalizedName, str]:
    """Reused distributions to bundle instead, because a bundled sdist's build needs a newer
    version than the base's and the upstream pin satisfies every such build requirement.

    Not for ``abi-coupled`` ones (a build must use the very copy the stream imports) nor for
    those the recipe pins to Fedora; those keep the relaxation and its warning.
    """
    pins = closure.by_name()
    out: dict[NormalizedName, str] = {}
    for name, asks in sorted(section.too_old.items()):
        dist = canonicalize_name(name)
        pin = pins.get(dist)
        if pin is None or dist in policy.abi_coupled or dist in policy.fedora:
            continue
        if all(req.specifier.contains(pin.version, prereleases=True) for _, req in asks):
            needs = sorted({f"{who} builds with {req}" for who, req in asks})
            out[dist] = f"{PROMOTED} ({'; '.join(needs)})"
    return out


def _plain(req: Requirement) -> str:
    return str(without_marker(req))


def _fedora_requirements(
    client: IndexClient,
    closure: UpstreamClosure,
    result: Reconciliation,
    arch: str,
    *,
    exclude: frozenset[NormalizedName] = frozenset(),
) -> tuple[dict[str, tuple[str, ...]], list[str]]:
    """The upstream ``Requires-Dist`` of the versions Fedora supplies, markers evaluated.

    A reused package imports Fedora's version, so the lock records *that* version's
    requirements (from the index's core metadata), not the upstream pin's: the consistency of
    the runtime view is judged on what is actually imported.  Fedora's own RPM requirements
    (what the solver used) may be looser where Fedora patched pins; a version the index does
    not have is reported as a warning and recorded without requirements.
    """
    pins = closure.by_name()
    wanted: list[tuple[str, str]] = []
    for d in result.decisions:
        pin = pins.get(d.name)
        if d.origin != "fedora":
            continue
        try:
            same = pin is not None and Version(d.version) == pin.version
        except InvalidVersion:
            same = False
        if same and pin is not None:
            continue
        wanted.append((d.name, d.version))
    out: dict[str, tuple[str, ...]] = {}
    notes: list[str] = []
    if not wanted:
        return out, notes
    found = client.metadata_many(wanted)
    for name, version in wanted:
        meta = found.get((name, version))
        pin = pins.get(canonicalize_name(name))
        if meta is None or isinstance(meta, Exception):
            out[name] = ()
            notes.append(
                f"no index metadata for Fedora's {name} {version}: its requirements are not in "
                "the lock (the solver used Fedora's own RPM requirements)"
            )
            continue
        reqs = applicable_requirements(meta.requires_dist, python=closure.python, arch=arch)
        if pin is not None and pin.extras:
            reqs += applicable_requirements(
                meta.requires_dist,
                python=closure.python,
                arch=arch,
                extras=pin.extras,
            )
        out[name] = tuple(
            sorted({_plain(r) for r in reqs if canonicalize_name(r.name) not in exclude})
        )
    return out, notes


def _display_url(url: str) -> str:
    """A repo URL for the lock: the embedded snapshot by name, so locks do not depend on
    where streams is installed."""
    snap_root = Path(str(resources.files("streams.data").joinpath("fedora")))
    path = Path(url.removeprefix("file://"))
    try:
        rel = path.resolve().relative_to(snap_root.resolve())
    except (ValueError, OSError):
        return url
    return f"streams:data/fedora/{rel}"


def _locked_package(d: Decision, recipe: Recipe) -> LockedPackage:
    """A decision's record; a bundle whose recipe names a source URL is built from that."""
    wanted = recipe.package_settings(d.name)
    if d.origin != "bundle" or not wanted.url:
        return locked_package(d)
    source = LockedSource(
        kind="sdist",
        url=wanted.url,
        sha256=wanted.sha256 or "",
        filename=wanted.url.rsplit("/", 1)[-1],
    )
    return locked_package(d, sources=(source,))


def to_locked_target(
    target: Target,
    *,
    interp_version: str,
    interp_rpm: str,
    interp_main: bool,
    base: str,
    repos: Sequence[LockedRepo],
    result: Reconciliation,
    recipe: Recipe,
) -> LockedTarget:
    """The lock's record of one reconciled target."""
    return LockedTarget(
        name=target.name,
        python=interp_version,
        interpreter=interp_rpm,
        interpreter_main=interp_main,
        base=base,
        system=result.system_packages,
        warnings=result.warnings,
        repo=tuple(repos),
        package=tuple(_locked_package(d, recipe) for d in result.decisions),
        edge=locked_edges(result),
    )


def recipe_variants(recipe: Recipe, requested: Sequence[str]) -> list[Recipe]:
    """The recipes to lock: each requested variant's (default: all of them), or the recipe
    itself when it has no variants (:meth:`Recipe.variant` refuses unknown names)."""
    if not recipe.variants and not requested:
        return [recipe]
    return [recipe.variant(n) for n in (list(requested) or list(recipe.variants))]


def _locked_policy(recipe: Recipe) -> LockedPolicy:
    return LockedPolicy(licenses=recipe.policy.licenses, binaries=recipe.policy.binaries)


def _variant_fields(recipe: Recipe) -> dict[str, object]:
    if not recipe.variant_name:
        return {}
    return {
        "variant": recipe.variant_name,
        "stream": recipe.name,
        "destination": recipe.copr.instance or FEDORA_COPR,
        "policy": _locked_policy(recipe),
    }


def lock_recipe(
    recipe: Recipe,
    *,
    targets: Sequence[str] = (),
    variants: Sequence[str] = (),
    options: LockOptions | None = None,
    reporter: LockReporter | None = None,
    path: Path | None = None,
    update: Update | None = None,
) -> tuple[Lock, Path]:
    """Lock ``recipe`` for ``targets`` (default: all of its targets) and write the lock.

    Targets not asked for keep what an existing lock says about them, so ``--target`` can
    refresh one target at a time.  Each locked target's revisions (Release, changelog entry)
    and obsoletes are decided against the existing lock's (:mod:`streams.lock.revisions`).
    The write is atomic.

    A target the existing lock has is re-locked keeping its versions (uv's preferences,
    :mod:`streams.lock.update`): ``update`` says which distributions may move (default:
    none; uv still moves what a changed recipe or base requires).  A name the existing lock
    does not hold is a usage error.
    """
    options = options or LockOptions()
    if recipe.path is None:
        raise LockError("the recipe has no file path; cannot place its lock")
    out = path or lock_path(recipe.path)
    previous: Lock | None = None
    if out.exists():
        try:
            previous = read_lock(out)
        except LockError as exc:
            log.warning("ignoring the unreadable lock %s: %s", out, exc.message)
    update = update or Update()
    check_update(update, previous, out)
    lock = Lock(
        stream=recipe.name,
        recipe=recipe.path.name,
        recipe_sha256=recipe.sha256,
        destination=recipe.copr.instance or FEDORA_COPR,
        policy=_locked_policy(recipe),
    )
    chosen = recipe_variants(recipe, variants)
    earlier: dict[tuple[str, str], LockedTarget] = {}
    if previous is not None and previous.stream == recipe.name:
        earlier = {(t.name, t.variant): t for t in previous.target}
        keep = set(recipe.stream.targets) | {"host"}
        kinds = set(recipe.variants) or {""}
        for t in previous.target:
            if t.name in keep and t.variant in kinds:
                lock = lock.with_target(t)
    date, packager = lock_date(), resolve_packager(recipe)
    for rec in chosen:
        # a variant builds for its own targets: a --target it does not have is skipped
        wanted = [t for t in targets if t == "host" or t in rec.stream.targets]
        if targets and not wanted:
            continue
        for target in recipe_targets(rec, wanted):
            before = earlier.get((target.name, rec.variant_name))
            if before is None and rec.variant_name and rec.name == recipe.name:
                # the variant that keeps the stream's own name continues what the stream
                # shipped before it had variants: same packages, Releases go on from there
                before = earlier.get((target.name, ""))
            prefer = preferences_for(before, update)
            ctx = LockContext.for_target(rec, target, options, prefer)
            locked = lock_target(ctx, reporter)
            locked = locked.model_copy(update=_variant_fields(rec))
            locked = stamp_target(
                locked,
                before,
                rec,
                date=date,
                packager=packager,
            )
            lock = lock.with_target(locked)
    lock = stamp_lock(lock, packager=packager)
    write_lock(out, lock)
    return lock, out
