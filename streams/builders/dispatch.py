"""``streams build`` as one library call: targets, specs, plan, backend, publishing.

:class:`BuildSession` takes a recipe, its lock and a :class:`BuildRequest` (what the command
line asked) and does the rest: picks the targets, plans the build from the lock, writes the
specs and sources of every target into the :class:`~streams.builders.workspace.Workspace`,
opens the persisted state, runs the chosen backend through the
:class:`~streams.builders.base.Backend` protocol and, for local builds, publishes the RPMs
unsigned into ``OUT/TARGET/repo``, with the target's SBOM (``sbom.cdx.json``) beside the
RPMs.  The command only parses options and prints.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from streams.builders.base import Backend, BuildOutcome, Reporter
from streams.builders.plan import BuildPlan, PlanNode
from streams.builders.state import PlanState
from streams.builders.workspace import Workspace, open_state
from streams.errors import LockError, UsageError
from streams.lock import Lock
from streams.recipe import Recipe
from streams.targets import HOST

BACKENDS = ("local", "mock", "copr", "koji")
MockMode = Literal["chain", "rebuild"]

ReporterFactory = Callable[[PlanState], AbstractContextManager[Reporter]]
"""Makes the progress reporter of a run once its state is open (the CLI's live table)."""


@dataclass(frozen=True, slots=True)
class BuildRequest:
    """What ``streams build`` was asked to do."""

    backend: str = "local"
    targets: tuple[str, ...] = ()
    """Targets to build (default: ``host`` for local if locked, else the recipe's)."""
    jobs: int = 1
    resume: bool = False
    publish: bool = True
    """Local backend: publish the RPMs into ``OUT/TARGET/repo`` when every build succeeded."""
    mock_mode: MockMode = "chain"
    koji_hub: str | None = None
    koji_targets: Mapping[str, str] = field(default_factory=dict)
    scratch: bool = False
    allow_network: bool = False
    """Local backend: run rpmbuild with the host's network (default: a network namespace)."""
    poll_interval: float | None = None
    """Copr and Koji: seconds before the first poll; it backs off while nothing changes
    (:class:`~streams.builders.base.Poller`).  None: the backend's default (Copr 10 s, Koji
    20 s)."""


@dataclass(frozen=True, slots=True)
class BuildResult:
    outcome: BuildOutcome
    targets: tuple[str, ...]
    published: Mapping[str, Mapping[str, str]]
    """Per target: ``repo_dir`` and ``repo_file`` of the published repository, and ``sbom``,
    its CycloneDX SBOM."""

    def to_dict(self) -> dict[str, object]:
        data = self.outcome.to_dict()
        data["published"] = {t: dict(p) for t, p in self.published.items()}
        return data


def build_targets(lock: Lock, recipe: Recipe, wanted: tuple[str, ...], backend: str) -> list[str]:
    """The targets to build: ``wanted`` (all must be locked), else the backend's default."""
    have = [t.name for t in lock.target]
    if wanted:
        missing = [t for t in wanted if t not in have]
        if missing:
            raise LockError(
                f"the lock of {recipe.name} has no target {', '.join(missing)} "
                f"(it has: {', '.join(have) or 'none'})",
                hint=f"run: streams lock {recipe.name} --target {missing[0]}",
            )
        return list(wanted)
    if backend == "local":
        if HOST in have:
            return [HOST]
        ours = [t for t in recipe.stream.targets if t in have]
        return ours[:1] or have[:1]
    return [t for t in recipe.stream.targets if t in have] or have


class BuildSession:
    """One ``streams build`` run (see the module docstring)."""

    def __init__(
        self, recipe: Recipe, lock: Lock, request: BuildRequest, output: Path | None = None
    ) -> None:
        if request.backend not in BACKENDS:
            raise UsageError(
                f"unknown backend {request.backend!r}", hint=f"one of {', '.join(BACKENDS)}"
            )
        self.recipe = recipe
        self.lock = lock
        self.request = request
        self.targets = build_targets(lock, recipe, request.targets, request.backend)
        self.workspace = (
            Workspace(output) if output else Workspace.default(recipe.name)
        ).resolved()
        self.plan = BuildPlan.from_lock(
            [lock.get_target(t) for t in self.targets], stream=recipe.name
        )
        self._host_python: str | None = None
        if request.backend == "local":
            from streams.builders.rpmbuild import check_host_python
            from streams.targets import host_python_version

            self._host_python = host_python_version()
            check_host_python(self.targets, self._host_python)

    # -- the backend -------------------------------------------------------------------------
    def backend(self, reporter: Reporter | None = None, *, connect: bool = True) -> Backend:
        """The requested backend; without ``connect`` it talks to no service (dry runs)."""
        req, ws = self.request, self.workspace
        if req.backend == "local":
            from streams.builders.rpmbuild import LocalBackend

            return LocalBackend(
                specs=ws.spec_locator(),
                outdir=ws.root,
                jobs=req.jobs,
                reporter=reporter,
                host_version=self._host_python,
                allow_network=req.allow_network,
            )
        if req.backend == "mock":
            from streams.builders.mock import MockBackend

            return MockBackend(ws.srpm_provider(), ws.root, mode=req.mock_mode, reporter=reporter)
        if req.backend == "copr":
            from streams.builders.copr import CoprBackend, CoprSettings

            settings = CoprSettings.from_recipe(self.recipe)
            if not connect:
                return CoprBackend(None, settings, ws.srpm_provider(), reporter=reporter)
            from streams.builders.copr import DEFAULT_POLL

            return CoprBackend.connect(
                settings,
                ws.srpm_provider(),
                reporter=reporter,
                poll_interval=req.poll_interval or DEFAULT_POLL,
            )
        from streams.builders.koji import DEFAULT_POLL as KOJI_POLL
        from streams.builders.koji import KojiBackend, koji_session

        if not connect:
            return KojiBackend(
                None,
                _srpm_names,
                koji_targets=req.koji_targets,
                scratch=req.scratch,
                weburl="KOJI",
            )
        if not req.koji_hub:
            raise UsageError("--backend koji needs --koji-hub URL", hint="e.g. the hub's /kojihub")
        return KojiBackend(
            koji_session(req.koji_hub),
            ws.srpm_provider(),
            koji_targets=req.koji_targets,
            scratch=req.scratch,
            reporter=reporter,
            poll_interval=req.poll_interval or KOJI_POLL,
        )

    def _copr_gate(self) -> None:
        """Refuse (:class:`UsageError`) a Copr build Fedora's Copr may not take: first, before
        specs are written or any API call is made (``builders/copr/_gate.py``)."""
        if self.request.backend == "copr":
            from streams.builders.copr import refuse_unless_allowed

            refuse_unless_allowed(self.recipe, self.lock, self.targets)

    # -- doing it ----------------------------------------------------------------------------
    def dry_run(self) -> str:
        """The batches and the commands or API calls a run would make; builds nothing."""
        state = PlanState(self.plan, None, backend=self.request.backend)
        text = self.backend(connect=False).dry_run(self.plan, state)
        if self.request.backend == "copr":
            try:
                self._copr_gate()
            except UsageError as exc:
                text += "\n\nA real run would be refused, before any API call:\n" + exc.render()
        if self.request.backend == "koji":
            return self.plan.render() + "\n\n" + text
        return text

    def write_specs(self) -> None:
        """Specs and sources of every target into ``OUT/TARGET/specs``; the specs and
        sources of an earlier lock that this one does not have are removed."""
        from streams.sources import SourceInfoStore
        from streams.specgen import plan_recipe_target, write_output

        store = SourceInfoStore()
        for t in self.targets:
            plan = plan_recipe_target(self.recipe, self.lock, t, store)
            summary = write_output(plan, self.workspace.specs(t), sources=True)
            self.workspace.prune_specs(t, summary.specs, summary.sources)

    def plan_rpms(self, target: str) -> frozenset[str]:
        """The source package names the plan builds for ``target`` (what may be published)."""
        return frozenset(n.rpm for n in self.plan.nodes.values() if target in n.targets)

    def build(self, reporter: ReporterFactory | None = None) -> BuildResult:
        """Write the specs, build in plan order, then (local) publish.  Failed packages are in
        the outcome (``result.outcome.raise_for_failures()``).

        Outputs of packages the plan no longer has (a re-lock dropped them) are removed first
        (:meth:`Workspace.prune`), and only the plan's RPMs are published."""
        self._copr_gate()
        self.workspace.prune(self.plan)
        self.write_specs()
        state, _building = open_state(
            self.plan, self.workspace.root, self.request.backend, resume=self.request.resume
        )
        with (reporter or _quiet)(state) as rep:
            outcome = self.backend(rep).build(self.plan, state)
        published: dict[str, dict[str, str]] = {}
        if self.request.backend == "local" and outcome.ok and self.request.publish:
            from streams.publish import publish_repo

            for t in self.targets:
                res = publish_repo(
                    self.workspace.rpms(t),
                    self.workspace.repo(t),
                    stream=self.recipe.name,
                    summary=self.recipe.stream.summary,
                    packages=self.plan_rpms(t),
                )
                published[t] = {
                    "repo_dir": str(res.repo_dir),
                    "repo_file": str(res.repo_file),
                    "sbom": str(self.write_sbom(t)),
                }
        return BuildResult(outcome, tuple(self.targets), published)

    def write_sbom(self, target: str) -> Path:
        """The CycloneDX SBOM of ``target``'s lock, written atomically into the published
        repository (``TARGET/repo/sbom.cdx.json``), so it is served with the RPMs it lists.
        It is made from the lock alone (no network, under a second for vLLM)."""
        from streams.publish.sbom import collect, cyclonedx_json, reused_arches, write_sbom

        locked = self.lock.get_target(target)
        sbom = collect(
            self.recipe,
            self.lock,
            locked,
            variant=self.recipe.variant_name,
            arches=reused_arches(locked),
        )
        return write_sbom(self.workspace.sbom(target), cyclonedx_json(sbom))


def _quiet(_state: PlanState) -> AbstractContextManager[Reporter]:
    return nullcontext(Reporter())


def _srpm_names(node: PlanNode, _target: str) -> Path:
    return Path(f"{node.rpm}.src.rpm")
