"""The Copr backend against a frontend whose builds run on their own clock.

The fake Copr runs in wall-clock mode (``serve_copr(wall_clock=True)``): a build chroot runs
its scripted seconds once its batch may start, whatever the client asks or how often it
polls, as the real frontend and backend do.  Each test checks what a packager would notice:
the run does not crash, the exit state is right, Copr holds no duplicate build, and nothing is
built twice after ``--resume``.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections import Counter
from collections.abc import Mapping
from pathlib import Path

import pytest

from streams.builders.base import BuildFailures, Reporter
from streams.builders.copr import CoprApi, CoprBackend, CoprSettings
from streams.builders.plan import BuildPlan, PlanNode
from streams.builders.state import PlanState, State
from tools.devkit.buildplans import locked_target, tiny_srpms
from tools.devkit.fakecopr import Build, FakeCopr, serve_copr

pytestmark = pytest.mark.slow

T44, T45 = "fedora-44-x86_64", "fedora-45-x86_64"
TARGETS = (T44, T45)


def make_plan(deps: Mapping[str, list[str]]) -> BuildPlan:
    return BuildPlan.from_lock([locked_target("demo", deps, target=t) for t in TARGETS])


def rpm(name: str) -> str:
    return f"demo-stream-python3-{name}"


class Log(Reporter):
    def __init__(self) -> None:
        self.lines: list[str] = []

    def message(self, text: str) -> None:
        self.lines.append(text)

    def changed(self, name: str, target: str, state: State, detail: str = "") -> None:
        self.lines.append(f"{state} {name} {target} {detail}")


def backend(
    copr: FakeCopr, plan: BuildPlan, tmp: Path, reporter: Reporter | None = None, **kw: object
) -> CoprBackend:
    api = CoprApi(copr.client(), backoff=0.05, reporter=reporter)
    srpms = kw.pop("srpms", None) or tiny_srpms(plan, tmp)
    return CoprBackend(
        api,
        CoprSettings(project="demo-stream"),
        srpms,  # type: ignore[arg-type]
        poll_interval=float(kw.pop("poll", 0.05)),  # type: ignore[arg-type]
        reporter=reporter,
    )


def builds_per_package(copr: FakeCopr) -> Counter[str]:
    return Counter(b.package for b in copr.builds.values())


def ran_in_order(copr: FakeCopr, plan: BuildPlan) -> list[str]:
    """Builds that started before one of their dependencies' builds ended."""
    by_pkg: dict[str, Build] = {b.package: b for b in copr.builds.values()}
    wrong = []
    for node in plan.nodes.values():
        b = by_pkg.get(node.rpm)
        if b is None:
            continue
        start = min(c.started_at for c in b.chroots.values() if c.started_at is not None)
        for dep in plan.blocking_deps(node.name):
            d = by_pkg[plan.nodes[dep].rpm]
            ends = [c.ended_at for c in d.chroots.values()]
            if any(e is None or e > start for e in ends):
                wrong.append(f"{node.rpm} started before {d.package} ended")
    return wrong


def test_failure_whose_dependants_already_succeeded_is_orphaned_then_resumed(
    tmp_path: Path,
) -> None:
    # a fails; c (needs a) is so quick that Copr builds it -- its batch starts once a's batch
    # finished, whatever a's result -- before streams polls again: the cancel is refused
    plan = make_plan({"a": [], "c": ["a"]})
    log = Log()
    path = tmp_path / "state.json"
    with serve_copr(wall_clock=True) as copr:
        copr.script("demo-stream-runtime", seconds=0.1)
        copr.script(rpm("a"), outcome="failed", seconds=0.6)
        copr.script(rpm("c"), seconds=0.05)
        copr.script("demo-stream", seconds=0.05)
        state = PlanState(plan, path, backend="copr")
        out = backend(copr, plan, tmp_path, log, poll=1.5).build(plan, state)
        cancels = [r for r in copr.requests if "/build/cancel/" in r.path]
        c_build = copr.build_of(rpm("c"))[0]
        with pytest.raises(BuildFailures) as err:
            out.raise_for_failures()

        rows = {r.package: r.state for r in out.rows}
        assert rows["a"] == "failed"
        assert rows["c"] == "orphaned"  # built in Copr, but without a: not a usable build
        assert not out.ok
        rec = state.get("c", T44)
        assert "although" in rec.reason and "a failed" in rec.reason
        assert rec.url and f"{c_build.id:08d}" in rec.url  # the build's result directory
        # the cancel, when tried, was refused with Copr's own message and did not stop the run
        refused = [r for r in cancels if r.status == 409]
        assert all(r.status == 409 for r in cancels)
        if refused:
            assert any(f"Cannot cancel build {c_build.id}" in m for m in log.lines)
        text = err.value.render()
        assert "orphaned" in err.value.message
        assert "c (demo-stream-python3-c) on fedora-44-x86_64" in text.split("orphaned (")[1]
        assert "builder-live.log.gz" in text  # every failed/orphaned build with its log
        assert PlanState.load(plan, path, backend="copr").get("c", T45).state == "orphaned"

        # --resume: a is fixed; a and c are built again, c after a, nothing else
        copr.script(rpm("a"), seconds=0.2)
        before = len(copr.builds)
        saved = PlanState.load(plan, path, backend="copr")
        saved.resume()
        out2 = backend(copr, plan, tmp_path, poll=0.05).build(plan, saved)
        added = [b for b in sorted(copr.builds.values(), key=lambda b: b.id)][before:]
        order = ran_in_order(copr, plan)
    assert out2.ok, [(r.package, r.state) for r in out2.rows]
    assert [b.package for b in added] == [rpm("a"), rpm("c"), "demo-stream"]
    assert not order, order


def test_first_build_of_a_generation_finishes_before_the_rest_are_submitted(
    tmp_path: Path,
) -> None:
    # slow SRPMs (a large upload) behind a quick first build: Copr refuses to batch with it
    plan = make_plan({"a": [], "b": [], "c": ["a"], "d": ["a"]})
    log = Log()
    slow = tiny_srpms(plan, tmp_path)
    made: set[str] = set()

    def srpms(node: PlanNode, target: str) -> Path:
        if node.rpm not in made:
            made.add(node.rpm)
            time.sleep(0.5)
        return slow(node, target)

    with serve_copr(wall_clock=True) as copr:
        copr.script("demo-stream-runtime", seconds=0.05)
        copr.script(rpm("a"), seconds=0.6)
        copr.script(rpm("b"), seconds=0.3)
        copr.script(rpm("c"), seconds=0.05)
        copr.script(rpm("d"), seconds=0.3)
        copr.script("demo-stream", seconds=0.05)
        state = PlanState(plan, tmp_path / "s.json", backend="copr")
        out = backend(copr, plan, tmp_path, log, srpms=srpms).build(plan, state)
        refusals = [r for r in copr.submissions() if r.status == 400]
        per_pkg = builds_per_package(copr)
        order = ran_in_order(copr, plan)
        ids = {b.package: b.id for b in copr.builds.values()}
        bodies = {b.package: b.opts for b in copr.builds.values()}  # what each build asked
    assert out.ok, [(r.package, r.state) for r in out.rows]
    assert set(per_pkg.values()) == {1}, per_pkg  # no duplicate, nothing lost
    assert refusals, "the race did not happen: the fake's clock or the SRPM delay is off"
    assert any("already finished" in m and "new batch" in m for m in log.lines)
    # generation 0: the runtime ended alone, a opened the generation's batch, b joined it
    assert "after_build_id" not in bodies[rpm("a")] and "with_build_id" not in bodies[rpm("a")]
    assert bodies[rpm("b")].get("with_build_id") == ids[rpm("a")]
    # generation 1: c's batch finished before d came; d opened a new batch after the same
    # predecessor (a, the first build of generation 0's last batch)
    assert bodies[rpm("c")].get("after_build_id") == ids[rpm("a")]
    assert bodies[rpm("d")].get("after_build_id") == ids[rpm("a")]
    assert not order, order


def test_server_error_after_the_build_was_created_makes_no_duplicate(tmp_path: Path) -> None:
    plan = make_plan({"a": [], "b": ["a"]})
    log = Log()
    with serve_copr(wall_clock=True) as copr:
        for p in ("demo-stream-runtime", rpm("a"), rpm("b"), "demo-stream"):
            copr.script(p, seconds=0.1)
        copr.fail_after_create(2, status=502)  # the first two builds are created, answers lost
        state = PlanState(plan, tmp_path / "s.json", backend="copr")
        out = backend(copr, plan, tmp_path, log).build(plan, state)
        statuses = [r.status for r in copr.submissions()]
        per_pkg = builds_per_package(copr)
        lists = [r for r in copr.requests if r.path.endswith("/build/list")]
    assert out.ok, [(r.package, r.state) for r in out.rows]
    assert statuses == [502, 502, 200, 200]  # never sent again after a created build
    assert set(per_pkg.values()) == {1} and len(per_pkg) == 4, per_pkg
    assert len(lists) >= 2  # the project's builds were listed before each retry
    assert sum("had done it: not sent again" in m for m in log.lines) == 2
    b_rec = state.get("b", T44)
    assert b_rec.build_id == str(copr.build_of(rpm("b"))[0].id)


@pytest.mark.parametrize("after", [0.3, 1.2, 2.2])
def test_sigint_mid_run_then_resume_builds_nothing_twice(tmp_path: Path, after: float) -> None:
    plan = make_plan({"a": [], "b": ["a"], "c": ["b"], "x": []})
    path = tmp_path / "state.json"
    with serve_copr(wall_clock=True) as copr:
        # five generations of 0.8 s (runtime, a, b, c, metapackage): at least 4 s of builds,
        # so the latest SIGINT (2.2 s) lands mid-run even on a fast, idle machine
        for p in ("demo-stream-runtime", rpm("a"), rpm("b"), rpm("c"), rpm("x"), "demo-stream"):
            copr.script(p, seconds=0.8)
        state = PlanState(plan, path, backend="copr")
        timer = threading.Timer(after, os.kill, (os.getpid(), signal.SIGINT))
        timer.start()
        try:
            backend(copr, plan, tmp_path).build(plan, state)
            interrupted = False
        except KeyboardInterrupt:
            interrupted = True
        finally:
            timer.cancel()
        assert interrupted, "the run ended before the SIGINT"
        saved = PlanState.load(plan, path, backend="copr")
        done_before = {k for k, r in saved.items() if r.state == "succeeded"}
        saved.resume()
        out = backend(copr, plan, tmp_path).build(plan, saved)
        per_pkg = builds_per_package(copr)
        order = ran_in_order(copr, plan)
        attempts = {k: r.attempts for k, r in saved.items()}
    assert out.ok, [(r.package, r.state, r.records) for r in out.rows]
    # every package is one build in Copr: nothing was submitted or built twice
    assert set(per_pkg.values()) == {1} and len(per_pkg) == len(plan.nodes), per_pkg
    assert not order, order
    assert all(attempts[k] == 1 for k in done_before)
