"""Locks of a given shape and real tiny SRPMs for the build-backend tests.

Usage::

    from tools.devkit.buildplans import locked_target, tiny_srpms

    t = locked_target("demo", {"a": [], "b": ["a"], "c": ["b"]}, target="fedora-44-x86_64")
    plan = BuildPlan.from_lock(t)                # runtime, a | b | c, metapackage
    srpms = tiny_srpms(plan, tmp_path)           # SrpmProvider: real `rpmbuild -bs` per node

``tiny_srpms`` writes a minimal noarch spec per plan node (Fedora dist-git layout:
``ROOT/RPM/RPM.spec``) and lets :class:`streams.builders.base.SpecTree` run ``rpmbuild -bs`` on
it -- a fraction of a second each.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from streams.builders.base import SpecTree
from streams.builders.plan import BuildPlan
from streams.lock import LockedEdge, LockedPackage, LockedTarget


def locked_target(
    stream: str,
    deps: Mapping[str, Sequence[str]],
    *,
    target: str = "fedora-44-x86_64",
    version: str = "1.0",
    build_edges: Sequence[tuple[str, str]] = (),
) -> LockedTarget:
    """A target whose bundled packages are ``deps``' keys; ``deps[a]`` are a's runtime deps."""
    names = sorted(
        set(deps) | {d for ds in deps.values() for d in ds} | {n for e in build_edges for n in e}
    )
    edges = [LockedEdge(source=a, target=b, requirement=b) for a, ds in deps.items() for b in ds]
    edges += [LockedEdge(source=a, target=b, requirement=b, kind="build") for a, b in build_edges]
    return LockedTarget(
        name=target,
        python="3.14",
        interpreter="python3",
        interpreter_main=True,
        package=tuple(
            LockedPackage(
                name=n,
                version=version,
                origin="bundle",
                rpm=f"{stream}-stream-python3-{n}",
                evr=version,
                reason="bundled for the test",
            )
            for n in names
        ),
        edge=tuple(edges),
    )


SPEC = """\
Name: {rpm}
Version: {version}
Release: 1
Summary: streams backend test package {rpm}
License: MIT
BuildArch: noarch

%description
A tiny package for the build-backend tests.

%prep

%build

%install
mkdir -p %{{buildroot}}/opt/streams/test
echo {rpm} > %{{buildroot}}/opt/streams/test/{rpm}

%files
/opt/streams/test/{rpm}
"""


def write_specs(plan: BuildPlan, root: Path) -> Path:
    """One minimal spec per plan node under ``root/RPM/RPM.spec``."""
    for node in plan.nodes.values():
        version = next((v for _, v in node.versions if v), "1.0")
        d = root / node.rpm
        d.mkdir(parents=True, exist_ok=True)
        (d / f"{node.rpm}.spec").write_text(SPEC.format(rpm=node.rpm, version=version))
    return root


def tiny_srpms(plan: BuildPlan, tmp: Path) -> SpecTree:
    """A real ``rpmbuild -bs`` SRPM provider over minimal specs for every node of ``plan``."""
    return SpecTree(write_specs(plan, tmp / "specs"), tmp / "srpms")
