"""How the playground trains: TF Playground's features, loss and mini-batch rule, on glassnet's
one training core.

The playground's Session runs these functions, and `export.py` copies this file's code into
every exported script, so the page and the script compute the very same numbers. The network is
glassnet's `models.MLP` (activation names as glassnet.nn knows them) with TF's init
(`init="playground"`: weights U(−0.5, 0.5), biases 0.1; `"zeros"` for initZero); the optimizer
comes from `optim.create` (sgd, momentum = SGD with momentum 0.9, adam); regularisation is
`nn.penalty` added to the loss. TF Playground's rules kept here: the output is tanh (two
classes, labels ±1) or linear (regression) with the halved squared error ½(o − t)²; the
training points are visited in order and the weights move after every `batch_size` points by
the mean gradient plus rate·R′(w)/batch, i.e. the loss term rate·R(w)/batch with R = ½w² (L2)
or |w| (L1, whose slope is 0 at exactly 0, as TF Playground's sign); biases are not
regularised; a remainder joins the next epoch's first batch. Three to five classes use softmax
cross-entropy instead.
"""

import numpy as np

import glassnet as gn
import glassnet.nn.functional as F
from glassnet import nn
from glassnet.models import MLP

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


def build_network(n_inputs: int, hidden: list[int], activation: str, n_outputs: int,
                  tanh_output: bool, dropout: float = 0.0, init_zero: bool = False,
                  seed: int = 0) -> MLP:
    """glassnet's MLP for these settings, with TF Playground's initialisation."""
    gn.manual_seed(seed)
    return MLP([n_inputs, *hidden, n_outputs], activation, dropout=dropout,
               output_activation="tanh" if tanh_output else None,
               init="zeros" if init_zero else "playground")


def loss_fn(output: gn.Tensor, target: np.ndarray, multiclass: bool) -> gn.Tensor:
    """Softmax cross-entropy for 3-5 classes, else TF's mean halved squared error."""
    if multiclass:
        return F.cross_entropy(output, target)
    d = output - target
    return (d * d).mean() * 0.5


def penalty(model: nn.Module, kind: str, rate: float, batch_len: int) -> gn.Tensor | None:
    """TF's regularisation of one batch as a loss term (nn.penalty): rate·R(w)/batch, whose
    gradient is TF's rate·R′(w)/batch; None without regularisation."""
    if kind == "L2" and rate:
        return nn.penalty(model, l2=rate / (2 * batch_len))  # R = ½w², R′ = w
    if kind == "L1" and rate:
        return nn.penalty(model, l1=rate / batch_len)  # R = |w|, R′ = sign(w)
    return None


def epoch_batches(n: int, batch_size: int, carry: np.ndarray) -> tuple[list, np.ndarray]:
    """One epoch's index batches in TF's order, and the remainder carried to the next epoch."""
    size = min(batch_size, n)
    end = n - n % size
    batches = [np.arange(i, i + size) for i in range(0, end, size)]
    batches[0] = np.concatenate([carry, batches[0]])
    return batches, np.arange(end, n)


def train_epoch(model: nn.Module, optimizer: gn.optim.Optimizer, features: np.ndarray,
                targets: np.ndarray, batch_size: int, carry: np.ndarray, multiclass: bool,
                regularization: str = "none", reg_rate: float = 0.0) -> np.ndarray:
    """One pass over the training points; returns the carried remainder."""
    model.train()
    batches, carry = epoch_batches(len(features), batch_size, carry)
    for batch in batches:
        t = targets[batch]
        loss = loss_fn(model(gn.from_numpy(features[batch])), t, multiclass)
        extra = penalty(model, regularization, reg_rate, len(t))
        if extra is not None:
            loss = loss + extra
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return carry


def evaluate(model: nn.Module, features: np.ndarray, targets: np.ndarray,
             multiclass: bool) -> float:
    """The loss over a whole set (TF shows it without the regulariser)."""
    model.eval()
    with gn.no_grad():
        return float(loss_fn(model(gn.from_numpy(features)), targets, multiclass).item())
