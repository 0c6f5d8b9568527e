"""Core metadata from metadata files, wheels (also over a range-reading file) and sdists."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from streams.solver.index import CoreMetadata, requires_txt_to_requires_dist
from streams.solver.index._metadata import (
    MetadataReadError,
    parse_core_metadata,
    read_sdist_metadata,
    read_wheel_metadata,
)
from streams.solver.index._ranged import RangeFile, parse_content_range
from tools.devkit.fakeindex import make_sdist, make_wheel, metadata_text

DEMO = canonicalize_name("demo")


def test_requires_txt_sections_become_markers() -> None:
    text = """\
requests>=2.0
idna; python_version < "3.10"

[socks]
PySocks!=1.5.7,>=1.5.6

[security:sys_platform == "win32"]
pywin32

[:python_version < "3.11"]
tomli>=1.1
this is not a requirement
"""
    requires, extras = requires_txt_to_requires_dist(text)
    assert extras == ("socks", "security")
    reqs = [Requirement(r) for r in requires]
    assert [r.name for r in reqs] == ["requests", "idna", "PySocks", "pywin32", "tomli"]
    env = {"python_version": "3.12", "sys_platform": "linux", "extra": ""}
    assert reqs[0].marker is None
    assert reqs[2].marker is not None and not reqs[2].marker.evaluate(env)
    assert reqs[2].marker.evaluate({**env, "extra": "socks"})
    win = {**env, "sys_platform": "win32", "extra": "security"}
    assert reqs[3].marker is not None and reqs[3].marker.evaluate(win)
    assert not reqs[3].marker.evaluate({**win, "sys_platform": "linux"})
    assert reqs[4].marker == Marker('python_version < "3.11"')
    assert not reqs[4].marker.evaluate(env)


def test_parse_core_metadata_is_lenient_and_complete() -> None:
    text = metadata_text(
        "Demo",
        "1.0",
        requires_dist=["a>=1", 'b; extra == "x"'],
        provides_extra=["x"],
        requires_python=">=3.9",
        license="MIT",
        metadata_version="2.4",
        extra_headers=[
            ("License-Expression", "MIT"),
            ("Project-URL", "Homepage, https://example.org"),
            ("Classifier", "Programming Language :: Python :: 3"),
            ("X-Weird-Field", "ignored"),
        ],
        description="Long text.",
    )
    md = parse_core_metadata(text, source="pep658", filename="demo.whl", file_sha256="ab")
    assert md.requires_dist == ("a>=1", 'b; extra == "x"')
    assert md.provides_extra == ("x",)
    assert md.requires_python == ">=3.9"
    assert md.license_expression == "MIT"
    assert md.project_urls == (("Homepage", "https://example.org"),)
    assert md.classifiers == ("Programming Language :: Python :: 3",)
    assert md.description is not None and "Long text." in md.description
    assert CoreMetadata.from_dict(md.to_dict()) == md


def test_metadata_without_name_is_an_error() -> None:
    with pytest.raises(MetadataReadError):
        parse_core_metadata(
            "Metadata-Version: 2.1\n", source="wheel", filename="x", file_sha256=None
        )


def test_wheel_metadata_read_lazily_over_ranges() -> None:
    _, data = make_wheel("demo", "1.0", requires_dist=["dep>=2"], padding=300_000)
    fetched: list[tuple[int, int]] = []

    def fetch(first: int, last: int) -> bytes:
        fetched.append((first, last))
        return data[first : last + 1]

    tail_start = len(data) - 65536
    rf = RangeFile(len(data), fetch, known=(tail_start, data[tail_start:]))
    raw = read_wheel_metadata(io.BufferedReader(rf), DEMO, prefetch=rf.ensure)
    assert b"Requires-Dist: dep>=2" in raw
    # METADATA sits after 300 kB of padding but before the tail: exactly one extra fetch,
    # and far less than the whole file was transferred.
    assert len(fetched) == 1
    assert sum(b - a + 1 for a, b in fetched) < 70_000


def test_wheel_without_dist_info_is_rejected() -> None:
    buf = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("demo/__init__.py", "")
    with pytest.raises(MetadataReadError, match="dist-info/METADATA"):
        read_wheel_metadata(buf, DEMO)
    with pytest.raises(MetadataReadError, match="zip"):
        read_wheel_metadata(io.BytesIO(b"not a zip at all"), DEMO)


def test_content_range_parsing() -> None:
    assert parse_content_range("bytes 10-19/100") == (10, 19, 100)
    assert parse_content_range("bytes 0-9/*") == (0, 9, None)
    assert parse_content_range("items 0-9/10") is None
    assert parse_content_range(None) is None


def _sdist(tmp_path: Path, **kw: object) -> tuple[Path, str]:
    filename, data = make_sdist("demo", "1.0", **kw)  # type: ignore[arg-type]
    path = tmp_path / filename
    path.write_bytes(data)
    return path, filename


def test_sdist_with_static_metadata_uses_pkg_info(tmp_path: Path) -> None:
    path, filename = _sdist(
        tmp_path, metadata_version="2.2", requires_dist=["dep>=1"], requires_txt="other\n"
    )
    md = read_sdist_metadata(path, filename=filename, name=DEMO, version="1.0", file_sha256=None)
    assert md.source == "sdist" and not md.legacy
    assert md.requires_dist == ("dep>=1",)


@pytest.mark.parametrize(
    ("kw", "why"),
    [
        ({"metadata_version": "2.1"}, "Metadata-Version 2.1"),
        ({"metadata_version": "2.2", "dynamic": ["Requires-Dist"]}, "Dynamic"),
        ({"metadata_version": "2.1", "zip_format": True}, "Metadata-Version 2.1"),
    ],
)
def test_legacy_sdist_uses_requires_txt(tmp_path: Path, kw: dict[str, object], why: str) -> None:
    path, filename = _sdist(tmp_path, requires_txt="dep>=1\n\n[fast]\nspeedup\n", **kw)
    md = read_sdist_metadata(path, filename=filename, name=DEMO, version="1.0", file_sha256=None)
    assert md.source == "sdist-legacy" and md.legacy
    assert md.requires_dist == ("dep>=1", 'speedup; extra == "fast"')
    assert md.provides_extra == ("fast",)
    assert md.note is not None and why in md.note and "requires.txt" in md.note


def test_legacy_sdist_without_requires_txt_says_it_may_be_incomplete(tmp_path: Path) -> None:
    path, filename = _sdist(tmp_path)
    md = read_sdist_metadata(path, filename=filename, name=DEMO, version="1.0", file_sha256=None)
    assert md.source == "sdist-legacy"
    assert md.requires_dist == ()
    assert md.note is not None and "incomplete" in md.note


def test_corrupt_sdist_is_a_metadata_error(tmp_path: Path) -> None:
    path = tmp_path / "demo-1.0.tar.gz"
    path.write_bytes(b"\x1f\x8b garbage")
    with pytest.raises(MetadataReadError):
        read_sdist_metadata(path, filename=path.name, name=DEMO, version="1.0", file_sha256=None)
