"""A local Koji hub for tests: XML-RPC at ``/kojihub`` speaking Koji's protocol.

What the real ``koji.ClientSession`` needs (docs/reference/contracts.md §2,
koji-project/koji @2083513
``kojihub/kojixmlrpc.py``, ``koji/__init__.py``):

* keyword arguments arrive as a trailing ``{"__starstar": True, ...}`` struct, unpacked with
  ``koji.decode_args``;
* ``multiCall([{methodName, params}...])`` answers ``[value]`` per call or a fault struct;
* ``login(user, password, opts=None)`` returns ``{"session-id", "session-key", "header-auth"}``
  and later calls carry ``Koji-Session-Id``/``Koji-Session-Key`` headers; ``logout``;
* ``checkUpload`` raises ``GenericError`` (faultCode 1000), so the client falls back to chunked
  ``uploadFile(path, name, size, ("sha256", hex), offset, base64)`` ending with ``offset=-1``
  and the whole file's sha256;
* ``build``, ``getTaskInfo``, ``taskFinished``, ``getTaskResult`` (a failed task raises its
  fault, BuildError 1005), ``getTaskChildren``, ``cancelTask``, ``listBuilds(taskID=)``,
  ``listTagged(tag, inherit, latest)``.

* ``cancelTask`` follows ``Task.cancel``: a CANCELED task stays so, a CLOSED or FAILED one is
  left as it is and the call still returns nothing -- no fault -- so a client learns that its
  cancel came too late only from the next ``getTaskInfo``;
* ``listTasks(opts, queryOpts)`` with the ``method``, ``state``, ``createdAfter`` and ``decode``
  options (``kojihub.RootExports.listTasks``).

Time has two modes.  Simulated (the default): every ``getTaskInfo`` poll round (one
``multiCall`` or one plain call) is a tick; a task is FREE, then OPEN, then CLOSED or FAILED
after its scripted number of ticks.  Wall clock (``serve_koji(wall_clock=True)``): a thread
moves tasks on, a task runs its scripted ``seconds`` once OPEN, however often it is polled,
so a task can start and end between two polls.  Either way a task whose ``wait_builds`` are
not all built yet stays FREE.  ``hub.restart(down=1.0)`` stops answering (connections are
refused) for ``down`` seconds and comes back on the same port with the same state, as a hub
restarted by its admin does.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from xmlrpc.client import Fault
from xmlrpc.server import SimpleXMLRPCRequestHandler, SimpleXMLRPCServer

import koji

FREE, OPEN, CLOSED, CANCELED, ASSIGNED, FAILED = range(6)


@dataclass
class Task:
    id: int
    src: str
    target: str
    opts: dict[str, Any]
    name: str
    nvr: str
    state: int = FREE
    ticks_left: int = 2
    outcome: int = CLOSED
    create_ts: float = field(default_factory=time.time)
    seconds: float = 1.0
    opened_at: float | None = None


@dataclass
class FakeKoji:
    user: str = "packager"
    password: str = "hunter2"
    url: str = ""
    session_key: str = "key-1"
    uploads: dict[str, bytearray] = field(default_factory=dict)
    finished_uploads: dict[str, bytes] = field(default_factory=dict)
    upload_calls: list[tuple[str, int]] = field(default_factory=list)
    tasks: dict[int, Task] = field(default_factory=dict)
    builds: list[dict[str, Any]] = field(default_factory=list)
    tags: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    tag_parents: dict[str, list[str]] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)
    logged_in: bool = False
    sessions: dict[str, str] = field(default_factory=dict)
    """Open sessions, id -> key: each login is its own session, and a logout (which the
    client also sends when a ``ClientSession`` is garbage-collected) closes only its own."""
    _scripts: dict[str, tuple[int, int, float]] = field(default_factory=dict)
    _headers: dict[str, str] = field(default_factory=dict)
    wall_clock: bool = False
    lock: threading.RLock = field(default_factory=threading.RLock)
    restart: Any = None
    """``restart(down=seconds)``: set by :func:`serve_koji`."""

    # -- test API --------------------------------------------------------------------------
    def script(
        self, package: str, *, fail: bool = False, ticks: int = 2, seconds: float = 1.0
    ) -> None:
        self._scripts[package] = (FAILED if fail else CLOSED, ticks, seconds)

    def advance(self) -> None:
        """Wall-clock mode: move every task to where its clock says (the clock thread)."""
        with self.lock:
            built = {b["nvr"] for b in self.builds}
            now = time.monotonic()
            for t in sorted(self.tasks.values(), key=lambda t: t.id):
                if t.state == FREE and set(t.opts.get("wait_builds") or ()) <= built:
                    t.state, t.opened_at = OPEN, now
                elif t.state == OPEN and t.opened_at is not None and now - t.opened_at >= t.seconds:
                    t.state = t.outcome
                    if t.state == CLOSED and not t.opts.get("scratch"):
                        self._add_build(t)
                        built.add(t.nvr)

    def tick(self) -> None:
        if self.wall_clock:
            return
        built = {b["nvr"] for b in self.builds}
        for t in sorted(self.tasks.values(), key=lambda t: t.id):
            if t.state in (CLOSED, FAILED, CANCELED):
                continue
            if t.state == FREE:
                if set(t.opts.get("wait_builds") or ()) <= built:
                    t.state = OPEN
                continue
            t.ticks_left -= 1
            if t.ticks_left <= 0:
                t.state = t.outcome
                if t.state == CLOSED and not t.opts.get("scratch"):
                    self._add_build(t)

    def _add_build(self, t: Task) -> None:
        name, version, release = t.nvr.rsplit("-", 2)
        build = {
            "id": len(self.builds) + 1,
            "build_id": len(self.builds) + 1,
            "name": name,
            "package_name": name,
            "version": version,
            "release": release,
            "epoch": None,
            "nvr": t.nvr,
            "state": 1,
            "task_id": t.id,
            "owner_name": self.user,
            "tag_name": t.target,
            "creation_time": "2026-01-01 00:00:00",
            "completion_time": "2026-01-01 00:01:00",
            "draft": False,
        }
        self.builds.append(build)
        self.tags.setdefault(t.target, []).insert(0, build)

    # -- hub methods -------------------------------------------------------------------------
    def _auth(self) -> None:
        sid = self._headers.get("Koji-Session-Id", "")
        key = self._headers.get("Koji-Session-Key")
        if sid not in self.sessions or self.sessions[sid] != key:
            raise Fault(1002, "AuthError: not logged in")

    def login(self, user: str, password: str, opts: Any = None) -> dict[str, Any]:
        if (user, password) != (self.user, self.password):
            raise Fault(1002, "AuthError: invalid username or password")
        self.logged_in = True
        sid = len(self.sessions) + 1
        key = self.session_key if sid == 1 else f"{self.session_key}-{sid}"
        self.sessions[str(sid)] = key
        return {"session-id": sid, "session-key": key, "header-auth": True}

    def logout(self, session_id: Any = None) -> None:
        self.sessions.pop(self._headers.get("Koji-Session-Id", ""), None)
        self.logged_in = bool(self.sessions)

    def checkUpload(self, path: str, name: str, **kw: Any) -> None:
        raise Fault(1000, "GenericError: fast upload not supported by this hub")

    def uploadFile(
        self,
        path: str,
        name: str,
        size: int,
        verify: Any,
        offset: int,
        data: str,
        **kw: Any,
    ) -> bool:
        self._auth()
        key = f"{path}/{name}"
        self.upload_calls.append((key, offset))
        buf = self.uploads.setdefault(key, bytearray())
        if offset == -1:
            digest = hashlib.sha256(bytes(buf)).hexdigest()
            if verify[0] != "sha256" or verify[1] != digest or size != len(buf):
                raise Fault(1000, f"GenericError: upload of {key} does not verify")
            self.finished_uploads[key] = bytes(buf)
            return True
        chunk = base64.b64decode(data)
        if hashlib.sha256(chunk).hexdigest() != verify[1] or len(chunk) != size:
            raise Fault(1000, "GenericError: chunk checksum mismatch")
        if offset != len(buf):
            raise Fault(1000, f"GenericError: unexpected offset {offset}")
        buf.extend(chunk)
        return True

    def build(
        self, src: str, target: str, opts: Any = None, priority: Any = None, channel: Any = None
    ) -> int:
        self._auth()
        if src not in self.finished_uploads:
            raise Fault(1000, f"GenericError: no such uploaded file {src}")
        nvr = src.rsplit("/", 1)[-1].removesuffix(".src.rpm")
        name = nvr.rsplit("-", 2)[0]
        outcome, ticks, seconds = self._scripts.get(name, (CLOSED, 2, 1.0))
        tid = 100 + len(self.tasks) + 1
        self.tasks[tid] = Task(
            tid, src, target, dict(opts or {}), name, nvr, FREE, ticks, outcome, seconds=seconds
        )
        return tid

    def _task(self, task_id: int) -> Task:
        t = self.tasks.get(int(task_id))
        if t is None:
            raise Fault(1000, f"GenericError: no such task {task_id}")
        return t

    def getTaskInfo(
        self, task_id: int, request: bool = False, strict: bool = False
    ) -> dict[str, Any] | None:
        t = self.tasks.get(int(task_id))
        if t is None:
            if strict:
                raise Fault(1000, f"GenericError: no such task {task_id}")
            return None
        info: dict[str, Any] = {
            "id": t.id,
            "state": t.state,
            "method": "build",
            "parent": None,
            "owner": 1,
            "arch": "noarch",
            "priority": 20,
            "weight": 0.2,
            "label": None,
            "waiting": None,
            "awaited": None,
            "channel_id": 1,
            "host_id": 1 if t.state != FREE else None,
            "create_ts": t.create_ts,
            "start_ts": None,
            "completion_ts": None,
        }
        if request:
            info["request"] = [t.src, t.target, t.opts]
        return info

    def taskFinished(self, taskId: int) -> bool:
        return self._task(taskId).state in (CLOSED, CANCELED, FAILED)

    def getTaskResult(self, taskId: int, raise_fault: bool = True) -> Any:
        t = self._task(taskId)
        if t.state == FAILED:
            raise Fault(
                1005,
                "BuildError: error building package (arch noarch), mock exited with status 1; "
                "see build.log for more information",
            )
        if t.state != CLOSED:
            raise Fault(1000, f"GenericError: task {t.id} is not finished")
        return {"srpms": [f"tasks/{t.id}/{t.nvr}.src.rpm"], "rpms": [], "logs": ["build.log"]}

    def getTaskChildren(self, task_id: int, request: bool = False, strict: bool = False) -> list:
        return []

    def cancelTask(self, task_id: int, recurse: bool = True) -> None:
        # kojihub Task.cancel: "A task can only be canceled if it is not already in the
        # 'CLOSED' state.  If it is, no action will be taken" -- and cancelTask returns None
        self._auth()
        t = self._task(task_id)
        if t.state not in (CLOSED, FAILED, CANCELED):
            t.state = CANCELED

    def listTasks(self, opts: Any = None, queryOpts: Any = None) -> list[dict[str, Any]]:
        opts = dict(opts or {})
        out = []
        for t in sorted(self.tasks.values(), key=lambda t: t.id):
            if opts.get("method") not in (None, "build"):
                continue
            if "state" in opts and t.state not in opts["state"]:
                continue
            if "createdAfter" in opts and t.create_ts <= float(opts["createdAfter"]):
                continue
            info = self.getTaskInfo(t.id)
            assert info is not None
            request = [t.src, t.target, t.opts]
            # undecoded, the request is the XML-RPC text of the call's params
            info["request"] = request if opts.get("decode") else repr(request)
            out.append(info)
        return out

    def listBuilds(self, taskID: int | None = None, **kw: Any) -> list[dict[str, Any]]:
        return [b for b in self.builds if taskID is None or b["task_id"] == taskID]

    def listTagged(
        self, tag: str, event: Any = None, inherit: bool = False, prefix: Any = None,
        latest: bool = False, package: Any = None, **kw: Any,
    ) -> list[dict[str, Any]]:  # fmt: skip
        if tag not in self.tags and tag not in self.tag_parents:
            raise Fault(1000, f"GenericError: No such tagInfo: '{tag}'")
        order = [tag] + (self.tag_parents.get(tag, []) if inherit else [])
        out: list[dict[str, Any]] = []
        seen: set[str] = set()
        for t in order:
            for b in self.tags.get(t, []):
                if package and b["package_name"] != package:
                    continue
                if latest and b["package_name"] in seen:
                    continue
                seen.add(b["package_name"])
                out.append({**b, "tag_name": t})
        return out


def _dispatcher(state: FakeKoji) -> Any:
    class Dispatcher:
        def _dispatch(self, method: str, params: tuple[Any, ...]) -> Any:
            with state.lock:
                state.calls.append(method)
                args, kwargs = koji.decode_args(*params)
                if method == "multiCall":
                    state.tick()
                    results: list[Any] = []
                    for call in args[0]:
                        a, kw = koji.decode_args(*call["params"])
                        try:
                            results.append([self._call(call["methodName"], a, kw)])
                        except Fault as f:
                            results.append({"faultCode": f.faultCode, "faultString": f.faultString})
                    return results
                if method == "getTaskInfo":
                    state.tick()
                return self._call(method, args, kwargs)

        def _call(self, method: str, args: Any, kwargs: Any) -> Any:
            fn = getattr(state, method, None)
            if (
                fn is None
                or method.startswith("_")
                or method
                in (
                    "script",
                    "tick",
                    "advance",
                    "restart",
                )
            ):
                raise Fault(1000, f"GenericError: Invalid method: {method}")
            return fn(*args, **kwargs)

    return Dispatcher()


@contextlib.contextmanager
def serve_koji(**kwargs: Any) -> Iterator[FakeKoji]:
    """Run a :class:`FakeKoji` hub at ``http://127.0.0.1:<port>/kojihub``."""
    state = FakeKoji(**kwargs)

    class Handler(SimpleXMLRPCRequestHandler):
        rpc_paths = ("/kojihub",)

        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            state._headers = {k: v for k, v in self.headers.items()}
            super().do_POST()

    def start(port: int) -> tuple[SimpleXMLRPCServer, threading.Thread]:
        SimpleXMLRPCServer.allow_reuse_address = True
        server = SimpleXMLRPCServer(
            ("127.0.0.1", port), requestHandler=Handler, allow_none=True, logRequests=False
        )
        server.register_instance(_dispatcher(state))
        thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        thread.start()
        return server, thread

    current = [start(0)]
    host, port = current[0][0].server_address[:2]
    state.url = f"http://{host!s}:{port}/kojihub"

    def stop() -> None:
        server, thread = current[0]
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)

    def restart(down: float = 1.0) -> threading.Thread:
        """Stop the hub now and bring it back after ``down`` seconds (in a thread)."""
        stop()

        def back() -> None:
            time.sleep(down)
            current[0] = start(int(port))

        t = threading.Thread(target=back, name="fake-koji-restart", daemon=True)
        t.start()
        return t

    state.restart = restart
    halt = threading.Event()

    def clock() -> None:
        while not halt.wait(0.02):
            state.advance()

    ticker = threading.Thread(target=clock, name="fake-koji-clock", daemon=True)
    if state.wall_clock:
        ticker.start()
    try:
        yield state
    finally:
        halt.set()
        stop()
        if ticker.is_alive():
            ticker.join(timeout=5)
