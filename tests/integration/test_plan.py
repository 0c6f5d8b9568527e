"""The build plan: generations from the lock, cycles with reasons, persisted state and resume."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from streams.builders.plan import BuildPlan
from streams.builders.state import PlanState
from streams.builders.workspace import open_state
from streams.errors import BuildError
from streams.lock import Lock
from tools.devkit.buildplans import locked_target

T44, T45 = "fedora-44-x86_64", "fedora-45-x86_64"


def test_runtime_first_metapackage_last_and_build_edges_count() -> None:
    t = locked_target("s", {"app": ["lib"], "lib": []}, build_edges=[("lib", "tool")])
    plan = BuildPlan.from_lock(t)
    assert plan.stream == "s"
    gens = [[str(step) for step in g] for g in plan.generations]
    assert gens == [["s-stream-runtime", "tool"], ["lib"], ["app"], ["s-stream"]]
    assert plan.nodes["s-stream"].kind == "metapackage"
    assert plan.deps["s-stream"] == {"s-stream-runtime", "app", "lib", "tool"}
    assert plan.dependants("tool") == ["lib", "app", "s-stream"]


def test_cycle_is_one_step_with_the_edges_as_reason() -> None:
    t = locked_target("s", {"a": ["b"], "b": []}, build_edges=[("b", "a")])
    plan = BuildPlan.from_lock(t, with_stream_packages=False)
    (step,) = plan.cycles()
    assert step.members == ("a", "b")
    assert step.reason == "a -> b (runtime), b -> a (build)"
    assert "cycle, built together: a -> b (runtime), b -> a (build)" in plan.render()
    # members of a cycle become ready together
    state = PlanState(plan, None, backend="local")
    assert state.ready() == [("a", T44), ("b", T44)]


def test_targets_merge_and_versions_per_target() -> None:
    a = locked_target("s", {"x": [], "y": ["x"]}, target=T44)
    b = locked_target("s", {"x": []}, target=T45, version="2.0")
    lock = Lock(stream="s", recipe="s.toml", recipe_sha256="0", target=(a, b))
    plan = BuildPlan.from_lock(lock)
    assert plan.targets == (T44, T45)
    assert plan.nodes["x"].versions == ((T44, "1.0"), (T45, "2.0"))
    assert plan.nodes["y"].targets == (T44,)


def test_failure_skips_dependants_at_once_and_ready_follows_success(tmp_path: Path) -> None:
    t = locked_target("s", {"a": [], "b": ["a"], "c": ["b"], "d": []})
    plan = BuildPlan.from_lock(t)
    path = tmp_path / "state.json"
    state = PlanState(plan, path, backend="local")
    assert state.ready() == [("s-stream-runtime", T44), ("a", T44), ("d", T44)]
    state.start("a", build_id="1", logs=[tmp_path / "a.log"])
    state.succeed("a")
    assert ("b", T44) in state.ready()
    state.start("b")
    skipped = state.fail("b", reason="rpmbuild failed", logs=[tmp_path / "b.log"])
    assert skipped == [("c", T44), ("s-stream", T44)]
    assert state.get("c", T44).reason == f"dependency b failed on {T44}"
    # persisted after every change, atomically
    saved = json.loads(path.read_text())
    assert saved["packages"]["b"][T44]["state"] == "failed"
    assert saved["packages"]["b"][T44]["logs"] == [str(tmp_path / "b.log")]
    assert saved["packages"]["c"][T44]["state"] == "skipped"
    rows = {r.package: r for r in state.summary()}
    assert rows["b"].state == "failed" and rows["a"].state == "succeeded"
    assert rows["a"].records[0][1].logs == (str(tmp_path / "a.log"),)


def test_resume_keeps_successes_and_reports_building(tmp_path: Path) -> None:
    t = locked_target("s", {"a": [], "b": ["a"], "c": []})
    plan = BuildPlan.from_lock(t)
    path = tmp_path / "state.json"
    state = PlanState(plan, path, backend="copr")
    state.start("a", build_id="11")
    state.succeed("a")
    state.start("b", build_id="12")
    state.start("c", build_id="13")
    state.fail("c")

    loaded = PlanState.load(plan, path, backend="copr")
    assert loaded.resume() == [("b", T44)]
    assert loaded.get("a", T44).state == "succeeded"
    assert loaded.get("b", T44).build_id == "12"
    assert loaded.get("c", T44).state == "pending"
    assert loaded.get("c", T44).attempts == 1


def test_open_state_fresh_or_resumed(tmp_path: Path) -> None:
    plan = BuildPlan.from_lock(locked_target("s", {"a": []}))
    state, building = open_state(plan, tmp_path, "mock", resume=False)
    state.start("a")
    state.succeed("a")
    resumed, building = open_state(plan, tmp_path, "mock", resume=True)
    assert resumed.get("a", T44).state == "succeeded" and building == []
    fresh, _ = open_state(plan, tmp_path, "mock", resume=False)
    assert fresh.get("a", T44).state == "pending"


def test_a_new_version_is_rebuilt_on_resume(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    old = BuildPlan.from_lock(locked_target("s", {"a": []}))
    state = PlanState(old, path, backend="local")
    state.start("a")
    state.succeed("a")
    new = BuildPlan.from_lock(locked_target("s", {"a": []}, version="2.0"))
    assert PlanState.load(new, path, backend="local").get("a", T44).state == "pending"
    assert PlanState.load(old, path, backend="local").get("a", T44).state == "succeeded"


def test_corrupt_state_names_the_file(tmp_path: Path) -> None:
    plan = BuildPlan.from_lock(locked_target("s", {"a": []}))
    path = tmp_path / "state.json"
    path.write_text("{not json")
    with pytest.raises(BuildError) as err:
        PlanState.load(plan, path, backend="local")
    assert str(path) in err.value.message and "delete" in (err.value.hint or "")
