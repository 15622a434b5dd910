"""Convolutional networks with identity shortcuts (``add`` layers), converted by every method."""

from __future__ import annotations

import numpy as np
import pytest
from qcfs_truth import qcfs_counts

from neuroemu.convert import METHODS, convert
from neuroemu.convert.ann import ANN, ConversionError, Layer, load_ann, save_ann
from neuroemu.convert.evaluate import Dataset, evaluate
from neuroemu.hw import load_profile
from neuroemu.mapping import map_network

PROFILE = load_profile("generic")


def resnet_block(rng, act: str = "relu", source: int = 1) -> ANN:
    """conv, act, conv + shortcut(source), act, avgpool, flatten, dense: 2 x 6 x 6 input."""
    def a():
        return Layer("qcfs", threshold=2.0, levels=4) if act == "qcfs" else Layer("relu")

    def q(shape):  # dyadic weights keep the QCFS forms exact
        return rng.integers(-4, 5, shape) / 8.0

    layers = (Layer("conv2d", weight=q((2, 2, 3, 3)), bias=q(2), padding=(1, 1)), a(),
              Layer("conv2d", weight=q((2, 2, 3, 3)), bias=q(2), padding=(1, 1)),
              Layer("add", source=source), a(),
              Layer("avgpool2d", kernel=(2, 2), stride=(2, 2)), Layer("flatten"),
              Layer("dense", weight=q((3, 18)), bias=q(3)))
    return ANN((2, 6, 6), layers, input_scale=0.25, name="block")


def test_add_layer_forward_and_npz_round_trip(tmp_path, rng):
    ann = resnet_block(rng)
    x = rng.integers(0, 8, (5, 72))
    h = x.reshape(5, 2, 6, 6) * 0.25
    from neuroemu.convert.ann import avgpool2d, conv2d

    l0 = ann.layers
    a1 = np.maximum(conv2d(h, l0[0].weight, padding=(1, 1)) + l0[0].bias.reshape(1, -1, 1, 1), 0)
    z2 = conv2d(a1, l0[2].weight, padding=(1, 1)) + l0[2].bias.reshape(1, -1, 1, 1) + a1
    pooled = avgpool2d(np.maximum(z2, 0), (2, 2), (2, 2)).reshape(5, -1)
    np.testing.assert_allclose(ann.forward(x * 0.25), pooled @ l0[7].weight.T + l0[7].bias)
    path = tmp_path / "block.npz"
    save_ann(path, ann)
    back = load_ann(path)
    assert [ly.kind for ly in back.layers] == [ly.kind for ly in ann.layers]
    assert back.layers[3].source == 1 and back.stages[1].skip == 1
    np.testing.assert_array_equal(back.forward(x * 0.25), ann.forward(x * 0.25))


@pytest.mark.parametrize("source, message", [(2, "earlier relu/qcfs layer"),
                                             (-1, "has shape")])
def test_add_refuses_bad_sources(rng, source, message):
    layers = list(resnet_block(rng).layers)
    layers[3] = Layer("add", source=source)
    if source == -1:  # the input has 2 x 6 x 6 values, but make the conv output 1 channel
        layers[2] = Layer("conv2d", weight=np.zeros((1, 2, 3, 3)), padding=(1, 1))
        layers[7] = Layer("dense", weight=np.zeros((3, 9)))
    with pytest.raises(ConversionError, match=message):
        ANN((2, 6, 6), tuple(layers))


@pytest.mark.parametrize("method", METHODS)
def test_every_method_converts_a_residual_cnn(method, rng):
    """Shortcut projections s{k} exist with the method's scaling; the chip holds and runs it."""
    ann = resnet_block(rng, act="qcfs" if method in ("qcfs", "pascal") else "relu")
    data = rng.integers(0, 16, (40, 72))
    conv = convert(ann, method, PROFILE, calibration=data, ticks=16)
    net = conv.network
    skip = net.projections[[p.name for p in net.projections].index("s2")]
    assert (skip.source, skip.target, skip.kind) == ("h1", "h2", "sparse")
    np.testing.assert_array_equal(skip.src, np.arange(72))
    if method == "maxnorm":  # a1 / λ1 counts as a2 / λ2: weight λ1/λ2
        lam = conv.info["lambda"]
        np.testing.assert_allclose(skip.weight, lam[0] / lam[1])
    res = evaluate(net, Dataset("random", data[:4], np.zeros(4, np.int64)), profile=PROFILE)
    assert res["spikes_by_population"]["h2"] > 0
    if method == "pascal":  # exact: the SNN's class is the QCFS ANN's on every sample
        _, scores = qcfs_counts(conv.ann, data[:4])
        np.testing.assert_array_equal(res["predictions"], np.argmax(scores, axis=1))
    map_network(net, PROFILE)


def test_l4_scales_each_conv_channel_by_its_noise(rng):
    """On a convolution σ̂ is one value per output channel: the kernel of a noisier channel
    (larger L4 norm) is scaled down relative to a quieter one, the layer's mean kept."""
    from neuroemu.convert.ratecode import l4_scale

    ann = resnet_block(rng)
    data = rng.integers(0, 16, (40, 72))
    m = convert(ann, "maxnorm", PROFILE, calibration=data).network.projections[0].weight
    l4 = convert(ann, "l4", PROFILE, calibration=data)
    w = l4.network.projections[0].weight
    mc, wc = m.reshape(2, -1), w.reshape(2, -1)
    ratio = np.sum(wc * mc, axis=1) / np.sum(mc * mc, axis=1)
    np.testing.assert_allclose(w, m * ratio.reshape(2, 1, 1, 1))
    norms = np.sum(mc ** 4, axis=1) ** 0.25  # every position of a channel has its kernel
    rho = l4.info["sigma"][0] / norms.mean()
    np.testing.assert_allclose(ratio, l4_scale(rho * norms))
    assert (ratio[0] < ratio[1]) == (norms[0] > norms[1])
