"""The Koji backend against a hub whose tasks run on their own clock.

The fake hub runs in wall-clock mode (``serve_koji(wall_clock=True)``): a task runs its
scripted seconds once it is OPEN, however often it is polled, so tasks start and end between
two polls; ``hub.restart(down=...)`` refuses connections for a while, as a restarted hub does.
"""

from __future__ import annotations

import os
import signal
import threading
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from streams.builders.base import BuildFailures, BuildOutcome, Reporter
from streams.builders.koji import KojiBackend, koji_session
from streams.builders.plan import BuildPlan
from streams.builders.state import PlanState, State
from tools.devkit.buildplans import locked_target, tiny_srpms
from tools.devkit.fakekoji import FakeKoji, serve_koji

pytestmark = pytest.mark.slow

T = "fedora-44-x86_64"


class Log(Reporter):
    def __init__(self) -> None:
        self.lines: list[str] = []

    def message(self, text: str) -> None:
        self.lines.append(text)

    def changed(self, name: str, target: str, state: State, detail: str = "") -> None:
        self.lines.append(f"{state} {name} {detail}")


def session(hub: FakeKoji) -> Any:
    # the client's own retries are kept short: what outlasts them is the backend's to handle
    return koji_session(
        hub.url,
        auth="password",
        user="packager",
        password="hunter2",
        opts={"max_retries": 1, "retry_interval": 0.05},
    )


def run(
    hub: FakeKoji,
    plan: BuildPlan,
    state: PlanState,
    tmp: Path,
    log: Reporter | None = None,
    poll: float = 0.05,
) -> BuildOutcome:
    """One ``streams build`` run: its own logged-in session, logged out at the end (as the
    process exit would; a session left to the garbage collector logs out from wherever the
    collector runs, the fake hub's own thread included)."""
    s = session(hub)
    try:
        b = KojiBackend(s, tiny_srpms(plan, tmp), poll_interval=poll, reporter=log)
        return b.build(plan, state)
    finally:
        s.logout()


def tasks_per_package(hub: FakeKoji) -> Counter[str]:
    return Counter(t.name for t in hub.tasks.values())


def test_cancel_of_a_closed_cycle_mate_is_orphaned_then_resumed(tmp_path: Path) -> None:
    # a and b form a cycle (built together, in one generation); b ends, then a fails, both
    # between two polls: the cancel of b comes too late, and the hub says nothing about it
    plan = BuildPlan.from_lock(locked_target("s", {"a": ["b"]}, target=T, build_edges=[("b", "a")]))
    assert [str(s) for s in plan.generations[0]] == ["s-stream-runtime", "{a, b}"]
    log = Log()
    path = tmp_path / "state.json"
    with serve_koji(wall_clock=True) as hub:
        hub.script("s-stream-runtime", seconds=0.05)
        hub.script("s-stream-python3-a", fail=True, seconds=0.3)
        hub.script("s-stream-python3-b", seconds=0.1)
        state = PlanState(plan, path, backend="koji")
        out = run(hub, plan, state, tmp_path, log, poll=0.8)
        calls = list(hub.calls)
        b_task = next(t for t in hub.tasks.values() if t.name == "s-stream-python3-b")
        assert "cancelTask" in calls  # sent, and answered with nothing, as the real hub does
        assert b_task.state == 2  # CLOSED: the hub did not cancel a finished task
        assert state.get("a", T).state == "failed"
        assert state.get("b", T).state == "orphaned"
        assert f"Koji task {b_task.id}" in state.get("b", T).reason
        assert state.get("s-stream", T).state == "skipped"
        with pytest.raises(BuildFailures) as err:
            out.raise_for_failures()
        assert "1 orphaned" in err.value.message
        assert f"taskID={b_task.id}" in err.value.render()

        # --resume after a is fixed: a and b are built again, the runtime is not
        hub.script("s-stream-python3-a", seconds=0.1)
        before = len(hub.tasks)
        saved = PlanState.load(plan, path, backend="koji")
        saved.resume()
        out2 = run(hub, plan, saved, tmp_path)
        added = [t.name for t in sorted(hub.tasks.values(), key=lambda t: t.id)[before:]]
    assert out2.ok, [(r.package, r.state) for r in out2.rows]
    assert sorted(added) == ["s-stream", "s-stream-python3-a", "s-stream-python3-b"]


def test_hub_restart_mid_run_is_waited_for_without_duplicate_tasks(tmp_path: Path) -> None:
    plan = BuildPlan.from_lock(locked_target("s", {"a": [], "b": ["a"]}, target=T))
    log = Log()
    with serve_koji(wall_clock=True) as hub:
        for p in ("s-stream-runtime", "s-stream-python3-a", "s-stream-python3-b", "s-stream"):
            hub.script(p, seconds=0.3)
        state = PlanState(plan, tmp_path / "s.json", backend="koji")
        timer = threading.Timer(0.5, hub.restart, kwargs={"down": 1.5})
        timer.start()
        try:
            out = run(hub, plan, state, tmp_path, log)
        finally:
            timer.cancel()
        per_pkg = tasks_per_package(hub)
    assert out.ok, [(r.package, r.state) for r in out.rows]
    assert any("unreachable" in m for m in log.lines), log.lines
    assert set(per_pkg.values()) == {1} and len(per_pkg) == 4, per_pkg


@pytest.mark.parametrize("after", [0.3, 1.0])
def test_sigint_mid_run_then_resume_submits_nothing_twice(tmp_path: Path, after: float) -> None:
    plan = BuildPlan.from_lock(locked_target("s", {"a": [], "b": ["a"], "c": ["b"]}, target=T))
    path = tmp_path / "state.json"
    with serve_koji(wall_clock=True) as hub:
        for name in plan.nodes.values():
            hub.script(name.rpm, seconds=0.3)
        state = PlanState(plan, path, backend="koji")
        timer = threading.Timer(after, os.kill, (os.getpid(), signal.SIGINT))
        timer.start()
        try:
            run(hub, plan, state, tmp_path)
            interrupted = False
        except KeyboardInterrupt:
            interrupted = True
        finally:
            timer.cancel()
        assert interrupted, "the run ended before the SIGINT"
        saved = PlanState.load(plan, path, backend="koji")
        saved.resume()
        out = run(hub, plan, saved, tmp_path)
        per_pkg = tasks_per_package(hub)
    assert out.ok, [(r.package, r.state) for r in out.rows]
    assert set(per_pkg.values()) == {1} and len(per_pkg) == len(plan.nodes), per_pkg
