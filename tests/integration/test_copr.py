"""The Copr backend with the real ``copr.v3`` client against the local fake frontend."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from pathlib import Path

import pytest

from streams.builders.base import Reporter
from streams.builders.copr import (
    CoprApi,
    CoprBackend,
    CoprSettings,
    copr_config,
)
from streams.builders.plan import BuildPlan
from streams.builders.state import PlanState
from streams.errors import ServiceError, UsageError
from tools.devkit.buildplans import locked_target, tiny_srpms
from tools.devkit.fakecopr import FakeCopr, serve_copr

pytestmark = pytest.mark.slow

TARGETS = ("fedora-44-x86_64", "fedora-45-x86_64")
CHROOTS = ["fedora-44-x86_64", "fedora-45-x86_64"]


def make_plan(deps: Mapping[str, list[str]]) -> BuildPlan:
    return BuildPlan.from_lock([locked_target("demo", deps, target=t) for t in TARGETS])


def rpm(name: str) -> str:
    return f"demo-stream-python3-{name}"


def backend(
    copr: FakeCopr, plan: BuildPlan, tmp: Path, reporter: Reporter | None = None, **settings: object
) -> CoprBackend:
    api = CoprApi(copr.client(), backoff=0.001, reporter=reporter)
    return CoprBackend(
        api,
        CoprSettings(project="demo-stream", **settings),  # type: ignore[arg-type]
        tiny_srpms(plan, tmp),
        poll_interval=0.01,
        reporter=reporter,
    )


def create_bodies(copr: FakeCopr) -> list[dict[str, object]]:
    return [r.body or {} for r in copr.submissions() if r.status == 200]


def test_three_generations_make_three_batches(tmp_path: Path) -> None:
    plan = make_plan({"a": [], "b": [], "c": ["a", "b"]})
    assert [[str(s) for s in g] for g in plan.generations] == [
        ["demo-stream-runtime", "a", "b"],
        ["c"],
        ["demo-stream"],
    ]
    with serve_copr() as copr:
        state = PlanState(plan, tmp_path / "state.json", backend="copr")
        out = backend(copr, plan, tmp_path).build(plan, state)
        bodies = create_bodies(copr)
        ids = [b.id for b in sorted(copr.builds.values(), key=lambda b: b.id)]
        batches = copr.batches
    assert out.ok and out.batches == 3 and len(batches) == 3
    # one build per package with both chroots
    assert all(b["chroots"] == CHROOTS for b in bodies)
    first = ids[0]
    links = [(b.get("with_build_id"), b.get("after_build_id")) for b in bodies]
    assert links == [
        (None, None),
        (first, None),
        (first, None),
        (None, first),
        (None, ids[3]),
    ]
    # the batch of generation N is blocked by the batch of generation N-1
    blocked = sorted(batches.items())
    assert [len(ids) for _, (ids, _) in blocked] == [3, 1, 1]
    assert [by for _, (_, by) in blocked] == [None, blocked[0][0], blocked[1][0]]
    # state is persisted with build ids and Copr links
    saved = json.loads((tmp_path / "state.json").read_text())
    rec = saved["packages"]["c"]["fedora-45-x86_64"]
    assert rec["state"] == "succeeded" and rec["build_id"] == str(ids[3])
    assert rec["logs"][0].endswith(f"fedora-45-x86_64/{ids[3]:08d}-{rpm('c')}/builder-live.log.gz")


def test_failure_cancels_the_next_generation_and_skips_it(tmp_path: Path) -> None:
    plan = make_plan({"a": [], "b": ["a"], "x": ["a"], "c": ["b"]})
    with serve_copr() as copr:
        copr.script(rpm("b"), outcome="failed", chroots=("fedora-45-x86_64",))
        state = PlanState(plan, tmp_path / "state.json", backend="copr")
        out = backend(copr, plan, tmp_path).build(plan, state)
        cancels = [r.path for r in copr.requests if "/build/cancel/" in r.path]
        by_pkg = {b.package: b for b in copr.builds.values()}
    rows = {r.package: r for r in out.rows}
    assert not out.ok
    assert dict((t, r.state) for t, r in rows["b"].records) == {
        "fedora-44-x86_64": "succeeded",
        "fedora-45-x86_64": "failed",
    }
    assert rows["x"].state == "succeeded"  # independent of b: not touched
    for name in ("c", "demo-stream"):
        assert rows[name].state == "skipped"
    assert dict(rows["c"].records)["fedora-45-x86_64"].reason == (
        "dependency b failed on fedora-45-x86_64"
    )
    # cancelled in Copr before they ever started
    for pkg in (rpm("c"), "demo-stream"):
        assert by_pkg[pkg].canceled
        assert all(ch.started_on is None for ch in by_pkg[pkg].chroots.values())
    assert sorted(cancels) == sorted(
        f"/api_3/build/cancel/{by_pkg[p].id}" for p in (rpm("c"), "demo-stream")
    )
    with pytest.raises(Exception) as err:
        out.raise_for_failures()
    listing = err.value.render()
    assert "1 failed, 2 skipped, 3 succeeded of 6 packages" in err.value.message  # type: ignore[attr-defined]
    assert "b (demo-stream-python3-b) on fedora-45-x86_64:" in listing.split("skipped (")[0]
    assert "c (demo-stream-python3-c) on fedora-45-x86_64: dependency b failed" in listing
    assert "--resume" in (err.value.hint or "")  # type: ignore[attr-defined]


class Interrupter(Reporter):
    """Presses Ctrl-C once the named package is running in Copr."""

    def __init__(self, package: str) -> None:
        self.package = package

    def chroots(self, name: str, build_id: str, states: Mapping[str, str]) -> None:
        if name == self.package and "running" in states.values():
            raise KeyboardInterrupt


def test_interrupted_run_resumes_without_resubmitting(tmp_path: Path) -> None:
    plan = make_plan({"a": [], "b": ["a"], "c": ["b"], "x": []})
    path = tmp_path / "state.json"
    with serve_copr() as copr:
        copr.script(rpm("c"), hold=True)
        copr.script(rpm("x"), outcome="failed")
        state = PlanState(plan, path, backend="copr")
        with pytest.raises(KeyboardInterrupt):
            backend(copr, plan, tmp_path, Interrupter("c")).build(plan, state)
        saved = PlanState.load(plan, path, backend="copr")
        assert saved.get("c", "fedora-44-x86_64").state == "building"
        assert saved.get("x", "fedora-44-x86_64").state == "failed"
        assert saved.get("b", "fedora-44-x86_64").state == "succeeded"
        c_build = saved.get("c", "fedora-44-x86_64").build_id
        before = len(copr.submissions())
        last_id = max(copr.builds)

        # resume: x is fixed, c finishes
        copr.script(rpm("x"))
        copr.release(rpm("c"))
        building = saved.resume()
        assert ("c", "fedora-44-x86_64") in building
        out = backend(copr, plan, tmp_path).build(plan, saved)
        new = [(r.body or {}) for r in copr.submissions()[before:] if r.status == 200]
        names = sorted(b.package for b in copr.builds.values() if b.id > last_id)
    assert out.ok, [(r.package, r.state) for r in out.rows]
    # only what did not succeed is submitted again: x and the metapackage (cancelled earlier)
    assert sorted(names) == sorted(["demo-stream", rpm("x")])
    assert len(new) == 2
    assert saved.get("c", "fedora-44-x86_64").build_id == c_build  # re-attached, same build
    assert saved.get("a", "fedora-44-x86_64").attempts == 1


def test_server_errors_during_submission_are_retried(tmp_path: Path) -> None:
    plan = make_plan({"a": []})
    messages: list[str] = []

    class Log(Reporter):
        def message(self, text: str) -> None:
            messages.append(text)

    with serve_copr() as copr:
        copr.fail_next_submissions(2, status=503)
        state = PlanState(plan, tmp_path / "s.json", backend="copr")
        out = backend(copr, plan, tmp_path, Log()).build(plan, state)
        statuses = [r.status for r in copr.submissions()]
    assert out.ok
    assert statuses[:3] == [503, 503, 200]
    assert len(copr.builds) == 3  # runtime, a, metapackage: no duplicate
    assert any("503" in m and "retrying" in m for m in messages)


def test_persistent_server_errors_become_a_service_error(tmp_path: Path) -> None:
    plan = make_plan({"a": []})
    with serve_copr() as copr:
        copr.fail_next_submissions(10, status=500)
        state = PlanState(plan, tmp_path / "s.json", backend="copr")
        with pytest.raises(ServiceError) as err:
            backend(copr, plan, tmp_path).build(plan, state)
    assert err.value.exit_code == 5 and err.value.status == 500
    assert "--resume" in (err.value.hint or "")


def test_bad_token_is_clear_and_never_shows_the_token(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    plan = make_plan({"a": []})
    caplog.set_level(logging.DEBUG)
    with serve_copr(echo_token_in_errors=True) as copr:
        copr.projects[("streams-bot", "demo-stream")] = {
            "name": "demo-stream",
            "chroot_repos": {c: "" for c in CHROOTS},
            "_chroots": CHROOTS,
        }
        config = {**copr.config(), "token": "WRONG-very-secret-123"}
        state = PlanState(plan, tmp_path / "s.json", backend="copr")
        with pytest.raises(ServiceError) as err:
            CoprBackend.connect(
                CoprSettings(project="demo-stream"),
                tiny_srpms(plan, tmp_path),
                config=config,
                poll_interval=0.01,
                backoff=0.001,
            ).build(plan, state)
        # the server did receive it (the test can fail)
        assert any(r.status == 401 for r in copr.requests)
    text = err.value.render() + str(err.value.to_dict())
    assert err.value.status == 401 and "rejected the API token" in text
    assert "WRONG-very-secret-123" not in text
    assert "WRONG-very-secret-123" not in caplog.text


def test_project_created_with_recipe_settings_then_edited(tmp_path: Path) -> None:
    plan = make_plan({"a": []})
    with serve_copr() as copr:
        b = backend(
            copr,
            plan,
            tmp_path,
            description="demo",
            instructions="dnf install demo-stream",
            additional_repos=("https://example.org/repo/",),
        )
        b.ensure_project(["fedora-44-x86_64"])
        proj = dict(copr.projects[("streams-bot", "demo-stream")])
        b.ensure_project(["fedora-44-x86_64"])  # nothing differs: no edit
        b.ensure_project(CHROOTS)  # a new target: edit adds the chroot
        edits = [r for r in copr.requests if "/project/edit/" in r.path]
        after = copr.projects[("streams-bot", "demo-stream")]
    assert proj["enable_net"] is False and proj["description"] == "demo"
    assert proj["additional_repos"] == ["https://example.org/repo/"]
    assert len(edits) == 1 and edits[0].body and edits[0].body["chroots"] == CHROOTS
    assert sorted(after["_chroots"]) == CHROOTS


def test_dry_run_lists_batches_without_credentials(tmp_path: Path) -> None:
    plan = make_plan({"a": [], "b": ["a"]})
    settings = CoprSettings(project="demo-stream", owner="me")
    offline = CoprBackend(None, settings, tiny_srpms(plan, tmp_path))  # no client: a dry run
    text = offline.dry_run(plan, PlanState(plan, None, backend="copr"))
    assert "batch 1 (generation 0): 2 build(s)" in text
    assert '"with_build_id": <build of demo-stream-runtime>' in text
    assert '"after_build_id": <build of demo-stream-runtime>' in text
    assert text.count("create_from_file") == 4
    assert "network off" in text


def test_config_from_environment_and_missing_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = tmp_path / "copr"
    cfg.write_text(
        "[copr-cli]\nlogin = l\nusername = u\ntoken = t\ncopr_url = https://copr.example\n"
    )
    got = copr_config(cfg, env={"COPR_TOKEN": "from-env"})
    assert got["token"] == "from-env" and got["username"] == "u"
    monkeypatch.setenv("HOME", str(tmp_path / "home"))  # no ~/.config/copr
    with pytest.raises(UsageError) as err:
        copr_config(None, env={})
    assert "~/.config/copr" in (err.value.hint or "")
