"""The playground against hostile clients: DNS rebinding (Host and Origin checks), tabs that
stop reading, and weight files larger than the playground's own networks.

Besides Starlette's TestClient, these tests drive a real uvicorn server on a loopback port with
hand-made HTTP requests and WebSocket handshakes over plain sockets, as an attacker's page or
a stuck tab would; every wait is bounded.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import socket
import struct
import threading
import time
from collections.abc import Iterator

import pytest

try:  # a missing server stack fails these tests (never a skip)
    import uvicorn
    from starlette.testclient import TestClient
    from starlette.websockets import WebSocketDisconnect
except ImportError as e:
    raise ImportError(
        f"the playground server tests need starlette, httpx and uvicorn "
        f"(pip install -e '.[dev,playground]'): {e}"
    ) from e

from glassnet.playground.server import allowed_hosts, bind_socket, create_app

pytestmark = pytest.mark.timeout(300)
PORT = 8765  # create_app's default port: the Host TestClient requests must name


# ----- a raw client, as an attacker's script or a stuck tab ------------------------------------
@contextlib.contextmanager
def _server(**kw) -> Iterator[int]:
    """A real uvicorn server with create_app(**kw) on a free loopback port; yields the port."""
    sock = bind_socket("127.0.0.1", 0)
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(port=port, **kw), log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started, "uvicorn did not start"
    try:
        yield port
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        sock.close()


def _connect(port: int, rcvbuf: int | None = None) -> socket.socket:
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf is not None:  # before connect, so the window the server sees is small
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.settimeout(10)
    s.connect(("127.0.0.1", port))
    return s


def _read_head(s: socket.socket) -> bytes:
    """An HTTP response's status line and headers (read byte by byte: nothing more)."""
    head = b""
    while not head.endswith(b"\r\n\r\n") and len(head) < 65536:
        c = s.recv(1)
        if not c:
            break
        head += c
    return head


def _http_get(port: int, path: str, host: str) -> tuple[int, bytes]:
    """GET `path` with the given Host header: (status, body)."""
    with _connect(port) as s:
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while len(data) < 1 << 20:
            c = s.recv(65536)
            if not c:
                break
            data += c
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split()[1]), body


def _ws_open(
    port: int, host: str, origin: str | None = None, rcvbuf: int | None = None
) -> tuple[socket.socket, int]:
    """A hand-made WebSocket handshake on /ws: the socket and the HTTP status (101 = open)."""
    s = _connect(port, rcvbuf)
    key = base64.b64encode(os.urandom(16)).decode()
    lines = [
        "GET /ws HTTP/1.1",
        f"Host: {host}",
        "Upgrade: websocket",
        "Connection: Upgrade",
        f"Sec-WebSocket-Key: {key}",
        "Sec-WebSocket-Version: 13",
    ]
    if origin is not None:
        lines.append(f"Origin: {origin}")
    s.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
    head = _read_head(s)
    return s, int(head.split()[1]) if head else 0


def _ws_frame(obj: dict) -> bytes:
    """One masked text frame (clients must mask) holding obj as JSON."""
    data, mask = json.dumps(obj).encode(), os.urandom(4)
    n = len(data)
    size = (
        bytes([0x80 | n])
        if n < 126
        else bytes([0x80 | 126]) + struct.pack(">H", n)
        if n < 65536
        else bytes([0x80 | 127]) + struct.pack(">Q", n)
    )
    return bytes([0x81]) + size + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data))


def _recv_exact(s: socket.socket, n: int) -> bytes:
    out = b""
    while len(out) < n:
        c = s.recv(n - len(out))
        if not c:
            raise ConnectionError("the server closed the connection")
        out += c
    return out


def _ws_message(s: socket.socket) -> dict:
    """The next text message (JSON), or {"type": "<close>"} for a close frame."""
    for _ in range(100):
        b0, b1 = _recv_exact(s, 2)
        n = b1 & 0x7F
        if n >= 126:
            n = struct.unpack(">H" if n == 126 else ">Q", _recv_exact(s, 2 if n == 126 else 8))[0]
        data = _recv_exact(s, n)
        if b0 & 0x0F == 1:
            return json.loads(data)
        if b0 & 0x0F == 8:
            return {"type": "<close>"}
    raise AssertionError("no text message in 100 frames")


# ----- item 1: DNS rebinding ----------------------------------------------------------------------
GOOD_HOSTS = ("127.0.0.1:8765", "localhost:8765", "[::1]:8765", "LocalHost:8765")
BAD_HOSTS = (
    "attacker.example:8765",
    "attacker.example",
    "127.0.0.1",
    "localhost",
    "127.0.0.1:9999",
    "localhost.:8765",
    "127.0.0.1:8765.attacker.example",
    "127.0.0.1:8765@attacker.example",
    "[::2]:8765",
    "",
)


def test_the_allowed_hosts_are_the_loopback_names_and_host_with_the_port():
    assert allowed_hosts("127.0.0.1", 8765) == {"127.0.0.1:8765", "localhost:8765", "[::1]:8765"}
    assert allowed_hosts("::1", 9000) == {"127.0.0.1:9000", "localhost:9000", "[::1]:9000"}
    assert "myhost.lan:9000" in allowed_hosts("MyHost.lan", 9000)
    assert {"localhost", "localhost:80"} <= allowed_hosts("127.0.0.1", 80)  # browsers omit :80


def test_http_answers_only_its_own_host_names():
    with TestClient(create_app(max_sessions=2), base_url=f"http://127.0.0.1:{PORT}") as c:
        for host in GOOD_HOSTS:
            r = c.get("/", headers={"host": host})
            assert r.status_code == 200 and 'id="play"' in r.text, host
        for host in BAD_HOSTS:
            for path in ("/", "/index.html", "/static/app.js"):
                r = c.get(path, headers={"host": host})
                assert r.status_code == 400, (host, path, r.status_code)
                assert "not this server's" in r.text and "127.0.0.1:8765" in r.text
                assert 'id="play"' not in r.text and "function" not in r.text
    with TestClient(create_app(host="127.0.0.2", port=9000), base_url="http://x") as c:
        assert c.get("/", headers={"host": "127.0.0.2:9000"}).status_code == 200  # --host's value
        assert c.get("/", headers={"host": "localhost:9000"}).status_code == 200
        assert c.get("/", headers={"host": "127.0.0.2:8765"}).status_code == 400  # other port


def _ws_accepted(c: TestClient, host: str, origin: str | None) -> bool:
    headers = {"host": host} if origin is None else {"host": host, "origin": origin}
    try:
        with c.websocket_connect(f"ws://{host or 'x'}/ws", headers=headers) as ws:
            return ws.receive_json()["type"] == "hello"
    except WebSocketDisconnect as e:
        assert e.code == 1008, e.code
        return False


def test_websockets_need_an_allowed_host_and_origin_not_a_matching_pair():
    with TestClient(create_app(max_sessions=2), base_url=f"http://127.0.0.1:{PORT}") as c:
        # DNS rebinding: the attacker's page on attacker.example:PORT, whose name now points
        # at 127.0.0.1, sends a Host and an Origin that match each other
        assert not _ws_accepted(c, "attacker.example:8765", "http://attacker.example:8765")
        assert not _ws_accepted(c, "attacker.example:8765", None)
        for origin in (
            "http://attacker.example:8765",
            "http://evil.example",
            "null",
            "http://127.0.0.1:9999",
            "https://127.0.0.1:8765",
            "http://127.0.0.1",
            "file://",
            "http://localhost:8765.attacker.example",
        ):
            assert not _ws_accepted(c, "127.0.0.1:8765", origin), origin
        for host in GOOD_HOSTS:  # the page itself, by any loopback name; or no browser at all
            assert _ws_accepted(c, host, f"http://{host}"), host
            assert _ws_accepted(c, host, None), host
        assert _ws_accepted(c, "127.0.0.1:8765", "http://localhost:8765")  # the same server
        assert c.app.state.clients == {}


def test_a_real_server_refuses_a_rebound_host_over_http_and_websocket():
    with _server(max_sessions=2, idle_timeout=30) as port:
        evil = f"attacker.example:{port}"
        status, body = _http_get(port, "/", evil)
        assert status == 400 and b"not this server's" in body, (status, body[:200])
        assert _http_get(port, "/static/app.js", evil)[0] == 400
        s, status = _ws_open(port, evil, f"http://{evil}")  # the rebinding attack
        s.close()
        assert status == 403, status
        s, status = _ws_open(port, f"127.0.0.1:{port}", f"http://{evil}")
        s.close()
        assert status == 403, status
        status, body = _http_get(port, "/", f"localhost:{port}")  # the page, as before
        assert status == 200 and b'id="play"' in body
        s, status = _ws_open(port, f"127.0.0.1:{port}", f"http://localhost:{port}")
        with s:
            assert status == 101 and _ws_message(s)["type"] == "hello"
            assert _ws_message(s)["type"] == "frame"
            s.sendall(_ws_frame({"type": "export_script"}))
            assert _ws_message(s)["type"] == "script"


# ----- item 3: tabs that stop reading ------------------------------------------------------------
def _new_tab(port: int) -> str:
    """Open a tab (a raw WebSocket), read its first message's type or code, close it."""
    s, status = _ws_open(port, f"127.0.0.1:{port}")
    with s:
        assert status == 101, status
        m = _ws_message(s)
    return m.get("code") or m["type"]


def test_tabs_that_stop_reading_are_dropped_and_free_their_slots():
    """Two tabs press play and never read again (tiny receive buffers): once the server's
    buffers are full, each send times out, the tab is dropped and its slot is free."""
    send_timeout = 1.0
    with _server(max_sessions=2, idle_timeout=120, send_timeout=send_timeout) as port:
        stuck = []
        try:
            for _ in range(2):
                s, status = _ws_open(port, f"127.0.0.1:{port}", rcvbuf=4096)
                stuck.append(s)
                assert status == 101
                s.sendall(_ws_frame({"type": "play"}))  # frames stream in; none is read
            start = time.monotonic()
            seen = [_new_tab(port)]
            assert seen == ["full"]  # both slots are taken while the tabs are playing
            while seen[-1] != "hello" and time.monotonic() - start < 60:
                time.sleep(0.25)
                seen.append(_new_tab(port))
            freed = time.monotonic() - start
            assert seen[-1] == "hello", f"still {seen[-1]!r} after {freed:.0f} s"
            assert freed < 30, freed
            s, status = _ws_open(port, f"127.0.0.1:{port}")  # both slots: two tabs at once
            with s:
                assert _ws_message(s)["type"] == "hello"
                assert _new_tab(port) == "hello"
        finally:
            for s in stuck:
                s.close()


# ----- item 2 (the playground's part): weight files within its own network limits -------------
def _with_metadata(data: bytes, **changes: str) -> bytes:
    """The same tensors under edited metadata (as a crafted file would be)."""
    from safetensors.numpy import load, save

    (n,) = struct.unpack("<Q", data[:8])
    meta = json.loads(data[8 : 8 + n])["__metadata__"]
    return save(load(data), metadata={**meta, **changes})


def _peak_bytes(fn) -> tuple[int, BaseException | None]:
    """The peak of Python/NumPy allocations while fn() runs, and what it raised."""
    import tracemalloc

    tracemalloc.start()
    try:
        fn()
        raised = None
    except Exception as e:  # noqa: BLE001 - returned for the test to check
        raised = e
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak, raised


def test_the_largest_playground_network_round_trips_and_sets_the_byte_limit():
    from glassnet.playground.config import FEATURES, MAX_LAYERS, MAX_NEURONS, PlaygroundConfig
    from glassnet.playground.server import MAX_WEIGHTS_FILE
    from glassnet.playground.session import MAX_WEIGHTS_BYTES, Session

    big = PlaygroundConfig(
        dataset="spiral",
        numClasses=5,
        networkShape=(MAX_NEURONS,) * MAX_LAYERS,
        optimizer="adam",
        **{f: True for f in FEATURES},
    )
    s = Session(big)
    s.step(1)
    data = s.export_weights()
    t = Session(big)
    t.import_weights(data)
    assert t.train_loss == s.train_loss
    assert len(data) < MAX_WEIGHTS_BYTES <= 256 << 10  # a few times the largest file, no more
    assert MAX_WEIGHTS_FILE == MAX_WEIGHTS_BYTES


def test_weight_files_beyond_the_playground_limits_are_refused_before_they_are_built():
    from glassnet import nn
    from glassnet.playground.session import MAX_WEIGHTS_BYTES, Session
    from glassnet.serialization import dumps

    s = Session()
    good = s.export_weights()
    mlp = json.loads(
        json.loads(good[8 : 8 + struct.unpack("<Q", good[:8])[0]])["__metadata__"]["architecture"]
    )
    huge_mlp = {**mlp, "config": {**mlp["config"], "sizes": [2, 3000, 3000, 1]}}
    huge_child = {
        **mlp,
        "children": {
            **mlp["children"],
            "9": {
                "type": "Linear",
                "config": {"in_features": 3000, "out_features": 3000, "bias": True},
                "children": {},
            },
        },
    }
    lstm = {
        "type": "LSTM",
        "config": {"input_size": 2, "hidden_size": 4, "num_layers": 3000},
        "children": {},
    }
    deep = '{"children":{"0":' * 2000 + json.dumps(mlp) + "}}" * 2000  # deeper than Python's stack
    crafted = {  # what each file is, and what the refusal must say
        "a real Linear(300, 300)": (dumps(nn.Linear(300, 300)), f"{MAX_WEIGHTS_BYTES}-byte"),
        "an MLP declaring 3000-neuron layers": (
            _with_metadata(good, architecture=json.dumps(huge_mlp)),
            "sizes",
        ),
        "an extra 3000x3000 layer": (
            _with_metadata(good, architecture=json.dumps(huge_child)),
            "3000",
        ),
        "an LSTM with 3000 layers": (_with_metadata(good, architecture=json.dumps(lstm)), "LSTM"),
        "2000 nested layers": (_with_metadata(good, architecture=deep), "architecture"),
        "a header length beyond the file": (struct.pack("<Q", 1 << 40) + good[8:], "header"),
    }
    for what, (data, says) in crafted.items():
        peak, e = _peak_bytes(lambda data=data: s.import_weights(data))
        assert isinstance(e, ValueError), (what, repr(e))
        assert says in str(e) and str(e).startswith("import_weights"), (what, str(e))
        assert peak < 4 * len(data) + (2 << 20), (what, peak)  # nothing built from the file
    s.import_weights(good)  # the session is unharmed


def test_an_oversized_weights_message_is_refused_before_it_is_decoded():
    from glassnet.playground.server import MAX_WEIGHTS_FILE

    with TestClient(create_app(max_sessions=1), base_url=f"http://127.0.0.1:{PORT}") as c:
        with c.websocket_connect(f"ws://127.0.0.1:{PORT}/ws") as ws:
            hello = ws.receive_json()
            assert hello["limits"]["maxWeightsBytes"] == MAX_WEIGHTS_FILE
            ws.receive_json()
            too_big = base64.b64encode(bytes(MAX_WEIGHTS_FILE + 3)).decode()
            ws.send_text(json.dumps({"type": "import_weights", "data": too_big}))
            err = ws.receive_json()
            assert err["type"] == "error" and err["field"] == "data"
            assert f"over {MAX_WEIGHTS_FILE} bytes" in err["message"]
