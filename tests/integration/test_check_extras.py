"""install-and-run on real RPMs: a bundled module that needs an unselected extra is skipped.

``greet`` ships ``greet_server``, which imports ``uvicorn``; greet's METADATA requires uvicorn
only with its ``[server]`` extra, which the stream did not select (nothing provides uvicorn).
The import is reported as skipped with that reason and the check passes; a module whose
missing import is an unconditional requirement still fails.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from streams.checks import CheckResult, StreamRepo, check_stream
from streams.publish import publish_repo
from streams.solver.repos import RepoSpec
from tests.helpers.streamrpms import build_fixture_sets, host_pyver, stage, swap_in
from tools.devkit.rpmfixtures import FixtureRpm, build_rpms

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        os.geteuid() != 0 or shutil.which("bwrap") is None,
        reason="install-and-run needs root and bubblewrap",
    ),
]

PREFIX = "/opt/streams/demo"


@pytest.fixture(scope="module")
def sets(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Path]]:
    return build_fixture_sets(tmp_path_factory.mktemp("streamrpms"))


@pytest.fixture(scope="module")
def base_repo(sets: dict[str, list[Path]], tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("base")
    return publish_repo(stage(sets["base"], root / "rpms"), root / "repo", stream="base").repo_dir


def _greet(requires_dist: str) -> FixtureRpm:
    site = f"{PREFIX}/lib/python{host_pyver()}/site-packages"
    metadata = (
        "Metadata-Version: 2.1\nName: greet\nVersion: 2.1\nProvides-Extra: server\n"
        f"Requires-Dist: {requires_dist}\n"
    )
    return FixtureRpm(
        "demo-stream-python3-greet",
        "2.1",
        provides=("demo-stream-python3dist(greet) = 2.1",),
        requires=("demo-stream-runtime",),
        files=(
            (f"{site}/greet.py", "def greet(who):\n    return 'hello ' + who\n"),
            (f"{site}/greet_server.py", "import uvicorn\n"),
            (f"{site}/greet-2.1.dist-info/METADATA", metadata),
            (f"{site}/greet-2.1.dist-info/top_level.txt", "greet\ngreet_server\n"),
        ),
    )


def _run(
    sets: dict[str, list[Path]], base: Path, tmp_path: Path, requires_dist: str
) -> CheckResult:
    rpms = swap_in(sets["good"], build_rpms([_greet(requires_dist)], tmp_path / "build"))
    repo = publish_repo(stage(rpms, tmp_path / "rpms"), tmp_path / "repo", stream="demo")
    stream = StreamRepo("demo", repo.repo_dir, PREFIX, ("hello",))
    report = check_stream(stream, [RepoSpec("base", str(base), "dir")], arch="x86_64")
    return report.get("install-and-run")


def test_a_module_needing_an_unselected_extra_is_skipped(
    sets: dict[str, list[Path]], base_repo: Path, tmp_path: Path
) -> None:
    res = _run(sets, base_repo, tmp_path, 'uvicorn>=0.30; extra == "server"')
    assert res.status == "passed", res.evidence
    assert (
        "skipped import greet_server (needs uvicorn, which greet requires only with its "
        "[server] extra (not selected))" in res.evidence
    )


def test_a_module_missing_an_unconditional_requirement_fails(
    sets: dict[str, list[Path]], base_repo: Path, tmp_path: Path
) -> None:
    res = _run(sets, base_repo, tmp_path, "uvicorn>=0.30")
    assert res.status == "failed"
    assert any(
        e.startswith("import greet_server failed: ModuleNotFoundError") for e in res.evidence
    )
