"""Koji backend: upload SRPMs, build them to a Koji target generation by generation, watch tasks.

Protocol facts are in ``docs/reference/contracts.md`` §2 (koji-project/koji @2083513, koji 1.36
client):

* ``koji.ClientSession(hub)`` speaks XML-RPC to ``.../kojihub``; keyword arguments travel as a
  trailing ``__starstar`` struct; ``with session.multicall() as m`` batches calls into one
  ``multiCall``.
* Login: ``gssapi_login()`` (Fedora, Kerberos) or ``login()`` with ``user``/``password`` in the
  session options (hubs with password auth, and the test hub).
* ``uploadWrapper(path, serverdir)`` with ``serverdir = cli-build/<time>.<random>`` (the koji
  CLI's ``unique_path``), then ``build("cli-build/.../x.src.rpm", target, opts)``.
* Order: generation *g+1* is submitted once every task of generation *g* is finished, with
  ``opts["wait_builds"]`` = the NVRs built in generation *g*, so Koji waits until they are in
  the buildroot repository (the CLI's ``--wait-build``).  Scratch builds are never tagged, so
  with ``scratch=True`` later generations cannot see earlier ones: use it for one-generation
  plans or to test specs.
* Task states (``koji.TASK_STATES``): FREE 0, OPEN 1, CLOSED 2, CANCELED 3, ASSIGNED 4,
  FAILED 5.  A task may start and end between two polls: only the state seen matters.
* ``cancelTask`` on a CLOSED or FAILED task does nothing and raises nothing (``Task.cancel`` in
  ``kojihub/kojihub.py``): a dependant skipped because its cycle-mate failed, whose cancel came
  too late and which was built, is recorded ``orphaned`` from the next poll.
* ``ClientSession`` retries a call a few times on a lost connection (``max_retries``,
  ``retry_interval``); a hub that stays away longer (a restart) raises a ``requests``
  connection error.  streams then waits with backoff and asks again, up to
  :data:`OUTAGE` seconds; a submission whose answer was lost is first looked up with
  ``listTasks`` (method ``build``, created since it was sent, same SRPM and target), so it is
  never made twice.  Before a task is submitted its record is ``building`` without a task id,
  so ``--resume`` after a Ctrl-C at any point looks the task up the same way.

Also :func:`latest_tagged`, the base source for drift checks: the latest builds of a tag.
"""

from __future__ import annotations

import functools
import logging
import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from streams.builders.base import BuildOutcome, Poller, Reporter, SrpmProvider
from streams.builders.plan import BuildPlan
from streams.builders.state import PlanState
from streams.errors import BuildError, ServiceError, UsageError
from streams.targets import get_target

log = logging.getLogger(__name__)

FREE, OPEN, CLOSED, CANCELED, ASSIGNED, FAILED = range(6)
DONE = {CLOSED, CANCELED, FAILED}
DEFAULT_POLL = 20.0
"""Seconds between two polls at first; :class:`~streams.builders.base.Poller` backs off to two
minutes while nothing changes."""
OUTAGE = 600.0
"""Seconds a hub may stay unreachable (a restart) before the run stops with ``--resume``."""
SUBMIT_SLACK = 300.0
"""Seconds of clock difference allowed between this machine and the hub in task lookups."""
Auth = Literal["gssapi", "password", "none"]


def _koji() -> Any:
    try:
        import koji
    except ImportError as exc:
        raise BuildError(
            "the Koji backend needs the koji client library",
            backend="koji",
            hint="dnf install python3-koji, or pip install koji",
        ) from exc
    return koji


def koji_session(
    hub: str,
    *,
    auth: Auth = "gssapi",
    user: str | None = None,
    password: str | None = None,
    opts: Mapping[str, Any] | None = None,
) -> Any:
    """A logged-in ``koji.ClientSession`` on ``hub`` (``auth="none"`` for read-only use)."""
    koji = _koji()
    session_opts: dict[str, Any] = {"anon_retry": True, "max_retries": 3, "retry_interval": 2}
    session_opts.update(opts or {})
    if auth == "password":
        session_opts.update({"user": user, "password": password})
    session = koji.ClientSession(hub, opts=session_opts)
    try:
        if auth == "password":
            session.login()
        elif auth == "gssapi":
            session.gssapi_login()
    except koji.AuthError as exc:
        raise ServiceError(
            f"Koji at {hub} refused the login: {exc}",
            service="koji",
            url=hub,
            status=401,
            hint="run kinit (Fedora: kinit USER@FEDORAPROJECT.ORG) or check the user/password",
        ) from None
    except Exception as exc:  # requests/OSError: the hub is unreachable
        raise ServiceError(f"cannot reach Koji at {hub}: {exc}", service="koji", url=hub) from exc
    return session


def _epoch(iso: str | None) -> float | None:
    return datetime.fromisoformat(iso).timestamp() if iso else None


def web_url(hub: str) -> str:
    """The web UI next to a hub: ``https://koji.fedoraproject.org/koji`` for ``.../kojihub``."""
    return hub.rstrip("/").removesuffix("hub")


def latest_tagged(session: Any, tag: str, *, inherit: bool = True) -> list[dict[str, Any]]:
    """The latest build of every package in ``tag`` (with inheritance), newest first."""
    koji = _koji()
    try:
        builds = session.listTagged(tag, inherit=inherit, latest=True)
    except koji.GenericError as exc:
        raise ServiceError(f"Koji: cannot list tag {tag!r}: {exc}", service="koji") from None
    return list(builds)


@dataclass
class _Task:
    task_id: int
    name: str
    target: str
    state: int = FREE


class KojiBackend:
    """Builds a plan in Koji; see the module docstring."""

    name = "koji"

    def __init__(
        self,
        session: Any,
        srpms: SrpmProvider,
        *,
        koji_targets: Mapping[str, str] | None = None,
        scratch: bool = False,
        poll_interval: float = DEFAULT_POLL,
        weburl: str | None = None,
        reporter: Reporter | None = None,
        sleep: Callable[[float], None] = time.sleep,
        outage: float = OUTAGE,
    ) -> None:
        self.session = session
        self.srpms = srpms
        self.koji_targets = dict(koji_targets or {})
        self.scratch = scratch
        self.poll_interval = poll_interval
        self.weburl = (weburl or web_url(str(getattr(session, "baseurl", "")))).rstrip("/")
        self.reporter = reporter or Reporter()
        self.sleep = sleep
        self.outage = outage

    def koji_target(self, target: str) -> str:
        if target in self.koji_targets:
            return self.koji_targets[target]
        name = get_target(target).koji_target
        if name is None:
            raise UsageError(f"target {target!r} has no Koji build target", hint="pass one")
        return name

    def task_url(self, task_id: int) -> str:
        return f"{self.weburl}/taskinfo?taskID={task_id}"

    # -- dry run ---------------------------------------------------------------------------
    def dry_run(self, plan: BuildPlan, state: PlanState) -> str:
        lines = []
        for g, gen in enumerate(plan.generations):
            lines.append(f"generation {g}:")
            for step in gen:
                for name in step.members:
                    for t, rec in state.records(name):
                        if rec.state == "succeeded":
                            continue
                        rpm = plan.nodes[name].rpm
                        opts: dict[str, Any] = {"scratch": self.scratch}
                        if g and not self.scratch:
                            opts["wait_builds"] = [f"<NVRs of generation {g - 1}>"]
                        lines.append(
                            f"  uploadWrapper({rpm}-*.src.rpm, 'cli-build/...'); "
                            f"build('cli-build/.../{rpm}-*.src.rpm', {self.koji_target(t)!r}, "
                            f"opts={opts})"
                        )
            lines.append("  then: multiCall(getTaskInfo...) until every task is finished")
        return "\n".join(lines)

    # -- the run -------------------------------------------------------------------------------
    def build(self, plan: BuildPlan, state: PlanState) -> BuildOutcome:
        koji = _koji()
        poller = Poller(self.poll_interval, sleep=self.sleep)
        tasks: dict[int, _Task] = {}
        for (name, target), rec in state.items():
            if rec.state != "building":
                continue
            if rec.build_id:
                tasks[int(rec.build_id)] = _Task(int(rec.build_id), name, target, OPEN)
                continue
            # the run stopped while this submission was in flight: did it reach the hub?
            srpm = self.srpms(plan.nodes[name], target)
            known = {int(r.build_id) for _, r in state.items() if r.build_id}
            since = _epoch(rec.started)
            found = self._find_task(koji, srpm.name, target, since, known)
            if found is None:
                state.requeue(name, target, reason="its submission never reached Koji")
                continue
            self.reporter.message(f"Koji task {found} of {name} was submitted before: re-attached")
            state.update(name, target, build_id=str(found), url=self.task_url(found))
            tasks[found] = _Task(found, name, target, OPEN)
        wait_builds: list[str] = []
        for gen in plan.generations:
            members = {m for step in gen for m in step.members}
            for name in [m for step in gen for m in step.members]:
                node = plan.nodes[name]
                for target in state.pending_targets(name):
                    srpm = self.srpms(node, target)
                    state.start(name, target)  # in flight: --resume looks it up
                    known = {int(r.build_id) for _, r in state.items() if r.build_id}
                    tid = self._submit(koji, srpm, target, wait_builds, known)
                    tasks[tid] = _Task(tid, name, target)
                    state.update(name, target, build_id=str(tid), url=self.task_url(tid))
                    self.reporter.submitted(name, (target,), str(tid))
                    self.reporter.changed(name, target, "building", f"Koji task {tid}")
            gen_tasks = [t for t in tasks.values() if t.name in members]
            self._watch(koji, state, tasks, [t for t in gen_tasks if t.state not in DONE], poller)
            wait_builds = [] if self.scratch else self._nvrs(gen_tasks)
        return BuildOutcome("koji", tuple(state.summary()), state.path)

    # -- calls that survive a hub restart ----------------------------------------------------
    def _call(self, koji: Any, what: str, fn: Callable[[], Any]) -> Any:
        """``fn()``, retried with backoff while the hub cannot be reached (after the
        client's own retries), for up to ``outage`` seconds."""
        import requests

        waited = 0.0
        delay = max(self.poll_interval, 0.05)
        while True:
            try:
                return fn()
            except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as exc:
                error: Exception = exc
            except koji.ServerOffline as exc:
                error = exc
            if waited >= self.outage:
                raise ServiceError(
                    f"Koji at {getattr(self.session, 'baseurl', '')} cannot be reached for "
                    f"{what} ({error}) after {waited:.0f}s",
                    service="koji",
                    url=str(getattr(self.session, "baseurl", "")),
                    hint="run the same command with --resume once the hub is back "
                    "(submitted tasks are kept)",
                ) from None
            self.reporter.message(f"Koji hub unreachable during {what}; retrying in {delay:g}s")
            self.sleep(delay)
            waited += delay
            delay = min(delay * 2, 60.0)

    def _find_task(
        self, koji: Any, srpm: str, target: str, since: float | None, known: set[int]
    ) -> int | None:
        """The build task of ``srpm`` for ``target`` the hub made although its answer was
        lost (or the run stopped before recording it), else None."""
        opts: dict[str, Any] = {"method": "build", "decode": True}
        if since is not None:
            opts["createdAfter"] = since - SUBMIT_SLACK
        found = self._call(koji, "listTasks", lambda: self.session.listTasks(opts=opts))
        for info in found or ():
            request: Sequence[Any] = info.get("request") or ()
            if int(info["id"]) in known or len(request) < 2:
                continue
            if str(request[0]).rsplit("/", 1)[-1] == srpm and request[1] == self.koji_target(
                target
            ):
                return int(info["id"])
        return None

    def _submit(
        self,
        koji: Any,
        srpm: Path,
        target: str,
        wait_builds: Sequence[str],
        known: set[int] | None = None,
    ) -> int:
        import requests

        opts: dict[str, Any] = {"scratch": self.scratch}
        if wait_builds:
            opts["wait_builds"] = list(wait_builds)
        since = time.time()
        while True:
            # koji_cli.lib.unique_path: cli-build/<time>.<random>
            serverdir = "cli-build/%.6f.%s" % (  # noqa: UP031 -- the CLI's exact format
                time.time(),
                "".join(random.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(8)),
            )
            uploaded = False
            try:
                self.session.uploadWrapper(str(srpm), serverdir)
                uploaded = True
                return int(
                    self.session.build(f"{serverdir}/{srpm.name}", self.koji_target(target), opts)
                )
            except koji.GenericError as exc:
                raise ServiceError(
                    f"Koji refused the build of {srpm.name} for {self.koji_target(target)}: {exc}",
                    service="koji",
                    url=str(getattr(self.session, "baseurl", "")),
                    hint="check the target name (koji list-targets) and your build permission",
                ) from None
            except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as exc:
                if time.time() - since > self.outage:
                    raise ServiceError(
                        f"Koji at {getattr(self.session, 'baseurl', '')} cannot be reached to "
                        f"submit {srpm.name} ({exc})",
                        service="koji",
                        hint="run the same command with --resume once the hub is back",
                    ) from None
                if not uploaded:  # start the upload again, into a fresh directory
                    self.reporter.message(f"Koji hub unreachable uploading {srpm.name}; retrying")
                    self.sleep(max(self.poll_interval, 0.05))
                    continue
                # the answer is lost: did the hub make the task?  (then never twice)
                self.reporter.message(f"Koji build call for {srpm.name} lost ({exc}); checking")
                found = self._find_task(koji, srpm.name, target, since, set(known or ()))
                if found is not None:
                    return found

    def _watch(
        self,
        koji: Any,
        state: PlanState,
        tasks: Mapping[int, _Task],
        watched: list[_Task],
        poller: Poller,
    ) -> None:
        while active := [t for t in watched if t.state not in DONE]:
            poller.wait()

            def poll(active: list[_Task] = active) -> list[tuple[_Task, Any]]:
                with self.session.multicall(strict=False) as m:
                    return [(t, m.getTaskInfo(t.task_id)) for t in active]

            infos = self._call(koji, "getTaskInfo", poll)
            changed = False
            for task, call in infos:
                info = call.result
                if info is None:
                    continue
                new = int(info["state"])
                if new == task.state:
                    continue
                changed = True
                if task.state in (FREE, ASSIGNED) and new == OPEN:
                    self.reporter.message(f"Koji task {task.task_id} of {task.name} is running")
                task.state = new
                if new in DONE:
                    self._finished(koji, state, tasks, task, new)
            poller.changed(changed)

    def _finished(
        self, koji: Any, state: PlanState, tasks: Mapping[int, _Task], task: _Task, new: int
    ) -> None:
        url = self.task_url(task.task_id)
        rec = state.get(task.name, task.target)
        if rec.state == "skipped":
            if new == CLOSED:  # the cancel came too late: built without the dependency
                reason = (
                    f"Koji task {task.task_id} was built although {rec.reason}: built "
                    "without it, not published"
                )
                state.orphan(task.name, task.target, reason=reason, url=url, logs=[url])
                self.reporter.changed(task.name, task.target, "orphaned", reason)
            return
        if rec.state != "building" or rec.build_id != str(task.task_id):
            return
        if new == CLOSED:
            state.succeed(task.name, task.target, url=url)
            self.reporter.changed(task.name, task.target, "succeeded")
            return
        reason = self._failure(koji, task, new)
        skipped = state.fail(
            task.name, task.target, reason=reason, url=url, logs=[url], orphan_built=True
        )
        self.reporter.changed(task.name, task.target, "failed", reason)
        by_record = {(t.name, t.target): t for t in tasks.values() if t.state not in DONE}
        for name, target in skipped:
            after = state.get(name, target)
            self.reporter.changed(name, target, after.state, after.reason)
            other = by_record.get((name, target))
            if after.state != "skipped" or other is None:
                continue
            # queued or running already (a cycle-mate, a re-attached task): cancel it; on a
            # task that has ended the hub does nothing, and the next poll tells
            self._call(
                koji, "cancelTask", functools.partial(self.session.cancelTask, other.task_id)
            )
            self.reporter.message(
                f"cancelled Koji task {other.task_id} of {name}: {task.name} failed"
            )

    def _failure(self, koji: Any, task: _Task, new: int) -> str:
        if new == CANCELED:
            return f"Koji task {task.task_id} was cancelled"
        try:
            self.session.getTaskResult(task.task_id)
        except koji.GenericError as exc:  # a failed task's result is its fault
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else "failed"
            return (
                f"Koji task {task.task_id} failed: {first} "
                f"(build.log of the failed arch: {self.task_url(task.task_id)})"
            )
        return f"Koji task {task.task_id} failed"

    def _nvrs(self, tasks: Sequence[_Task]) -> list[str]:
        """NVRs the successful tasks built (for ``wait_builds`` of the next generation)."""
        done = [t for t in tasks if t.state == CLOSED]
        if not done:
            return []
        with self.session.multicall(strict=False) as m:
            calls = [m.listBuilds(taskID=t.task_id) for t in done]
        nvrs = []
        for call in calls:
            for b in call.result or ():
                nvrs.append(str(b["nvr"]))
        return sorted(set(nvrs))
