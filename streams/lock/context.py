"""What locking one target needs, passed once: its settings, the resolver and the base loader.

:class:`LockContext` is made per target by :meth:`LockContext.for_target`, which binds the
real resolver (uv, :func:`streams.solver.upstream.resolve`) and the real base loader
(libsolv, :meth:`streams.solver.repos.BaseRepos.load`) to the target's settings.  The lock
stages only ever call :meth:`LockContext.resolve` and :meth:`LockContext.load_base`, so tests
hand in a context whose resolver returns a recorded closure and whose base is a tiny repo:
the build section is then tested without uv.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from streams.recipe import Recipe
from streams.solver.index import IndexClient
from streams.solver.model import UpstreamClosure
from streams.solver.reconcile import Policy
from streams.solver.repos import BaseRepos, RepoSpec, target_specs
from streams.solver.upstream import Preferences
from streams.sources import (
    Asker,
    BackendAsker,
    BackendSettings,
    Fetcher,
    SourceInfoStore,
    cached_source,
)
from streams.targets import Interpreter, Target

Resolver = Callable[..., UpstreamClosure]
"""``resolve(requirements, constraints=())``: requirements in (and version constraints that
add no requirement, when there are any), the upstream closure for the context's target out
(raises :class:`~streams.errors.ResolutionError` when they cannot be resolved together)."""

FedoraBuildRequires = Callable[[str], Sequence[str] | None]
"""``lookup(dist)``: Fedora's compilers, tools and libraries for building ``dist``, or None."""

BaseLoader = Callable[[], BaseRepos]
"""A fresh libsolv pool holding the target's base repositories.  Fresh each call: a
reconciliation adds its candidates (and ``abi-coupled`` requirements) to the pool it is given."""


@dataclass(frozen=True, slots=True)
class LockOptions:
    """How to lock: which base, offline or not, extra index settings."""

    base: str = "snapshot"  # "snapshot" | "live"
    repos: tuple[RepoSpec, ...] = ()
    offline: bool = False
    index_url: str | None = None  # overrides the recipe's [index] url
    seeds: tuple[Path, ...] = ()  # read-only recorded source infos (build requirements)
    build_section: bool = True  # read sdists' build requirements into the lock


@dataclass(frozen=True, slots=True)
class LockPreferences:
    """What the previous lock of a target asks uv to keep (:mod:`streams.lock.update`).

    ``runtime`` for the closure's resolution, ``build`` for the build section's (only the
    build-only packages: a build resolution must not be steered to the runtime view's pins,
    which a first lock did not prefer either)."""

    runtime: Preferences = field(default_factory=Preferences)
    build: Preferences = field(default_factory=Preferences)


def policy_of(recipe: Recipe) -> Policy:
    """The recipe's ``[policy]`` as the reconciler takes it (names normalised)."""
    p = recipe.policy
    return Policy(
        prefer=p.prefer,
        bundle=frozenset(canonicalize_name(n) for n in p.bundle),
        fedora=frozenset(canonicalize_name(n) for n in p.fedora),
        abi_coupled=frozenset(canonicalize_name(n) for n in p.abi_coupled),
    )


@dataclass(frozen=True, slots=True)
class LockContext:
    """One target of one recipe being locked."""

    recipe: Recipe
    target: Target
    interpreter: Interpreter
    """The interpreter the stream runs on there (the recipe's choice, else the main one)."""
    options: LockOptions
    resolve: Resolver
    load_base: BaseLoader
    client: IndexClient | None = None
    """The index client the resolver uses (the pipeline also reads Fedora's versions' core
    metadata through it); None in tests that inject a resolver."""
    store: SourceInfoStore = field(default_factory=SourceInfoStore)
    """Source infos (what each sdist needs to build), with the options' seeds."""
    fetch: Fetcher = cached_source
    """How a source whose info is not stored is fetched (verified against the lock's sha256)."""
    ask_backend: Asker | None = None
    """Asks an sdist's build backend for its build requirements (PEP 517
    ``get_requires_for_build_wheel``); None: only the static ones (tests, recorded infos)."""
    fedora_build_requires: FedoraBuildRequires | None = None
    """The non-Python ``BuildRequires`` of Fedora's own spec of a distribution for this
    target's release, or None when Fedora has no spec for it."""
    preferences: Preferences | None = None
    """The versions the closure's resolution keeps (the previous lock's), passed by
    :meth:`resolve_with`; None: the resolver is called without (a first lock, tests)."""

    @property
    def python(self) -> str:
        """``X.Y`` of :attr:`interpreter`."""
        return self.interpreter.version

    def resolve_with(
        self,
        requirements: Sequence[Requirement],
        constraints: Sequence[Requirement] = (),
        *,
        newest: bool = False,
    ) -> UpstreamClosure:
        """:attr:`resolve` with ``constraints`` when there are some and the closure's
        :attr:`preferences` when there are any (``newest``: without them, uv's newest
        choice); without either, it is called with the requirements alone (what the
        resolvers tests inject take)."""
        kw: dict[str, object] = {}
        if constraints:
            kw["constraints"] = tuple(constraints)
        if self.preferences is not None:
            kw["preferences"] = Preferences() if newest else self.preferences
        return self.resolve(requirements, **kw)

    @property
    def policy(self) -> Policy:
        return policy_of(self.recipe)

    @classmethod
    def for_target(
        cls,
        recipe: Recipe,
        target: Target,
        options: LockOptions,
        preferences: LockPreferences | None = None,
    ) -> LockContext:
        """The real context: uv against the recipe's index, libsolv on the target's base.

        ``preferences`` (a re-lock's, :func:`streams.lock.update.preferences_for`): the
        closure's go to :meth:`resolve_with`, the build section's are bound to
        :attr:`resolve` (what the build section calls)."""
        from streams.solver import upstream  # uv and the index client: imported when needed

        interp = (
            recipe.interpreter_for(target.name) if not target.is_host else target.interpreter(None)
        )
        python = interp.version
        specs = tuple(
            target_specs(
                target,
                base="live" if options.base == "live" else "snapshot",
                repos=options.repos,
            )
        )
        index_url = options.index_url or recipe.index.url
        client = IndexClient(index_url, offline=options.offline)
        resolver: Resolver = partial(
            upstream.resolve,
            python=python,
            arch=target.arch,
            index_url=index_url,
            extra_index_urls=tuple(recipe.index.extra_urls),
            exclude=tuple(sorted(recipe.excluded)),
            offline=options.offline,
            target=target.name,
            client=client,
            preferences=preferences.build if preferences is not None else None,
        )
        loader: BaseLoader = partial(
            BaseRepos.load, specs, arch=target.arch, offline=options.offline
        )
        return cls(
            recipe=recipe,
            target=target,
            interpreter=interp,
            options=options,
            resolve=resolver,
            load_base=loader,
            client=client,
            store=SourceInfoStore(seeds=options.seeds),
            fetch=partial(cached_source, offline=options.offline),
            ask_backend=BackendAsker(
                BackendSettings(
                    index_url=index_url,
                    extra_index_urls=tuple(recipe.index.extra_urls),
                    offline=options.offline,
                    python=python,
                )
            ),
            fedora_build_requires=fedora_lookup(target),
            preferences=preferences.runtime if preferences is not None else None,
        )


def fedora_lookup(target: Target) -> FedoraBuildRequires | None:
    """Fedora's spec facts for ``target``'s release (:mod:`streams.solver.fedora_specs`, the
    tables extracted from Fedora's spec files), or None when streams has no table for it."""
    try:
        from streams.solver import fedora_specs
    except ImportError:  # pragma: no cover - the tables ship with streams
        return None
    if target.is_host:
        return None

    def lookup(dist: str) -> Sequence[str] | None:
        facts = fedora_specs.target_spec_facts(target, dist)
        return None if facts is None else tuple(facts.build_requires)

    return lookup
