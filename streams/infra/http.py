"""HTTP edge: one requests session with retries and backoff, and errors as ServiceError.

Used by the PyPI client and the repository sources.  Retries are for timeouts, connection
errors and 5xx answers (and 429); 4xx answers other than 429 are final.  ``file://`` URLs are
served from disk so local indexes and repositories work through the same code path.
"""

from __future__ import annotations

import logging
import os
import random
import shutil
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING
from urllib.parse import unquote, urlparse

from streams import __version__
from streams.errors import ServiceError

if TYPE_CHECKING:
    import requests

log = logging.getLogger(__name__)

USER_AGENT = f"fedora-streams/{__version__}"
RETRY_STATUS = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how patiently to retry: ``attempts`` tries, exponential backoff."""

    attempts: int = 4
    backoff: float = 0.5  # seconds before the second try; doubled each time, plus jitter
    max_backoff: float = 8.0
    timeout: float = 30.0


DEFAULT_RETRY = RetryPolicy()

_local = threading.local()


def session() -> requests.Session:
    """A per-thread session (requests sessions are not thread-safe across threads)."""
    import requests  # imported when the network is used (start-up cost)

    s: requests.Session | None = getattr(_local, "session", None)
    if s is None:
        s = requests.Session()
        s.headers["User-Agent"] = USER_AGENT
        adapter = requests.adapters.HTTPAdapter(pool_connections=16, pool_maxsize=16)
        s.mount("https://", adapter)
        s.mount("http://", adapter)
        _local.session = s
    return s


def file_path(url: str) -> Path | None:
    """The local path of a ``file://`` URL or a plain path, else None."""
    parsed = urlparse(url)
    if parsed.scheme == "file":
        return Path(unquote(parsed.path))
    if parsed.scheme == "":
        return Path(url)
    return None


@dataclass(frozen=True, slots=True)
class Response:
    """What callers need from an answer: final URL, status, headers, body."""

    url: str
    status: int
    headers: Mapping[str, str]
    content: bytes


def get(
    url: str,
    *,
    service: str,
    headers: Mapping[str, str] | None = None,
    retry: RetryPolicy = DEFAULT_RETRY,
    ok_statuses: frozenset[int] = frozenset({200, 206}),
) -> Response:
    """GET ``url`` (http, https or file) with retries; raise ServiceError when it cannot.

    ``service`` names what is being talked to ("PyPI", "repo fedora") for messages.  A 404 is
    raised at once as ServiceError with ``status=404`` so callers can treat it as "absent".
    """
    local = file_path(url)
    if local is not None:
        try:
            data = local.read_bytes()
        except FileNotFoundError as exc:
            raise ServiceError(
                f"{service}: {local} does not exist", service=service, url=url, status=404
            ) from exc
        except OSError as exc:
            raise ServiceError(
                f"{service}: cannot read {local}: {exc}", service=service, url=url
            ) from exc
        return Response(url, 200, {}, data)

    import requests  # imported only when the network is used (start-up cost)

    last_error = ""
    last_status: int | None = None
    for attempt in range(1, retry.attempts + 1):
        try:
            resp = session().get(url, headers=dict(headers or {}), timeout=retry.timeout)
        except (requests.ConnectionError, requests.Timeout) as exc:
            last_error = f"{type(exc).__name__}: {exc}"
            last_status = None
        else:
            if resp.status_code in ok_statuses:
                return Response(resp.url, resp.status_code, resp.headers, resp.content)
            last_status = resp.status_code
            last_error = f"HTTP {resp.status_code}"
            if resp.status_code not in RETRY_STATUS:
                raise ServiceError(
                    f"{service}: {url} answered HTTP {resp.status_code}",
                    service=service,
                    url=url,
                    status=resp.status_code,
                )
        if attempt < retry.attempts:
            _backoff(retry, attempt, service, url, last_error)
    raise _gave_up(retry, service, url, last_error, last_status)


def _backoff(retry: RetryPolicy, attempt: int, service: str, url: str, error: str) -> None:
    """Sleep before the next attempt: exponential backoff with jitter."""
    delay = min(retry.max_backoff, retry.backoff * 2 ** (attempt - 1))
    delay *= 1 + random.random() * 0.25  # jitter, not crypto
    log.info(
        "%s: %s failed (%s), retry %d/%d in %.1fs",
        service,
        url,
        error,
        attempt,
        retry.attempts - 1,
        delay,
    )
    time.sleep(delay)


def _gave_up(
    retry: RetryPolicy, service: str, url: str, error: str, status: int | None
) -> ServiceError:
    return ServiceError(
        f"{service}: {url} failed after {retry.attempts} attempts ({error})",
        service=service,
        url=url,
        status=status,
        hint="check the network or the URL; use --offline to work from the cache",
    )


_RANGE_PREFIX = "bytes="


def _local_range(data_len: int, header: str | None) -> tuple[int, int] | None:
    """The inclusive byte span a ``Range: bytes=...`` header asks for, or None for "all".

    Only single ranges are understood (RFC 9110 section 14.1.2): ``a-b``, ``a-`` and ``-n``.
    Anything else is ignored, as a server may do, and the whole file is served.
    """
    if not header or not header.startswith(_RANGE_PREFIX) or "," in header:
        return None
    first, _, last = header[len(_RANGE_PREFIX) :].strip().partition("-")
    try:
        if first == "":
            n = int(last)
            start, end = max(0, data_len - n), data_len - 1
        else:
            start = int(first)
            end = min(int(last), data_len - 1) if last else data_len - 1
    except ValueError:
        return None
    if start > end or start >= data_len:
        return None
    return start, end


def download(
    url: str,
    sink: IO[bytes],
    *,
    service: str,
    headers: Mapping[str, str] | None = None,
    retry: RetryPolicy = DEFAULT_RETRY,
    chunk_size: int = 1 << 20,
) -> Response:
    """GET ``url`` streaming the body into ``sink`` instead of memory; same retries as :func:`get`.

    The returned Response has an empty ``content``.  ``sink`` is rewound and truncated before
    each attempt, so after a retry it holds one complete body.  A ``Range`` header is honoured
    for ``file://`` URLs and plain paths too (answer 206 with ``Content-Range``), so local
    indexes behave like a server that supports range requests.
    """
    local = file_path(url)
    if local is not None:
        try:
            with local.open("rb") as fh:
                size = os.fstat(fh.fileno()).st_size
                span = _local_range(size, (headers or {}).get("Range"))
                sink.seek(0)
                sink.truncate()
                if span is None:
                    shutil.copyfileobj(fh, sink, chunk_size)
                    return Response(url, 200, {"Content-Length": str(size)}, b"")
                start, end = span
                fh.seek(start)
                sink.write(fh.read(end - start + 1))
                return Response(
                    url,
                    206,
                    {
                        "Content-Range": f"bytes {start}-{end}/{size}",
                        "Content-Length": str(end - start + 1),
                    },
                    b"",
                )
        except FileNotFoundError as exc:
            raise ServiceError(
                f"{service}: {local} does not exist", service=service, url=url, status=404
            ) from exc
        except OSError as exc:
            raise ServiceError(
                f"{service}: cannot read {local}: {exc}", service=service, url=url
            ) from exc

    import requests  # imported only when the network is used (start-up cost)

    last_error = ""
    last_status: int | None = None
    for attempt in range(1, retry.attempts + 1):
        sink.seek(0)
        sink.truncate()
        try:
            with session().get(
                url, headers=dict(headers or {}), timeout=retry.timeout, stream=True
            ) as resp:
                if resp.status_code in (200, 206):
                    for block in resp.iter_content(chunk_size):
                        sink.write(block)
                    return Response(resp.url, resp.status_code, resp.headers, b"")
                last_status = resp.status_code
                last_error = f"HTTP {resp.status_code}"
                if resp.status_code not in RETRY_STATUS:
                    raise ServiceError(
                        f"{service}: {url} answered HTTP {resp.status_code}",
                        service=service,
                        url=url,
                        status=resp.status_code,
                    )
        except (
            requests.ConnectionError,
            requests.Timeout,
            # a connection cut mid-body; not a ConnectionError subclass in requests
            requests.exceptions.ChunkedEncodingError,
        ) as exc:
            last_error = f"{type(exc).__name__}: {exc}"
            last_status = None
        if attempt < retry.attempts:
            _backoff(retry, attempt, service, url, last_error)
    raise _gave_up(retry, service, url, last_error, last_status)
