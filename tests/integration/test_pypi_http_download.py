"""streams.infra.http.download: streamed bodies, Range on local files and over HTTP, retries."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from streams.errors import ServiceError
from streams.infra.http import RetryPolicy, download
from tools.devkit.fakeindex import FakeIndex

FAST = RetryPolicy(attempts=3, backoff=0.01, max_backoff=0.02, timeout=10)
DATA = bytes(range(256)) * 40  # 10240 bytes


@pytest.fixture
def served() -> Iterator[tuple[FakeIndex, str]]:
    with FakeIndex() as idx:
        idx.add_file("blob", "blob-1.0.tar.gz", DATA)
        yield idx, idx.url.replace("/simple/", "/files/blob-1.0.tar.gz")


@pytest.mark.parametrize(
    ("header", "status", "span"),
    [
        (None, 200, (0, len(DATA))),
        ("bytes=-100", 206, (len(DATA) - 100, len(DATA))),
        ("bytes=10-19", 206, (10, 20)),
        ("bytes=10000-", 206, (10000, len(DATA))),
        ("bytes=0-99999", 206, (0, len(DATA))),
        ("bytes=1-2,5-6", 200, (0, len(DATA))),  # multiple ranges: served whole
    ],
)
def test_local_files_honour_range(
    tmp_path: Path, header: str | None, status: int, span: tuple[int, int]
) -> None:
    path = tmp_path / "blob"
    path.write_bytes(DATA)
    sink = io.BytesIO(b"stale")
    headers = {"Range": header} if header else None
    for url in (str(path), path.as_uri()):
        resp = download(url, sink, service="test", headers=headers)
        assert resp.status == status
        assert sink.getvalue() == DATA[span[0] : span[1]]
        if status == 206:
            assert resp.headers["Content-Range"] == f"bytes {span[0]}-{span[1] - 1}/{len(DATA)}"


def test_missing_local_file_is_a_404(tmp_path: Path) -> None:
    with pytest.raises(ServiceError) as err:
        download(str(tmp_path / "nope"), io.BytesIO(), service="test")
    assert err.value.status == 404


def test_http_range_and_retry(served: tuple[FakeIndex, str]) -> None:
    idx, url = served
    idx.fail("/files/", status=503, times=2)
    sink = io.BytesIO()
    resp = download(url, sink, service="test", headers={"Range": "bytes=-16"}, retry=FAST)
    assert resp.status == 206 and sink.getvalue() == DATA[-16:]
    assert idx.count("/files/") == 3  # two failures, then the answer
    resp = download(url, sink, service="test", retry=FAST)
    assert resp.status == 200 and sink.getvalue() == DATA  # the sink was rewound


def test_http_404_is_final(served: tuple[FakeIndex, str]) -> None:
    idx, url = served
    with pytest.raises(ServiceError) as err:
        download(url + "x", io.BytesIO(), service="test", retry=FAST)
    assert err.value.status == 404
    assert idx.count("/files/") == 1
