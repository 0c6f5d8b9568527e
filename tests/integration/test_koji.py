"""The Koji backend with the real ``koji.ClientSession`` against the local XML-RPC hub."""

from __future__ import annotations

from pathlib import Path

import pytest

from streams.builders.koji import KojiBackend, koji_session, latest_tagged
from streams.builders.plan import BuildPlan
from streams.builders.state import PlanState
from streams.errors import BuildError, ServiceError
from tools.devkit.buildplans import locked_target, tiny_srpms
from tools.devkit.fakekoji import FakeKoji, serve_koji

pytestmark = pytest.mark.slow

T = "fedora-44-x86_64"


def plan_of() -> BuildPlan:
    return BuildPlan.from_lock(locked_target("s", {"a": [], "b": ["a"]}, target=T))


def session(hub: FakeKoji) -> object:
    # a small block size forces several uploadFile chunks
    return koji_session(
        hub.url, auth="password", user="packager", password="hunter2",
        opts={"upload_blocksize": 2048},
    )  # fmt: skip


def test_builds_in_generations_waiting_for_previous_builds(tmp_path: Path) -> None:
    plan = plan_of()
    with serve_koji() as hub:
        state = PlanState(plan, tmp_path / "state.json", backend="koji")
        out = KojiBackend(session(hub), tiny_srpms(plan, tmp_path), poll_interval=0.01).build(
            plan, state
        )
        tasks = sorted(hub.tasks.values(), key=lambda t: t.id)
        uploads = list(hub.upload_calls)
        calls = list(hub.calls)
    assert out.ok, [(r.package, r.state, r.records) for r in out.rows]
    assert [t.name for t in tasks] == [
        "s-stream-runtime", "s-stream-python3-a", "s-stream-python3-b", "s-stream",
    ]  # fmt: skip
    assert {t.target for t in tasks} == {"f44-candidate"}
    assert [t.opts.get("wait_builds") for t in tasks] == [
        None,
        None,
        ["s-stream-python3-a-1.0-1", "s-stream-runtime-1.0-1"],
        ["s-stream-python3-b-1.0-1"],
    ]
    assert all(t.opts["scratch"] is False for t in tasks)
    # chunked upload: offsets 0, 2048, ... then -1 with the whole file's sha256
    first = [off for key, off in uploads if key == tasks[0].src]
    assert first[0] == 0 and first[1] == 2048 and first[-1] == -1
    assert tasks[0].src.startswith("cli-build/")
    assert "multiCall" in calls and "login" in calls
    rec = state.get("b", T)
    assert rec.build_id == str(tasks[2].id)
    assert rec.url == f"{hub.url.removesuffix('hub')}/taskinfo?taskID={tasks[2].id}"


def test_failed_task_fails_the_package_and_skips_dependants(tmp_path: Path) -> None:
    plan = plan_of()
    with serve_koji() as hub:
        hub.script("s-stream-python3-a", fail=True)
        state = PlanState(plan, None, backend="koji")
        session = koji_session(hub.url, auth="password", user="packager", password="hunter2")
        backend = KojiBackend(session, tiny_srpms(plan, tmp_path), poll_interval=0.01, scratch=True)
        out = backend.build(plan, state)
        names = [t.name for t in hub.tasks.values()]
        failed_id = next(t.id for t in hub.tasks.values() if t.name == "s-stream-python3-a")
    assert "s-stream-python3-b" not in names  # never submitted
    rec = state.get("a", T)
    assert rec.state == "failed"
    assert f"Koji task {failed_id} failed" in rec.reason and "build.log" in rec.reason
    assert state.get("b", T).state == "skipped"
    with pytest.raises(BuildError) as err:
        out.raise_for_failures()
    assert f"taskID={failed_id}" in err.value.output_tail


def test_bad_password_is_a_service_error(tmp_path: Path) -> None:
    with serve_koji() as hub, pytest.raises(ServiceError) as err:
        koji_session(hub.url, auth="password", user="packager", password="wrong")
    assert err.value.status == 401 and "refused the login" in err.value.message


def test_latest_tagged_with_inheritance() -> None:
    with serve_koji() as hub:
        old = {"package_name": "numpy", "nvr": "numpy-1.0-1", "name": "numpy"}
        new = {"package_name": "numpy", "nvr": "numpy-2.0-1", "name": "numpy"}
        base = {"package_name": "six", "nvr": "six-1.16-1", "name": "six"}
        hub.tags = {"f44-build": [new, old], "f44": [base]}
        hub.tag_parents = {"f44-build": ["f44"]}
        s = koji_session(hub.url, auth="none")
        got = latest_tagged(s, "f44-build")
        with pytest.raises(ServiceError):
            latest_tagged(s, "nope")
    assert [b["nvr"] for b in got] == ["numpy-2.0-1", "six-1.16-1"]
    assert got[1]["tag_name"] == "f44"
