"""Playground speed: epochs per second of Session.step(1) + frame() on TF Playground's default.

Default set-up: circle, features x1 and x2, a 4-2 tanh network, 250 training points, batch 10
(25 SGD updates per epoch, TF's rule) and, after every epoch, the page's frame: train and test
loss and accuracy, the 50×50 output heatmap and a 20×20 thumbnail per neuron, weights, all
base64/JSON-ready. The reference does the same in PyTorch in the same run: the same loop of 25
updates, then the losses and one batched forward over both grids with the hidden activations
kept, encoded the same way. The issue asks for >= 20 epochs/s with the heatmaps updating.
Both run with one thread by default (BENCH_THREADS=n to change): the arrays are tiny, and with
two threads PyTorch's intra-op pool makes its grid forward ~100x slower on a busy 2-core machine.
The last line is the ratio glassnet epochs/s / torch epochs/s (> 1: glassnet is faster).
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import torch  # noqa: E402

from _common import compare, setup_threads  # noqa: E402
from glassnet.playground import PlaygroundConfig, Session  # noqa: E402
from glassnet.playground.session import _GRID, _N_OUT, _b64  # noqa: E402


class TorchPlayground:
    """The same epoch and frame in PyTorch, from the session's data and initial weights."""

    def __init__(self, s: Session) -> None:
        self.net = torch.nn.Sequential(
            torch.nn.Linear(2, 4),
            torch.nn.Tanh(),
            torch.nn.Linear(4, 2),
            torch.nn.Tanh(),
            torch.nn.Linear(2, 1),
            torch.nn.Tanh(),
        )
        lin = [m for m in self.net if isinstance(m, torch.nn.Linear)]
        with torch.no_grad():
            for t, g in zip(lin, s.layers):
                t.weight.copy_(torch.from_numpy(g.weight._array))
                t.bias.copy_(torch.from_numpy(g.bias._array))
        self.lin = lin
        self.opt = torch.optim.SGD(self.net.parameters(), lr=s.config.learningRate)
        self.x, self.y = torch.from_numpy(s.f_train), torch.from_numpy(s.t_train)
        self.xt, self.yt = torch.from_numpy(s.f_test), torch.from_numpy(s.t_test)
        self.grid = torch.from_numpy(_GRID)
        self.batch = s.config.batchSize
        self.epoch = 0

    def step(self) -> None:
        for i in range(0, len(self.x), self.batch):
            out = self.net(self.x[i : i + self.batch])
            loss = 0.5 * ((out - self.y[i : i + self.batch]) ** 2).mean()
            self.opt.zero_grad()
            loss.backward()
            self.opt.step()
        self.epoch += 1

    def frame(self) -> dict:
        with torch.no_grad():
            out_tr, out_te = self.net(self.x), self.net(self.xt)
            losses = [
                float(0.5 * ((o - t) ** 2).mean()) for o, t in ((out_tr, self.y), (out_te, self.yt))
            ]
            acc = [
                float(((o >= 0) == (t > 0)).float().mean())
                for o, t in ((out_tr, self.y), (out_te, self.yt))
            ]
            h, neurons = self.grid, [[_b64(c) for c in self.grid[_N_OUT:].T.numpy()]]
            for i, m in enumerate(self.net):
                h = m(h)
                if i in (1, 3):
                    neurons.append([_b64(c) for c in h[_N_OUT:].T.numpy()])
        return {
            "epoch": self.epoch,
            "trainLoss": losses[0],
            "testLoss": losses[1],
            "accuracy": acc,
            "output": _b64(h[:_N_OUT, 0].numpy()),
            "neurons": neurons,
            "weights": [m.weight.tolist() for m in self.lin],
            "biases": [m.bias.tolist() for m in self.lin],
        }


def main() -> None:
    os.environ.setdefault("BENCH_THREADS", "1")
    setup_threads()
    s = Session(PlaygroundConfig(seed="0.80000"))
    ref = TorchPlayground(s)
    assert len(s.x_train) == 250 and s.config.batchSize == 10 and s.config.networkShape == (4, 2)

    def ours() -> None:
        s.step(1)
        s.frame()

    def theirs() -> None:
        ref.step()
        ref.frame()

    ours_rate, ref_rate, ratio = compare(ours, theirs, items=1, repeats=5, min_time=0.5)
    print(
        f"glassnet: test loss {s.test_loss:.4f} after {s.epoch} epochs; torch: test loss "
        f"{ref.frame()['testLoss']:.4f} after {ref.epoch} epochs"
    )
    print(f"glassnet Session.step(1) + frame(): {ours_rate:.1f} epochs/s (target >= 20)")
    print(f"torch loop + frame:                  {ref_rate:.1f} epochs/s")
    print(f"ratio playground epochs/s (glassnet / torch, higher is better)={ratio:.3f}")


if __name__ == "__main__":
    main()
