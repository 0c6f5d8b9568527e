"""The SBOM beside a real build: ``streams build`` (local rpmbuild) of the accel fixture's
cpu variant publishes ``sbom.cdx.json`` into the repository with its RPMs, and a reused
package's purl carries the architecture and epoch of the RPM in a real rpm-md base."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

from streams.cli import main
from streams.lock import Lock, LockedPackage, LockedRepo, LockedTarget, lock_path, read_lock
from streams.publish.sbom import collect, reused_arches
from streams.recipe import load_recipe
from tools.devkit.accel import prepare
from tools.devkit.rpmfixtures import FixtureRpm, build_rpms, make_repo

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        any(shutil.which(t) is None for t in ("rpmbuild", "rpm", "createrepo_c")),
        reason="rpmbuild, rpm and createrepo_c are needed (scripts/setup.sh)",
    ),
]


def test_streams_build_writes_the_sbom_beside_the_published_repo(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    accel = prepare(tmp_path / "accel")
    monkeypatch.chdir(accel.work)
    code = main(["lock", str(accel.recipe), "--target", "host", "--repo", f"base={accel.base}"])
    assert code == 0, capsys.readouterr()
    code = main(["build", str(accel.recipe), "--variant", "cpu", "--backend", "local"])
    out, err = capsys.readouterr()
    assert code == 0, out + err
    repo = Path("out") / "accel-cpu" / "host" / "repo"
    assert (repo / "repodata" / "repomd.xml").is_file()
    sbom = repo / "sbom.cdx.json"
    assert sbom.is_file(), sorted(p.name for p in repo.iterdir())
    assert not list(repo.glob(".sbom.cdx.json.*"))  # written atomically: no temporary left
    text = sbom.read_text()
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(text) is None
    doc = json.loads(text)
    locked = read_lock(lock_path(accel.recipe)).get_target("host", "cpu")
    assert {c["name"] for c in doc["components"]} == {p.name for p in locked.package}
    assert doc["metadata"]["component"]["name"] == "accel-cpu"
    props = {p["name"]: p["value"] for p in doc["metadata"]["component"]["properties"]}
    assert props["streams:variant"] == "cpu" and props["streams:target"] == "host"
    built = {r.name for r in repo.glob("*.rpm")}
    for c in doc["components"]:
        rpm = {p["name"]: p["value"] for p in c["properties"]}["streams:rpm"]
        # every bundled component's RPM is in the repository beside the SBOM
        assert any(b.startswith(rpm + "-") for b in built), (rpm, built)
    # `streams sbom` on the same lock writes the same bytes
    code = main(["sbom", str(accel.recipe), "--variant", "cpu", "--target", "host"])
    assert code == 0
    assert capsys.readouterr().out == text


def test_a_reused_rpm_gets_its_arch_and_epoch_from_a_real_base(tmp_path: Path) -> None:
    rpms = build_rpms(
        [
            FixtureRpm("python3-plain", "1.0", provides=("python3dist(plain) = 1.0",)),
            FixtureRpm(
                "python3-native",
                "2.0",
                epoch=2,
                arch="x86_64",
                provides=("python3dist(native) = 2.0",),
            ),
        ],
        tmp_path / "build",
    )
    base = make_repo(rpms, tmp_path / "base")

    def reused(name: str, rpm: str, evr: str) -> LockedPackage:
        return LockedPackage(
            name=name, version=evr, origin="fedora", rpm=rpm, evr=evr, reason="reused", repo="b"
        )

    target = LockedTarget(
        name="fedora-44-x86_64",
        python="3.14",
        interpreter="python3",
        interpreter_main=True,
        repo=(LockedRepo(name="b", url=str(base)),),
        package=(
            reused("plain", "python3-plain", "1.0-1"),
            reused("native", "python3-native", "2:2.0-1"),
            reused("gone", "python3-gone", "3.0-1"),  # not in the base: no arch
        ),
    )
    arches = reused_arches(target)
    assert arches == {"python3-native": "x86_64", "python3-plain": "noarch"}
    # a base with another EVR than the lock's says nothing about the locked RPM
    moved = target.model_copy(update={"package": (reused("plain", "python3-plain", "1.1-1"),)})
    assert reused_arches(moved) == {}
    recipe = load_recipe(Path(__file__).resolve().parents[2] / "recipes" / "hello.toml")
    lock = Lock(stream="hello", recipe="hello.toml", recipe_sha256="0", target=(target,))
    sbom = collect(recipe, lock, target, arches=arches)
    purls = {p.name: p.ref for p in sbom.packages}
    assert purls["native"] == (
        "pkg:rpm/fedora/python3-native@2.0-1?arch=x86_64&distro=fedora-44&epoch=2"
    )
    assert purls["plain"] == "pkg:rpm/fedora/python3-plain@1.0-1?arch=noarch&distro=fedora-44"
    assert purls["gone"] == "pkg:rpm/fedora/python3-gone@3.0-1?distro=fedora-44"
