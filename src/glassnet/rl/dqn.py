"""`DQN`: Deep Q-Network (Mnih et al. 2015) with a replay buffer, a target network,
ε-greedy exploration, Huber/MSE TD loss, gradient clipping and optional Double DQN.

The TD update is the training core's: `TDModel` is a `train.Model` whose `train_step` takes a
replay batch instead of (x, y) — the Q-network is trained by the same optimizer machinery
as any other glassnet model.

    y = r + γ (1 − terminated) · max_a' Q_target(s', a')                  (DQN)
    y = r + γ (1 − terminated) · Q_target(s', argmax_a' Q(s', a'))        (Double DQN)
    loss = huber(Q(s, a) − y)  or  mse;  θ_target ← τ θ + (1 − τ) θ_target every N steps

Hyper-parameters carry CleanRL's `dqn.py` names and defaults; Stable-Baselines3's names:

    glassnet / CleanRL        default      SB3 DQN name              SB3 default
    learning_rate             2.5e-4       learning_rate             1e-4
    buffer_size               10_000       buffer_size               1_000_000
    gamma                     0.99         gamma                     0.99
    tau                       1.0          tau                       1.0
    target_network_frequency  500          target_update_interval    10_000
    batch_size                128          batch_size                32
    start_e                   1.0          exploration_initial_eps   1.0
    end_e                     0.05         exploration_final_eps     0.05
    exploration_fraction      0.5          exploration_fraction      0.1
    learning_starts           10_000       learning_starts           100
    train_frequency           10           train_freq                4
    max_grad_norm             None         max_grad_norm             10
    double_q                  False        (not in SB3's DQN)        -
    loss                      "mse"        (Huber, fixed)            smooth L1
    net_arch                  (120, 84)    policy_kwargs net_arch    [64, 64]
"""

from __future__ import annotations

import math
import os
from typing import Any

import numpy as np

from .. import nn, optim
from ..autograd import Tensor, get_rng_state, manual_seed, no_grad, set_rng_state
from ..models import MLP
from ..serialization import CheckpointError, load_checkpoint, save
from ..train.model import Model
from .agent import Agent, check_params, discrete_actions, env_id, make_env
from .buffer import ReplayBuffer, ReplayBufferSamples

DEFAULTS: dict[str, Any] = {
    "learning_rate": 2.5e-4,
    "buffer_size": 10_000,
    "gamma": 0.99,
    "tau": 1.0,
    "target_network_frequency": 500,
    "batch_size": 128,
    "start_e": 1.0,
    "end_e": 0.05,
    "exploration_fraction": 0.5,
    "learning_starts": 10_000,
    "train_frequency": 10,
    "max_grad_norm": None,
    "double_q": False,
    "loss": "mse",
    "net_arch": (120, 84),
    "seed": None,
}
FORMAT = "glassnet.rl.DQN/1"


def QNetwork(observation_size: int, n_actions: int, net_arch: Any = (120, 84)) -> MLP:
    """The Q-network: an `MLP` from the observation to one Q-value per action (ReLU)."""
    return MLP([int(observation_size), *(int(n) for n in net_arch), int(n_actions)], "relu")


class TDModel(Model):
    """The Q-network in the training core: `train_step` is one TD update on a replay batch."""

    def __init__(
        self,
        q_network: nn.Module,
        target_network: nn.Module,
        gamma: float,
        double_q: bool,
        max_grad_norm: float | None,
    ) -> None:
        super().__init__(q_network)
        self.target_network = target_network
        self.gamma, self.double_q, self.max_grad_norm = gamma, double_q, max_grad_norm

    def td_target(self, batch: ReplayBufferSamples) -> np.ndarray:
        """r + γ(1 − done)·Q_target(s', a*), a* the target's (or, Double DQN, the online
        network's) best action."""
        rows = np.arange(len(batch.actions))
        with no_grad():
            nxt = Tensor._wrap(batch.next_observations, False)
            q_next = self.target_network(nxt)._array
            if self.double_q:
                best = q_next[rows, self.module(nxt)._array.argmax(1)]
            else:
                best = q_next.max(1)
        return batch.rewards + self.gamma * best * (1 - batch.dones)

    def train_step(self, batch: Any) -> dict[str, float]:
        """One TD update: Q(s, a) towards `td_target`, backward, clip, optimizer step."""
        target = self.td_target(batch)
        q = self.module(Tensor._wrap(batch.observations, False))
        q_sa = q[np.arange(len(batch.actions)), batch.actions]
        loss = self.compute_loss(q_sa, target)
        value = float(loss._array)
        if math.isfinite(value):
            self.optimizer.zero_grad()
            loss.backward()
            if self.max_grad_norm is not None:
                nn.utils.clip_grad_norm_(self.module.parameters(), self.max_grad_norm)
            self.optimizer.step()
        return {"loss": value, "q_values": float(q_sa._array.mean())}

    def update_target(self, tau: float) -> None:
        """θ_target ← τ θ + (1 − τ) θ_target (τ = 1: a hard copy)."""
        for t, p in zip(self.target_network.parameters(), self.module.parameters()):
            if tau == 1.0:
                t._array[...] = p._array
            else:
                t._array[...] = tau * p._array + (1.0 - tau) * t._array


class DQN(Agent):
    """A Deep Q-Network agent on a Gymnasium environment with discrete actions.

    `env` is an id ('CartPole-v1') or an environment; the other arguments are the
    hyper-parameters in the module docstring's table (CleanRL's names and defaults).
    `learn(total_timesteps)` trains; `predict(obs)` acts greedily; `save`/`load` keep the
    policy, `save_checkpoint`/`load_checkpoint` the whole run. A `seed` seeds glassnet's
    global generator (the networks' init), the ε draws, the replay sampling and the env.
    """

    def __init__(
        self,
        env: Any,
        learning_rate: float = 2.5e-4,
        buffer_size: int = 10_000,
        gamma: float = 0.99,
        tau: float = 1.0,
        target_network_frequency: int = 500,
        batch_size: int = 128,
        start_e: float = 1.0,
        end_e: float = 0.05,
        exploration_fraction: float = 0.5,
        learning_starts: int = 10_000,
        train_frequency: int = 10,
        max_grad_norm: float | None = None,
        double_q: bool = False,
        loss: str = "mse",
        net_arch: Any = (120, 84),
        seed: int | None = None,
    ) -> None:
        params = {k: v for k, v in locals().items() if k in DEFAULTS}
        check_params("DQN", params)
        if buffer_size < batch_size:
            raise ValueError(
                f"DQN: buffer_size={buffer_size} is smaller than batch_size={batch_size}; "
                "the replay buffer must hold at least one batch"
            )
        self.params = {**params, "net_arch": [int(n) for n in net_arch]}
        for k, v in self.params.items():
            setattr(self, k, v)
        self.env = make_env(env)
        self.n_actions = discrete_actions(self.env, "DQN")
        shape = getattr(self.env.observation_space, "shape", None)
        if not shape or len(shape) != 1:
            raise ValueError(
                f"DQN: the observation space must be a flat Box (a vector), got "
                f"{self.env.observation_space}; an MLP Q-network reads vectors"
            )
        if seed is not None:  # as SB3's set_random_seed / CleanRL's torch.manual_seed
            manual_seed(seed)
        self.q_network = QNetwork(shape[0], self.n_actions, net_arch)
        self.target_network = QNetwork(shape[0], self.n_actions, net_arch)
        self.target_network.load_state_dict(self.q_network.state_dict())
        self.model = TDModel(self.q_network, self.target_network, gamma, double_q, max_grad_norm)
        opt = optim.create("adam", self.q_network.parameters(), lr=learning_rate)
        self.model.compile(opt, loss=loss)
        self._shape, self._buffer = shape, None
        self._init_loop()

    @property
    def replay_buffer(self) -> ReplayBuffer:
        """The replay buffer, allocated on first use (a loaded policy never allocates one)."""
        if self._buffer is None:
            seed = None if self.seed is None else self.seed + 1
            self._buffer = ReplayBuffer(self.buffer_size, self._shape, np.float32, seed)
        return self._buffer

    def _random_action(self) -> int:
        return int(self.rng.integers(self.n_actions))

    def q_values(self, observations: Any) -> np.ndarray:
        """Q(s, ·) for a batch of observations (or one), from the online network."""
        obs = np.asarray(observations, np.float32)
        with no_grad():
            return self.q_network(Tensor._wrap(obs, False))._array

    def _greedy(self, obs: Any) -> int:
        return int(self.q_values(np.asarray(obs, np.float32)[None])[0].argmax())

    def _observe(
        self, t: int, obs: Any, next_obs: Any, action: int, reward: float, terminated: bool
    ) -> None:
        """Store the transition; past learning_starts, train every train_frequency steps and
        sync the target every target_network_frequency (CleanRL's schedule)."""
        self.replay_buffer.add(obs, next_obs, action, reward, terminated)
        if t > self.learning_starts:
            if t % self.train_frequency == 0:
                self.logs = self.model.train_step(self.replay_buffer.sample(self.batch_size))
            if t % self.target_network_frequency == 0:
                self.model.update_target(self.tau)

    # ----- files --------------------------------------------------------------------------
    def _meta(self) -> dict:
        return {"format": FORMAT, "env_id": env_id(self.env), "params": self.params}

    def save(self, path: str | os.PathLike) -> None:
        """Write the policy (the Q-network and the hyper-parameters) as one safetensors file."""
        save(self.q_network, path, training={"rl": self._meta()})

    @classmethod
    def load(cls, path: str | os.PathLike, env: Any = None) -> DQN:
        """A DQN with the weights of a `save`d file, on `env` (default: the saved env id)."""
        ck = load_checkpoint(path)
        agent = cls._from_meta(ck.training.get("rl"), env, str(path), ck.module)
        _load_weights(agent.q_network, ck.module.state_dict(), str(path))
        agent.target_network.load_state_dict(agent.q_network.state_dict())
        return agent

    @classmethod
    def _from_meta(cls, meta: Any, env: Any, where: str, module: Any) -> DQN:
        """An agent built from a file's hyper-parameters, once they are known to describe the
        network the file holds (so nothing bigger than the file is allocated)."""
        if not isinstance(meta, dict) or meta.get("format") != FORMAT:
            raise CheckpointError(f"{where}: not a glassnet DQN agent file (no {FORMAT!r} entry)")
        params = meta.get("params")
        if not isinstance(params, dict) or set(params) != set(DEFAULTS):
            raise CheckpointError(f"{where}: the DQN hyper-parameters are missing or unknown")
        if not isinstance(module, MLP) or module.sizes[1:-1] != params["net_arch"]:
            raise CheckpointError(
                f"{where}: the saved network is not the MLP with hidden sizes "
                f"{str(params['net_arch'])[:80]} that its hyper-parameters describe"
            )
        if env is None:
            env = meta.get("env_id")
            if not isinstance(env, str):
                raise CheckpointError(f"{where}: no environment id saved; pass env=")
        try:
            return cls(env, **params)
        except (TypeError, ValueError) as e:
            raise CheckpointError(f"{where}: {e}") from None

    def save_checkpoint(self, path: str | os.PathLike) -> None:
        """Write the whole run atomically: networks, optimizer, replay buffer, every RNG state,
        the step counter and the episode so far; `load_checkpoint` continues it bit for bit."""
        loop, loop_arrays = self._loop_state()
        buf_arrays, buf_info = self.replay_buffer.state_dict()
        extra = {f"loop.{k}": v for k, v in loop_arrays.items()}
        extra.update({f"buffer.{k}": v for k, v in buf_arrays.items()})
        extra.update({f"target.{k}": v._array for k, v in self.target_network.state_dict().items()})
        training = {
            "rl": self._meta(),
            "loop": loop,
            "buffer": buf_info,
            "glassnet_rng": get_rng_state(),
        }
        save(self.q_network, path, optimizer=self.model.optimizer, training=training, extra=extra)

    @classmethod
    def load_checkpoint(cls, path: str | os.PathLike, env: Any = None) -> DQN:
        """Rebuild a run written by `save_checkpoint`, ready to `learn` on where it stopped."""
        where = str(path)
        ck = load_checkpoint(path)
        agent = cls._from_meta(ck.training.get("rl"), env, where, ck.module)
        tr, ex = ck.training, ck.extra
        part = {
            p: {k[len(p) + 1 :]: v for k, v in ex.items() if k.startswith(p + ".")}
            for p in ("loop", "buffer", "target")
        }
        if ck.optimizer is None:
            raise CheckpointError(f"{where}: holds no optimizer state (a policy, not a checkpoint)")
        held = part["buffer"].get("observations")
        if held is None or len(held) != agent.buffer_size:
            raise CheckpointError(
                f"{where}: the replay buffer holds {None if held is None else len(held)} "
                f"rows, buffer_size is {agent.buffer_size}"
            )
        try:
            _load_weights(agent.q_network, ck.module.state_dict(), where)
            _load_weights(agent.target_network, part["target"], where)
            agent.model.optimizer = optim.state.restore_optimizer(
                ck.optimizer, list(agent.q_network.parameters())
            )
            agent.replay_buffer.load_state_dict(part["buffer"], tr.get("buffer") or {})
            agent._restore_loop(tr.get("loop") or {}, part["loop"], where)
            set_rng_state(tr["glassnet_rng"])
        except (KeyError, TypeError, ValueError) as e:
            raise CheckpointError(f"{where}: cannot restore the run ({e})") from None
        return agent


def _load_weights(module: nn.Module, weights: dict, where: str) -> None:
    try:
        module.load_state_dict(weights)
    except (KeyError, ValueError) as e:
        raise CheckpointError(f"{where}: the weights do not fit the saved network ({e})") from None


__all__ = ["DEFAULTS", "DQN", "QNetwork", "TDModel"]
