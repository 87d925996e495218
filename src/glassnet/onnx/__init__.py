"""ONNX export and import: `export(model, x, "m.onnx")`, `load("m.onnx")` (needs glassnet[onnx]).

A glassnet model becomes an ONNX graph that onnxruntime (and every mobile and edge runtime
that reads ONNX) runs; an ONNX file written by glassnet or by `torch.onnx.export` loads back
as a glassnet module.
"""

from ._export import DEFAULT_OPSET, OPSETS, RULES, ExportError, export, to_model
from ._import import OPS, OnnxError, ONNXModule, load, loads

__all__ = [
    "DEFAULT_OPSET",
    "OPSETS",
    "OPS",
    "RULES",
    "ExportError",
    "ONNXModule",
    "OnnxError",
    "export",
    "load",
    "loads",
    "to_model",
]
