"""`ReplayBuffer`: the last `buffer_size` transitions in a ring of NumPy arrays, sampled
uniformly (with replacement, as Stable-Baselines3's) by the buffer's own seeded generator."""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

MAX_BUFFER_VALUES = 1 << 31  # observation values held at once (8 GiB of float32, twice)


class ReplayBufferSamples(NamedTuple):
    """One sampled batch, with SB3's field names; `dones` is 1.0 where the episode terminated
    (a truncated episode is not done: its target bootstraps)."""

    observations: np.ndarray
    actions: np.ndarray
    next_observations: np.ndarray
    dones: np.ndarray
    rewards: np.ndarray


FIELDS = ReplayBufferSamples._fields


class ReplayBuffer:
    """A fixed-size ring of transitions (obs, action, reward, next_obs, terminated).

    `add` overwrites the oldest once full; `sample(batch_size)` draws indices uniformly from
    what is stored. `state_dict`/`load_state_dict` carry the arrays, the write position and
    the generator, so a resumed run samples exactly what an uninterrupted one would.
    """

    def __init__(
        self,
        buffer_size: int,
        observation_shape: tuple[int, ...],
        observation_dtype: Any = np.float32,
        seed: int | None = None,
    ) -> None:
        if not isinstance(buffer_size, (int, np.integer)) or buffer_size < 1:
            raise ValueError(f"ReplayBuffer: buffer_size must be a positive int, got {buffer_size}")
        shape = tuple(int(n) for n in observation_shape)
        if buffer_size * int(np.prod(shape)) > MAX_BUFFER_VALUES:
            raise ValueError(
                f"ReplayBuffer: buffer_size={buffer_size} of observations shaped {shape} "
                f"exceeds {MAX_BUFFER_VALUES} stored values"
            )
        n = int(buffer_size)
        self.buffer_size, self.observation_shape = n, shape
        self.observations = np.zeros((n, *shape), observation_dtype)
        self.next_observations = np.zeros((n, *shape), observation_dtype)
        self.actions = np.zeros(n, np.int64)
        self.rewards = np.zeros(n, np.float32)
        self.dones = np.zeros(n, np.float32)
        self.pos, self.full = 0, False
        self.rng = np.random.default_rng(seed)

    def __len__(self) -> int:
        return self.buffer_size if self.full else self.pos

    def add(self, obs: Any, next_obs: Any, action: int, reward: float, terminated: bool) -> None:
        """Store one transition, overwriting the oldest when the ring is full."""
        i = self.pos
        self.observations[i] = obs
        self.next_observations[i] = next_obs
        self.actions[i], self.rewards[i], self.dones[i] = action, reward, float(terminated)
        self.pos = (i + 1) % self.buffer_size
        self.full = self.full or self.pos == 0

    def sample(self, batch_size: int) -> ReplayBufferSamples:
        """`batch_size` transitions drawn uniformly, with replacement, from those stored."""
        if not isinstance(batch_size, (int, np.integer)) or not 0 < batch_size <= self.buffer_size:
            raise ValueError(
                f"ReplayBuffer.sample: batch_size must be 1..buffer_size={self.buffer_size}, "
                f"got {batch_size}"
            )
        if len(self) == 0:
            raise ValueError("ReplayBuffer.sample: the buffer is empty; add transitions first")
        idx = self.rng.integers(0, len(self), size=batch_size)
        return ReplayBufferSamples(*(getattr(self, f)[idx] for f in FIELDS))

    def state_dict(self) -> tuple[dict[str, np.ndarray], dict]:
        """The arrays (by field name) and the JSON-able rest (position, full, generator)."""
        arrays = {f: getattr(self, f) for f in FIELDS}
        return arrays, {"pos": self.pos, "full": self.full, "rng": self.rng.bit_generator.state}

    def load_state_dict(self, arrays: dict[str, np.ndarray], info: dict) -> None:
        """Restore `state_dict`'s output; shapes and dtypes must fit this buffer's."""
        for f in FIELDS:
            a, mine = arrays.get(f), getattr(self, f)
            if a is None or a.shape != mine.shape or a.dtype != mine.dtype:
                got = None if a is None else f"{a.dtype}{list(a.shape)}"
                raise ValueError(
                    f"ReplayBuffer: saved {f!r} is {got}, this buffer holds "
                    f"{mine.dtype}{list(mine.shape)}"
                )
        pos, full = info.get("pos"), info.get("full")
        if (
            not isinstance(pos, int)
            or not 0 <= pos < self.buffer_size
            or not isinstance(full, bool)
        ):
            raise ValueError(f"ReplayBuffer: saved position {pos!r} / full {full!r} are invalid")
        rng = np.random.default_rng()
        rng.bit_generator.state = info.get("rng")
        for f in FIELDS:
            getattr(self, f)[...] = arrays[f]
        self.pos, self.full, self.rng = pos, full, rng
