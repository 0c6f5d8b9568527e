"""The build workspace: the one place that spells the output tree of a stream.

``streams build`` writes everything under one root, ``out/NAME`` by default::

    out/NAME/
      build-state-BACKEND.json     the plan state of each backend (``--resume`` reads it)
      TARGET/
        specs/SPECS/*.spec         specgen output for the target ...
        specs/SOURCES/             ... and its sources, sha256-checked
        srpms/                     source RPMs (``rpmbuild -bs``), for mock, Copr and Koji
        build/RPM/                 local backend: rpmbuild's _topdir and build.log per package
        rpms/RPM/ARCH/*.rpm        local backend: the built RPMs (what ``streams publish`` reads)
        repo/                      the published repository (mock: its local results repo)
        repo/sbom.cdx.json         local backend: the target's CycloneDX SBOM (streams sbom)
        chain/ logs/ *.cfg         mock backend: --chain results, logs, generated configs

Every module that reads or writes these paths asks a :class:`Workspace`
(``streams publish``, ``check`` and ``manifest`` default to the same places).

A re-lock can drop packages: before each build :meth:`Workspace.prune` removes the specs,
SRPMs, RPMs and build dirs of RPM names the plan no longer has, and
:meth:`Workspace.prune_specs` the specs and sources specgen did not write this time, so
nothing stale is built, checked or published.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from streams.builders.base import SrpmProvider, rpmbuild_srpm
from streams.builders.plan import BuildPlan, PlanNode
from streams.builders.state import PlanState
from streams.errors import BuildError

DEFAULT_ROOT = Path("out")

SpecLocator = Callable[[PlanNode, str], tuple[Path, Path]]
"""Returns ``(spec file, source dir)`` of a plan node for a target."""


@dataclass(frozen=True, slots=True)
class Workspace:
    """The output tree rooted at :attr:`root` (see the module docstring)."""

    root: Path

    @classmethod
    def default(cls, stream: str) -> Workspace:
        """``out/NAME`` under the current directory."""
        return cls(DEFAULT_ROOT / stream)

    def resolved(self) -> Workspace:
        return Workspace(self.root.resolve())

    def target(self, target: str) -> Path:
        return self.root / target

    def specs(self, target: str) -> Path:
        """``TARGET/specs``: holds ``SPECS/`` and ``SOURCES/``."""
        return self.root / target / "specs"

    def spec_file(self, target: str, rpm: str) -> Path:
        return self.specs(target) / "SPECS" / f"{rpm}.spec"

    def sources(self, target: str) -> Path:
        return self.specs(target) / "SOURCES"

    def srpms(self, target: str) -> Path:
        return self.root / target / "srpms"

    def build_dir(self, target: str, rpm: str) -> Path:
        """``TARGET/build/RPM``: the local backend's rpmbuild ``_topdir`` of one package."""
        return self.root / target / "build" / rpm

    def rpms(self, target: str) -> Path:
        return self.root / target / "rpms"

    def rpm_dir(self, target: str, rpm: str) -> Path:
        """``TARGET/rpms/RPM``: the binary RPMs of one package (what publish reads)."""
        return self.rpms(target) / rpm

    def repo(self, target: str) -> Path:
        return self.root / target / "repo"

    def sbom(self, target: str) -> Path:
        """``TARGET/repo/sbom.cdx.json``: the CycloneDX SBOM a local build publishes."""
        return self.repo(target) / "sbom.cdx.json"

    def mock_file(self, target: str, name: str) -> Path:
        """A file or directory of the mock backend for ``target`` (config, chain, logs)."""
        return self.root / target / name

    def state_file(self, backend: str) -> Path:
        """``build-state-BACKEND.json``: next to the outputs, one file per backend."""
        return self.root / f"build-state-{backend}.json"

    # -- hygiene ------------------------------------------------------------------------------
    def prune(self, plan: BuildPlan) -> list[Path]:
        """Remove the outputs of packages that are not in ``plan`` (a re-lock dropped them).

        Per target of the plan: ``specs/SPECS/RPM.spec``, ``srpms/RPM-V-R.src.rpm``,
        ``rpms/RPM/`` and ``build/RPM/`` of every RPM name the plan does not build there.
        Returns what was removed.  (``SOURCES`` is pruned by :meth:`prune_specs` once the new
        specs are written, since only those say which sources are still needed.)
        """
        removed: list[Path] = []
        for target in plan.targets:
            keep = {n.rpm for n in plan.nodes.values() if target in n.targets}
            stale: list[Path] = []
            spec_dir = self.specs(target) / "SPECS"
            if spec_dir.is_dir():
                stale += [p for p in spec_dir.glob("*.spec") if p.stem not in keep]
            if self.srpms(target).is_dir():
                # rpmbuild names a source RPM NAME-VERSION-RELEASE.src.rpm
                stale += [
                    p
                    for p in self.srpms(target).glob("*.src.rpm")
                    if p.name.removesuffix(".src.rpm").rsplit("-", 2)[0] not in keep
                ]
            for parent in (self.rpms(target), self.root / target / "build"):
                if parent.is_dir():
                    stale += [p for p in parent.iterdir() if p.is_dir() and p.name not in keep]
            for path in sorted(stale):
                if path.is_dir() and not path.is_symlink():
                    shutil.rmtree(path)
                else:
                    path.unlink()
                removed.append(path)
        return removed

    def prune_specs(self, target: str, specs: Iterable[str], sources: Iterable[str]) -> list[Path]:
        """Remove spec files and sources of ``target`` that specgen did not just write."""
        keep_specs, keep_sources = set(specs), set(sources)
        removed: list[Path] = []
        spec_dir = self.specs(target) / "SPECS"
        for path in sorted(spec_dir.glob("*.spec")) if spec_dir.is_dir() else ():
            if path.name not in keep_specs:
                path.unlink()
                removed.append(path)
        src_dir = self.sources(target)
        for path in sorted(src_dir.iterdir()) if src_dir.is_dir() else ():
            if path.is_file() and path.name not in keep_sources:
                path.unlink()
                removed.append(path)
        return removed

    # -- providers for the backends ----------------------------------------------------------
    def spec_locator(self) -> SpecLocator:
        """Where the local backend finds the spec and sources of a node: the specgen output."""

        def locate(node: PlanNode, target: str) -> tuple[Path, Path]:
            spec = self.spec_file(target, node.rpm)
            if not spec.is_file():
                raise BuildError(
                    f"no spec for {node.rpm}: {spec} does not exist",
                    backend="local",
                    hint="run: streams specgen RECIPE (streams build runs it for you)",
                )
            return spec, self.sources(target)

        return locate

    def srpm_provider(self) -> SrpmProvider:
        """SRPMs of the specgen output, made with ``rpmbuild -bs`` once per spec."""
        return _Srpms(self)


@dataclass
class _Srpms:
    ws: Workspace
    made: dict[Path, Path] = field(default_factory=dict)

    def __call__(self, node: PlanNode, target: str) -> Path:
        spec = self.ws.spec_file(target, node.rpm)
        if spec not in self.made:
            self.made[spec] = rpmbuild_srpm(spec, self.ws.sources(target), self.ws.srpms(target))
        return self.made[spec]


def open_state(
    plan: BuildPlan, outdir: Path, backend: str, *, resume: bool
) -> tuple[PlanState, list[tuple[str, str]]]:
    """The persisted state of a backend run under ``outdir`` (:meth:`Workspace.state_file`).

    With ``resume`` the saved state is kept (succeeded stays, failed/skipped become pending)
    and the records left ``building`` are returned for the backend to re-attach to; without,
    a fresh all-pending state replaces it.
    """
    path = Workspace(outdir).state_file(backend)
    if resume:
        state = PlanState.load(plan, path, backend=backend)
        return state, state.resume()
    state = PlanState(plan, path, backend=backend)
    state.save()
    return state, []
