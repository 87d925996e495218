"""glassnet.rl (issue 18): replay buffer, ε schedule, the Gymnasium loop, tabular Q-learning,
a DQN step for step equal to the same DQN in PyTorch, checkpoint/resume, bad input."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from conftest import require

gym = require("gymnasium")
from glassnet.rl import (  # noqa: E402
    DQN,
    QLearning,
    ReplayBuffer,
    ReplayBufferSamples,
    evaluate_policy,
    linear_schedule,
)
from glassnet.serialization import CheckpointError  # noqa: E402

SMALL = dict(
    learning_rate=1e-3,
    buffer_size=1000,
    batch_size=32,
    target_network_frequency=50,
    train_frequency=1,
    exploration_fraction=0.5,
    learning_starts=50,
    net_arch=(32, 32),
)


# ----- replay buffer and schedule -----------------------------------------------------------
def test_replay_buffer_ring_overwrites_oldest_and_samples_what_is_stored():
    buf = ReplayBuffer(5, (2,), seed=0)
    for i in range(7):
        buf.add([i, i], [i + 1, i + 1], i % 2, float(i), i == 6)
    assert len(buf) == 5 and buf.full and buf.pos == 2
    assert sorted(buf.observations[:, 0].tolist()) == [2, 3, 4, 5, 6]
    batch = ReplayBufferSamples(*map(np.concatenate, zip(*(buf.sample(5) for _ in range(200)))))
    assert set(batch.observations[:, 0].tolist()) == {2, 3, 4, 5, 6}  # uniform over the ring
    np.testing.assert_array_equal(batch.next_observations, batch.observations + 1)
    np.testing.assert_array_equal(batch.dones, (batch.observations[:, 0] == 6).astype(np.float32))
    counts = np.bincount(batch.observations[:, 0].astype(int), minlength=7)[2:]
    assert counts.min() > 150  # ~200 each
    again = ReplayBuffer(5, (2,), seed=0)
    for i in range(7):
        again.add([i, i], [i + 1, i + 1], i % 2, float(i), i == 6)
    again_obs = np.concatenate([again.sample(5).observations for _ in range(200)])
    np.testing.assert_array_equal(again_obs, batch.observations)


def test_replay_buffer_refuses_bad_sizes_and_empty_sampling():
    with pytest.raises(ValueError, match="buffer_size must be a positive int"):
        ReplayBuffer(0, (4,))
    with pytest.raises(ValueError, match="empty"):
        ReplayBuffer(3, (4,)).sample(2)
    with pytest.raises(ValueError, match="batch_size must be 1..buffer_size=3, got 4"):
        ReplayBuffer(3, (4,)).sample(4)


def test_linear_schedule_is_cleanrls():
    assert linear_schedule(1.0, 0.05, 100, 0) == 1.0
    assert linear_schedule(1.0, 0.05, 100, 50) == pytest.approx(0.525)
    assert linear_schedule(1.0, 0.05, 100, 100) == pytest.approx(0.05)
    assert linear_schedule(1.0, 0.05, 100, 10_000) == 0.05
    assert linear_schedule(1.0, 0.05, 0, 0) == 0.05


# ----- bad input ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(env="CartPol-v1"), "unknown environment id 'CartPol-v1'"),
        (dict(env="Pendulum-v1"), "needs discrete actions"),
        (dict(env="CartPole-v1", buffer_size=64, batch_size=128), "smaller than batch_size"),
        (dict(env="CartPole-v1", start_e=1.5), r"start_e must be a number in \[0, 1\], got 1.5"),
        (dict(env="CartPole-v1", end_e=-0.1), r"end_e must be a number in \[0, 1\]"),
        (dict(env="CartPole-v1", gamma=float("nan")), "gamma must be"),
        (dict(env="CartPole-v1", loss="l1"), "loss must be 'huber' or 'mse'"),
        (dict(env="CartPole-v1", train_frequency=0), "train_frequency must be an integer >= 1"),
    ],
)
def test_bad_input_is_a_clear_error(kwargs, message):
    with pytest.raises(ValueError, match=message):
        DQN(**kwargs)


def test_qlearning_needs_discrete_states():
    with pytest.raises(ValueError, match="Discrete observation space"):
        QLearning("CartPole-v1")
    with pytest.raises(ValueError, match="needs discrete actions"):
        QLearning("Pendulum-v1")


# ----- the loop: truncation bootstraps, termination does not -------------------------------
class _Recorder(gym.Wrapper):
    """Notes each step's (terminated, truncated) as the environment returned them."""

    def __init__(self, env):
        super().__init__(env)
        self.flags = []

    def step(self, action):
        out = self.env.step(action)
        self.flags.append(out[2:4])
        return out


def test_truncation_is_stored_as_not_done_termination_as_done():
    env = _Recorder(gym.make("CartPole-v1", max_episode_steps=15))
    agent = DQN(env, **{**SMALL, "learning_starts": 10_000}, seed=0).learn(400)
    buf = agent.replay_buffer
    terminated, truncated = np.array(env.flags).T
    assert (truncated & ~terminated).sum() > 3 and terminated.sum() > 3
    np.testing.assert_array_equal(buf.dones[:400], terminated.astype(np.float32))
    assert (buf.dones[:400][truncated & ~terminated] == 0).all()
    # the TD target of a not-done transition bootstraps: r + γ max Q_target(s')
    batch = buf.sample(16)
    q_next = agent.target_network(gn.tensor(batch.next_observations))._array.max(1)
    np.testing.assert_allclose(
        agent.model.td_target(batch),
        batch.rewards + 0.99 * q_next * (1 - batch.dones),
        rtol=1e-6,
    )


# ----- tabular Q-learning against value iteration on Gymnasium's own transition model -------
def _value_iteration(P, n_states, n_actions, gamma):
    q = np.zeros((n_states, n_actions))
    for _ in range(1000):
        v = q.max(1)
        q = np.array(
            [
                [
                    sum(p * (r + gamma * (0 if d else v[s2])) for p, s2, r, d in P[s][a])
                    for a in range(n_actions)
                ]
                for s in range(n_states)
            ]
        )
    return q


def test_qlearning_on_frozenlake_finds_the_optimal_policy():
    env = gym.make("FrozenLake-v1", is_slippery=False)
    agent = QLearning(env, learning_rate=0.5, gamma=0.9, exploration_fraction=0.5, seed=0)
    agent.learn(20_000)
    q_star = _value_iteration(env.unwrapped.P, 16, 4, 0.9)
    start = 0
    assert agent.q_table_[start].max() == pytest.approx(q_star[start].max(), abs=1e-3)
    assert evaluate_policy(agent, gym.make("FrozenLake-v1", is_slippery=False), 5) == (1.0, 0.0)


# ----- learning (CI size) -------------------------------------------------------------------
@pytest.mark.slow
def test_dqn_learns_cartpole_in_a_few_thousand_steps():
    agent = DQN(
        "CartPole-v1",
        learning_rate=1e-3,
        buffer_size=20_000,
        batch_size=128,
        exploration_fraction=0.2,
        learning_starts=1000,
        train_frequency=2,
        max_grad_norm=10.0,
        double_q=True,
        loss="huber",
        seed=0,
    ).learn(5000)
    mean, _ = evaluate_policy(agent, "CartPole-v1", 10, seed=123)
    random_mean, _ = evaluate_policy(_Random(), "CartPole-v1", 10, seed=123)
    assert random_mean < 40
    assert mean > 120, (mean, agent.episode_returns[-10:])


class _Random:
    def __init__(self):
        self.rng = np.random.default_rng(0)

    def predict(self, obs, deterministic=True):
        return int(self.rng.integers(2)), None


# ----- step for step equal to the same DQN in PyTorch ---------------------------------------
@pytest.fixture
def one_torch_thread():
    """torch on one thread for the test (tiny matrices: more threads only contend)."""
    torch = require("torch")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield torch
    torch.set_num_threads(threads)


@pytest.mark.parametrize(
    "variant",
    [
        dict(double_q=True, loss="huber", tau=1.0, max_grad_norm=1.0),
        dict(double_q=False, loss="mse", tau=0.5, max_grad_norm=None),
    ],
)
def test_dqn_equals_pytorch_step_for_step(variant, one_torch_thread):
    torch = one_torch_thread
    p = {**SMALL, **variant, "target_network_frequency": 20, "exploration_fraction": 0.3}
    steps = p["learning_starts"] + 201  # updates at t = 51 … 250: 200 of them
    agent = DQN("CartPole-v1", **p, seed=4)
    init = {k: v._array.copy() for k, v in agent.q_network.state_dict().items()}
    agent.learn(steps)
    from reference_dqn import TorchDQN

    ref = TorchDQN(agent.params, init, 4).learn(steps)
    q, target, buf = ref.q, ref.target, ref.buffer
    assert agent.model.optimizer.state[next(iter(agent.q_network.parameters()))]["step"] == 200
    np.testing.assert_array_equal(agent.replay_buffer.actions, buf.actions)  # same trajectory
    for name, t in q.state_dict().items():
        np.testing.assert_allclose(
            agent.q_network.state_dict()[name]._array, t.numpy(), rtol=1e-4, atol=1e-5
        )
    for name, t in target.state_dict().items():
        np.testing.assert_allclose(
            agent.target_network.state_dict()[name]._array, t.numpy(), rtol=1e-4, atol=1e-5
        )
    obs = buf.observations[:256]
    with torch.no_grad():
        expect = q(torch.from_numpy(obs)).numpy()
    np.testing.assert_allclose(agent.q_values(obs), expect, rtol=1e-4, atol=1e-5)


# ----- files ----------------------------------------------------------------------------------
def _state(agent):
    opt = agent.model.optimizer.state_dict()
    return (
        [v._array.copy() for v in agent.q_network.state_dict().values()],
        [v._array.copy() for v in agent.target_network.state_dict().values()],
        [np.array(s[k]) for s in opt["state"].values() for k in sorted(s)],
        [a.copy() for a in agent.replay_buffer.state_dict()[0].values()],
        agent.replay_buffer.rng.bit_generator.state,
        agent.rng.bit_generator.state,
        list(agent.episode_returns),
        agent.num_timesteps,
    )


def _assert_same(a, b):
    for x, y in zip(a, b):
        if isinstance(x, list) and x and isinstance(x[0], np.ndarray):
            assert len(x) == len(y)
            for u, v in zip(x, y):
                np.testing.assert_array_equal(u, v)
        else:
            assert x == y


def test_checkpoint_resume_is_bit_identical(tmp_path):
    p = {**SMALL, "learning_starts": 200, "buffer_size": 500, "train_frequency": 2}
    whole = DQN("CartPole-v1", **p, seed=7).learn(1000)
    part = DQN("CartPole-v1", **p, seed=7)
    part.learn(1000, callback=lambda a: a.num_timesteps < 581)
    assert part.num_timesteps == 581 and part._episode["length"] > 0  # stopped mid-episode
    path = tmp_path / "checkpoint.safetensors"
    part.save_checkpoint(path)
    gn.manual_seed(123)  # a different global state: the checkpoint restores its own
    resumed = DQN.load_checkpoint(path)
    _assert_same(_state(resumed), _state(part))
    resumed.learn(1000)
    _assert_same(_state(resumed), _state(whole))
    assert [f.name for f in tmp_path.iterdir()] == ["checkpoint.safetensors"]  # no temp left


def test_policy_save_load_and_refusals(tmp_path):
    agent = DQN("CartPole-v1", **SMALL, seed=1).learn(300)
    agent.save(tmp_path / "agent.safetensors")
    back = DQN.load(tmp_path / "agent.safetensors")
    obs = agent.replay_buffer.observations[:50]
    np.testing.assert_array_equal(back.q_values(obs), agent.q_values(obs))
    assert back.params == agent.params
    with pytest.raises(CheckpointError, match="no optimizer state"):
        DQN.load_checkpoint(tmp_path / "agent.safetensors")
    gn.save(gn.models.MLP([4, 2]), tmp_path / "mlp.safetensors")
    with pytest.raises(CheckpointError, match="not a glassnet DQN agent file"):
        DQN.load(tmp_path / "mlp.safetensors")
    agent.params["net_arch"] = [1 << 30]  # a file whose settings claim a far bigger network
    agent.save(tmp_path / "liar.safetensors")
    with pytest.raises(CheckpointError, match=r"not the MLP with hidden sizes \[1073741824\]"):
        DQN.load(tmp_path / "liar.safetensors")


# ----- the command line -----------------------------------------------------------------------
def test_cli_train_evaluate_and_resume(tmp_path, capsys):
    from glassnet.cli import main

    out = tmp_path / "run"
    small = ["--learning-starts", "200", "--buffer-size", "1000", "--net-arch", "32,32"]
    argv = ["rl", "train", "--steps", "600", "--seed", "0", "--out", str(out), "--verbose", "0"]
    assert main([*argv, "--checkpoint-every", "250", *small]) == 0
    assert sorted(f.name for f in out.iterdir()) == [
        "agent.safetensors",
        "checkpoint.safetensors",
        "log.csv",
        "returns.png",
    ]
    rows = (out / "log.csv").read_text().splitlines()
    agent = DQN.load_checkpoint(out / "checkpoint.safetensors")
    assert rows[0] == "episode,step,return,length,epsilon"
    assert len(rows) - 1 == len(agent.episode_returns)
    assert int(rows[-1].split(",")[1]) == sum(agent.episode_lengths)
    assert (out / "returns.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert main(["rl", "evaluate", str(out / "agent.safetensors"), "--episodes", "3"]) == 0
    assert "over 3 episodes of CartPole-v1" in capsys.readouterr().out
    argv[3] = "900"
    assert main([*argv, "--resume"]) == 0
    resumed = DQN.load_checkpoint(out / "checkpoint.safetensors")
    assert resumed.num_timesteps == 900
    assert resumed.episode_returns[: len(agent.episode_returns)] == agent.episode_returns


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--env", "NoSuchEnv-v0"], "unknown environment id 'NoSuchEnv-v0'"),
        (["--env", "MountainCarContinuous-v0"], "needs discrete actions"),
        (["--start-e", "1.5"], "start_e must be a number in [0, 1], got 1.5"),
        (["--buffer-size", "64", "--batch-size", "128"], "smaller than batch_size=128"),
        (["--steps", "0"], "--steps must be"),
    ],
)
def test_cli_bad_input(tmp_path, capsys, argv, message):
    from glassnet.cli import main

    assert main(["rl", "train", "--out", str(tmp_path / "x"), *argv]) == 2
    assert message in capsys.readouterr().err


def test_cli_evaluate_refuses_a_missing_or_wrong_file(tmp_path, capsys):
    from glassnet.cli import main

    assert main(["rl", "evaluate", str(tmp_path / "none.safetensors")]) == 2
    assert "cannot read" in capsys.readouterr().err
    gn.save(gn.models.MLP([4, 2]), tmp_path / "mlp.safetensors")
    assert main(["rl", "evaluate", str(tmp_path / "mlp.safetensors")]) == 2
    assert "not a glassnet DQN agent file" in capsys.readouterr().err
