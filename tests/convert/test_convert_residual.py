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


def converted(block, method: str, rng):
    """(ann, calibration data, Conversion, shortcut projection s2) of ``block`` by ``method``."""
    ann = block(rng, act="qcfs" if method in ("qcfs", "pascal") else "relu")
    data = rng.integers(0, 16, (40, 72))
    conv = convert(ann, method, PROFILE, calibration=data, ticks=16)
    names = [p.name for p in conv.network.projections]
    return ann, data, conv, conv.network.projections[names.index("s2")]


def runs_on_the_chip(conv, data):
    """h2 fires; PASCAL's class is the QCFS ANN's on every sample; the profile holds the net."""
    res = evaluate(conv.network, Dataset("random", data, np.zeros(len(data), np.int64)),
                   profile=PROFILE)
    assert res["spikes_by_population"]["h2"] > 0
    if conv.method == "pascal":  # exact: the SNN's class is the QCFS ANN's on every sample
        _, scores = qcfs_counts(conv.ann, data)
        np.testing.assert_array_equal(res["predictions"], np.argmax(scores, axis=1))
    map_network(conv.network, PROFILE)


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
    ann, data, conv, skip = converted(resnet_block, method, rng)
    assert (skip.source, skip.target, skip.kind) == ("h1", "h2", "sparse")
    np.testing.assert_array_equal(skip.src, np.arange(72))
    if method == "maxnorm":  # a1 / λ1 counts as a2 / λ2: weight λ1/λ2
        lam = conv.info["lambda"]
        np.testing.assert_allclose(skip.weight, lam[0] / lam[1])
    runs_on_the_chip(conv, data[:4])


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


def projection_block(rng, act: str = "relu") -> ANN:
    """conv(stride 2), act, conv + 1x1 conv(stride 2) of the input, act, flatten, dense:
    a downsampling ResNet block with a projection shortcut; 2 x 6 x 6 input -> 3 x 3 x 3."""
    def a():
        return Layer("qcfs", threshold=2.0, levels=4) if act == "qcfs" else Layer("relu")

    def q(shape):
        return rng.integers(-4, 5, shape) / 8.0

    layers = (Layer("conv2d", weight=q((3, 2, 3, 3)), bias=q(3), stride=(2, 2), padding=(1, 1)),
              a(),
              Layer("conv2d", weight=q((3, 3, 3, 3)), bias=q(3), padding=(1, 1)),
              Layer("add", source=-1, weight=q((3, 2, 1, 1)), bias=q(3), stride=(2, 2)), a(),
              Layer("flatten"), Layer("dense", weight=q((3, 27)), bias=q(3)))
    return ANN((2, 6, 6), layers, input_scale=0.25, name="down")


def test_projection_shortcut_forward_and_npz_round_trip(tmp_path, rng):
    """The shortcut is conv(x, W_s, stride 2) + b_s, written out by hand (strided 1x1 conv:
    every second pixel of every second row)."""
    ann = projection_block(rng)
    x = rng.integers(0, 8, (5, 72))
    h = x.reshape(5, 2, 6, 6) * 0.25
    from neuroemu.convert.ann import conv2d

    ly = ann.layers
    a1 = np.maximum(conv2d(h, ly[0].weight, (2, 2), (1, 1)) + ly[0].bias.reshape(1, -1, 1, 1), 0)
    shortcut = np.einsum("oc,nchw->nohw", ly[3].weight[:, :, 0, 0], h[:, :, ::2, ::2])
    z2 = conv2d(a1, ly[2].weight, padding=(1, 1)) + ly[2].bias.reshape(1, -1, 1, 1) + \
        shortcut + ly[3].bias.reshape(1, -1, 1, 1)
    want = np.maximum(z2, 0).reshape(5, -1) @ ly[6].weight.T + ly[6].bias
    np.testing.assert_allclose(ann.forward(x * 0.25), want, rtol=1e-12)
    st = ann.stages[1]
    assert (st.skip, st.skip_stride, st.skip_shape) == (0, (2, 2), (2, 6, 6))
    path = tmp_path / "down.npz"
    save_ann(path, ann)
    back = load_ann(path)
    np.testing.assert_array_equal(back.layers[3].weight, ly[3].weight)
    assert back.layers[3].stride == (2, 2)
    np.testing.assert_array_equal(back.forward(x * 0.25), ann.forward(x * 0.25))


def test_projection_shortcut_refuses_bad_shapes_and_files(tmp_path, rng):
    layers = list(projection_block(rng).layers)
    layers[3] = Layer("add", source=-1, weight=np.zeros((3, 2, 1, 1)))  # stride 1: 6 x 6
    with pytest.raises(ConversionError, match=r"projection of source -1 has shape \(3, 6, 6\)"):
        ANN((2, 6, 6), tuple(layers))
    path = tmp_path / "bad.npz"
    save_ann(path, projection_block(rng))
    with np.load(path) as z:
        arrays = dict(z)
    arrays["layer3.weight"] = np.zeros((3, 2))
    np.savez(path, **arrays)
    from neuroemu.errors import FormatError

    with pytest.raises(FormatError, match=r"'layer3.weight' of an add layer .* 4 axes"):
        load_ann(path)
    del arrays["layer3.weight"]
    np.savez(path, **arrays)
    with pytest.raises(FormatError, match="no 'layer3.weight'"):
        load_ann(path)


@pytest.mark.parametrize("method", METHODS)
def test_every_method_converts_a_projection_shortcut(method, rng):
    """The shortcut is a conv2d projection s2 from the input with the method's scaling."""
    ann, data, conv, skip = converted(projection_block, method, rng)
    net = conv.network
    assert (skip.source, skip.target, skip.kind, skip.stride) == ("in", "h2", "conv2d", (2, 2))
    w_s = ann.layers[3].weight
    if method == "maxnorm":  # x / λ0 counts as a2 / λ2: weight W_s λ0/λ2
        np.testing.assert_allclose(skip.weight, w_s * conv.info["lambda0"] / conv.info["lambda"][1])
    if method == "l4":  # the shortcut gets its neuron's (channel's) factor with the main path
        m = {p.name: p.weight for p in
             convert(ann, "maxnorm", PROFILE, calibration=data).network.projections}
        w2 = net.projections[[p.name for p in net.projections].index("w2")].weight
        mc = m["w2"].reshape(3, -1)
        ratio = np.sum(w2.reshape(3, -1) * mc, axis=1) / np.sum(mc * mc, axis=1)
        assert not np.allclose(ratio, ratio[0])  # channels differ, so the check can fail
        np.testing.assert_allclose(skip.weight, m["s2"] * ratio.reshape(3, 1, 1, 1))
    runs_on_the_chip(conv, data[:4])


def test_l4_refuses_a_projection_into_a_pooled_conv(rng):
    """After pooling a conv is a sparse map whose neurons get σ̂ of their own (the border
    ones see fewer synapses); a projection kernel cannot carry per-neuron factors."""
    q = lambda shape: rng.integers(-4, 5, shape) / 8.0  # noqa: E731
    layers = (Layer("conv2d", weight=q((2, 2, 3, 3)), bias=q(2), padding=(1, 1)), Layer("relu"),
              Layer("avgpool2d", kernel=(2, 2), stride=(2, 2)),
              Layer("conv2d", weight=q((2, 2, 3, 3)), bias=q(2), padding=(1, 1)),
              Layer("add", source=1, weight=q((2, 2, 1, 1)), stride=(2, 2)), Layer("relu"),
              Layer("flatten"), Layer("dense", weight=q((3, 18)), bias=q(3)))
    ann = ANN((2, 6, 6), layers, input_scale=0.25)
    data = rng.integers(0, 16, (40, 72))
    with pytest.raises(ConversionError, match="factor per neuron"):
        convert(ann, "l4", PROFILE, calibration=data)
    assert convert(ann, "maxnorm", PROFILE, calibration=data).network.projections[2].kind \
        == "conv2d"
