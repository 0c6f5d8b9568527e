"""The backend: the plan's generations as Copr batches, watched and cancelled on failure."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from streams.builders.base import BuildOutcome, Poller, Reporter, SrpmProvider
from streams.builders.copr._api import CoprApi
from streams.builders.copr._config import CoprSettings, copr_config
from streams.builders.copr._dryrun import chroots_for, render_dry_run
from streams.builders.plan import BuildPlan
from streams.builders.state import PlanState
from streams.errors import BuildError, ServiceError, UsageError

log = logging.getLogger(__name__)


LIST_THRESHOLD = 3
PAGE = 100
DEFAULT_POLL = 10.0
"""Seconds between two polls at first; :class:`~streams.builders.base.Poller` backs off to two
minutes while nothing changes."""
SUBMIT_SLACK = 300
"""Seconds of clock difference allowed between this machine and Copr when a lost submission
is looked up by its ``submitted_on``."""
TERMINAL = frozenset({"succeeded", "failed", "canceled", "skipped"})
# copr.v3.wait() raises on "unknown"; "forked" is not terminal there either
# (docs/reference/contracts.md §1).


@dataclass
class _Watched:
    """One submitted Copr build: which package, which targets (by chroot), its last state."""

    build_id: int
    name: str
    chroots: dict[str, str]  # chroot -> target
    state: str = "pending"
    cancelled: bool = False
    cancel_tried: bool = False
    running: bool = False


@dataclass
class _Run:
    poller: Poller
    watched: dict[int, _Watched] = field(default_factory=dict)
    batches: int = 0


@dataclass
class _Gen:
    """Where the builds of one generation go: the batch they join, the one they follow."""

    after: int | None
    """The first build of the last batch of the previous generation."""
    anchor: int | None = None
    """The first build of this generation's current batch."""


def _already_finished(exc: ServiceError) -> bool:
    """Copr's refusals to batch with a finished build (``models.Build.batching_user_error``,
    fedora-copr/copr @5d37cd8, answered as ``BadRequest``): "Batch N is already finished",
    and "Build N is not yet in any batch, and new batch can not be created because the build
    has already finished"."""
    return exc.status == 400 and "already finished" in exc.message


def _epoch(iso: str | None) -> float | None:
    return datetime.fromisoformat(iso).timestamp() if iso else None


class CoprBackend:
    """Builds a plan in one Copr project.  See the module docstring for the protocol."""

    name = "copr"

    def __init__(
        self,
        api: CoprApi | None,
        settings: CoprSettings,
        srpms: SrpmProvider,
        *,
        poll_interval: float = DEFAULT_POLL,
        reporter: Reporter | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._api = api
        self.settings = settings
        self.srpms = srpms
        self.poll_interval = poll_interval
        self.reporter = reporter or Reporter()
        self.sleep = sleep

    @classmethod
    def connect(
        cls,
        settings: CoprSettings,
        srpms: SrpmProvider,
        *,
        config: Mapping[str, Any] | None = None,
        config_path: Path | None = None,
        poll_interval: float = DEFAULT_POLL,
        reporter: Reporter | None = None,
        retries: int = 4,
        backoff: float = 2.0,
    ) -> CoprBackend:
        """A backend with a client: ``config`` (a dict like ``~/.config/copr``'s
        ``[copr-cli]``) wins over ``config_path`` and the environment."""
        try:
            import copr.v3  # noqa: F401
        except ImportError as exc:
            raise BuildError(
                "the Copr backend needs the copr client library",
                backend="copr",
                hint="dnf install python3-copr, or pip install copr",
            ) from exc
        cfg = dict(config) if config is not None else copr_config(config_path)
        reporter = reporter or Reporter()
        api = CoprApi.from_config(cfg, retries=retries, backoff=backoff, reporter=reporter)
        return cls(api, settings, srpms, poll_interval=poll_interval, reporter=reporter)

    @property
    def api(self) -> CoprApi:
        if self._api is None:
            raise UsageError(
                "the Copr backend was made without a client (a dry run)",
                hint="use CoprBackend.connect() to build",
            )
        return self._api

    # -- identity --------------------------------------------------------------------------
    @property
    def owner(self) -> str:
        if self._api is None:  # a dry run: no credentials needed
            return self.settings.owner or "OWNER"
        owner = self.settings.owner or self._api.config.get("username")
        if not owner:
            raise UsageError(
                "no Copr owner",
                hint="set owner in the recipe's [copr] table, or username in ~/.config/copr",
            )
        return str(owner)

    def build_url(self, build_id: int) -> str:
        owner = self.owner
        path = f"g/{owner[1:]}" if owner.startswith("@") else owner
        return f"{self.api.url}/coprs/{path}/{self.settings.project}/build/{build_id}/"

    # -- project -----------------------------------------------------------------------------
    def ensure_project(self, chroots: Sequence[str]) -> None:
        """Create the project with ``chroots`` and the recipe's settings, or edit what differs."""
        s = self.settings
        wanted: dict[str, Any] = {
            "description": s.description,
            "instructions": s.instructions,
            "homepage": s.homepage,
            "contact": s.contact,
            "enable_net": s.enable_net,
            "bootstrap": s.bootstrap,
            "isolation": s.isolation,
        }
        try:
            project = self.api.call("project_proxy.get", self.owner, s.project)
        except ServiceError as exc:
            if exc.status != 404:
                raise
            self.api.call(
                "project_proxy.add",
                self.owner,
                s.project,
                list(chroots),
                additional_repos=list(s.additional_repos),
                **wanted,
            )
            self.reporter.message(f"created Copr project {self.owner}/{s.project}")
            return
        have = set((project.get("chroot_repos") or {}).keys())
        changes: dict[str, Any] = {}
        if not set(chroots) <= have:
            changes["chroots"] = sorted(have | set(chroots))
        for key, value in wanted.items():
            if value is not None and project.get(key) != value:
                changes[key] = value
        if s.additional_repos and set(project.get("additional_repos") or ()) != set(
            s.additional_repos
        ):
            changes["additional_repos"] = list(s.additional_repos)
        if changes:
            self.api.call("project_proxy.edit", self.owner, s.project, **changes)
            self.reporter.message(
                f"updated Copr project {self.owner}/{s.project}: {', '.join(sorted(changes))}"
            )

    # -- dry run -----------------------------------------------------------------------------
    def dry_run(self, plan: BuildPlan, state: PlanState) -> str:
        return render_dry_run(plan, state, self.settings, owner=self.owner)

    # -- the run -------------------------------------------------------------------------------
    def build(self, plan: BuildPlan, state: PlanState) -> BuildOutcome:
        """Submit what is not built, watch it to the end, and return the summary.

        The state is saved after every transition, a submission is recorded (``building``
        without a build id) before it is sent, so a KeyboardInterrupt or a crash at any point
        leaves the submitted builds running in Copr and what ``--resume`` needs to re-attach
        to them without submitting anything twice.
        """
        target_chroots = chroots_for(plan.targets)
        self.ensure_project(sorted(set(target_chroots.values())))
        run = _Run(Poller(self.poll_interval, sleep=self.sleep))
        self._reattach(plan, state, run, target_chroots)
        self._submit(plan, state, run, target_chroots)
        self._watch(state, run)
        return BuildOutcome(
            "copr",
            tuple(state.summary()),
            state.path,
            api_calls=dict(self.api.calls),
            batches=run.batches,
        )

    # -- submissions that may have arrived -------------------------------------------------
    def _known(self, state: PlanState, run: _Run) -> set[int]:
        known = {int(r.build_id) for _, r in state.items() if r.build_id}
        return known | set(run.watched)

    def _find_submitted(
        self, srpm: str, chroots: Sequence[str], since: float | None, known: set[int]
    ) -> Any:
        """The build of ``srpm`` on ``chroots`` that Copr created although its answer never
        came back (or the run stopped before recording it), else None.

        An uploaded SRPM's ``source_package.url`` is ``.../tmp/TMPDIR/FILENAME``
        (``BuildsLogic.create_new_from_upload``, fedora-copr/copr @5d37cd8) from the moment
        the build exists; the package name only after the import, so the listing is not
        filtered by package.  Builds streams already knows (earlier attempts) never match.
        """
        page = self.api.call(
            "build_proxy.get_list",
            self.owner,
            self.settings.project,
            pagination={"limit": PAGE, "offset": 0, "order": "id", "order_type": "DESC"},
        )
        for b in page:
            if int(b.id) in known:
                continue
            url = str((b.get("source_package") or {}).get("url") or "")
            if url.rsplit("/", 1)[-1] != srpm:
                continue
            if sorted(b.get("chroots") or ()) != sorted(chroots):
                continue
            submitted = b.get("submitted_on")
            if since is not None and submitted and float(submitted) < since - SUBMIT_SLACK:
                continue
            return b
        return None

    def _reattach(
        self, plan: BuildPlan, state: PlanState, run: _Run, target_chroots: Mapping[str, str]
    ) -> None:
        """Before anything new is submitted: re-attach to the builds of an earlier run that
        are still running, find the submissions that were in flight when it stopped, and
        cancel what it left queued for packages that are to be built again."""
        by_id: dict[int, _Watched] = {}
        in_flight: dict[tuple[str, Path], list[str]] = {}
        leftovers: dict[int, str] = {}
        for (name, target), rec in state.items():
            if rec.state == "pending" and rec.build_id:
                leftovers[int(rec.build_id)] = name
            if rec.state != "building":
                continue
            if not rec.build_id:
                srpm = self.srpms(plan.nodes[name], target)
                in_flight.setdefault((name, srpm), []).append(target)
                continue
            bid = int(rec.build_id)
            w = by_id.setdefault(bid, _Watched(bid, name, {}))
            w.chroots[target_chroots[target]] = target
        for (name, srpm), targets in in_flight.items():
            chroots = sorted(target_chroots[t] for t in targets)
            started = min((_epoch(state.get(name, t).started) or 0.0) for t in targets)
            found = self._find_submitted(srpm.name, chroots, started, self._known(state, run))
            if found is None:
                for t in targets:
                    state.requeue(name, t, reason="its submission never reached Copr")
                continue
            bid = int(found.id)
            self.reporter.message(
                f"Copr build {bid} of {name} was submitted before the interruption: re-attached"
            )
            w = by_id.setdefault(bid, _Watched(bid, name, {}))
            for t in targets:
                state.update(name, t, build_id=str(bid), url=self.build_url(bid))
                w.chroots[target_chroots[t]] = t
        for w in by_id.values():
            run.watched[w.build_id] = w
            self.reporter.submitted(w.name, tuple(w.chroots.values()), str(w.build_id))
        if leftovers:
            self._cancel_leftovers(leftovers)
        # learn what happened while we were away before submitting anything new
        for w in list(by_id.values()):
            build = self.api.call("build_proxy.get", w.build_id)
            self._update(state, run, w, str(build.state))

    def _cancel_leftovers(self, leftovers: Mapping[int, str]) -> None:
        """Cancel builds an interrupted run had queued for records that are pending again
        (their dependency failed, the cancel was never sent): they are submitted anew after
        their dependency, and must not also finish in the project on their own."""
        for b_id, new_state in self._poll_states(set(leftovers)).items():
            if new_state in TERMINAL:
                continue
            try:
                self.api.call("build_proxy.cancel", b_id)
            except ServiceError as exc:
                self.reporter.message(f"Copr build {b_id} of {leftovers[b_id]}: {exc.message}")
                continue
            self.reporter.message(
                f"cancelled Copr build {b_id} of {leftovers[b_id]}, left queued by the "
                "interrupted run"
            )

    # -- submitting ----------------------------------------------------------------------------
    def _submit(
        self, plan: BuildPlan, state: PlanState, run: _Run, target_chroots: Mapping[str, str]
    ) -> None:
        """Submit the pending records generation by generation, one batch each.

        Builds re-attached after an interruption sit in batches of the earlier run, which the
        new batches cannot be chained to; a generation that comes after one of them is only
        submitted once they have finished (a fresh run never waits here).
        """
        reattached = {w.build_id: plan.generation_of(w.name) for w in run.watched.values()}
        after: int | None = None
        for g, gen in enumerate(plan.generations):
            members = [m for step in gen for m in step.members]
            if not any(state.pending_targets(m) for m in members):
                continue
            waiting = [
                bid
                for bid, bg in reattached.items()
                if bg < g
                and run.watched[bid].state not in TERMINAL
                and not run.watched[bid].cancelled
            ]
            if waiting:
                self.reporter.message(
                    f"waiting for {len(waiting)} re-attached build(s) before generation {g}"
                )
                self._watch(state, run, only=set(waiting))
            batch = _Gen(after)
            for name in members:
                node = plan.nodes[name]
                groups: dict[Path, list[str]] = {}
                for t in state.pending_targets(name):
                    groups.setdefault(self.srpms(node, t), []).append(t)
                for srpm, targets in groups.items():
                    opts: dict[str, Any] = {"chroots": sorted(target_chroots[t] for t in targets)}
                    if self.settings.timeout:
                        opts["timeout"] = self.settings.timeout
                    # recorded before it is sent: an interruption now leaves a record that
                    # --resume looks up in Copr instead of submitting it again
                    for t in targets:
                        state.start(name, t)
                    bid = self._create(srpm, opts, batch, state, run)
                    w = _Watched(bid, name, {target_chroots[t]: t for t in targets})
                    run.watched[bid] = w
                    for t in targets:
                        state.update(name, t, build_id=str(bid), url=self.build_url(bid))
                    self.reporter.submitted(name, tuple(targets), str(bid))
                    for t in targets:
                        self.reporter.changed(name, t, "building", f"Copr build {bid}")
            if batch.anchor is not None:
                after = batch.anchor

    def _create(
        self, srpm: Path, opts: dict[str, Any], batch: _Gen, state: PlanState, run: _Run
    ) -> int:
        """Submit ``srpm`` into the generation's batch; a refused join opens a new batch
        after the same predecessor, and a predecessor that finished outside any batch is
        not waited for (it is done)."""
        if batch.anchor is not None:
            try:
                return self._create_once(srpm, {**opts, "with_build_id": batch.anchor}, state, run)
            except ServiceError as exc:
                if not _already_finished(exc):
                    raise
                self.reporter.message(
                    f"Copr: the batch of build {batch.anchor} finished before {srpm.name} "
                    f"could join it ({exc.message}); it opens a new batch"
                    + (f" after build {batch.after}" if batch.after is not None else "")
                )
        extra = {"after_build_id": batch.after} if batch.after is not None else {}
        try:
            bid = self._create_once(srpm, {**opts, **extra}, state, run)
        except ServiceError as exc:
            if not extra or not _already_finished(exc):
                raise
            self.reporter.message(
                f"Copr: build {batch.after} has finished ({exc.message}); {srpm.name} "
                "needs not wait for it"
            )
            bid = self._create_once(srpm, opts, state, run)
        batch.anchor = bid
        run.batches += 1
        return bid

    def _create_once(
        self, srpm: Path, buildopts: dict[str, Any], state: PlanState, run: _Run
    ) -> int:
        since = time.time()
        known = self._known(state, run)
        build = self.api.call(
            "build_proxy.create_from_file",
            self.owner,
            self.settings.project,
            str(srpm),
            buildopts=buildopts,
            recover=lambda: self._find_submitted(srpm.name, buildopts["chroots"], since, known),
        )
        return int(build.id)

    # -- watching ------------------------------------------------------------------------------
    def _active(self, run: _Run) -> list[_Watched]:
        return [w for w in run.watched.values() if w.state not in TERMINAL and not w.cancelled]

    def _watch(self, state: PlanState, run: _Run, *, only: set[int] | None = None) -> None:
        """Poll until every watched build (or those in ``only``) is finished or cancelled,
        backing off while nothing changes."""
        while active := self._active(run):
            if only is not None and not any(w.build_id in only for w in active):
                return
            run.poller.wait()
            changed = False
            if len(active) <= LIST_THRESHOLD:
                # one build at a time, acting on each answer before asking the next
                for w in active:
                    if w.cancelled:
                        continue
                    new = str(self.api.call("build_proxy.get", w.build_id).state)
                    if new != w.state:
                        changed = True
                        self._update(state, run, w, new)
            else:
                states = self._poll_states({w.build_id for w in active})
                for w in active:
                    new = states.get(w.build_id, w.state)
                    if new != w.state and not w.cancelled:
                        changed = True
                        self._update(state, run, w, new)
            run.poller.changed(changed)

    def _poll_states(self, wanted: set[int]) -> dict[int, str]:
        """States of the ``wanted`` builds from ``build_proxy.get_list`` pages, newest first."""
        low = min(wanted)
        found: dict[int, str] = {}
        offset = 0
        while True:
            page = self.api.call(
                "build_proxy.get_list",
                self.owner,
                self.settings.project,
                pagination={"limit": PAGE, "offset": offset, "order": "id", "order_type": "DESC"},
            )
            for b in page:
                if int(b.id) in wanted:
                    found[int(b.id)] = str(b.state)
            if len(page) < PAGE or not page or min(int(b.id) for b in page) <= low:
                break
            offset += PAGE
        return found

    def _update(self, state: PlanState, run: _Run, w: _Watched, new: str) -> None:
        w.state = new
        chroot_items = self.api.call("build_chroot_proxy.get_list", w.build_id)
        per_chroot = {str(c.name): str(c.state) for c in chroot_items}
        urls = {str(c.name): c.get("result_url") for c in chroot_items}
        self.reporter.chroots(w.name, str(w.build_id), per_chroot)
        if new == "unknown":
            raise ServiceError(
                f"Copr reports build {w.build_id} of {w.name} in state 'unknown'",
                service="copr",
                url=self.build_url(w.build_id),
            )
        if new not in TERMINAL:
            if new == "running" and not w.running:
                w.running = True
                self.reporter.message(f"Copr build {w.build_id} of {w.name} is running")
            return
        for chroot, target in sorted(w.chroots.items()):
            cstate = per_chroot.get(chroot, new)
            url = urls.get(chroot) or self.build_url(w.build_id)
            logs = [f"{url.rstrip('/')}/builder-live.log.gz"] if urls.get(chroot) else []
            rec = state.get(w.name, target)
            if rec.state == "skipped" and cstate == "succeeded":
                # the cancel came too late (or was refused): built without the dependency
                reason = (
                    f"Copr build {w.build_id} succeeded in {chroot} although "
                    f"{rec.reason or 'a dependency failed'}: built without it, not published"
                )
                state.orphan(w.name, target, reason=reason, url=url, logs=logs)
                self.reporter.changed(w.name, target, "orphaned", reason)
                continue
            if rec.state != "building" or rec.build_id != str(w.build_id):
                if rec.state == "skipped":
                    state.update(w.name, target, url=url)
                continue
            if cstate == "succeeded":
                state.succeed(w.name, target, url=url, logs=logs)
                self.reporter.changed(w.name, target, "succeeded", f"build {w.build_id}")
            else:
                reason = f"Copr build {w.build_id} {cstate} in {chroot}"
                skipped = state.fail(
                    w.name, target, reason=reason, url=url, logs=logs, orphan_built=True
                )
                self.reporter.changed(w.name, target, "failed", f"{reason}; log: {url}")
                for name, t in skipped:
                    if state.get(name, t).state == "orphaned":
                        self.reporter.changed(name, t, "orphaned", state.get(name, t).reason)
                self._cancel_dependants(
                    state, run, [k for k in skipped if state.get(*k).state == "skipped"], w.name
                )

    def _cancel_dependants(
        self, state: PlanState, run: _Run, skipped: list[tuple[str, str]], failed: str
    ) -> None:
        """Cancel the queued builds of records that just became skipped (and cascade).

        Copr refuses to cancel a build that has ended ("Cannot cancel build N", HTTP 409,
        ``BuildsLogic.cancel_build``): that build stays watched, and if it succeeded it is
        recorded orphaned.  Any other refusal is reported and the run goes on."""
        todo = list(skipped)
        while todo:
            name, target = todo.pop(0)
            self.reporter.changed(name, target, "skipped", f"dependency {failed} failed")
            rec = state.get(name, target)
            if not rec.build_id:
                continue
            w = run.watched.get(int(rec.build_id))
            if w is None or w.cancelled or w.cancel_tried or w.state in TERMINAL:
                continue
            w.cancel_tried = True
            try:
                self.api.call("build_proxy.cancel", w.build_id)
            except ServiceError as exc:
                what = "had already ended" if exc.status == 409 else "could not be cancelled"
                self.reporter.message(
                    f"Copr build {w.build_id} of {name} {what} ({exc.message}); "
                    "it is watched to its end"
                )
                continue
            w.cancelled = True
            self.reporter.message(f"cancelled Copr build {w.build_id} of {name}: {failed} failed")
            # one Copr build spans several chroots: its other targets are gone too
            for other in w.chroots.values():
                if state.get(name, other).state == "building":
                    todo += state.skip(
                        name,
                        other,
                        reason=f"Copr build {w.build_id} cancelled: dependency {failed} failed",
                    )
