"""Ground truth for conversion tests: the QCFS ANN by its definition, in plain numpy."""

from __future__ import annotations

import numpy as np

from neuroemu.convert.ann import ANN, conv2d


def qcfs_counts(ann: ANN, x) -> list:
    """n_l of every hidden layer and the output scores z, by the QCFS definition (float64)."""
    h = np.asarray(x, np.float64).reshape((len(x),) + ann.input_shape) * ann.input_scale
    counts = []
    inp, kept = h, []
    for layer in ann.layers:
        if layer.kind == "add":
            h = h + (inp if layer.source < 0 else kept[layer.source]).reshape(h.shape)
        elif layer.kind == "dense":
            h = h.reshape(len(h), -1) @ layer.weight.T + layer.bias
        elif layer.kind == "conv2d":
            h = conv2d(h, layer.weight, layer.stride, layer.padding) + \
                layer.bias.reshape(1, -1, 1, 1)
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
