"""A local package index for tests: PEP 691 JSON and PEP 503 HTML pages, PEP 658 metadata
files, wheels and sdists, HTTP Range — on 127.0.0.1, in a thread.  Also writes file indexes.

Usage::

    with FakeIndex() as index:                       # or FakeIndex(range_support=False, ...)
        index.add_wheel("demo", "1.0", requires_dist=["requests>=2"])
        index.add_sdist("demo", "1.0", requires_txt="requests>=2\n")
        client = IndexClient(index.url, cache=tmp_path)
        ...
        assert index.count("/files/") == 1           # requests are recorded

Wheels and sdists are real archives built in memory (:func:`make_wheel`, :func:`make_sdist`).
Specifications followed: PEP 503, 592, 658, 691, 700, 714; RFC 9110 for Range.
"""

from __future__ import annotations

import gzip
import hashlib
import html
import io
import json
import os
import re
import tarfile
import threading
import time
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Literal
from urllib.parse import unquote, urlsplit

from packaging.utils import canonicalize_name, parse_sdist_filename, parse_wheel_filename
from packaging.version import Version

JSON_TYPE = "application/vnd.pypi.simple.v1+json"
HTML_TYPE = "application/vnd.pypi.simple.v1+html"


def _escaped(name: str) -> str:
    """Name as it appears in wheel and dist-info names (binary distribution format spec)."""
    return re.sub(r"[-_.]+", "_", name).lower()


def metadata_text(
    name: str,
    version: str,
    *,
    requires_dist: Iterable[str] = (),
    provides_extra: Iterable[str] = (),
    requires_python: str | None = None,
    metadata_version: str = "2.1",
    dynamic: Iterable[str] = (),
    summary: str = "A test distribution",
    # fixtures are free software unless a test says otherwise (the lock reviews licenses)
    license: str | None = "MIT",
    extra_headers: Iterable[tuple[str, str]] = (),
    description: str | None = None,
) -> str:
    """A core-metadata document (email header format)."""
    lines = [f"Metadata-Version: {metadata_version}", f"Name: {name}", f"Version: {version}"]
    lines.append(f"Summary: {summary}")
    if license:
        lines.append(f"License: {license}")
    if requires_python:
        lines.append(f"Requires-Python: {requires_python}")
    lines += [f"Dynamic: {d}" for d in dynamic]
    lines += [f"Provides-Extra: {e}" for e in provides_extra]
    lines += [f"Requires-Dist: {r}" for r in requires_dist]
    lines += [f"{k}: {v}" for k, v in extra_headers]
    text = "\n".join(lines) + "\n"
    if description:
        text += "\n" + description + "\n"
    return text


def make_wheel(
    name: str,
    version: str,
    *,
    tag: str = "py3-none-any",
    metadata: str | None = None,
    padding: int = 0,
    entry_points: str | None = None,
    **metadata_kw: Any,
) -> tuple[str, bytes]:
    """(filename, bytes) of a real wheel.  ``padding`` adds that many incompressible bytes in
    a data file written after METADATA, so METADATA is far from the file's tail and a client
    must use more than one range request.  ``entry_points`` is the text of
    ``entry_points.txt`` (``[console_scripts]`` ...), written into the dist-info."""
    dist = f"{_escaped(name)}-{version}"
    md = metadata if metadata is not None else metadata_text(name, version, **metadata_kw)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(f"{_escaped(name)}/__init__.py", f"__version__ = {version!r}\n")
        zf.writestr(f"{dist}.dist-info/METADATA", md)
        if padding:
            zf.writestr(f"{_escaped(name)}/blob.bin", os.urandom(padding), zipfile.ZIP_STORED)
        zf.writestr(
            f"{dist}.dist-info/WHEEL",
            f"Wheel-Version: 1.0\nGenerator: fakeindex\nRoot-Is-Purelib: true\nTag: {tag}\n",
        )
        if entry_points is not None:
            zf.writestr(f"{dist}.dist-info/entry_points.txt", entry_points)
        zf.writestr(f"{dist}.dist-info/RECORD", "")
    return f"{dist}-{tag}.whl", buf.getvalue()


def make_sdist(
    name: str,
    version: str,
    *,
    metadata: str | None = None,
    requires_txt: str | None = None,
    zip_format: bool = False,
    **metadata_kw: Any,
) -> tuple[str, bytes]:
    """(filename, bytes) of a real sdist (tar.gz, or zip) with PKG-INFO and, when given, a
    legacy ``NAME.egg-info/requires.txt``."""
    top = f"{_escaped(name)}-{version}"
    md = metadata if metadata is not None else metadata_text(name, version, **metadata_kw)
    members: dict[str, bytes] = {
        f"{top}/PKG-INFO": md.encode(),
        f"{top}/setup.py": b"from setuptools import setup\nsetup()\n",
        f"{top}/{_escaped(name)}.egg-info/PKG-INFO": md.encode(),
    }
    if requires_txt is not None:
        members[f"{top}/{_escaped(name)}.egg-info/requires.txt"] = requires_txt.encode()
    buf = io.BytesIO()
    if zip_format:
        with zipfile.ZipFile(buf, "w") as zf:
            for path, data in members.items():
                zf.writestr(path, data)
        return f"{top}.zip", buf.getvalue()
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tf:
        for path, data in members.items():
            info = tarfile.TarInfo(path)
            info.size = len(data)
            info.mtime = 0
            tf.addfile(info, io.BytesIO(data))
    buf.write(gzip.compress(raw.getvalue(), mtime=0))
    return f"{top}.tar.gz", buf.getvalue()


def _file_version(filename: str) -> Version:
    if filename.endswith(".whl"):
        return parse_wheel_filename(filename)[1]
    return parse_sdist_filename(filename)[1]


@dataclass
class FakeFile:
    """One file of a project as the index serves it; change fields to misbehave."""

    project: str
    filename: str
    data: bytes
    metadata: bytes | None = None
    """Served at ``{filename}.metadata`` (PEP 658) when not None."""
    advertised_metadata_sha256: str | None = None
    """The hash the page advertises for the .metadata file (set from ``metadata``)."""
    advertised_sha256: str | None = None
    yanked: bool | str = False
    requires_python: str | None = None
    upload_time: str = "2025-01-01T00:00:00.000000Z"

    def __post_init__(self) -> None:
        if self.advertised_sha256 is None:
            self.advertised_sha256 = hashlib.sha256(self.data).hexdigest()
        if self.metadata is not None and self.advertised_metadata_sha256 is None:
            self.advertised_metadata_sha256 = hashlib.sha256(self.metadata).hexdigest()


@dataclass(frozen=True)
class Hit:
    """A recorded request."""

    method: str
    path: str
    headers: dict[str, str]
    status: int
    sent: int
    """Body bytes sent."""


@dataclass
class FakeIndex:
    """The fake index.  Knobs (all may be changed while it runs):

    - ``range_support``: answer ``Range`` with 206 (else ignore it and send 200 + everything);
      ``range_limit``: stop honouring it after that many 206 answers
    - ``pages``: ``"negotiate"`` (PEP 691: JSON when the client accepts it), ``"json"``,
      ``"html"``
    - ``advertise_metadata``: list PEP 658 attributes for files that have metadata
    - ``legacy_metadata_key``: use the pre-PEP 714 ``dist-info-metadata`` names
    """

    range_support: bool = True
    range_limit: int | None = None
    """Honour only this many range requests, then answer 200 with everything (a flaky CDN)."""
    pages: Literal["negotiate", "json", "html"] = "negotiate"
    advertise_metadata: bool = True
    legacy_metadata_key: bool = False
    delay: float = 0.0
    files: dict[str, list[FakeFile]] = field(default_factory=dict)
    hits: list[Hit] = field(default_factory=list)
    max_in_flight: int = 0
    """The most requests handled at the same time (shows that a client is parallel)."""
    _in_flight: int = 0
    _failures: list[tuple[str, int, list[int]]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None

    # -- content ----------------------------------------------------------------------------

    def add_file(self, project: str, filename: str, data: bytes, **kw: Any) -> FakeFile:
        f = FakeFile(project=str(canonicalize_name(project)), filename=filename, data=data, **kw)
        with self._lock:
            self.files.setdefault(f.project, []).append(f)
        return f

    def add_wheel(
        self,
        name: str,
        version: str,
        *,
        pep658: bool = True,
        tag: str = "py3-none-any",
        padding: int = 0,
        yanked: bool | str = False,
        metadata: str | None = None,
        entry_points: str | None = None,
        **metadata_kw: Any,
    ) -> FakeFile:
        """A wheel, with a PEP 658 ``.metadata`` file unless ``pep658=False``."""
        md = metadata if metadata is not None else metadata_text(name, version, **metadata_kw)
        filename, data = make_wheel(
            name, version, tag=tag, metadata=md, padding=padding, entry_points=entry_points
        )
        return self.add_file(
            name,
            filename,
            data,
            metadata=md.encode() if pep658 else None,
            yanked=yanked,
            requires_python=metadata_kw.get("requires_python"),
        )

    def add_sdist(
        self, name: str, version: str, *, yanked: bool | str = False, **kw: Any
    ) -> FakeFile:
        filename, data = make_sdist(name, version, **kw)
        return self.add_file(name, filename, data, yanked=yanked)

    def file(self, filename: str) -> FakeFile:
        for files in self.files.values():
            for f in files:
                if f.filename == filename:
                    return f
        raise KeyError(filename)

    # -- misbehaviour and observation ---------------------------------------------------------

    def fail(self, path_contains: str, status: int = 500, times: int = 1) -> None:
        """Answer the next ``times`` requests whose path contains ``path_contains`` with
        ``status``."""
        with self._lock:
            self._failures.append((path_contains, status, [times]))

    def count(self, path_contains: str = "", *, method: str = "GET") -> int:
        with self._lock:
            return sum(1 for h in self.hits if path_contains in h.path and h.method == method)

    def clear_hits(self) -> None:
        with self._lock:
            self.hits.clear()

    # -- rendering ----------------------------------------------------------------------------

    def _file_entries(self, project: str, files_prefix: str) -> list[dict[str, Any]]:
        out = []
        for f in self.files.get(project, []):
            entry: dict[str, Any] = {
                "filename": f.filename,
                "url": f"{files_prefix}{f.filename}",
                "hashes": {"sha256": f.advertised_sha256} if f.advertised_sha256 else {},
                "size": len(f.data),
                "upload-time": f.upload_time,
                "yanked": f.yanked,
            }
            if f.requires_python:
                entry["requires-python"] = f.requires_python
            if f.metadata is not None and self.advertise_metadata:
                value: Any = (
                    {"sha256": f.advertised_metadata_sha256}
                    if f.advertised_metadata_sha256
                    else True
                )
                key = "dist-info-metadata" if self.legacy_metadata_key else "core-metadata"
                entry[key] = value
            out.append(entry)
        return out

    def json_page(self, project: str, files_prefix: str = "../../files/") -> bytes:
        entries = self._file_entries(project, files_prefix)
        versions = sorted(
            {str(_file_version(f.filename)) for f in self.files.get(project, [])}, key=Version
        )  # PEP 700
        doc = {
            "meta": {"api-version": "1.1"},
            "name": project,
            "files": entries,
            "versions": versions,
        }
        return json.dumps(doc, indent=1).encode()

    def html_page(self, project: str, files_prefix: str = "../../files/") -> bytes:
        rows = []
        for e in self._file_entries(project, files_prefix):
            href = e["url"]
            if e["hashes"]:
                href += f"#sha256={e['hashes']['sha256']}"
            attrs = [f'href="{html.escape(href)}"']
            if "requires-python" in e:
                attrs.append(f'data-requires-python="{html.escape(e["requires-python"])}"')
            if e["yanked"] is not False:
                reason = e["yanked"] if isinstance(e["yanked"], str) else ""
                attrs.append(f'data-yanked="{html.escape(reason)}"')
            for key in ("core-metadata", "dist-info-metadata"):
                if key in e:
                    value = e[key]
                    text = f"sha256={value['sha256']}" if isinstance(value, dict) else "true"
                    attrs.append(f'data-{key}="{text}"')
            rows.append(f"    <a {' '.join(attrs)}>{html.escape(e['filename'])}</a><br/>")
        body = "\n".join(rows)
        return (
            "<!DOCTYPE html>\n<html>\n  <head>\n"
            '    <meta name="pypi:repository-version" content="1.1">\n'
            f"    <title>Links for {project}</title>\n  </head>\n  <body>\n"
            f"    <h1>Links for {project}</h1>\n{body}\n  </body>\n</html>\n"
        ).encode()

    def write_file_index(self, root: Path, *, with_json: bool = False) -> Path:
        """Write a PEP 503 file index: ``root/NAME/index.html`` (+ ``index.json``), files in
        ``root/files/``, ``.metadata`` files beside them."""
        (root / "files").mkdir(parents=True, exist_ok=True)
        for project, files in self.files.items():
            (root / project).mkdir(exist_ok=True)
            (root / project / "index.html").write_bytes(self.html_page(project, "../files/"))
            if with_json:
                (root / project / "index.json").write_bytes(self.json_page(project, "../files/"))
            for f in files:
                (root / "files" / f.filename).write_bytes(f.data)
                if f.metadata is not None:
                    (root / "files" / f"{f.filename}.metadata").write_bytes(f.metadata)
        return root

    # -- server -------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The simple API root, e.g. ``http://127.0.0.1:PORT/simple/``."""
        assert self._server is not None, "start() the index first"
        return f"http://127.0.0.1:{self._server.server_address[1]}/simple/"

    def start(self) -> FakeIndex:
        index = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # headers and body go out in separate writes: without TCP_NODELAY, Nagle plus
            # delayed ACKs add ~40 ms to every keep-alive request
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                pass

            def do_GET(self) -> None:
                index._handle(self)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeIndex:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _injected_failure(self, path: str) -> int | None:
        with self._lock:
            for needle, status, left in self._failures:
                if needle in path and left[0] > 0:
                    left[0] -= 1
                    return status
        return None

    def _handle(self, req: BaseHTTPRequestHandler) -> None:
        path = unquote(urlsplit(req.path).path)
        with self._lock:
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)
        try:
            status, headers, body = self._route(req, path)
            with self._lock:
                self.hits.append(Hit("GET", path, dict(req.headers.items()), status, len(body)))
            if self.delay:
                time.sleep(self.delay)
        finally:
            with self._lock:
                self._in_flight -= 1
        req.send_response(status)
        for k, v in headers.items():
            req.send_header(k, v)
        req.send_header("Content-Length", str(len(body)))
        req.end_headers()
        req.wfile.write(body)

    def _route(self, req: BaseHTTPRequestHandler, path: str) -> tuple[int, dict[str, str], bytes]:
        failure = self._injected_failure(path)
        if failure is not None:
            return failure, {"Content-Type": "text/plain"}, b"injected failure\n"
        parts = [p for p in path.split("/") if p]
        if len(parts) == 2 and parts[0] == "simple":
            project = parts[1]
            if project not in self.files:
                return 404, {"Content-Type": "text/plain"}, b"not found\n"
            accept = req.headers.get("Accept", "")
            use_json = self.pages == "json" or (self.pages == "negotiate" and JSON_TYPE in accept)
            if use_json:
                return 200, {"Content-Type": JSON_TYPE}, self.json_page(project)
            return 200, {"Content-Type": HTML_TYPE}, self.html_page(project)
        if len(parts) == 2 and parts[0] == "files":
            name = parts[1]
            if name.endswith(".metadata"):
                try:
                    f = self.file(name[: -len(".metadata")])
                except KeyError:
                    return 404, {}, b""
                if f.metadata is None:
                    return 404, {}, b""
                return 200, {"Content-Type": "text/plain"}, f.metadata
            try:
                f = self.file(name)
            except KeyError:
                return 404, {}, b""
            return self._serve_bytes(req.headers.get("Range"), f.data)
        return 404, {}, b""

    def _serve_bytes(
        self, range_header: str | None, data: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        base = {"Content-Type": "application/octet-stream", "Accept-Ranges": "bytes"}
        if not self.range_support or not range_header:
            if not self.range_support:
                base.pop("Accept-Ranges")
            return 200, base, data
        m = re.fullmatch(r"bytes=(\d*)-(\d*)", range_header.strip())
        if m is None or (not m.group(1) and not m.group(2)):
            return 200, base, data
        size = len(data)
        if m.group(1) == "":
            start, end = max(0, size - int(m.group(2))), size - 1
        else:
            start = int(m.group(1))
            end = min(int(m.group(2)), size - 1) if m.group(2) else size - 1
        if start >= size or start > end:
            return 416, {"Content-Range": f"bytes */{size}"}, b""
        with self._lock:
            if self.range_limit is not None:
                if self.range_limit <= 0:
                    return 200, base, data
                self.range_limit -= 1
        base["Content-Range"] = f"bytes {start}-{end}/{size}"
        return 206, base, data[start : end + 1]


def serve(files: Iterable[tuple[str, str, bytes]] = (), **kw: Any) -> Iterator[FakeIndex]:
    """Generator for a pytest fixture: ``yield from serve(...)``."""
    index = FakeIndex(**kw)
    for project, filename, data in files:
        index.add_file(project, filename, data)
    with index:
        yield index
