"""`DataParallel`: `Model.fit` with each global batch split over Ray actors.

    model.fit(x, y, batch_size=50, epochs=4, strategy=DataParallel(num_workers=2))

One step, for a global batch of B samples over N workers:

1. the driver puts the current weights (parameters and buffers, NumPy arrays) into Ray's
   object store once; every worker reads that one copy;
2. worker i gets shard i of the batch (np.array_split: sizes differ by at most one, the
   first B % N shards one larger) and runs `Model.compute_gradients` on it, the same code
   a local `train_step` runs;
3. the driver gathers the gradients and takes their mean weighted by shard size,
   Σ (b_i / B)·g_i: for the mean-reduced losses that is exactly the gradient of the whole
   batch's mean loss (and of its L1/L2 penalty, which every shard adds once);
4. the driver's optimizer steps once on that gradient; the next step broadcasts the result.

So the allreduce is a gather + weighted mean on the driver through the object store (a
parameter server with one server), chosen over ray.util.collective because the workers
then hold no state between steps: a worker that dies loses nothing, Ray restarts it and
the step it was running is replayed from the driver's weights (bit-identical); the
optimizer state, the scheduler, callbacks, checkpoints and the progress bar all stay in the
driver's ordinary `Model`, so `ModelCheckpoint` + `load_model` + `fit(initial_epoch=...)`
resume a distributed run as they resume a local one. The cost is the driver's bandwidth:
it receives N gradients and sends the weights every step (docs/distributed.md).

Models are never pickled: a worker is built from the module's `architecture()` (the JSON
the model file stores) and the weights arrays, and compiled with the loss's name.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from ..autograd import Tensor, manual_seed
from ..serialization import architecture, build
from ..train.model import LOSSES, Model, _raw
from ._cluster import cluster_cpus, connect, import_ray, local_cpus

START_TIMEOUT_S = 60.0  # workers that are not up by then (e.g. no free CPU) are an error


class _Replica:
    """A Ray actor: one copy of the network, built from the config each step names (so a
    restarted or reused worker needs nothing else); computes gradients on its shards."""

    def __init__(self) -> None:
        self.config: dict | None = None

    def pid(self) -> int:
        """This worker's process id."""
        return os.getpid()

    def _build(self, config: dict) -> None:
        module = build(config["architecture"], "DataParallel worker").to(config["dtype"])
        self.model = Model(module).compile("sgd", config["loss"], l1=config["l1"], l2=config["l2"])
        self.params = list(module.parameters())
        self.buffers = [b for _, b in module.named_buffers() if isinstance(b, Tensor)]
        self.config = config

    def gradients(
        self, config: dict, weights: list[np.ndarray], x: np.ndarray, y: np.ndarray, seed: int
    ) -> tuple:
        """Load `weights`, run compute_gradients on (x, y); returns loss, outputs, gradients
        (None for a parameter without one), buffers and the seconds it took."""
        start = time.perf_counter()
        if config != self.config:
            self._build(config)
        self.model.set_weights(weights)
        manual_seed(seed)  # dropout masks: a replayed step draws the same ones
        self.model.module.train()
        logs, out = self.model.compute_gradients((x, y))
        grads = [None if p.grad is None else p.grad._array for p in self.params]
        bufs = [b._array for b in self.buffers]
        return logs["loss"], out, grads, bufs, time.perf_counter() - start


def _loss_name(model: Model) -> str:
    """The compiled loss as a LOSSES name a worker can compile with (mean-reduced only)."""
    fn = model.loss_fn
    if getattr(fn, "reduction", "mean") != "mean":
        raise ValueError(
            f"DataParallel: the loss {type(fn).__name__} has reduction={fn.reduction!r}; "
            "shard gradients are averaged, so it must be 'mean'"
        )
    for name, cls in LOSSES.items():
        if type(fn) is cls:
            return name
    raise ValueError(
        f"DataParallel: workers compile the loss by name, and {type(fn).__name__} is not "
        f"one of {sorted(LOSSES)}"
    )


def replica_config(model: Model) -> dict:
    """What a worker is built from: architecture JSON, dtype, loss name and L1/L2."""
    if type(model).train_step is not Model.train_step:
        raise TypeError(
            f"DataParallel: {type(model).__name__} overrides train_step; workers run "
            "Model.compute_gradients, so a custom step cannot be split over them"
        )
    try:
        arch = architecture(model.module)
    except TypeError as e:
        raise TypeError(
            f"DataParallel: workers rebuild the network from its architecture: {e}"
        ) from None
    return {
        "architecture": arch,
        "dtype": str(model._dtype()),
        "loss": _loss_name(model),
        "l1": model.l1,
        "l2": model.l2,
    }


def shard_slices(n: int, num_workers: int) -> list[slice]:
    """np.array_split's split of n samples into num_workers contiguous shards (sizes differ
    by at most one; the first n % num_workers are one larger; empty ones when n < workers)."""
    q, r = divmod(n, num_workers)
    starts = np.cumsum([0] + [q + (i < r) for i in range(num_workers)])
    return [slice(int(a), int(b)) for a, b in zip(starts[:-1], starts[1:])]


class DataParallel:
    """Data-parallel training on Ray: `model.fit(..., strategy=DataParallel(num_workers=2))`.

    `address`: None runs a local Ray (started here when none is running), "auto" or
    "host:port" joins a cluster. A worker that dies is restarted by Ray up to
    `max_restarts` times and its step replayed. Random layers on worker i draw from a
    generator seeded by (seed, epoch, step, i). The workers (one CPU each) live as long as
    this object, so fits that share it start them once; `close()` stops them. `verbose=1`
    reports restarts on stderr; `stats` sums steps and their seconds: the slowest worker's
    compute, the exchange (weights out, shards out, gradients back: the rest of the wait) and
    the driver's own (mean, optimizer step, metrics); `pids`, `restarts` for inspection.
    """

    def __init__(
        self,
        num_workers: int = 2,
        address: str | None = None,
        max_restarts: int = 3,
        seed: int = 0,
        verbose: int = 1,
    ) -> None:
        if not isinstance(num_workers, int) or isinstance(num_workers, bool) or num_workers < 1:
            raise ValueError(
                f"DataParallel: num_workers must be an integer >= 1, got {num_workers!r}"
            )
        if not isinstance(max_restarts, int) or max_restarts < 0:
            raise ValueError(f"DataParallel: max_restarts must be >= 0, got {max_restarts!r}")
        self.num_workers, self.address = num_workers, address
        self.max_restarts, self.seed, self.verbose = max_restarts, seed, verbose
        self.workers: list[Any] = []
        self.restarts = 0
        self.stats = dict.fromkeys(("steps", "step_s", "compute_s", "exchange_s", "driver_s"), 0)
        self._ray: Any = None

    def __repr__(self) -> str:
        return f"DataParallel(num_workers={self.num_workers}, address={self.address!r})"

    # ----- workers ---------------------------------------------------------------------------
    def connect(self) -> Any:
        """Join (or start) the Ray cluster and check it has a free CPU for every worker;
        returns `ray`. (`setup` calls it; call it first to fail before anything is built.)"""
        ray = import_ray("DataParallel")
        if self.address is None and not ray.is_initialized() and self.num_workers > local_cpus():
            raise ValueError(  # before a local Ray takes seconds to start
                f"DataParallel: num_workers={self.num_workers} is more than this machine's "
                f"{local_cpus()} CPUs; a worker takes one CPU (join a cluster with address=)"
            )
        ray = self._ray = connect(self.address, "DataParallel")
        if self.workers:  # they hold their CPUs already
            return ray
        total, free = cluster_cpus(ray, self.num_workers)
        if self.num_workers > total:
            raise ValueError(
                f"DataParallel: num_workers={self.num_workers} is more than the {total:g} "
                "CPUs of the Ray cluster; a worker takes one CPU"
            )
        if self.num_workers > free:
            raise ValueError(
                f"DataParallel: num_workers={self.num_workers}, but only {free:g} of the Ray "
                f"cluster's {total:g} CPUs are free (a worker takes one CPU)"
            )
        return ray

    def setup(self, model: Model) -> Callable[[Any], dict[str, float]]:
        """Start the workers, or reuse this strategy's from an earlier fit (fit calls this);
        returns the step fit runs."""
        config = replica_config(model)
        ray = self.connect()
        if not self.workers:
            actor = ray.remote(num_cpus=1, max_restarts=self.max_restarts, max_task_retries=0)(
                _Replica
            )
            self.workers = [actor.remote() for _ in range(self.num_workers)]
        try:
            self.pids = ray.get([w.pid.remote() for w in self.workers], timeout=START_TIMEOUT_S)
        except ray.exceptions.GetTimeoutError:
            self.close()
            raise RuntimeError(
                f"DataParallel: {self.num_workers} workers did not start within "
                f"{START_TIMEOUT_S:g} s (is the cluster out of CPUs or memory?)"
            ) from None
        self._config = ray.put(config)
        self._model, self._epoch, self._batch = model, model.epoch, 0
        self._params = list(model.module.parameters())
        self._buffers = [b for _, b in model.module.named_buffers() if isinstance(b, Tensor)]
        return self.train_step

    def teardown(self) -> None:
        """The end of a fit (however it ends): the workers stay for the next one."""
        self._model = self._config = None

    def close(self) -> None:
        """Stop the workers and give back their CPUs (they also stop when this strategy is
        garbage-collected, or when Ray shuts down)."""
        for w in self.workers:
            self._ray.kill(w)
        self.workers = []

    def __enter__(self) -> DataParallel:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # ----- one step --------------------------------------------------------------------------
    def _seed(self, rank: int) -> int:
        ss = np.random.SeedSequence([self.seed, self._epoch, self._batch, rank])
        return int(ss.generate_state(1, np.uint64)[0])

    def _gather(self, weights: Any, shards: dict[int, tuple]) -> dict[int, tuple]:
        """Every shard's result; a worker that died (restarted by Ray) gets its shard again."""
        refs = {
            i: self.workers[i].gradients.remote(self._config, weights, *s)
            for i, s in shards.items()
        }
        return {i: self._result(i, refs[i], weights, s) for i, s in shards.items()}

    def _result(self, i: int, ref: Any, weights: Any, shard: tuple) -> tuple:
        """ray.get of worker i's step; while Ray restarts a dead worker (its calls fail as
        unavailable) the step is sent again, until it runs or START_TIMEOUT_S passes."""
        ray, deadline = self._ray, None
        while True:
            try:
                return ray.get(ref)
            except ray.exceptions.ActorDiedError as e:  # Ray gave up on it
                raise RuntimeError(
                    f"DataParallel: worker {i} died in epoch {self._epoch + 1}, batch "
                    f"{self._batch + 1} and Ray will not restart it (max_restarts="
                    f"{self.max_restarts} used up): {str(e).splitlines()[0]}"
                ) from None
            except ray.exceptions.RayActorError as e:  # unavailable: being restarted
                if deadline is None:
                    deadline = time.monotonic() + START_TIMEOUT_S
                    self.restarts += 1
                    if self.verbose:
                        print(
                            f"DataParallel: worker {i} died ({type(e).__name__}); Ray restarts "
                            f"it and the step (epoch {self._epoch + 1}, batch "
                            f"{self._batch + 1}) is replayed",
                            file=sys.stderr,
                        )
                elif time.monotonic() > deadline:
                    raise RuntimeError(
                        f"DataParallel: worker {i} was not back {START_TIMEOUT_S:g} s after it died"
                    ) from None
                time.sleep(0.1)
                ref = self.workers[i].gradients.remote(self._config, weights, *shard)

    def _reduce_buffers(self, results: list[tuple], w: list[float]) -> None:
        """Buffers the workers changed (BatchNorm's running stats): floats as the weighted
        mean, counts from the first worker; unchanged ones are left as they are."""
        for j, b in enumerate(self._buffers):
            copies = [r[3][j] for r in results]
            if all(np.array_equal(c, b._array) for c in copies):
                continue
            if b._array.dtype.kind == "f":
                b._array[...] = sum(wi * c for wi, c in zip(w, copies))
            else:
                b._array[...] = copies[0]

    def train_step(self, batch: Any) -> dict[str, float]:
        """One global batch: shards to the workers, weighted mean of their gradients, one
        optimizer step here; updates the model's metrics and returns {"loss": ...}."""
        model, start = self._model, time.perf_counter()
        if model.epoch != self._epoch:
            self._epoch, self._batch = model.epoch, 0
        x, y = _raw(batch[0]), _raw(batch[1])
        if len(x) != len(y):
            raise ValueError(f"DataParallel: a batch of {len(x)} inputs and {len(y)} targets")
        cuts = shard_slices(len(x), self.num_workers)
        shards = {i: (x[c], y[c], self._seed(i)) for i, c in enumerate(cuts) if c.stop > c.start}
        gathered = self._gather(self._ray.put(model.get_weights()), shards)
        results = [r for _, r in sorted(gathered.items())]
        exchanged = time.perf_counter()
        w = [len(shards[i][0]) / len(x) for i in sorted(shards)]
        loss = float(sum(wi * r[0] for wi, r in zip(w, results)))
        for j, p in enumerate(self._params):
            gs = [(wi, r[2][j]) for wi, r in zip(w, results) if r[2][j] is not None]
            p.grad = Tensor._wrap(sum(wi * g for wi, g in gs), False) if gs else None
        if np.isfinite(loss):
            model.optimizer.step()
        self._reduce_buffers(results, w)
        for i, r in zip(sorted(shards), results):
            model.update_metrics(r[1], shards[i][1])
        self._batch += 1
        end, compute = time.perf_counter(), max(r[4] for r in results)
        for key, v in (
            ("steps", 1),
            ("step_s", end - start),
            ("compute_s", compute),
            ("exchange_s", exchanged - start - compute),
            ("driver_s", end - exchanged),
        ):
            self.stats[key] += v
        return {"loss": loss}


__all__ = ["DataParallel", "import_ray", "replica_config", "shard_slices"]
