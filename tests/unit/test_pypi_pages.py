"""Parsing of simple-API project pages (PEP 503 HTML, PEP 691 JSON, PEP 592/658/700/714)."""

from __future__ import annotations

import json

import pytest
from packaging.version import Version

from streams.solver.index import parse_html_page, parse_json_page
from streams.solver.index._pages import ACCEPT, is_json

PAGE = "https://example.org/simple/demo-pkg/"
SHA = "a" * 64
MD_SHA = "b" * 64


def _json(files: list[dict[str, object]], **extra: object) -> bytes:
    return json.dumps(
        {"meta": {"api-version": "1.1"}, "name": "demo-pkg", "files": files, **extra}
    ).encode()


def test_json_page_resolves_relative_urls_and_reads_every_field() -> None:
    page = _json(
        [
            {
                "filename": "demo_pkg-1.0-py3-none-any.whl",
                "url": "../../files/demo_pkg-1.0-py3-none-any.whl",
                "hashes": {"sha256": SHA.upper()},
                "requires-python": ">=3.9",
                "core-metadata": {"sha256": MD_SHA},
                "yanked": False,
                "size": 1234,
                "upload-time": "2025-01-01T00:00:00Z",
                "provenance": None,  # unknown keys are tolerated
            },
            {
                "filename": "demo-pkg-1.0.tar.gz",
                "url": "https://files.example.org/demo-pkg-1.0.tar.gz",
                "hashes": {},
                "yanked": "broken build",
            },
        ],
        versions=["0.9", "1.0"],
    )
    project = parse_json_page(page, PAGE, "Demo_Pkg")
    assert project.name == "demo-pkg"
    assert project.versions_listed == ("0.9", "1.0")
    wheel, sdist = project.files
    assert wheel.url == "https://example.org/files/demo_pkg-1.0-py3-none-any.whl"
    assert wheel.kind == "wheel" and wheel.is_pure
    assert wheel.version == Version("1.0")
    assert wheel.sha256 == SHA  # normalized to lower case
    assert wheel.requires_python == ">=3.9"
    assert wheel.core_metadata and wheel.metadata_sha256 == MD_SHA
    assert wheel.metadata_url == wheel.url + ".metadata"
    assert wheel.size == 1234 and not wheel.yanked
    assert sdist.kind == "sdist" and sdist.sha256 is None
    assert sdist.yanked and sdist.yanked_reason == "broken build"
    assert not sdist.core_metadata


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, (True, None)),
        (False, (False, None)),
        ({"sha256": MD_SHA}, (True, MD_SHA)),
        ({"sha512": "c" * 128}, (True, None)),
    ],
)
def test_json_pre_pep714_metadata_key_is_understood(
    value: object, expected: tuple[bool, str | None]
) -> None:
    page = _json(
        [
            {
                "filename": "demo_pkg-1.0-py3-none-any.whl",
                "url": "x.whl",
                "hashes": {},
                "dist-info-metadata": value,
            }
        ]
    )
    (f,) = parse_json_page(page, PAGE, "demo-pkg").files
    assert (f.core_metadata, f.metadata_sha256) == expected


def test_unparseable_and_foreign_filenames_are_skipped() -> None:
    page = _json(
        [
            {"filename": "demo_pkg-1.0-py3-none-any.whl", "url": "a", "hashes": {}},
            {"filename": "demo-pkg-1.0.win32.exe", "url": "b", "hashes": {}},
            {"filename": "demo_pkg-1.0.egg", "url": "c", "hashes": {}},
            {"filename": "demo-pkg-notaversion!.tar.gz", "url": "d", "hashes": {}},
            {"filename": "other-1.0.tar.gz", "url": "e", "hashes": {}},
        ]
    )
    files = parse_json_page(page, PAGE, "demo-pkg").files
    assert [f.filename for f in files] == ["demo_pkg-1.0-py3-none-any.whl"]


PLAT = "demo_pkg-2.0-cp312-cp312-manylinux_2_17_x86_64.whl"
HTML = f"""<!DOCTYPE html>
<html><head><meta name="pypi:repository-version" content="1.1"></head><body>
<a href="../../files/{PLAT}#sha256=AAAA"
   data-requires-python="&gt;=3.10" data-core-metadata="sha256=BBBB">{PLAT}</a>
<a href="../../files/demo_pkg-1.0-py3-none-any.whl" data-dist-info-metadata="true"
   data-yanked="">demo_pkg-1.0-py3-none-any.whl</a>
<a href="https://elsewhere.example/demo-pkg-1.0.tar.gz#md5=123"
   data-yanked="bad sdist">demo-pkg-1.0.tar.gz</a>
<a href="/files/demo_pkg-3.0-py3-none-any.whl" data-core-metadata
  >demo_pkg-3.0-py3-none-any.whl</a>
</body></html>
""".encode()


def test_html_page_anchors_and_data_attributes() -> None:
    files = {f.filename: f for f in parse_html_page(HTML, PAGE, "demo-pkg").files}
    plat = files["demo_pkg-2.0-cp312-cp312-manylinux_2_17_x86_64.whl"]
    assert (
        plat.url == "https://example.org/files/demo_pkg-2.0-cp312-cp312-manylinux_2_17_x86_64.whl"
    )
    assert plat.sha256 == "aaaa"
    assert plat.requires_python == ">=3.10"  # HTML entities decoded
    assert plat.core_metadata and plat.metadata_sha256 == "bbbb"
    assert not plat.is_pure and not plat.yanked

    old = files["demo_pkg-1.0-py3-none-any.whl"]
    assert old.core_metadata and old.metadata_sha256 is None
    assert old.yanked and old.yanked_reason is None  # PEP 592: presence means yanked

    sdist = files["demo-pkg-1.0.tar.gz"]
    assert sdist.sha256 is None  # an md5 fragment is not a sha256
    assert sdist.yanked_reason == "bad sdist"

    bare = files["demo_pkg-3.0-py3-none-any.whl"]
    assert bare.core_metadata  # a bare attribute still advertises the file
    assert bare.url == "https://example.org/files/demo_pkg-3.0-py3-none-any.whl"


def test_html_base_tag_changes_url_resolution() -> None:
    page = b'<html><head><base href="https://mirror.example/pkgs/"></head>' + (
        b'<a href="demo-pkg-1.0.tar.gz">demo-pkg-1.0.tar.gz</a></html>'
    )
    (f,) = parse_html_page(page, PAGE, "demo-pkg").files
    assert f.url == "https://mirror.example/pkgs/demo-pkg-1.0.tar.gz"


def test_content_negotiation_prefers_json() -> None:
    assert ACCEPT.startswith("application/vnd.pypi.simple.v1+json")
    assert is_json("application/vnd.pypi.simple.v1+json; charset=utf-8")
    assert not is_json("text/html")
    assert not is_json(None)


def test_bad_json_page_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        parse_json_page(b"{not json", PAGE, "demo-pkg")
