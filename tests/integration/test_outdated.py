"""`streams outdated` on two states of a base and of an index (real uv, createrepo_c, libsolv).

The lock is made against base 1 and index 1; the base is then replaced by base 2 (a Fedora
update) and the index gains releases (index 2), and `streams outdated` must say what drifted,
with the exit code CI keys on: 0 nothing, 1 updates available, 3 the lock no longer installs.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from streams.cli import main
from tests.helpers.streamcase import PY, Scenario
from tools.devkit.fakeindex import FakeIndex
from tools.snapshots.repodata import PackageInfo, write_repo

pytestmark = pytest.mark.slow


def _state1(sc: Scenario) -> Path:
    # app needs markupsafe<3 and idna<4; Fedora's attrs is too old (bundled), click is not in
    # Fedora (bundled); jinja2, markupsafe and idna are reused.
    sc.upstream("app", "1.0", ["jinja2", "markupsafe<3", "attrs>=25", "idna<4", "click>=8"])
    sc.upstream("jinja2", "3.1.6", ["markupsafe>=2.0"])
    sc.upstream("markupsafe", "2.1.5")
    sc.upstream("idna", "3.7")
    sc.upstream("attrs", "25.4.0")
    sc.upstream("click", "8.1.0")
    sc.fedora_pkg("jinja2", "3.1.6", ["markupsafe>=2.0"])
    sc.fedora_pkg("markupsafe", "2.1.5")
    sc.fedora_pkg("idna", "3.7")
    sc.fedora_pkg("attrs", "24.2.0")
    return sc.write({"app": "==1.0"})


def _lock(sc: Scenario, recipe: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(sc.lock_args(recipe))
    assert code == 0, capsys.readouterr().err
    capsys.readouterr()


def _outdated(
    sc: Scenario, recipe: Path, capsys: pytest.CaptureFixture[str], *extra: str
) -> tuple[int, dict[str, dict[str, str]], dict[str, object]]:
    """Exit code, the first target's items by ``NAME:KIND``, the whole JSON."""
    code = main(["outdated", str(recipe), *sc.lock_args(recipe)[2:], *extra, "--json"])
    captured = capsys.readouterr()
    data = json.loads(captured.out)
    items = data["targets"][0]["items"]
    return code, {f"{i['name']}:{i['kind']}": i for i in items}, data


def _rebase(sc: Scenario, fedora: dict[str, tuple[str, list[str]]]) -> None:
    """Base 2: the same interpreter, these Fedora packages."""
    sc.fedora = []
    for name, (version, reqs) in fedora.items():
        sc.fedora_pkg(name, version, reqs)
    interp = PackageInfo(
        name="python3",
        version=f"{PY}.0",
        release="1.fc45",
        arch="x86_64",
        provides=(f"python(abi) = {PY}",),
        files=("/usr/bin/python3",),
    )
    write_repo(sc.root / "base", [interp, *sc.fedora], timestamp=2)


def test_nothing_drifted_exits_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sc = Scenario(tmp_path)
    recipe = _state1(sc)
    _lock(sc, recipe, capsys)
    code, items, data = _outdated(sc, recipe, capsys)
    assert (code, items) == (0, {})
    assert data["targets"][0]["base_changed"] is False  # type: ignore[index]
    main(["outdated", str(recipe), *sc.lock_args(recipe)[2:]])
    assert "0 drift item(s): up to date (exit 0)" in capsys.readouterr().out


def test_base_update_inside_the_range_and_new_reuse_and_upstream_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sc = Scenario(tmp_path)
    recipe = _state1(sc)
    _lock(sc, recipe, capsys)
    # Fedora updates jinja2 (no bound on it: still fine) and now ships an attrs the stream can
    # use; upstream released click 8.1.1 (inside click>=8) and attrs 26.1.0; app 1.0 is
    # unchanged, idna's 4.0 is outside the stream's idna<4 (but idna is reused: not reported).
    _rebase(
        sc,
        {
            "jinja2": ("3.1.7", ["markupsafe>=2.0"]),
            "markupsafe": ("2.1.5", []),
            "idna": ("3.7", []),
            "attrs": ("25.4.0", []),
        },
    )
    sc.upstream("click", "8.1.1")
    sc.upstream("attrs", "26.1.0")
    sc.upstream("idna", "4.0")
    sc.index.write_file_index(sc.root / "index")
    code, items, data = _outdated(sc, recipe, capsys)
    assert code == 1
    assert data["targets"][0]["base_changed"] is True  # type: ignore[index]
    moved = items["jinja2:base-moved"]
    assert (moved["locked"], moved["current"]) == ("3.1.6", "3.1.7")
    assert items["attrs:reusable"]["current"] == "25.4.0"
    click = items["click:upstream"]
    assert (click["current"], click["level"], click["inside"]) == ("8.1.1", "patch", True)
    assert items["attrs:upstream"]["level"] == "major"
    assert sorted(items) == [
        "attrs:reusable",
        "attrs:upstream",
        "click:upstream",
        "jinja2:base-moved",
    ]
    # the human table says the same
    assert main(["outdated", str(recipe), *sc.lock_args(recipe)[2:]]) == 1
    out = capsys.readouterr().out
    assert "base moved  jinja2" in out and "updates available (exit 1)" in out


def test_base_update_outside_the_range_exits_3(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sc = Scenario(tmp_path)
    recipe = _state1(sc)
    _lock(sc, recipe, capsys)
    # Fedora moves markupsafe to 3.0.2: app requires markupsafe<3, so the stream breaks.
    _rebase(
        sc,
        {
            "jinja2": ("3.1.6", ["markupsafe>=2.0"]),
            "markupsafe": ("3.0.2", []),
            "idna": ("3.7", []),
            "attrs": ("24.2.0", []),
        },
    )
    code, items, _data = _outdated(sc, recipe, capsys, "--no-index")
    assert code == 3
    broken = items["markupsafe:base-broken"]
    assert (broken["locked"], broken["current"]) == ("2.1.5", "3.0.2")
    assert "app requires markupsafe<3" in broken["detail"]


def test_a_package_gone_from_the_base_exits_3(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sc = Scenario(tmp_path)
    recipe = _state1(sc)
    _lock(sc, recipe, capsys)
    _rebase(sc, {"jinja2": ("3.1.6", ["markupsafe>=2.0"]), "markupsafe": ("2.1.5", [])})
    code, items, _data = _outdated(sc, recipe, capsys, "--no-index")
    assert code == 3
    assert "no longer provides python3.15dist(idna)" in items["idna:base-broken"]["detail"]


def test_yanked_release_and_major_upstream(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sc = Scenario(tmp_path)
    recipe = _state1(sc)
    _lock(sc, recipe, capsys)
    # index 2: click 8.1.0 yanked (a regression), click 9.0.0 out; attrs 26.1.0 is a major
    # release, outside nothing (attrs>=25): inside the stream's requirements.
    sc.index = FakeIndex()
    for name, version, reqs in [
        ("app", "1.0", ["jinja2", "markupsafe<3", "attrs>=25", "idna<4", "click>=8"]),
        ("jinja2", "3.1.6", ["markupsafe>=2.0"]),
        ("markupsafe", "2.1.5", []),
        ("idna", "3.7", []),
        ("attrs", "25.4.0", []),
        ("attrs", "26.1.0", []),
        ("click", "9.0.0", []),
    ]:
        sc.upstream(name, version, reqs)
    sc.index.add_wheel("click", "8.1.0", yanked="broke --help")
    sc.index.write_file_index(sc.root / "index")
    code, items, _data = _outdated(sc, recipe, capsys)
    assert code == 1
    assert sorted(items) == ["attrs:upstream", "click:upstream", "click:yanked"]
    assert "click 8.1.0 is yanked on the index: broke --help" in items["click:yanked"]["detail"]
    upstream = items["click:upstream"]
    assert (upstream["current"], upstream["level"]) == ("9.0.0", "major")
    assert items["attrs:upstream"]["level"] == "major" and items["attrs:upstream"]["inside"]


def test_unknown_target_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sc = Scenario(tmp_path)
    recipe = _state1(sc)
    _lock(sc, recipe, capsys)
    code = main(["outdated", str(recipe), "--target", "fedora-99-x86_64"])
    assert code == 2
    err = capsys.readouterr().err
    assert "has no target fedora-99-x86_64" in err and "fedora-45-x86_64" in err


def test_a_fedora_update_needing_a_newer_bundle_breaks_the_lock(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Fedora's jinja2 3.2.0 is inside every range of the stream, but it requires click>=9 and
    # the stream bundles click 8.1.0 (one copy per closure): libsolv cannot install the locked
    # decisions any more.
    sc = Scenario(tmp_path)
    recipe = _state1(sc)
    _lock(sc, recipe, capsys)
    _rebase(
        sc,
        {
            "jinja2": ("3.2.0", ["markupsafe>=2.0", "click>=9"]),
            "markupsafe": ("2.1.5", []),
            "idna": ("3.7", []),
            "attrs": ("24.2.0", []),
            "click": ("9.0.0", []),
        },
    )
    code, items, _data = _outdated(sc, recipe, capsys, "--no-index")
    assert code == 3, items
    assert "jinja2:base-moved" in items
    broken = items["app:base-broken"]
    assert broken["detail"].startswith(
        "libsolv cannot install the locked decisions on the current base"
    )
    assert "click" in broken["detail"]


@pytest.mark.parametrize("variant", ["", "cpu"])
def test_build_refuses_a_lock_its_base_update_broke_before_any_build(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], variant: str
) -> None:
    sc = Scenario(tmp_path)
    recipe = _state1(sc)
    if variant:  # a variant is a stream of its own: its builds are checked the same way
        with recipe.open("a") as fh:
            fh.write(f'\n[variants.{variant}]\ndescription = "the {variant} build"\n')
    _lock(sc, recipe, capsys)
    _rebase(
        sc,
        {
            "jinja2": ("3.1.6", ["markupsafe>=2.0"]),
            "markupsafe": ("3.0.2", []),
            "idna": ("3.7", []),
            "attrs": ("24.2.0", []),
        },
    )
    out = tmp_path / "out"
    chosen = ["--variant", variant] if variant else []
    code = main(["build", str(recipe), "--backend", "mock", "-o", str(out), *chosen])
    err = capsys.readouterr().err
    assert code == 3, err
    assert "no longer installs on the base it was solved against" in err
    assert "markupsafe 3.0.2 is outside the stream's range: app requires markupsafe<3" in err
    assert not (out / "fedora-45-x86_64" / "rpms").exists()


def test_the_vllm_lock_on_the_embedded_snapshot_and_its_recorded_index(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # The snapshots the lock was solved against are the ones streams embeds: the base part
    # finds nothing; the recorded index has releases newer than the lock's (exit 1).
    root = Path(__file__).resolve().parents[2]
    lock = root / "tests" / "data" / "specgen" / "vllm" / "vllm.lock.toml"
    index = root / "tests" / "data" / "index" / "vllm" / "simple"
    argv = ["outdated", str(root / "recipes" / "vllm.toml"), "--lock", str(lock)]
    code = main([*argv, "--variant", "cuda", "--offline", "--index-url", str(index), "--json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 1
    assert [(t["target"], t["base_changed"]) for t in data["targets"]] == [
        ("fedora-44-x86_64", False),
        ("fedora-45-x86_64", False),
    ]
    kinds = {i["kind"] for t in data["targets"] for i in t["items"]}
    assert kinds == {"upstream"}
    f44 = {i["name"]: i for i in data["targets"][0]["items"]}
    # vLLM pins fastapi below 0.137: the newer fastapi on the index is outside its range
    assert f44["fastapi"]["inside"] is False
    assert "vllm requires fastapi" in f44["fastapi"]["detail"]


@pytest.mark.parametrize(
    ("old", "new", "level"),
    [
        ("1.2.3", "1.2.4", "patch"),
        ("1.2.3", "1.2.3.post1", "patch"),
        ("1.2.3", "1.3.0", "minor"),
        ("1.2", "2.0", "major"),
        ("1.2", "1!0.1", "major"),
    ],
)
def test_release_level(old: str, new: str, level: str) -> None:
    from packaging.version import Version

    from streams.lock.drift import level_of

    assert level_of(Version(old), Version(new)) == level


@pytest.mark.parametrize(("update", "kind"), [("3.7.1", "base-moved"), ("3.8", "base-broken")])
def test_an_exact_pin_on_a_reused_package_is_judged_as_the_spec_requires_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], update: str, kind: str
) -> None:
    # app pins idna==3.7 and Fedora's idna is reused: the spec requires idna's 3.7 series
    # (the coupling rule), so Fedora's 3.7.1 is inside the stream's range and 3.8 is not.
    sc = Scenario(tmp_path)
    sc.upstream("app", "1.0", ["idna==3.7"])
    sc.upstream("idna", "3.7")
    sc.fedora_pkg("idna", "3.7")
    recipe = sc.write({"app": "==1.0"})
    _lock(sc, recipe, capsys)
    _rebase(sc, {"idna": (update, [])})
    code, items, _data = _outdated(sc, recipe, capsys, "--no-index")
    assert list(items) == [f"idna:{kind}"]
    assert code == (1 if kind == "base-moved" else 3)
    if kind == "base-broken":
        assert "app requires idna<3.8,>=3.7" in items["idna:base-broken"]["detail"]


def test_each_variant_is_compared_with_its_own_index(capsys: pytest.CaptureFixture[str]) -> None:
    # --index-url URL for every variant, VARIANT=URL for the one recorded elsewhere: the cpu
    # closure's projects are all found (with the cuda index alone, two are not)
    root = Path(__file__).resolve().parents[2]
    lock = root / "tests" / "data" / "specgen" / "vllm" / "vllm.lock.toml"
    index = root / "tests" / "data" / "index"
    argv = ["outdated", str(root / "recipes" / "vllm.toml"), "--lock", str(lock), "--offline"]
    argv += ["--variant", "cpu", "--json"]
    main([*argv, "--index-url", str(index / "vllm" / "simple")])
    alone = json.loads(capsys.readouterr().out)["targets"][0]
    assert len(alone["notes"]) == 2 and "gguf" in alone["notes"][0]
    cpu = f"cpu={index / 'vllm-cpu' / 'simple'}"
    main([*argv, "--index-url", str(index / "vllm" / "simple"), "--index-url", cpu])
    own = json.loads(capsys.readouterr().out)["targets"][0]
    assert own["variant"] == "cpu" and own["notes"] == []
    assert main([*argv, "--index-url", "gpu=/nowhere"]) == 2
    assert "has no variant 'gpu'" in capsys.readouterr().err
