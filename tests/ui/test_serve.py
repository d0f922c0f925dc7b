"""`pipeline serve` for real: the server started as the CLI starts it, the page loaded in headless Chromium,
the lead table read back from the browser's terminal; the loopback warning, and bad ports refused in one line.

The browser is driven over the Chrome DevTools Protocol with aiohttp's websocket client (aiohttp comes with
textual-serve). The served page draws xterm.js on a canvas, so its text is not in the DOM: a script added
before the page's own catches the page's terminal object when it is built (the first `this.fitAddon = ...`)
and the test reads the terminal's buffer, the characters the browser shows.
Set PIPELINE_SERVE_SCREENSHOT=/some/file.png to keep a screenshot of the page.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipeline_tui.core.changes.leads import add_lead
from pipeline_tui.ui.serve import exposure_warning, is_loopback, served_command
from tests.conftest import TODAY

CHROMIUM = shutil.which("chromium")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]

# Runs before the page's scripts: the first object that sets `fitAddon` is textual-serve's terminal wrapper.
CATCH_TERMINAL = """
Object.defineProperty(Object.prototype, "fitAddon", {
  configurable: true,
  set(value) {
    window.__pipelineTerminal = this;
    Object.defineProperty(this, "fitAddon", {value, writable: true, configurable: true, enumerable: true});
  },
});
"""
TERMINAL_TEXT = """
(() => {
  const wrapper = window.__pipelineTerminal;
  if (!wrapper || !wrapper.terminal) return "";
  const buffer = wrapper.terminal.buffer.active, lines = [];
  for (let y = 0; y < buffer.length; y++) {
    const line = buffer.getLine(y);
    if (line) lines.push(line.translateToString(true));
  }
  return lines.join("\\n");
})()
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, proc: subprocess.Popen, log: Path, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"pipeline serve exited with {proc.returncode}: {log.read_text(errors='replace')}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return
        time.sleep(0.05)
    pytest.fail(f"pipeline serve did not listen on {port} within {timeout}s: {log.read_text(errors='replace')}")


def stop(proc: subprocess.Popen) -> None:
    """End a process started in its own session, and everything it started (the served apps)."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)  # the group may outlive its leader
    proc.wait(timeout=5)


def start_serve(args: list[str], cwd: Path, log: Path) -> subprocess.Popen:
    env = {**os.environ, "PIPELINE_TODAY": TODAY.isoformat()}
    with open(log, "wb") as out:
        return subprocess.Popen([sys.executable, "-m", "pipeline_tui", "serve", *args], cwd=cwd, env=env,
                                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)


@pytest.fixture
def served(pipe, tmp_path):
    """`pipeline serve --port P` run from inside a pipeline with two leads (found as every command finds
    it: the nearest folder upward); yields the URL and the lead names."""
    add_lead(pipe, "Zelda Quartz", "referral", company="Acme Corp", owner="alice", next_action="Call",
             due="2026-11-25", today=TODAY)
    add_lead(pipe, "Ygritte Vance", "event", company="Initech", today=TODAY)
    port = free_port()
    log = tmp_path / "serve.log"
    proc = start_serve(["--port", str(port)], cwd=pipe.root / "leads", log=log)
    try:
        wait_for_port(port, proc, log)
        yield f"http://127.0.0.1:{port}/", ["Zelda Quartz", "Ygritte Vance"], log, pipe.root
    finally:
        stop(proc)


class Cdp:
    """The few Chrome DevTools Protocol calls the test needs, over one page's websocket."""

    def __init__(self, ws) -> None:  # noqa: ANN001
        self.ws = ws
        self.last_id = 0

    async def call(self, method: str, **params) -> dict:  # noqa: ANN003
        self.last_id += 1
        await self.ws.send_json({"id": self.last_id, "method": method, "params": params})
        while True:  # events arrive in between; only the answer matters
            message = await self.ws.receive_json()
            if message.get("id") == self.last_id:
                if "error" in message:
                    raise AssertionError(f"{method}: {message['error']}")
                return message["result"]


async def page_text_and_screenshot(url: str, names: list[str], profile: Path, timeout: float = 12) -> tuple[str, bytes]:
    import base64

    import aiohttp

    browser = subprocess.Popen([CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--remote-debugging-port=0",
                                "--window-size=1280,800", "about:blank"],
                               stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    try:
        active = profile / "DevToolsActivePort"  # Chromium writes its port here once it listens
        deadline = time.monotonic() + timeout
        while not (active.is_file() and active.read_text().strip()):
            assert browser.poll() is None, f"chromium exited with {browser.returncode}"
            assert time.monotonic() < deadline, "chromium did not open its debugging port"
            await asyncio.sleep(0.05)
        debug_port = active.read_text().split()[0]
        async with aiohttp.ClientSession() as session:
            async with session.get(f"http://127.0.0.1:{debug_port}/json/list") as response:
                targets = await response.json()
            page = next(t for t in targets if t["type"] == "page")
            async with session.ws_connect(page["webSocketDebuggerUrl"], max_msg_size=0) as ws:
                cdp = Cdp(ws)
                await cdp.call("Page.enable")
                await cdp.call("Page.addScriptToEvaluateOnNewDocument", source=CATCH_TERMINAL)
                await cdp.call("Page.navigate", url=url)
                text = ""
                while not all(name in text for name in names):
                    assert time.monotonic() < deadline, f"the lead table never showed {names}; the page had:\n{text}"
                    await asyncio.sleep(0.2)
                    result = await cdp.call("Runtime.evaluate", expression=TERMINAL_TEXT, returnByValue=True)
                    text = result["result"].get("value") or ""
                # let the renderer draw what the terminal holds before the picture is taken
                await asyncio.sleep(0.5)
                await cdp.call("Runtime.evaluate", awaitPromise=True, expression=(
                    "new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"))
                shot = await cdp.call("Page.captureScreenshot", format="png")
                return text, base64.b64decode(shot["data"])
    finally:
        stop(browser)


@pytest.mark.skipif(CHROMIUM is None, reason="needs Chromium (`chromium` on PATH) to load the served page")
async def test_served_page_shows_the_lead_table(served, tmp_path):
    url, names, log, root = served
    text, png = await page_text_and_screenshot(url, names, tmp_path / "chromium-profile")
    assert all(name in text for name in names)
    assert "Acme Corp" in text  # a column of the table, not only the names
    assert "needs a terminal" not in text and "Traceback" not in log.read_text(errors="replace")
    assert png.startswith(b"\x89PNG")
    if target := os.environ.get("PIPELINE_SERVE_SCREENSHOT"):
        Path(target).write_bytes(png)
    assert log.read_text().splitlines()[0] == f"pipeline: serving {root} on {url.rstrip('/')} (Ctrl+C to stop)"


async def test_other_sites_cannot_drive_the_served_ui(served):
    import aiohttp

    url, _names, _log, _root = served
    async with aiohttp.ClientSession() as session:
        async with session.get(url) as response:
            assert response.status == 200
        async with session.get(url, headers={"Host": "attacker.example"}) as response:
            assert response.status == 403  # a DNS name rebound to 127.0.0.1
        ws_url = url.replace("http:", "ws:") + "ws"
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await session.ws_connect(ws_url, origin="http://attacker.example")
        assert refused.value.status == 403


def test_the_served_command_is_this_python_on_the_resolved_pipeline(pipe):
    import shlex

    assert shlex.split(served_command(pipe.root)) == [sys.executable, "-m", "pipeline_tui", "-C", str(pipe.root)]


def test_a_non_loopback_host_warns_of_full_write_access(pipe, tmp_path):
    for host in ("127.0.0.1", "localhost", "::1", "127.0.0.2"):
        assert is_loopback(host) and exposure_warning(host) is None
    for host in ("0.0.0.0", "::", "192.168.1.10"):
        assert not is_loopback(host)
        assert "full write access" in exposure_warning(host)

    port = free_port()
    log = tmp_path / "serve.log"
    proc = start_serve(["--host", "0.0.0.0", "--port", str(port)], cwd=pipe.root, log=log)
    try:
        wait_for_port(port, proc, log)
        deadline = time.monotonic() + 10
        while "pipeline: serving" not in log.read_text():  # printed once the pipeline is resolved
            assert time.monotonic() < deadline and proc.poll() is None, log.read_text()
            time.sleep(0.05)
    finally:
        stop(proc)
    lines = log.read_text().splitlines()
    warning = [line for line in lines if "warning" in line]
    assert len(warning) == 1
    assert warning[0].startswith("pipeline: warning: serving on 0.0.0.0: anyone who can reach this address gets "
                                 "full write access to the pipeline")


@pytest.mark.parametrize("port", ["0", "65536", "-1", "http"])
def test_a_bad_port_is_one_line_and_exit_2(run, tmp_path, port):
    empty = tmp_path / "nowhere"
    empty.mkdir()
    r = run("serve", "--port", port, cwd=empty)
    assert r.code == 2, r
    assert r.out == "" and len(r.err.splitlines()) == 1 and "Traceback" not in r.err, r
    assert "port" in r.err
    data = Path(os.environ["XDG_DATA_HOME"])
    assert not (data / "pipeline-tui").exists()  # no default pipeline made for a command that did not run


def test_a_port_in_use_is_one_line_and_exit_2(run, pipe):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        r = run("-C", str(pipe.root), "serve", "--port", str(port))
    assert r.code == 2, r
    assert r.err == f"pipeline: port {port} on 127.0.0.1 is already in use; choose another with --port\n", r
    assert r.out == "" and "Traceback" not in r.err
