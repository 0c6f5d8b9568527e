"""mock backend: generated configs, exact command lines, orchestration against a stand-in mock."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from streams.builders.mock import (
    MockBackend,
    chain_argv,
    config_text,
    rebuild_argv,
)
from streams.builders.plan import BuildPlan
from streams.builders.state import PlanState
from streams.errors import BuildError, UsageError
from tools.devkit.buildplans import locked_target, tiny_srpms

FAKE_MOCK = Path(__file__).parents[1] / "data" / "mock" / "fake-mock"
T = "fedora-45-x86_64"


def exec_config(text: str) -> tuple[list[str], dict[str, str]]:
    """Run a config the way mock does: ``include`` and ``config_opts`` in its namespace."""
    included: list[str] = []
    opts = {"dnf.conf": "[main]\nkeepcache=1\n", "root": "fedora-45-x86_64"}
    exec(text, {"include": included.append, "config_opts": opts})
    return included, opts


def test_config_includes_stock_config_and_adds_repos(tmp_path: Path) -> None:
    text = config_text("vllm", T, tmp_path / "repo", ["https://example.org/extra/"])
    included, opts = exec_config(text)
    assert included == ["fedora-45-x86_64.cfg"]
    assert opts["root"] == "vllm-fedora-45-x86_64"
    conf = opts["dnf.conf"]
    assert conf.startswith("[main]\nkeepcache=1\n")  # appended, not replaced
    assert (
        "[vllm-stream-local]\nname=vllm stream: local builds\n"
        f"baseurl={(tmp_path / 'repo').as_uri()}\n" in conf
    )
    assert "[vllm-stream-extra-1]" in conf and "baseurl=https://example.org/extra/" in conf
    assert conf.count("gpgcheck=0") == 2


def test_config_rejects_a_repo_that_would_break_out() -> None:
    with pytest.raises(UsageError):
        config_text("vllm", T, Path("/r"), ['https://x/"""\nimport os'])


def test_command_lines_match_mock_contract(tmp_path: Path) -> None:
    cfg = tmp_path / "vllm-fedora-45-x86_64.cfg"
    srpms = [Path("a-1-1.src.rpm"), Path("b-1-1.src.rpm")]
    assert chain_argv("mock", cfg, srpms, tmp_path / "l") == [
        "mock", "-r", str(cfg), "--chain", "--localrepo", str(tmp_path / "l"),
        "a-1-1.src.rpm", "b-1-1.src.rpm",
    ]  # fmt: skip
    assert chain_argv("mock", cfg, [Path("a.src.rpm")], tmp_path / "l", keep_going=True)[6] == "-c"
    assert rebuild_argv("mock", cfg, Path("a.src.rpm"), tmp_path / "res", ["file:///srv/r"]) == [
        "mock", "-r", str(cfg), "--rebuild", "a.src.rpm", "--resultdir", str(tmp_path / "res"),
        "--addrepo", "file:///srv/r",
    ]  # fmt: skip


@pytest.fixture
def fake_mock_on_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The stand-in executable first on PATH, as ``mock``; returns the call record file."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    (bindir / "mock").symlink_to(FAKE_MOCK)
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ['PATH']}")
    record = tmp_path / "mock-calls.jsonl"
    monkeypatch.setenv("FAKE_MOCK_RECORD", str(record))
    return record


def calls(record: Path) -> list[list[str]]:
    return [json.loads(line) for line in record.read_text().splitlines()]


def plan_of() -> BuildPlan:
    return BuildPlan.from_lock(locked_target("s", {"a": [], "b": ["a"], "c": []}, target=T))


@pytest.mark.slow
def test_chain_builds_in_plan_order_and_reads_markers(
    tmp_path: Path, fake_mock_on_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan = plan_of()
    srpms = tiny_srpms(plan, tmp_path)
    monkeypatch.setenv("FAKE_MOCK_SCRIPT", json.dumps({"s-stream-python3-b": 10}))
    state = PlanState(plan, tmp_path / "out" / "state.json", backend="mock")
    out = MockBackend(srpms, tmp_path / "out", keep_going=True).build(plan, state)
    (argv,) = calls(fake_mock_on_path)
    order = [Path(a).name.rsplit("-", 2)[0] for a in argv[6:]]
    assert argv[:6] == [
        "-r", str(tmp_path / "out" / T / "s-fedora-45-x86_64.cfg"),
        "--chain", "--localrepo", str(tmp_path / "out" / T / "chain"), "-c",
    ]  # fmt: skip
    assert order == [
        "s-stream-runtime", "s-stream-python3-a", "s-stream-python3-c",
        "s-stream-python3-b", "s-stream",
    ]  # fmt: skip
    rows = {r.package: r for r in out.rows}
    assert rows["a"].state == "succeeded" and rows["c"].state == "succeeded"
    assert rows["b"].state == "failed"
    assert rows["s-stream"].state == "skipped"  # its dependency b failed
    log = Path(rows["b"].records[0][1].logs[-1])
    assert log.name == "build.log" and log.read_text().startswith(
        "fake build of s-stream-python3-b"
    )

    # --resume: only b and the metapackage go into the next chain
    monkeypatch.setenv("FAKE_MOCK_SCRIPT", "{}")
    state.resume()
    out = MockBackend(srpms, tmp_path / "out").build(plan, state)
    second = calls(fake_mock_on_path)[1]
    assert [Path(a).name.rsplit("-", 2)[0] for a in second[5:]] == [
        "s-stream-python3-b", "s-stream",
    ]  # fmt: skip
    assert out.ok


@pytest.mark.slow
def test_rebuild_mode_maps_exit_codes_to_logs(
    tmp_path: Path, fake_mock_on_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan = plan_of()
    monkeypatch.setenv("FAKE_MOCK_SCRIPT", json.dumps({"s-stream-python3-a": 30}))
    state = PlanState(plan, None, backend="mock")
    out = MockBackend(tiny_srpms(plan, tmp_path), tmp_path / "out", mode="rebuild").build(
        plan, state
    )
    argvs = calls(fake_mock_on_path)
    built = [Path(a[3]).name.rsplit("-", 2)[0] for a in argvs]
    # runtime, a, c in the first wave; b never (a failed), metapackage never
    assert built == ["s-stream-runtime", "s-stream-python3-a", "s-stream-python3-c"]
    assert all(a[2] == "--rebuild" and a[4] == "--resultdir" for a in argvs)
    rec = state.get("a", T)
    assert rec.state == "failed"
    assert "package manager" in rec.reason and rec.logs[-1].endswith("s-stream-python3-a/root.log")
    assert state.get("b", T).state == "skipped"
    assert (tmp_path / "out" / T / "repo" / "repodata" / "repomd.xml").exists()
    assert not out.ok


@pytest.mark.slow
def test_locked_buildroot_is_a_clear_fatal_error(
    tmp_path: Path, fake_mock_on_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan = plan_of()
    monkeypatch.setenv("FAKE_MOCK_SCRIPT", json.dumps({"s-stream-runtime": 60}))
    state = PlanState(plan, None, backend="mock")
    with pytest.raises(BuildError) as err:
        MockBackend(tiny_srpms(plan, tmp_path), tmp_path / "out", mode="rebuild").build(plan, state)
    assert "locked by another mock" in err.value.message and err.value.exit_code == 4
    assert state.get("s-stream-runtime", T).state == "pending"


def test_dry_run_shows_config_and_commands(tmp_path: Path) -> None:
    plan = plan_of()
    state = PlanState(plan, None, backend="mock")
    text = MockBackend(tiny_srpms(plan, tmp_path), tmp_path, mode="rebuild").dry_run(plan, state)
    assert "include('fedora-45-x86_64.cfg')" in text
    assert text.count("--rebuild") == 5 and "# generation 2" in text
    assert f"createrepo_c {tmp_path / T / 'repo'}" in text
