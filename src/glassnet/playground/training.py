"""How the playground trains: TF Playground's features, network, loss and mini-batch rule.

The playground's Session runs these functions, and `export.py` copies this file's code into
every exported script, so the page and the script compute the very same numbers. It uses only
NumPy and glassnet. TF Playground's rules kept here: weights start U(−0.5, 0.5) and biases 0.1;
the output is tanh (two classes, labels ±1) or linear (regression) with the halved squared
error ½(o − t)²; the training points are visited in order and the weights move after every
`batch_size` points by the mean gradient plus rate·R′(w)/batch (L1: R′ = sign, +1 at 0;
L2: R′ = w; biases are not regularised); a remainder joins the next epoch's first batch.
Three to five classes use softmax cross-entropy instead.
"""

import numpy as np

import glassnet as gn
import glassnet.nn.functional as F
from glassnet import nn

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
ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid, "linear": nn.Identity}


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
                  seed: int = 0) -> nn.Sequential:
    """Linear + activation (+ Dropout) per hidden layer, then the output layer; TF's init."""
    gn.manual_seed(seed)
    sizes = [n_inputs, *hidden]
    layers = []
    for n_in, n_out in zip(sizes, sizes[1:]):
        layers += [nn.Linear(n_in, n_out), ACTIVATIONS[activation]()]
        if dropout:
            layers.append(nn.Dropout(dropout))
    layers.append(nn.Linear(sizes[-1], n_outputs))
    if tanh_output:
        layers.append(nn.Tanh())
    model = nn.Sequential(*layers)
    for layer in model:
        if isinstance(layer, nn.Linear):
            if init_zero:
                nn.init.constant_(layer.weight, 0.0)
            else:
                nn.init.uniform_(layer.weight, -0.5, 0.5)
            nn.init.constant_(layer.bias, 0.0 if init_zero else 0.1)
    return model


def make_optimizer(model: nn.Module, name: str, lr: float) -> gn.optim.Optimizer:
    """TF's plain SGD, or SGD with momentum 0.9, or Adam."""
    if name == "momentum":
        return gn.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    if name == "adam":
        return gn.optim.Adam(model.parameters(), lr=lr)
    return gn.optim.SGD(model.parameters(), lr=lr)


def loss_fn(output: gn.Tensor, target: np.ndarray, multiclass: bool) -> gn.Tensor:
    """Softmax cross-entropy for 3-5 classes, else TF's mean halved squared error."""
    if multiclass:
        return F.cross_entropy(output, target)
    d = output - target
    return (d * d).mean() * 0.5


def regularize(model: nn.Sequential, kind: str, rate: float, batch_len: int) -> None:
    """Add TF's penalty gradient rate·R′(w)/batch to every weight matrix's gradient."""
    if kind == "none" or rate == 0:
        return
    for layer in model:
        if isinstance(layer, nn.Linear):
            w = layer.weight.data
            slope = np.where(w < 0, -1.0, 1.0) if kind == "L1" else w
            layer.weight.grad.data += (rate / batch_len) * slope


def epoch_batches(n: int, batch_size: int, carry: np.ndarray) -> tuple[list, np.ndarray]:
    """One epoch's index batches in TF's order, and the remainder carried to the next epoch."""
    size = min(batch_size, n)
    end = n - n % size
    batches = [np.arange(i, i + size) for i in range(0, end, size)]
    batches[0] = np.concatenate([carry, batches[0]])
    return batches, np.arange(end, n)


def train_epoch(model: nn.Sequential, optimizer: gn.optim.Optimizer, features: np.ndarray,
                targets: np.ndarray, batch_size: int, carry: np.ndarray, multiclass: bool,
                regularization: str = "none", reg_rate: float = 0.0) -> np.ndarray:
    """One pass over the training points; returns the carried remainder."""
    model.train()
    batches, carry = epoch_batches(len(features), batch_size, carry)
    for batch in batches:
        loss = loss_fn(model(gn.from_numpy(features[batch])), targets[batch], multiclass)
        optimizer.zero_grad()
        loss.backward()
        regularize(model, regularization, reg_rate, len(batch))
        optimizer.step()
    return carry


def evaluate(model: nn.Module, features: np.ndarray, targets: np.ndarray,
             multiclass: bool) -> float:
    """The loss over a whole set (TF shows it without the regulariser)."""
    model.eval()
    with gn.no_grad():
        return float(loss_fn(model(gn.from_numpy(features)), targets, multiclass).item())
