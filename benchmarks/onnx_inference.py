"""Deployment speed-up: onnxruntime on the exported seed DNN and LeNet-5 vs glassnet's own
`no_grad` forward, same inputs, same thread count, timed in alternation.

    python benchmarks/onnx_inference.py [batch ...]     (default batches 1 and 256)

Prints samples/s of each and the ratio (onnxruntime / glassnet, higher = exporting is faster).
"""

from __future__ import annotations

import sys

import numpy as np
import onnxruntime as ort

import glassnet as gn
from _common import compare, setup_threads
from glassnet import models
from glassnet.onnx import to_model


def session(model: gn.nn.Module, x: np.ndarray, threads: int) -> ort.InferenceSession:
    opts = ort.SessionOptions()
    opts.intra_op_num_threads, opts.inter_op_num_threads = threads, 1
    raw = to_model(model, x).SerializeToString()
    return ort.InferenceSession(raw, opts, providers=["CPUExecutionProvider"])


def main() -> None:
    threads = setup_threads()
    batches = [int(b) for b in sys.argv[1:]] or [1, 256]
    rng = np.random.default_rng(0)
    nets = {
        "seed DNN [784, 300, 100, 10]": (models.MLP([784, 300, 100, 10]), (784,)),
        "LeNet-5": (models.LeNet5(), (1, 28, 28)),
    }
    print(f"onnxruntime {ort.__version__}, {threads} thread(s)")
    for name, (net, shape) in nets.items():
        net.eval()
        sess = session(net, np.zeros((1, *shape), np.float32), threads)
        for batch in batches:
            x = rng.standard_normal((batch, *shape)).astype(np.float32)
            gx = gn.tensor(x)
            want = net(gx).data
            (got,) = sess.run(None, {"input": x})
            assert np.allclose(got, want, atol=1e-5), "onnxruntime disagrees with glassnet"

            def ours(net=net, gx=gx):
                with gn.no_grad():
                    net(gx)

            def theirs(sess=sess, x=x):
                sess.run(None, {"input": x})

            ort_rate, gn_rate, ratio = compare(theirs, ours, batch)
            print(
                f"{name:30s} batch {batch:4d}: onnxruntime {ort_rate:10.0f} samples/s, "
                f"glassnet {gn_rate:10.0f} samples/s, ratio (onnxruntime / glassnet) {ratio:.2f}"
            )


if __name__ == "__main__":
    main()
