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
        chain/ logs/ *.cfg         mock backend: --chain results, logs, generated configs

Every module that reads or writes these paths asks a :class:`Workspace`
(``streams publish``, ``check`` and ``manifest`` default to the same places).
"""

from __future__ import annotations

from collections.abc import Callable
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

    def mock_file(self, target: str, name: str) -> Path:
        """A file or directory of the mock backend for ``target`` (config, chain, logs)."""
        return self.root / target / name

    def state_file(self, backend: str) -> Path:
        """``build-state-BACKEND.json``: next to the outputs, one file per backend."""
        return self.root / f"build-state-{backend}.json"

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
