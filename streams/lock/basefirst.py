"""Base-first resolution: resolve upstream against Fedora's versions of ``policy.fedora``.

Without it, uv picks the newest release of the application, and reconciliation then finds
that the application needs a newer torch than Fedora's and fails ("must come from Fedora").
With it, the distributions the recipe wants from Fedora are constrained (uv ``--constraint``)
to the version the base provides (the newest build, the one dnf installs), so uv picks the
newest releases of everything else that work with Fedora's copy -- or says that none does,
and which requirement blocks it.

The unconstrained resolution runs too, only to explain: when the base-first closure holds an
older release of a top-level requirement than the free one, the lock's warnings say which
one, and which requirement of the newer release the base cannot meet.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from packaging.requirements import Requirement
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version

from streams.errors import Cause, ResolutionError
from streams.lock.context import LockContext
from streams.solver.model import Pin, UpstreamClosure
from streams.solver.reconcile import base_versions
from streams.solver.repos import BaseRepos

__all__ = ["BaseFirst", "base_first", "resolve_base_first"]


class BaseFirst:
    """The constraints base-first resolution adds, and what it explains afterwards."""

    def __init__(self, versions: Mapping[NormalizedName, Version]):
        self.versions = dict(sorted(versions.items()))

    @property
    def constraints(self) -> tuple[Requirement, ...]:
        return tuple(Requirement(f"{n}=={v}") for n, v in self.versions.items())

    def describe(self) -> str:
        return ", ".join(f"{n} {v}" for n, v in self.versions.items())


def base_first(ctx: LockContext, base: BaseRepos) -> BaseFirst:
    """The base's versions of the recipe's ``policy.fedora`` distributions (one the base
    lacks gets no constraint: reconciliation says it cannot come from Fedora)."""
    wanted = sorted(ctx.policy.fedora)
    return BaseFirst(base_versions(base.pool, [r.repo for r in base.repos], ctx.python, wanted))


def resolve_base_first(
    ctx: LockContext,
    requirements: Sequence[Requirement],
    extra: Sequence[Requirement],
    plan: BaseFirst,
) -> tuple[UpstreamClosure, list[str]]:
    """Resolve with ``plan``'s constraints (and the variant's ``extra`` ones); the closure and
    the sentences explaining what base-first changed."""
    constraints = (*extra, *plan.constraints)
    try:
        closure = ctx.resolve_with(requirements, constraints)
    except ResolutionError as exc:
        tops = ", ".join(str(r) for r in requirements)
        why = exc.message.partition("): ")[2] or exc.message  # uv's sentence, without "for T"
        raise ResolutionError(
            f"{ctx.target.name}: no release of {tops} works with Fedora's "
            f"{plan.describe()} (policy.fedora, base-first resolution)",
            (Cause(why), *exc.causes),
            hint="the requirement uv names blocks it: drop the distribution from "
            "policy.fedora to bundle it, or require an application release that fits "
            "Fedora's version",
        ) from exc
    notes = [f"base-first: resolved with Fedora's {plan.describe()} (policy.fedora)"]
    try:
        # uv's newest choice, not the previous lock's: the note says what the base holds back
        free = ctx.resolve_with(requirements, extra, newest=True)
    except ResolutionError:
        return closure, notes
    notes += _explain(requirements, closure, free, plan)
    return closure, notes


def _blocked(pin: Pin, plan: BaseFirst) -> list[Requirement]:
    """``pin``'s requirements that the base's versions do not meet."""
    return [
        r
        for r in pin.requires
        if canonicalize_name(r.name) in plan.versions
        and not r.specifier.contains(plan.versions[canonicalize_name(r.name)], prereleases=True)
    ]


def _explain(
    requirements: Sequence[Requirement],
    chosen: UpstreamClosure,
    free: UpstreamClosure,
    plan: BaseFirst,
) -> list[str]:
    mine, newest = chosen.by_name(), free.by_name()
    out: list[str] = []
    for req in requirements:
        name = canonicalize_name(req.name)
        have, could = mine.get(name), newest.get(name)
        if have is None or could is None or have.version >= could.version:
            continue
        blocks = [f"{could.name} {could.version} requires {r}" for r in _blocked(could, plan)]
        blocks += [
            f"{p.name} {p.version} (which it needs) requires {r}"
            for p in free.pins
            if p.name != could.name
            for r in _blocked(p, plan)
        ]
        why = "; ".join(blocks) or "its closure does not resolve with the base's versions"
        out.append(
            f"base-first: {name} {have.version}, not the newest {could.version}: {why}, and "
            f"Fedora has {plan.describe()}"
        )
    return out
