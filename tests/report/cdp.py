"""A small Chrome DevTools Protocol client over --remote-debugging-pipe (stdlib only).

Chromium reads commands from file descriptor 3 and writes replies and events to descriptor 4,
each message a JSON text ended by a NUL byte. No websocket, no port, no extra package.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import shutil
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--hide-scrollbars",
    "--mute-audio",
    # Belt and braces for the offline check: a request that did try to leave would fail to resolve.
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--allow-file-access-from-files",
]


def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def _above_nine(fd: int) -> int:
    high = fcntl.fcntl(fd, fcntl.F_DUPFD, 10)
    os.close(fd)
    return high


class CDPError(RuntimeError):
    pass


class Browser:
    """One headless Chromium with one page attached; every command waits for its reply."""

    def __init__(self, executable: str, user_data_dir: Path, width: int = 1440, height: int = 1000) -> None:
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()
        # Move the child's ends above 9 so that placing them on 3 and 4 cannot overwrite each other.
        to_browser_r, from_browser_w = _above_nine(to_browser_r), _above_nine(from_browser_w)

        def wire_pipes() -> None:  # runs in the child before exec
            os.dup2(to_browser_r, 3)
            os.dup2(from_browser_w, 4)

        self.proc = subprocess.Popen(
            [
                executable,
                *FLAGS,
                "--remote-debugging-pipe",
                f"--user-data-dir={user_data_dir}",
                f"--window-size={width},{height}",
                "about:blank",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            # dup2 leaves 3 and 4 inheritable; every other descriptor Python opened is close-on-exec
            # (PEP 446), so nothing else leaks into the browser without close_fds.
            preexec_fn=wire_pipes,
            close_fds=False,
        )
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._next_id = 0
        self._replies: dict[int, dict[str, Any]] = {}
        self.events: list[dict[str, Any]] = []
        self._cond = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.session: str | None = None
        self._attach(width, height)

    # -- plumbing -------------------------------------------------------------------------------
    def _read(self) -> None:
        buffer = b""
        while True:
            try:
                chunk = os.read(self._from_browser, 1 << 16)
            except OSError:
                chunk = b""
            if not chunk:
                with self._cond:
                    self._cond.notify_all()
                return
            buffer += chunk
            while b"\0" in buffer:
                raw, buffer = buffer.split(b"\0", 1)
                message = json.loads(raw)
                with self._cond:
                    if "id" in message:
                        self._replies[message["id"]] = message
                    else:
                        self.events.append(message)
                    self._cond.notify_all()

    def send(
        self, method: str, params: dict[str, Any] | None = None, *, browser: bool = False, timeout: float = 30
    ) -> dict[str, Any]:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if self.session and not browser:
            message["sessionId"] = self.session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._next_id not in self._replies:
                left = deadline - time.monotonic()
                if left <= 0 or self.proc.poll() is not None:
                    raise CDPError(f"no reply to {method}")
                self._cond.wait(left)
            reply = self._replies.pop(self._next_id)
        if "error" in reply:
            raise CDPError(f"{method}: {reply['error']}")
        return reply.get("result", {})

    def wait_event(self, method: str, timeout: float = 30, since: int = 0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for event in self.events[since:]:
                    if event.get("method") == method:
                        return event
                left = deadline - time.monotonic()
                if left <= 0:
                    raise CDPError(f"no {method} event")
                self._cond.wait(left)

    def _attach(self, width: int, height: int) -> None:
        targets = self.send("Target.getTargets", browser=True)["targetInfos"]
        page = next(t for t in targets if t["type"] == "page")
        self.session = self.send(
            "Target.attachToTarget", {"targetId": page["targetId"], "flatten": True}, browser=True
        )["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.send(f"{domain}.enable")
        self.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
        )
        # Runs before any page script and is not subject to the page's CSP: records violations.
        self.send(
            "Page.addScriptToEvaluateOnNewDocument",
            {
                "source": (
                    "window.__csp = [];"
                    "document.addEventListener('securitypolicyviolation', function (e) {"
                    "  window.__csp.push(e.violatedDirective + ' ' + e.blockedURI); });"
                )
            },
        )

    # -- what tests use -------------------------------------------------------------------------
    def navigate(self, url: str) -> None:
        mark = len(self.events)
        self.send("Page.navigate", {"url": url})
        self.wait_event("Page.loadEventFired", since=mark)

    def evaluate(self, expression: str) -> Any:
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True})
        if "exceptionDetails" in result:
            raise CDPError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def click(self, selector: str) -> None:
        """A real mouse click (press + release) at the centre of the element."""
        box = self.evaluate(
            f"(function(){{var e=document.querySelector({json.dumps(selector)}); e.scrollIntoView({{block:'center'}});"
            "var r=e.getBoundingClientRect(); return [r.left + r.width/2, r.top + r.height/2];})()"
        )
        for kind in ("mousePressed", "mouseReleased"):
            self.send(
                "Input.dispatchMouseEvent", {"type": kind, "x": box[0], "y": box[1], "button": "left", "clickCount": 1}
            )

    def click_and_wait_load(self, selector: str) -> None:
        mark = len(self.events)
        self.click(selector)
        self.wait_event("Page.loadEventFired", since=mark)

    def screenshot(self, path: Path, width: int = 1440, top: int = 0, height: int | None = None) -> None:
        """The whole page (or ``height`` pixels of it from ``top``), not just the viewport."""
        full = int(self.evaluate("Math.ceil(document.documentElement.scrollHeight)"))
        height = min(height or full, full - top, 16000)
        self.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": min(full, 16000), "deviceScaleFactor": 1, "mobile": False},
        )
        clip = {"x": 0, "y": top, "width": width, "height": height, "scale": 1}
        data = self.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True, "clip": clip})[
            "data"
        ]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))

    def problems(self, since: int = 0) -> list[str]:
        """Console errors and warnings, uncaught exceptions and log errors (CSP violations included)."""
        out = []
        for event in self.events[since:]:
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.exceptionThrown":
                out.append(f"exception: {params['exceptionDetails'].get('text')}")
            elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert", "warning"):
                out.append(
                    f"console.{params['type']}: {[a.get('value', a.get('description')) for a in params.get('args', [])]}"
                )
            elif method == "Log.entryAdded" and params["entry"].get("level") in ("error", "warning"):
                out.append(f"log {params['entry'].get('source')}: {params['entry'].get('text')}")
        return out

    def requests(self, since: int = 0) -> list[str]:
        return [
            e["params"]["request"]["url"] for e in self.events[since:] if e.get("method") == "Network.requestWillBeSent"
        ]

    @property
    def mark(self) -> int:
        """A position in the event log; pass it as ``since`` to look only at what came after."""
        with self._cond:
            return len(self.events)

    def close(self) -> None:
        try:
            self.send("Browser.close", browser=True, timeout=5)
        except (CDPError, OSError):
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for fd in (self._to_browser, self._from_browser):
            try:
                os.close(fd)
            except OSError:
                pass

    def __enter__(self) -> "Browser":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
