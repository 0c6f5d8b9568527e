"""A re-lock's packages upgrade the old ones with dnf: higher Release, Obsoletes for the dropped.

The demo stream is built for the host twice with real rpmbuild and published with
``publish_repo`` (createrepo_c) into the same repository:

1. hello-cow and leftlib (a one-module setuptools sdist made here) bundled;
2. re-locked (``stamp_target`` against the first lock, as ``streams lock`` does) with
   leftlib dropped and hello-cow's build requirements changed (same version).

dnf installs the first set into a scratch root (``--installroot``, no system repositories,
a tiny base repository with what the packages need from the system: ``python(abi)``,
``python3.Xdist(attrs)``, ``/bin/sh``), then ``dnf upgrade`` from the republished repository
must upgrade hello-cow to Release 2 and remove leftlib: the runtime, which every stream
package requires, carries ``Obsoletes: demo-stream-python3-leftlib < 0.3-2``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from streams.lock import LockedPackage, LockedSource, LockedTarget, Revision, lock_path, read_lock
from streams.lock.revisions import stamp_target
from streams.publish import publish_repo
from streams.recipe import load_recipe
from streams.sources import SourceInfoStore
from streams.specgen import StreamSettings, plan_target, render_plan
from streams.specgen.output import fetch_sources
from tools.devkit.rpmfixtures import FixtureRpm, build_rpms, make_repo
from tools.devkit.specgen_sources import (
    DEMO,
    SETUPTOOLS_PYPROJECT,
    demo_fetch,
    make_sdist,
    pkg_info,
)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        shutil.which("rpmbuild") is None
        or shutil.which("dnf") is None
        or shutil.which("createrepo_c") is None,
        reason="needs rpmbuild, createrepo_c and dnf (scripts/setup.sh installs them)",
    ),
    pytest.mark.skipif(os.geteuid() != 0, reason="dnf --installroot needs root"),
]

PACKAGER = "Test Packager <test@example.org>"
RUNTIME = "demo-stream-runtime"
HELLO = "demo-stream-python3-hello-cow"
TINY = "demo-stream-python3-leftlib"


def _run(argv: list[str], **kw: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, check=False, **kw)  # type: ignore[call-overload,no-any-return]


def _host_python() -> str:
    out = _run(["/usr/bin/python3", "-c", "import sys; print('%d.%d' % sys.version_info[:2])"])
    return out.stdout.strip()


if _run(["/usr/bin/python3", "-c", "import setuptools, installer, pip"]).returncode != 0:
    pytestmark.append(pytest.mark.skip(reason="host python3 lacks setuptools/installer/pip"))


def _leftlib(src: Path) -> LockedPackage:
    """A pure one-module distribution built by setuptools, version 0.3."""
    sdist = make_sdist(
        src,
        "leftlib",
        "0.3",
        {
            "pyproject.toml": SETUPTOOLS_PYPROJECT.format(
                name="leftlib",
                version="0.3",
                summary="A distribution the re-lock drops",
                extra='[tool.setuptools]\npy-modules = ["leftlib"]\n',
            ),
            "leftlib.py": "VALUE = 3\n",
            "PKG-INFO": pkg_info("leftlib", "0.3", summary="A distribution the re-lock drops"),
        },
    )
    sha = hashlib.sha256(sdist.read_bytes()).hexdigest()
    return LockedPackage(
        name="leftlib",
        version="0.3",
        origin="bundle",
        rpm=TINY,
        evr="0.3",
        reason="bundled",
        build_requires=("setuptools>=61",),
        sources=(
            LockedSource(
                kind="sdist", url=f"https://x.org/{sdist.name}", sha256=sha, filename=sdist.name
            ),
        ),
    )


def _fetch(src: Path):  # type: ignore[no-untyped-def]
    def fetch(s: LockedSource) -> Path:
        mine = src / str(s.filename)
        return mine if mine.is_file() else demo_fetch(s)

    return fetch


def _targets(py: str, src: Path) -> tuple[LockedTarget, LockedTarget]:
    """The first lock and the re-lock, stamped as ``streams lock`` stamps them."""
    recipe = load_recipe(DEMO / "demo.toml")
    base = read_lock(lock_path(DEMO / "demo.toml")).get_target("fedora-44-x86_64")
    pkgs = {p.name: p for p in base.package}
    fresh = Revision()
    # hello-cow without its compiled dependency, so it installs with only Fedora's attrs
    hello = pkgs["hello-cow"].model_copy(update={"requires": ("attrs>=22.1",), "revision": fresh})
    tiny = _leftlib(src)
    first = base.model_copy(
        update={
            "name": "host",
            "python": py,
            "package": (pkgs["attrs"], hello, tiny),
            "obsoletes": (),
            "revision": fresh,
        }
    )
    v1 = stamp_target(first, None, recipe, date="2026-01-15", packager=PACKAGER)
    # the re-lock: tinybackend left the stream, hello-cow's build inputs changed
    hello2 = hello.model_copy(update={"build_requires": ("setuptools>=68",)})
    second = first.model_copy(update={"package": (pkgs["attrs"], hello2)})
    v2 = stamp_target(second, v1, recipe, date="2026-01-16", packager=PACKAGER)
    return v1, v2


def _build(target: LockedTarget, names: list[str], work: Path, src: Path) -> Path:
    """rpmbuild -ba of the named specs; the RPMS directory."""
    settings = StreamSettings.from_recipe(load_recipe(DEMO / "demo.toml"))
    settings = dataclasses.replace(settings, exports=())
    plan = plan_target(
        settings,
        target,
        SourceInfoStore(root=work / "store"),
        arch="x86_64",
        interpreter="/usr/bin/python3",
        fetch=_fetch(src),
    )
    out = work / "specs"
    fetch_sources(plan, out / "SOURCES", fetch=_fetch(src))
    specs = {s.filename: s.text for s in render_plan(plan)}
    top = work / "rpmbuild"
    for name in names:
        spec = out / f"{name}.spec"
        spec.write_text(specs[f"{name}.spec"])
        built = _run(
            [
                "rpmbuild",
                "-ba",
                "--nodeps",
                "--define",
                f"_topdir {top}",
                "--define",
                f"_sourcedir {out / 'SOURCES'}",
                str(spec),
            ]
        )
        assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    return top / "RPMS"


def _dnf(root: Path, work: Path, repos: dict[str, Path], *args: str) -> str:
    reposdir = work / "repos.d"
    reposdir.mkdir(parents=True, exist_ok=True)
    for rid, path in repos.items():
        (reposdir / f"{rid}.repo").write_text(
            f"[{rid}]\nname={rid}\nbaseurl={path.as_uri()}\ngpgcheck=0\nmetadata_expire=0\n"
        )
    res = _run(
        [
            "dnf",
            "-y",
            f"--installroot={root}",
            "--releasever=1",
            f"--setopt=reposdir={reposdir}",
            f"--setopt=cachedir={work / 'dnf-cache'}",
            f"--setopt=logdir={work}",
            "--setopt=install_weak_deps=False",
            "--nogpgcheck",
            "--disableplugin=*",
            *args,
        ]
    )
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    return res.stdout


def _installed(root: Path) -> dict[str, str]:
    res = _run(["rpm", "--root", str(root), "-qa", "--qf", "%{NAME} %{VERSION}-%{RELEASE}\n"])
    assert res.returncode == 0, res.stderr
    return dict(line.split(" ", 1) for line in res.stdout.splitlines() if line.strip())


def test_relock_upgrades_with_dnf(tmp_path: Path) -> None:
    py = _host_python()
    src = tmp_path / "src"
    v1, v2 = _targets(py, src)
    rel = {p.name: p.revision.release for p in v2.bundled()}
    assert rel == {"hello-cow": 2}
    assert v2.revision.release == 2
    assert [(o.name, o.evr) for o in v2.obsoletes] == [(TINY, "0.3-1")]

    # what the stream needs from the system, as Fedora's packages provide it
    base = make_repo(
        build_rpms(
            [
                FixtureRpm(
                    "python3",
                    py,
                    provides=(f"python(abi) = {py}",),
                    files=(("/bin/sh", "#!fixture\n"), (f"/usr/bin/python{py}", "#!fixture\n")),
                ),
                FixtureRpm(
                    "python3-attrs",
                    "25.1.0",
                    provides=(f"python{py}dist(attrs) = 25.1", "python3dist(attrs) = 25.1"),
                ),
            ],
            tmp_path / "base-build",
        ),
        tmp_path / "base",
    )
    repo = tmp_path / "repo"
    rpms1 = _build(v1, [RUNTIME, HELLO, TINY], tmp_path / "v1", src)
    publish_repo(rpms1, repo, stream="demo", packages={RUNTIME, HELLO, TINY})
    root = tmp_path / "root"
    _dnf(root, tmp_path / "dnf1", {"base": base, "demo": repo}, "install", RUNTIME, HELLO, TINY)
    before = _installed(root)
    assert before[HELLO] == "1.0-1" and before[TINY] == "0.3-1"
    assert before[RUNTIME].endswith("-1")

    # the re-lock rebuilds what changed and republishes the repository with its set only
    rpms2 = _build(v2, [RUNTIME, HELLO], tmp_path / "v2", src)
    obsoletes = _run(["rpm", "-qp", "--obsoletes", *map(str, rpms2.glob(f"*/{RUNTIME}-*.rpm"))])
    assert f"{TINY} < 0.3-2" in obsoletes.stdout
    publish_repo(rpms2, repo, stream="demo", packages={RUNTIME, HELLO})
    assert not list(repo.rglob(f"{TINY}-*.rpm"))

    _dnf(root, tmp_path / "dnf2", {"base": base, "demo": repo}, "upgrade")
    after = _installed(root)
    assert after[HELLO] == "1.0-2"  # same version, higher Release: upgraded
    assert after[RUNTIME].endswith("-2")
    assert TINY not in after  # obsoleted by the runtime, removed
    assert set(after) == {"python3", "python3-attrs", RUNTIME, HELLO}
