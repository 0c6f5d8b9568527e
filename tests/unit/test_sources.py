"""Source inspection (sdist build info, source infos, the store); build requirements to specs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from streams.errors import SpecGenError
from streams.sources import (
    LEGACY_BACKEND,
    LEGACY_REQUIRES,
    SourceInfoStore,
    read_build_info,
    read_source_info,
)
from streams.specgen import map_build_requires
from tools.devkit.specgen_sources import SOURCES, make_sdist


def test_pyproject_build_system_is_read() -> None:
    info = read_build_info(SOURCES / "uses_backend-2.0.tar.gz")
    assert info.requires == ("tinybackend>=0.2", "tomli>=1; python_version < '3.11'")
    assert (info.backend, info.legacy, info.native) == ("tinybackend", False, False)


def test_backend_path_is_kept() -> None:
    info = read_build_info(SOURCES / "tinybackend-0.3.tar.gz")
    assert info.backend_path == (".",) and info.requires == ()


def test_no_pyproject_falls_back_to_setuptools_legacy_and_sees_c_code() -> None:
    info = read_build_info(SOURCES / "cext-1.2.tar.gz")
    assert info.requires == LEGACY_REQUIRES == ("setuptools>=40.8.0", "wheel")
    assert info.backend == LEGACY_BACKEND and info.legacy and info.native


def test_build_system_without_backend_uses_the_legacy_backend(tmp_path: Path) -> None:
    sdist = make_sdist(
        tmp_path, "x", "1", {"pyproject.toml": '[build-system]\nrequires = ["setuptools>=64"]\n'}
    )
    info = read_build_info(sdist)
    assert info.requires == ("setuptools>=64",) and info.backend == LEGACY_BACKEND


def test_invalid_pyproject_is_a_clear_error(tmp_path: Path) -> None:
    sdist = make_sdist(tmp_path, "x", "1", {"pyproject.toml": "[build-system\n"})
    with pytest.raises(SpecGenError, match=r"x-1.tar.gz: x-1/pyproject.toml is not valid TOML"):
        read_build_info(sdist)


def test_wheel_info_lists_scripts_and_shipped_libraries() -> None:
    wheel = SOURCES / "fastlib-3.0-cp314-cp314-manylinux_2_28_x86_64.whl"
    info = read_source_info(wheel, "wheel", "fastlib", "3.0")
    assert info.console_scripts == ("fastlib-bench",)
    assert info.shared_libs == ("libgomp-1a2b3c4d.so.1",)  # not the extension module
    assert not info.pure and info.license_expression == "BSD-3-Clause"


def test_sdist_info_description_skips_headings_badges_and_code() -> None:
    info = read_source_info(SOURCES / "hello_cow-1.0.tar.gz", "sdist", "hello-cow", "1.0")
    assert info.description.startswith("hello-cow prints a greeting")
    assert "```" not in info.description and "badge" not in info.description
    assert info.url == "https://example.org/hello-cow" and info.pure


def test_store_reads_seeds_and_writes_only_its_root(tmp_path: Path) -> None:
    sha = "a" * 64
    info = read_source_info(SOURCES / "tinybackend-0.3.tar.gz", "sdist", "tinybackend", "0.3")
    seed = tmp_path / "seed"
    SourceInfoStore(root=seed).put(sha, info)
    store = SourceInfoStore(root=tmp_path / "root", seeds=[seed])
    assert store.get(sha) == info
    assert store.get("b" * 64) is None
    assert not list((tmp_path / "root").glob("*")) if (tmp_path / "root").exists() else True


def test_store_refuses_a_broken_entry(tmp_path: Path) -> None:
    (tmp_path / f"{'c' * 64}.json").write_text(json.dumps({"schema-version": 99}))
    with pytest.raises(SpecGenError, match="invalid build info"):
        SourceInfoStore(root=tmp_path).get("c" * 64)


ENV = {"python_version": "3.14", "sys_platform": "linux", "platform_machine": "x86_64"}


def test_build_requires_map_to_fedora_stream_or_nothing() -> None:
    got = map_build_requires(
        [
            "setuptools>=61",
            "tinybackend>=0.2",
            "cmake>=3.20",
            "ninja",
            "wheel",
            "tomli; python_version < '3.11'",
            "pybind11[global]>=2.10",
        ],
        stream="vllm",
        python="3.14",
        main_python=True,
        bundled={"tinybackend": "0.3"},
        ignore=["cmake", "Ninja"],
        system=["gcc-c++", "cmake"],
        environment=ENV,
    )
    assert got == (
        "cmake",
        "gcc-c++",
        "python3dist(pybind11[global]) >= 2.10",
        "python3dist(setuptools) >= 61",
        "python3dist(wheel)",
        "vllm-stream-python3dist(tinybackend) >= 0.2",
    )


def test_alternative_interpreter_uses_minor_versioned_names() -> None:
    got = map_build_requires(
        ["setuptools>=61,<80"],
        stream="s",
        python="3.14",
        main_python=False,
        bundled={},
        environment=ENV,
    )
    assert got == ("(python3.14dist(setuptools) < 80~~ with python3.14dist(setuptools) >= 61)",)


def test_invalid_build_requirement_is_reported() -> None:
    with pytest.raises(SpecGenError, match="invalid build requirement"):
        map_build_requires(
            ["setuptools >>= 1"], stream="s", python="3.14", main_python=True, bundled={}
        )


def test_an_answered_seed_is_not_shadowed_by_an_unasked_cache_entry(tmp_path: Path) -> None:
    from dataclasses import replace

    sha = "d" * 64
    info = read_source_info(SOURCES / "tinybackend-0.3.tar.gz", "sdist", "tinybackend", "0.3")
    assert info.build is not None and info.build.dynamic is None
    answered = replace(info, build=replace(info.build, dynamic=("setuptools-rust",)))
    SourceInfoStore(root=tmp_path / "seed").put(sha, answered)
    SourceInfoStore(root=tmp_path / "root").put(sha, info)
    assert SourceInfoStore(root=tmp_path / "root", seeds=[tmp_path / "seed"]).get(sha) == answered
    assert SourceInfoStore(root=tmp_path / "root").get(sha) == info
