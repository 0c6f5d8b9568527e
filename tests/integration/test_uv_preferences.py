"""uv keeps the versions of a pre-existing ``pylock.toml`` output (preferences), with the uv
streams runs: what ``streams lock`` re-locks with (``streams.solver.upstream.Preferences``).

uv documents it for ``uv pip compile``: "If the file exists, its pinned versions are used as
preferences ... unless --upgrade is specified"; ``--upgrade-package NAME`` lifts NAME's
(https://docs.astral.sh/uv/pip/compile/#upgrading-requirements ).  These tests prove uv does
so for the PEP 751 output streams asks for, from the minimal lock streams writes.
"""

from __future__ import annotations

import tempfile
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from streams.solver.upstream import Preferences, resolve, uv_compile
from tools.devkit.fakeindex import FakeIndex

pytestmark = pytest.mark.slow


def _index(root: Path, newer: bool) -> Path:
    index = FakeIndex()
    index.add_wheel("app", "1.0", requires_dist=["alpha", "bravo"])
    index.add_wheel("alpha", "1.0", requires_dist=["charlie>=1"])
    index.add_wheel("bravo", "1.0")
    index.add_wheel("charlie", "1.0")
    if newer:
        index.add_wheel("alpha", "2.0", requires_dist=["charlie>=2"])
        index.add_wheel("bravo", "2.0")
        index.add_wheel("charlie", "2.0")
    return index.write_file_index(root / ("new" if newer else "old"))


STATE_1 = {"alpha": "1.0", "app": "1.0", "bravo": "1.0", "charlie": "1.0"}


def _compile(tmp_path: Path, prefs: Preferences | None) -> dict[str, str]:
    work = Path(tempfile.mkdtemp(dir=tmp_path))  # a fresh directory: no output file yet
    code, text, err = uv_compile(
        [Requirement("app")],
        python="3.12",
        arch="x86_64",
        index_url=str(_index(tmp_path, newer=True)),
        uv_cache=tmp_path / "uv-cache",
        preferences=prefs,
        workdir=work,
    )
    assert code == 0, err
    return {p["name"]: p["version"] for p in tomllib.loads(text)["packages"]}


def test_without_preferences_uv_takes_the_newest(tmp_path: Path) -> None:
    assert _compile(tmp_path, None) == {k: "2.0" if k != "app" else "1.0" for k in STATE_1}


def test_a_preexisting_pylock_output_keeps_every_version(tmp_path: Path) -> None:
    prefs = Preferences(tuple(STATE_1.items()))
    assert _compile(tmp_path, prefs) == STATE_1


def test_upgrade_package_moves_it_and_what_its_new_release_needs(tmp_path: Path) -> None:
    prefs = Preferences(tuple(STATE_1.items()), upgrade=("alpha",))
    # alpha 2.0 requires charlie>=2: charlie's preference cannot hold, bravo's does
    assert _compile(tmp_path, prefs) == {**STATE_1, "alpha": "2.0", "charlie": "2.0"}


def test_upgrade_all_ignores_the_preferences(tmp_path: Path) -> None:
    prefs = Preferences(tuple(STATE_1.items()), upgrade_all=True)
    assert _compile(tmp_path, prefs) == _compile(tmp_path, None)


def test_a_preference_a_requirement_excludes_gives_way(tmp_path: Path) -> None:
    # a preference is not a constraint: the recipe asking for bravo>=2 moves bravo
    work = tmp_path / "work"
    work.mkdir()
    code, text, err = uv_compile(
        [Requirement("app"), Requirement("bravo>=2")],
        python="3.12",
        arch="x86_64",
        index_url=str(_index(tmp_path, newer=True)),
        uv_cache=tmp_path / "uv-cache",
        preferences=Preferences(tuple(STATE_1.items())),
        workdir=work,
    )
    assert code == 0, err
    got = {p["name"]: p["version"] for p in tomllib.loads(text)["packages"]}
    assert got == {**STATE_1, "bravo": "2.0"}


def test_the_preference_file_is_a_pep751_lock() -> None:
    text = Preferences((("Bravo_X", "1.0"), ("alpha", "2.0"))).pylock_text()
    data = tomllib.loads(text)
    # PEP 751 requires lock-version and created-by; packages need a name (normalised here)
    assert data["lock-version"] == "1.0" and data["created-by"] == "streams"
    assert data["packages"] == [
        {"name": "alpha", "version": "2.0"},
        {"name": "bravo-x", "version": "1.0"},
    ]


def test_resolve_passes_preferences_to_uv(tmp_path: Path) -> None:
    closure = resolve(
        ["app"],
        python="3.12",
        index_url=str(_index(tmp_path, newer=True)),
        uv_cache=tmp_path / "uv-cache",
        index_cache=tmp_path / "index-cache",
        preferences=Preferences(tuple(STATE_1.items()), upgrade=("bravo",)),
    )
    assert {p.name: str(p.version) for p in closure.pins} == {**STATE_1, "bravo": "2.0"}
