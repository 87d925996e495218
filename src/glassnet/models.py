"""Classic models built from `glassnet.nn`: `MLP`, `LeNet5`, a small `ResNet`."""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

from . import nn
from .autograd import Tensor
from .serialization import register_module

INITS = ("torch", "playground", "zeros")


@register_module
class MLP(nn.Sequential):
    """Fully connected layers with an activation between them: the one MLP builder.

    `sizes` = [inputs, *hidden, outputs]; each hidden layer is Linear (+ BatchNorm1d) +
    activation (+ Dropout). `output_activation` (e.g. "tanh", "sigmoid") follows the last
    Linear. `init`: "torch" (PyTorch's Linear init), "playground" (TF Playground's: weights
    U(−0.5, 0.5), biases 0.1) or "zeros". Activations are names in `nn.ACTIVATIONS` or classes.
    """

    def __init__(
        self,
        sizes: Sequence[int],
        activation: str | type = nn.ReLU,
        batch_norm: bool = False,
        dropout: float = 0.0,
        output_activation: str | type | None = None,
        init: str = "torch",
    ) -> None:
        sizes = [int(n) if isinstance(n, numbers.Integral) else n for n in sizes]
        if len(sizes) < 2 or not all(isinstance(n, int) and n > 0 for n in sizes):
            raise ValueError(
                f"MLP: sizes must be at least [inputs, outputs], all positive integers, got {sizes}"
            )
        if init not in INITS:
            raise ValueError(f"MLP: unknown init {init!r}; choose from {list(INITS)}")
        act = nn.get_activation(activation, "MLP: activation")
        layers: list[nn.Module] = []
        for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
            layers.append(nn.Linear(a, b))
            if i < len(sizes) - 2:
                if batch_norm:
                    layers.append(nn.BatchNorm1d(b))
                layers.append(act())
                if dropout:
                    layers.append(nn.Dropout(dropout))
        if output_activation is not None:
            layers.append(nn.get_activation(output_activation, "MLP: output_activation")())
        super().__init__(*layers)
        self.sizes, self.activation, self.batch_norm = sizes, activation, batch_norm
        self.dropout, self.output_activation, self.init = dropout, output_activation, init
        if init != "torch":
            for layer in self.linears():
                nn.init.constant_(layer.bias, 0.1 if init == "playground" else 0.0)
                if init == "playground":
                    nn.init.uniform_(layer.weight, -0.5, 0.5)
                else:
                    nn.init.constant_(layer.weight, 0.0)

    def linears(self) -> list[nn.Linear]:
        """The Linear layers, input to output."""
        return [m for m in self if isinstance(m, nn.Linear)]


@register_module
class LeNet5(nn.Module):
    """LeNet-5 for 28×28 images: conv(6,5,pad 2)-pool-conv(16,5)-pool-120-84-classes."""

    def __init__(
        self, in_channels: int = 1, num_classes: int = 10, activation: type = nn.ReLU
    ) -> None:
        super().__init__()
        self.in_channels, self.num_classes, self.activation = in_channels, num_classes, activation
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, 6, 5, padding=2),
            activation(),
            nn.MaxPool2d(2),
            nn.Conv2d(6, 16, 5),
            activation(),
            nn.MaxPool2d(2),
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Linear(16 * 5 * 5, 120),
            activation(),
            nn.Linear(120, 84),
            activation(),
            nn.Linear(84, num_classes),
        )

    def forward(self, x: Tensor) -> Tensor:
        return self.classifier(self.features(x))


@register_module
class BasicBlock(nn.Module):
    """Residual block: relu(bn(conv(relu(bn(conv(x))))) + shortcut(x))."""

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1) -> None:
        super().__init__()
        self.in_channels, self.out_channels, self.stride = in_channels, out_channels, stride
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.shortcut: nn.Module = nn.Identity()
        if stride != 1 or in_channels != out_channels:
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_channels, out_channels, 1, stride, bias=False),
                nn.BatchNorm2d(out_channels),
            )

    def forward(self, x: Tensor) -> Tensor:
        out = nn.functional.relu(self.bn1(self.conv1(x)))
        return nn.functional.relu(self.bn2(self.conv2(out)) + self.shortcut(x))


@register_module
class ResNet(nn.Module):
    """A small ResNet: a stem conv, stages of BasicBlocks (stride 2 between), global pooling."""

    def __init__(
        self,
        in_channels: int = 3,
        num_classes: int = 10,
        widths: Sequence[int] = (16, 32, 64),
        blocks_per_stage: int = 2,
    ) -> None:
        super().__init__()
        self.in_channels, self.num_classes = in_channels, num_classes
        self.widths, self.blocks_per_stage = list(widths), blocks_per_stage
        self.stem = nn.Sequential(
            nn.Conv2d(in_channels, widths[0], 3, padding=1, bias=False),
            nn.BatchNorm2d(widths[0]),
            nn.ReLU(),
        )
        blocks: list[Any] = []
        prev = widths[0]
        for i, w in enumerate(widths):
            for j in range(blocks_per_stage):
                blocks.append(BasicBlock(prev, w, stride=2 if i > 0 and j == 0 else 1))
                prev = w
        self.layers = nn.Sequential(*blocks)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(prev, num_classes)

    def forward(self, x: Tensor) -> Tensor:
        return self.fc(self.pool(self.layers(self.stem(x))).flatten(1))
