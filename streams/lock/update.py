"""``streams lock --update``: what a re-lock keeps, what it may move, and what moved and why.

A re-lock keeps what the previous lock pinned: its versions go to uv as *preferences*
(:class:`streams.solver.upstream.Preferences`), which uv keeps unless a requirement excludes
them, the way ``uv pip compile`` keeps the pins of an existing output file.  ``--update
NAME`` lets NAME move (uv's ``--upgrade-package``) and, through uv, whatever NAME's newer
release requires newer; ``--update`` alone lets everything move (``--upgrade``).  Nothing
else moves unless the recipe or the base asks for it.  See ``docs/updating.md``.

Which versions are preferred, per target (:func:`preferences_for`):

- a bundled package: its locked version (the upstream pin);
- a reused package: the version uv pinned upstream, which reconciliation recorded in the
  package's reason ("... (upstream pins 1.17.0)", or "is the version upstream pins" when it
  is Fedora's own): the closure is then resolved as before, so an unrelated upstream release
  of a package Fedora supplies cannot move the stream's bundled packages;
- build-only packages: their locked versions, for the build section's resolutions only.

After the lock, :func:`lock_changes` compares the previous and the new lock and says, per
target, what moved and why (asked, needed by a requirement of the new view, the base's
package changed), what is now bundled or reused, what was added or removed and which
bundled packages are rebuilt (their Release raised by :mod:`streams.lock.revisions`).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import InvalidVersion, Version

from streams.errors import LockError, UsageError
from streams.lock.context import LockPreferences
from streams.lock.io import read_lock
from streams.lock.model import Lock, LockedPackage, LockedTarget
from streams.recipe import Recipe
from streams.solver.upstream import Preferences

__all__ = [
    "Change",
    "TargetChanges",
    "Update",
    "check_update",
    "lock_changes",
    "preferences_for",
    "previous_lock",
    "target_changes",
    "upstream_pin",
]


@dataclass(frozen=True, slots=True)
class Update:
    """What a re-lock may move: nothing (the default), the named distributions, or all."""

    names: tuple[NormalizedName, ...] = ()
    everything: bool = False

    @classmethod
    def of(cls, names: Iterable[str]) -> Update:
        """``--update`` with ``names`` (none: everything)."""
        wanted = tuple(sorted({canonicalize_name(n) for n in names}))
        return cls(names=wanted, everything=not wanted)

    @property
    def moves_anything(self) -> bool:
        return self.everything or bool(self.names)

    def asked(self, name: str) -> bool:
        return self.everything or canonicalize_name(name) in self.names

    def flag(self, name: str) -> str:
        """How the command line asked for ``name`` to move."""
        return "--update" if self.everything else f"--update {canonicalize_name(name)}"


_PIN = re.compile(r"\(upstream pins ([^\s)]+)\)")
_SAME = "is the version upstream pins"


def upstream_pin(pkg: LockedPackage) -> str | None:
    """The version uv pinned for a distribution the lock reuses from Fedora, or None.

    The lock records Fedora's version for a reused package; uv's pin is in the reason
    reconciliation wrote (``streams.solver.reconcile``: "satisfies every requirement on it
    (upstream pins 1.17.0)", or "is the version upstream pins" when they are the same).  A
    reused package uv did not pin (pulled in by another Fedora package) has none.
    """
    if pkg.origin == "bundle":
        return pkg.version
    found = _PIN.search(pkg.reason)
    if found is not None:
        return found.group(1)
    if _SAME in pkg.reason:
        return pkg.version
    return None


def preferences_for(before: LockedTarget | None, update: Update) -> LockPreferences | None:
    """What uv keeps when ``before`` (the previous lock of the target) is locked again."""
    if before is None:
        return None
    upgrade = tuple(update.names)
    runtime: list[tuple[str, str]] = []
    build: list[tuple[str, str]] = []
    for p in before.package:
        if p.build_only:
            build.append((p.name, p.version))
            continue
        pin = upstream_pin(p)
        if pin is not None:
            runtime.append((p.name, pin))
    return LockPreferences(
        runtime=Preferences(tuple(runtime), upgrade=upgrade, upgrade_all=update.everything),
        build=Preferences(tuple(build), upgrade=upgrade, upgrade_all=update.everything),
    )


def previous_lock(path: Path) -> Lock | None:
    """The lock at ``path`` before a re-lock, or None (none yet, or unreadable: the lock
    pipeline then locks afresh and says so)."""
    if not path.exists():
        return None
    try:
        return read_lock(path)
    except LockError:
        return None


def check_update(update: Update, previous: Lock | None, path: Path) -> None:
    """Refuse ``--update NAME`` for a NAME the lock at ``path`` does not hold (exit 2)."""
    if not update.names:
        return
    if previous is None:
        raise UsageError(
            f"--update {' '.join(update.names)}: there is no lock to update at {path}",
            hint="lock the recipe first (streams lock RECIPE), or give --lock the lock's path",
        )
    known = sorted({str(canonicalize_name(p.name)) for t in previous.target for p in t.package})
    unknown = [n for n in update.names if n not in known]
    if not unknown:
        return
    parts = []
    for name in unknown:
        close = difflib.get_close_matches(name, known, n=3, cutoff=0.6)
        parts.append(f"{name} (did you mean {', '.join(close)}?)" if close else name)
    raise UsageError(
        f"--update: {path} locks no distribution named {'; '.join(parts)}",
        hint=f"the lock holds {len(known)} distributions; `streams show` lists them, and "
        "`streams lock --update` with no names moves them all",
    )


Kind = Literal["moved", "added", "removed", "now-bundled", "now-reused", "rebuilt", "held"]
_ORDER: tuple[Kind, ...] = (
    "moved",
    "now-bundled",
    "now-reused",
    "added",
    "removed",
    "rebuilt",
    "held",
)
"""The order of a target's changes: what moved first, the rebuilds it caused last."""


@dataclass(frozen=True, slots=True)
class Change:
    """One distribution of a target that a re-lock changed."""

    name: str
    kind: Kind
    before: str
    """The previous lock's version ("" when added)."""
    after: str
    """The new lock's version ("" when removed)."""
    why: str
    build_only: bool = False
    release_before: int | None = None
    release_after: int | None = None
    """The spec's Release of a bundled package before and after (None: not bundled)."""
    changelog: str = ""
    """The new changelog entry of a bundled package whose revision changed."""

    def describe(self) -> str:
        """One line for a packager: ``numpy 2.2.6 -> 2.3.1 (asked: --update numpy)``."""
        tag = " [build only]" if self.build_only else ""
        if self.kind == "added":
            return f"added: {self.name} {self.after}{tag} ({self.why})"
        if self.kind == "removed":
            return f"removed: {self.name} {self.before}{tag} ({self.why})"
        if self.kind == "held":
            return f"held: {self.name} {self.after}{tag} ({self.why})"
        if self.kind == "rebuilt":
            return (
                f"rebuilt: {self.name} {self.after}{tag}, Release {self.release_before} -> "
                f"{self.release_after} ({self.why})"
            )
        move = self.after if self.before == self.after else f"{self.before} -> {self.after}"
        lead = {"moved": "moved", "now-bundled": "now bundled", "now-reused": "now reused"}
        return f"{lead[self.kind]}: {self.name} {move}{tag} ({self.why})"

    def to_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "kind": self.kind,
            "from": self.before or None,
            "to": self.after or None,
            "why": self.why,
            "build_only": self.build_only,
            "release": {"from": self.release_before, "to": self.release_after},
            "changelog": self.changelog,
        }


@dataclass(frozen=True, slots=True)
class TargetChanges:
    """What a re-lock changed in one target (of one variant)."""

    target: str
    variant: str
    previous: bool
    """Whether there was a previous lock of the target to compare with."""
    changes: tuple[Change, ...]
    kept: int
    """Distributions at the same version and origin as before (the held ones too)."""

    def to_dict(self) -> dict[str, object]:
        return {
            "previous": self.previous,
            "kept": self.kept,
            "changes": [c.to_dict() for c in self.changes],
        }


def _requirements(texts: Iterable[str]) -> list[Requirement]:
    out = []
    for text in texts:
        try:
            out.append(Requirement(text))
        except InvalidRequirement:
            continue
    return out


def _excludes(req: Requirement, version: str) -> bool:
    try:
        v = Version(version)
    except InvalidVersion:
        return False
    return bool(req.specifier) and not req.specifier.contains(v, prereleases=True)


def _needed_by(
    name: NormalizedName,
    old: str,
    after: LockedTarget,
    top: Sequence[Requirement],
    moved: set[NormalizedName],
) -> str | None:
    """Which requirement of the new lock excludes ``old``: the reason ``name`` had to move.

    Requirers that moved themselves are named first (the chain an ``--update`` set off)."""
    for req in top:
        if canonicalize_name(req.name) == name and _excludes(req, old):
            return f"the recipe requires {req}"
    found: list[tuple[bool, str]] = []
    for q in after.package:
        qname = canonicalize_name(q.name)
        if qname == name:
            continue
        for req in _requirements((*q.requires, *q.build_requires)):
            if canonicalize_name(req.name) == name and _excludes(req, old):
                found.append(
                    (qname not in moved, f"needed by {q.name} {q.version}'s requirement {req}")
                )
    if not found:
        return None
    return sorted(found)[0][1]


def _requirers(name: NormalizedName, after: LockedTarget, top: Sequence[Requirement]) -> str:
    if any(canonicalize_name(r.name) == name for r in top):
        return "required by the recipe"
    by = sorted(
        {
            f"{e.source} ({e.requirement})" if e.requirement else e.source
            for e in after.edge
            if canonicalize_name(e.target) == name
        }
    )
    if by:
        return "required by " + ", ".join(by[:3]) + (" and others" if len(by) > 3 else "")
    return "new in the closure"


def target_changes(
    before: LockedTarget | None,
    after: LockedTarget,
    update: Update,
    top: Sequence[Requirement] = (),
) -> TargetChanges:
    """What moved between ``before`` and ``after`` (one target), and why.

    ``top`` are the recipe's requirements (a moved distribution the recipe now requires
    differently says so)."""
    if before is None:
        return TargetChanges(after.name, after.variant, False, (), len(after.package))
    old = {canonicalize_name(p.name): p for p in before.package}
    new = {canonicalize_name(p.name): p for p in after.package}
    moved = {n for n in old.keys() & new.keys() if old[n].version != new[n].version}
    changes: list[Change] = []
    kept = 0
    for name in sorted(old.keys() | new.keys()):
        a, b = old.get(name), new.get(name)
        if b is None:
            assert a is not None
            why = "no longer needed to build" if a.build_only else "no longer required"
            changes.append(Change(a.name, "removed", a.version, "", why, a.build_only))
            continue
        release_after = b.revision.release if b.origin == "bundle" else None
        if a is None:
            changes.append(
                Change(
                    b.name,
                    "added",
                    "",
                    b.version,
                    _requirers(name, after, top),
                    b.build_only,
                    None,
                    release_after,
                    b.revision.text if b.origin == "bundle" else "",
                )
            )
            continue
        release_before = a.revision.release if a.origin == "bundle" else None
        changelog = b.revision.text if b.origin == "bundle" and b.revision != a.revision else ""
        if a.origin != b.origin:
            kind: Kind = "now-bundled" if b.origin == "bundle" else "now-reused"
            why = b.reason.partition(": ")[2] or b.reason
            changes.append(
                Change(
                    b.name,
                    kind,
                    a.version,
                    b.version,
                    why,
                    b.build_only,
                    release_before,
                    release_after,
                    changelog,
                )
            )
            continue
        if a.version != b.version:
            if update.asked(name):
                why = f"asked: {update.flag(name)}"
            elif b.origin == "fedora":
                why = f"the base has {b.rpm} {b.evr} now, was {a.evr}"
            else:
                why = _needed_by(name, a.version, after, top, moved) or (
                    f"uv moved it; no requirement of the new lock excludes {a.version}"
                )
            changes.append(
                Change(
                    b.name,
                    "moved",
                    a.version,
                    b.version,
                    why,
                    b.build_only,
                    release_before,
                    release_after,
                    changelog,
                )
            )
            continue
        if b.origin == "bundle" and b.revision.release != a.revision.release:
            changes.append(
                Change(
                    b.name,
                    "rebuilt",
                    a.version,
                    b.version,
                    b.revision.text or "its inputs changed",
                    b.build_only,
                    release_before,
                    release_after,
                    changelog,
                )
            )
            continue
        kept += 1
        if name in update.names:
            # uv's --upgrade-package picks the newest release the requirements allow
            why = (
                f"asked: {update.flag(name)}; Fedora's {b.rpm} {b.evr} is what the base has"
                if b.origin == "fedora"
                else f"asked: {update.flag(name)}; no newer release fits the stream's "
                "requirements (streams outdated names what holds it back)"
            )
            changes.append(Change(b.name, "held", a.version, b.version, why, b.build_only))
    changes.sort(key=lambda c: (_ORDER.index(c.kind), c.build_only, c.name))
    return TargetChanges(after.name, after.variant, True, tuple(changes), kept)


def lock_changes(
    recipe: Recipe,
    previous: Lock | None,
    lock: Lock,
    update: Update,
    targets: Iterable[LockedTarget],
) -> list[TargetChanges]:
    """:func:`target_changes` for each of ``targets`` of ``lock`` against ``previous``."""
    earlier = {}
    if previous is not None and previous.stream == lock.stream:
        earlier = {(t.name, t.variant): t for t in previous.target}
    out = []
    for t in targets:
        rec = recipe.variant(t.variant) if t.variant else recipe
        before = earlier.get((t.name, t.variant))
        if before is None and t.variant and rec.name == recipe.name:
            before = earlier.get((t.name, ""))  # the variant continuing the stream's lock
        out.append(target_changes(before, t, update, list(rec.normalized_requires.values())))
    return out
