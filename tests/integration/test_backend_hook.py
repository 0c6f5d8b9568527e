"""PEP 517 get_requires_for_build_wheel asked at lock time: real uv venv, real subprocess, no
network for the sdist's code, the answer stored by sha256 so it is asked once."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from streams.sources import (
    BackendSettings,
    SourceFetch,
    SourceInfoStore,
    ask_backend,
    inspect_source,
    read_build_info,
    sha256_file,
)
from streams.sources.backend import BackendAnswer
from streams.sources.model import BuildInfo
from tools.devkit.specgen_sources import make_sdist

PYPROJECT = (
    '[build-system]\nrequires = []\nbuild-backend = "dynback"\nbackend-path = ["."]\n'
    '[project]\nname = "dyn"\nversion = "1.0"\n'
)
PKG_INFO = "Metadata-Version: 2.1\nName: dyn\nVersion: 1.0\nSummary: dynamic build requires\n"


def backend(port: int) -> str:
    # like dulwich's setup.py adding setuptools_rust: the answer is computed at build time;
    # it also says whether it could reach a port that is listening on this machine
    return (
        "import socket\n"
        "def get_requires_for_build_wheel(config_settings=None):\n"
        "    try:\n"
        f"        socket.create_connection(('127.0.0.1', {port}), timeout=3).close()\n"
        "        net = 'network-reached'\n"
        "    except OSError:\n"
        "        net = 'no-network'\n"
        "    return ['setuptools-rust>=1.9', net, 'cmake>=3.15', 'ninja']\n"
    )


@pytest.fixture
def listening() -> int:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(4)
    yield server.getsockname()[1]  # type: ignore[misc]
    server.close()


def test_hook_answer_without_network_and_without_the_system_tools(
    tmp_path: Path, listening: int
) -> None:
    sdist = make_sdist(
        tmp_path,
        "dyn",
        "1.0",
        {"pyproject.toml": PYPROJECT, "PKG-INFO": PKG_INFO, "dynback.py": backend(listening)},
    )
    build = read_build_info(sdist)
    answer = ask_backend(sdist, build, BackendSettings(index_url=str(tmp_path / "no-index")))
    assert answer.error == ""
    # cmake/ninja are the buildroot's RPMs (build-tools), not PyPI distributions
    assert answer.requires == ("no-network", "setuptools-rust>=1.9")
    assert answer.python.startswith("3.")


def test_a_failing_hook_is_an_answer_with_its_error(tmp_path: Path) -> None:
    sdist = make_sdist(
        tmp_path,
        "dyn",
        "1.0",
        {
            "pyproject.toml": PYPROJECT,
            "PKG-INFO": PKG_INFO,
            "dynback.py": "def get_requires_for_build_wheel(c=None):\n    raise SystemExit(3)\n",
        },
    )
    answer = ask_backend(sdist, read_build_info(sdist), BackendSettings(index_url="x"))
    assert (
        answer.requires == () and "get_requires_for_build_wheel of dynback failed" in answer.error
    )


def test_static_requirements_that_cannot_be_installed_are_said(tmp_path: Path) -> None:
    build = BuildInfo(requires=("no-such-dist-anywhere",), backend="setuptools.build_meta")
    sdist = make_sdist(tmp_path, "dyn", "1.0", {"PKG-INFO": PKG_INFO})
    empty = tmp_path / "index"
    empty.mkdir()
    answer = ask_backend(sdist, build, BackendSettings(index_url=str(empty), offline=True))
    assert "cannot install its [build-system] requires" in answer.error


def test_inspect_source_asks_once_and_stores_the_answer(tmp_path: Path) -> None:
    sdist = make_sdist(
        tmp_path,
        "dyn",
        "1.0",
        {"pyproject.toml": PYPROJECT, "PKG-INFO": PKG_INFO, "dynback.py": backend(1)},
    )
    sha = sha256_file(sdist)

    class Src:
        kind = "sdist"
        url = f"https://files.example/{sdist.name}"
        sha256 = sha
        filename = sdist.name

    asked: list[str] = []

    def ask(path: Path, build: BuildInfo) -> BackendAnswer:
        asked.append(path.name)
        return BackendAnswer(requires=("setuptools-rust",), python="3.14")

    def fetch(src: SourceFetch) -> Path:
        return sdist

    store = SourceInfoStore(root=tmp_path / "store")
    first = inspect_source(Src(), dist="dyn", version="1.0", store=store, fetch=fetch, ask=ask)
    again = inspect_source(
        Src(),
        dist="dyn",
        version="1.0",
        store=SourceInfoStore(root=tmp_path / "store"),
        fetch=lambda s: pytest.fail("stored: nothing is fetched"),
        ask=ask,
    )
    assert asked == [sdist.name]
    assert first.build is not None and first.build.all_requires == ("setuptools-rust",)
    assert again == first and again.build is not None and again.build.dynamic_python == "3.14"
