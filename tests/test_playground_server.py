"""The playground's web server: page and static files, the WebSocket protocol, bad input."""

from __future__ import annotations

import contextlib
import json
import random
import socket
import subprocess
import sys
import time

import pytest

from glassnet.cli import main as cli_main

try:  # a missing server stack fails these tests (never a skip)
    import httpx
    from starlette.testclient import TestClient
    from starlette.websockets import WebSocketDisconnect
except ImportError as e:
    raise ImportError(
        f"the playground server tests need starlette and httpx "
        f"(pip install -e '.[dev,playground]'): {e}"
    ) from e

from glassnet.playground.config import LIVE_FIELDS, PlaygroundConfig
from glassnet.playground.server import MAX_MESSAGE, MESSAGES, create_app


def _send(ws, obj) -> None:
    ws.send_text(json.dumps(obj))


def _until(ws, pred, limit: int = 10_000) -> dict:
    """Receive messages until one satisfies pred."""
    for _ in range(limit):
        m = ws.receive_json()
        if pred(m):
            return m
    raise AssertionError("no matching message")


@contextlib.contextmanager
def _open(client: TestClient):
    """A WebSocket session past its hello and first frame."""
    with client.websocket_connect(WS) as ws:
        hello = ws.receive_json()
        first = ws.receive_json()
        yield ws, hello, first


BASE = "http://127.0.0.1:8765"  # the Host the app answers by default (create_app's port)
WS = "ws://127.0.0.1:8765/ws"


@pytest.fixture
def client():
    with TestClient(create_app(max_sessions=3, idle_timeout=60), base_url=BASE) as c:
        yield c


def test_page_and_static_files_are_served(client):
    r = client.get("/")
    assert r.status_code == 200 and "text/html" in r.headers["content-type"]
    for needle in (
        'id="play"',
        'id="test-loss"',
        'id="csv-input"',
        'id="lang"',
        "/static/app.js",
        "/static/i18n.js",
        "/static/style.css",
    ):
        assert needle in r.text
    assert "default-src 'self'" in r.headers["content-security-policy"]
    for name, kind in (
        ("app.js", "javascript"),
        ("i18n.js", "javascript"),
        ("style.css", "text/css"),
    ):
        r = client.get(f"/static/{name}")
        assert r.status_code == 200 and kind in r.headers["content-type"], name
    # no external network resources: nothing is loaded from another host
    for name in ("index.html", "app.js", "style.css"):
        text = client.get(f"/static/{name}").text
        assert "http://" not in text.replace("http://www.w3.org/2000/svg", "")
        assert "https://" not in text
    assert client.get("/static/../server.py").status_code == 404
    assert client.get("/static/%2e%2e/server.py").status_code == 404


def test_hello_config_step_and_frame(client):
    with _open(client) as (ws, hello, first):
        assert hello["type"] == "hello" and hello["session"]
        defaults = PlaygroundConfig().to_dict()
        assert {k: v for k, v in hello["config"].items() if k != "seed"} == {
            k: v for k, v in defaults.items() if k != "seed"
        }
        assert hello["limits"]["maxMessage"] == MAX_MESSAGE
        assert first["type"] == "frame" and first["epoch"] == 0 and not first["running"]
        assert len(first["points"]["train"]) == 250 and len(first["points"]["test"]) == 250
        _send(
            ws,
            {
                "type": "config",
                "config": {"networkShape": [3], "x": True, "xSquared": True, "seed": "42"},
            },
        )
        cfg = ws.receive_json()
        assert cfg["type"] == "config" and cfg["config"]["networkShape"] == [3]
        frame = ws.receive_json()
        assert frame["type"] == "frame" and frame["epoch"] == 0
        # 3 features (x, y, x²) -> 3 hidden -> 1 output, weights as [out][in]
        assert [(len(w), len(w[0])) for w in frame["weights"]] == [(3, 3), (1, 3)]
        assert len(frame["neurons"]) == 2 and len(frame["neurons"][1]) == 3
        _send(ws, {"type": "step"})
        frame = _until(ws, lambda m: m["type"] == "frame")
        assert frame["epoch"] == 1
        _send(ws, {"type": "set_weight", "layer": 1, "from": 2, "to": 0, "value": 0.75})
        frame = _until(ws, lambda m: m["type"] == "frame")
        assert frame["weights"][1][0][2] == 0.75
        _send(ws, {"type": "reset"})
        assert _until(ws, lambda m: m["type"] == "frame")["epoch"] == 0


def test_a_url_hash_with_a_bad_value_keeps_the_rest_and_names_it_once(client):
    with _open(client) as (ws, hello, _):
        assert hello["limits"]["liveFields"] == list(LIVE_FIELDS)
        _send(
            ws,
            {
                "type": "hash",
                "text": "activation=relu&batchSize=ten&noise=15&"
                "learningRate=0.02&cosX=true&seed=0.5",
            },
        )
        cfg = ws.receive_json()
        assert cfg["type"] == "config"
        c = cfg["config"]
        assert (c["activation"], c["noise"], c["seed"]) == ("relu", 15, "0.5")
        assert (c["batchSize"], c["learningRate"]) == (10, 0.03)
        assert ws.receive_json()["type"] == "frame"
        err = ws.receive_json()
        assert err["type"] == "error" and err["field"] == "batchSize"
        assert err["message"].count("batchSize") == 1, err["message"]
        assert err["message"].count("learningRate") == 1, err["message"]
        _send(ws, {"type": "hash", "text": "noise=10"})  # all good: no error frame
        assert ws.receive_json()["config"]["noise"] == 10
        assert ws.receive_json()["type"] == "frame"
        _send(ws, {"type": "hash", "text": "x" * 5000})  # refused whole: one error
        err = ws.receive_json()
        assert err["type"] == "error" and "4096" in err["message"]
        _send(ws, {"type": "step"})
        assert _until(ws, lambda m: m["type"] == "frame")["epoch"] == 1


def _malformed(rng: random.Random, i: int):
    """The i-th of many broken messages: text, bytes, or an oversized string."""
    kind = i % 12
    if kind == 0:  # not JSON at all
        return "".join(rng.choice('{}[]":,abc01 \\\x00é') for _ in range(rng.randint(0, 40)))
    if kind == 1:  # JSON, but not an object
        return json.dumps(rng.choice([[1, 2], "play", 3, None, True, [{"type": "play"}]]))
    if kind == 2:  # unknown or missing type
        return json.dumps(
            rng.choice(
                [
                    {},
                    {"type": f"nope{i}"},
                    {"type": 7},
                    {"type": None},
                    {"type": ["play"]},
                    {"kind": "play"},
                ]
            )
        )
    if kind == 3:  # config with wrong types
        field, value = rng.choice(
            [
                ("batchSize", "10"),
                ("noise", True),
                ("x", 1),
                ("learningRate", "0.03"),
                ("networkShape", {"a": 1}),
                ("activation", 3),
                ("seed", 12),
                ("dropout", "0.1"),
            ]
        )
        return json.dumps({"type": "config", "config": {field: value}})
    if kind == 4:  # config out of range
        field, value = rng.choice(
            [
                ("batchSize", 31),
                ("batchSize", 0),
                ("noise", 7),
                ("noise", 55),
                ("percTrainData", 95),
                ("learningRate", 0.05),
                ("regularizationRate", 2),
                ("networkShape", [17]),
                ("networkShape", [2] * 9),
                ("networkShape", [0]),
                ("dropout", 0.9),
                ("numClasses", 6),
                ("stopLoss", -1),
                ("activation", "softplus"),
                ("dataset", "moons"),
                ("problem", "ranking"),
                ("optimizer", "lbfgs"),
                ("seed", "../../etc/passwd"),
                ("lang", "fr"),
            ]
        )
        return json.dumps({"type": "config", "config": {field: value}})
    if kind == 5:  # unknown config field, or config not an object
        return json.dumps(
            rng.choice(
                [
                    {"type": "config", "config": {"evil": "__import__('os')"}},
                    {"type": "config", "config": [1]},
                    {"type": "config", "config": "x=1"},
                    {"type": "config"},
                ]
            )
        )
    if kind == 6:  # set_weight: wrong types, indices out of range, non-finite values
        msg = {"type": "set_weight", "layer": 0, "from": 0, "to": 0, "value": 0.5}
        field, value = rng.choice(
            [
                ("layer", 99),
                ("from", -1),
                ("to", 50),
                ("layer", "0"),
                ("value", "1"),
                ("value", 1e308),
                ("layer", 1.5),
                ("from", True),
                ("value", None),
            ]
        )
        msg[field] = value
        return json.dumps(msg)
    if kind == 7:  # NaN/Infinity literals, extra fields, missing fields
        return rng.choice(
            [
                '{"type": "set_weight", "layer": 0, "from": 0, "to": 0, "value": NaN}',
                '{"type": "set_weight", "layer": 0, "from": 0, "to": 0, "value": Infinity}',
                json.dumps({"type": "play", "path": "/etc/passwd"}),
                json.dumps({"type": "set_weight", "layer": 0}),
            ]
        )
    if kind == 8:  # broken CSV uploads
        return json.dumps(
            {
                "type": "upload_csv",
                "text": rng.choice(
                    [
                        "",
                        "a,b\n1,2",
                        "x1,x2,label\n1,2,abc",
                        "1,2,3\n" * 10_001,
                        "1,2,nan\n",
                        "\x00\x01\x02",
                        5,
                    ]
                ),
            }
        )
    if kind == 9:  # broken weight files
        return json.dumps(
            {
                "type": "import_weights",
                "data": rng.choice(["not base64!", "AAAA", "", "eyJ4IjogMX0=", 17]),
            }
        )
    if kind == 10:  # binary frames
        return bytes(rng.randrange(256) for _ in range(rng.randint(1, 64)))
    if i < 60:  # oversized (a few: each is over 2 MiB)
        return json.dumps({"type": "upload_csv", "text": "1,2,1\n" * (MAX_MESSAGE // 6 + 10)})
    return json.dumps({"type": "step", "extra": "x" * rng.randint(0, 100)})


def _send_raw(ws, msg) -> None:
    """Send a fuzzed message as it is: bytes as a binary frame, text as a text frame."""
    if isinstance(msg, bytes):
        ws.send_bytes(msg)
    else:
        ws.send_text(msg)


def test_a_thousand_malformed_messages_then_normal_training(client):
    rng = random.Random(0)
    with _open(client) as (ws, _, _):
        for i in range(1000):
            msg = _malformed(rng, i)
            _send_raw(ws, msg)
            reply = ws.receive_json()
            assert reply["type"] == "error" and reply["message"], (i, msg[:80], reply)
        # the same connection still trains: a fresh seed, play, and the test loss falls
        _send(ws, {"type": "config", "config": {"seed": "7", "learningRate": 0.1}})
        assert ws.receive_json()["type"] == "config"
        start = _until(ws, lambda m: m["type"] == "frame")
        _send(ws, {"type": "play"})
        deadline = time.monotonic() + 60
        frame = start
        while frame["testLoss"] >= 0.1 and time.monotonic() < deadline:
            frame = _until(ws, lambda m: m["type"] == "frame")
        assert frame["running"] and frame["epoch"] > 0
        assert frame["testLoss"] < 0.1 < start["testLoss"]
        _send(ws, {"type": "pause"})
        assert not _until(ws, lambda m: m["type"] == "frame" and not m["running"])["running"]


# ----- fuzzing: mutated and random messages ------------------------------------------------------
_CSV = "".join(f"{x / 3:.3f},{-x / 5:.3f},{1 if x % 2 else -1}\n" for x in range(30))
_VALUES = [
    0,
    1,
    -1,
    2,
    7,
    16,
    17,
    31,
    1e6,
    1e308,
    -1e-9,
    0.5,
    0.03,
    True,
    False,
    None,
    "",
    "x",
    "relu",
    "spiral",
    "csv",
    "4,2",
    "#noise=10",
    [],
    [1],
    [16] * 8,
    [0],
    {},
    {"a": 1},
    "é\u0000\ud800",
    "9" * 400,
    [[[]]],
]


def _random_value(rng: random.Random):
    return rng.choice(_VALUES) if rng.random() < 0.8 else rng.uniform(-1e3, 1e3)


def _valid_messages(weights: str) -> list[dict]:
    """One well-formed message of every type (the fuzzer mutates these)."""
    return [
        {"type": "config", "config": {"noise": 10, "activation": "relu"}},
        {"type": "config", "config": {"networkShape": [3, 2], "x": True, "sinX": True}},
        {"type": "config", "config": {"dataset": "spiral", "numClasses": 3}},
        {"type": "config", "config": {"problem": "regression", "learningRate": 0.1}},
        {"type": "config", "config": {"stopEpochs": 2}},
        {"type": "play"},
        {"type": "hash", "text": "activation=relu&noise=5&networkShape=3"},
        {"type": "step"},
        {"type": "reset"},
        {"type": "regenerate"},
        {"type": "pause"},
        {"type": "play"},
        {"type": "ping"},
        {"type": "export_script"},
        {"type": "export_weights"},
        {"type": "import_weights", "data": weights},
        {"type": "set_weight", "layer": 0, "from": 1, "to": 2, "value": 0.5},
        {"type": "upload_csv", "text": _CSV},
    ]


def _mutated(rng: random.Random, valid: list[dict]) -> str | bytes:
    """A random message: a valid one as it is, or with a field changed, added, dropped or
    given another type; a valid one's text with characters changed or cut; or a _malformed."""
    msg = json.loads(json.dumps(rng.choice(valid)))
    how = rng.randrange(8)
    if how == 0 and len(msg) > 1:
        msg[rng.choice(sorted(set(msg) - {"type"}))] = _random_value(rng)
    elif how == 1 and isinstance(msg.get("config"), dict):
        field = rng.choice(sorted(PlaygroundConfig().to_dict()) + ["nope"])
        msg["config"][field] = _random_value(rng)
    elif how == 2:
        msg[rng.choice(["type", "text", "config", "extra", "layer"])] = _random_value(rng)
    elif how == 3 and len(msg) > 1:
        del msg[rng.choice(sorted(msg))]
    elif how == 4:
        msg["type"] = rng.choice(sorted(MESSAGES))
    elif how == 5:
        text = bytearray(json.dumps(msg).encode())
        for _ in range(rng.randint(1, 4)):
            text[rng.randrange(len(text))] = rng.choice(b'{}[]":,0123456789.eE+-abc \\')
        return text[: rng.randint(1, len(text))].decode("utf-8", "replace")
    elif how == 6:
        return _malformed(rng, rng.randrange(60, 10**6))  # (none of the oversized ones)
    return json.dumps(msg)


REPLIES = {"config", "frame", "warning", "error", "script", "weights"}


def test_fuzzed_messages_get_normal_replies_or_error_frames(client, caplog):
    """Thousands of mutated and random messages: each reply is a protocol message (a bad
    message's `error` names what is wrong, never an internal error), the session never closes
    or hangs, and afterwards it still trains."""
    rng = random.Random(12)
    seen: dict[str, int] = {}
    start = time.monotonic()
    with caplog.at_level("ERROR", logger="glassnet.playground"), _open(client) as (ws, _, _):
        _send(ws, {"type": "export_weights"})
        valid = _valid_messages(_until(ws, lambda m: m["type"] == "weights")["data"])
        for i in range(3000):
            msg = _mutated(rng, valid)
            _send_raw(ws, msg)
            _send(ws, {"type": f"end{i}"})  # unknown: its error ends this message's replies
            for _ in range(10_000):
                reply = ws.receive_json()
                assert reply.get("type") in REPLIES, (i, msg[:200], reply)
                seen[reply["type"]] = seen.get(reply["type"], 0) + 1
                if reply["type"] == "error":
                    assert reply["message"] and "internal error" not in reply["message"], (
                        i,
                        msg[:200],
                        reply,
                    )
                    if f"'end{i}'" in reply["message"]:
                        break
            assert time.monotonic() - start < 240, f"only {i} messages in 240 s"
        _send(ws, {"type": "pause"})
        _send(ws, {"type": "hash", "text": "seed=7&networkShape=4,2&dataset=circle"})
        _send(
            ws,
            {
                "type": "config",
                "config": {"problem": "classification", "learningRate": 0.1, "x": True, "y": True},
            },
        )
        _send(ws, {"type": "step"})
        assert _until(ws, lambda m: m["type"] == "frame" and m["epoch"] == 1)
    assert not [r for r in caplog.records if r.levelno >= 40], caplog.text
    assert seen.keys() == REPLIES, seen  # every kind of reply was provoked


def test_every_message_type_is_known_to_the_checker():
    assert set(MESSAGES) >= {
        "config",
        "play",
        "pause",
        "step",
        "reset",
        "regenerate",
        "set_weight",
        "upload_csv",
        "export_script",
        "export_weights",
        "import_weights",
    }


def test_session_limit_and_release(client):
    with contextlib.ExitStack() as stack:
        first = stack.enter_context(contextlib.ExitStack())
        first.enter_context(_open(client))
        for _ in range(2):
            stack.enter_context(_open(client))
        with client.websocket_connect(WS) as extra:
            msg = extra.receive_json()
            assert msg["type"] == "error" and msg["code"] == "full"
            assert "3 sessions" in msg["message"]
            with pytest.raises(WebSocketDisconnect):
                extra.receive_json()
        first.close()  # one tab goes away
        deadline = time.monotonic() + 10
        while len(client.app.state.clients) > 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        with _open(client) as (_, hello, _):  # its place is usable again
            assert hello["type"] == "hello"


def test_idle_sessions_are_freed():
    with TestClient(create_app(max_sessions=1, idle_timeout=0.3), base_url=BASE) as client:
        with _open(client) as (ws, _, _):
            msg = ws.receive_json()  # nothing sent for 0.3 s
            assert msg["type"] == "error" and msg["code"] == "idle"
            with pytest.raises(WebSocketDisconnect):
                ws.receive_json()
        assert client.app.state.clients == {}
        with _open(client) as (_, hello, _):  # the only place is free again
            assert hello["type"] == "hello"


def test_messages_are_served_while_playing(client):
    with _open(client) as (ws, _, _):
        _send(ws, {"type": "play"})
        _until(ws, lambda m: m["type"] == "frame" and m["running"])
        _send(ws, {"type": "config", "config": {"learningRate": 0.1}})  # live: keeps playing
        cfg = _until(ws, lambda m: m["type"] == "config")
        assert cfg["config"]["learningRate"] == 0.1
        assert _until(ws, lambda m: m["type"] == "frame")["running"]
        _send(ws, {"type": "export_weights"})
        assert _until(ws, lambda m: m["type"] == "weights")["data"]
        _send(ws, {"type": "export_onnx"})
        reply = _until(ws, lambda m: m["type"] == "weights")
        assert reply["filename"].endswith(".onnx") and reply["data"]
        _send(ws, {"type": "pause"})
        _until(ws, lambda m: m["type"] == "frame" and not m["running"])


def test_other_sites_cannot_open_a_session(client):
    with pytest.raises(WebSocketDisconnect):
        with client.websocket_connect(WS, headers={"origin": "http://evil.example"}) as ws:
            ws.receive_json()


def test_cli_playground_rejects_bad_flags(capsys):
    assert cli_main(["playground", "--port", "70000"]) == 2
    assert "--port" in capsys.readouterr().err
    assert cli_main(["playground", "--max-sessions", "0"]) == 2


def test_cli_playground_on_a_taken_port_says_so_before_any_url(capsys):
    with socket.socket() as other:  # someone else's server on the port
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        assert cli_main(["playground", "--port", str(port)]) == 2
    out, err = capsys.readouterr()
    assert "http://" not in out, out  # no URL of someone else's server
    assert f"port {port} on 127.0.0.1 is taken" in err and "--port" in err, err
    assert err.count("\n") == 1  # one line


def test_a_diverging_learning_rate_warns_and_pauses(client):
    with _open(client) as (ws, _, _):
        _send(
            ws,
            {
                "type": "config",
                "config": {
                    "problem": "regression",
                    "activation": "relu",
                    "learningRate": 10,
                    "seed": "0.5",
                },
            },
        )
        _until(ws, lambda m: m["type"] == "frame")
        _send(ws, {"type": "play"})
        warning = _until(ws, lambda m: m["type"] == "warning")
        assert warning["code"] == "nan" and "learning rate" in warning["message"]
        frame = _until(ws, lambda m: m["type"] == "frame")
        assert not frame["running"] and frame["trainLoss"] is None  # NaN sent as null
        _send(ws, {"type": "config", "config": {"learningRate": 0.01}})
        _send(ws, {"type": "reset"})
        frame = _until(ws, lambda m: m["type"] == "frame" and m["trainLoss"] is not None)
        assert frame["epoch"] == 0


def test_glassnet_playground_command_serves_the_page():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "glassnet",
            "playground",
            "--port",
            str(port),
            "--max-sessions",
            "2",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline()
        assert f"http://127.0.0.1:{port}/" in line
        deadline = time.monotonic() + 20
        while True:
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/", timeout=2)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the server does not answer"
                time.sleep(0.1)
        assert r.status_code == 200 and 'id="heatmap"' in r.text
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_two_tabs_train_side_by_side(client):
    with _open(client) as (a, _, _), _open(client) as (b, _, _):
        _send(a, {"type": "play"})
        _send(b, {"type": "play"})
        for ws in (a, b):  # both keep getting frames with growing epochs
            e1 = _until(ws, lambda m: m["type"] == "frame" and m["running"])["epoch"]
            e2 = _until(ws, lambda m, e1=e1: m["type"] == "frame" and m["epoch"] > e1)["epoch"]
            assert e2 > e1
        for ws in (a, b):
            _send(ws, {"type": "pause"})
            _until(ws, lambda m: m["type"] == "frame" and not m["running"])


def test_stop_condition_pauses_at_the_epoch(client):
    with _open(client) as (ws, _, _):
        _send(ws, {"type": "config", "config": {"stopEpochs": 7}})
        _until(ws, lambda m: m["type"] == "frame")
        _send(ws, {"type": "play"})
        warning = _until(ws, lambda m: m["type"] == "warning")
        assert warning["code"] == "stop"
        frame = _until(ws, lambda m: m["type"] == "frame")
        assert frame["epoch"] == 7 and not frame["running"]
