"""How the playground trains: TF Playground's features, loss and mini-batch rule, on glassnet's
one training core.

The playground's Session runs these functions, and `export.py` copies this file's code into
every exported script, so the page and the script compute the very same numbers. The network is
glassnet's `models.MLP` (activation names as glassnet.nn knows them) with TF's init
(`init="playground"`: weights U(−0.5, 0.5), biases 0.1; `"zeros"` for initZero), trained one
batch at a time by `train.Model.train_step` (forward, loss plus `nn.penalty`, backward, step;
the optimizer by name through `optim.create`: sgd, momentum = SGD with momentum 0.9, adam).
TF Playground's rules kept here: the output is tanh (two
classes, labels ±1) or linear (regression) with the halved squared error ½(o − t)²; the
training points are visited in order and the weights move after every `batch_size` points by
the mean gradient plus rate·R′(w)/batch, i.e. the loss term rate·R(w)/batch with R = ½w² (L2)
or |w| (L1, whose slope is 0 at exactly 0, as TF Playground's sign); biases are not
regularised; a remainder joins the next epoch's first batch. Three to five classes use softmax
cross-entropy instead.
"""

import numpy as np

import glassnet as gn
from glassnet import nn
from glassnet.models import MLP
from glassnet.train import Model

# ----- exported scripts copy everything below this line ---------------------------------------
FEATURES = {  # TF Playground's input features of a point (x1, x2), in its order
    "x": lambda x1, x2: x1,
    "y": lambda x1, x2: x2,
    "xSquared": lambda x1, x2: x1 * x1,
    "ySquared": lambda x1, x2: x2 * x2,
    "xTimesY": lambda x1, x2: x1 * x2,
    "sinX": lambda x1, x2: np.sin(x1),
    "sinY": lambda x1, x2: np.sin(x2),
}


def make_features(points: np.ndarray, names: list[str]) -> np.ndarray:
    """The chosen features of (n, 2) points as an (n, len(names)) float32 array."""
    x1, x2 = points[:, 0], points[:, 1]
    return np.stack([FEATURES[n](x1, x2) for n in names], axis=1).astype(np.float32)


def make_targets(labels: np.ndarray, multiclass: bool) -> np.ndarray:
    """Class indices (int64) for softmax, else an (n, 1) float32 column (±1 or real values)."""
    if multiclass:
        return np.asarray(labels, dtype=np.int64)
    return np.asarray(labels, dtype=np.float32).reshape(-1, 1)


def build_network(
    n_inputs: int,
    hidden: list[int],
    activation: str,
    n_outputs: int,
    tanh_output: bool,
    dropout: float = 0.0,
    init_zero: bool = False,
    seed: int = 0,
) -> MLP:
    """glassnet's MLP for these settings, with TF Playground's initialisation."""
    gn.manual_seed(seed)
    return MLP(
        [n_inputs, *hidden, n_outputs],
        activation,
        dropout=dropout,
        output_activation="tanh" if tanh_output else None,
        init="zeros" if init_zero else "playground",
    )


def half_squared_error(output: gn.Tensor, target: np.ndarray) -> gn.Tensor:
    """TF Playground's loss: the mean of ½(o − t)²."""
    d = output - target
    return (d * d).mean() * 0.5


def make_trainer(model: nn.Module, optimizer: str, lr: float, multiclass: bool) -> Model:
    """glassnet's Model around the network: the optimizer by name, TF's loss (softmax
    cross-entropy for 3-5 classes); it trains and evaluates one batch at a time."""
    loss = nn.CrossEntropyLoss() if multiclass else half_squared_error
    return Model(model).compile(optimizer=optimizer, lr=lr, loss=loss)


def penalty_rates(kind: str, rate: float, batch_len: int) -> tuple[float, float]:
    """(l1, l2) of the loss term l1·Σ|w| + l2·Σw² (nn.penalty, weights only) whose gradient
    is TF's rate·R′(w)/batch: L1, R = |w|: l1 = rate/batch; L2, R = ½w²: l2 = rate/(2·batch)."""
    if kind == "L1":
        return rate / batch_len, 0.0
    if kind == "L2":
        return 0.0, rate / (2 * batch_len)
    return 0.0, 0.0


def epoch_batches(n: int, batch_size: int, carry: np.ndarray) -> tuple[list, np.ndarray]:
    """One epoch's index batches in TF's order, and the remainder carried to the next epoch."""
    size = min(batch_size, n)
    end = n - n % size
    batches = [np.arange(i, i + size) for i in range(0, end, size)]
    batches[0] = np.concatenate([carry, batches[0]])
    return batches, np.arange(end, n)


def train_epoch(
    trainer: Model,
    features: np.ndarray,
    targets: np.ndarray,
    batch_size: int,
    carry: np.ndarray,
    regularization: str = "none",
    reg_rate: float = 0.0,
) -> np.ndarray:
    """One pass over the training points, a `train_step` per batch (the penalty's rates set
    for that batch's size); returns the carried remainder."""
    trainer.module.train()
    batches, carry = epoch_batches(len(features), batch_size, carry)
    for batch in batches:
        trainer.l1, trainer.l2 = penalty_rates(regularization, reg_rate, len(batch))
        trainer.train_step((features[batch], targets[batch]))
    return carry


def evaluate(trainer: Model, features: np.ndarray, targets: np.ndarray) -> float:
    """The loss over a whole set (TF shows it without the regulariser): one `test_step`."""
    trainer.module.eval()
    with gn.no_grad():
        return trainer.test_step((features, targets))["loss"]
