"""Playground page speed: epochs per second a client receives over the WebSocket, end to end.

`glassnet playground` runs in its own process (uvicorn, as a user starts it); this process is
the page: it connects to /ws, sets TF Playground's default set-up (circle, x1 and x2, 4-2 tanh,
250 training points, batch 10, learning rate 0.03) with a fixed seed, presses play and counts
the epochs and frames (every frame carries the 50×50 output heatmap, a 20×20 thumbnail per
neuron, weights, losses) that arrive in DURATION seconds. The reference, timed in the same run
with the same thread count, is the same training and frame policy in PyTorch without the web
layer: epochs in a loop, one frame (same contents, see benchmarks/playground.py) at most every
1/30 s. The issue asks for >= 20 epochs/s on the page.
The last line is the ratio page epochs/s / torch epochs/s (> 1: the page is faster).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from websockets.sync.client import connect  # noqa: E402

from _common import match_threads, setup_threads  # noqa: E402
from glassnet.playground import PlaygroundConfig, Session  # noqa: E402
from glassnet.playground.server import FRAME_INTERVAL  # noqa: E402
from playground import TorchPlayground  # noqa: E402

DURATION = float(os.environ.get("BENCH_SECONDS", "10"))
SEED = "0.80000"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_server(port: int) -> subprocess.Popen:
    code = f"from glassnet.playground.server import main; main(port={port})"
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline()  # "glassnet playground: open http://..." once it is ready
    if "http://" not in line:
        proc.kill()
        raise RuntimeError(f"the playground server did not start: {line!r}")
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            return proc
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("the playground server does not accept connections")


def page_rate(port: int) -> tuple[float, float, int, float]:
    """Epochs/s and frames/s the page receives while playing; final epoch and test loss."""
    with connect(f"ws://127.0.0.1:{port}/ws", max_size=None) as ws:
        def until(kind: str) -> dict:
            while True:
                m = json.loads(ws.recv())
                if m["type"] == kind:
                    return m

        until("hello")
        until("frame")
        ws.send(json.dumps({"type": "config", "config": {"seed": SEED, "networkShape": [4, 2],
                                                          "dataset": "circle"}}))
        cfg = until("config")["config"]
        assert cfg["percTrainData"] == 50 and cfg["batchSize"] == 10, cfg
        until("frame")
        ws.send(json.dumps({"type": "play"}))
        first = until("frame")  # timing starts at the first frame received while playing
        t0, frames, last = time.perf_counter(), 0, first
        while time.perf_counter() - t0 < DURATION:
            m = until("frame")
            assert m["output"] and m["neurons"], "frames must carry the heatmaps"
            frames, last = frames + 1, m
        elapsed = time.perf_counter() - t0
        ws.send(json.dumps({"type": "pause"}))
    return (last["epoch"] - first["epoch"]) / elapsed, frames / elapsed, last["epoch"], \
        last["testLoss"]


def torch_rate() -> tuple[float, float, float]:
    """Epochs/s and frames/s of the same loop in PyTorch (frames at most every 1/30 s)."""
    ref = TorchPlayground(Session(PlaygroundConfig(seed=SEED)))
    t0 = last = time.perf_counter()
    frames, f = 0, ref.frame()
    while time.perf_counter() - t0 < DURATION:
        ref.step()
        if time.perf_counter() - last >= FRAME_INTERVAL:
            f, last, frames = ref.frame(), time.perf_counter(), frames + 1
    elapsed = time.perf_counter() - t0
    return ref.epoch / elapsed, frames / elapsed, f["testLoss"]


def main() -> None:
    os.environ.setdefault("BENCH_THREADS", "1")
    setup_threads()
    match_threads()
    port = _free_port()
    server = _start_server(port)
    try:
        ours, fps, epoch, loss = page_rate(port)
    finally:
        server.terminate()
        server.wait(timeout=10)
    ref, ref_fps, ref_loss = torch_rate()
    print(f"page (glassnet server -> WebSocket -> client): {ours:.1f} epochs/s, {fps:.1f} "
          f"frames/s over {DURATION:g} s; epoch {epoch}, test loss {loss:.4f} (target >= 20 "
          "epochs/s)")
    print(f"torch loop, no web layer:                      {ref:.1f} epochs/s, {ref_fps:.1f} "
          f"frames/s; test loss {ref_loss:.4f}")
    print(f"ratio playground page epochs/s (glassnet page / torch loop, higher is better)="
          f"{ours / ref:.3f}")


if __name__ == "__main__":
    main()
