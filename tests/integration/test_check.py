"""streams check on real RPMs built from stream-shaped specs (tests/data/streamrpms): a good
stream passes all four checks, and each deliberately broken fixture fails the right one with
evidence naming the package and the provide or file."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
import solv

from streams.checks import CHECK_NAMES, CheckReport, StreamRepo, check_stream
from streams.checks.run import load_stream
from streams.checks.smoke import install_and_run
from streams.cli import main
from streams.errors import RepoError
from streams.publish import publish_repo
from streams.solver.repos import RepoSpec
from tests.helpers.streamrpms import build_fixture_sets, host_pyver, stage, swap_in
from tools.devkit.rpmfixtures import FixtureRpm, build_rpms

pytestmark = pytest.mark.slow

PREFIX = "/opt/streams/demo"
DEMO = StreamRepo("demo", Path("unset"), PREFIX, ("hello",))

CAN_RUN = os.geteuid() == 0 and shutil.which("bwrap") is not None


@pytest.fixture(scope="module")
def sets(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Path]]:
    return build_fixture_sets(tmp_path_factory.mktemp("streamrpms"))


@pytest.fixture(scope="module")
def base_repo(sets: dict[str, list[Path]], tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("base")
    return publish_repo(stage(sets["base"], root / "rpms"), root / "repo", stream="base").repo_dir


def _publish(rpms: list[Path], where: Path, stream: str = "demo") -> Path:
    return publish_repo(stage(rpms, where / "rpms"), where / "repo", stream=stream).repo_dir


def _check(repo: Path, base: Path, **kw: object) -> CheckReport:
    stream = StreamRepo(DEMO.name, repo, DEMO.prefix, DEMO.exports)
    return check_stream(stream, [RepoSpec("base", str(base), "dir")], arch="x86_64", **kw)  # type: ignore[arg-type]


def _statuses(report: CheckReport) -> dict[str, str]:
    return {c.name: c.status for c in report.checks}


def _expect_others_pass(report: CheckReport, failing: str) -> None:
    for c in report.checks:
        if c.name == failing:
            assert c.status == "failed", c
        elif c.name == "install-and-run" and not CAN_RUN:
            assert c.status == "skipped"
        else:
            assert c.status == "passed", c


def test_good_stream_passes_every_check(
    sets: dict[str, list[Path]], base_repo: Path, tmp_path: Path
) -> None:
    opt_streams_before = Path("/opt/streams").exists()
    report = _check(_publish(sets["good"], tmp_path), base_repo)
    assert [c.name for c in report.checks] == list(CHECK_NAMES)
    assert report.ok
    fw = report.get("firewall")
    assert fw.passed and any("only the exports /usr/bin/hello" in e for e in fw.evidence)
    inst = report.get("installability")
    assert inst.evidence == (
        "demo-stream: installs 5 package(s) (1 from base, 4 from demo-stream)",
    )
    run = report.get("install-and-run")
    if not CAN_RUN:
        assert run.skipped
        pytest.skip(f"install-and-run not exercised here: {run.skipped}")
    assert run.passed, run.evidence
    text = "\n".join(run.evidence)
    assert "dnf --installroot installed 5 package(s)" in text
    assert "/usr/bin/hello --help exited 0 (demo-stream-1.0-1.noarch)" in text
    assert (
        f"sys.prefix {PREFIX}) imported 2 of 2 bundled modules from the prefix: greet, hello"
        in text
    )
    assert f"Python {host_pyver()}" in text
    # the sandbox never creates the prefix on the host
    assert Path("/opt/streams").exists() == opt_streams_before


def test_leaked_python3dist_provide_fails_the_firewall(
    sets: dict[str, list[Path]], base_repo: Path, tmp_path: Path
) -> None:
    rpms = swap_in(sets["good"], sets["leaked-provides"])
    report = _check(_publish(rpms, tmp_path), base_repo)
    _expect_others_pass(report, "firewall")
    leaks = [e for e in report.get("firewall").evidence if "base namespace" in e]
    assert leaks == [
        f"demo-stream-python3-greet-2.1-1.noarch provides python{host_pyver()}dist(greet) = 2.1: "
        "a base namespace (Python distribution provide (python3dist))",
        "demo-stream-python3-greet-2.1-1.noarch provides python3dist(greet) = 2.1: "
        "a base namespace (Python distribution provide (python3dist))",
    ]


def test_file_in_system_site_packages_fails_the_firewall(
    sets: dict[str, list[Path]], base_repo: Path, tmp_path: Path
) -> None:
    rpms = swap_in(sets["good"], sets["sitepackages-file"])
    report = _check(_publish(rpms, tmp_path), base_repo)
    _expect_others_pass(report, "firewall")
    path = f"/usr/lib/python{host_pyver()}/site-packages/greet_compat.py"
    assert (
        f"demo-stream-python3-greet-2.1-1.noarch ships the file {path} outside the prefix "
        f"{PREFIX} (hint: install into PREFIX/lib/python3.X/site-packages)"
    ) in report.get("firewall").evidence


def test_stream_package_resolving_a_base_requirement_fails_the_firewall(
    sets: dict[str, list[Path]], base_repo: Path, tmp_path: Path
) -> None:
    rpms = sets["good"] + sets["base-resolvable"]
    report = _check(_publish(rpms, tmp_path), base_repo)
    _expect_others_pass(report, "firewall")
    ev = report.get("firewall").evidence
    assert (
        "python3-bar-0.3-1.noarch requires python3-six, which "
        "demo-stream-python3-six-1.17.0-1.noarch could satisfy"
    ) in ev
    assert any("1 satisfiable by a stream package" in e for e in ev)


def test_with_a_stream_exporting_the_same_command_fails_conflicts(
    sets: dict[str, list[Path]], base_repo: Path, tmp_path: Path
) -> None:
    repo = _publish(sets["good"], tmp_path / "demo")
    other = _publish(sets["other"], tmp_path / "other", stream="other")
    report = _check(repo, base_repo, with_streams=[StreamRepo("other", other)])
    assert _statuses(report)["conflicts"] == "failed"
    assert report.get("conflicts").evidence[0] == (
        "/usr/bin/hello is owned by demo-stream-1.0-1.noarch (stream demo) and "
        "other-stream-0.1-1.noarch (stream other)"
    )
    # libsolv does not look at files: both metapackages resolve together
    inst = report.get("installability")
    assert inst.passed and inst.evidence[1].startswith("demo-stream + other-stream: installs 7")
    if CAN_RUN:  # ...but a real transaction refuses them
        assert report.get("install-and-run").status == "failed"


def test_file_owned_by_a_base_package_fails_conflicts(
    sets: dict[str, list[Path]], tmp_path: Path
) -> None:
    clash = FixtureRpm("hello-tools", "1.0", files=(("/usr/bin/hello", "#!/bin/sh\n"),))
    base = _publish(
        sets["base"] + build_rpms([clash], tmp_path / "build"), tmp_path / "base", "base"
    )
    report = _check(_publish(sets["good"], tmp_path / "demo"), base, checks=["conflicts"])
    assert _statuses(report) == {"conflicts": "failed"}
    assert report.get("conflicts").evidence[0] == (
        "/usr/bin/hello of demo-stream-1.0-1.noarch is also owned by "
        "hello-tools-1.0-1.noarch (base)"
    )


def test_missing_runtime_fails_installability_and_skips_the_run(
    sets: dict[str, list[Path]], base_repo: Path, tmp_path: Path
) -> None:
    rpms = [p for p in sets["good"] if "runtime" not in p.name]
    report = _check(_publish(rpms, tmp_path), base_repo)
    inst = report.get("installability")
    assert not inst.passed
    assert (
        "nothing provides demo-stream-runtime = 1.0-1 needed by demo-stream-1.0-1.noarch"
        in (inst.evidence[0])
    )
    run = report.get("install-and-run")
    assert run.status == "skipped" and "not installable" in (run.skipped or "")


@pytest.mark.skipif(not CAN_RUN, reason="install-and-run needs root and bubblewrap")
def test_a_module_that_fails_to_import_fails_install_and_run(
    sets: dict[str, list[Path]], base_repo: Path, tmp_path: Path
) -> None:
    site = f"{PREFIX}/lib/python{host_pyver()}/site-packages"
    bad_greet = FixtureRpm(
        "demo-stream-python3-greet",
        "2.1",
        provides=("demo-stream-python3dist(greet) = 2.1",),
        requires=("demo-stream-runtime",),
        files=((f"{site}/greet.py", "raise ImportError('greet is broken')\n"),),
    )
    rpms = swap_in(sets["good"], build_rpms([bad_greet], tmp_path / "build"))
    report = _check(_publish(rpms, tmp_path), base_repo)
    _expect_others_pass(report, "install-and-run")
    ev = report.get("install-and-run").evidence
    assert "import greet failed: ImportError: greet is broken" in ev
    assert any(
        e.startswith("/usr/bin/hello --help exited 1 (demo-stream-1.0-1.noarch)") for e in ev
    )


def test_install_and_run_is_skipped_without_bubblewrap(
    sets: dict[str, list[Path]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if os.geteuid() != 0:
        pytest.skip("as non-root the check is skipped before looking for bwrap")
    pool = solv.Pool()
    pool.setarch("x86_64")
    repo = _publish(sets["good"], tmp_path)
    stream = load_stream(pool, StreamRepo("demo", repo, PREFIX, ("hello",)), None)
    empty = tmp_path / "empty-path"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    res = install_and_run(
        stream, [], base_specs=[], stream_rpm_files=[], arch="x86_64", releasever="host"
    )
    assert res.status == "skipped"
    assert res.skipped == (
        "bubblewrap (bwrap) is not installed: install bubblewrap to run the smoke test"
    )


def test_unpublished_directory_is_a_clear_error(base_repo: Path, tmp_path: Path) -> None:
    with pytest.raises(RepoError, match="not a published stream repository"):
        _check(tmp_path, base_repo)


# --- CLI ------------------------------------------------------------------------------------

RECIPE = """\
[stream]
name = "demo"
summary = "The demo stream"
license = "MIT"
targets = ["fedora-44-x86_64"]
exports = ["hello"]

[requires]
hello = "==1.0"
"""


@pytest.mark.e2e
def test_cli_check_json_and_exit_codes(
    sets: dict[str, list[Path]],
    base_repo: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "demo.toml").write_text(RECIPE)
    stage(sets["good"], tmp_path / "out/demo/fedora-44-x86_64/rpms")
    assert main(["publish", "demo.toml"]) == 0
    capsys.readouterr()
    base = f"base={base_repo}"

    assert main(["check", "demo.toml", "--repo", base, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["schema_version"] == 1 and data["ok"] is True
    assert [c["name"] for c in data["checks"]] == list(CHECK_NAMES)

    other = _publish(sets["other"], tmp_path / "other", stream="other")
    code = main(["check", "demo.toml", "--repo", base, "--with", str(other), "--only", "conflicts"])
    out, err = capsys.readouterr()
    assert code == 1
    assert "FAILED  conflicts" in out and "other-stream-0.1-1.noarch (stream other)" in out
    assert "error: 1 of 1 checks of demo failed: conflicts" in err

    code = main(["check", "demo.toml", "--repo", base, "--repo-dir", str(tmp_path / "nowhere")])
    err = capsys.readouterr().err
    assert code == 1 and "is not a published stream repository" in err
    assert "Traceback" not in err
