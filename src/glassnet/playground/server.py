"""The playground's web server: the page, and one training Session per WebSocket.

Every message from the page is checked here (JSON, size, type, field types) and by the config
module (names, ranges); a bad one gets an `error` frame and the connection keeps working.
Training runs in short chunks in a worker thread, so other tabs and messages are still served.
See docs/playground.md for the wire protocol.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import errno
import json
import logging
import math
import secrets
import socket
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio.to_thread
from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from .config import LIVE_FIELDS, ConfigError, PlaygroundConfig, limits
from .session import MAX_WEIGHTS_BYTES, ONNX_FILENAME, SCRIPT_FILENAME, WEIGHTS_FILENAME, Session

STATIC = Path(__file__).with_name("static")
MAX_MESSAGE = 2 * 1024 * 1024  # bytes of one page → server frame
MAX_CSV = 1024 * 1024
# The largest weights file whose base64 fits in one message (and that the session accepts).
MAX_WEIGHTS_FILE = min(MAX_WEIGHTS_BYTES, (MAX_MESSAGE - 1024) // 4 * 3)
FRAME_INTERVAL = 1 / 30  # at most ~30 frames per second while playing
STOP_TIMEOUT = 10.0  # seconds a pause waits for the running chunk and frame
CHUNK_SECONDS = 0.03  # target time of one training chunk (about one frame interval)
MAX_CHUNK = 1000  # epochs in one chunk, whatever the timing says
SEND_TIMEOUT = 5.0  # seconds a tab has to take one frame; one that does not is dropped
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")
LOG = logging.getLogger("glassnet.playground")
# The page's files may only load from this server (no external network resources).
CSP = (
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; "
    "connect-src 'self' ws: wss:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)


class MessageError(ValueError):
    """A page message that cannot be used; `field` names the offending field (or None)."""

    def __init__(self, field: str | None, message: str) -> None:
        super().__init__(message)
        self.field = field


# ----- message checking -----------------------------------------------------------------------
def _int(name: str, v: Any) -> int:
    if isinstance(v, bool) or not isinstance(v, int) or not -1_000_000 <= v <= 1_000_000:
        raise MessageError(name, f"{name} must be an integer, got {_short(v)}")
    return v


def _finite(name: str, v: Any) -> float:
    if (
        isinstance(v, bool)
        or not isinstance(v, int | float)
        or not math.isfinite(v)
        or abs(v) > 1e6
    ):
        raise MessageError(name, f"{name} must be a finite number within ±1e6, got {_short(v)}")
    return float(v)


def _text(limit: int) -> Callable[[str, Any], str]:
    def check(name: str, v: Any) -> str:
        if not isinstance(v, str):
            raise MessageError(name, f"{name} must be a string, got {type(v).__name__}")
        if len(v.encode("utf-8", "surrogatepass")) > limit:
            raise MessageError(name, f"{name} is larger than {limit} bytes")
        return v

    return check


def _base64(limit: int) -> Callable[[str, Any], bytes]:
    """A check for base64 text of at most `limit` decoded bytes (refused before decoding)."""

    def check(name: str, v: Any) -> bytes:
        if isinstance(v, str) and len(v) > -(-limit // 3) * 4:
            raise MessageError(name, f"{name} is over {limit} bytes (the largest file allowed)")
        text = _text(MAX_MESSAGE)(name, v)
        try:
            return base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            raise MessageError(name, f"{name} must be base64 text") from None

    return check


def _object(name: str, v: Any) -> dict:
    if not isinstance(v, dict):
        raise MessageError(name, f"{name} must be an object, got {type(v).__name__}")
    return v


# Each message type and its fields (all required; no others allowed).
MESSAGES: dict[str, dict[str, Callable[[str, Any], Any]]] = {
    "config": {"config": _object},
    "hash": {"text": _text(MAX_MESSAGE)},  # a URL hash; config.parse_hash checks its length
    "play": {},
    "pause": {},
    "step": {},
    "reset": {},
    "regenerate": {},
    "ping": {},
    "set_weight": {"layer": _int, "from": _int, "to": _int, "value": _finite},
    "upload_csv": {"text": _text(MAX_CSV)},
    "inspect": {"index": _int},
    "export_script": {},
    "export_weights": {},
    "export_onnx": {},
    "import_weights": {"data": _base64(MAX_WEIGHTS_FILE)},
}
# Messages that change the session, then get a frame: type -> (Session method, the message's
# fields passed to it in order, whether the config may change so the page gets it too).
COMMANDS: dict[str, tuple[str, tuple[str, ...], bool]] = {
    "reset": ("reset", (), False),
    "regenerate": ("regenerate", (), True),  # a new seed
    "config": ("configure", ("config",), True),
    "hash": ("apply_hash", ("text",), True),  # returns the values it left out
    "set_weight": ("set_weight", ("layer", "from", "to", "value"), False),
    "upload_csv": ("load_csv", ("text",), True),
    "import_weights": ("import_weights", ("data",), False),
}


def _short(v: Any) -> str:
    s = repr(v)
    return s if len(s) <= 60 else s[:57] + "..."


def parse_message(raw: str | bytes | None) -> dict[str, Any]:
    """A page message as a dict with checked fields, or MessageError saying what is wrong."""
    if raw is None:
        raise MessageError(None, "empty message")
    if isinstance(raw, bytes):
        raise MessageError(None, "binary frames are not accepted; send JSON text")
    if len(raw) > MAX_MESSAGE or len(raw.encode("utf-8", "surrogatepass")) > MAX_MESSAGE:
        raise MessageError(None, f"message larger than {MAX_MESSAGE} bytes")
    try:
        msg = json.loads(raw, parse_constant=_no_constant)
    except (ValueError, RecursionError) as e:
        raise MessageError(None, f"not valid JSON: {_short(str(e))}") from None
    if not isinstance(msg, dict):
        raise MessageError(None, f"a message must be a JSON object, got {type(msg).__name__}")
    kind = msg.get("type")
    if not isinstance(kind, str) or kind not in MESSAGES:
        raise MessageError(
            "type", f"unknown message type {_short(kind)}; known: {', '.join(MESSAGES)}"
        )
    spec = MESSAGES[kind]
    extra = sorted(set(msg) - set(spec) - {"type"})
    if extra:
        raise MessageError(extra[0], f"{kind}: unexpected field(s) {extra}")
    out: dict[str, Any] = {"type": kind}
    for name, check in spec.items():
        if name not in msg:
            raise MessageError(name, f"{kind}: missing field {name!r}")
        out[name] = check(name, msg[name])
    return out


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not allowed")


# ----- one tab --------------------------------------------------------------------------------
class ClientGone(WebSocketDisconnect):
    """The tab was dropped: it did not take a message within the send timeout."""


class Client:
    """One WebSocket's session, its play state and the lock that keeps its CPU work in order."""

    def __init__(
        self, ws: WebSocket, sid: str, work: asyncio.Lock, send_timeout: float = SEND_TIMEOUT
    ) -> None:
        self.ws, self.id = ws, sid
        self.session: Session | None = None
        self.running = False
        self.task: asyncio.Task | None = None
        self.lock = work
        self.send_lock = asyncio.Lock()
        self.send_timeout = send_timeout
        self.gone = asyncio.Event()  # set when dropped: ends the message loop at once
        self.chunk = 1  # epochs per training chunk, adapted to CHUNK_SECONDS

    async def send(self, obj: dict[str, Any]) -> None:
        """Send one JSON message (one sender at a time) if the socket is open; a tab that does
        not take it within `send_timeout` s is dropped (ClientGone), freeing its slot."""
        text = json.dumps(obj, allow_nan=False, default=_json_default)
        if self.gone.is_set():
            raise ClientGone(1008, "dropped")
        try:
            await asyncio.wait_for(self._send_text(text), self.send_timeout)
        except TimeoutError:
            self.drop(f"it did not take a message within {self.send_timeout:g} s")
            raise ClientGone(1008, "send timeout") from None

    async def _send_text(self, text: str) -> None:
        async with self.send_lock:
            if self.ws.application_state == WebSocketState.CONNECTED:
                await self.ws.send_text(text)

    def drop(self, why: str) -> None:
        """Give up on this tab: training stops and its message loop ends (see `receive`)."""
        if not self.gone.is_set():
            LOG.warning("playground: session %s dropped: %s", self.id, why)
        self.running = False
        self.gone.set()

    async def receive(self, timeout: float) -> dict[str, Any] | None:
        """The tab's next ASGI event, or None after `timeout` s without one; ClientGone as
        soon as the tab is dropped (a stuck send must not wait for the idle timeout)."""
        if self.gone.is_set():
            raise ClientGone(1008, "dropped")
        recv = asyncio.ensure_future(self.ws.receive())
        gone = asyncio.ensure_future(self.gone.wait())
        try:
            done, _ = await asyncio.wait(
                (recv, gone), timeout=timeout, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            recv.cancel()  # no-op when done
            gone.cancel()
        if recv in done:
            return recv.result()
        if gone in done:
            raise ClientGone(1008, "dropped")
        return None

    async def close(self, code: int) -> None:
        """Close the socket, waiting at most `send_timeout` s (a stuck tab is only dropped)."""
        if self.gone.is_set() or self.ws.application_state != WebSocketState.CONNECTED:
            return
        try:
            await asyncio.wait_for(self.ws.close(code=code), self.send_timeout)
        except TimeoutError:
            self.drop("it did not take the close frame")
        except (RuntimeError, OSError, WebSocketDisconnect):  # already closed by the peer
            pass

    async def run(self, fn: Callable[..., Any], *args: Any) -> Any:
        """fn(*args) in a worker thread; one at a time in the whole server (fair, FIFO), so
        sessions take turns chunk by chunk and never run glassnet/BLAS code side by side."""
        async with self.lock:
            return await anyio.to_thread.run_sync(fn, *args)

    async def send_frame(self) -> None:
        """Render the session's current frame (worker thread) and send it."""
        frame = await self.run(self.session.frame)
        await self.send(_finite_json({**frame, "type": "frame", "running": self.running}))

    async def send_config(self) -> None:
        """Send the session's whole configuration (after a change the page must mirror)."""
        await self.send({"type": "config", "config": self.session.config.to_dict()})

    def train_chunk(self, epochs: int) -> tuple[float, list[dict[str, Any]]]:
        """Train up to `epochs` epochs (worker thread): the seconds it took, and the session's
        warnings (NaN, stop condition), after which training pauses."""
        t = time.perf_counter()
        events = self.session.step(epochs)
        return time.perf_counter() - t, events

    async def train(self, epochs: int) -> float:
        """Train a chunk in the worker thread, report its warnings; returns its seconds."""
        took, events = await self.run(self.train_chunk, epochs)
        if events:
            self.running = False
            for event in events:
                await self.send(_finite_json({**event, "type": "warning"}))
        return took

    async def play_loop(self) -> None:
        """Train in chunks while playing; one frame per chunk, at most ~30 per second."""
        last = 0.0
        try:
            while self.running:
                n = self.chunk
                took = await self.train(n)
                per_epoch = max(took / n, 1e-6)
                self.chunk = int(min(MAX_CHUNK, max(1, CHUNK_SECONDS / per_epoch)))
                wait = FRAME_INTERVAL - (time.perf_counter() - last)
                if wait > 0:
                    await asyncio.sleep(wait)
                last = time.perf_counter()
                await self.send_frame()
                await asyncio.sleep(0)  # let this tab's messages in between chunks
        except (WebSocketDisconnect, RuntimeError, OSError):  # the tab went away
            self.running = False
        except Exception as e:  # noqa: BLE001 - a failed chunk pauses, the session lives on
            self.running = False
            LOG.exception("playground: training failed")
            with contextlib.suppress(WebSocketDisconnect):  # dropped meanwhile: nothing to say
                await self.send(
                    {
                        "type": "error",
                        "field": None,
                        "message": f"training stopped: {type(e).__name__}: {e}",
                    }
                )

    async def stop(self) -> None:
        """Pause and wait for the training loop to finish its chunk (never cut a chunk short:
        the worker thread would go on with the session while the next message uses it)."""
        self.running = False
        task, self.task = self.task, None
        if task is not None and task is not asyncio.current_task():
            try:
                await asyncio.wait_for(asyncio.shield(task), timeout=STOP_TIMEOUT)
            except TimeoutError:  # stuck sending to a tab that does not read: give up on it
                task.cancel()

    # ----- message handlers -------------------------------------------------------------
    async def handle(self, msg: dict[str, Any]) -> None:
        """Carry out one validated client message (see docs/playground.md, the protocol)."""
        kind = msg["type"]
        s = self.session
        if kind == "ping":
            return
        if kind == "play":
            if not self.running:
                self.running = True
                self.task = asyncio.create_task(self.play_loop())
            return
        if kind != "config" or set(msg["config"]) - set(LIVE_FIELDS):
            await self.stop()  # anything that changes the model pauses (as TF's reset does)
        if kind in COMMANDS:
            method, fields, new_config = COMMANDS[kind]
            left_out = await self.run(getattr(s, method), *(msg[f] for f in fields))
            if new_config:
                await self.send_config()
            await self.send_frame()
            if kind == "hash" and left_out:
                await self.send(_hash_error(left_out))
        elif kind == "pause":
            await self.send_frame()
        elif kind == "step":
            await self.train(1)
            await self.send_frame()
        elif kind == "inspect":
            await self.send(await self.run(s.inspect, msg["index"]))
        elif kind == "export_script":
            text = await self.run(s.export_script)
            await self.send({"type": "script", "filename": SCRIPT_FILENAME, "text": text})
        elif kind in ("export_weights", "export_onnx"):
            onnx = kind == "export_onnx"
            data = await self.run(s.export_onnx if onnx else s.export_weights)
            await self.send(
                {
                    "type": "weights",
                    "filename": ONNX_FILENAME if onnx else WEIGHTS_FILENAME,
                    "data": base64.b64encode(data).decode("ascii"),
                }
            )


def _hash_error(errors: list[ConfigError]) -> dict[str, Any]:
    """One `error` frame for the values a URL hash had wrong (each named once); the hash's
    other settings were applied."""
    return {
        "type": "error",
        "field": errors[0].field,
        "message": f"URL hash: {'; '.join(map(str, errors))} (left out; the link's other "
        "settings are applied)",
    }


def _json_default(o: Any) -> Any:
    if hasattr(o, "tolist"):  # NumPy scalars and arrays
        return o.tolist()
    raise TypeError(f"cannot send {type(o).__name__}")


def _finite_json(o: Any) -> Any:
    """NaN/inf become null, so a diverged model still gives valid JSON."""
    if isinstance(o, float):
        return o if math.isfinite(o) else None
    if isinstance(o, dict):
        return {k: _finite_json(v) for k, v in o.items()}
    if isinstance(o, list | tuple):
        return [_finite_json(v) for v in o]
    if hasattr(o, "tolist") and not isinstance(o, str | bytes):
        return _finite_json(o.tolist())
    return o


# ----- who may talk to the server ---------------------------------------------------------------
def allowed_hosts(host: str = "127.0.0.1", port: int = 8765) -> frozenset[str]:
    """The Host header values the server answers: 127.0.0.1, localhost, [::1] and `host`
    (the address it was started on), each with `port` (and also without it on port 80)."""
    names = {*LOOPBACK_NAMES, f"[{host}]" if ":" in host and not host.startswith("[") else host}
    out = {f"{n}:{port}" for n in names} | (names if port == 80 else set())
    return frozenset(n.lower() for n in out)


class HostGuard:
    """ASGI middleware against DNS rebinding and other sites' pages: a request whose Host is
    not one of `hosts` gets 400, and a WebSocket whose Origin (when sent) is not
    http://<one of `hosts`> is refused (HTTP 403), before the app sees either."""

    def __init__(self, app: ASGIApp, hosts: frozenset[str]) -> None:
        self.app, self.hosts = app, hosts
        self.origins = frozenset(f"http://{h}" for h in hosts)

    def refusal(self, scope: Scope) -> str | None:
        """Why this request is refused, or None when it may go on."""
        headers = Headers(scope=scope)
        hosts = headers.getlist("host")
        if len(hosts) != 1 or hosts[0].lower() not in self.hosts:
            return (
                f"Host {_short(', '.join(hosts))} is not this server's; it answers only "
                f"{', '.join(sorted(self.hosts))}"
            )
        origins = headers.getlist("origin")
        if (
            scope["type"] == "websocket"
            and origins
            and (len(origins) != 1 or origins[0].lower() not in self.origins)
        ):
            return f"WebSocket from Origin {_short(', '.join(origins))} refused"
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass a request on to the app, or refuse it (see the class)."""
        why = self.refusal(scope) if scope["type"] in ("http", "websocket") else None
        if why is None:
            await self.app(scope, receive, send)
            return
        LOG.info("playground: %s", why)
        if scope["type"] == "http":
            await PlainTextResponse(why, status_code=400)(scope, receive, send)
        else:  # closing before the handshake: the server answers HTTP 403
            await send({"type": "websocket.close", "code": 1008})


# ----- the app --------------------------------------------------------------------------------
async def _serve(client: Client, idle_timeout: float) -> None:
    """One tab's message loop until it disconnects or stays silent for `idle_timeout` s."""
    while True:
        event = await client.receive(idle_timeout)  # ClientGone once the tab is dropped
        if event is None:
            await client.send(
                {
                    "type": "error",
                    "field": None,
                    "code": "idle",
                    "message": f"no message for {idle_timeout:g} s: session "
                    "closed; reload the page",
                }
            )
            await client.close(1001)
            return
        if event["type"] == "websocket.disconnect":
            return
        try:
            await client.handle(parse_message(event.get("text", event.get("bytes"))))
        except WebSocketDisconnect:
            return
        except Exception as e:  # noqa: BLE001 - one bad request must not end the session
            await client.send(_error_frame(e))


def _error_frame(e: Exception) -> dict[str, Any]:
    """The `error` frame for a message that failed (a bad one, or an internal error)."""
    if isinstance(e, MessageError | ConfigError):
        return {"type": "error", "field": e.field, "message": str(e)}
    if isinstance(e, ValueError | TypeError | KeyError | IndexError):
        return {"type": "error", "field": None, "message": str(e)}
    LOG.error("playground: message failed", exc_info=e)
    return {"type": "error", "field": None, "message": f"internal error: {type(e).__name__}: {e}"}


def create_app(
    max_sessions: int = 8,
    idle_timeout: float = 600.0,
    *,
    host: str = "127.0.0.1",
    port: int = 8765,
    send_timeout: float = SEND_TIMEOUT,
) -> Starlette:
    """The playground's Starlette app: page, static files and the /ws WebSocket, answering only
    requests to `host`:`port` or a loopback name with that port (see HostGuard); a tab that
    does not take a message within `send_timeout` s is dropped."""
    if max_sessions < 1:
        raise ValueError(f"max_sessions must be >= 1, got {max_sessions}")
    if not idle_timeout > 0:
        raise ValueError(f"idle_timeout must be > 0 seconds, got {idle_timeout}")
    if not send_timeout > 0:
        raise ValueError(f"send_timeout must be > 0 seconds, got {send_timeout}")
    clients: dict[str, Client] = {}
    work = asyncio.Lock()  # one worker thread at a time for all sessions (see Client.run)

    async def index(request: Request) -> Response:
        return FileResponse(
            STATIC / "index.html",
            headers={"Content-Security-Policy": CSP, "Cache-Control": "no-cache"},
        )

    async def websocket(ws: WebSocket) -> None:
        await ws.accept()  # HostGuard has checked Host and Origin
        client = Client(ws, secrets.token_hex(8), work, send_timeout)
        if len(clients) >= max_sessions:
            with contextlib.suppress(WebSocketDisconnect):
                await client.send(
                    {
                        "type": "error",
                        "field": None,
                        "code": "full",
                        "message": f"the server already has {max_sessions} sessions; close a tab "
                        "or try again later",
                    }
                )
                await client.close(1013)
            return
        clients[client.id] = client
        try:
            client.session = await client.run(Session, PlaygroundConfig())
            await client.send(
                {
                    "type": "hello",
                    "session": client.id,
                    "config": client.session.config.to_dict(),
                    "limits": {
                        **limits(),
                        "maxMessage": MAX_MESSAGE,
                        "maxCsvBytes": MAX_CSV,
                        "maxWeightsBytes": MAX_WEIGHTS_FILE,
                        "idleTimeout": idle_timeout,
                    },
                }
            )
            await client.send_frame()
            await _serve(client, idle_timeout)
        except WebSocketDisconnect:
            pass
        finally:
            await client.stop()
            clients.pop(client.id, None)

    app = Starlette(
        middleware=[Middleware(HostGuard, hosts=allowed_hosts(host, port))],
        routes=[
            Route("/", index),
            Route("/index.html", index),
            WebSocketRoute("/ws", websocket),
            Mount("/static", StaticFiles(directory=STATIC), name="static"),
        ],
    )
    app.state.clients = clients
    return app


class PortInUseError(OSError):
    """Another program already listens on the port (its server, not ours, would answer)."""

    def __init__(self, host: str, port: int) -> None:
        super().__init__(f"port {port} on {host} is taken (another server is listening there)")
        self.host, self.port = host, port


def bind_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to host:port as uvicorn binds it (SO_REUSEADDR), for it to serve on;
    PortInUseError when the port is taken, OSError naming host and port for other failures."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror as e:
        raise OSError(
            f"cannot serve on {host!r}: not an address of this machine ({e.strerror})"
        ) from None
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError as e:
        sock.close()
        if e.errno == errno.EADDRINUSE:
            raise PortInUseError(host, port) from None
        raise OSError(e.errno, f"cannot serve on {host}:{port}: {e.strerror}") from None
    return sock


def main(
    host: str = "127.0.0.1",
    port: int = 8765,
    max_sessions: int = 8,
    idle_timeout: float = 600.0,
    open_browser: bool = False,
) -> None:
    """Serve the playground with uvicorn and print its URL; the port is bound first, so a
    taken one raises PortInUseError before any URL is printed."""
    import uvicorn

    sock = bind_socket(host, port)
    port = sock.getsockname()[1]  # the one bound (port 0 picks a free one)
    try:
        app = create_app(max_sessions=max_sessions, idle_timeout=idle_timeout, host=host, port=port)
    except ValueError:
        sock.close()
        raise
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{port}/"
    print(f"glassnet playground: open {url} (Ctrl+C stops)", flush=True)
    if open_browser:
        import threading
        import webbrowser

        threading.Timer(1.0, webbrowser.open, args=(url,)).start()
    # Frames over MAX_MESSAGE get an error frame from the app; far larger ones are cut by uvicorn.
    config = uvicorn.Config(
        app, host=host, port=port, log_level="warning", ws_max_size=4 * MAX_MESSAGE
    )
    uvicorn.Server(config).run(sockets=[sock])
