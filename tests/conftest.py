"""Suite-wide pytest settings.

* Tests marked ``network`` reach the real internet (PyPI, Fedora mirrors); they are skipped
  unless ``--with-network`` is given or ``STREAMS_TEST_NETWORK=1`` is set.
* Every test gets its own XDG cache and state directories, so nothing touches ``~/.cache``
  and no test sees another's cache unless it shares it on purpose.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--with-network",
        action="store_true",
        default=False,
        help="run tests marked 'network' (they reach the real internet)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--with-network") or os.environ.get("STREAMS_TEST_NETWORK") == "1":
        return
    skip = pytest.mark.skip(reason="needs the network: run with --with-network")
    for item in items:
        if "network" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _private_xdg_dirs(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Per-test XDG cache and state dirs (a test may still point STREAMS_CACHE_DIR elsewhere)."""
    base: Path = tmp_path_factory.mktemp("xdg")
    monkeypatch.setenv("XDG_CACHE_HOME", str(base / "cache"))
    monkeypatch.setenv("XDG_STATE_HOME", str(base / "state"))
