"""``streams specgen`` on the demo stream: SPECS/, verified SOURCES/, summary, exit codes."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from streams.cli import main
from tools.devkit.specgen_sources import DEMO, SOURCES

GOLDEN = Path(__file__).resolve().parent.parent / "data" / "specgen" / "golden"


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A cache holding the demo sources under their sha256, as a previous download left it."""
    root = tmp_path / "cache"
    (root / "sources").mkdir(parents=True)
    for f in SOURCES.iterdir():
        shutil.copy(f, root / "sources" / hashlib.sha256(f.read_bytes()).hexdigest())
    monkeypatch.setenv("STREAMS_CACHE_DIR", str(root))
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    return root


def test_specgen_writes_specs_and_verified_sources(
    cache: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    code = main(
        ["specgen", str(DEMO / "demo.toml"), "-t", "fedora-44-x86_64", "-o", str(out), "--json"]
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    data = json.loads(captured.out)
    assert data["licenses"]["demo-stream-python3-cext"] == "LicenseRef-Unknown"
    assert any("cext" in w and "BSD License" in w for w in data["warnings"])
    for spec in (GOLDEN / "fedora-44-x86_64").glob("*.spec"):
        assert (out / "SPECS" / spec.name).read_text() == spec.read_text()
    for f in SOURCES.iterdir():
        if f.name != "attrs-25.1.0-py3-none-any.whl":  # reused from Fedora on fedora-44
            assert (out / "SOURCES" / f.name).read_bytes() == f.read_bytes()
    assert (out / "SOURCES" / "streams-install.py").is_file()


def test_corrupt_cached_source_is_refused(
    cache: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for victim in (cache / "sources").iterdir():
        victim.write_bytes(b"tampered")
    code = main(["specgen", str(DEMO / "demo.toml"), "-o", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 1, err
    assert err.startswith("error: ") and "sha256" in err and "Traceback" not in err


def test_target_missing_from_the_lock_is_bad_input(
    cache: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["specgen", str(DEMO / "demo.toml"), "-t", "host", "-o", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2
    assert "no target 'host'" in err and "streams lock demo --target host" in err
