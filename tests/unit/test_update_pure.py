"""What a re-lock prefers and how it explains what moved (``streams.lock.update``, pure)."""

from __future__ import annotations

from pathlib import Path

import pytest
from packaging.requirements import Requirement

from streams.errors import UsageError
from streams.lock import Lock, LockedEdge, LockedPackage, LockedTarget, read_lock
from streams.lock.model import Revision
from streams.lock.update import (
    Update,
    check_update,
    preferences_for,
    target_changes,
    upstream_pin,
)

VLLM_LOCK = Path(__file__).parents[1] / "data" / "specgen" / "vllm" / "vllm.lock.toml"


def pkg(name: str, version: str, origin: str = "bundle", **kw: object) -> LockedPackage:
    fields: dict[str, object] = {
        "rpm": f"python3-{name}",
        "evr": f"{version}-1",
        "reason": "bundled: test",
        **kw,
    }
    return LockedPackage.model_validate(
        {"name": name, "version": version, "origin": origin, **fields}
    )


def target(*packages: LockedPackage, edges: tuple[LockedEdge, ...] = ()) -> LockedTarget:
    return LockedTarget.model_validate(
        {
            "name": "fedora-45-x86_64",
            "python": "3.15",
            "interpreter": "python3",
            "interpreter-main": True,
            "package": packages,
            "edge": edges,
        }
    )


def test_every_reused_package_of_the_vllm_lock_has_its_upstream_pin() -> None:
    # the reason reconciliation writes is where the lock keeps uv's pin of a reused package;
    # if its wording changes, re-locks would stop keeping those pins: this catches it
    lock = read_lock(VLLM_LOCK)
    reused = [p for t in lock.target for p in t.package if p.origin == "fedora"]
    assert len(reused) > 50
    for p in reused:
        if "is pulled in by" in p.reason:  # not in uv's closure: nothing to prefer
            assert upstream_pin(p) is None
            continue
        pin = upstream_pin(p)
        assert pin is not None, p.reason
        assert pin == p.version or f"upstream pins {pin})" in p.reason


def test_preferences_keep_bundles_reused_pins_and_build_only_apart() -> None:
    before = target(
        pkg("numpy", "2.2.6"),
        pkg(
            "six",
            "1.16.0",
            "fedora",
            reason="reused: python3-six 1.16.0-1 (x) satisfies every requirement on it "
            "(upstream pins 1.17.0); required by app",
        ),
        pkg("setuptools", "80.9.0", build_only=True),
    )
    prefs = preferences_for(before, Update.of(["NumPy"]))
    assert prefs is not None
    assert prefs.runtime.versions == (("numpy", "2.2.6"), ("six", "1.17.0"))
    assert prefs.build.versions == (("setuptools", "80.9.0"),)
    assert prefs.runtime.args() == ["--upgrade-package", "numpy"]
    assert preferences_for(None, Update()) is None
    assert preferences_for(before, Update.of([])).runtime.args() == ["--upgrade"]  # type: ignore[union-attr]


def test_changes_say_why() -> None:
    before = target(
        pkg("app", "1.0", revision=Revision(release=3, text="Rebuild: x")),
        pkg("numpy", "2.2.6"),
        pkg("ml-dtypes", "0.4.0"),
        pkg("six", "1.16.0", "fedora", evr="1.16.0-1.fc45"),
        pkg("attrs", "24.2.0", "fedora"),
        pkg("gone", "1.0"),
        pkg("same", "1.0"),
    )
    after = target(
        pkg("app", "1.0", revision=Revision(release=4, text="Rebuild: locked dependencies")),
        pkg(
            "numpy",
            "2.3.1",
            requires=("ml-dtypes>=0.5",),
            revision=Revision(text="Update to 2.3.1"),
        ),
        pkg("ml-dtypes", "0.5.1"),
        pkg("six", "1.17.0", "fedora", evr="1.17.0-1.fc45"),
        pkg("attrs", "25.4.0", reason="bundled: app requires attrs>=25"),
        pkg("new", "0.1"),
        pkg("same", "1.0"),
        edges=(LockedEdge(source="numpy", target="new", requirement="new>=0.1"),),
    )
    ch = target_changes(before, after, Update.of(["numpy"]), [Requirement("app==1.0")])
    assert [c.describe() for c in ch.changes] == [
        "moved: ml-dtypes 0.4.0 -> 0.5.1 (needed by numpy 2.3.1's requirement ml-dtypes>=0.5)",
        "moved: numpy 2.2.6 -> 2.3.1 (asked: --update numpy)",
        "moved: six 1.16.0 -> 1.17.0 (the base has python3-six 1.17.0-1.fc45 now, was "
        "1.16.0-1.fc45)",
        "now bundled: attrs 24.2.0 -> 25.4.0 (app requires attrs>=25)",
        "added: new 0.1 (required by numpy (new>=0.1))",
        "removed: gone 1.0 (no longer required)",
        "rebuilt: app 1.0, Release 3 -> 4 (Rebuild: locked dependencies)",
    ]
    assert ch.kept == 1
    numpy = next(c for c in ch.changes if c.name == "numpy").to_dict()
    assert numpy["changelog"] == "Update to 2.3.1" and numpy["from"] == "2.2.6"


def test_a_recipe_requirement_that_excludes_the_old_version_is_named() -> None:
    before = target(pkg("app", "1.0"))
    after = target(pkg("app", "2.0"))
    (c,) = target_changes(before, after, Update(), [Requirement("app>=2")]).changes
    assert c.why == "the recipe requires app>=2"


def test_update_of_an_unknown_name_lists_close_ones(tmp_path: Path) -> None:
    lock = Lock(
        stream="s", recipe="s.toml", recipe_sha256="0" * 64, target=(target(pkg("numpy", "2.2.6")),)
    )
    check_update(Update.of(["numpy"]), lock, tmp_path / "s.lock.toml")
    with pytest.raises(UsageError) as err:
        check_update(Update.of(["nunpy", "zzz"]), lock, tmp_path / "s.lock.toml")
    msg = err.value.message
    assert str(tmp_path / "s.lock.toml") in msg
    assert "nunpy (did you mean numpy?)" in msg and "; zzz" in msg
    assert err.value.exit_code == 2
    with pytest.raises(UsageError, match="no lock to update"):
        check_update(Update.of(["numpy"]), None, tmp_path / "s.lock.toml")
    check_update(Update.of([]), None, tmp_path / "s.lock.toml")  # --update alone: fine


def test_an_asked_name_that_cannot_move_is_held_and_says_so() -> None:
    before = target(pkg("fastapi", "0.136.3"), pkg("six", "1.16.0", "fedora"))
    after = target(pkg("fastapi", "0.136.3"), pkg("six", "1.16.0", "fedora"))
    ch = target_changes(before, after, Update.of(["fastapi", "six"]))
    assert [c.describe() for c in ch.changes] == [
        "held: fastapi 0.136.3 (asked: --update fastapi; no newer release fits the stream's "
        "requirements (streams outdated names what holds it back))",
        "held: six 1.16.0 (asked: --update six; Fedora's python3-six 1.16.0-1 is what the "
        "base has)",
    ]
    assert ch.kept == 2
    # --update alone lists nothing as held: everything was asked
    assert target_changes(before, after, Update.of([])).changes == ()
