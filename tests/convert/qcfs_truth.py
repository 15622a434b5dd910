"""Ground truth for conversion tests: the QCFS ANN by its definition, in plain numpy."""

from __future__ import annotations

import numpy as np

from neuroemu.convert.ann import ANN, conv2d


def bias(layer, ndim: int):
    """The layer's bias broadcastable over (N, C) or (N, C, H, W); 0 when it has none."""
    return 0.0 if layer.bias is None else layer.bias.reshape((1, -1) + (1,) * (ndim - 2))


def qcfs_counts(ann: ANN, x) -> list:
    """n_l of every hidden layer and the output scores z, by the QCFS definition (float64)."""
    h = np.asarray(x, np.float64).reshape((len(x),) + ann.input_shape) * ann.input_scale
    counts = []
    inp, kept = h, []
    for layer in ann.layers:
        if layer.kind == "add":
            src = inp if layer.source < 0 else kept[layer.source]
            if layer.weight is not None:  # a projection shortcut: conv (+ bias) of the source
                src = conv2d(src, layer.weight, layer.stride, layer.padding)
                src = src + bias(layer, 4)
            h = h + src.reshape(h.shape)
        elif layer.kind == "dense":
            h = h.reshape(len(h), -1) @ layer.weight.T + bias(layer, 2)
        elif layer.kind == "conv2d":
            h = conv2d(h, layer.weight, layer.stride, layer.padding) + bias(layer, 4)
        elif layer.kind == "batchnorm":
            shape = (1, -1) + (1,) * (h.ndim - 2)
            h = (h - layer.mean.reshape(shape)) / np.sqrt(layer.var.reshape(shape) + layer.eps) \
                * layer.gamma.reshape(shape) + layer.beta.reshape(shape)
        elif layer.kind == "qcfs":
            n = np.clip(np.floor(h * layer.levels / layer.threshold + 0.5), 0, layer.levels)
            counts.append(n.reshape(len(h), -1))
            h = n * layer.threshold / layer.levels
        elif layer.kind == "avgpool2d":
            c, H, W = h.shape[1:]
            k = layer.kernel[0]
            h = h[:, :, :H // k * k, :W // k * k].reshape(len(h), c, H // k, k, W // k, k)
            h = h.mean(axis=(3, 5))
        elif layer.kind == "flatten":
            h = h.reshape(len(h), -1)
        kept.append(h)
    return counts, h.reshape(len(h), -1)
