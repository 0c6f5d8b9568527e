"""Headless Chromium driven over the Chrome DevTools Protocol, for browser tests and screenshots.

No browser-automation package: Chromium's ``--remote-debugging-pipe`` speaks the protocol on
file descriptors 3 (commands in) and 4 (responses and events out), one JSON message per
NUL-terminated chunk (https://chromedevtools.github.io/devtools-protocol/, "Using the protocol
over a pipe"; the flag is documented in Chromium's ``content/public/common/content_switches``).
A page is driven through a flat session (``Target.attachToTarget`` with ``flatten: true``).

Chromium is started the way this machine needs it: ``--headless --no-sandbox --disable-gpu``
and the flags that keep it off the network (``--disable-background-networking``,
``--disable-component-update``, ``--disable-sync``, ``--disable-quic``, ``--no-first-run``),
with a fresh ``--user-data-dir`` removed afterwards.

Usage::

    with Chromium() as browser:
        page = browser.open(Path("report.html").resolve().as_uri())
        page.evaluate("document.title")
        page.screenshot(Path("shot.png"))
        assert not page.errors
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any

__all__ = ["BrowserError", "Chromium", "Page", "find_chromium"]

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--hide-scrollbars",
    "--mute-audio",
    "--force-device-scale-factor=1",
    "--remote-debugging-pipe",
)


class BrowserError(RuntimeError):
    """Chromium failed to start, answered with an error, or a page threw."""


def find_chromium() -> str | None:
    """The Chromium executable (``$CHROMIUM`` first, then the usual names on ``PATH``)."""
    env = os.environ.get("CHROMIUM")
    if env:
        return shutil.which(env) or (env if Path(env).is_file() else None)
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


class Chromium:
    """One headless Chromium process and its DevTools pipe."""

    def __init__(
        self,
        executable: str | None = None,
        *,
        width: int = 1280,
        height: int = 900,
        timeout: float = 30.0,
    ) -> None:
        exe = executable or find_chromium()
        if exe is None:
            raise BrowserError("no Chromium found (install Debian's or Fedora's `chromium`)")
        self.executable = exe
        self.width, self.height, self.timeout = width, height, timeout
        self._profile = Path(tempfile.mkdtemp(prefix="streams-chromium-"))
        self._next_id = 0
        self._buffer = b""
        self._events: list[dict[str, Any]] = []
        # Chromium's stderr, read when it fails; closed by close()
        self._log = tempfile.TemporaryFile()  # noqa: SIM115
        # pipe A: we write commands, Chromium reads them on fd 3
        # pipe B: Chromium writes on fd 4, we read
        a_read, self._write_fd = os.pipe()
        self._read_fd, b_write = os.pipe()

        def child_fds() -> None:  # runs in the child between fork and exec
            # first above every low descriptor, so placing one cannot overwrite the other
            high_a = fcntl.fcntl(a_read, fcntl.F_DUPFD, 10)
            high_b = fcntl.fcntl(b_write, fcntl.F_DUPFD, 10)
            os.dup2(high_a, 3)
            os.dup2(high_b, 4)

        argv = [
            exe,
            *FLAGS,
            f"--user-data-dir={self._profile}",
            f"--window-size={width},{height}",
            "about:blank",
        ]
        self.proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=self._log,
            preexec_fn=child_fds,  # places the pipe on fds 3 and 4
            close_fds=False,
        )
        os.close(a_read)
        os.close(b_write)
        try:
            self.version = str(self.send("Browser.getVersion")["product"])
        except BaseException:
            self.close()
            raise

    # -- protocol ----------------------------------------------------------------------------

    def send(self, method: str, params: dict[str, Any] | None = None, session: str = "") -> Any:
        """Send one command and wait for its result (events read meanwhile are kept)."""
        self._next_id += 1
        msg: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        data = json.dumps(msg).encode() + b"\0"
        while data:
            data = data[os.write(self._write_fd, data) :]
        want = self._next_id
        deadline = time.monotonic() + self.timeout
        while True:
            reply = self._read(deadline)
            if reply.get("id") == want:
                if "error" in reply:
                    raise BrowserError(f"{method}: {reply['error'].get('message', reply['error'])}")
                return reply.get("result", {})
            if "method" in reply:
                self._events.append(reply)

    def wait_event(
        self,
        method: str,
        session: str = "",
        predicate: Callable[[dict[str, Any]], bool] | None = None,
    ) -> dict[str, Any]:
        """Wait for an event (one already received counts) and return its params."""
        deadline = time.monotonic() + self.timeout
        while True:
            for i, ev in enumerate(self._events):
                if (
                    ev.get("method") == method
                    and (not session or ev.get("sessionId") == session)
                    and (predicate is None or predicate(ev.get("params", {})))
                ):
                    del self._events[i]
                    params: dict[str, Any] = ev.get("params", {})
                    return params
            reply = self._read(deadline)
            if "method" in reply:
                self._events.append(reply)

    def events(self, session: str = "") -> list[dict[str, Any]]:
        """Every event received so far (of ``session``), oldest first; drains pending ones."""
        while True:
            ready, _, _ = select.select([self._read_fd], [], [], 0.05)
            if not ready:
                break
            reply = self._read(time.monotonic() + self.timeout)
            if "method" in reply:
                self._events.append(reply)
        return [e for e in self._events if not session or e.get("sessionId") == session]

    def _read(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise BrowserError(f"Chromium did not answer within {self.timeout:.0f} s")
            ready, _, _ = select.select([self._read_fd], [], [], left)
            if not ready:
                continue
            chunk = os.read(self._read_fd, 1 << 20)
            if not chunk:
                self._log.seek(0)
                err = self._log.read().decode(errors="replace")
                raise BrowserError(f"Chromium closed its DevTools pipe:\n{err[-2000:]}")
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        msg: dict[str, Any] = json.loads(raw)
        return msg

    # -- pages -------------------------------------------------------------------------------

    def open(self, url: str) -> Page:
        """A new tab showing ``url``, loaded (the load event fired), its errors recorded."""
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"
        ]
        page = Page(self, session)
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.send(f"{domain}.enable", session=session)
        self.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": self.width, "height": self.height, "deviceScaleFactor": 1, "mobile": False},
            session=session,
        )
        self.send("Page.navigate", {"url": url}, session=session)
        self.wait_event("Page.loadEventFired", session)
        return page

    def close(self) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(BrowserError, OSError):
                self.send("Browser.close")
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for fd in (self._read_fd, self._write_fd):
            with contextlib.suppress(OSError):
                os.close(fd)
        self._log.close()
        shutil.rmtree(self._profile, ignore_errors=True)

    def __enter__(self) -> Chromium:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class Page:
    """One tab, driven through its flat DevTools session."""

    def __init__(self, browser: Chromium, session: str) -> None:
        self.browser = browser
        self.session = session

    def send(self, method: str, params: dict[str, Any] | None = None) -> Any:
        return self.browser.send(method, params, self.session)

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression (promises awaited); a throw is a BrowserError."""
        result = self.send(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
        )
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details.get("text")
            raise BrowserError(f"{expression[:80]!r} threw: {text}")
        return result.get("result", {}).get("value")

    def click(self, selector: str) -> None:
        """A real mouse click (pressed and released) at the middle of the element."""
        box = self.evaluate(
            f"(() => {{ const e = document.querySelector({json.dumps(selector)});"
            " if (!e) return null; e.scrollIntoView({block: 'center'});"
            " const r = e.getBoundingClientRect();"
            " return [r.left + r.width / 2, r.top + r.height / 2]; })()"
        )
        if box is None:
            raise BrowserError(f"no element matches {selector!r}")
        x, y = box
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            params: dict[str, Any] = {"type": kind, "x": x, "y": y}
            if kind != "mouseMoved":
                params.update(button="left", clickCount=1)
            self.send("Input.dispatchMouseEvent", params)

    def type_text(self, selector: str, text: str) -> None:
        """Focus the element by clicking it and type ``text`` into it, key by key."""
        self.click(selector)
        for ch in text:
            self.send("Input.dispatchKeyEvent", {"type": "keyDown", "text": ch, "key": ch})
            self.send("Input.dispatchKeyEvent", {"type": "keyUp", "key": ch})

    def screenshot(self, path: Path, *, full_page: bool = False) -> bytes:
        """A PNG of the viewport (or the whole page); written to ``path`` and returned."""
        params: dict[str, Any] = {"format": "png"}
        if full_page:
            params["captureBeyondViewport"] = True
        data = base64.b64decode(self.send("Page.captureScreenshot", params)["data"])
        path.write_bytes(data)
        return data

    @property
    def errors(self) -> list[str]:
        """Uncaught exceptions, ``console.error``/``assert`` calls and error log entries."""
        out = []
        for ev in self.browser.events(self.session):
            method, params = ev.get("method"), ev.get("params", {})
            if method == "Runtime.exceptionThrown":
                d = params.get("exceptionDetails", {})
                out.append(
                    "exception: " + (d.get("exception", {}).get("description") or d.get("text", ""))
                )
            elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                args = [str(a.get("value", a.get("description", ""))) for a in params["args"]]
                out.append(f"console.{params['type']}: " + " ".join(args))
            elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
                out.append("log: " + params["entry"].get("text", ""))
        return out

    @property
    def requests(self) -> list[str]:
        """URLs the page requested (the page itself included)."""
        return [
            ev["params"]["request"]["url"]
            for ev in self.browser.events(self.session)
            if ev.get("method") == "Network.requestWillBeSent"
        ]
