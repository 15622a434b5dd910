"""lava-dl netx import (neuroemu.networks.netx) against Loihi's fixed-point ground truth."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest

from neuroemu.cli import main
from neuroemu.engine import make_stimulus, simulate
from neuroemu.errors import NeuroemuError
from neuroemu.mapping import map_network
from neuroemu.networks.loader import load_network, suggested_profile
from neuroemu.networks.netx import read_netx

ROOT = Path(__file__).resolve().parents[2]


def _tiny(shared):
    return shared / "lava-dl" / "tinynet"


def _raster(result, pop, n, ticks):
    tick, who, val = result.spikes_of(pop)
    out = np.zeros((ticks, n), np.int64)
    out[tick, who] = val
    return out


def _truth(d, name):
    a = np.load(d / f"{name}.npy")[0]  # (C, H, W, T) in (c, y, x) order
    return a.reshape(-1, a.shape[-1]).T.astype(np.int64)


@pytest.mark.parametrize("engine", ["event", "reference"])
def test_tinynet_reproduces_loihi_spike_for_spike(shared_data, engine):
    """lava-dl's protocol: 17 + 3 steps, layer i reset before ticks i, 17 + i (its io.reset
    offset i - 1 acts after lava step i). Lava step s is tick s - 1 and the slayer arrays
    index layer i's step s as s - i: output tick t <-> output.npy[t - 1] (t = 2..16, the
    steps lava-dl compares), layer 1 tick t <-> layer1.npy[t] and current.npy[t]."""
    d = _tiny(shared_data)
    net = read_netx(d / "tiny.net", input_bias=np.load(d / "input_bias.npy"),
                    reset_interval=17, reset_offset=0)
    cfg = map_network(net, "loihi")
    assert set(cfg.quantization.scales.values()) == {1.0}  # integer: register values as is
    l1 = cfg.neurons_of("layer1")
    ticks = 20
    r = simulate(cfg, None, ticks, engine=engine, probes=np.arange(l1.start, l1.stop))
    out, out_gt = _raster(r, "layer2", 36, ticks), _truth(d, "output")
    np.testing.assert_array_equal(out[2:17], out_gt[1:16])
    assert out[2:17].sum() == 92
    np.testing.assert_array_equal(_raster(r, "layer1", 864, ticks)[1:16], _truth(d, "layer1")[1:16])
    assert np.all(r.probe_u % 64 == 0)
    np.testing.assert_array_equal(r.probe_u[:16] // 64, _truth(d, "current")[:16])
    np.testing.assert_array_equal(_raster(r, "layer0", 768, ticks)[0:15], _truth(d, "input")[1:16])
    # at tick 0 layer 1 fires from its bias alone: the spikes the ground truth cannot show
    assert _raster(r, "layer1", 864, ticks)[0].sum() == 144


def test_tinynet_other_reset_phases_do_not_match(shared_data):
    """The reset phase matters: resetting each layer one tick earlier changes layer 1."""
    d = _tiny(shared_data)
    net = read_netx(d / "tiny.net", input_bias=np.load(d / "input_bias.npy"),
                    reset_interval=17, reset_offset=-1)
    r = simulate(map_network(net, "loihi"), None, 20)
    assert np.abs(_raster(r, "layer1", 864, 20)[1:16] - _truth(d, "layer1")[1:16]).sum() > 0


def test_tinynet_weights_in_lavas_layout(shared_data):
    """netx hands Lava w[:, :, ::-1, ::-1].transpose(0, 3, 2, 1) (C_out, x, y, C_in) for its
    convolution; neuroemu keeps the stored (C_out, C_in, y, x) as a correlation."""
    d = _tiny(shared_data)
    net = read_netx(d / "tiny.net")
    w = net.projections[1].weight
    kernel = np.load(d / "layer1_kernel.npy")
    co, x, y, ci = np.meshgrid(*(np.arange(s) for s in kernel.shape), indexing="ij")
    np.testing.assert_array_equal(kernel, w[co, ci, 4 - y, 4 - x])
    nrn = net.population("layer1").neuron
    np.testing.assert_array_equal(nrn.bias, np.repeat(np.load(d / "layer1_bias.npy"), 36) * 64)
    np.testing.assert_array_equal(nrn.threshold, 25 * 64)
    assert nrn.decay_u[0] == 1.0 and nrn.decay_v[0] == 0.25 and nrn.refractory == 0


def test_input_bias_is_taken_in_lavas_xyc_layout(shared_data):
    d = _tiny(shared_data)
    bias = np.load(d / "input_bias.npy")  # (x, y, c)
    nrn = read_netx(d / "tiny.net", input_bias=bias).population("layer0").neuron
    for x, y, c in [(0, 0, 0), (3, 7, 2), (15, 1, 1)]:
        assert nrn.bias[(c * 16 + y) * 16 + x] == int(bias[x, y, c]) * 64


@pytest.mark.parametrize("profile", ["loihi", "loihi2"])
def test_check_tool_reports_zero_errors(shared_data, profile):
    # lava-dl runs the same test on Loihi 2 silicon against the same output
    res = subprocess.run([sys.executable, str(ROOT / "tools" / "check_lava_tinynet.py"),
                          "--data", str(_tiny(shared_data)), "--json", "--profile", profile],
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    rep = json.loads(res.stdout)
    for key in ("output_spike_error", "layer1_spike_error", "current_error",
                "input_spike_error"):
        assert rep[key] == 0, key
    assert rep["output_spikes"] == rep["output_spikes_ground_truth"] == 92
    assert rep["profile"] == profile


def test_loader_and_import_command(shared_data, tmp_path, capsys):
    d = _tiny(shared_data)
    net = load_network(d / "tiny.net")
    assert suggested_profile(net) == "loihi" and net.readout.population == "layer2"
    out = tmp_path / "tiny.h5"
    assert main(["import", str(d / "tiny.net"), "--input-bias", str(d / "input_bias.npy"),
                 "--reset-interval", "17", "-o", str(out), "--json"]) == 0
    rep = json.loads(capsys.readouterr().out)
    assert rep["kind"] == "netx" and rep["integer"]
    assert all(r["scale"] == 1 and r["weight_error"] == 0 for r in rep["quantization"])
    assert main(["run", str(out), "--ticks", "20", "--json", "--quiet"]) == 0
    run = json.loads(capsys.readouterr().out)
    direct = simulate(map_network(read_netx(d / "tiny.net", np.load(d / "input_bias.npy"),
                                            reset_interval=17), "loihi"), None, 20)
    assert run["spikes"]["layer2"] == direct.spike_counts()["layer2"] > 0


# ----------------------------------------------------------------------------- small files


def _layer(f, i, kind, shape, neuron=None, **data):
    g = f.create_group(f"layer/{i}")
    g.create_dataset("type", (1,), "S10", [kind.encode()])
    g["shape"] = np.asarray(shape)
    for k, v in data.items():
        g[k] = v
    if neuron is not None:
        for k, v in neuron.items():
            g[f"neuron/{k}"] = v
    return g


def _cuba(**kw):
    base = {"type": "LOIHI", "iDecay": 1024, "vDecay": 512, "vThMant": 10, "refDelay": 1,
            "wgtExp": 0}
    base.update(kw)
    return base


def _loihi_step(u, v, a, i_decay, v_decay, bias, vth):
    """Lava's fixed-point CUBA step, written out: decays on the magnitude, u wraps to 24
    bits, v saturates, spike when v > vth << 6, then v = 0."""
    def keep(x, d):
        p = x * (4096 - d)
        return np.sign(p) * (np.abs(p) >> 12)
    u = keep(u, i_decay) + a
    u = ((u + (1 << 23)) % (1 << 24)) - (1 << 23)
    v = np.clip(keep(v, v_decay) + u + (bias << 6), -(1 << 23) + 1, (1 << 23) - 1)
    s = v > (vth << 6)
    return u, np.where(s, 0, v), s.astype(np.int64)


def test_dense_recurrent_layer_runs_as_lavas_arithmetic(tmp_path, rng):
    """input (no neuron) -> dense 3 -> 4 with a recurrent weight_rec -> dense 4 -> 2, checked
    against the fixed-point steps written out; each projection adds one tick."""
    path = tmp_path / "rec.net"
    w1 = rng.integers(-20, 40, size=(4, 3))
    wr = rng.integers(-30, 30, size=(4, 4))
    w2 = rng.integers(-10, 40, size=(2, 4))
    b1 = rng.integers(-3, 4, size=4)
    with h5py.File(path, "w") as f:
        _layer(f, 0, "input", [3])
        _layer(f, 1, "dense", [4], _cuba(), weight=w1.astype(np.float32),
               weight_rec=wr.astype(np.float32), bias=b1.astype(np.float32))
        _layer(f, 2, "dense", [2], _cuba(iDecay=4096, vDecay=0, vThMant=20),
               weight=w2.astype(np.float32))
    net = read_netx(path)
    assert [(p.source, p.target) for p in net.projections] == [
        ("input", "layer1"), ("layer1", "layer1"), ("layer1", "layer2")]
    ticks = 40
    x = (rng.random((ticks, 3)) < 0.4).astype(np.int64)
    t, c = np.nonzero(x)
    r = simulate(map_network(net, "loihi"), make_stimulus(t, c, 3), ticks)
    u1 = v1 = np.zeros(4, np.int64)
    u2 = v2 = np.zeros(2, np.int64)
    s1 = np.zeros(4, np.int64)
    s2_all, s1_all = [], []
    prev_x = np.zeros(3, np.int64)
    for k in range(ticks):
        a1 = (w1 @ prev_x + wr @ s1) << 6
        a2 = (w2 @ s1) << 6
        u1, v1, s1_new = _loihi_step(u1, v1, a1, 1024, 512, b1, 10)
        u2, v2, s2 = _loihi_step(u2, v2, a2, 4096, 0, np.zeros(2, np.int64), 20)
        s1 = s1_new
        prev_x = x[k]
        s1_all.append(s1)
        s2_all.append(s2)
    np.testing.assert_array_equal(_raster(r, "layer1", 4, ticks), s1_all)
    np.testing.assert_array_equal(_raster(r, "layer2", 2, ticks), s2_all)
    assert np.sum(s2_all) > 0 and np.sum(s1_all) > 0


def test_conv_pool_flatten_dense_and_concat(tmp_path):
    path = tmp_path / "cnn.net"
    with h5py.File(path, "w") as f:
        _layer(f, 0, "input", [2, 4, 4], _cuba())
        _layer(f, 1, "conv", [3, 4, 4], _cuba(), weight=np.ones((3, 2, 3, 3, 1), np.float32),
               stride=[1, 1], padding=[1, 1], dilation=[1, 1], groups=1,
               bias=np.array([1, 2, 3], np.float32))
        _layer(f, 2, "pool", [3, 2, 2], _cuba(), weight=np.full((1,), 5, np.float32),
               kernelSize=[2, 2], stride=[2, 2], padding=[0, 0], dilation=[1, 1])
        _layer(f, 3, "flatten", [12, 1, 1])
        _layer(f, 4, "concat", [17], layers=np.array([4]))
        _layer(f, 5, "dense", [5], _cuba(wgtExp=2),
               weight=np.arange(5 * 17, dtype=np.float32).reshape(5, 17) % 7)
    # layer 4 is the concat itself, which holds no neurons: refused
    with pytest.raises(NeuroemuError, match="concat names layer 4, a 'concat' layer"):
        read_netx(path)
    with h5py.File(path, "r+") as f:
        del f["layer/4/layers"]
        f["layer/4/layers"] = np.array([5])  # the dense layer itself: a recurrent edge
    net = read_netx(path)
    kinds = [(p.name, p.kind, p.weight_exp) for p in net.projections]
    assert kinds == [("input->layer0", "sparse", 6), ("layer0->layer1", "conv2d", 6),
                     ("layer1->layer2", "sumpool2d", 6), ("layer2->layer5", "dense", 8),
                     ("layer5->layer5", "dense", 8)]
    w = np.arange(5 * 17).reshape(5, 17) % 7
    np.testing.assert_array_equal(net.projections[3].weight, w[:, :12])
    np.testing.assert_array_equal(net.projections[4].weight, w[:, 12:])
    np.testing.assert_array_equal(net.population("layer1").neuron.bias,
                                  np.repeat([1, 2, 3], 16) * 64)
    assert net.projections[2].weight == 5


def test_errors_name_the_layer(tmp_path):
    def write(**change):
        path = tmp_path / "e.net"
        with h5py.File(path, "w") as f:
            _layer(f, 0, "input", [4])
            g = _layer(f, 1, change.get("kind", "dense"), [2], _cuba(**change.get("neuron", {})),
                       weight=change.get("weight", np.ones((2, 4), np.float32)))
            if "extra" in change:
                g["bias"] = change["extra"]
        return path

    with pytest.raises(NeuroemuError, match=r"layer/1/neuron: neuron type 'SDNN' is not "
                                            "supported"):
        read_netx(write(neuron={"type": "SDNN"}))
    with pytest.raises(NeuroemuError, match="layer/1: layer type 'average' is not supported"):
        read_netx(write(kind="average"))
    with pytest.raises(NeuroemuError, match=r"layer/1/weight: value 0.5 is not a whole number"):
        read_netx(write(weight=np.full((2, 4), 0.5, np.float32)))
    with pytest.raises(NeuroemuError, match=r"layer/1/weight: 5 inputs, but the layer receives "
                                            "4"):
        read_netx(write(weight=np.ones((2, 5), np.float32)))
    with pytest.raises(NeuroemuError, match=r"layer/1/bias: 3 values for a layer of shape"):
        read_netx(write(extra=np.ones(3, np.float32)))
    with pytest.raises(NeuroemuError, match="iDecay: 5000 is outside 0..4096"):
        read_netx(write(neuron={"iDecay": 5000}))
    path = tmp_path / "conv.net"
    with h5py.File(path, "w") as f:
        _layer(f, 0, "input", [1, 6, 6])
        _layer(f, 1, "conv", [2, 5, 5], _cuba(), weight=np.ones((2, 1, 3, 3), np.float32),
               stride=[1, 1], padding=[0, 0], dilation=[1, 1], groups=1)
    with pytest.raises(NeuroemuError, match=r"layer/1: weight \(2, 1, 3, 3\).*gives \(2, 4, 4\)"
                                            r", but the layer's shape is \(2, 5, 5\)"):
        read_netx(path)
