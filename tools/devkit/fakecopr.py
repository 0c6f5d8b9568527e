"""A local Copr frontend for tests: the APIv3 endpoints streams calls, with batch semantics.

It speaks the wire protocol of docs/reference/contracts.md §1 as the real ``copr.v3`` client
expects it
(paths under ``/api_3/``, the same params in the path and the query string, JSON bodies,
multipart ``json`` + ``pkgs`` uploads, HTTP Basic ``login:token``, ``{"error": ...}`` bodies with
400/403/404/409/5xx and a 401 ``{"output": "notok", ...}`` for a bad token, ``items`` + ``meta``
on lists).  Shapes follow the frontend's ``to_dict`` functions in ``apiv3_projects.py``,
``apiv3_builds.py`` and ``apiv3_build_chroots.py`` (fedora-copr/copr @5d37cd8).

Batches follow ``builds_logic.setup_batch`` and ``BatchesLogic.get_batch_or_create``: a build
submitted with neither option is in no batch; ``with_build_id`` joins the other build's batch
(creating it if that build has none), ``after_build_id`` makes a new batch blocked by the other
build's batch, both at once is a 400.  The refusals are the frontend's own
(``models.Build.batching_user_error``, answered as ``BadRequest``, 400): joining a finished batch
is "Batch N is already finished"; a finished build that has no batch yet cannot get one, with
``with_build_id`` or ``after_build_id``: "Build N is not yet in any batch, and new batch can not
be created because the build has already finished".  A blocked batch starts when the blocking
one is finished -- whatever its builds' results, which is exactly the Copr behaviour that makes
streams cancel dependants itself.  Cancelling a finished build is ``ConflictingRequest`` (409)
"Cannot cancel build N" (``BuildsLogic.cancel_build``, ``Build.cancelable``).  An uploaded SRPM's
``source_package.url`` is ``URL/tmp/TMPDIR/FILENAME`` (``create_new_from_upload``).

Time has two modes.  Simulated (the default): every read of build state (``GET /build/{id}``,
``GET /build/list``) is one tick; a started build chroot reaches its scripted result after
``ticks`` ticks.  Wall clock (``serve_copr(wall_clock=True)``): a thread moves the builds on
their own, a build chroot runs ``seconds`` seconds once its batch may start, whatever the client
asks or how often it polls -- as the real Copr does.  Usage::

    with serve_copr(token="s3cret") as copr:
        copr.script("beta", outcome="failed", ticks=2)
        copr.fail_next_submissions(1, status=503)   # refused before anything is created
        copr.fail_after_create(1, status=502)       # created, then the answer is lost
        client = copr.client()                 # a real copr.v3.Client on this server
        ...
        copr.requests                          # every request, in order
"""

from __future__ import annotations

import base64
import contextlib
import email.parser
import email.policy
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tools.devkit.httpserver import serving

TERMINAL = ("succeeded", "failed", "canceled", "skipped")


@dataclass
class Outcome:
    outcome: str = "succeeded"
    ticks: int = 3
    chroots: tuple[str, ...] | None = None
    """Chroots that get ``outcome`` (None: all); the others succeed."""
    hold: bool = False
    """Stay ``running`` until released (for interruption tests)."""
    seconds: float = 1.0
    """Wall-clock mode: how long a build chroot runs."""


@dataclass
class Chroot:
    name: str
    state: str = "pending"
    ticks_left: int = 1
    outcome: str = "succeeded"
    started_on: int | None = None
    ended_on: int | None = None
    seconds: float = 1.0
    started_at: float | None = None
    ended_at: float | None = None


@dataclass
class Build:
    id: int
    ownername: str
    projectname: str
    package: str
    version: str
    filename: str
    chroots: dict[str, Chroot]
    batch: int | None
    submitted_on: int
    opts: dict[str, Any]
    canceled: bool = False
    hold: bool = False
    tmp: str = ""

    @property
    def state(self) -> str:
        # models.Build.status: canceled wins, else the first of these found among the chroots
        if self.canceled:
            return "canceled"
        states = {c.state for c in self.chroots.values()}
        for s in ("running", "starting", "pending", "failed", "succeeded", "skipped"):
            if s in states:
                return s
        return "unknown"

    @property
    def finished(self) -> bool:
        return self.state in TERMINAL


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    body: dict[str, Any] | None
    login: str | None
    status: int = 200


@dataclass
class FakeCopr:
    """The server's state, shared with the handler threads."""

    login: str = "streams-bot"
    token: str = "s3cret-token"
    username: str = "streams-bot"
    url: str = ""
    echo_token_in_errors: bool = False
    """Put the received token in the 401 message (a hostile proxy): streams must redact it."""
    projects: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    builds: dict[int, Build] = field(default_factory=dict)
    batches: dict[int, tuple[list[int], int | None]] = field(default_factory=dict)
    requests: list[Request] = field(default_factory=list)
    _scripts: dict[str, Outcome] = field(default_factory=dict)
    _faults: list[int] = field(default_factory=list)
    _after_create_faults: list[int] = field(default_factory=list)
    wall_clock: bool = False
    """Builds run on their own clock (see the module docstring)."""
    _next_id: int = 1000
    _next_batch: int = 1
    lock: threading.RLock = field(default_factory=threading.RLock)

    # -- test API --------------------------------------------------------------------------
    def script(
        self,
        package: str,
        *,
        outcome: str = "succeeded",
        ticks: int = 3,
        chroots: tuple[str, ...] | None = None,
        hold: bool = False,
        seconds: float = 1.0,
    ) -> None:
        """How builds of ``package`` end: ``outcome`` after ``ticks`` ticks of running, or
        after ``seconds`` in wall-clock mode."""
        self._scripts[package] = Outcome(outcome, ticks, chroots, hold, seconds)

    def release(self, package: str) -> None:
        """Let held builds of ``package`` finish."""
        with self.lock:
            self._scripts.get(package, Outcome()).hold = False
            for b in self.builds.values():
                if b.package == package:
                    b.hold = False

    def fail_next_submissions(self, times: int, *, status: int = 503) -> None:
        """Answer ``status`` to the next ``times`` build submissions."""
        self._faults.extend([status] * times)

    def fail_after_create(self, times: int, *, status: int = 502) -> None:
        """Create the next ``times`` submitted builds, then answer ``status`` instead of the
        build: a proxy timeout or a restarted frontend after the database commit."""
        self._after_create_faults.extend([status] * times)

    def client(self, **overrides: Any) -> Any:
        """A real ``copr.v3.Client`` configured with a dict (no http:// check, contracts §1)."""
        from copr.v3 import Client

        config = {
            "copr_url": self.url,
            "login": self.login,
            "token": self.token,
            "username": self.username,
        }
        config.update(overrides)
        return Client(config)

    def config(self) -> dict[str, str]:
        return {
            "copr_url": self.url,
            "login": self.login,
            "token": self.token,
            "username": self.username,
        }

    def submissions(self) -> list[Request]:
        return [r for r in self.requests if r.path.endswith("/build/create/upload")]

    def calls(self) -> int:
        return len(self.requests)

    def build_of(self, package: str) -> list[Build]:
        return [b for b in self.builds.values() if b.package == package]

    # -- simulation ------------------------------------------------------------------------
    def _batch_finished(self, batch: int) -> bool:
        ids, _ = self.batches[batch]
        return all(self.builds[i].finished for i in ids)

    def _runnable(self, b: Build) -> bool:
        if b.batch is None:
            return True
        _, blocked_by = self.batches[b.batch]
        return blocked_by is None or self._batch_finished(blocked_by)

    def _new_batch(self, blocked_by: int | None) -> int:
        batch = self._next_batch
        self._next_batch += 1
        self.batches[batch] = ([], blocked_by)
        return batch

    def _batch_for(self, build_id: int, *, modify: bool) -> int:
        """``BatchesLogic.get_batch_or_create``: the batch of ``build_id``, made if needed."""
        other = self.builds.get(build_id)
        if other is None:
            raise _Err(400, f"Build {build_id} doesn't exist")
        if other.batch is not None:
            if modify and self._batch_finished(other.batch):
                raise _Err(400, f"Batch {other.batch} is already finished")
            return other.batch
        if other.finished:
            raise _Err(
                400,
                f"Build {other.id} is not yet in any batch, and new batch can not be created "
                "because the build has already finished",
            )
        other.batch = self._new_batch(None)
        self.batches[other.batch][0].append(other.id)
        return other.batch

    def tick(self) -> None:
        if self.wall_clock:
            return  # the clock thread moves builds (advance)
        self._step()

    def advance(self) -> None:
        """Wall-clock mode: move every build to where its clock says (the clock thread)."""
        with self.lock:
            now = time.monotonic()
            for b in sorted(self.builds.values(), key=lambda b: b.id):
                if b.finished or b.canceled or not self._runnable(b):
                    continue
                for c in b.chroots.values():
                    if c.state == "pending":
                        c.state = "running"
                        c.started_on = int(time.time())
                        c.started_at = now
                    elif (
                        c.state == "running"
                        and not b.hold
                        and c.started_at is not None
                        and now - c.started_at >= c.seconds
                    ):
                        c.state = c.outcome
                        c.ended_on = int(time.time())
                        c.ended_at = now

    def _step(self) -> None:
        now = int(time.time())
        # decide who may run before anything moves: a batch starts one tick after the batch
        # blocking it finished, as the backend needs a moment to pick it up
        runnable = [
            b
            for b in sorted(self.builds.values(), key=lambda b: b.id)
            if not b.finished and not b.canceled and self._runnable(b)
        ]
        for b in runnable:
            for c in b.chroots.values():
                if c.state in TERMINAL:
                    continue
                if c.state == "pending":
                    c.state = "running"
                    c.started_on = now
                    continue
                if b.hold:
                    continue
                c.ticks_left -= 1
                if c.ticks_left <= 0:
                    c.state = c.outcome
                    c.ended_on = now

    def create_build(self, owner: str, project: str, body: dict[str, Any], filename: str) -> Build:
        proj = self.projects.get((owner, project))
        if proj is None:
            raise _Err(404, f"Project {owner}/{project} does not exist.")
        chroots = body.get("chroots") or list(proj["_chroots"])
        unknown = [c for c in chroots if c not in proj["_chroots"]]
        if unknown:
            raise _Err(400, f"Bad request parameters: chroots {unknown} are not enabled")
        with_id, after_id = body.get("with_build_id"), body.get("after_build_id")
        if with_id is not None and after_id is not None:
            raise _Err(
                400, "Bad request parameters: can't specify both with_build_id and after_build_id"
            )
        batch: int | None = None
        if with_id is not None:
            batch = self._batch_for(int(with_id), modify=True)
        elif after_id is not None:
            batch = self._new_batch(self._batch_for(int(after_id), modify=False))
        # name-version-release.src.rpm
        stem = filename.removesuffix(".src.rpm")
        name, version, _release = stem.rsplit("-", 2)
        script = self._scripts.get(name, Outcome())
        self._next_id += 1
        build = Build(
            id=self._next_id,
            ownername=owner,
            projectname=project,
            package=name,
            version=version,
            filename=filename,
            chroots={
                c: Chroot(
                    c,
                    ticks_left=script.ticks,
                    outcome=(
                        script.outcome
                        if script.chroots is None or c in script.chroots
                        else "succeeded"
                    ),
                    seconds=script.seconds,
                )
                for c in chroots
            },
            batch=batch,
            submitted_on=int(time.time()),
            opts=body,
            hold=script.hold,
            tmp=f"tmp{self._next_id:x}",
        )
        self.builds[build.id] = build
        if batch is not None:
            self.batches[batch][0].append(build.id)
        return build

    def _get(self, build_id: int) -> Build:
        b = self.builds.get(build_id)
        if b is None:
            raise _Err(404, f"Build {build_id} does not exist.")
        return b

    # -- shapes (docs/reference/contracts.md §1) --------------------------------------------
    def project_dict(self, p: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in p.items() if not k.startswith("_")}

    def build_dict(self, b: Build) -> dict[str, Any]:
        started = [c.started_on for c in b.chroots.values() if c.started_on]
        ended = [c.ended_on for c in b.chroots.values() if c.ended_on]
        return {
            "id": b.id,
            "state": b.state,
            "projectname": b.projectname,
            "ownername": b.ownername,
            "repo_url": f"{self.url}/results/{b.ownername}/{b.projectname}",
            "source_package": {
                "name": b.package,
                "version": b.version,
                "url": f"{self.url}/tmp/{b.tmp}/{b.filename}",
            },
            "submitted_on": b.submitted_on,
            "started_on": min(started) if started else None,
            "ended_on": max(ended) if ended and b.finished else None,
            "submitter": self.username,
            "chroots": sorted(b.chroots),
            "project_dirname": b.projectname,
            "is_background": False,
        }

    def chroot_dict(self, b: Build, c: Chroot) -> dict[str, Any]:
        return {
            "name": c.name,
            "started_on": c.started_on,
            "ended_on": c.ended_on,
            "result_url": f"{self.url}/results/{b.ownername}/{b.projectname}/{c.name}/"
            f"{b.id:08d}-{b.package}/",
            "state": "canceled" if b.canceled and c.state not in TERMINAL else c.state,
        }


class _Err(Exception):
    def __init__(self, status: int, message: str, body: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.body = body or {"error": message}


PROJECT_FIELDS = (
    "description",
    "instructions",
    "homepage",
    "contact",
    "unlisted_on_hp",
    "enable_net",
    "persistent",
    "auto_prune",
    "bootstrap",
    "isolation",
    "module_hotfixes",
    "appstream",
    "follow_fedora_branching",
    "repo_priority",
)


def _handler(state: FakeCopr) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            self._handle("GET")

        def do_POST(self) -> None:
            self._handle("POST")

        def do_PUT(self) -> None:
            self._handle("PUT")

        # -- plumbing ------------------------------------------------------------------
        def _send(self, status: int, body: dict[str, Any] | str) -> None:
            data = (body if isinstance(body, str) else json.dumps(body)).encode()
            self.send_response(status)
            ctype = "text/html" if isinstance(body, str) else "application/json"
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _auth(self) -> tuple[str | None, str | None]:
            header = self.headers.get("Authorization", "")
            if not header.startswith("Basic "):
                return None, None
            login, _, token = base64.b64decode(header[6:]).decode().partition(":")
            return login, token

        def _body(self) -> tuple[dict[str, Any] | None, tuple[str, bytes] | None]:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            ctype = self.headers.get("Content-Type", "")
            if ctype.startswith("multipart/form-data"):
                msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
                    b"Content-Type: " + ctype.encode() + b"\r\n\r\n" + raw
                )
                body: dict[str, Any] | None = None
                upload = None
                for part in msg.iter_parts():
                    name = part.get_param("name", header="content-disposition")
                    payload = part.get_payload(decode=True)
                    if name == "json":
                        body = json.loads(payload)
                    elif name == "pkgs":
                        upload = (part.get_filename() or "upload.src.rpm", payload)
                return body, upload
            return (json.loads(raw) if raw else None), None

        def _handle(self, method: str) -> None:
            parts = urlsplit(self.path)
            path = parts.path.rstrip("/")
            query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
            body, upload = self._body()
            login, token = self._auth()
            rec = Request(method, path, query, body, login)
            with state.lock:
                state.requests.append(rec)
                try:
                    status, out = self._route(method, path, query, body, upload, login, token)
                except _Err as err:
                    status, out = err.status, err.body
                rec.status = status
            self._send(status, out)

        def _require_auth(self, login: str | None, token: str | None) -> None:
            if login is None:
                raise _Err(403, "Authorization required")
            if login != state.login or token != state.token:
                msg = (
                    "Login invalid/expired. Please visit "
                    f"{state.url}/api to get or renew your API token."
                )
                if state.echo_token_in_errors:
                    msg += f" (received {login}:{token})"
                raise _Err(401, msg, {"output": "notok", "error": msg})

        def _route(
            self,
            method: str,
            path: str,
            q: dict[str, str],
            body: dict[str, Any] | None,
            upload: tuple[str, bytes] | None,
            login: str | None,
            token: str | None,
        ) -> tuple[int, dict[str, Any] | str]:
            if not path.startswith("/api_3"):
                raise _Err(404, f"no route {path}")
            route = path[len("/api_3") :].split("/")[1:]
            body = {k: v for k, v in (body or {}).items() if v is not None}
            if route == ["project"] and method == "GET":
                key = (q.get("ownername", ""), q.get("projectname", ""))
                proj = state.projects.get(key)
                if proj is None:
                    raise _Err(404, f"Project {key[0]}/{key[1]} does not exist.")
                return 200, state.project_dict(proj)
            if route[:2] == ["project", "add"] and method == "POST":
                self._require_auth(login, token)
                owner = route[2]
                name = body.get("name", "")
                if (owner, name) in state.projects:
                    if q.get("exist_ok") == "True":
                        return 200, state.project_dict(state.projects[(owner, name)])
                    raise _Err(400, f"You already have a project named '{name}'.")
                chroots = list(body.get("chroots") or [])
                proj: dict[str, Any] = {
                    "id": len(state.projects) + 1,
                    "name": name,
                    "projectname": name,
                    "ownername": owner,
                    "full_name": f"{owner}/{name}",
                    "chroot_repos": {
                        c: f"{state.url}/results/{owner}/{name}/{c}/" for c in chroots
                    },
                    "additional_repos": list(body.get("additional_repos") or []),
                    "devel_mode": bool(body.get("devel_mode", False)),
                    "_chroots": chroots,
                }
                for f in PROJECT_FIELDS:
                    proj[f] = body.get(f)
                state.projects[(owner, name)] = proj
                return 200, state.project_dict(proj)
            if route[:2] == ["project", "edit"] and method in ("PUT", "POST"):
                self._require_auth(login, token)
                key = (route[2], route[3])
                proj = state.projects.get(key)
                if proj is None:
                    raise _Err(404, f"Project {key[0]}/{key[1]} does not exist.")
                if "chroots" in body:
                    proj["_chroots"] = list(body["chroots"])
                    proj["chroot_repos"] = {
                        c: f"{state.url}/results/{key[0]}/{key[1]}/{c}/" for c in body["chroots"]
                    }
                if "repos" in body:  # edit sends additional_repos as "repos"
                    proj["additional_repos"] = list(body["repos"])
                for f in PROJECT_FIELDS:
                    if f in body:
                        proj[f] = body[f]
                return 200, state.project_dict(proj)
            if route == ["build", "create", "upload"] and method == "POST":
                self._require_auth(login, token)
                if state._faults:
                    status = state._faults.pop(0)
                    if status in (502, 503):  # what an overloaded Apache answers: not JSON
                        return status, "<html><body>Service Unavailable</body></html>"
                    raise _Err(status, "Internal server error")
                if upload is None:
                    raise _Err(400, "Bad request parameters: no pkgs part")
                build = state.create_build(
                    body.get("ownername", ""), body.get("projectname", ""), body, upload[0]
                )
                if state._after_create_faults:
                    status = state._after_create_faults.pop(0)
                    return status, "<html><body>Proxy Error</body></html>"
                return 200, state.build_dict(build)
            if route[:2] == ["build", "cancel"] and method in ("PUT", "POST"):
                self._require_auth(login, token)
                build = state._get(int(route[2]))
                if build.finished:
                    raise _Err(409, f"Cannot cancel build {build.id}")
                build.canceled = True
                return 200, state.build_dict(build)
            if route == ["build", "list"] and method == "GET":
                state.tick()
                owner, project = q.get("ownername", ""), q.get("projectname", "")
                if (owner, project) not in state.projects:
                    raise _Err(404, f"Project {owner}/{project} does not exist.")
                builds = [
                    b
                    for b in state.builds.values()
                    if (b.ownername, b.projectname) == (owner, project)
                ]
                reverse = q.get("order_type", "ASC").upper() == "DESC"
                builds.sort(key=lambda b: b.id, reverse=reverse)
                offset = int(q.get("offset", 0))
                limit = int(q["limit"]) if "limit" in q else None
                page = builds[offset : None if limit is None else offset + limit]
                meta = {
                    "limit": limit,
                    "offset": offset,
                    "order": q.get("order", "id"),
                    "order_type": q.get("order_type", "ASC"),
                }
                return 200, {"items": [state.build_dict(b) for b in page], "meta": meta}
            if route[:1] == ["build"] and len(route) == 2 and route[1].isdigit():
                state.tick()
                return 200, state.build_dict(state._get(int(route[1])))
            if route == ["build-chroot", "list"] and method == "GET":
                build = state._get(int(q.get("build_id", 0)))
                items = [state.chroot_dict(build, c) for c in build.chroots.values()]
                return 200, {"items": items, "meta": {"limit": None, "offset": 0}}
            raise _Err(404, f"no route {method} {path}")

    return Handler


@contextlib.contextmanager
def serve_copr(**kwargs: Any) -> Iterator[FakeCopr]:
    """Run a :class:`FakeCopr` on ``http://127.0.0.1:<port>`` for the ``with`` block."""
    state = FakeCopr(**kwargs)
    stop = threading.Event()

    def clock() -> None:
        while not stop.wait(0.02):
            state.advance()

    ticker = threading.Thread(target=clock, name="fake-copr-clock", daemon=True)
    with serving(_handler(state), "fake-copr") as url:
        state.url = url
        if state.wall_clock:
            ticker.start()
        try:
            yield state
        finally:
            stop.set()
            if ticker.is_alive():
                ticker.join(timeout=5)
