"""Conversion straight from a PyTorch nn.Module (traced by torch.fx) and calibration data."""

from __future__ import annotations

import numpy as np
import pytest
from qcfs_truth import qcfs_counts

from neuroemu.convert import ConversionError, convert
from neuroemu.convert.evaluate import Dataset, evaluate
from neuroemu.hw import load_profile

torch = pytest.importorskip("torch")
nn = torch.nn

PROFILE = load_profile("generic")


class QCFS(nn.Module):
    """The QCFS activation as its authors' code writes it (threshold ``up``, levels ``L``)."""

    def __init__(self, up: float, L: int):
        super().__init__()
        self.up = nn.Parameter(torch.tensor([up], dtype=torch.float64))
        self.L = L

    def forward(self, x):
        return torch.clamp(torch.floor(x * self.L / self.up + 0.5), 0, self.L) * self.up / self.L


class Block(nn.Module):
    """conv, QCFS, conv + shortcut, QCFS, pool, flatten, linear (a ResNet basic block)."""

    def __init__(self, gen, act=QCFS):
        super().__init__()
        self.conv1 = nn.Conv2d(2, 2, 3, padding=1)
        self.act1 = act(2.0, 4) if act is QCFS else act()
        self.conv2 = nn.Conv2d(2, 2, 3, padding=1)
        self.act2 = act(4.0, 2) if act is QCFS else act()
        self.pool = nn.AvgPool2d(2)
        self.fc = nn.Linear(18, 3)
        with torch.no_grad():  # dyadic parameters: the float QCFS ANN is exact
            for p in self.parameters():
                if p.ndim and p is not getattr(self.act1, "up", None) and \
                        p is not getattr(self.act2, "up", None):
                    p.copy_(torch.randint(-4, 5, p.shape, generator=gen) / 8.0)
        self.double().eval()

    def forward(self, x):
        a = self.act1(self.conv1(x))
        return self.fc(torch.flatten(self.pool(self.act2(self.conv2(a) + a)), 1))


def test_traced_module_reads_as_the_same_network(rng):
    from neuroemu.convert.pytorch import from_torch

    model = Block(torch.Generator().manual_seed(1))
    ann = from_torch(model, (2, 6, 6), input_scale=0.25)
    assert [ly.kind for ly in ann.layers] == ["conv2d", "qcfs", "conv2d", "add", "qcfs",
                                              "avgpool2d", "flatten", "dense"]
    assert ann.layers[3].source == 1
    x = rng.integers(0, 8, (6, 2, 6, 6)) * 0.25
    with torch.no_grad():
        want = model(torch.from_numpy(x)).numpy()
    np.testing.assert_array_equal(ann.forward(x), want)


def test_pascal_from_a_module_is_exact(rng):
    """convert(module, ...) with calibration data shaped (N, C, H, W): PASCAL counts exact."""
    model = Block(torch.Generator().manual_seed(2))
    data = rng.integers(0, 8, (16, 2, 6, 6))
    conv = convert(model, "pascal", PROFILE, calibration=data, input_scale=0.25)
    assert all(conv.info["exact"]) and conv.ann.name == "Block"
    flat = data.reshape(16, -1)
    res = evaluate(conv.network, Dataset("d", flat, np.zeros(16, np.int64)), profile=PROFILE,
                   keep_counts=True)
    counts, scores = qcfs_counts(conv.ann, flat)
    for k in range(2):
        got = np.array([c[k] for c in res["counts"]])
        np.testing.assert_array_equal(got, counts[k].astype(np.int64))
    with torch.no_grad():
        want = model(torch.from_numpy(data * 0.25)).numpy()
    np.testing.assert_array_equal(np.argmax(scores, axis=1), np.argmax(want, axis=1))


@pytest.mark.parametrize("method", ["maxnorm", "l4"])
def test_rate_coded_from_a_relu_module(method, rng):
    model = Block(torch.Generator().manual_seed(3), act=nn.ReLU)
    data = rng.integers(0, 8, (32, 72))
    conv = convert(model, method, PROFILE, calibration=data, input_shape=(2, 6, 6),
                   input_scale=0.25)
    assert "s2" in [p.name for p in conv.network.projections]


class ProjectionBlock(nn.Module):
    """A ResNet downsampling block (option B): conv(stride 2), BN, QCFS, conv, BN, plus
    shortcut = Sequential(1x1 conv stride 2, BN) of the input, QCFS; flatten, linear."""

    def __init__(self, gen, shortcut_first: bool = False):
        super().__init__()
        self.conv1 = nn.Conv2d(2, 3, 3, stride=2, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(3)
        self.act1 = QCFS(2.0, 4)
        self.conv2 = nn.Conv2d(3, 3, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(3)
        self.shortcut = nn.Sequential(nn.Conv2d(2, 3, 1, stride=2, bias=False),
                                      nn.BatchNorm2d(3))
        self.act2 = QCFS(4.0, 2)
        self.fc = nn.Linear(27, 3)
        self.shortcut_first = shortcut_first
        with torch.no_grad():  # dyadic parameters; BN scale 1/sqrt(var + eps) = 2 or 1/2
            for name, p in self.named_parameters():
                if not name.endswith(".up"):
                    p.copy_(torch.randint(-4, 5, p.shape, generator=gen) / 8.0)
            for bn in (self.bn1, self.bn2, self.shortcut[1]):
                bn.eps = 0.0
                bn.running_mean.copy_(torch.randint(-4, 5, (3,), generator=gen) / 8.0)
                bn.running_var.copy_(4.0 ** torch.randint(-1, 1, (3,), generator=gen))
        self.double().eval()

    def forward(self, x):
        if self.shortcut_first:  # the shortcut traced before the main path, added on the left
            s = self.shortcut(x)
            return self.fc(torch.flatten(self.act2(
                s + self.bn2(self.conv2(self.act1(self.bn1(self.conv1(x)))))), 1))
        a = self.act1(self.bn1(self.conv1(x)))
        return self.fc(torch.flatten(self.act2(self.bn2(self.conv2(a)) + self.shortcut(x)), 1))


@pytest.mark.parametrize("shortcut_first", [False, True])
def test_projection_shortcut_reads_folded_and_converts_exactly(rng, shortcut_first):
    """The 1x1 strided conv + BN shortcut becomes one add layer with the BN folded in; the
    ANN equals the module, and PASCAL's counts equal the QCFS forward pass."""
    from neuroemu.convert.pytorch import from_torch

    model = ProjectionBlock(torch.Generator().manual_seed(4), shortcut_first)
    ann = from_torch(model, (2, 6, 6), input_scale=0.25)
    assert [ly.kind for ly in ann.layers] == ["conv2d", "batchnorm", "qcfs", "conv2d",
                                              "batchnorm", "add", "qcfs", "flatten", "dense"]
    add = ann.layers[5]
    bn = model.shortcut[1]
    scale = (bn.weight / torch.sqrt(bn.running_var)).detach().numpy()
    np.testing.assert_array_equal(add.weight, model.shortcut[0].weight.detach().numpy()
                                  * scale.reshape(-1, 1, 1, 1))
    np.testing.assert_array_equal(add.bias, bn.bias.detach().numpy()
                                  - bn.running_mean.numpy() * scale)
    assert (add.source, add.stride) == (-1, (2, 2))
    data = rng.integers(0, 8, (12, 2, 6, 6))
    with torch.no_grad():
        want = model(torch.from_numpy(data * 0.25)).numpy()
    np.testing.assert_array_equal(ann.forward(data * 0.25), want)
    conv = convert(model, "pascal", PROFILE, calibration=data, input_scale=0.25)
    assert all(conv.info["exact"])
    flat = data.reshape(12, -1)
    res = evaluate(conv.network, Dataset("d", flat, np.zeros(12, np.int64)), profile=PROFILE,
                   keep_counts=True)
    counts, _ = qcfs_counts(conv.ann, flat)
    for k in range(2):
        np.testing.assert_array_equal(np.array([c[k] for c in res["counts"]]),
                                      counts[k].astype(np.int64))


class Doubled(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 2)

    def forward(self, x):
        return self.fc(x) * 2


class Lying(nn.Module):
    """An activation with QCFS's attributes whose forward is something else."""

    def __init__(self):
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(4, 3), nn.Linear(3, 2)
        self.act = QCFS(1.0, 4)
        self.act.forward = torch.tanh

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


def test_modules_that_cannot_be_read_are_refused(rng):
    data = rng.integers(0, 8, (8, 4))
    with pytest.raises(ConversionError, match="not a supported operation"):
        convert(Doubled().double(), "maxnorm", PROFILE, calibration=data, input_shape=(4,))
    with pytest.raises(ConversionError, match="differ by"):
        convert(Lying().double(), "qcfs", PROFILE, calibration=data, input_shape=(4,))
    with pytest.raises(ConversionError, match="input_shape"):
        convert(Doubled(), "maxnorm", PROFILE, calibration=data)
    with pytest.raises(ConversionError, match="integers"):
        convert(nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2)), "maxnorm", PROFILE,
                calibration=data * 0.5, input_shape=(4,))


def test_cli_converts_a_saved_module(tmp_path, capsys, rng):
    from neuroemu.cli import main

    model = nn.Sequential(nn.Conv2d(1, 2, 3, padding=1), nn.ReLU(), nn.AvgPool2d(2),
                          nn.Flatten(), nn.Linear(8, 3)).eval()
    path = tmp_path / "m.pt"
    torch.save(model, path)
    calib = tmp_path / "c.npz"
    np.savez(calib, x=rng.integers(0, 16, (20, 16)))
    assert main(["convert", str(path), "--method", "maxnorm", "--input-shape", "1,4,4",
                 "--input-scale", "0.0625", "--calibrate", str(calib),
                 "-o", str(tmp_path / "n.h5")]) == 0
    assert "maxnorm" in capsys.readouterr().out
