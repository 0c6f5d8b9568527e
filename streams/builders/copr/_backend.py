"""The backend: the plan's generations as Copr batches, watched and cancelled on failure."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from streams.builders.base import BuildOutcome, Reporter, SrpmProvider
from streams.builders.copr._api import CoprApi
from streams.builders.copr._config import CoprSettings, copr_config
from streams.builders.copr._dryrun import chroots_for, render_dry_run
from streams.builders.plan import BuildPlan
from streams.builders.state import PlanState
from streams.errors import BuildError, ServiceError, UsageError

log = logging.getLogger(__name__)


LIST_THRESHOLD = 3
PAGE = 100
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


@dataclass
class _Run:
    watched: dict[int, _Watched] = field(default_factory=dict)
    batches: int = 0


class CoprBackend:
    """Builds a plan in one Copr project.  See the module docstring for the protocol."""

    name = "copr"

    def __init__(
        self,
        api: CoprApi | None,
        settings: CoprSettings,
        srpms: SrpmProvider,
        *,
        poll_interval: float = 30.0,
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
        poll_interval: float = 30.0,
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

        A KeyboardInterrupt leaves the submitted builds running in Copr and their ids in the
        state: run again with ``--resume`` to re-attach.
        """
        target_chroots = chroots_for(plan.targets)
        self.ensure_project(sorted(set(target_chroots.values())))
        run = _Run()
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

    def _reattach(
        self, plan: BuildPlan, state: PlanState, run: _Run, target_chroots: Mapping[str, str]
    ) -> None:
        by_id: dict[int, _Watched] = {}
        for (name, target), rec in state.items():
            if rec.state != "building" or not rec.build_id:
                continue
            bid = int(rec.build_id)
            w = by_id.setdefault(bid, _Watched(bid, name, {}))
            w.chroots[target_chroots[target]] = target
        for w in by_id.values():
            run.watched[w.build_id] = w
            self.reporter.submitted(w.name, tuple(w.chroots.values()), str(w.build_id))
        # learn what happened while we were away before submitting anything new
        for w in list(by_id.values()):
            build = self.api.call("build_proxy.get", w.build_id)
            self._update(state, run, w, str(build.state))

    def _submit(
        self, plan: BuildPlan, state: PlanState, run: _Run, target_chroots: Mapping[str, str]
    ) -> None:
        """Submit the pending records generation by generation, one batch each.

        Builds re-attached after an interruption sit in batches of the earlier run, which the
        new batches cannot be chained to; a generation that comes after one of them is only
        submitted once they have finished (a fresh run never waits here).
        """
        reattached = {w.build_id: plan.generation_of(w.name) for w in run.watched.values()}
        prev_anchor: int | None = None
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
            anchor: int | None = None
            for name in members:
                node = plan.nodes[name]
                groups: dict[Path, list[str]] = {}
                for t in state.pending_targets(name):
                    groups.setdefault(self.srpms(node, t), []).append(t)
                for srpm, targets in groups.items():
                    opts: dict[str, Any] = {"chroots": sorted(target_chroots[t] for t in targets)}
                    if self.settings.timeout:
                        opts["timeout"] = self.settings.timeout
                    bid = self._create(srpm, opts, anchor, prev_anchor, run)
                    if anchor is None:
                        anchor = bid
                    w = _Watched(bid, name, {target_chroots[t]: t for t in targets})
                    run.watched[bid] = w
                    for t in targets:
                        state.start(name, t, build_id=str(bid), url=self.build_url(bid))
                    self.reporter.submitted(name, tuple(targets), str(bid))
            if anchor is not None:
                prev_anchor = anchor

    def _create(
        self,
        srpm: Path,
        opts: dict[str, Any],
        anchor: int | None,
        prev_anchor: int | None,
        run: _Run,
    ) -> int:
        owner, project = self.owner, self.settings.project
        if anchor is not None:
            try:
                build = self.api.call(
                    "build_proxy.create_from_file",
                    owner,
                    project,
                    str(srpm),
                    buildopts={**opts, "with_build_id": anchor},
                )
                return int(build.id)
            except ServiceError as exc:
                # the batch finished while we were uploading (builds_logic: a finished batch
                # cannot be joined): start a new batch after the previous generation instead
                if exc.status != 400:
                    raise
                self.reporter.message(f"batch of build {anchor} already finished: {exc.message}")
        extra = {"after_build_id": prev_anchor} if prev_anchor is not None else {}
        build = self.api.call(
            "build_proxy.create_from_file",
            owner,
            project,
            str(srpm),
            buildopts={**opts, **extra},
        )
        run.batches += 1
        return int(build.id)

    # -- watching ------------------------------------------------------------------------------
    def _active(self, run: _Run) -> list[_Watched]:
        return [w for w in run.watched.values() if w.state not in TERMINAL and not w.cancelled]

    def _watch(self, state: PlanState, run: _Run, *, only: set[int] | None = None) -> None:
        """Poll until every watched build (or those in ``only``) is finished or cancelled."""
        while active := self._active(run):
            if only is not None and not any(w.build_id in only for w in active):
                return
            self.sleep(self.poll_interval)
            if len(active) <= LIST_THRESHOLD:
                # one build at a time, acting on each answer before asking the next
                for w in active:
                    if w.cancelled:
                        continue
                    new = str(self.api.call("build_proxy.get", w.build_id).state)
                    if new != w.state:
                        self._update(state, run, w, new)
                continue
            for w, new in self._poll(active):
                if new != w.state and not w.cancelled:
                    self._update(state, run, w, new)

    def _poll(self, active: list[_Watched]) -> list[tuple[_Watched, str]]:
        """States of the ``active`` builds from ``build_proxy.get_list``, newest first."""
        wanted = {w.build_id: w for w in active}
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
        return [(w, found.get(w.build_id, w.state)) for w in active]

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
            return
        for chroot, target in sorted(w.chroots.items()):
            cstate = per_chroot.get(chroot, new)
            url = urls.get(chroot) or self.build_url(w.build_id)
            logs = [f"{url.rstrip('/')}/builder-live.log.gz"] if urls.get(chroot) else []
            current = state.get(w.name, target).state
            if current == "skipped":
                continue
            if cstate == "succeeded":
                state.succeed(w.name, target, url=url, logs=logs)
                self.reporter.changed(w.name, target, "succeeded", f"build {w.build_id}")
            else:
                reason = f"Copr build {w.build_id} {cstate} in {chroot}"
                skipped = state.fail(w.name, target, reason=reason, url=url, logs=logs)
                self.reporter.changed(w.name, target, "failed", reason)
                self._cancel_dependants(state, run, skipped, w.name)

    def _cancel_dependants(
        self, state: PlanState, run: _Run, skipped: list[tuple[str, str]], failed: str
    ) -> None:
        """Cancel the queued builds of records that just became skipped (and cascade)."""
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
                if exc.status != 409:  # 409: it finished meanwhile; its result will show
                    raise
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
