"""Reinforcement learning: a Q-table on a grid world, then a Q-network on CartPole.

An agent acts, the environment answers with a new state and a reward, and the agent learns
Q(s, a): the return it can expect after action a in state s. Tabular Q-learning keeps one
number per (state, action) and moves it towards r + γ·max Q(s', ·) after every step; acting
greedily on the learned table is the policy. On the 4×4 FrozenLake grid (no slipping) that
policy walks the shortest safe path to the goal. CartPole's state is four real numbers, too
many states for a table: the DQN replaces the table by a small network trained on replayed
transitions (`glassnet.rl`, on Gymnasium's environments).
"""

from __future__ import annotations

from collections import deque
from pathlib import Path
from typing import Any

import numpy as np

from glassnet.rl import DQN, QLearning, evaluate_policy, make_env

from . import figures
from ._lesson import Lesson

TITLE = ("강화학습: Q-테이블에서 DQN까지", "Reinforcement learning: from a Q-table to a DQN")
TUTORIALS = ("002",)
GRID = dict(id="FrozenLake-v1", is_slippery=False)
GAMMA, Q_STEPS = 0.9, 20_000
DQN_STEPS, EVAL_EPISODES, EVAL_SEED = 5000, 10, 123
DQN_PARAMS = dict(learning_rate=1e-3, buffer_size=20_000, batch_size=128,
                  exploration_fraction=0.2, learning_starts=1000, train_frequency=2,
                  max_grad_norm=10.0, double_q=True, loss="huber", seed=0)  # fmt: skip


def grid_env() -> Any:
    """The 4×4 FrozenLake without slipping: S start, F frozen, H hole, G goal."""
    return make_env(GRID["id"], is_slippery=GRID["is_slippery"])


def shortest_path(desc: np.ndarray) -> int:
    """Fewest moves from S to G that avoid the holes (breadth-first search on the grid)."""
    rows, cols = desc.shape
    start = tuple(np.argwhere(desc == "S")[0])
    seen, queue = {start: 0}, deque([start])
    while queue:
        r, c = queue.popleft()
        if desc[r, c] == "G":
            return seen[(r, c)]
        for dr, dc in ((0, 1), (1, 0), (0, -1), (-1, 0)):
            n = (r + dr, c + dc)
            if 0 <= n[0] < rows and 0 <= n[1] < cols and desc[n] != "H" and n not in seen:
                seen[n] = seen[(r, c)] + 1
                queue.append(n)
    raise ValueError("the grid has no safe path from S to G")


def greedy_walk(agent: QLearning, limit: int = 100) -> tuple[list[int], list[int], float]:
    """The states a greedy run visits from the start, the actions it takes, and its return
    (equal Q-values are tied at random, so it may take either of two equally short paths)."""
    env = grid_env()
    obs, _ = env.reset(seed=0)
    visited, actions, total = [int(obs)], [], 0.0
    for _ in range(limit):
        actions.append(agent.predict(obs)[0])
        obs, reward, terminated, truncated, _ = env.step(actions[-1])
        visited.append(int(obs))
        total += float(reward)
        if terminated or truncated:
            break
    return visited, actions, total


class RandomPolicy:
    """A policy that picks actions uniformly at random: the baseline to beat."""

    def __init__(self, n_actions: int, seed: int = 0) -> None:
        self.n_actions, self.rng = n_actions, np.random.default_rng(seed)

    def predict(self, observation: Any, deterministic: bool = True) -> tuple[int, None]:
        """A random action (the observation is ignored)."""
        return int(self.rng.integers(self.n_actions)), None


def run(lang: str = "en", plot_dir: str | Path | None = None) -> dict:
    """Q-learning on the grid and its greedy path; a short DQN run on CartPole."""
    L = Lesson("reinforcement", TITLE, TUTORIALS, lang, plot_dir)
    env = grid_env()
    desc = env.unwrapped.desc.astype(str)
    agent = QLearning(env, learning_rate=0.5, gamma=GAMMA, exploration_fraction=0.5, seed=0)
    agent.learn(Q_STEPS)
    visited, taken, ret = greedy_walk(agent)
    best = shortest_path(desc)
    L.say(
        "4×4 얼음 호수 {grid}: 구멍 H에 빠지면 끝, 목표 G에 닿으면 보상 1. Q-러닝 {steps:,}걸음 "
        "(에피소드 {episodes}개, γ = {gamma}) 뒤 탐욕 정책은 {moves}걸음 만에 목표에 닿습니다 "
        "(보상 {ret:.0f}); 가장 짧은 안전한 길도 {best}걸음입니다.",
        "The 4×4 frozen lake {grid}: falling into a hole H ends the episode, reaching the goal "
        "G pays 1. After {steps:,} steps of Q-learning ({episodes} episodes, γ = {gamma}) the "
        "greedy policy reaches the goal in {moves} moves (return {ret:.0f}); the shortest safe "
        "path is also {best} moves.",
        grid=["".join(row) for row in desc],
        steps=Q_STEPS,
        episodes=len(agent.episode_returns),
        gamma=GAMMA,
        moves=len(visited) - 1,
        ret=ret,
        best=best,
    )
    q_start = float(agent.q_table_[visited[0]].max())
    L.say(
        "시작 칸의 가장 큰 Q 값은 {q_start:.4f} 입니다: 보상 1이 {best}걸음 뒤에 오므로 "
        "γ^{power} = {discounted:.4f}. Q 값은 할인된 미래 보상입니다.",
        "The start cell's largest Q-value is {q_start:.4f}: the reward 1 comes {best} moves "
        "later, so γ^{power} = {discounted:.4f}. A Q-value is the discounted future reward.",
        q_start=q_start,
        power=best - 1,
        discounted=GAMMA ** (best - 1),
    )
    arrows = agent.q_table_.argmax(1)
    arrows[visited[:-1]] = taken  # on the path, the action the walk took
    figures.grid_policy(
        L.figure("policy"),
        desc,
        arrows,
        visited,
        L.t("학습한 탐욕 정책과 그 길", "the learned greedy policy and its path"),
    )
    dqn = DQN("CartPole-v1", **DQN_PARAMS).learn(DQN_STEPS)
    mean, std = evaluate_policy(dqn, "CartPole-v1", EVAL_EPISODES, seed=EVAL_SEED)
    rand, _ = evaluate_policy(RandomPolicy(2), "CartPole-v1", EVAL_EPISODES, seed=EVAL_SEED)
    returns = dqn.episode_returns
    L.say(
        "CartPole은 상태가 실수 4개라 표를 만들 수 없습니다. DQN (은닉층 {arch}) 을 {dqn_steps:,}"
        "걸음 학습 (에피소드 {dqn_episodes}개): 처음 20개 에피소드의 평균 보상 {first:.1f}, "
        "마지막 20개 {last:.1f}. 탐욕 정책 {n_eval}번 평가: {mean:.1f} ± {std:.1f}, 무작위 "
        "정책은 {random:.1f} (한 에피소드의 최대는 500).",
        "CartPole's state is 4 real numbers: no table fits. A DQN (hidden layers {arch}) trained "
        "for {dqn_steps:,} steps ({dqn_episodes} episodes): mean return of the first 20 "
        "episodes {first:.1f}, of the last 20 {last:.1f}. The greedy policy over {n_eval} "
        "episodes: {mean:.1f} ± {std:.1f}; a random policy gets {random:.1f} (an episode's "
        "most is 500).",
        arch=list(dqn.net_arch),
        dqn_steps=DQN_STEPS,
        dqn_episodes=len(returns),
        first=float(np.mean(returns[:20])),
        last=float(np.mean(returns[-20:])),
        n_eval=EVAL_EPISODES,
        mean=mean,
        std=std,
        random=rand,
    )
    L.record(q_table=agent.q_table_, visited=visited, returns=list(returns))
    k = np.arange(1, len(returns) + 1)
    smooth = np.convolve(returns, np.ones(20) / 20, mode="valid")
    figures.panels(
        L.figure("returns"),
        [
            {
                "title": L.t("CartPole: 에피소드마다 보상", "CartPole: return per episode"),
                "xlabel": L.t("에피소드", "episode"),
                "ylabel": L.t("보상", "return"),
                "series": [
                    (L.t("에피소드", "episode"), k, returns, {"alpha": 0.4}),
                    (L.t("20개 이동 평균", "moving mean of 20"), k[19:], smooth),
                ],
                "hlines": [(rand, L.t("무작위 정책", "random policy"))],
            }
        ],
    )
    return L.result()
