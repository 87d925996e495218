"""The same DQN written in PyTorch (CleanRL's dqn.py loop), for the step-for-step test and
benchmarks/dqn.py. It is fed the same ε draws (a NumPy generator seeded as glassnet's agent
seeds its own) and the same replay samples (a ReplayBuffer seeded as the agent's)."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
import torch
import torch.nn.functional as F

from glassnet.rl import ReplayBuffer


def mlp(sizes: list[int]) -> torch.nn.Sequential:
    """Linear-ReLU-…-Linear, the layout of glassnet's MLP (same state_dict keys)."""
    layers: list[torch.nn.Module] = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers += [torch.nn.Linear(a, b)] + ([torch.nn.ReLU()] if i < len(sizes) - 2 else [])
    return torch.nn.Sequential(*layers)


class TorchDQN:
    """DQN on CartPole-v1 in PyTorch, starting from `weights` (a glassnet state dict)."""

    def __init__(self, params: dict[str, Any], weights: dict[str, np.ndarray], seed: int):
        self.p = p = params
        self.q = mlp([4, *p["net_arch"], 2])
        self.q.load_state_dict({k: torch.from_numpy(np.array(v)) for k, v in weights.items()})
        self.target = mlp([4, *p["net_arch"], 2])
        self.target.load_state_dict(self.q.state_dict())
        self.opt = torch.optim.Adam(self.q.parameters(), lr=p["learning_rate"])
        self.rng = np.random.default_rng(seed)
        self.buffer = ReplayBuffer(p["buffer_size"], (4,), seed=seed + 1)
        self.env = gym.make("CartPole-v1")
        self.seed = seed

    def act(self, obs: np.ndarray, eps: float) -> int:
        """ε-greedy: a uniform action with probability eps, else argmax Q."""
        if self.rng.random() < eps:
            return int(self.rng.integers(2))
        with torch.no_grad():
            return int(self.q(torch.from_numpy(np.asarray(obs, np.float32))).argmax())

    def train_step(self) -> None:
        """One TD update on a replay batch (Double DQN / Huber / clipping as configured)."""
        p, q = self.p, self.q
        d = self.buffer.sample(p["batch_size"])
        with torch.no_grad():
            s2 = torch.from_numpy(d.next_observations)
            qn = self.target(s2)
            if p["double_q"]:
                best = qn.gather(1, q(s2).argmax(1, keepdim=True)).squeeze(1)
            else:
                best = qn.max(1).values
            y = torch.from_numpy(d.rewards) + p["gamma"] * best * (1 - torch.from_numpy(d.dones))
        qsa = q(torch.from_numpy(d.observations))
        qsa = qsa.gather(1, torch.from_numpy(d.actions)[:, None]).squeeze(1)
        loss = F.huber_loss(qsa, y) if p["loss"] == "huber" else F.mse_loss(qsa, y)
        self.opt.zero_grad()
        loss.backward()
        if p["max_grad_norm"] is not None:
            torch.nn.utils.clip_grad_norm_(q.parameters(), p["max_grad_norm"])
        self.opt.step()

    def sync_target(self) -> None:
        """θ_target ← τ θ + (1 − τ) θ_target."""
        tau = self.p["tau"]
        with torch.no_grad():
            for tp, qp in zip(self.target.parameters(), self.q.parameters()):
                tp.copy_(tau * qp + (1.0 - tau) * tp)

    def learn(self, steps: int) -> TorchDQN:
        """CleanRL's loop: ε from the linear schedule, store, train, sync."""
        p = self.p
        obs, _ = self.env.reset(seed=self.seed)
        duration = p["exploration_fraction"] * steps
        for t in range(steps):
            eps = max((p["end_e"] - p["start_e"]) / duration * t + p["start_e"], p["end_e"])
            action = self.act(obs, eps)
            nxt, r, term, trunc, _ = self.env.step(action)
            self.buffer.add(obs, nxt, action, r, term)
            obs = self.env.reset()[0] if term or trunc else nxt
            if t > p["learning_starts"]:
                if t % p["train_frequency"] == 0:
                    self.train_step()
                if t % p["target_network_frequency"] == 0:
                    self.sync_target()
        return self
