"""Targets: the facts a packager relies on (Python per release, chroots, sources)."""

from __future__ import annotations

import pytest

from streams.errors import UsageError
from streams.targets import TARGETS, get_target


def test_all_release_arch_pairs() -> None:
    for rel in ("43", "44", "45", "rawhide"):
        for arch in ("x86_64", "aarch64"):
            assert f"fedora-{rel}-{arch}" in TARGETS


@pytest.mark.parametrize(
    ("name", "python", "dist"),
    [
        ("fedora-43-x86_64", "3.14", ".fc43"),
        ("fedora-44-x86_64", "3.14", ".fc44"),
        ("fedora-45-aarch64", "3.15", ".fc45"),
        ("fedora-rawhide-x86_64", "3.15", ".fc46"),
    ],
)
def test_main_python_and_dist(name: str, python: str, dist: str) -> None:
    t = get_target(name)
    assert t.python == python
    assert t.dist == dist
    assert t.copr_chroot == name


def test_fedora_45_has_python314_as_alternative() -> None:
    t = get_target("fedora-45-x86_64")
    main = t.interpreter(None)
    assert main.main and main.version == "3.15" and main.executable == "/usr/bin/python3"
    alt = t.interpreter("3.14")
    assert not alt.main and alt.rpm_name == "python3.14"
    assert alt.executable == "/usr/bin/python3.14"
    with pytest.raises(UsageError, match=r"no Python 3\.8"):
        t.interpreter("3.8")


def test_sources_are_fedora_metalinks() -> None:
    names = [s.name for s in get_target("fedora-44-x86_64").sources()]
    assert names == ["fedora", "updates"]
    updates = get_target("fedora-44-aarch64").sources()[1]
    assert updates.metalink is not None
    assert "repo=updates-released-f44" in updates.metalink and "arch=aarch64" in updates.metalink
    assert [s.name for s in get_target("fedora-rawhide-x86_64").sources()] == ["rawhide"]


def test_koji_targets() -> None:
    assert get_target("fedora-44-x86_64").koji_target == "f44-candidate"
    assert get_target("fedora-rawhide-x86_64").koji_target == "rawhide"


@pytest.mark.parametrize(
    ("name", "hint"),
    [
        ("fedora-99-x86_64", "supported releases"),
        ("fedora-45-ppc64le", "supported architectures"),
        ("f45", "targets look like fedora-45-x86_64"),
    ],
)
def test_unknown_targets(name: str, hint: str) -> None:
    with pytest.raises(UsageError) as exc:
        get_target(name)
    assert hint in (exc.value.hint or "")


def test_host_target() -> None:
    host = get_target("host")
    assert host.is_host and host.release is None
    assert host.python.startswith("3.")
