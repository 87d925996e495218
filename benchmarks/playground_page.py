"""Playground page speed: epochs per second a client receives over the WebSocket, end to end.

`glassnet playground` runs in its own process (uvicorn, as a user starts it); this process is
the page: it connects to /ws, sets TF Playground's default set-up (circle, x1 and x2, 4-2 tanh,
250 training points, batch 10, learning rate 0.03) with a fixed seed, presses play and counts
the epochs and frames (every frame carries the 50×50 output heatmap, a 20×20 thumbnail per
neuron, weights, losses) that arrive while playing. The reference, timed in the same run with
the same thread count, is the same training and frame policy in PyTorch without the web layer:
epochs in a loop, one frame (same contents, see benchmarks/playground.py) at most every 1/30 s.
The two alternate in BENCH_ROUNDS rounds of BENCH_SECONDS each (5 x 3 s), medians reported.
The issue asks for >= 20 epochs/s on the page.
The last line is the ratio page epochs/s / torch epochs/s (> 1: the page is faster).
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import time
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from websockets.sync.client import connect  # noqa: E402

from _common import setup_threads  # noqa: E402
from glassnet.playground import PlaygroundConfig, Session  # noqa: E402
from glassnet.playground.server import FRAME_INTERVAL  # noqa: E402
from playground import TorchPlayground  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "3"))  # per round and side
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


class Page:
    """A client of the running server: plays for a while and counts what arrives."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.until("hello")
        self.until("frame")
        self.ws.send(
            json.dumps(
                {
                    "type": "config",
                    "config": {"seed": SEED, "networkShape": [4, 2], "dataset": "circle"},
                }
            )
        )
        cfg = self.until("config")["config"]
        assert cfg["percTrainData"] == 50 and cfg["batchSize"] == 10, cfg
        self.last = self.until("frame")

    def until(self, kind: str, running: bool | None = None) -> dict:
        while True:
            m = json.loads(self.ws.recv())
            if m["type"] == kind and (running is None or m["running"] == running):
                return m

    def play(self, seconds: float) -> tuple[float, float]:
        """Epochs/s and frames/s received while playing for `seconds`."""
        self.ws.send(json.dumps({"type": "play"}))
        first = self.until("frame", running=True)  # timing starts at the first frame
        t0, frames, last = time.perf_counter(), 0, first
        while time.perf_counter() - t0 < seconds:
            last = self.until("frame")
            assert last["output"] and last["neurons"], "frames must carry the heatmaps"
            frames += 1
        elapsed = time.perf_counter() - t0
        self.ws.send(json.dumps({"type": "pause"}))
        self.last = self.until("frame", running=False)
        return (last["epoch"] - first["epoch"]) / elapsed, frames / elapsed


class TorchLoop:
    """The same training and frame policy in PyTorch, no web layer."""

    def __init__(self) -> None:
        self.ref = TorchPlayground(Session(PlaygroundConfig(seed=SEED)))
        self.last = self.ref.frame()

    def play(self, seconds: float) -> tuple[float, float]:
        ref, e0 = self.ref, self.ref.epoch
        t0 = last = time.perf_counter()
        frames = 0
        while time.perf_counter() - t0 < seconds:
            ref.step()
            if time.perf_counter() - last >= FRAME_INTERVAL:
                self.last, last, frames = ref.frame(), time.perf_counter(), frames + 1
        elapsed = time.perf_counter() - t0
        return (ref.epoch - e0) / elapsed, frames / elapsed


def main() -> None:
    os.environ.setdefault("BENCH_THREADS", "1")
    setup_threads()  # also prints the BLAS kernel and OPENBLAS_* variables
    port = _free_port()
    server = _start_server(port)
    ours, theirs = [], []
    try:
        with connect(f"ws://127.0.0.1:{port}/ws", max_size=None) as ws:
            page, ref = Page(ws), TorchLoop()
            for _ in range(ROUNDS):  # alternate, so a noisy neighbour slows both sides alike
                ours.append(page.play(SECONDS))
                theirs.append(ref.play(SECONDS))
    finally:
        server.terminate()
        server.wait(timeout=10)
    eps, fps = (statistics.median(r[i] for r in ours) for i in (0, 1))
    ref_eps, ref_fps = (statistics.median(r[i] for r in theirs) for i in (0, 1))
    ratio = statistics.median(a[0] / b[0] for a, b in zip(ours, theirs))
    print(
        f"page (glassnet server -> WebSocket -> client): {eps:.1f} epochs/s, {fps:.1f} "
        f"frames/s (median of {ROUNDS} x {SECONDS:g} s); epoch {page.last['epoch']}, test "
        f"loss {page.last['testLoss']:.4f} (target >= 20 epochs/s)"
    )
    print(
        f"torch loop, no web layer:                      {ref_eps:.1f} epochs/s, "
        f"{ref_fps:.1f} frames/s; epoch {ref.ref.epoch}, test loss "
        f"{ref.last['testLoss']:.4f}"
    )
    print(
        f"ratio playground page epochs/s (glassnet page / torch loop, higher is better)={ratio:.3f}"
    )


if __name__ == "__main__":
    main()
