"""`pipeline serve`: the same terminal UI in a web browser, through the `textual-serve` package.

This module owns serving: checking `--host` and `--port` (one line and exit 2 for a bad or busy port,
before anything is opened), the warning for an address other people can reach, the command each browser
tab runs, and the web server. For every browser tab textual-serve starts that command with Textual's web
driver (`TEXTUAL_DRIVER`), which draws to the browser instead of a terminal; `cli._run_tui` accepts that
in place of a terminal. The command is this very interpreter, `python -m pipeline_tui -C <folder>`, with
the folder resolved once here as every other command resolves it, so the browser shows that pipeline.

On a loopback address the server answers only requests addressed to localhost or a loopback address (a
web site whose name was made to point at 127.0.0.1 gets 403), and on any address its websocket accepts
only pages it served: a page from another site open in the same browser cannot drive the UI.
It lives outside `core`, which never imports textual or click; textual-serve is imported only here.
"""

from __future__ import annotations

import errno
import ipaddress
import shlex
import socket
import sys
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from pipeline_tui.core.errors import BadInput, PipelineError
from pipeline_tui.core.safetext import show as txt

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


def is_loopback(host: str, resolve: bool = True) -> bool:
    """True when only this machine can reach `host`: `localhost`, 127.x.x.x, ::1, or (with `resolve`) a
    name whose every address is one of those."""
    name = host.strip("[]").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        if not resolve:
            return False
    try:
        infos = socket.getaddrinfo(name, None, type=socket.SOCK_STREAM)
    except OSError:
        return False
    return bool(infos) and all(ipaddress.ip_address(info[4][0].split("%")[0]).is_loopback for info in infos)


def exposure_warning(host: str) -> str | None:
    """The one-line warning for a host other machines can reach, or None for a loopback host."""
    if is_loopback(host):
        return None
    return (f"pipeline: warning: serving on {txt(host)}: anyone who can reach this address gets full write "
            f"access to the pipeline (no password); use --host {DEFAULT_HOST} to keep it to this machine")


def url_of(host: str, port: int) -> str:
    name = host.strip("[]")
    return f"http://[{name}]:{port}" if ":" in name else f"http://{name}:{port}"


def listen(host: str, port: int) -> list[socket.socket]:
    """Listening sockets on every address of `host` (as asyncio's create_server would make them), or BadInput."""
    if not 1 <= port <= 65535:
        raise BadInput(f"--port {port}: give a port from 1 to 65535")
    try:
        infos = socket.getaddrinfo(host.strip("[]") or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except OSError as exc:
        raise BadInput(f"--host {txt(host)}: cannot listen there ({exc.strerror or exc})") from None
    sockets: list[socket.socket] = []
    try:
        for family, kind, proto, _name, address in dict.fromkeys(infos):
            sock = socket.socket(family, kind, proto)
            sockets.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # a port in TIME_WAIT is free
            if family == socket.AF_INET6:
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            sock.bind(address)
            sock.listen(128)
            sock.setblocking(False)
    except OSError as exc:
        for sock in sockets:
            sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise BadInput(f"port {port} on {txt(host)} is already in use; choose another with --port") from None
        raise BadInput(f"cannot listen on {txt(host)} port {port}: {exc.strerror or exc}") from None
    return sockets


def served_command(root: Path) -> str:
    """The shell command textual-serve runs for each browser tab: this interpreter, this pipeline."""
    return shlex.join([sys.executable, "-m", "pipeline_tui", "-C", str(root)])


def _host_name(netloc: str) -> str:
    """`127.0.0.1:8000` -> `127.0.0.1`, `[::1]:8000` -> `::1`."""
    return urlsplit(f"//{netloc}").hostname or ""


def serve_pipeline(resolve_root: Callable[[], Path], host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> None:
    """Check the address, resolve the pipeline, print the URL and serve until Ctrl+C (or SIGTERM)."""
    sockets = listen(host, port)
    try:
        root = resolve_root()
        try:
            server_class = _server_class()
        except ImportError:
            raise PipelineError("`pipeline serve` needs the textual-serve package: pip install textual-serve "
                                "(or reinstall pipeline-tui)") from None
        if warning := exposure_warning(host):
            print(warning, file=sys.stderr, flush=True)
        server = server_class(served_command(root), host=host, port=port, title=f"pipeline: {root.name}",
                              loopback_only=is_loopback(host))
        print(f"pipeline: serving {txt(root)} on {url_of(host, port)} (Ctrl+C to stop)", flush=True)
        server.serve_on(sockets)
    finally:
        for sock in sockets:
            sock.close()


def _server_class():  # noqa: ANN202
    import asyncio
    import signal

    from aiohttp import web
    from textual_serve.server import Server

    class PipelineServer(Server):
        """textual-serve's server on sockets already bound, quiet at start, checking who asks."""

        def __init__(self, command: str, *, loopback_only: bool, **kwargs) -> None:  # noqa: ANN003
            super().__init__(command, **kwargs)
            self.loopback_only = loopback_only

        async def on_startup(self, app: web.Application) -> None:
            """No banner: `serve_pipeline` printed the URL."""

        def _check(self, request: web.Request, websocket: bool) -> None:
            if self.loopback_only and not is_loopback(_host_name(request.host), resolve=False):
                # a name other than localhost that points here: a web site rebinding its DNS name
                raise web.HTTPForbidden(text="pipeline serve answers only to localhost\n")
            origin = request.headers.get("Origin")
            if websocket and origin is not None and urlsplit(origin).netloc != request.host:
                # a page from another site in the same browser trying to drive the UI
                raise web.HTTPForbidden(text="pipeline serve: the page is not one it served\n")

        async def handle_index(self, request: web.Request):  # noqa: ANN201
            self._check(request, websocket=False)
            # the address the browser used, so the page's websocket works when listening on 0.0.0.0 too
            self.public_url = f"http://{request.host}"
            return await super().handle_index(request)

        async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
            self._check(request, websocket=True)
            return await super().handle_websocket(request)

        def serve_on(self, sockets: list[socket.socket]) -> None:
            """Server.serve, on the sockets `listen` bound (so a busy port was reported before anything ran)."""
            self.initialize_logging()
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, self.request_exit)
            web.run_app(self._make_app(), sock=sockets, handle_signals=False, loop=loop, print=None)

    return PipelineServer
