"""Reinforcement learning on Gymnasium environments: a Deep Q-Network and tabular Q-learning.

    from glassnet.rl import DQN, evaluate_policy
    agent = DQN("CartPole-v1", learning_rate=1e-3, double_q=True, seed=0).learn(100_000)
    mean, std = evaluate_policy(agent, "CartPole-v1", n_eval_episodes=100)

Needs the `rl` extra (`pip install 'glassnet[rl]'`: gymnasium).
"""

from .agent import Agent, evaluate_policy, linear_schedule, make_env, mean_return
from .buffer import ReplayBuffer, ReplayBufferSamples
from .dqn import DQN, QNetwork, TDModel
from .tabular import QLearning

__all__ = [
    "DQN",
    "Agent",
    "QLearning",
    "QNetwork",
    "ReplayBuffer",
    "ReplayBufferSamples",
    "TDModel",
    "evaluate_policy",
    "linear_schedule",
    "make_env",
    "mean_return",
]
