"""Environment steps per second of a DQN on CartPole-v1, training included: glassnet's
`rl.DQN` against the same agent in PyTorch (tests/reference_dqn.py), in the same run.

Both use the CLI's CartPole settings (`glassnet.cli.RL_DEFAULTS`: 120-84 ReLU network, batch
128, Adam, Double DQN, Huber, clipping, a TD update every 2 steps) from the same initial
weights, on one thread each (glassnet's `learn` holds BLAS to one thread; torch is given one).
The runs alternate so a noisy neighbour slows both alike. Last line: ``ratio=…``.
"""

from __future__ import annotations

import os
import statistics
import sys
import time

sys.path.insert(
    0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tests")
)

import torch  # noqa: E402

import glassnet as gn  # noqa: E402
from glassnet.cli import RL_DEFAULTS  # noqa: E402
from glassnet.rl import DQN  # noqa: E402
from reference_dqn import TorchDQN  # noqa: E402

STEPS = int(os.environ.get("DQN_STEPS", 6000))
REPEATS = int(os.environ.get("DQN_REPEATS", 3))


def main() -> None:
    """Time both agents REPEATS times for STEPS steps each and print steps/s and the ratio."""
    torch.set_num_threads(1)
    params = {**RL_DEFAULTS, "learning_starts": 1000}
    updates = (STEPS - params["learning_starts"] - 1) // params["train_frequency"]
    print(f"CartPole-v1, {STEPS} steps per run (~{updates} TD updates), torch {torch.__version__}")
    ours, ref = [], []
    for r in range(REPEATS):
        gn.manual_seed(r)
        agent = DQN("CartPole-v1", **params, seed=r)
        init = {k: v._array.copy() for k, v in agent.q_network.state_dict().items()}
        t = time.perf_counter()
        agent.learn(STEPS)
        ours.append(STEPS / (time.perf_counter() - t))
        theirs = TorchDQN(agent.params, init, r)
        t = time.perf_counter()
        theirs.learn(STEPS)
        ref.append(STEPS / (time.perf_counter() - t))
        print(f"run {r}: glassnet {ours[-1]:.0f} steps/s, torch {ref[-1]:.0f} steps/s")
    ratio = statistics.median(a / b for a, b in zip(ours, ref))
    print(
        f"glassnet {statistics.median(ours):.0f} steps/s, torch {statistics.median(ref):.0f} "
        f"steps/s (medians)"
    )
    print(f"ratio={ratio:.2f}")


if __name__ == "__main__":
    main()
