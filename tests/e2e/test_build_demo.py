"""The two demo streams end to end: lock, build locally, publish, check, install, run.

``greeter`` and ``other`` (tests/data/demo, see tools/devkit/demo.py) pin conflicting
versions of ``colorlib`` (2.0 and 1.5) over a base repo of real RPMs holding ``colorlib`` 1.5
and ``textfmt`` 1.1; ``greeter-app`` builds with ``tinybackend``, which its stream bundles.
Both streams are locked for the host, built with ``streams build --backend local -j 2``
(published unsigned), pass ``streams check --with`` the other, are installed into one
scratch root together with the base packages, and each application reports which versions
it imported, from where -- which must be what its lock says.

The failing-build test breaks ``textfmt``'s ``%build`` (an environment switch its setup.py
reads), checks that its dependants are skipped while the rest finishes and the log is named,
then ``--resume`` after the fix rebuilds only the failed package and its dependants.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from streams.checks.smoke import base_site_dirs, sandbox_argv
from streams.cli import main
from streams.lock import read_lock
from tools.devkit.demo import Demo, prepare

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.slow,
    pytest.mark.skipif(
        any(shutil.which(t) is None for t in ("rpmbuild", "rpm2cpio", "createrepo_c")),
        reason="rpmbuild, rpm2cpio and createrepo_c are needed (scripts/setup.sh)",
    ),
]


def _streams(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def _lock(demo: Demo, name: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _streams(
        [
            "lock",
            str(demo.recipes[name]),
            "--target",
            "host",
            "--repo",
            f"base={demo.base}",
            "--index-url",
            str(demo.index),
        ],
        capsys,
    )
    assert code == 0, out + err


@pytest.fixture()
def demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Demo:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("STREAMS_DEMO_BREAK", raising=False)
    return prepare(tmp_path / "demo")


def test_two_conflicting_demo_streams_build_check_install_and_run_side_by_side(
    demo: Demo, capsys: pytest.CaptureFixture[str]
) -> None:
    origins = {}
    for name in ("greeter", "other"):
        _lock(demo, name, capsys)
        locked = read_lock(demo.work / f"{name}.lock.toml").get_target("host")
        origins[name] = {p.name: (p.origin, p.version, p.build_only) for p in locked.package}
    # each stream reuses the base package its pins allow and bundles the one they do not
    assert origins["greeter"]["colorlib"] == ("bundle", "2.0", False)
    assert origins["greeter"]["textfmt"] == ("fedora", "1.1", False)
    assert origins["greeter"]["tinybackend"] == ("bundle", "0.3", True)
    assert origins["other"]["colorlib"] == ("fedora", "1.5", False)
    assert origins["other"]["textfmt"] == ("bundle", "1.2", False)

    for name in ("greeter", "other"):
        code, out, err = _streams(
            ["build", str(demo.recipes[name]), "--backend", "local", "-j", "2"], capsys
        )
        assert code == 0, out + err
        repo = Path("out") / name / "host" / "repo"
        assert f"published host: {repo.resolve()}" in out
        assert (repo / f"{name}-stream.repo").is_file()
        assert (repo / "repodata" / "repomd.xml").is_file()
    greeter_rpms = sorted(p.name for p in Path("out/greeter/host/repo").glob("*.rpm"))
    assert any(n.startswith("greeter-stream-python3-tinybackend-0.3") for n in greeter_rpms)

    for name, other in (("greeter", "other"), ("other", "greeter")):
        code, out, err = _streams(
            [
                "check",
                str(demo.recipes[name]),
                "--target",
                "host",
                "--with",
                str(demo.recipes[other]),
                "--repo",
                f"base={demo.base}",
                "--json",
            ],
            capsys,
        )
        report = json.loads(out)
        results = {r["name"]: r for r in report["checks"]}
        for check in ("firewall", "coupling", "conflicts", "installability"):
            assert results[check]["status"] == "passed", results[check]
        if os.geteuid() == 0 and shutil.which("dnf") and shutil.which("bwrap"):
            assert results["install-and-run"]["status"] == "passed", results["install-and-run"]
        assert code == 0 or results["install-and-run"]["status"] != "passed", out + err

    if os.geteuid() != 0 or not shutil.which("dnf") or not shutil.which("bwrap"):
        pytest.skip("installing into a scratch root needs root, dnf and bubblewrap")
    root = _install_together(demo)
    box = sandbox_argv(root, ["/opt/streams/greeter", "/opt/streams/other"], base_site_dirs(root))
    for name, command in (("greeter", "greeter"), ("other", "other-app")):
        res = subprocess.run(
            [*box, f"/tmp/streams-exports/{command}"], capture_output=True, text=True, check=False
        )
        assert res.returncode == 0, res.stdout + res.stderr
        line = next(ln for ln in res.stdout.splitlines() if ln.startswith("IMPORTED "))
        imported = json.loads(line.removeprefix("IMPORTED "))
        for dist, seen in imported.items():
            origin, version, _ = origins[name][dist]
            assert seen["version"] == version, (name, dist, seen)
            where = f"/opt/streams/{name}/lib/python{demo.python}/site-packages/"
            if origin == "fedora":
                where = demo.sitedir + "/"
            assert seen["file"].startswith(where), (name, dist, seen)


def _install_together(demo: Demo) -> Path:
    """dnf --installroot of both metapackages from the base and both stream repos."""
    work = demo.work / "install"
    reposdir = work / "repos.d"
    reposdir.mkdir(parents=True)
    repos = {
        "base": demo.base,
        "greeter": Path("out/greeter/host/repo"),
        "other": Path("out/other/host/repo"),
    }
    for rid, path in repos.items():
        (reposdir / f"{rid}.repo").write_text(
            f"[{rid}]\nname={rid}\nbaseurl={path.resolve().as_uri()}\ngpgcheck=0\n"
        )
    root = work / "root"
    res = subprocess.run(
        [
            "dnf",
            "-y",
            "-q",
            f"--installroot={root}",
            "--releasever=1",
            f"--setopt=reposdir={reposdir}",
            f"--setopt=cachedir={work / 'cache'}",
            f"--setopt=logdir={work}",
            "--setopt=install_weak_deps=False",
            "--nogpgcheck",
            "--disableplugin=*",
            "install",
            "greeter-stream",
            "other-stream",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert res.returncode == 0, res.stdout + res.stderr
    installed = subprocess.run(
        ["rpm", "--root", str(root), "-qa", "--qf", "%{NAME}\n"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert {"python3-colorlib", "python3-textfmt"} <= set(installed)
    return root


def test_failed_build_skips_dependants_and_resume_rebuilds_only_them(
    demo: Demo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _lock(demo, "other", capsys)
    recipe = str(demo.recipes["other"])
    monkeypatch.setenv("STREAMS_DEMO_BREAK", "textfmt")
    code, out, err = _streams(["build", recipe, "-j", "2"], capsys)
    assert code == 4, out + err
    log = Path("out/other/host/build/other-stream-python3-textfmt/build.log").resolve()
    rows = {ln.split()[0]: ln.split()[1:] for ln in out.splitlines()[1:] if ln.strip()}
    assert rows["textfmt"][:2] == ["failed", str(log)]
    assert rows["other-app"][0] == "skipped" and rows["other-stream"][0] == "skipped"
    assert rows["other-stream-runtime"][0] == "succeeded"
    assert "broken on purpose" in log.read_text()
    assert str(log) in err and "--resume" in err
    assert not Path("out/other/host/repo").exists()  # nothing published after a failure

    monkeypatch.delenv("STREAMS_DEMO_BREAK")  # the fix
    code, out, err = _streams(["build", recipe, "-j", "2", "--resume", "--json"], capsys)
    assert code == 0, out + err
    result = json.loads(out)
    attempts = {p["package"]: p["targets"]["host"]["attempts"] for p in result["packages"]}
    assert attempts == {
        "other-stream-runtime": 1,
        "textfmt": 2,
        "other-app": 1,
        "other-stream": 1,
    }
    assert result["published"]["host"]["repo_dir"].endswith("out/other/host/repo")
