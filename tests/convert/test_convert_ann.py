"""The ANN description: .npz layout, folding, refusals with clear messages, PyTorch."""

from __future__ import annotations

import numpy as np
import pytest

from neuroemu.convert.ann import ANN, ConversionError, Layer, conv2d, load_ann, save_ann
from neuroemu.errors import FormatError


def small_cnn(rng, bn: bool = True) -> ANN:
    layers = [Layer("conv2d", weight=rng.normal(size=(3, 1, 3, 3)), bias=rng.normal(size=3),
                    padding=(1, 1))]
    if bn:
        layers.append(Layer("batchnorm", gamma=rng.random(3) + 0.5, beta=rng.normal(size=3),
                            mean=rng.normal(size=3), var=rng.random(3) + 0.5, eps=1e-3))
    layers += [Layer("relu"), Layer("avgpool2d", kernel=(2, 2), stride=(2, 2)), Layer("flatten"),
               Layer("dense", weight=rng.normal(size=(8, 12)), bias=rng.normal(size=8)),
               Layer("qcfs", threshold=2.0, levels=4),
               Layer("dense", weight=rng.normal(size=(3, 8)), bias=rng.normal(size=3))]
    return ANN((1, 4, 4), tuple(layers), input_scale=0.5, name="cnn")


def test_conv2d_matches_a_naive_correlation(rng):
    x = rng.normal(size=(2, 2, 5, 6))
    w = rng.normal(size=(3, 2, 3, 2))
    y = conv2d(x, w, stride=(2, 1), padding=(1, 0))
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (0, 0)))
    ho, wo = (5 + 2 - 3) // 2 + 1, (6 - 2) // 1 + 1
    ref = np.zeros((2, 3, ho, wo))
    for n in range(2):
        for o in range(3):
            for i in range(ho):
                for j in range(wo):
                    ref[n, o, i, j] = np.sum(xp[n, :, 2 * i:2 * i + 3, j:j + 2] * w[o])
    np.testing.assert_allclose(y, ref, rtol=1e-12, atol=1e-12)


def test_npz_round_trip(tmp_path, rng):
    ann = small_cnn(rng)
    save_ann(tmp_path / "a.npz", ann)
    back = load_ann(tmp_path / "a.npz")
    assert back.input_shape == (1, 4, 4) and back.input_scale == 0.5 and back.name == "cnn"
    assert [ly.kind for ly in back.layers] == [ly.kind for ly in ann.layers]
    x = rng.normal(size=(4, 16))
    np.testing.assert_array_equal(back.forward(x), ann.forward(x))


def test_folded_stages_compute_the_layers(rng):
    """BatchNorm folded into the conv, pooling composed into the dense: same function."""
    ann = small_cnn(rng)
    stages = ann.stages
    assert [s.kind for s in stages] == ["conv2d", "dense", "dense"]
    assert [s.activation for s in stages] == ["relu", "qcfs", "none"]
    x = rng.normal(size=(5, 16))
    h = x * ann.input_scale
    for st in stages:
        h = st.forward(h)
    np.testing.assert_allclose(h, ann.forward(x * ann.input_scale), rtol=1e-10, atol=1e-10)
    # BatchNorm by hand: y = gamma (z - mean) / sqrt(var + eps) + beta, then ReLU
    bn = ann.layers[1]
    z = conv2d(x.reshape(5, 1, 4, 4) * 0.5, ann.layers[0].weight, padding=(1, 1)) + \
        ann.layers[0].bias.reshape(1, -1, 1, 1)
    y = (z - bn.mean.reshape(1, -1, 1, 1)) / np.sqrt(bn.var.reshape(1, -1, 1, 1) + 1e-3)
    y = np.maximum(y * bn.gamma.reshape(1, -1, 1, 1) + bn.beta.reshape(1, -1, 1, 1), 0)
    np.testing.assert_allclose(stages[0].forward(x * 0.5), y.reshape(5, -1), rtol=1e-10,
                               atol=1e-10)


def write(path, **arrays):
    base = {"format": np.array("neuroemu-ann"), "format_version": np.array(1),
            "input_shape": np.array([4]), "n_layers": np.array(1),
            "layer0.kind": np.array("dense"), "layer0.weight": np.ones((2, 4))}
    base.update(arrays)
    for k in [k for k, v in base.items() if v is None]:
        del base[k]
    np.savez(path, **base)
    return path


def test_maxpool_is_refused_with_advice(tmp_path):
    p = write(tmp_path / "m.npz", **{"n_layers": np.array(3), "input_shape": np.array([1, 4, 4]),
                                     "layer0.kind": np.array("conv2d"),
                                     "layer0.weight": np.ones((1, 1, 3, 3)),
                                     "layer1.kind": np.array("maxpool2d"),
                                     "layer2.kind": np.array("dense"),
                                     "layer2.weight": np.ones((2, 1))})
    with pytest.raises(ConversionError, match=r"layer 1 \(maxpool2d\).*average pooling"):
        load_ann(p)
    with pytest.raises(ConversionError, match="average pooling"):
        ANN((1, 4, 4), (Layer("conv2d", weight=np.ones((1, 1, 3, 3))), Layer("relu"),
                        Layer("maxpool2d"), Layer("flatten"),
                        Layer("dense", weight=np.ones((2, 1)))))


@pytest.mark.parametrize("change, message", [
    ({"format": np.array("something-else")}, r"'format' = 'something-else', expected "
                                             r"'neuroemu-ann'"),
    ({"format_version": np.array(7)}, "format_version 7, this neuroemu reads 1"),
    ({"input_shape": None}, "missing key 'input_shape'"),
    ({"layer0.weight": None}, r"layer 0 \(dense\) is missing 'layer0.weight'"),
    ({"layer0.weight": np.ones(4)}, r"'layer0.weight' of a dense layer must have 2 axes"),
    ({"layer0.kind": np.array("softmax")}, r"'layer0.kind' = 'softmax', expected one of"),
    ({"layer0.bias": np.ones(3)}, r"'layer0.bias' has shape \(3,\), expected \(2,\)"),
    ({"layer0.stride": np.array([2, 2])}, r"layer 0 \(dense\) has unexpected field\(s\) "
                                          r"\['stride'\]"),
    ({"n_layers": np.array(2)}, "missing key 'layer1.kind'"),
    ({"layer3.kind": np.array("relu")}, r"key\(s\) \['layer3.kind'\] do not belong to layers"),
    ({"layer0.weight": np.ones((2, 5))}, r"dense weight of shape \(2, 5\) found, expected "
                                         r"\(n_out, 4\)"),
])
def test_bad_npz_layout_messages(tmp_path, change, message):
    p = write(tmp_path / "bad.npz", **change)
    with pytest.raises((FormatError, ConversionError), match=message) as info:
        load_ann(p)
    assert "bad.npz" in str(info.value) or "ANN" in str(info.value)


def test_not_an_npz(tmp_path):
    p = tmp_path / "x.npz"
    p.write_bytes(b"not a zip")
    with pytest.raises(FormatError, match="not a readable .npz"):
        load_ann(p)


@pytest.mark.parametrize("layers, message", [
    ((Layer("relu"), Layer("dense", weight=np.ones((2, 4)))), "activation must follow"),
    ((Layer("dense", weight=np.ones((3, 4))), Layer("dense", weight=np.ones((2, 3)))),
     "weighted layer 0 has no activation"),
    ((Layer("dense", weight=np.ones((2, 4))), Layer("relu")), "the last layer must be dense"),
    ((Layer("dense", weight=np.ones((3, 4))), Layer("relu"),
      Layer("batchnorm", gamma=np.ones(3), beta=np.zeros(3), mean=np.zeros(3), var=np.ones(3)),
      Layer("dense", weight=np.ones((2, 3)))), "batchnorm must follow a dense or conv2d"),
])
def test_unconvertible_layer_sequences(layers, message):
    with pytest.raises(ConversionError, match=message):
        ANN((4,), layers)


def test_from_torch_sequential(rng):
    torch = pytest.importorskip("torch")
    from torch import nn

    from neuroemu.convert.pytorch import from_torch

    model = nn.Sequential(nn.Conv2d(1, 2, 3, padding=1), nn.BatchNorm2d(2), nn.ReLU(),
                          nn.AvgPool2d(2), nn.Flatten(), nn.Linear(8, 3)).double().eval()
    with torch.no_grad():
        model[1].running_mean.copy_(torch.tensor([0.3, -0.2], dtype=torch.double))
        model[1].running_var.copy_(torch.tensor([1.5, 0.7], dtype=torch.double))
    ann = from_torch(model, (1, 4, 4))
    x = rng.normal(size=(3, 1, 4, 4))
    with torch.no_grad():
        expected = model(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(ann.forward(x), expected, rtol=1e-9, atol=1e-9)
    with pytest.raises(ConversionError, match="average pooling"):
        from_torch(nn.Sequential(nn.MaxPool2d(2)), (1, 4, 4))
