"""The license and binaries review of a lock: what may go to Fedora's Copr, decided at lock time.

For every bundled package the file its spec will use (:func:`streams.sources.choose_source`,
as specgen chooses it) is read (:func:`streams.sources.inspect_source`: from the store, else
fetched) and judged (:func:`streams.sources.licenses.find_license`): its declared license, the
libraries inside its wheel, whether Fedora allows all of it, and whether it is a prebuilt binary.
The result is recorded in the lock (``[target.package.license]``) whatever the policy, so
``streams build --backend copr`` and ``streams show --licenses`` read it without the sources.

The recipe's ``[policy]`` decides what fails the lock (exit 3, :class:`PolicyError`):
``licenses = "fedora"`` refuses a package Fedora would not allow (or whose license is unknown);
``binaries = "build"`` refuses a ``source = "wheel"`` entry whose wheel has compiled code.
Each refused package is reported with the dependency path that pulls it in.
"""

from __future__ import annotations

import logging
from typing import Any

from packaging.utils import canonicalize_name

from streams.errors import LockError, PolicyError, SourceError
from streams.lock.build_section.fallback import dependency_path
from streams.lock.context import LockContext
from streams.lock.model import LockedLicense, LockedPackage, LockedTarget
from streams.sources import SourceInfo, choose_source, inspect_source
from streams.sources.licenses import find_license

__all__ = ["add_licenses", "check_policy", "license_summary"]

log = logging.getLogger(__name__)


def add_licenses(target: LockedTarget, ctx: LockContext) -> LockedTarget:
    """``target`` with :attr:`LockedPackage.license` set for every bundled package."""
    out: list[LockedPackage] = []
    warnings: list[str] = []
    for pkg in target.package:
        if pkg.origin != "bundle":
            out.append(pkg)
            continue
        reviewed, warning = _reviewed(pkg, ctx)
        out.append(reviewed)
        if warning:
            warnings.append(warning)
    return target.model_copy(
        update={"package": tuple(out), "warnings": (*target.warnings, *warnings)}
    )


def _reviewed(pkg: LockedPackage, ctx: LockContext) -> tuple[LockedPackage, str | None]:
    settings = ctx.recipe.package_settings(pkg.name)
    src, _note = choose_source(pkg, settings.source, ctx.python, ctx.target.arch)
    dist = str(canonicalize_name(pkg.name))
    info: SourceInfo | None
    try:
        info = inspect_source(src, dist=dist, version=pkg.version, store=ctx.store, fetch=ctx.fetch)
    except SourceError as exc:
        # offline, the chosen file may be missing while another file of the same release is
        # at hand (its sdist, say): the declared license is the release's; only a wheel's
        # bundled libraries would be missed, and the spec then builds from what was read
        info = None
        for other in pkg.sources:
            if other.sha256 == src.sha256:
                continue
            try:
                info = inspect_source(
                    other, dist=dist, version=pkg.version, store=ctx.store, fetch=ctx.fetch
                )
            except SourceError:
                continue
            break
        if info is None:
            if not ctx.options.offline:
                raise LockError(
                    f"cannot review the license of {pkg.name} {pkg.version}: {exc.message}",
                    hint="check the file's URL, or give recorded source infos with --seed DIR",
                ) from exc
            # offline and no file of the release at hand: left unreviewed, and said so (a
            # Copr build of Fedora's refuses an unreviewed package)
            return pkg, (
                f"{pkg.name} {pkg.version}: license not reviewed ({exc.message}); lock "
                "without --offline once to review it"
            )
    target = None if ctx.target.is_host else ctx.target
    finding = find_license(dist, info, target, override=settings.license or "")
    license = LockedLicense(
        expression=finding.expression,
        declared_from=finding.declared.source,
        evidence=finding.evidence,
        problems=finding.problems,
        binary=finding.compiled,
    )
    return pkg.model_copy(update={"license": license}), finding.declared.warning


def _path(target: LockedTarget, tops: list[str], name: str) -> list[str]:
    edges = [(e.source, e.target, e.requirement, e.kind) for e in target.edge]
    return dependency_path(edges, tops, name)


def _entry(pkg: LockedPackage, problems: tuple[str, ...], path: list[str]) -> dict[str, Any]:
    assert pkg.license is not None
    return {
        "name": pkg.name,
        "version": pkg.version,
        "expression": pkg.license.expression,
        "problems": list(problems),
        "path": path,
    }


def check_policy(target: LockedTarget, ctx: LockContext) -> None:
    """Raise :class:`PolicyError` when ``target`` breaks the recipe's licenses or binaries
    policy; a package is reported once, with every reason."""
    policy = ctx.recipe.policy
    tops = [str(n) for n in ctx.recipe.normalized_requires]
    bad_licenses: list[dict[str, Any]] = []
    bad_binaries: list[dict[str, Any]] = []
    for pkg in sorted(target.bundled(), key=lambda p: p.name):
        lic = pkg.license
        if lic is None:
            continue
        if policy.licenses == "fedora" and lic.problems:
            bad_licenses.append(_entry(pkg, lic.problems, _path(target, tops, pkg.name)))
        wanted = ctx.recipe.package_settings(pkg.name).source
        if policy.binaries == "build" and lic.binary:
            why = (
                '[packages.{0}] source = "wheel" repackages a wheel with compiled code'
                if wanted == "wheel"
                else "{0} has no sdist to build from: its wheel with compiled code is repackaged"
            ).format(pkg.name)
            bad_binaries.append(_entry(pkg, (why,), _path(target, tops, pkg.name)))
    if not bad_licenses and not bad_binaries:
        return
    parts: list[str] = []
    hints: list[str] = []
    if bad_licenses:
        parts.append(
            f"{len(bad_licenses)} bundled package(s) have a license Fedora does not allow "
            '([policy] licenses = "fedora")'
        )
        hints.append(
            "read the package's license files and set [packages.NAME] license when the "
            'metadata is wrong, or set [policy] licenses = "any" (then the stream cannot be '
            "built in Fedora's Copr)"
        )
    if bad_binaries:
        parts.append(
            f"{len(bad_binaries)} bundled package(s) would be repackaged prebuilt binaries "
            '([policy] binaries = "build")'
        )
        hints.append(
            'build them from their sdists (drop source = "wheel"), or set [policy] binaries = '
            '"allow"'
        )
    raise PolicyError(
        f"{ctx.target.name}: " + "; ".join(parts),
        [*bad_licenses, *bad_binaries],
        hint="; ".join(hints),
    )


def license_summary(target: LockedTarget) -> list[str]:
    """Warnings for the lock's output: how many bundled licenses are unknown, and which."""
    unknown = sorted(
        p.name
        for p in target.bundled()
        if p.license is not None and "LicenseRef-Unknown" in p.license.expression
    )
    if not unknown:
        return []
    shown = ", ".join(unknown[:12]) + (", ..." if len(unknown) > 12 else "")
    return [
        f"{len(unknown)} bundled package(s) with an unknown license ({shown}): read their "
        "license files and set [packages.NAME] license"
    ]
