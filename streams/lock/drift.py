"""Drift: how far a lock has fallen behind its base and its index (``streams outdated``).

A lock is true on the day it is written.  Afterwards Fedora updates the packages the stream
reuses and upstream releases new versions of the ones it bundles.  For every locked target
(and variant) this module compares the lock with the *current* base (the embedded snapshot, the
live repositories or ``--repo``) and the *current* index, and reports five kinds of drift:

``base-moved``
    A reused package's newest base version changed and every requirement on it in the
    stream still holds: a base update the stream takes as it is.
``base-broken``
    A reused package's newest base version is outside a requirement of the stream, or the base
    no longer provides it, or libsolv cannot install the locked decisions on the current base
    (its problem rules are the detail): the stream breaks on the current base.
``reusable``
    A package the stream bundles that the current base now provides compatibly: reconciling the
    locked closure against the current base reuses it (relock to drop the bundle).
``upstream``
    A newer release of a bundled package on the index (``patch``, ``minor`` or ``major``,
    compared on the release segments), with whether it is inside the stream's requirements
    (``streams lock --update NAME`` moves it) or outside them.
``yanked``
    The locked release of a bundled package, or the very file the lock builds from, is yanked
    on the index (PEP 592).

The base checks run only when the base changed since the lock: the lock records each base
repository's repomd.xml checksum, and a base whose checksums all match is the one the lock was
solved against.  When it changed, libsolv answers: the locked closure is reconciled against the
current base once with every decision forced as locked (problems: ``base-broken``) and once
under the recipe's own policy (bundles it now reuses: ``reusable``), the reconciler the lock
itself uses (:func:`streams.solver.reconcile.reconcile`).
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import InvalidVersion, Version

from streams.errors import ResolutionError, ServiceError, StreamsError
from streams.lock.context import LockOptions, policy_of
from streams.lock.model import Lock, LockedPackage, LockedTarget
from streams.lock.pipeline import PROMOTED
from streams.recipe import Recipe
from streams.solver.index import IndexClient
from streams.solver.model import Pin, UpstreamClosure
from streams.solver.reconcile import Policy, Reconciliation, base_versions, reconcile
from streams.solver.repos import (
    BaseChoice,
    BaseRepos,
    RepoSpec,
    make_spec,
    snapshot_dir,
    target_specs,
)
from streams.solver.versions import exact_pins, series_range
from streams.targets import get_target

__all__ = [
    "EXIT_BROKEN",
    "EXIT_UPDATES",
    "DriftItem",
    "DriftKind",
    "DriftReport",
    "TargetDrift",
    "find_drift",
    "locked_base_specs",
]

log = logging.getLogger(__name__)

DriftKind = Literal["base-moved", "base-broken", "reusable", "upstream", "yanked"]
KINDS: tuple[DriftKind, ...] = ("base-broken", "base-moved", "reusable", "yanked", "upstream")
"""Report order: what breaks first, then what the base changed, then the index."""

EXIT_UPDATES = 1
"""``streams outdated``: drift found, the lock still installs (updates are available)."""
EXIT_BROKEN = 3
"""``streams outdated``: the lock no longer installs on the current base."""


@dataclass(frozen=True, slots=True)
class DriftItem:
    """One difference between the lock and today's base or index."""

    target: str
    variant: str
    kind: DriftKind
    name: str
    locked: str
    """The version the lock has (``""`` when it has none)."""
    current: str = ""
    """The version the base or the index has now (``""``: none)."""
    level: str = ""
    """``patch``, ``minor`` or ``major`` for ``upstream``; ``""`` otherwise."""
    detail: str = ""
    """One sentence: why it matters, what to do."""
    inside: bool | None = None
    """``upstream``: whether the newer release meets every requirement on it in the stream
    (``streams lock --update NAME`` can take it); None for the other kinds."""

    def as_dict(self) -> dict[str, str | bool | None]:
        return {
            "target": self.target,
            "variant": self.variant,
            "kind": self.kind,
            "name": self.name,
            "locked": self.locked,
            "current": self.current,
            "level": self.level,
            "detail": self.detail,
            "inside": self.inside,
        }


@dataclass(frozen=True, slots=True)
class TargetDrift:
    """The drift of one locked target (of one variant)."""

    target: str
    variant: str
    base_changed: bool
    """Whether any base repository differs from the one the lock was solved against."""
    base: tuple[str, ...]
    """``NAME CHECKSUM-PREFIX`` of each current base repository."""
    items: tuple[DriftItem, ...]
    notes: tuple[str, ...] = ()
    """What could not be checked (an index that does not list a project, ...)."""

    @property
    def broken(self) -> bool:
        return any(i.kind == "base-broken" for i in self.items)

    def as_dict(self) -> dict[str, object]:
        return {
            "target": self.target,
            "variant": self.variant,
            "base_changed": self.base_changed,
            "base": list(self.base),
            "broken": self.broken,
            "items": [i.as_dict() for i in self.items],
            "notes": list(self.notes),
        }


@dataclass(frozen=True, slots=True)
class DriftReport:
    """Everything ``streams outdated`` found, per target."""

    targets: tuple[TargetDrift, ...] = field(default=())

    @property
    def items(self) -> tuple[DriftItem, ...]:
        return tuple(i for t in self.targets for i in t.items)

    @property
    def exit_code(self) -> int:
        """0: nothing; 1: updates available; 3: the lock no longer installs."""
        if any(t.broken for t in self.targets):
            return EXIT_BROKEN
        return EXIT_UPDATES if self.items else 0

    def for_target(self, target: str, variant: str = "") -> tuple[DriftItem, ...]:
        return tuple(i for i in self.items if i.target == target and i.variant == variant)

    def as_dict(self) -> dict[str, object]:
        counts = {k: sum(1 for i in self.items if i.kind == k) for k in KINDS}
        return {
            "schema_version": 1,
            "exit_code": self.exit_code,
            "counts": counts,
            "targets": [t.as_dict() for t in self.targets],
        }


def find_drift(
    recipe: Recipe,
    lock: Lock,
    *,
    options: LockOptions | None = None,
    targets: Sequence[str] = (),
    variants: Sequence[str] = (),
    check_index: bool = True,
    check_base: bool = True,
    locked_repos: bool = False,
    client: IndexClient | None = None,
    variant_index_urls: Mapping[str, str] | None = None,
) -> DriftReport:
    """Compare every locked target of ``lock`` (those named in ``targets``/``variants``, else
    all) with the current base (``options``: snapshot, live or ``--repo``) and index.

    ``locked_repos``: read the base repositories the lock itself names instead, when they are
    local (the embedded snapshot, ``--repo`` directories): what ``streams build`` checks before
    it builds.  A target whose repositories are remote is then not checked (a note says so).
    ``variant_index_urls``: the index of one variant (``--index-url VARIANT=URL``), before
    ``options.index_url`` and the variant's ``[index]``."""
    options = options or LockOptions()
    chosen = [
        t
        for t in lock.target
        if (not targets or t.name in targets) and (not variants or t.variant in variants)
    ]
    clients: dict[str, IndexClient] = {}
    out: list[TargetDrift] = []
    for t in chosen:
        rec = recipe.variant(t.variant) if t.variant else recipe
        index = client
        if check_index and index is None:
            url = (variant_index_urls or {}).get(t.variant) or options.index_url or rec.index.url
            index = clients.get(url)
            if index is None:
                index = clients[url] = IndexClient(url, offline=options.offline)
        specs: list[RepoSpec] | None = None
        if check_base:
            specs = locked_base_specs(t) if locked_repos else _option_specs(t, options)
        drift = _target_drift(rec, t, options, index if check_index else None, specs)
        if check_base and specs is None:
            drift = replace(
                drift,
                notes=(
                    *drift.notes,
                    "the lock's base repositories are remote: "
                    "`streams outdated --base live` checks them",
                ),
            )
        out.append(drift)
    return DriftReport(tuple(out))


def _option_specs(t: LockedTarget, options: LockOptions) -> list[RepoSpec]:
    base: BaseChoice = "live" if options.base == "live" else "snapshot"
    return target_specs(get_target(t.name), base=base, repos=options.repos)


def locked_base_specs(t: LockedTarget) -> list[RepoSpec] | None:
    """The base repositories the lock of ``t`` was solved against, when all are local: the
    embedded snapshot (``streams:data/fedora/NAME``) or directories; None otherwise."""
    if t.name == "host":
        return None  # the host base describes this machine; `streams lock` rewrites it
    specs: list[RepoSpec] = []
    for r in t.repo:
        if r.url.startswith(_SNAPSHOT_PREFIX):
            try:
                where = str(snapshot_dir(r.url.removeprefix(_SNAPSHOT_PREFIX)))
            except StreamsError:
                return None
            spec = make_spec(r.name, where)
        else:
            spec = make_spec(r.name, r.url)
        if spec.kind not in ("dir", "file") or not spec.local_path().exists():
            return None
        specs.append(spec)
    return specs or None


_SNAPSHOT_PREFIX = "streams:data/fedora/"
"""How the lock names the embedded snapshot (``streams.lock.pipeline._display_url``)."""


def _target_drift(
    recipe: Recipe,
    t: LockedTarget,
    options: LockOptions,
    client: IndexClient | None,
    specs: list[RepoSpec] | None,
) -> TargetDrift:
    items: list[DriftItem] = []
    notes: list[str] = []
    changed = False
    shown: tuple[str, ...] = ()
    shipped = _Shipped.of(t, recipe)
    if specs is not None:
        target = get_target(t.name)

        def load() -> BaseRepos:
            return BaseRepos.load(specs, arch=target.arch, offline=options.offline)

        base = load()
        shown = tuple(f"{r.name} {r.checksum.removeprefix('sha256:')[:12]}" for r in base.repos)
        locked_sums = {(r.name, r.checksum) for r in t.repo}
        changed = {(r.name, r.checksum) for r in base.repos} != locked_sums
        if changed:
            items += _base_items(recipe, t, shipped, base, load)
    if client is not None:
        found, missed = _index_items(t, shipped.asks, client)
        items += found
        notes += missed
    items.sort(key=lambda i: (KINDS.index(i.kind), i.name))
    return TargetDrift(t.name, t.variant, changed, shown, tuple(items), tuple(notes))


# -- the base ------------------------------------------------------------------------------


def _reused(t: LockedTarget) -> frozenset[NormalizedName]:
    return frozenset(
        canonicalize_name(p.name) for p in t.package if p.origin == "fedora" and not p.build_only
    )


def as_shipped(req: Requirement, reused: frozenset[NormalizedName]) -> Requirement:
    """``req`` as the stream's specs require it: on a reused distribution, every exact pin
    widened to its release series (the coupling rule, :func:`series_range`), so a Fedora update
    inside the series is inside the stream's range, as it is for rpm."""
    if canonicalize_name(req.name) not in reused or not exact_pins(req.specifier):
        return req
    wide = copy.copy(req)
    wide.specifier = series_range(req.specifier)
    return wide


Asks = dict[NormalizedName, list[tuple[str, Requirement]]]
"""Who requires each distribution, and how: ``name -> [(requirer, requirement)]``."""


@dataclass(frozen=True, slots=True)
class _Shipped:
    """The locked runtime view's requirements, parsed once, as the specs require them
    (:func:`as_shipped`): per distribution, the recipe's ``[requires]``, and who asks what."""

    requires: dict[str, tuple[Requirement, ...]]
    top: tuple[Requirement, ...]
    asks: Asks

    @classmethod
    def of(cls, t: LockedTarget, recipe: Recipe) -> _Shipped:
        reused = _reused(t)
        requires: dict[str, tuple[Requirement, ...]] = {}
        asks: Asks = {}
        for p in t.package:
            if p.build_only:
                continue
            reqs = []
            for text in p.requires:
                try:
                    req = as_shipped(Requirement(text), reused)
                except InvalidRequirement:
                    continue
                reqs.append(req)
                asks.setdefault(canonicalize_name(req.name), []).append((p.name, req))
            requires[p.name] = tuple(reqs)
        top = tuple(as_shipped(r, reused) for r in recipe.normalized_requires.values())
        for req in top:
            asks.setdefault(canonicalize_name(req.name), []).append(("the recipe", req))
        return cls(requires, top, asks)


def _excluded_by(version: Version, asks: Iterable[tuple[str, Requirement]]) -> list[str]:
    return [
        f"{who} requires {req}"
        for who, req in asks
        if req.specifier and not req.specifier.contains(version, prereleases=True)
    ]


def _closure_of(t: LockedTarget, shipped: _Shipped) -> UpstreamClosure:
    """The locked runtime view as the reconciler takes a closure: one pin per distribution at
    its locked version with its locked requirements, as the specs require them."""
    pins = [
        Pin(
            name=canonicalize_name(p.name),
            version=Version(p.version),
            requires=shipped.requires[p.name],
            extras=frozenset(p.extras),
        )
        for p in t.package
        if not p.build_only
    ]
    return UpstreamClosure(
        target=t.name,
        python=t.python,
        top=shipped.top,
        pins=tuple(pins),
    )


def _base_items(
    recipe: Recipe,
    t: LockedTarget,
    shipped: _Shipped,
    base: BaseRepos,
    load: Callable[[], BaseRepos],
) -> list[DriftItem]:
    """The base's drift: reused packages that moved (in range or not) and, through libsolv,
    whether the locked decisions still install and which bundles the base now covers."""
    runtime = [p for p in t.package if not p.build_only]
    now = base_versions(
        base.pool, [r.repo for r in base.repos], t.python, [p.name for p in runtime]
    )
    asks = shipped.asks
    items: list[DriftItem] = []
    for p in runtime:
        if p.origin != "fedora":
            continue
        name = canonicalize_name(p.name)
        have = now.get(name)
        if have is None:
            items.append(
                _item(
                    t,
                    "base-broken",
                    p,
                    "",
                    f"the base no longer provides python{t.python}dist({name})",
                )
            )
            continue
        if _same(p.version, have):
            continue
        excluded = _excluded_by(have, asks.get(name, ()))
        if excluded:
            detail = f"the base's {name} {have} is outside the stream's range: " + "; ".join(
                excluded
            )
            items.append(_item(t, "base-broken", p, str(have), detail))
        else:
            detail = f"inside every requirement on it ({_ranges(asks.get(name, ()))})"
            items.append(_item(t, "base-moved", p, str(have), detail))
    closure = _closure_of(t, shipped)
    policy = policy_of(recipe)
    bundled = frozenset(canonicalize_name(p.name) for p in runtime if p.origin == "bundle")
    reused = frozenset(canonicalize_name(p.name) for p in runtime if p.origin == "fedora")
    forced = Policy(
        prefer=policy.prefer, bundle=bundled, fedora=reused, abi_coupled=policy.abi_coupled
    )
    stream = _stream(recipe, t)
    try:
        _reconcile(base, closure, stream, forced, t)
    except ResolutionError as exc:
        if not any(i.kind == "base-broken" for i in items):
            causes = "; ".join(c.message for c in exc.causes[:3]) or exc.message
            items.append(
                DriftItem(
                    t.name,
                    t.variant,
                    "base-broken",
                    stream,
                    "",
                    detail="libsolv cannot install the locked decisions on the current base: "
                    + causes,
                )
            )
        return items
    # Bundled for a build's sake (the base's copy was too old to build with) stays bundled:
    # the runtime view alone would turn it back into reuse.
    promoted = frozenset(
        canonicalize_name(p.name) for p in runtime if p.origin == "bundle" and PROMOTED in p.reason
    )
    free = Policy(
        prefer=policy.prefer,
        bundle=policy.bundle | promoted,
        fedora=policy.fedora,
        abi_coupled=policy.abi_coupled,
    )
    try:
        # reconcile adds its candidates to the pool: a second run needs a fresh one
        result = _reconcile(load(), closure, stream, free, t)
    except ResolutionError:
        return items
    by_name = {canonicalize_name(p.name): p for p in runtime}
    for d in result.decisions:
        was = by_name.get(d.name)
        if was is None or was.origin != "bundle" or d.origin != "fedora":
            continue
        detail = f"the base's {d.rpm} {d.evr} fits the stream now: relock to reuse it"
        items.append(_item(t, "reusable", was, d.version, detail))
    return items


def _reconcile(
    base: BaseRepos, closure: UpstreamClosure, stream: str, policy: Policy, t: LockedTarget
) -> Reconciliation:
    return reconcile(
        base.pool,
        [r.repo for r in base.repos],
        closure,
        stream=stream,
        policy=policy,
        target_label=f"{t.name} (current base)",
    )


def _stream(recipe: Recipe, t: LockedTarget) -> str:
    return t.stream or recipe.name


def _same(locked: str, now: Version) -> bool:
    try:
        return Version(locked) == now
    except InvalidVersion:
        return False


def _ranges(asks: Iterable[tuple[str, Requirement]]) -> str:
    shown = sorted({f"{who}: {req.specifier}" for who, req in asks if req.specifier})
    return "; ".join(shown) or "no version bounds"


def _item(
    t: LockedTarget,
    kind: DriftKind,
    p: LockedPackage,
    current: str,
    detail: str,
    level: str = "",
    inside: bool | None = None,
) -> DriftItem:
    return DriftItem(t.name, t.variant, kind, p.name, p.version, current, level, detail, inside)


# -- the index -----------------------------------------------------------------------------


def level_of(old: Version, new: Version) -> str:
    """``major``, ``minor`` or ``patch``: the first release segment that differs (an epoch
    change counts as major; a change after the third segment or in the post/dev parts, as
    patch)."""
    if old.epoch != new.epoch or old.major != new.major:
        return "major"
    if old.minor != new.minor:
        return "minor"
    return "patch"


def _python_ok(requires_python: str | None, python: str) -> bool:
    if not requires_python:
        return True
    try:
        return SpecifierSet(requires_python).contains(Version(f"{python}.0"), prereleases=True)
    except (InvalidSpecifier, InvalidVersion):
        return True


def _index_items(
    t: LockedTarget, asks: Asks, client: IndexClient
) -> tuple[list[DriftItem], list[str]]:
    """Newer upstream releases and yanked locked releases of the bundled packages."""
    items: list[DriftItem] = []
    notes: list[str] = []
    for p in t.package:
        if p.origin != "bundle" or p.build_only:
            continue
        try:
            project = client.project(p.name)
        except ServiceError as exc:
            notes.append(f"{p.name}: {exc.message}")
            continue
        try:
            locked = Version(p.version)
        except InvalidVersion:
            continue
        releases = project.releases()
        files = {f.filename: f for f in project.files}
        mine = releases.get(locked, ())
        yanked_files = [
            files[s.filename] for s in p.sources if s.filename in files and files[s.filename].yanked
        ]
        if mine and all(f.yanked for f in mine):
            reason = next((f.yanked_reason for f in mine if f.yanked_reason), "")
            detail = f"{p.name} {locked} is yanked on the index" + (f": {reason}" if reason else "")
            items.append(_item(t, "yanked", p, "", detail + "; relock to move off it"))
        elif yanked_files:
            names = ", ".join(f.filename for f in yanked_files)
            items.append(_item(t, "yanked", p, "", f"the locked file {names} is yanked"))
        newer = [
            v
            for v, fs in releases.items()
            if v > locked
            and (locked.is_prerelease or not v.is_prerelease)
            and any(not f.yanked and _python_ok(f.requires_python, t.python) for f in fs)
        ]
        if not newer:
            continue
        newest = max(newer)
        outside = _excluded_by(newest, asks.get(canonicalize_name(p.name), ()))
        if outside:
            detail = "outside the stream's requirements: " + "; ".join(outside)
        else:
            detail = f"inside the stream's requirements: `streams lock --update {p.name}`"
        level = level_of(locked, newest)
        items.append(_item(t, "upstream", p, str(newest), detail, level, inside=not outside))
    return items, notes
