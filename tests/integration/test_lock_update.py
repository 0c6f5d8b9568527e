"""``streams lock --update [DIST...]`` on a handmade index in two states (real uv, libsolv).

State 1: app 1.0 requires alpha, bravo and delta; alpha 1.0 requires charlie>=1; delta 1.1
upstream, Fedora's delta 1.0 is reused.  State 2 adds alpha 2.0 (requires charlie>=2),
bravo 2.0, charlie 2.0 and delta 1.2 (requires bravo>=2).  Locked against state 1, then:

- a plain re-lock moves nothing (delta's upstream pin 1.1 is kept too, so delta 1.2's
  bravo>=2 cannot move bravo);
- ``--update alpha`` moves alpha and charlie (alpha 2.0 needs it), not bravo;
- ``--update`` moves everything.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from streams.cli import main
from streams.lock import LockedPackage, lock_path, read_lock
from tests.helpers.streamcase import TARGET, Scenario, violations

pytestmark = pytest.mark.slow


def _state_1(tmp_path: Path) -> tuple[Scenario, Path]:
    sc = Scenario(tmp_path)
    sc.upstream("app", "1.0", ["alpha", "bravo", "delta"])
    sc.upstream("alpha", "1.0", ["charlie>=1"])
    sc.upstream("bravo", "1.0")
    sc.upstream("charlie", "1.0")
    sc.upstream("delta", "1.0")
    sc.upstream("delta", "1.1")
    sc.fedora_pkg("delta", "1.0")
    return sc, sc.write({"app": "==1.0"})


def _state_2(sc: Scenario) -> Path:
    sc.upstream("alpha", "2.0", ["charlie>=2"])
    sc.upstream("bravo", "2.0")
    sc.upstream("charlie", "2.0")
    sc.upstream("delta", "1.2", ["bravo>=2"])
    return sc.write({"app": "==1.0"})


def _lock(sc: Scenario, recipe: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> str:
    code = main([*sc.lock_args(recipe), *extra])
    out = capsys.readouterr()
    assert code == 0, out.err
    assert violations(read_lock(lock_path(recipe)).get_target(TARGET)) == []
    return out.out


def _versions(recipe: Path) -> dict[str, str]:
    t = read_lock(lock_path(recipe)).get_target(TARGET)
    return {p.name: f"{p.origin}:{p.version}" for p in t.package}


def _revisions(recipe: Path) -> dict[str, tuple[int, str]]:
    t = read_lock(lock_path(recipe)).get_target(TARGET)
    return {
        p.name: (p.revision.release, p.revision.text) for p in t.package if p.origin == "bundle"
    }


def _package(recipe: Path, name: str) -> LockedPackage:
    (p,) = [p for p in read_lock(lock_path(recipe)).get_target(TARGET).package if p.name == name]
    return p


STATE_1 = {
    "app": "bundle:1.0",
    "alpha": "bundle:1.0",
    "bravo": "bundle:1.0",
    "charlie": "bundle:1.0",
    "delta": "fedora:1.0",
}


def test_plain_relock_moves_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sc, recipe = _state_1(tmp_path)
    first = _lock(sc, recipe, capsys)
    assert "moved" not in first and "unchanged" not in first  # a first lock compares nothing
    assert _versions(recipe) == STATE_1
    before = lock_path(recipe).read_bytes()
    _state_2(sc)
    out = _lock(sc, recipe, capsys)
    assert _versions(recipe) == STATE_1
    assert "unchanged: all 5 distributions kept their locked versions" in out
    # uv's pin of the reused delta is kept too (its newer release would pull bravo 2.0)
    delta = _package(recipe, "delta")
    assert "upstream pins 1.1" in delta.reason
    assert lock_path(recipe).read_bytes() == before  # same lock, byte for byte


def test_update_one_moves_it_and_what_it_needs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sc, recipe = _state_1(tmp_path)
    _lock(sc, recipe, capsys)
    revs = _revisions(recipe)
    _state_2(sc)
    out = _lock(sc, recipe, capsys, "--update", "alpha")
    assert _versions(recipe) == {**STATE_1, "alpha": "bundle:2.0", "charlie": "bundle:2.0"}
    assert "moved: alpha 1.0 -> 2.0 (asked: --update alpha)" in out
    assert "moved: charlie 1.0 -> 2.0 (needed by alpha 2.0's requirement charlie>=2)" in out
    assert [line for line in out.splitlines() if "bravo" in line] == []
    assert "kept: 2 distributions unchanged" in out  # bravo and delta
    # Releases follow the lock (Fedora's Versioning Guidelines: a new version resets Release
    # to 1 with an "Update to" entry; same version with other inputs raises it)
    now = _revisions(recipe)
    assert now["alpha"] == (1, "Update to 2.0")
    assert now["charlie"] == (1, "Update to 2.0")
    assert now["bravo"] == revs["bravo"]  # unmoved: same Release, same changelog entry
    assert now["app"][0] == revs["app"][0] + 1  # requires alpha = 2.0 now: rebuilt
    assert f"rebuilt: app 1.0, Release {revs['app'][0]} -> {now['app'][0]}" in out


def test_update_without_names_moves_everything(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sc, recipe = _state_1(tmp_path)
    _lock(sc, recipe, capsys)
    _state_2(sc)
    code = main([*sc.lock_args(recipe), "--update", "--json"])
    out = capsys.readouterr()
    assert code == 0, out.err
    assert _versions(recipe) == {
        "app": "bundle:1.0",
        "alpha": "bundle:2.0",
        "bravo": "bundle:2.0",
        "charlie": "bundle:2.0",
        "delta": "fedora:1.0",  # Fedora's copy still satisfies everything
    }
    (target,) = json.loads(out.out)["targets"]
    moved = {c["name"]: c for c in target["update"]["changes"] if c["kind"] == "moved"}
    assert sorted(moved) == ["alpha", "bravo", "charlie"]
    assert moved["bravo"]["from"] == "1.0" and moved["bravo"]["to"] == "2.0"
    assert moved["bravo"]["why"] == "asked: --update"
    assert moved["alpha"]["release"] == {"from": 1, "to": 1}
    assert moved["alpha"]["changelog"] == "Update to 2.0"
    delta = _package(recipe, "delta")
    assert "upstream pins 1.2" in delta.reason  # uv's pin moved, Fedora's copy did not


def test_unknown_name_is_a_usage_error_with_close_names(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sc, recipe = _state_1(tmp_path)
    _lock(sc, recipe, capsys)
    before = lock_path(recipe).read_bytes()
    code = main([*sc.lock_args(recipe), "--update", "alpah"])
    err = capsys.readouterr().err
    assert code == 2
    assert str(lock_path(recipe)) in err and "alpah (did you mean alpha?)" in err
    assert "Traceback" not in err
    assert lock_path(recipe).read_bytes() == before


def test_names_without_update_or_without_a_lock_are_usage_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sc, recipe = _state_1(tmp_path)
    assert main([*sc.lock_args(recipe), "alpha"]) == 2
    assert "need --update" in capsys.readouterr().err
    assert main([*sc.lock_args(recipe), "--update", "alpha"]) == 2
    assert "no lock to update" in capsys.readouterr().err
    assert not lock_path(recipe).exists()


def test_a_base_update_moves_what_it_must_without_update(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Fedora now ships bravo 1.0 (what the stream bundles) and a newer delta: a plain re-lock
    # reuses bravo (its bundle is obsoleted) and follows delta; the rest keeps its versions
    sc, recipe = _state_1(tmp_path)
    _lock(sc, recipe, capsys)
    _state_2(sc)
    sc.fedora_pkg("bravo", "1.0")
    sc.fedora = [p for p in sc.fedora if p.name != "python3-delta"]
    sc.fedora_pkg("delta", "1.1")
    recipe = sc.write({"app": "==1.0"})
    out = _lock(sc, recipe, capsys)
    assert _versions(recipe) == {**STATE_1, "bravo": "fedora:1.0", "delta": "fedora:1.1"}
    assert "now reused: bravo 1.0 (python3-bravo 1.0-1.fc45" in out
    assert "moved: delta 1.0 -> 1.1 (the base has python3-delta 1.1-1.fc45 now, was " in out
    t = read_lock(lock_path(recipe)).get_target(TARGET)
    assert [(o.name, o.evr) for o in t.obsoletes] == [("app-stream-python3-bravo", "1.0-1")]
