"""`QLearning`: tabular Q-learning (Watkins 1989) on a Gymnasium environment with discrete
states and actions, such as FrozenLake: the Q-table a DQN's network replaces.

    Q(s, a) ← Q(s, a) + α [r + γ (1 − terminated) max_a' Q(s', a') − Q(s, a)]
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .agent import Agent, check_params, discrete_actions, make_env


class QLearning(Agent):
    """ε-greedy tabular Q-learning; `q_table_` is (states × actions), zeros at the start.

    Hyper-parameters use the DQN's names: `learning_rate` is α, ε decays linearly from
    `start_e` to `end_e` over `exploration_fraction` of the run.
    """

    def __init__(
        self,
        env: Any,
        learning_rate: float = 0.1,
        gamma: float = 0.99,
        start_e: float = 1.0,
        end_e: float = 0.05,
        exploration_fraction: float = 0.5,
        seed: int | None = None,
    ) -> None:
        params = {k: v for k, v in locals().items() if k not in ("self", "env", "__class__")}
        check_params("QLearning", params)
        self.learning_rate, self.gamma, self.seed = learning_rate, gamma, seed
        self.start_e, self.end_e, self.exploration_fraction = start_e, end_e, exploration_fraction
        self.env = make_env(env)
        self.n_actions = discrete_actions(self.env, "QLearning")
        n_states = getattr(self.env.observation_space, "n", None)
        if n_states is None:
            raise ValueError(
                f"QLearning: needs a Discrete observation space (a table has one row per "
                f"state), got {self.env.observation_space}; use DQN for vector observations"
            )
        self.q_table_ = np.zeros((int(n_states), self.n_actions))
        self._init_loop()

    def _random_action(self) -> int:
        return int(self.rng.integers(self.n_actions))

    def _greedy(self, obs: Any) -> int:
        row = self.q_table_[int(obs)]  # ties broken at random, so an all-zero row explores
        return int(self.rng.choice(np.flatnonzero(row == row.max())))

    def _observe(
        self, t: int, obs: Any, next_obs: Any, action: int, reward: float, terminated: bool
    ) -> None:
        """The Q-learning update of Q(obs, action)."""
        q = self.q_table_
        target = reward + self.gamma * (0.0 if terminated else q[int(next_obs)].max())
        q[int(obs), action] += self.learning_rate * (target - q[int(obs), action])
