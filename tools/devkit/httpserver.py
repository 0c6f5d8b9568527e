"""A local threaded HTTP server for tests: serves a directory, records requests, scripts faults.

Usage::

    from tools.devkit.httpserver import serve_directory

    with serve_directory(tmp_path / "www") as server:
        server.fail("/repo/repodata/repomd.xml", status=500, times=2)   # then 200
        server.truncate("/repo/repodata/x-primary.xml.gz", keep=100)    # once: cut body
        url = server.url + "/repo/"
        ...
        assert server.requests == [...]     # paths asked for, in order

It speaks plain HTTP/1.1 on 127.0.0.1 with an ephemeral port (nothing leaves the machine).
A truncated response announces the full ``Content-Length`` and closes the connection after
``keep`` bytes, which is what a connection cut mid-download looks like to a client.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit


@dataclass
class _Fault:
    kind: str  # "status" or "truncate"
    times: int
    status: int = 500
    keep: int = 0


@dataclass
class FaultServer:
    """State shared with the handler: the served root, scripted faults, the request log."""

    root: Path
    url: str = ""
    requests: list[str] = field(default_factory=list)
    _faults: dict[str, list[_Fault]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def fail(self, path: str, *, status: int = 500, times: int = 1) -> None:
        """Answer ``status`` to the next ``times`` GETs of ``path`` (then serve it normally)."""
        with self._lock:
            self._faults.setdefault(path, []).append(_Fault("status", times, status=status))

    def truncate(self, path: str, *, keep: int, times: int = 1) -> None:
        """Send only the first ``keep`` bytes of ``path`` the next ``times`` times."""
        with self._lock:
            self._faults.setdefault(path, []).append(_Fault("truncate", times, keep=keep))

    def clear(self) -> None:
        """Forget faults and the request log."""
        with self._lock:
            self._faults.clear()
            self.requests.clear()

    def _take_fault(self, path: str) -> _Fault | None:
        with self._lock:
            self.requests.append(path)
            queue = self._faults.get(path)
            if not queue:
                return None
            fault = queue[0]
            fault.times -= 1
            if fault.times <= 0:
                queue.pop(0)
            return fault


def _handler(state: FaultServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass  # keep test output clean

        def do_GET(self) -> None:
            path = unquote(urlsplit(self.path).path)
            fault = state._take_fault(path)
            if fault is not None and fault.kind == "status":
                body = f"scripted HTTP {fault.status}\n".encode()
                self.send_response(fault.status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            file = (state.root / path.lstrip("/")).resolve()
            if not file.is_relative_to(state.root.resolve()) or not file.is_file():
                body = b"not found\n"
                self.send_response(404)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            data = file.read_bytes()
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Content-Type", "application/octet-stream")
            if fault is not None and fault.kind == "truncate":
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(data[: fault.keep])
                self.wfile.flush()
                self.close_connection = True
                return
            self.end_headers()
            self.wfile.write(data)

    return Handler


@contextlib.contextmanager
def serving(handler: type[BaseHTTPRequestHandler], name: str) -> Iterator[str]:
    """Run ``handler`` on ``http://127.0.0.1:<port>`` in a thread; yields that URL."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    host, port = httpd.server_address[:2]
    thread = threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, name=name, daemon=True
    )
    thread.start()
    try:
        yield f"http://{host!s}:{port}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


@contextlib.contextmanager
def serve_directory(root: Path) -> Iterator[FaultServer]:
    """Serve ``root`` on ``http://127.0.0.1:<port>`` in a thread for the ``with`` block."""
    state = FaultServer(root)
    with serving(_handler(state), "test-http") as url:
        state.url = url
        yield state
