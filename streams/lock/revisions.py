"""Releases, changelog entries and obsoletes: what a re-lock carries over from the last lock.

A spec's ``Release`` must grow whenever what goes into it changes, or the rebuilt RPM can
never upgrade the one users have.  At lock time every bundled package gets an *input digest*:
the sha256 of what the lock and the recipe say that reaches its spec (version, source
sha256s, requirements and build requirements, the versions of the bundled packages they
resolve to, the target's interpreter and the stream's prefix and package settings).  Compared
with the previous lock of the same target (Fedora's Versioning Guidelines: "Release" is reset
to 1 when the version changes and raised otherwise):

- a new package: release 1, "Add NAME VERSION to the stream";
- another version: release 1, "Update to VERSION";
- same version, same digest: the previous revision, untouched (date and text too);
- same version, another digest: previous release + 1, "Rebuild: WHAT changed".

The runtime and the metapackage share one revision (the metapackage requires the runtime of
its own version-release) with a digest over the stream's settings and package set.  A package
the previous lock bundled and this one does not (it left the stream or is now reused from
Fedora) is recorded in the target's ``obsoletes`` with its last version-release, so the
runtime can obsolete it; the list is carried from lock to lock.

Dates are ``SOURCE_DATE_EPOCH`` (UTC) when set, else today (UTC), and are recorded: specgen
writes the recorded date, never the time it runs.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
from collections.abc import Mapping

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from streams.errors import CommandError
from streams.infra.proc import run, which
from streams.lock.model import Lock, LockedObsolete, LockedPackage, LockedTarget, Revision
from streams.recipe import Recipe
from streams.solver.versions import Evr, rpm_version_tag

__all__ = [
    "DEFAULT_PACKAGER",
    "lock_date",
    "package_digest",
    "resolve_packager",
    "stamp_lock",
    "stamp_target",
    "stream_digest",
]

DEFAULT_PACKAGER = "streams <streams@localhost>"


def lock_date(source_date_epoch: str | None = None) -> str:
    """``YYYY-MM-DD`` (UTC): ``SOURCE_DATE_EPOCH`` when set (reproducible builds'
    convention, https://reproducible-builds.org/specs/source-date-epoch/), else today."""
    sde = os.environ.get("SOURCE_DATE_EPOCH") if source_date_epoch is None else source_date_epoch
    if sde and sde.strip().isdigit():
        return _dt.datetime.fromtimestamp(int(sde), tz=_dt.UTC).date().isoformat()
    return _dt.datetime.now(tz=_dt.UTC).date().isoformat()


def resolve_packager(recipe: Recipe, environ: Mapping[str, str] | None = None) -> str:
    """The changelog's packager, in the order rpmdev-packager looks (rpmdevtools):
    the recipe's ``[stream] packager``, ``$RPM_PACKAGER``, git's ``user.name`` and
    ``user.email``, else :data:`DEFAULT_PACKAGER`."""
    env = os.environ if environ is None else environ
    if recipe.stream.packager:
        return recipe.stream.packager
    if env.get("RPM_PACKAGER", "").strip():
        return " ".join(env["RPM_PACKAGER"].split()).replace("%", "")
    git = which("git")
    if git is not None:
        cwd = recipe.path.parent if recipe.path is not None else None
        try:
            name = run([git, "config", "user.name"], cwd=cwd, check=False).stdout.strip()
            email = run([git, "config", "user.email"], cwd=cwd, check=False).stdout.strip()
        except (CommandError, OSError):
            name = email = ""
        if name and email and "%" not in name + email:
            return f"{name} <{email}>"
    return DEFAULT_PACKAGER


def _names(requirements: tuple[str, ...]) -> set[str]:
    out = set()
    for text in requirements:
        try:
            out.add(str(canonicalize_name(Requirement(text).name)))
        except InvalidRequirement:
            out.add(text)
    return out


def _sha(data: object) -> str:
    raw = json.dumps(data, sort_keys=True, separators=(",", ":")).encode("utf-8")
    return hashlib.sha256(raw).hexdigest()


_LATER_SETTINGS = ("env", "spec")
"""``[packages.NAME]`` keys newer than the revision digests (see :func:`_inputs`)."""


def _inputs(pkg: LockedPackage, target: LockedTarget, recipe: Recipe) -> dict[str, object]:
    by_name = {str(canonicalize_name(p.name)): p for p in target.package}
    deps = {}
    for name in sorted(_names(pkg.requires) | _names(pkg.build_requires)):
        dep = by_name.get(name)
        if dep is not None:
            # a bundled dependency is required at its exact version; a reused one by the
            # requirement's own range (Fedora's updates do not change the spec)
            deps[name] = [dep.origin, dep.version if dep.origin == "bundle" else ""]
    settings = recipe.package_settings(pkg.name).model_dump(mode="json")
    for key in _LATER_SETTINGS:
        # settings added after revisions existed count only when set: adding a setting to the
        # recipe format must not rebuild every package of every stream
        if not settings.get(key):
            settings.pop(key, None)
    return {
        "version": pkg.version,
        "sources": sorted([s.kind, s.sha256] for s in pkg.sources),
        "requires": sorted(pkg.requires),
        "extras": sorted(pkg.extras),
        "build-requires": sorted(pkg.build_requires),
        "dependencies": deps,
        "build-only": pkg.build_only,
        "target": [target.python, target.interpreter, target.interpreter_main],
        "prefix": recipe.prefix,
        "settings": settings,
    }


def package_digest(pkg: LockedPackage, target: LockedTarget, recipe: Recipe) -> str:
    """The input digest of a bundled package's spec."""
    return _sha(_inputs(pkg, target, recipe))


def _stream_inputs(target: LockedTarget, recipe: Recipe) -> dict[str, object]:
    return {
        "target": [target.python, target.interpreter, target.interpreter_main],
        "prefix": recipe.prefix,
        "summary": recipe.stream.summary,
        "license": recipe.stream.license,
        "exports": list(recipe.stream.exports),
        "requires": {k: str(v) for k, v in recipe.normalized_requires.items()},
        "bundled": sorted(
            [p.name, p.version, p.build_only] for p in target.package if p.origin == "bundle"
        ),
        "reused": sorted(p.name for p in target.package if p.origin != "bundle"),
        "obsoletes": sorted([o.name, o.evr] for o in target.obsoletes),
    }


def stream_digest(target: LockedTarget, recipe: Recipe) -> str:
    """The input digest of the runtime and metapackage specs."""
    return _sha(_stream_inputs(target, recipe))


def app_version(target: LockedTarget, recipe: Recipe) -> str:
    """The version of the runtime and the metapackage: the locked version of the
    application (:attr:`Recipe.application`), so ``dnf upgrade`` follows it."""
    by_name = {str(canonicalize_name(p.name)): p for p in target.package}
    for top in (recipe.application, *recipe.normalized_requires):
        if top is not None and top in by_name:
            return rpm_version_tag(by_name[top].version)
    return "0"


def _why(
    old: LockedPackage,
    old_target: LockedTarget,
    new: LockedPackage,
    target: LockedTarget,
    recipe: Recipe,
) -> str:
    before = _inputs(old, old_target, recipe)
    after = _inputs(new, target, recipe)
    labels = {
        "sources": "source changed",
        "requires": "requirements changed",
        "extras": "extras changed",
        "dependencies": "locked dependencies changed",
        "build-requires": "build requirements changed",
        "build-only": "runtime view changed",
        "target": "interpreter changed",
        "prefix": "prefix changed",
        "settings": "recipe settings changed",
    }
    changed = [text for key, text in labels.items() if before.get(key) != after.get(key)]
    return "Rebuild: " + ("; ".join(changed) if changed else "inputs changed")


def _next(
    previous: Revision | None,
    *,
    version_changed: bool,
    digest: str,
    text_new: str,
    text_update: str,
    text_rebuild: str,
    date: str,
    packager: str,
) -> Revision:
    if previous is None:
        return Revision(release=1, digest=digest, date=date, packager=packager, text=text_new)
    if version_changed:
        return Revision(release=1, digest=digest, date=date, packager=packager, text=text_update)
    if previous.digest == digest:
        return previous
    return Revision(
        release=previous.release + 1,
        digest=digest,
        date=date,
        packager=packager,
        text=text_rebuild,
    )


def stamp_target(
    new: LockedTarget,
    previous: LockedTarget | None,
    recipe: Recipe,
    *,
    date: str,
    packager: str,
) -> LockedTarget:
    """``new`` with the revision of every bundled package and of the stream, and the
    obsoletes, decided against ``previous`` (the same target in the last lock, if any)."""
    old_pkgs = {str(canonicalize_name(p.name)): p for p in previous.bundled()} if previous else {}
    packages = []
    for pkg in new.package:
        if pkg.origin != "bundle":
            packages.append(pkg)
            continue
        old = old_pkgs.get(str(canonicalize_name(pkg.name)))
        tag = rpm_version_tag(pkg.version)
        revision = _next(
            # a lock written before revisions existed has none to continue from
            old.revision if old is not None and old.revision.digest else None,
            version_changed=old is not None and rpm_version_tag(old.version) != tag,
            digest=package_digest(pkg, new, recipe),
            text_new=f"Add {pkg.name} {pkg.version} to the {recipe.name} stream",
            text_update=f"Update to {pkg.version}",
            text_rebuild=_why(old, previous, pkg, new, recipe) if old and previous else "",
            date=date,
            packager=packager,
        )
        packages.append(pkg.model_copy(update={"revision": revision}))

    bundled_now = {p.rpm for p in new.bundled()}
    obsoletes = {o.name: o for o in (previous.obsoletes if previous else ())}
    for old in old_pkgs.values():
        obsoletes[old.rpm] = LockedObsolete(
            name=old.rpm, evr=f"{rpm_version_tag(old.version)}-{old.revision.release}"
        )
    kept = tuple(sorted((o for n, o in obsoletes.items() if n not in bundled_now), key=_oname))
    stamped = new.model_copy(update={"package": tuple(packages), "obsoletes": kept})

    version = app_version(stamped, recipe)
    old_version = app_version(previous, recipe) if previous else None
    left = sorted(o.rpm for o in old_pkgs.values() if o.rpm not in bundled_now)
    rebuild = "Rebuild: " + (
        f"obsolete {', '.join(left)}" if left else "the stream's package set or settings changed"
    )
    revision = _next(
        previous.revision if previous is not None and previous.revision.digest else None,
        version_changed=old_version is not None and old_version != version,
        digest=stream_digest(stamped, recipe),
        text_new=f"First build of the {recipe.name} stream ({version})",
        text_update=f"Update to {version}",
        text_rebuild=rebuild,
        date=date,
        packager=packager,
    )
    warnings = stamped.warnings
    if old_version is not None and Evr.parse(version) < Evr.parse(old_version):
        warnings += (
            f"the stream's version goes down from {old_version} to {version} (the version of "
            "its application): dnf will not upgrade the runtime and the "
            "metapackage to it; pin that requirement or remove the old packages first",
        )
    return stamped.model_copy(update={"revision": revision, "warnings": warnings})


def _oname(o: LockedObsolete) -> str:
    return o.name


def stamp_lock(lock: Lock, *, packager: str) -> Lock:
    """``lock`` with ``locked-at`` the latest revision date and ``packager`` its author."""
    revisions = [t.revision for t in lock.target]
    revisions += [p.revision for t in lock.target for p in t.bundled()]
    dated = [r for r in revisions if r.date]
    if not dated:
        return lock
    latest = max(dated, key=lambda r: r.date)
    same = [r for r in dated if r.date == latest.date]
    who = packager if any(r.packager == packager for r in same) else latest.packager
    return lock.model_copy(update={"locked_at": latest.date, "packager": who})
