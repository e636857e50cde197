"""Open a page in Debian's headless Chromium and ask it what it drew, over the DevTools protocol
on a pipe (`--remote-debugging-pipe`: no port, nothing to connect to from outside).

It returns what a person would check: what JavaScript counts in the rendered page, every
console message and error, every request the page made, and a screenshot.
"""

from __future__ import annotations

import base64
import json
import os
import select
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-default-apps",
    "--disable-extensions",
    "--remote-debugging-pipe",
]


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@dataclass
class Visit:
    values: Any  # what the expression evaluated to
    console: list[str] = field(default_factory=list)  # "level: text" of every message
    errors: list[str] = field(default_factory=list)  # exceptions and error-level messages
    requests: list[str] = field(default_factory=list)  # every URL the page asked for
    screenshot: bytes = b""


class _Pipe:
    def __init__(self, to_browser: int, from_browser: int) -> None:
        self.to_browser, self.from_browser = to_browser, from_browser
        self.buffer = b""
        self.next_id = 0
        self.events: list[dict[str, Any]] = []

    def call(self, method: str, session: str | None = None, **params: Any) -> dict[str, Any]:
        self.next_id += 1
        message: dict[str, Any] = {"id": self.next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        os.write(self.to_browser, json.dumps(message).encode() + b"\0")
        while True:
            reply = self._read()
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return dict(reply.get("result", {}))
            self.events.append(reply)

    def wait_for(self, method: str, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not any(e.get("method") == method for e in self.events):
            self.events.append(self._read(deadline - time.monotonic()))

    def _read(self, seconds: float = 30) -> dict[str, Any]:
        deadline = time.monotonic() + seconds
        while b"\0" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.from_browser], [], [], left)[0]:
                raise TimeoutError("chromium did not answer")
            chunk = os.read(self.from_browser, 1 << 20)
            if not chunk:
                raise EOFError("chromium closed the pipe")
            self.buffer += chunk
        message, _, self.buffer = self.buffer.partition(b"\0")
        return dict(json.loads(message))


def visit(page: Path, expression: str, profile: Path, width: int = 1000) -> Visit:
    """Load `page`, evaluate `expression` (its value returned as JSON), take a screenshot."""
    binary = chromium()
    assert binary is not None
    command_read, command_write = os.pipe()
    reply_read, reply_write = os.pipe()

    def pipes() -> None:  # chromium reads commands on fd 3 and writes replies on fd 4
        os.dup2(command_read, 3)
        os.dup2(reply_write, 4)

    process = subprocess.Popen(
        [binary, *FLAGS, f"--user-data-dir={profile}", f"--window-size={width},900"],
        preexec_fn=pipes,
        # kept open past exec: close_fds runs after preexec_fn and would close 3 and 4 too
        pass_fds=(3, 4),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(command_read)
    os.close(reply_write)
    pipe = _Pipe(command_write, reply_read)
    try:
        target = pipe.call("Target.createTarget", url="about:blank")["targetId"]
        session = pipe.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            pipe.call(f"{domain}.enable", session)
        pipe.call("Page.navigate", session, url=page.resolve().as_uri())
        pipe.wait_for("Page.loadEventFired", 30)
        result = pipe.call("Runtime.evaluate", session, expression=expression, returnByValue=True)[
            "result"
        ]
        shot = pipe.call(
            "Page.captureScreenshot", session, format="png", captureBeyondViewport=True
        )
        pipe.call("Browser.close")
    finally:
        os.close(command_write)
        os.close(reply_read)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    found = Visit(result.get("value"), screenshot=base64.b64decode(shot["data"]))
    for event in pipe.events:
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.consoleAPICalled":
            text = " ".join(str(a.get("value", a.get("description", ""))) for a in params["args"])
            found.console.append(f"{params['type']}: {text}")
            if params["type"] in ("error", "assert"):
                found.errors.append(text)
        elif method == "Runtime.exceptionThrown":
            found.errors.append(str(params["exceptionDetails"].get("text")))
        elif method == "Log.entryAdded":
            entry = params["entry"]
            found.console.append(f"{entry['level']}: {entry['text']}")
            if entry["level"] == "error":
                found.errors.append(entry["text"])
        elif method == "Network.requestWillBeSent":
            found.requests.append(params["request"]["url"])
    return found
