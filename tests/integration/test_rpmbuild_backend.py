"""The local rpmbuild backend on real tiny specs: staging, failures, resume, parallel builds.

Each plan node gets a noarch spec whose ``%build`` checks that every stream package it needs is
visible in its staging root (``%{stream_staging}``) and fails while a ``FAIL-RPM`` marker file
is in its sources, so a test can break one package in the middle of the plan and fix it.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from streams.builders.plan import BuildPlan, PlanNode
from streams.builders.rpmbuild import LocalBackend, check_host_python, staged_deps
from streams.builders.workspace import open_state
from streams.errors import BuildError, UsageError
from tools.devkit.buildplans import locked_target

pytestmark = pytest.mark.skipif(
    shutil.which("rpmbuild") is None or shutil.which("rpm2cpio") is None,
    reason="rpmbuild and rpm2cpio are needed (scripts/setup.sh installs them)",
)

SPEC = """\
Name: {rpm}
Version: 1.0
Release: 1
Summary: local backend test package {rpm}
License: MIT
BuildArch: noarch

%description
A tiny package for the local backend tests.

%build
test ! -e %{{_sourcedir}}/FAIL-{rpm} || {{ echo "{rpm}: told to fail"; exit 1; }}
{checks}
sleep {sleep}

%install
mkdir -p %{{buildroot}}/opt/streams/t
echo {rpm} > %{{buildroot}}/opt/streams/t/{rpm}

%files
/opt/streams/t/{rpm}
"""


def write_specs(plan: BuildPlan, root: Path, *, sleep: float = 0) -> None:
    for node in plan.nodes.values():
        deps = [plan.nodes[d].rpm for d in staged_deps(plan, node.name)]
        checks = "\n".join(
            f"test -f %{{stream_staging}}/opt/streams/t/{d} || "
            f'{{ echo "{d} is not staged"; exit 1; }}'
            for d in deps
        )
        d = root / node.rpm
        d.mkdir(parents=True, exist_ok=True)
        (d / f"{node.rpm}.spec").write_text(SPEC.format(rpm=node.rpm, checks=checks, sleep=sleep))


def locate(root: Path):  # type: ignore[no-untyped-def]
    def f(node: PlanNode, target: str) -> tuple[Path, Path]:
        return root / node.rpm / f"{node.rpm}.spec", root / node.rpm

    return f


SHAPE = {"a": [], "b": ["a"], "c": ["b"], "d": ["a"], "e": []}


def test_failure_in_the_middle_skips_dependants_and_resume_rebuilds_only_those(
    tmp_path: Path,
) -> None:
    plan = BuildPlan.from_lock(locked_target("t", SHAPE, target="host"))
    specs = tmp_path / "specs"
    write_specs(plan, specs)
    (specs / "t-stream-python3-b" / "FAIL-t-stream-python3-b").write_text("")
    out = tmp_path / "out"

    state, requeue = open_state(plan, out, "local", resume=False)
    backend = LocalBackend(specs=locate(specs), outdir=out, jobs=2, host_version="3.11")
    outcome = backend.run(plan, state, requeue=requeue)
    by = {r.package: r for r in outcome.rows}
    assert by["b"].state == "failed"
    assert by["c"].state == "skipped" and by["t-stream"].state == "skipped"
    assert "dependency b failed" in by["c"].records[0][1].reason
    for ok in ("a", "d", "e", "t-stream-runtime"):
        assert by[ok].state == "succeeded", by[ok]
    # the failed package's log is named, and it holds rpmbuild's output
    log = Path(by["b"].records[0][1].logs[-1])
    assert log.name == "build.log" and "told to fail" in log.read_text()
    with pytest.raises(BuildError) as err:
        outcome.raise_for_failures()
    assert str(log) in err.value.output_tail
    # every package not built is named: the failed one with its log's last lines, the skipped
    # ones with the dependency that stopped them; the counts add up to the 7 packages
    text = err.value.render()
    assert "local build: 1 failed, 2 skipped, 4 succeeded of 7 packages" in text
    failed, skipped = text.split("skipped (a dependency was not built):")
    assert "b (t-stream-python3-b) on host: rpmbuild exited" in failed
    assert "| t-stream-python3-b: told to fail" in failed
    assert "c (t-stream-python3-c) on host: dependency b failed on host" in skipped
    assert "t-stream (t-stream) on host: dependency b failed on host" in skipped
    assert "--resume" in (err.value.hint or "")
    assert (out / "host" / "rpms" / "t-stream-python3-d" / "noarch").is_dir()
    assert not (out / "host" / "rpms" / "t-stream-python3-c").exists()

    # the fix, then --resume: only b and its dependants run again
    (specs / "t-stream-python3-b" / "FAIL-t-stream-python3-b").unlink()
    saved = json.loads((out / "build-state-local.json").read_text())
    assert saved["packages"]["b"]["host"]["state"] == "failed"
    state, requeue = open_state(plan, out, "local", resume=True)
    backend = LocalBackend(specs=locate(specs), outdir=out, jobs=2, host_version="3.11")
    outcome = backend.run(plan, state, requeue=requeue)
    assert outcome.ok
    attempts = {r.package: r.records[0][1].attempts for r in outcome.rows}
    assert attempts == {
        "t-stream-runtime": 1,
        "a": 1,
        "e": 1,
        "b": 2,
        "d": 1,
        "c": 1,
        "t-stream": 1,
    }
    rpms = sorted(p.name for p in (out / "host" / "rpms").glob("*/*/*.rpm"))
    assert len(rpms) == 7


def test_parallel_builds_overlap_and_respect_the_order(tmp_path: Path) -> None:
    shape = {f"p{i}": [] for i in range(4)} | {"top": [f"p{i}" for i in range(4)]}
    plan = BuildPlan.from_lock(locked_target("t", shape, target="host"))
    specs = tmp_path / "specs"
    write_specs(plan, specs, sleep=0.6)
    out = tmp_path / "out"
    state, _ = open_state(plan, out, "local", resume=False)
    backend = LocalBackend(specs=locate(specs), outdir=out, jobs=4, host_version="3.11")
    outcome = backend.build(plan, state)
    assert outcome.ok
    recs = {r.package: r.records[0][1] for r in outcome.rows}
    # top was staged with every p (its %build checks) and started after all of them ended
    assert all(recs["top"].started >= recs[f"p{i}"].ended for i in range(4))  # type: ignore[operator]
    starts = sorted(recs[f"p{i}"].started for i in range(4))  # type: ignore[type-var]
    ends = sorted(recs[f"p{i}"].ended for i in range(4))  # type: ignore[type-var]
    assert starts[-1] <= ends[0]  # all four p's ran at the same time


def test_a_target_with_another_python_is_refused() -> None:
    with pytest.raises(UsageError) as err:
        check_host_python(["host", "fedora-45-x86_64"], "3.11")
    assert "fedora-45-x86_64 (Python 3.15)" in err.value.message or "fedora-45" in str(err.value)
    assert "--backend mock" in (err.value.hint or "")
    check_host_python(["host"], "3.11")
