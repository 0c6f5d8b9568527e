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
  FAILED 5.

Also :func:`latest_tagged`, the base source for drift checks: the latest builds of a tag.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from streams.builders.base import BuildOutcome, Reporter, SrpmProvider
from streams.builders.plan import BuildPlan
from streams.builders.state import PlanState
from streams.errors import BuildError, ServiceError, UsageError
from streams.targets import get_target

log = logging.getLogger(__name__)

FREE, OPEN, CLOSED, CANCELED, ASSIGNED, FAILED = range(6)
DONE = {CLOSED, CANCELED, FAILED}
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
        poll_interval: float = 60.0,
        weburl: str | None = None,
        reporter: Reporter | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.session = session
        self.srpms = srpms
        self.koji_targets = dict(koji_targets or {})
        self.scratch = scratch
        self.poll_interval = poll_interval
        self.weburl = (weburl or web_url(str(getattr(session, "baseurl", "")))).rstrip("/")
        self.reporter = reporter or Reporter()
        self.sleep = sleep

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
        tasks: dict[int, _Task] = {}
        for (name, target), rec in state.items():
            if rec.state == "building" and rec.build_id:
                tasks[int(rec.build_id)] = _Task(int(rec.build_id), name, target, OPEN)
        wait_builds: list[str] = []
        for gen in plan.generations:
            members = {m for step in gen for m in step.members}
            for name in [m for step in gen for m in step.members]:
                node = plan.nodes[name]
                for target in state.pending_targets(name):
                    tid = self._submit(koji, self.srpms(node, target), target, wait_builds)
                    tasks[tid] = _Task(tid, name, target)
                    state.start(name, target, build_id=str(tid), url=self.task_url(tid))
                    self.reporter.submitted(name, (target,), str(tid))
            gen_tasks = [t for t in tasks.values() if t.name in members]
            self._watch(koji, state, [t for t in gen_tasks if t.state not in DONE])
            wait_builds = [] if self.scratch else self._nvrs(gen_tasks)
        return BuildOutcome("koji", tuple(state.summary()), state.path)

    def _submit(self, koji: Any, srpm: Path, target: str, wait_builds: Sequence[str]) -> int:
        # koji_cli.lib.unique_path: cli-build/<time>.<random>
        serverdir = "cli-build/%.6f.%s" % (  # noqa: UP031 -- the CLI's exact format
            time.time(),
            "".join(random.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(8)),
        )
        opts: dict[str, Any] = {"scratch": self.scratch}
        if wait_builds:
            opts["wait_builds"] = list(wait_builds)
        try:
            self.session.uploadWrapper(str(srpm), serverdir)
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

    def _watch(self, koji: Any, state: PlanState, tasks: list[_Task]) -> None:
        while active := [t for t in tasks if t.state not in DONE]:
            self.sleep(self.poll_interval)
            with self.session.multicall(strict=False) as m:
                infos = [(t, m.getTaskInfo(t.task_id)) for t in active]
            for task, call in infos:
                info = call.result
                if info is None:
                    continue
                new = int(info["state"])
                if new == task.state:
                    continue
                task.state = new
                if new == CLOSED:
                    state.succeed(task.name, task.target, url=self.task_url(task.task_id))
                    self.reporter.changed(task.name, task.target, "succeeded")
                elif new in (FAILED, CANCELED):
                    reason = self._failure(koji, task, new)
                    state.fail(
                        task.name,
                        task.target,
                        reason=reason,
                        url=self.task_url(task.task_id),
                        logs=[self.task_url(task.task_id)],
                    )
                    self.reporter.changed(task.name, task.target, "failed", reason)

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
