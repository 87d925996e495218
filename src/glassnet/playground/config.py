"""`PlaygroundConfig`: the page's whole state, with TF Playground's names, defaults and ranges.

A TF Playground URL hash (``#activation=tanh&batchSize=10&...``) opens the same set-up:
`parse_hash` reads TF's keys (unknown ones such as cosX or hideText are ignored, as TF ignores
keys it does not know) field by field, leaving out and reporting each bad value, and `to_hash`
writes them back. `from_message` checks a (partial) JSON object from the page: every bad value
raises `ConfigError` naming the field, the value and what is allowed. `LIVE_FIELDS` and
`limits()` are the one table of what the page may change live and of every field's range; the
server and (through `hello`) the page both read them.
"""

from __future__ import annotations

import dataclasses
import math
import random
import re
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

import numpy as np

# TF Playground's activation choices: names the MLP looks up in glassnet.nn's one table
ACTIVATION_CHOICES = ("relu", "tanh", "sigmoid", "linear")
DATASETS = ("circle", "xor", "gauss", "spiral")
CSV_DATASET = "csv"  # the uploaded points (set by Session.load_csv, never from a hash)
REG_DATASETS = ("reg-plane", "reg-gauss")
LEARNING_RATES = (0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10)
REGULARIZATIONS = ("none", "L1", "L2")
REGULARIZATION_RATES = (0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10)
PROBLEMS = ("classification", "regression")
OPTIMIZERS = ("sgd", "momentum", "adam")
LANGS = ("en", "ko")
FEATURES = ("x", "y", "xSquared", "ySquared", "xTimesY", "sinX", "sinY")  # TF's input order
MAX_LAYERS, MAX_NEURONS = 8, 16
MAX_CLASSES = 5  # numClasses (spiral and CSV)
MAX_STOP_EPOCHS = 1_000_000
MAX_HASH = 4096  # characters of a URL hash
# Fields whose change leaves the network and data as they are (training goes on, as in TF);
# every other change rebuilds and pauses. VIEW_FIELDS change only what the page draws.
VIEW_FIELDS = ("showTestData", "discretize", "lang")
LIVE_FIELDS = ("learningRate", "stopEpochs", "stopLoss") + VIEW_FIELDS
TWO_CLASS_DATASETS = ("circle", "xor", "gauss")
_SEED = re.compile(r"[A-Za-z0-9._-]{1,64}")


class ConfigError(ValueError):
    """A config value out of range: `field`, the `value` given and what is `allowed`."""

    def __init__(self, field: str | None, value: Any, allowed: str) -> None:
        self.field, self.value, self.allowed = field, value, allowed
        shown = repr(value)
        shown = shown if len(shown) <= 80 else shown[:77] + "..."
        where = f"{field}: " if field else ""
        super().__init__(f"{where}got {shown}; allowed: {allowed}")


def _random_seed() -> str:
    """A fresh seed string in TF's format (Math.random().toFixed(5))."""
    return f"{random.random():.5f}"


@dataclass
class PlaygroundConfig:
    """Every setting of the page; field names are TF Playground's URL-hash keys."""

    activation: str = "tanh"
    batchSize: int = 10
    dataset: str = "circle"
    regDataset: str = "reg-plane"
    learningRate: float = 0.03
    regularization: str = "none"
    regularizationRate: float = 0.0
    noise: int = 0
    networkShape: tuple[int, ...] = (4, 2)
    seed: str = field(default_factory=_random_seed)
    showTestData: bool = False
    discretize: bool = False
    percTrainData: int = 50
    x: bool = True
    y: bool = True
    xTimesY: bool = False
    xSquared: bool = False
    ySquared: bool = False
    sinX: bool = False
    sinY: bool = False
    problem: str = "classification"
    initZero: bool = False
    # extensions (not in TF Playground)
    optimizer: str = "sgd"
    dropout: float = 0.0
    numClasses: int = 2
    stopEpochs: int = 0
    stopLoss: float = 0.0
    lang: str = "en"

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            setattr(self, f.name, _check(f.name, getattr(self, f.name)))
        _check_combination(self)

    # ----- derived ------------------------------------------------------------------------
    @property
    def features(self) -> list[str]:
        """The switched-on input features, in TF's order."""
        return [f for f in FEATURES if getattr(self, f)]

    @property
    def n_outputs(self) -> int:
        """Output units: one (tanh or linear) or one logit per class."""
        return self.numClasses if self.is_multiclass else 1

    @property
    def is_multiclass(self) -> bool:
        """Three to five classes: softmax outputs instead of one tanh output."""
        return self.problem == "classification" and self.numClasses > 2

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict (networkShape as a list)."""
        d = dataclasses.asdict(self)
        d["networkShape"] = list(self.networkShape)
        return d

    def replace(self, **changes: Any) -> PlaygroundConfig:
        """A checked copy with some fields changed."""
        return dataclasses.replace(self, **changes)

    # ----- URL hash -----------------------------------------------------------------------
    @classmethod
    def from_hash(cls, text: str) -> PlaygroundConfig:
        """Parse a TF Playground hash like '#activation=tanh&networkShape=4,2&...' strictly:
        the first bad value raises ConfigError (see `parse_hash` to keep the good ones)."""
        config, errors = cls.parse_hash(text)
        if errors:
            raise errors[0]
        return config

    @classmethod
    def parse_hash(
        cls, text: str, base: PlaygroundConfig | None = None
    ) -> tuple[PlaygroundConfig, list[ConfigError]]:
        """A hash read field by field on top of `base` (default: the defaults): each bad value
        is left out and returned as a ConfigError, so one typo keeps a link's other settings."""
        if not isinstance(text, str):
            raise ConfigError(None, text, "a URL hash string")
        if len(text) > MAX_HASH:
            raise ConfigError(None, text, f"a URL hash of at most {MAX_HASH} characters")
        good: dict[str, Any] = {}
        errors: list[ConfigError] = []
        for name, raw in _hash_items(text):
            try:
                good[name] = _check(name, _parse_hash_value(name, raw))
            except ConfigError as e:
                errors.append(e)
        return _combine(base or cls(), _implied(good), errors), errors

    def to_hash(self) -> str:
        """This config as a URL hash, TF's keys first (TF leaves regularization=none out)."""
        parts = []
        for name, value in self.to_dict().items():
            if name == "regularization" and value == "none":
                continue
            if isinstance(value, bool):
                value = "true" if value else "false"
            elif isinstance(value, float):  # as TF writes numbers: 0.03, 0, 0.00001
                value = np.format_float_positional(value, trim="-")
            elif isinstance(value, list):
                value = ",".join(map(str, value))
            parts.append(f"{name}={value}")
        return "#" + "&".join(parts)

    # ----- page messages ------------------------------------------------------------------
    def update(self, message: Any) -> PlaygroundConfig:
        """A new config: this one with the fields of a (partial) message object changed
        (choosing circle, xor or gauss without numClasses sets it back to 2)."""
        if not isinstance(message, dict):
            raise ConfigError("config", type(message).__name__, "an object of config fields")
        unknown = sorted(set(message) - set(_FIELDS))
        if unknown:
            raise ConfigError(
                str(unknown[0]), message[unknown[0]], f"the config fields {', '.join(_FIELDS)}"
            )
        changes = {k: _from_json(k, v) for k, v in message.items()}
        return self.replace(**_implied(changes))

    @classmethod
    def from_message(cls, message: Any, base: PlaygroundConfig | None = None) -> PlaygroundConfig:
        """Validate a (partial) config object from the page on top of `base` (or defaults)."""
        return (base or cls()).update(message)


_FIELDS = {f.name: f for f in dataclasses.fields(PlaygroundConfig)}
_CHOICES = {
    "activation": ACTIVATION_CHOICES,
    "dataset": DATASETS + (CSV_DATASET,),
    "regDataset": REG_DATASETS + (CSV_DATASET,),
    "regularization": REGULARIZATIONS,
    "problem": PROBLEMS,
    "optimizer": OPTIMIZERS,
    "lang": LANGS,
}
_LISTS = {"learningRate": LEARNING_RATES, "regularizationRate": REGULARIZATION_RATES}
_INT_RANGES = {
    "batchSize": (1, 30, 1),
    "noise": (0, 50, 5),
    "percTrainData": (10, 90, 10),
    "numClasses": (2, MAX_CLASSES, 1),
    "stopEpochs": (0, MAX_STOP_EPOCHS, 1),
}
_BOOLS = ("showTestData", "discretize", "initZero") + FEATURES


def limits() -> dict[str, Any]:
    """The allowed values of every field and the live ones, for the page (sent in `hello`)."""
    out: dict[str, Any] = {k: list(v) for k, v in {**_CHOICES, **_LISTS}.items()}
    out.update({k: {"min": lo, "max": hi, "step": st} for k, (lo, hi, st) in _INT_RANGES.items()})
    out.update(
        dropout={"min": 0.0, "max": 0.5, "step": 0.1},  # step: the page's choices
        stopLoss={"min": 0.0},
        networkShape={"maxLayers": MAX_LAYERS, "maxNeurons": MAX_NEURONS},
        features=list(FEATURES),
        liveFields=list(LIVE_FIELDS),
        viewFields=list(VIEW_FIELDS),
        maxHash=MAX_HASH,
    )
    return out


def _hash_items(text: str) -> list[tuple[str, str]]:
    """The (name, raw value) pairs of a hash that are ours, URL-decoded; TF's other keys
    (cosX, hideText, ...), per-session data ('csv') and TF's empty values are left out."""
    items = []
    for part in text.lstrip("#").split("&"):
        name, _, raw = (urllib.parse.unquote(p) for p in part.partition("="))
        if name not in _FIELDS or raw == CSV_DATASET:
            continue
        if name != "networkShape" and not raw.strip():
            continue  # TF keeps the default for an empty value
        items.append((name, raw))
    return items


def _implied(changes: dict[str, Any]) -> dict[str, Any]:
    """Choosing circle, xor or gauss (two classes only) without numClasses sets it to 2."""
    if changes.get("dataset") in TWO_CLASS_DATASETS and "numClasses" not in changes:
        return {**changes, "numClasses": 2}
    return changes


# The fields a rule between fields involves, by the field its ConfigError names.
_RULE_FIELDS = {"x": FEATURES, "numClasses": ("numClasses", "dataset", "problem")}


def _combine(
    base: PlaygroundConfig, good: dict[str, Any], errors: list[ConfigError]
) -> PlaygroundConfig:
    """`base` with the checked fields `good`; a rule between fields that fails (no feature on,
    3 classes on circle) leaves out the field it names (or else the hash's fields it involves),
    and is added to `errors`."""
    while good:
        try:
            return base.replace(**good)
        except ConfigError as e:
            errors.append(e)
            involved = {e.field} if e.field in good else set(_RULE_FIELDS.get(e.field or "", ()))
            kept = {k: v for k, v in good.items() if k not in involved}
            if len(kept) == len(good):  # a rule the hash's fields do not touch: base is bad
                raise
            good = kept
    return base


def _parse_hash_value(name: str, raw: str) -> Any:
    """One hash value as TF reads it: numbers with +, booleans 'false' or anything else true."""
    if name in _BOOLS:
        return raw != "false"
    if name == "networkShape":
        return raw
    if name in _LISTS or name in _INT_RANGES or name in ("dropout", "stopLoss"):
        try:
            return float(raw)
        except ValueError:
            raise ConfigError(name, raw, "a number") from None
    return raw


def _from_json(name: str, value: Any) -> Any:
    """Type checks for a value that came as JSON (no strings for numbers, no ints for bools)."""
    if name in _BOOLS and not isinstance(value, bool):
        raise ConfigError(name, value, "true or false")
    if (name in _LISTS or name in _INT_RANGES or name in ("dropout", "stopLoss")) and (
        isinstance(value, bool) or not isinstance(value, (int, float))
    ):
        raise ConfigError(name, value, "a number")
    return value


def _check(name: str, value: Any) -> Any:
    """The value in its canonical type, or ConfigError saying what is allowed."""
    if name in _CHOICES:
        if value not in _CHOICES[name]:
            raise ConfigError(name, value, "one of " + ", ".join(_CHOICES[name]))
        return value
    if name in _BOOLS:
        if not isinstance(value, bool):
            raise ConfigError(name, value, "true or false")
        return value
    if name in _LISTS:
        allowed = _LISTS[name]
        match = [
            a
            for a in allowed
            if isinstance(value, (int, float))
            and not isinstance(value, bool)
            and math.isclose(value, a, rel_tol=1e-9, abs_tol=1e-12)
        ]
        if not match:
            raise ConfigError(name, value, "one of " + ", ".join(map(str, allowed)))
        return float(match[0])
    if name in _INT_RANGES:
        lo, hi, step = _INT_RANGES[name]
        ok = (
            isinstance(value, (int, float))
            and not isinstance(value, bool)
            and math.isfinite(value)
            and value == int(value)
            and lo <= value <= hi
            and (int(value) - lo) % step == 0
        )
        if not ok:
            steps = f" in steps of {step}" if step > 1 else ""
            raise ConfigError(name, value, f"an integer from {lo} to {hi}{steps}")
        return int(value)
    if name == "dropout":
        return _float_in(name, value, 0.0, 0.5, "a number from 0 to 0.5")
    if name == "stopLoss":
        return _float_in(name, value, 0.0, math.inf, "a number >= 0 (0 = never stop)")
    if name == "networkShape":
        return _shape(value)
    if name == "seed":
        if not isinstance(value, str) or not _SEED.fullmatch(value):
            raise ConfigError(name, value, "1 to 64 characters of A-Z a-z 0-9 . _ -")
        return value
    raise ConfigError(name, value, "a known config field")  # pragma: no cover


def _float_in(name: str, value: Any, lo: float, hi: float, allowed: str) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(value)
        or not lo <= value <= hi
    ):
        raise ConfigError(name, value, allowed)
    return float(value)


def _shape(value: Any) -> tuple[int, ...]:
    """'4,2', '' or [4, 2] -> (4, 2): up to MAX_LAYERS layers of 1..MAX_NEURONS neurons."""
    allowed = (
        f"up to {MAX_LAYERS} comma-separated layer sizes, each 1 to {MAX_NEURONS} "
        "('' = no hidden layer)"
    )
    if isinstance(value, str):
        parts = [p.strip() for p in value.split(",")] if value.strip() else []
        if not all(p.isdigit() for p in parts):
            raise ConfigError("networkShape", value, allowed)
        value = [int(p) for p in parts]
    if (
        not isinstance(value, (list, tuple))
        or len(value) > MAX_LAYERS
        or not all(
            isinstance(n, int) and not isinstance(n, bool) and 1 <= n <= MAX_NEURONS for n in value
        )
    ):
        raise ConfigError("networkShape", value, allowed)
    return tuple(value)


def _check_combination(c: PlaygroundConfig) -> None:
    """Rules between fields."""
    if not c.features:
        raise ConfigError("x", False, "at least one input feature switched on")
    if (
        c.numClasses > 2
        and c.problem == "classification"
        and c.dataset not in ("spiral", CSV_DATASET)
    ):
        raise ConfigError(
            "numClasses",
            c.numClasses,
            "2 for circle, xor and gauss (3-5 classes need spiral or a CSV)",
        )
