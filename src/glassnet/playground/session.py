"""`Session`: one page's data, network and optimizer, trained in glassnet (no web code here).

The server owns one Session per browser tab and calls `step`, `frame`, `configure`,
`set_weight`, `reset`, `regenerate`, `load_csv`, `export_script`, `export_weights` and
`import_weights`; see docs/playground.md for the frames these produce. Training itself is in
`training.py`, shared with exported scripts, so a script reproduces the page's losses.
"""

from __future__ import annotations

import base64
import contextlib
import json
import math
import struct
import threading
from collections.abc import Iterator
from typing import Any

import numpy as np

from .. import nn
from ..autograd import from_numpy, no_grad
from ..autograd.backend import get_rng_state, set_rng_state
from ..autograd.blas import one_thread
from ..datasets import playground as pg
from .config import (
    CSV_DATASET,
    FEATURES,
    LIVE_FIELDS,
    MAX_CLASSES,
    MAX_LAYERS,
    MAX_NEURONS,
    ConfigError,
    PlaygroundConfig,
    _random_seed,
)
from .csv import CSVData, parse_csv
from .training import build_network, make_features, make_targets, make_trainer, train_epoch

OUTPUT_DENSITY = 50  # the output heatmap is 50×50 over [-6, 6]², row 0 at y = +6
NEURON_DENSITY = 20  # each neuron's thumbnail is 20×20
DOMAIN = 6.0
SCRIPT_FILENAME = "playground_train.py"
WEIGHTS_FILENAME = "playground_weights.safetensors"
ONNX_FILENAME = "playground_model.onnx"
# A weights file may hold no more than the largest network the page builds (all features,
# MAX_LAYERS × MAX_NEURONS, MAX_CLASSES outputs) needs: its parameters and two optimizer
# moments as float64, plus a header for the architecture and training metadata.
_SIZES = (len(FEATURES), *(MAX_NEURONS,) * MAX_LAYERS, MAX_CLASSES)
MAX_PARAMETERS = sum((a + 1) * b for a, b in zip(_SIZES, _SIZES[1:]))
MAX_WEIGHTS_HEADER = 64 << 10
MAX_WEIGHTS_BYTES = 8 + MAX_WEIGHTS_HEADER + 3 * 8 * MAX_PARAMETERS  # about 114 KiB
# What a playground MLP is made of (see models.MLP): its layers, one level deep.
_MLP_LAYERS = frozenset({"Linear", "ReLU", "Tanh", "Sigmoid", "Identity", "Dropout"})
_RNG_LOCK = threading.RLock()  # sessions take turns with glassnet's global random stream

# Which config changes rebuild what (TF Playground resets the network on all but the
# config's LIVE_FIELDS).
_DATA_FIELDS = {"dataset", "regDataset", "noise", "seed", "percTrainData", "problem", "numClasses"}


def _grid(density: int) -> np.ndarray:
    """(density², 2) points over [-6, 6]², row-major with row 0 at y = +6 and column 0 at x = -6."""
    axis = np.linspace(-DOMAIN, DOMAIN, density, dtype=np.float32)
    xx, yy = np.meshgrid(axis, axis[::-1])
    return np.stack([xx.ravel(), yy.ravel()], axis=1)


_GRID = np.concatenate([_grid(OUTPUT_DENSITY), _grid(NEURON_DENSITY)])
_N_OUT = OUTPUT_DENSITY**2


def _b64(a: np.ndarray) -> str:
    """Base64 of little-endian float32 bytes (what the page's Float32Array reads)."""
    return base64.b64encode(np.ascontiguousarray(a, dtype="<f4").tobytes()).decode("ascii")


def _json_safe(a: np.ndarray) -> Any:
    """Nested lists with NaN/inf as None (JSON has no NaN)."""
    a = np.asarray(a, dtype=float)
    if np.isfinite(a).all():
        return a.tolist()
    return np.where(np.isfinite(a), a, None).tolist()


def _check_int(name: str, value: Any, n: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not 0 <= value < n:
        raise ValueError(f"{name} must be an integer in 0..{n - 1}, got {value!r}")
    return int(value)


def _clip(v: Any) -> str:
    s = repr(v)
    return s if len(s) <= 60 else s[:57] + "..."


def _weights_header(data: bytes) -> dict[str, Any]:
    """The JSON header of a safetensors file (at most MAX_WEIGHTS_HEADER bytes), or ValueError."""
    if len(data) < 8:
        raise ValueError(
            f"import_weights: weights file: {len(data)} bytes is too short for a safetensors file"
        )
    (n,) = struct.unpack("<Q", data[:8])
    if n > min(MAX_WEIGHTS_HEADER, len(data) - 8):
        raise ValueError(
            f"import_weights: weights file: header length {n} does not fit the "
            f"file's {len(data)} bytes or the {MAX_WEIGHTS_HEADER}-byte limit"
        )
    try:
        head = json.loads(data[8 : 8 + n])
    except (ValueError, RecursionError):
        raise ValueError("import_weights: weights file: the header is not valid JSON") from None
    if not isinstance(head, dict):
        raise ValueError("import_weights: weights file: the header is not a JSON object")
    return head


def _check_mlp(arch: Any, sizes: list[int]) -> None:
    """ValueError unless `arch` is a playground MLP of these layer sizes, one level of layers
    deep, each Linear between consecutive sizes (the checks build nothing)."""
    what = arch.get("type") if isinstance(arch, dict) else type(arch).__name__
    if what != "MLP":
        raise ValueError(
            f"import_weights: the file's network is a {_clip(what)}, not a playground MLP"
        )
    cfg, kids = arch.get("config"), arch.get("children")
    if not isinstance(cfg, dict) or cfg.get("sizes") != sizes:
        got = cfg.get("sizes") if isinstance(cfg, dict) else None
        raise ValueError(
            f"import_weights: the file's MLP has layer sizes {_clip(got)}, this network {sizes}"
        )
    if not isinstance(kids, dict) or len(kids) > 3 * len(sizes):
        raise ValueError("import_weights: the file's MLP has too many layers")
    linears = []
    for name, kid in kids.items():
        kind = kid.get("type") if isinstance(kid, dict) else None
        if (
            kind not in _MLP_LAYERS
            or kid.get("children")
            or not isinstance(kid.get("config"), dict)
        ):
            raise ValueError(
                f"import_weights: the file's MLP has a layer {_clip(name)} of type "
                f"{_clip(kind)}, not one of {sorted(_MLP_LAYERS)}"
            )
        if kind == "Linear":
            linears.append([kid["config"].get("in_features"), kid["config"].get("out_features")])
    if linears != [list(p) for p in zip(sizes, sizes[1:])]:
        raise ValueError(
            f"import_weights: the file's MLP has Linear layers {_clip(linears)}, "
            f"this network {sizes}"
        )


class Session:
    """A playground: data, features, network, optimizer, epoch counter and running flag."""

    def __init__(self, config: PlaygroundConfig | None = None) -> None:
        self.config = config or PlaygroundConfig()
        self.running = False
        self.epoch = 0
        self.edited = False  # weights changed by hand or imported: exports replay a fresh run
        self.csv: CSVData | None = None
        self._builds = 0
        self._rng_state = np.random.default_rng(0).bit_generator.state
        self._load_data()
        self._build()

    # ----- set-up ---------------------------------------------------------------------------
    @property
    def data_seed(self) -> int:
        """The NumPy seed behind the points (from TF's seed string)."""
        return pg.seed_to_int(self.config.seed)

    @property
    def uses_csv(self) -> bool:
        """Whether the chosen data set (for the current problem) is the uploaded CSV."""
        c = self.config
        return (c.regDataset if c.problem == "regression" else c.dataset) == CSV_DATASET

    def _load_data(self) -> None:
        c = self.config
        if self.uses_csv:
            if self.csv is None:
                raise ValueError("dataset: 'csv' needs an uploaded CSV first")
            self.csv.check_fits(c)
            data = pg.split(self.csv.points, self.csv.labels, self.data_seed, c.percTrainData)
        else:
            name = c.regDataset if c.problem == "regression" else c.dataset
            data = pg.generate(name, c.noise / 100, self.data_seed, c.percTrainData, c.numClasses)
        self.x_train, self.y_train, self.x_test, self.y_test = data
        self._points_changed = True

    @contextlib.contextmanager
    def _own_rng(self) -> Iterator[None]:
        """Run with this session's random stream (weights, dropout), so sessions don't mix."""
        with _RNG_LOCK:
            outer = get_rng_state()
            set_rng_state(self._rng_state)
            try:
                yield
            finally:
                self._rng_state = get_rng_state()
                set_rng_state(outer)

    def _build(self) -> None:
        """New features, targets and freshly initialised network and optimizer; epoch 0, paused
        (TF pauses on every reset)."""
        c = self.config
        multi = c.is_multiclass
        self.f_train = make_features(self.x_train, c.features)
        self.f_test = make_features(self.x_test, c.features)
        self.t_train = make_targets(self.y_train, multi)
        self.t_test = make_targets(self.y_test, multi)
        self._f_grid = make_features(_GRID, c.features)
        self.init_seed = pg.seed_to_int(f"{c.seed}/init/{self._builds}")
        self._builds += 1
        with self._own_rng():
            self.model = build_network(
                len(c.features),
                c.networkShape,
                c.activation,
                c.n_outputs,
                c.problem == "classification" and not multi,
                c.dropout,
                c.initZero,
                self.init_seed,
            )
        self.trainer = make_trainer(self.model, c.optimizer, c.learningRate, multi)
        self.optimizer = self.trainer.optimizer
        self.layers = self.model.linears()
        self.epoch, self.edited, self.running = 0, False, False
        self._carry = np.zeros(0, dtype=np.int64)
        self._evaluate()

    # ----- commands -------------------------------------------------------------------------
    def configure(self, changes: dict[str, Any]) -> str:
        """Apply a (partial) config from the page; returns what was rebuilt: data, network, none.

        Choosing circle, xor or gauss sets numClasses back to 2 unless the message sets it.
        """
        return self._apply(self.config.update(changes))

    def apply_hash(self, text: str) -> list[ConfigError]:
        """Apply a URL hash (TF Playground's keys) on top of this config, keeping its good
        fields; returns the bad values, left out (an empty list when all were good)."""
        new, errors = PlaygroundConfig.parse_hash(text, self.config)
        self._apply(new)
        return errors

    def _apply(self, new: PlaygroundConfig) -> str:
        """Switch to a checked config and rebuild what its changes touch."""
        changed = {k for k, v in new.to_dict().items() if v != self.config.to_dict()[k]}
        old, self.config = self.config, new
        try:
            if changed & _DATA_FIELDS:
                self._load_data()
                self._build()
                return "data"
            if changed - set(LIVE_FIELDS):
                self._build()
                return "network"
        except ValueError:
            self.config = old
            raise
        if "learningRate" in changed:
            for group in self.optimizer.param_groups:
                group["lr"] = new.learningRate
            self.edited = self.edited or self.epoch > 0  # a script replays one rate
        return "none"

    def reset(self) -> None:
        """Fresh random weights (as TF's reset), epoch 0, paused."""
        self._build()

    def regenerate(self) -> None:
        """New points from a new seed (TF's 'regenerate'), and a fresh network."""
        self.config = self.config.replace(seed=_random_seed())
        self._load_data()
        self._build()

    def load_csv(self, text: str, problem: str | None = None) -> dict[str, Any]:
        """Use uploaded points: 'x1,x2,label' rows (see csv.parse_csv); returns a summary."""
        data = parse_csv(text, problem)
        c = self.config
        if data.problem == "regression":
            new = c.replace(problem="regression", regDataset=CSV_DATASET)
        else:
            new = c.replace(
                problem="classification", dataset=CSV_DATASET, numClasses=data.n_classes
            )
        self.csv, self.config = data, new
        self._load_data()
        self._build()
        return data.summary()

    def set_weight(self, layer: int, from_: int, to: int, value: float) -> None:
        """Set one link's weight (layer 0 = features → first hidden layer), as TF's hover edit."""
        w = self.layers[_check_int("layer", layer, len(self.layers))].weight
        to = _check_int("to", to, w.shape[0])
        from_ = _check_int("from", from_, w.shape[1])
        w._array[to, from_] = self._finite("value", value)
        self.edited = True
        self._evaluate()

    def set_bias(self, layer: int, node: int, value: float) -> None:
        """Set one neuron's bias (layer 0 = first hidden layer)."""
        b = self.layers[_check_int("layer", layer, len(self.layers))].bias
        b._array[_check_int("node", node, b.shape[0])] = self._finite("value", value)
        self.edited = True
        self._evaluate()

    @staticmethod
    def _finite(name: str, value: Any) -> float:
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float, np.floating))
            or not math.isfinite(value)
        ):
            raise ValueError(f"{name} must be a finite number, got {value!r}")
        return float(value)

    # ----- training -------------------------------------------------------------------------
    def step(self, epochs: int = 1) -> list[dict[str, Any]]:
        """Train `epochs` epochs; returns warning messages (NaN pauses, stop conditions)."""
        if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 0:
            raise ValueError(f"step: epochs must be a non-negative integer, got {epochs!r}")
        with one_thread():  # tiny products: a 2nd thread made 2900×16 20× slower
            return self._step(epochs)

    def _step(self, epochs: int) -> list[dict[str, Any]]:
        c = self.config
        events: list[dict[str, Any]] = []
        for _ in range(epochs):
            with self._own_rng(), np.errstate(all="ignore"):
                self._carry = train_epoch(
                    self.trainer,
                    self.f_train,
                    self.t_train,
                    c.batchSize,
                    self._carry,
                    c.regularization,
                    c.regularizationRate,
                )
            self.epoch += 1
            self._evaluate()
            event = self._check_stop()
            if event:
                self.running = False
                events.append(event)
                break
        return events

    def _check_stop(self) -> dict[str, Any] | None:
        c = self.config
        weights_ok = all(np.isfinite(p._array).all() for p in self.model.parameters())
        if not (weights_ok and math.isfinite(self.train_loss) and math.isfinite(self.test_loss)):
            return {
                "type": "warning",
                "code": "nan",
                "message": f"The loss became NaN or infinite at epoch {self.epoch}: the "
                f"learning rate {c.learningRate:g} is too large for this network. "
                "Training is paused; lower the learning rate and press reset.",
            }
        if c.stopEpochs and self.epoch >= c.stopEpochs:
            return {
                "type": "warning",
                "code": "stop",
                "message": f"Stopped after {self.epoch} epochs (stop condition).",
            }
        if c.stopLoss and self.train_loss <= c.stopLoss:
            return {
                "type": "warning",
                "code": "stop",
                "message": f"Stopped at epoch {self.epoch}: training loss "
                f"{self.train_loss:.4f} <= {c.stopLoss:g} (stop condition).",
            }
        return None

    def _outputs(self, features: np.ndarray) -> np.ndarray:
        self.model.eval()
        with no_grad(), np.errstate(all="ignore"):
            return self.model(from_numpy(features))._array

    def _evaluate(self) -> None:
        """Losses (TF's: without the regulariser) and predictions on both sets."""
        self._out_train, self._out_test = self._outputs(self.f_train), self._outputs(self.f_test)
        loss = self.trainer.compute_loss  # the loss test_step computes, from these outputs
        with no_grad(), np.errstate(all="ignore"):
            self.train_loss = float(loss(from_numpy(self._out_train), self.t_train).item())
            self.test_loss = float(loss(from_numpy(self._out_test), self.t_test).item())

    # ----- what the page shows ----------------------------------------------------------------
    def _classes(self, out: np.ndarray) -> np.ndarray:
        """Predicted class indices (two classes: output ≥ 0 is class 1, i.e. label +1)."""
        return out.argmax(axis=1) if self.config.is_multiclass else (out[:, 0] >= 0).astype(int)

    def _true_classes(self, targets: np.ndarray) -> np.ndarray:
        return targets if self.config.is_multiclass else (targets[:, 0] > 0).astype(int)

    def metrics(self) -> dict[str, Any]:
        """Accuracy (train/test) and the test confusion matrix (rows true, columns predicted)."""
        if self.config.problem != "classification":
            return {"accuracy": None, "confusion": None}
        k = self.config.n_outputs if self.config.is_multiclass else 2
        acc = {}
        for name, out, t in (
            ("train", self._out_train, self.t_train),
            ("test", self._out_test, self.t_test),
        ):
            acc[name] = (
                float((self._classes(out) == self._true_classes(t)).mean()) if len(t) else None
            )
        true, pred = self._true_classes(self.t_test), self._classes(self._out_test)
        confusion = np.bincount(true * k + pred, minlength=k * k).reshape(k, k)
        return {"accuracy": acc, "confusion": confusion.tolist()}

    def _heatmaps(self) -> tuple[np.ndarray, np.ndarray | None, list[list[str]]]:
        """One batched forward over both grids, keeping each hidden layer's activations."""
        self.model.eval()
        h = from_numpy(self._f_grid)
        mods = list(self.model)
        last_linear = max(i for i, m in enumerate(mods) if isinstance(m, nn.Linear))
        small = slice(_N_OUT, None)
        neurons = [[_b64(col) for col in self._f_grid[small].T]]
        with no_grad(), np.errstate(all="ignore"):
            for i, m in enumerate(mods):
                h = m(h)
                if 0 < i < last_linear and isinstance(mods[i - 1], nn.Linear):
                    neurons.append([_b64(col) for col in h._array[small].T])
        out = h._array[:_N_OUT]
        if not self.config.is_multiclass:
            return out[:, 0], None, neurons
        p = np.exp(out - out.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        return out.argmax(axis=1).astype(np.float32), p.max(axis=1), neurons

    def points(self) -> dict[str, list]:
        """Train and test points as [[x1, x2, label], ...]."""

        def rows(x: np.ndarray, y: np.ndarray) -> list:
            return np.column_stack([x, y]).astype(float).tolist()

        return {"train": rows(self.x_train, self.y_train), "test": rows(self.x_test, self.y_test)}

    def frame(self, points: bool | None = None) -> dict[str, Any]:
        """The `frame` message: losses, metrics, heatmaps, weights; points when they changed."""
        with one_thread():
            output, confidence, neurons = self._heatmaps()
        msg: dict[str, Any] = {
            "type": "frame",
            "epoch": self.epoch,
            "trainLoss": _json_safe(self.train_loss),
            "testLoss": _json_safe(self.test_loss),
            **self.metrics(),
            "output": _b64(output),
            "neurons": neurons,
            "features": self.config.features,
            "weights": [_json_safe(m.weight._array) for m in self.layers],
            "biases": [_json_safe(m.bias._array) for m in self.layers],
            "running": self.running,
        }
        if confidence is not None:
            msg["confidence"] = _b64(confidence)
        if points or (points is None and self._points_changed):
            msg["points"] = self.points()
            self._points_changed = False
        return msg

    def inspect(self, index: int) -> dict[str, Any]:
        """The `inspect` message: training point `index` through the network, node by node
        forward and backward (values, rules, gradients), and each hidden neuron's health."""
        from .inside import see_inside

        i = _check_int("index", index, len(self.f_train))
        with one_thread():
            msg = see_inside(self.model, self.trainer.compute_loss, self.f_train[i : i + 1],
                             self.t_train[i : i + 1], self.f_train)  # fmt: skip
        msg["index"] = i
        return msg

    # ----- export / import ----------------------------------------------------------------------
    def _check_tensors(self, saved: dict[str, tuple], own: dict[str, tuple]) -> None:
        """ValueError unless the file's tensors are exactly this network's, shape for shape."""
        for k, shape in own.items():
            if saved.get(k) != shape:
                have = saved[k] if k in saved else "nothing"
                raise ValueError(
                    f"import_weights: the file has {have} for {k}, this network "
                    f"needs {shape} (networkShape "
                    f"{','.join(map(str, self.config.networkShape))}, "
                    f"{len(self.config.features)} features)"
                )
        if set(saved) - set(own):
            raise ValueError(
                f"import_weights: the file has extra tensors "
                f"{sorted(set(saved) - set(own))} this network lacks"
            )

    def _check_weights_file(self, data: bytes, own: dict[str, tuple]) -> None:
        """Read only the safetensors header: the model tensors it lists must be this network's
        (floating point) and its architecture this network's MLP, so nothing larger is built."""
        head = _weights_header(data)
        saved: dict[str, tuple] = {}
        for k, v in head.items():
            if k.startswith("model."):
                if (
                    not isinstance(v, dict)
                    or v.get("dtype") not in ("F16", "F32", "F64")
                    or not isinstance(v.get("shape"), list)
                ):
                    raise ValueError(
                        f"import_weights: tensor {_clip(k)} is not a floating-point array"
                    )
                saved[k[6:]] = tuple(v["shape"])
        self._check_tensors(saved, own)
        meta = head.get("__metadata__")
        text = meta.get("architecture") if isinstance(meta, dict) else None
        if not isinstance(text, str):
            raise ValueError(
                "import_weights: the file has no architecture (not a glassnet model file)"
            )
        try:
            arch = json.loads(text)
        except (ValueError, RecursionError):
            raise ValueError(
                "import_weights: the file's architecture is not valid JSON (or nested too deeply)"
            ) from None
        _check_mlp(
            arch, [len(self.config.features), *self.config.networkShape, self.config.n_outputs]
        )

    def export_script(self) -> str:
        """A standalone Python script (glassnet + NumPy) that replays this training."""
        from .export import render_script

        return render_script(self)

    def export_weights(self) -> bytes:
        """The network as a glassnet safetensors model file (`glassnet.load` reads it too)."""
        from ..serialization import dumps

        return dumps(
            self.model, training={"playground": self.config.to_hash(), "epoch": self.epoch}
        )

    def export_onnx(self) -> bytes:
        """The network as an ONNX model (input: the feature values, batch dim symbolic)."""
        try:
            from ..onnx import to_model
        except ImportError as e:
            raise ValueError(
                f"export_onnx: needs the onnx package (pip install 'glassnet[onnx]'): {e}"
            ) from None
        x = np.zeros((1, len(self.config.features)), np.float32)
        return to_model(self.model, x).SerializeToString()

    def import_weights(self, data: bytes) -> None:
        """Load weights exported from a network of the same shape (no code is run). Before
        anything is built, the file's size, tensors and architecture must fit this network."""
        from ..serialization import loads

        if not isinstance(data, (bytes, bytearray)):
            raise ValueError(f"import_weights: expected bytes, got {type(data).__name__}")
        if len(data) > MAX_WEIGHTS_BYTES:
            raise ValueError(
                f"import_weights: the file's {len(data)} bytes are over the "
                f"{MAX_WEIGHTS_BYTES}-byte limit (the largest playground network "
                "needs less)"
            )
        data = bytes(data)
        own = dict(self.model.state_dict())
        self._check_weights_file(data, {k: tuple(p.shape) for k, p in own.items()})
        saved = dict(loads(data, "weights file").module.state_dict())
        self._check_tensors(
            {k: tuple(t.shape) for k, t in saved.items()},
            {k: tuple(p.shape) for k, p in own.items()},
        )
        for k, p in own.items():
            p._array[...] = saved[k]._array
        self.edited = True
        self._evaluate()
