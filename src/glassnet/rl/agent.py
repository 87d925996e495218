"""The environment loop, written on Gymnasium's `Env` API, shared by every agent here.

    obs, info = env.reset(seed=seed)                # once; later resets continue its RNG
    obs', reward, terminated, truncated, info = env.step(action)

`terminated` (the pole fell, the agent reached the goal) ends the return: the TD target of
that step has no future term. `truncated` (a time limit) only stops the episode: the stored
transition keeps `done = 0`, so its target still bootstraps from obs'. A run is resumable
mid-episode: the loop keeps the env RNG state of the episode's reset and the actions taken
since, and a restored agent replays them (Gymnasium's classic environments are deterministic
given their RNG), checking that it arrives at the saved observation.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from typing import Any

import numpy as np

from ..autograd.blas import one_thread

MAX_EPISODE_STEPS_REPLAYED = 1_000_000


def make_env(env_id: Any, **kwargs: Any) -> Any:
    """`gymnasium.make(env_id)`, or `env_id` itself if it already is an environment; an
    unknown id is a ValueError naming it."""
    if not isinstance(env_id, str):
        if not (hasattr(env_id, "reset") and hasattr(env_id, "step")):
            raise TypeError(
                f"rl: env must be a Gymnasium environment or an id such as 'CartPole-v1', "
                f"got {type(env_id).__name__}"
            )
        return env_id
    try:
        import gymnasium
    except ImportError:
        raise ImportError("glassnet.rl needs gymnasium: pip install 'glassnet[rl]'") from None
    try:
        return gymnasium.make(env_id, **kwargs)
    except gymnasium.error.Error as e:
        raise ValueError(
            f"rl: unknown environment id {env_id!r} ({e}); Gymnasium's ids look like "
            "'CartPole-v1', 'FrozenLake-v1', 'MountainCar-v0'"
        ) from None


def env_id(env: Any) -> str | None:
    """The registered id of an environment made by `gymnasium.make`, else None."""
    spec = getattr(env, "spec", None)
    return getattr(spec, "id", None)


def _name(env: Any) -> str:
    return repr(env_id(env) or type(env).__name__)


def discrete_actions(env: Any, algorithm: str) -> int:
    """The number of actions of a Discrete action space; anything else is a clear error."""
    from gymnasium import spaces

    space = env.action_space
    if not isinstance(space, spaces.Discrete):
        raise ValueError(
            f"{algorithm}: environment {_name(env)} has a {space} action space; {algorithm} "
            "needs discrete actions (gymnasium.spaces.Discrete): it picks the action with the "
            "highest Q-value, which a continuous space does not have"
        )
    if int(space.start) != 0:
        raise ValueError(f"{algorithm}: {_name(env)}'s Discrete actions must start at 0")
    return int(space.n)


def linear_schedule(start_e: float, end_e: float, duration: float, t: int) -> float:
    """CleanRL's ε: from start_e down to end_e linearly over `duration` steps, then end_e."""
    if duration <= 0:
        return end_e
    slope = (end_e - start_e) / duration
    return max(slope * t + start_e, end_e)


# ----- hyper-parameters, declared as data and checked in one place --------------------------
def _real(lo: float, hi: float, lo_open: bool = False) -> tuple[Callable[[Any], bool], str]:
    def ok(v: Any) -> bool:
        if isinstance(v, bool) or not isinstance(v, numbers.Real) or not math.isfinite(v):
            return False
        return (lo < v if lo_open else lo <= v) and v <= hi

    return ok, f"a number in {'(' if lo_open else '['}{lo}, {hi}]"


def _int(lo: int) -> tuple[Callable[[Any], bool], str]:
    return (
        lambda v: isinstance(v, numbers.Integral) and not isinstance(v, bool) and v >= lo,
        f"an integer >= {lo}",
    )


def _optional(rule: tuple[Callable[[Any], bool], str]) -> tuple[Callable[[Any], bool], str]:
    return (lambda v: v is None or rule[0](v)), f"None or {rule[1]}"


POSITIVE = _real(0, math.inf, lo_open=True)
FRACTION = _real(0, 1)
RULES: dict[str, tuple[Callable[[Any], bool], str]] = {
    "learning_rate": POSITIVE,
    "buffer_size": _int(1),
    "gamma": FRACTION,
    "tau": _real(0, 1, lo_open=True),
    "target_network_frequency": _int(1),
    "batch_size": _int(1),
    "start_e": FRACTION,
    "end_e": FRACTION,
    "exploration_fraction": FRACTION,
    "learning_starts": _int(0),
    "train_frequency": _int(1),
    "max_grad_norm": _optional(POSITIVE),
    "double_q": (lambda v: isinstance(v, bool), "True or False"),
    "loss": (lambda v: v in ("huber", "mse"), "'huber' or 'mse'"),
    "net_arch": (
        lambda v: (
            isinstance(v, (list, tuple))
            and all(
                isinstance(n, numbers.Integral) and not isinstance(n, bool) and n > 0 for n in v
            )
        ),
        "a list of positive layer widths",
    ),
    "seed": _optional(_int(0)),
}


def check_params(algorithm: str, params: dict[str, Any]) -> None:
    """Check each hyper-parameter against RULES; the error names it and its value."""
    for k, v in params.items():
        ok, what = RULES[k]
        if not ok(v):
            raise ValueError(f"{algorithm}: {k} must be {what}, got {v!r}")


# ----- the loop ------------------------------------------------------------------------------
class Agent:
    """An ε-greedy agent learning from one Gymnasium environment, step by step.

    Subclasses set `self.env`, `self.seed`, `self.start_e/end_e/exploration_fraction`, call
    `_init_loop()`, and implement `_greedy(obs)`, `_observe(t, obs, next_obs, action, reward,
    terminated)` (store and learn at step t) and `_random_action()`.
    """

    env: Any
    seed: int | None
    start_e: float
    end_e: float
    exploration_fraction: float

    def _init_loop(self) -> None:
        self.rng = np.random.default_rng(self.seed)  # ε draws and random actions
        self.num_timesteps = 0
        self.total_timesteps = 0
        self.episode_returns: list[float] = []
        self.episode_lengths: list[int] = []
        self.logs: dict[str, float] = {}  # the last training step's (loss, q_values)
        self._obs: Any = None
        self._episode: dict[str, Any] = {}

    @property
    def exploration_rate(self) -> float:
        """ε at the current step (SB3's name): the chance of a uniformly random action."""
        duration = self.exploration_fraction * self.total_timesteps
        return linear_schedule(self.start_e, self.end_e, duration, self.num_timesteps)

    def _reset(self) -> None:
        """Start an episode, remembering how (so a checkpoint can rebuild it)."""
        if self._obs is None and not self.episode_returns:
            state, (obs, _) = None, self.env.reset(seed=self.seed)
        else:
            state = dict(self.env.unwrapped.np_random.bit_generator.state)
            obs, _ = self.env.reset()
        self._obs = obs
        self._episode = {"rng": state, "actions": [], "return": 0.0, "length": 0}

    def _act(self, obs: Any, epsilon: float) -> int:
        if self.rng.random() < epsilon:
            return self._random_action()
        return self._greedy(obs)

    def learn(
        self,
        total_timesteps: int,
        callback: Callable[[Any], Any] | None = None,
        progress_bar: bool = False,
    ) -> Agent:
        """Interact and learn until `num_timesteps` reaches `total_timesteps` (SB3's learn with
        reset_num_timesteps=False: a resumed agent continues its count). `callback(agent)` is
        called after every step; returning False stops the run there."""
        if not isinstance(total_timesteps, numbers.Integral) or total_timesteps < 1:
            raise ValueError(
                f"learn: total_timesteps must be a positive int, got {total_timesteps}"
            )
        self.total_timesteps = int(total_timesteps)
        if self._obs is None:
            self._reset()
        bar = _progress(self) if progress_bar else None
        try:
            with one_thread():  # tiny products: a 2nd thread made 128×120 ~8× slower
                while self.num_timesteps < self.total_timesteps:
                    self._step()
                    if bar is not None and self.num_timesteps % 100 == 0:
                        _show(bar, self)
                    if callback is not None and callback(self) is False:
                        break
        finally:
            if bar is not None:
                _show(bar, self)
                bar.close()
        return self

    def _step(self) -> None:
        t, obs = self.num_timesteps, self._obs
        action = self._act(obs, self.exploration_rate)
        next_obs, reward, terminated, truncated, _ = self.env.step(action)
        ep = self._episode
        ep["actions"].append(action)
        ep["return"] += float(reward)
        ep["length"] += 1
        self._observe(t, obs, next_obs, action, float(reward), bool(terminated))
        self.num_timesteps = t + 1
        if terminated or truncated:
            self.episode_returns.append(ep["return"])
            self.episode_lengths.append(ep["length"])
            self._reset()
        else:
            self._obs = next_obs

    def predict(self, observation: Any, deterministic: bool = True) -> tuple[int, None]:
        """The action for an observation and no recurrent state (SB3's signature); with
        deterministic=False it is ε-greedy at the current ε."""
        if deterministic:
            return self._greedy(observation), None
        return self._act(observation, self.exploration_rate), None

    # ----- checkpoint pieces --------------------------------------------------------------------
    def _loop_state(self) -> tuple[dict, dict[str, np.ndarray]]:
        """The loop's JSON-able state and its arrays, for a checkpoint."""
        ep = self._episode
        info = {
            "num_timesteps": self.num_timesteps,
            "total_timesteps": self.total_timesteps,
            "rng": self.rng.bit_generator.state,
            "episode": {"rng": ep.get("rng"), "return": ep.get("return", 0.0)},
            "started": self._obs is not None,
            "logs": self.logs,
        }
        arrays = {
            "episode_returns": np.asarray(self.episode_returns, np.float64),
            "episode_lengths": np.asarray(self.episode_lengths, np.int64),
            "episode_actions": np.asarray(ep.get("actions", []), np.int64),
        }
        if self._obs is not None:
            arrays["observation"] = np.asarray(self._obs)
        return info, arrays

    def _restore_loop(self, info: dict, arrays: dict[str, np.ndarray], where: str) -> None:
        """Put the loop back where `_loop_state` left it, replaying the current episode."""
        n, total = info.get("num_timesteps"), info.get("total_timesteps")
        if not (isinstance(n, int) and isinstance(total, int) and 0 <= n):
            raise ValueError(f"{where}: step counters {n!r}/{total!r} are invalid")
        self.rng = np.random.default_rng()
        self.rng.bit_generator.state = info.get("rng")
        returns, lengths = arrays.get("episode_returns"), arrays.get("episode_lengths")
        actions = arrays.get("episode_actions")
        if returns is None or lengths is None or actions is None or len(returns) != len(lengths):
            raise ValueError(f"{where}: the episode log arrays are missing or disagree")
        if len(actions) > MAX_EPISODE_STEPS_REPLAYED:
            raise ValueError(f"{where}: {len(actions)} steps to replay is too many")
        self.num_timesteps, self.total_timesteps = n, total
        self.episode_returns = [float(r) for r in returns]
        self.episode_lengths = [int(k) for k in lengths]
        self.logs = dict(info.get("logs") or {})
        self._obs = None
        if info.get("started"):
            self._replay(info.get("episode") or {}, actions, arrays.get("observation"), where)

    def _replay(self, ep: dict, actions: np.ndarray, saved: Any, where: str) -> None:
        state = ep.get("rng")
        if state is None:
            obs, _ = self.env.reset(seed=self.seed)
        else:
            self.env.unwrapped.np_random.bit_generator.state = state
            obs, _ = self.env.reset()
        for a in actions:
            obs, _, terminated, truncated, _ = self.env.step(int(a))
            if terminated or truncated:
                raise ValueError(f"{where}: replaying the saved episode ended it early")
        if saved is None or not np.array_equal(np.asarray(obs), saved):
            raise ValueError(
                f"{where}: replaying the saved episode did not reach the saved observation "
                "(is the environment the same, and deterministic given its seed?)"
            )
        self._obs = obs
        self._episode = {
            "rng": state,
            "actions": [int(a) for a in actions],
            "return": float(ep.get("return", 0.0)),
            "length": len(actions),
        }


def mean_return(agent: Agent, last: int = 20) -> float:
    """The mean return of the agent's last `last` finished episodes (nan before the first)."""
    r = agent.episode_returns[-last:]
    return float(np.mean(r)) if r else float("nan")


def _progress(agent: Agent) -> Any:
    from tqdm.auto import tqdm

    return tqdm(
        total=agent.total_timesteps, initial=agent.num_timesteps, unit="step", dynamic_ncols=True
    )


def _show(bar: Any, agent: Agent) -> None:
    bar.n = agent.num_timesteps
    bar.set_postfix(
        {"return(20)": f"{mean_return(agent):.1f}", "eps": f"{agent.exploration_rate:.3f}"},
        refresh=True,
    )


def evaluate_policy(
    agent: Any, env: Any, n_eval_episodes: int = 100, seed: int | None = None
) -> tuple[float, float]:
    """Mean and std of the greedy policy's return over `n_eval_episodes` (SB3's name)."""
    if not isinstance(n_eval_episodes, numbers.Integral) or n_eval_episodes < 1:
        raise ValueError(f"evaluate_policy: n_eval_episodes must be >= 1, got {n_eval_episodes}")
    env = make_env(env)
    returns = []
    for i in range(n_eval_episodes):
        obs, _ = env.reset(seed=seed if i == 0 else None)
        total, done = 0.0, False
        while not done:
            action, _ = agent.predict(obs, deterministic=True)
            obs, reward, terminated, truncated, _ = env.step(action)
            total += float(reward)
            done = terminated or truncated
        returns.append(total)
    return float(np.mean(returns)), float(np.std(returns))
