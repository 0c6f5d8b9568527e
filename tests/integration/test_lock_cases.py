"""`streams lock` end to end on small handmade indexes and base repos (real uv, libsolv)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from streams.cli import main
from streams.lock import lock_path, read_lock
from streams.lock.graph import cycles, runtime_graph
from tests.helpers.streamcase import TARGET, Scenario, violations

pytestmark = pytest.mark.slow


def lock(sc: Scenario, recipe: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, str]:
    code = main(sc.lock_args(recipe))
    err = capsys.readouterr().err
    assert code == 0, err
    t = read_lock(lock_path(recipe)).get_target(TARGET)
    assert violations(t) == []
    return {p.name: f"{p.origin}:{p.version}" for p in t.package}


def reasons(recipe: Path) -> dict[str, str]:
    return {p.name: p.reason for p in read_lock(lock_path(recipe)).get_target(TARGET).package}


def test_pin_newer_than_fedora_is_bundled_the_rest_reused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sc = Scenario(tmp_path)
    sc.upstream("app", "1.0", ["six>=1.10", "attrs>=25"])
    sc.upstream("six", "1.17.0")
    sc.upstream("attrs", "25.4.0")
    sc.fedora_pkg("six", "1.16.0")
    sc.fedora_pkg("attrs", "24.2.0")
    recipe = sc.write({"app": "==1.0"})
    assert lock(sc, recipe, capsys) == {
        "app": "bundle:1.0",
        "six": "fedora:1.16.0",
        "attrs": "bundle:25.4.0",
    }
    why = reasons(recipe)["attrs"]
    assert "python3-attrs 24.2.0-1.fc45" in why and "attrs>=25" in why


def test_fedora_packages_own_requirement_forces_a_bundle(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Fedora's lib 1.0 (reused) needs core>=3, but Fedora only has core 2.0: the stream must
    # bundle core so that Fedora's lib finds what it needs in the view.
    sc = Scenario(tmp_path)
    sc.upstream("app", "1.0", ["lib"])
    sc.upstream("lib", "1.0", ["core>=3"])
    sc.upstream("core", "3.1")
    sc.fedora_pkg("lib", "1.0", ["core>=3"])
    sc.fedora_pkg("core", "2.0")
    recipe = sc.write({"app": "==1.0"})
    got = lock(sc, recipe, capsys)
    assert got["lib"] == "fedora:1.0" and got["core"] == "bundle:3.1"
    assert "python3-lib" in reasons(recipe)["core"]


def test_abi_coupling_bundles_fedora_packages_built_against_a_bundle(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sc = Scenario(tmp_path)
    sc.upstream("app", "1.0", ["torch", "vision", "six"])
    sc.upstream("torch", "2.0")
    sc.upstream("vision", "0.5", ["torch"])
    sc.upstream("six", "1.17.0")
    for d, v, r in (("torch", "2.0", []), ("vision", "0.5", ["torch"]), ("six", "1.17.0", [])):
        sc.fedora_pkg(d, v, r)
    recipe = sc.write({"app": "==1.0"}, policy='bundle = ["torch"]\nabi-coupled = ["torch"]')
    got = lock(sc, recipe, capsys)
    assert got == {
        "app": "bundle:1.0",
        "torch": "bundle:2.0",
        "vision": "bundle:0.5",
        "six": "fedora:1.17.0",
    }
    assert "policy.bundle" in reasons(recipe)["torch"]


def test_policy_fedora_impossible_exits_3_with_the_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sc = Scenario(tmp_path)
    sc.upstream("app", "1.0", ["torch==2.14.0"])
    sc.upstream("torch", "2.14.0")
    sc.fedora_pkg("torch", "2.12.0")
    recipe = sc.write({"app": "==1.0"}, policy='fedora = ["torch"]')
    assert main(sc.lock_args(recipe)) == 3
    err = capsys.readouterr().err
    # Base-first: upstream is resolved with Fedora's torch, and uv names what blocks it.
    assert "no release of app==1.0 works with Fedora's torch 2.12.0" in err
    assert "app depend on torch==2.14.0" in err
    assert "policy.fedora" in err
    assert "Traceback" not in err
    assert not lock_path(recipe).exists()


def test_extras_need_the_extra_from_the_same_copy(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # app needs web[async]; Fedora has web but no python3-web+async: the stream's web (which
    # provides the extra) must be used, and the extra's dependency comes along.
    sc = Scenario(tmp_path)
    sc.upstream("app", "1.0", ["web[async]>=1"])
    sc.upstream("web", "1.2", ['anyio>=4; extra == "async"'], extras=["async"])
    sc.upstream("anyio", "4.5")
    sc.fedora_pkg("web", "1.2")
    sc.fedora_pkg("anyio", "4.5")
    recipe = sc.write({"app": "==1.0"})
    got = lock(sc, recipe, capsys)
    assert got["web"] == "bundle:1.2" and got["anyio"] == "fedora:4.5"
    t = read_lock(lock_path(recipe)).get_target(TARGET)
    assert t.packages()["web"].extras == ("async",)


def test_extras_package_in_fedora_is_reused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sc = Scenario(tmp_path)
    sc.upstream("app", "1.0", ["web[async]>=1"])
    sc.upstream("web", "1.2", ['anyio>=4; extra == "async"'], extras=["async"])
    sc.upstream("anyio", "4.5")
    sc.fedora_pkg("web", "1.2", ['anyio>=4; extra == "async"'])
    sc.fedora_pkg("web", "1.2", ['anyio>=4; extra == "async"'], extra="async")
    sc.fedora_pkg("anyio", "4.5")
    recipe = sc.write({"app": "==1.0"})
    got = lock(sc, recipe, capsys)
    assert got["web"] == "fedora:1.2" and got["anyio"] == "fedora:4.5"


def test_environment_markers_are_evaluated_for_the_target(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sc = Scenario(tmp_path)
    sc.upstream(
        "app",
        "1.0",
        [
            'winonly; sys_platform == "win32"',
            'oldpy; python_version < "3.10"',
            'armonly; platform_machine == "aarch64"',
            'linuxonly; sys_platform == "linux"',
        ],
    )
    for d in ("winonly", "oldpy", "armonly", "linuxonly"):
        sc.upstream(d, "1.0")
    recipe = sc.write({"app": "==1.0"})
    got = lock(sc, recipe, capsys)
    assert set(got) == {"app", "linuxonly"}


def test_dependency_cycle(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sc = Scenario(tmp_path)
    sc.upstream("app", "1.0", ["ping"])
    sc.upstream("ping", "1.0", ["pong"])
    sc.upstream("pong", "1.0", ["ping"])
    recipe = sc.write({"app": "==1.0"})
    got = lock(sc, recipe, capsys)
    assert got == {"app": "bundle:1.0", "ping": "bundle:1.0", "pong": "bundle:1.0"}
    g = runtime_graph(read_lock(lock_path(recipe)).get_target(TARGET))
    assert cycles(g) == [["ping", "pong"]]


def test_lock_is_byte_identical_when_run_twice(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sc = Scenario(tmp_path)
    sc.upstream("app", "1.0", ["six"])
    sc.upstream("six", "1.17.0")
    sc.fedora_pkg("six", "1.16.0")
    recipe = sc.write({"app": "==1.0"})
    lock(sc, recipe, capsys)
    first = lock_path(recipe).read_bytes()
    lock(sc, recipe, capsys)
    assert lock_path(recipe).read_bytes() == first
    assert main([*sc.lock_args(recipe), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["targets"][0]["reused"] == 1 and data["targets"][0]["bundled"] == 1


def test_base_first_picks_the_newest_release_that_fits_fedora(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The newest app needs a newer torch than Fedora's; an older app fits Fedora's torch.
    # Under policy.fedora the lock takes the older app, reuses Fedora's torch, and says why.
    sc = Scenario(tmp_path)
    sc.upstream("app", "2.0", ["torch>=2.14"])
    sc.upstream("app", "1.0", ["torch>=2.10"])
    sc.upstream("torch", "2.14.0")
    sc.upstream("torch", "2.12.0")
    sc.fedora_pkg("torch", "2.12.0")
    recipe = sc.write({"app": ""}, policy='fedora = ["torch"]')
    got = lock(sc, recipe, capsys)
    assert got["app"] == "bundle:1.0"
    assert got["torch"] == "fedora:2.12.0"
    warnings = read_lock(lock_path(recipe)).get_target(TARGET).warnings
    assert any("Fedora's torch 2.12.0" in w for w in warnings)
    assert (
        "base-first: app 1.0, not the newest 2.0: app 2.0 requires torch>=2.14, and Fedora "
        "has torch 2.12.0" in warnings
    )


def test_without_base_first_the_newest_release_cannot_reuse_fedora(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The same index and base without policy.fedora: uv takes the newest app, and torch is
    # bundled (the contrast the test above relies on).
    sc = Scenario(tmp_path)
    sc.upstream("app", "2.0", ["torch>=2.14"])
    sc.upstream("app", "1.0", ["torch>=2.10"])
    sc.upstream("torch", "2.14.0")
    sc.upstream("torch", "2.12.0")
    sc.fedora_pkg("torch", "2.12.0")
    recipe = sc.write({"app": ""})
    got = lock(sc, recipe, capsys)
    assert got["app"] == "bundle:2.0" and got["torch"] == "bundle:2.14.0"
