"""The lock file: deterministic bytes, atomic writes, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from streams.errors import LockError
from streams.lock import (
    Lock,
    LockedEdge,
    LockedPackage,
    LockedRepo,
    LockedSource,
    LockedTarget,
    dumps,
    read_lock,
    write_lock,
)


def sample(order: int = 1) -> Lock:
    pkgs = [
        LockedPackage(
            name="torch",
            version="2.14.0",
            origin="bundle",
            rpm="vllm-stream-python3-torch",
            evr="2.14",
            reason="bundled: fedora-45 has python3-torch 2.12.0-1.fc45",
            requires=("sympy>=1.13", "filelock"),
            sources=(
                LockedSource(kind="wheel", url="https://x/t-cp314.whl", sha256="a" * 64),
                LockedSource(kind="sdist", url="https://x/t.tar.gz", sha256="b" * 64),
            ),
        ),
        LockedPackage(
            name="filelock",
            version="3.16.1",
            origin="fedora",
            rpm="python3-filelock",
            evr="3.16.1-1.fc45",
            reason="reused",
            repo="fedora",
        ),
    ][::order]
    edges = [
        LockedEdge(source="torch", target="filelock", requirement="filelock"),
        LockedEdge(source="vllm", target="torch", requirement="torch==2.14.0"),
    ][::order]
    t = LockedTarget(
        name="fedora-45-x86_64",
        python="3.14",
        interpreter="python3.14",
        interpreter_main=False,
        repo=(LockedRepo(name="fedora", url="file:///x", revision="1", checksum="sha256:00"),),
        package=tuple(pkgs),
        edge=tuple(edges),
    )
    return Lock(stream="vllm", recipe="vllm.toml", recipe_sha256="c" * 64, target=(t,))


def test_same_lock_same_bytes_whatever_the_order() -> None:
    assert dumps(sample(1)) == dumps(sample(-1))


def test_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "vllm.lock.toml"
    write_lock(path, sample())
    back = read_lock(path)
    assert dumps(back) == path.read_text()
    t = back.get_target("fedora-45-x86_64")
    assert t.interpreter == "python3.14" and not t.interpreter_main
    assert [p.name for p in t.bundled()] == ["torch"]
    assert "interpreter-main = false" in path.read_text()


def test_write_is_atomic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "vllm.lock.toml"
    write_lock(path, sample())
    before = path.read_bytes()

    def boom(*_a: object, **_k: object) -> str:
        raise RuntimeError("crash while serialising")

    import streams.lock.io as lockmod

    monkeypatch.setattr(lockmod, "dumps", boom)
    with pytest.raises(RuntimeError):
        lockmod.write_lock(path, sample())
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["vllm.lock.toml"]


def test_missing_target_and_bad_files(tmp_path: Path) -> None:
    with pytest.raises(LockError, match="no target 'fedora-44-x86_64'"):
        sample().get_target("fedora-44-x86_64")
    with pytest.raises(LockError, match="no lock file"):
        read_lock(tmp_path / "nope.lock.toml")
    bad = tmp_path / "bad.lock.toml"
    bad.write_text("schema-version = 99\n")
    with pytest.raises(LockError, match="schema-version 99"):
        read_lock(bad)
    bad.write_text("schema-version = 1\nstream = 3\n")
    with pytest.raises(LockError, match="invalid lock"):
        read_lock(bad)


def test_a_hand_edited_bundled_version_is_refused_when_read(tmp_path: Path) -> None:
    """A bundled version reaches specs as an RPM version: one that is not PEP 440 is bad input
    when the lock is read (exit 2 with the place), not a crash in specgen."""
    path = tmp_path / "vllm.lock.toml"
    write_lock(path, sample())
    text = path.read_text()
    bundled = next(p for p in sample().target[0].package if p.origin == "bundle")
    path.write_text(text.replace(f'version = "{bundled.version}"', 'version = "banana"', 1))
    with pytest.raises(LockError, match=r"bundled \w+ has version 'banana'") as info:
        read_lock(path)
    assert info.value.exit_code == 2
