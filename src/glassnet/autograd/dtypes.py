"""PyTorch's dtype names as NumPy dtypes, so `x.to(gn.float32)` and `dtype=gn.long` work.

They are `np.dtype` objects: `gn.float32 == np.float32` and `t.dtype == gn.float32` hold.
`float`, `double`, `half`, `long`, `int` and `bool` follow PyTorch (float32, float64, float16,
int64, int32, bool), not Python's builtins.
"""

import numpy as np

float16 = half = np.dtype(np.float16)
float32 = float = np.dtype(np.float32)  # PyTorch's names (torch.float is float32)
float64 = double = np.dtype(np.float64)
uint8 = np.dtype(np.uint8)
int8 = np.dtype(np.int8)
int16 = np.dtype(np.int16)
int32 = int = np.dtype(np.int32)
int64 = long = np.dtype(np.int64)
bool = np.dtype(np.bool_)

__all__ = [
    "bool",
    "double",
    "float",
    "float16",
    "float32",
    "float64",
    "half",
    "int",
    "int8",
    "int16",
    "int32",
    "int64",
    "long",
    "uint8",
]
