"""``streams lock --update`` on the real vLLM lock (cuda variant, fedora-44), offline against
the recorded index: fastapi has a newer release there (0.139.2) that vllm's own
``fastapi<0.137.0`` excludes, so asking for it moves nothing and says why, and the lock stays
the same byte for byte (the preferences give uv back its own closure of 199 distributions)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from streams.cli import main

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "data" / "specgen" / "vllm"
INDEX = ROOT / "tests" / "data" / "index" / "vllm" / "simple"

pytestmark = pytest.mark.slow


def test_update_of_a_held_back_package_keeps_the_vllm_lock(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    recipe = tmp_path / "vllm.toml"
    shutil.copy(ROOT / "recipes" / "vllm.toml", recipe)
    lock = tmp_path / "vllm.lock.toml"
    shutil.copy(FIXTURE / "vllm.lock.toml", lock)
    args = [
        "lock",
        str(recipe),
        "--update",
        "fastapi",
        "--variant",
        "cuda",
        "--target",
        "fedora-44-x86_64",
        "--offline",
        "--index-url",
        str(INDEX),
        "--seed",
        str(FIXTURE / "buildinfo"),
    ]
    code = main(args)
    out = capsys.readouterr().out
    assert code == 0, out
    assert "held: fastapi 0.136.3 (asked: --update fastapi; no newer release fits" in out
    assert "kept: 206 distributions unchanged" in out
    assert lock.read_bytes() == (FIXTURE / "vllm.lock.toml").read_bytes()
