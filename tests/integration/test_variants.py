"""Accelerator variants of one stream (tests/data/accel, tools/devkit/accel.py): lock, build,
install and submit, as docs/variants.md says.

``accel`` has a ``cpu`` variant (Fedora-clean, everything built from source, accelkit built
with ``ACCELKIT_DEVICE=cpu``) and a ``gpu`` variant (its own extra index with the proprietary
``gpukernels``, ``licenses = "any"``, accelkit built for ``gpu``, its own Copr instance and
project).  Each variant is a stream of its own: ``accel-cpu-stream-*`` under
``/opt/streams/accel-cpu`` and ``accel-gpu-stream-*`` under ``/opt/streams/accel-gpu``, so the
two install side by side; their metapackages, which both link ``/usr/bin/accelapp``, conflict
through ``accel-stream-accelerator``, and dnf says so instead of failing on a file conflict.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from streams.checks.smoke import base_site_dirs, sandbox_argv
from streams.cli import main
from streams.lock import lock_path, read_lock
from tools.devkit.accel import Accel, prepare
from tools.devkit.fakecopr import serve_copr

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        any(shutil.which(t) is None for t in ("rpmbuild", "rpm", "createrepo_c")),
        reason="rpmbuild, rpm and createrepo_c are needed (scripts/setup.sh)",
    ),
]


@pytest.fixture(scope="module")
def accel(tmp_path_factory: pytest.TempPathFactory) -> Accel:
    return prepare(tmp_path_factory.mktemp("accel"))


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def _rpm(*args: str) -> list[str]:
    return subprocess.run(["rpm", *args], capture_output=True, text=True, check=True).stdout.split(
        "\n"
    )


def test_each_variant_locks_builds_and_installs_side_by_side(
    accel: Accel, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(accel.work)
    code, out, err = _run(
        ["lock", str(accel.recipe), "--target", "host", "--repo", f"base={accel.base}"], capsys
    )
    assert code == 0, out + err
    assert "host (cpu):" in out and "host (gpu):" in out
    lock = read_lock(lock_path(accel.recipe))
    assert lock.variants == ("cpu", "gpu")
    cpu, gpu = lock.get_target("host", "cpu"), lock.get_target("host", "gpu")
    assert cpu.stream == "accel-cpu" and gpu.stream == "accel-gpu"
    # the gpu variant's own index brings gpukernels; the cpu closure never sees it
    assert sorted(p.name for p in cpu.package) == ["accelapp", "accelkit"]
    assert sorted(p.name for p in gpu.package) == ["accelapp", "accelkit", "gpukernels"]
    # cpu is held to Fedora's licenses (and passed); gpu is not, and says what is non-free
    assert cpu.policy is not None and cpu.policy.licenses == "fedora"
    assert all(p.license is not None and p.license.fedora for p in cpu.bundled())
    kernels = gpu.packages()["gpukernels"].license
    assert kernels is not None and not kernels.fedora
    assert gpu.destination == "https://copr.example.org"

    for variant in ("cpu", "gpu"):
        code, out, err = _run(
            ["build", str(accel.recipe), "--variant", variant, "--backend", "local", "-j", "2"],
            capsys,
        )
        assert code == 0, out + err
        repo = Path("out") / f"accel-{variant}" / "host" / "repo"
        rpms = sorted(repo.glob("*.rpm"))
        assert {r.name.split("-1.0-")[0] for r in rpms} >= {
            f"accel-{variant}-stream",
            f"accel-{variant}-stream-runtime",
            f"accel-{variant}-stream-python3-accelapp",
            f"accel-{variant}-stream-python3-accelkit",
        }
        for r in rpms:
            # its own prefix, the shared /opt/streams, and the exported command: nothing else
            for f in filter(None, _rpm("-qpl", str(r))):
                mine = f"/opt/streams/accel-{variant}"
                assert f in ("/opt/streams", mine, "/usr/bin/accelapp") or f.startswith(
                    mine + "/"
                ), (r.name, f)
        meta = next(r for r in rpms if r.name.startswith(f"accel-{variant}-stream-1.0-"))
        assert f"accel-stream-accelerator = {variant}" in _rpm("-qp", "--provides", str(meta))
        assert "accel-stream-accelerator" in _rpm("-qp", "--conflicts", str(meta))
        spec = next((Path("out") / f"accel-{variant}" / "host" / "specs").rglob("*accelkit.spec"))
        assert f"export ACCELKIT_DEVICE={variant}" in spec.read_text()

    if os.geteuid() != 0 or not shutil.which("dnf"):
        pytest.skip("installing into a scratch root needs root and dnf")
    dnf = _dnf(accel)
    both = subprocess.run([*dnf, "install", "accel-cpu-stream", "accel-gpu-stream"], **_CAP)
    assert both.returncode != 0
    assert "conflicts with accel-stream-accelerator provided by" in both.stdout + both.stderr
    # one variant's commands, the other variant's packages beside it: separate prefixes
    res = subprocess.run(
        [*dnf, "install", "accel-cpu-stream", "accel-gpu-stream-python3-accelapp"], **_CAP
    )
    assert res.returncode == 0, res.stdout + res.stderr
    root = accel.work / "install" / "root"
    assert sorted(p.name for p in (root / "opt/streams").iterdir()) == ["accel-cpu", "accel-gpu"]
    assert os.readlink(root / "usr/bin/accelapp") == "/opt/streams/accel-cpu/bin/accelapp"
    if not shutil.which("bwrap"):
        pytest.skip("running the installed streams needs bubblewrap")
    prefixes = ["/opt/streams/accel-cpu", "/opt/streams/accel-gpu"]
    box = sandbox_argv(root, prefixes, base_site_dirs(root))
    ran = subprocess.run([*box, "/tmp/streams-exports/accelapp"], **_CAP)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "accelapp: device=cpu gpukernels=False" in ran.stdout
    probe = "import accelkit; print(accelkit.device())"
    ran = subprocess.run([*box, "/opt/streams/accel-gpu/bin/python3", "-c", probe], **_CAP)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert ran.stdout.strip() == "gpu"


_CAP: dict[str, object] = {"capture_output": True, "text": True, "check": False}


def _dnf(accel: Accel) -> list[str]:
    work = accel.work / "install"
    reposdir = work / "repos.d"
    reposdir.mkdir(parents=True, exist_ok=True)
    repos = {
        "base": accel.base,
        "cpu": accel.work / "out/accel-cpu/host/repo",
        "gpu": accel.work / "out/accel-gpu/host/repo",
    }
    for rid, path in repos.items():
        (reposdir / f"{rid}.repo").write_text(
            f"[{rid}]\nname={rid}\nbaseurl={path.resolve().as_uri()}\ngpgcheck=0\n"
        )
    return [
        "dnf",
        "-y",
        f"--installroot={work / 'root'}",
        "--releasever=1",
        f"--setopt=reposdir={reposdir}",
        f"--setopt=cachedir={work / 'cache'}",
        f"--setopt=logdir={work}",
        "--setopt=install_weak_deps=False",
        "--nogpgcheck",
        "--disableplugin=*",
    ]


def test_copr_dry_run_submits_each_variant_to_its_own_project(
    accel: Accel, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(accel.work)
    recipe = accel.work / "copr.toml"
    recipe.write_text(accel.recipe.read_text())
    code, out, err = _run(
        ["lock", str(recipe), "--target", "fedora-44-x86_64", "--repo", f"base={accel.base_f44}"],
        capsys,
    )
    assert code == 0, out + err
    with serve_copr() as copr:
        monkeypatch.setenv("COPR_URL", copr.url)
        monkeypatch.setenv("COPR_LOGIN", "login")
        monkeypatch.setenv("COPR_USERNAME", "user")
        monkeypatch.setenv("COPR_TOKEN", "secret-token")
        plans = {}
        for variant in ("cpu", "gpu"):
            code, out, err = _run(
                ["build", str(recipe), "--variant", variant, "--backend", "copr", "--dry-run"],
                capsys,
            )
            assert code == 0, out + err
            plans[variant] = out
        assert copr.requests == []
    assert "/accel-cpu-stream: chroots fedora-44-x86_64" in plans["cpu"]
    assert "accel-cpu-stream-python3-accelkit" in plans["cpu"]
    assert "gpukernels" not in plans["cpu"]
    assert "/accel-gpu: chroots fedora-44-x86_64" in plans["gpu"]
    assert "accel-gpu-stream-python3-gpukernels" in plans["gpu"]
    assert "refus" not in plans["gpu"]  # its own instance: the Fedora licence gate does not apply
    # the cpu variant is Fedora-clean: Fedora's Copr would take it
    assert "refus" not in plans["cpu"]


def test_unknown_variant_is_a_usage_error(accel: Accel, capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, err = _run(["show", str(accel.recipe), "--variant", "rocm"], capsys)
    assert code == 2
    assert "has no variant 'rocm'" in err and "variants: cpu, gpu" in err
