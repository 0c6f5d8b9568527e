"""Release, changelog and obsoletes across re-locks (streams/lock/revisions.py)."""

from __future__ import annotations

import rpm

from streams.lock import LockedTarget
from streams.lock.revisions import resolve_packager, stamp_target
from streams.recipe import load_recipe
from streams.solver.versions import rpm_version, rpm_version_tag
from tools.devkit.specgen_sources import DEMO

RECIPE = load_recipe(DEMO / "demo.toml")
WHO = "Jane Doe <jane@example.org>"


def _target() -> LockedTarget:
    from streams.lock import lock_path, read_lock

    locked = read_lock(lock_path(DEMO / "demo.toml")).get_target("fedora-45-x86_64")
    return locked.model_copy(update={"obsoletes": ()})


def _stamp(new: LockedTarget, old: LockedTarget | None, date: str) -> LockedTarget:
    return stamp_target(new, old, RECIPE, date=date, packager=WHO)


def _pkg(t: LockedTarget, name: str):  # type: ignore[no-untyped-def]
    return next(p for p in t.package if p.name == name)


def test_version_tag_keeps_the_upstream_version_and_provides_keep_fedoras_form() -> None:
    assert rpm_version_tag("2.14.0") == "2.14.0" and rpm_version("2.14.0") == "2.14"
    assert rpm_version_tag("2.0.0") == "2.0.0"
    assert rpm_version_tag("2.12.0a1") == "2.12.0~a1"
    assert rpm_version_tag("1.0.post2") == "1.0^post2"
    assert rpm_version_tag("1.0.dev3") == "1.0~~dev3"
    # rpm does not take 2.14.0 and 2.14 for the same version: a tag and a provide each keep
    # their own form, and pre-releases sort before the release
    assert rpm.labelCompare(("0", "2.14.0", "1"), ("0", "2.14", "1")) == 1
    assert rpm.labelCompare(("0", "2.12.0~a1", "1"), ("0", "2.12.0", "1")) == -1


def test_same_inputs_keep_the_revision_and_date() -> None:
    first = _stamp(_target(), None, "2026-01-01")
    again = _stamp(_target(), first, "2026-03-01")
    assert again == first
    assert _pkg(again, "cext").revision.release == 1
    assert _pkg(again, "cext").revision.date == "2026-01-01"
    assert _pkg(again, "cext").revision.text == "Add cext 1.2 to the demo stream"


def test_changed_inputs_raise_the_release_and_say_what_changed() -> None:
    first = _stamp(_target(), None, "2026-01-01")
    # a new source file for the same version (a re-uploaded sdist) and a dependency bump
    changed = []
    for p in first.package:
        if p.name == "cext":
            src = p.sources[0].model_copy(update={"sha256": "f" * 64})
            p = p.model_copy(update={"sources": (src,)})
        if p.name == "attrs":
            p = p.model_copy(update={"version": "25.2.0"})
        changed.append(p)
    second = _stamp(first.model_copy(update={"package": tuple(changed)}), first, "2026-02-01")
    cext = _pkg(second, "cext").revision
    assert (cext.release, cext.date, cext.text) == (2, "2026-02-01", "Rebuild: source changed")
    # hello-cow requires the bundled attrs at its exact version: its spec changes too
    hello = _pkg(second, "hello-cow").revision
    assert hello.release == 2 and hello.text == "Rebuild: locked dependencies changed"
    # attrs itself changed version: release back to 1 (Fedora's Versioning Guidelines)
    attrs = _pkg(second, "attrs").revision
    assert (attrs.release, attrs.text) == (1, "Update to 25.2.0")
    # untouched packages keep theirs
    assert _pkg(second, "tinybackend").revision == _pkg(first, "tinybackend").revision
    # the stream's package set changed: runtime and metapackage are rebuilt
    assert second.revision.release == 2
    assert second.revision.packager == WHO


def test_a_package_that_leaves_is_obsoleted_and_stays_obsoleted() -> None:
    first = _stamp(_target(), None, "2026-01-01")
    bumped = first.model_copy(
        update={
            "package": tuple(
                p.model_copy(update={"revision": p.revision.model_copy(update={"release": 3})})
                if p.name == "tinybackend"
                else p
                for p in first.package
            )
        }
    )
    without = bumped.model_copy(
        update={"package": tuple(p for p in bumped.package if p.name != "tinybackend")}
    )
    second = _stamp(without, bumped, "2026-02-01")
    assert [(o.name, o.evr) for o in second.obsoletes] == [
        ("demo-stream-python3-tinybackend", "0.3-3")
    ]
    assert second.revision.release == 2
    assert second.revision.text == "Rebuild: obsolete demo-stream-python3-tinybackend"
    third = _stamp(without, second, "2026-03-01")
    assert third.obsoletes == second.obsoletes and third.revision == second.revision
    # the stream's version is its application's (hello-cow, listed first): when it goes
    # down, dnf would not upgrade, and the lock says so
    older = bumped.model_copy(
        update={
            "package": tuple(
                p.model_copy(update={"version": "0.9"}) if p.name == "hello-cow" else p
                for p in bumped.package
            )
        }
    )
    down = _stamp(older, bumped, "2026-02-01")
    assert any("goes down from 1.0 to 0.9" in w for w in down.warnings)
    # a library of the recipe moving down (fastlib) is not the stream's version
    no_fastlib = bumped.model_copy(
        update={"package": tuple(p for p in bumped.package if p.name != "fastlib")}
    )
    assert not any("goes down" in w for w in _stamp(no_fastlib, bumped, "2026-02-01").warnings)
    # bundled again: no longer obsoleted
    back = _stamp(bumped, third, "2026-04-01")
    assert back.obsoletes == ()


def test_packager_comes_from_the_recipe_then_rpm_packager() -> None:
    assert resolve_packager(RECIPE, {"RPM_PACKAGER": "Pat <pat@example.org>"}) == (
        "Pat <pat@example.org>"
    )
    with_field = RECIPE.model_copy(
        update={"stream": RECIPE.stream.model_copy(update={"packager": WHO})}
    )
    assert resolve_packager(with_field, {"RPM_PACKAGER": "Pat <pat@example.org>"}) == WHO
