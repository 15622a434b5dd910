"""NIR import and export (neuroemu.networks.nir_import / nir_export) on the NIR paper's networks."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import h5py
import nir
import numpy as np
import pytest
from scipy import sparse

from neuroemu.cli import main
from neuroemu.engine import make_stimulus, simulate
from neuroemu.engine.float_reference import simulate_float
from neuroemu.errors import NeuroemuError
from neuroemu.ir import Network, Population, neuron, synapses
from neuroemu.mapping import map_network
from neuroemu.networks.network_h5 import read_network, write_network
from neuroemu.networks.nir_export import NirExportError, write_nir
from neuroemu.networks.nir_import import import_notes, read_nir

ROOT = Path(__file__).resolve().parents[2]
DT = 1e-4  # the LIF and Braille networks were run with 0.1 ms steps


def _lif(shared):
    d = shared / "nir" / "lif"
    exact = np.loadtxt(d / "lif_exact.csv", delimiter=",")
    return d, exact


def _raster(result, pop, n, ticks):
    tick, who, val = result.spikes_of(pop)
    out = np.zeros((ticks, n))
    out[tick, who] = val
    return out


# ----------------------------------------------------------------------------- the LIF neuron


def test_lif_norse_float_spikes_at_the_exact_solution_plus_one_tick(shared_data):
    """Float mode follows Norse's forward Euler; the Affine -> LIF projection adds one tick,
    so every spike comes one step after the exact solution's (4 spikes)."""
    d, exact = _lif(shared_data)
    net = read_nir(d / "lif_norse.nir", dt=DT)
    steps = np.flatnonzero(exact[:, 0])
    r = simulate_float(net, make_stimulus(steps, np.zeros_like(steps), 1), 1000, probes=[1])
    tick, _, _ = r.spikes_of("fc1")  # LIF node '1', fed by Affine node '0'
    np.testing.assert_array_equal(tick, np.flatnonzero(exact[:, 2]) + 1)
    # the membrane is Norse's own trace, one tick later (Norse stores float32)
    norse = np.loadtxt(d / "lif_norse.csv", delimiter=",")
    np.testing.assert_allclose(r.probe_v[1:, 0], norse[:-1, 1], atol=2e-6)


def test_lif_norse_on_the_loihi_profile_matches_the_chip(shared_data):
    """The Loihi chip's fixed-point trace spikes at steps 461, 511, 711, 761; so does
    neuroemu's Loihi profile with its own power-of-two scale (threshold 0.1 * 2**18,
    weight 82 << 7, decay 1 - 164/4096).

    The membranes differ for two reasons, both in the conversion, not the arithmetic:
    Lava scaled the network by 16000 (weight 0.04 -> 10 << 6 = 640, threshold 0.1 -> 25 << 6
    = 1600) where neuroemu takes a power of two with 256x headroom, and Lava truncated the decay
    0.04 * 4096 = 163.84 to 163 where neuroemu rounds to 164. With the same choices
    (scale 16000, decay 163/4096) neuroemu's membrane equals the chip's register at every
    step except the 4 spike steps, where the chip's v register holds the refractory count
    (128) instead of the reset value 0.
    """
    d, exact = _lif(shared_data)
    chip = np.loadtxt(d / "lif_lava_loihi_fixed.csv", delimiter=",")
    chip_spikes = np.flatnonzero(chip[:, 2])
    np.testing.assert_array_equal(chip_spikes, [461, 511, 711, 761])
    steps = np.flatnonzero(exact[:, 0])
    stim = make_stimulus(steps, np.zeros_like(steps), 1)
    net = read_nir(d / "lif_norse.nir", dt=DT)
    r = simulate(map_network(net, "loihi"), stim, 1000)
    np.testing.assert_array_equal(r.spikes_of("fc1")[0], chip_spikes)

    lava_like = Network(net.name, (net.populations[0], Population("fc1", (1,), neuron(
        "lif", 1, threshold=net.population("fc1").neuron.threshold, decay_v=163 / 4096,
        fire_on=">"))), net.projections, input=net.input, readout=net.readout)
    cfg = map_network(lava_like, "loihi", scale=16000.0)
    assert cfg.thr[1] == 1600 and cfg.syn_w[0] == 640 and cfg.mul_v[1] == 4096 - 163
    r = simulate(cfg, stim, 1000, probes=[1])
    np.testing.assert_array_equal(r.spikes_of("fc1")[0], chip_spikes)
    v = r.probe_v[:, 0]
    others = np.setdiff1d(np.arange(1000), chip_spikes)
    np.testing.assert_array_equal(v[others], chip[others, 1].astype(np.int64))
    np.testing.assert_array_equal(chip[chip_spikes, 1], 128)
    np.testing.assert_array_equal(v[chip_spikes], 0)


def test_self_driven_lif_fires_at_the_leak_period(shared_data):
    """two_lif_neurons.nir: lif1 (tau 10 ms, v_leak 1.2, threshold 1) has no input; at
    dt = 0.1 ms it reaches 1 when 1.2 (1 - 0.99**(k + 1)) > 1, i.e. framework step
    k = 178, then every 179 steps. Its leak drive arrives through the bias neuron at its
    depth (1 tick), so neuroemu fires at ticks 179, 358, ..."""
    net = read_nir(shared_data / "nir" / "lif" / "two_lif_neurons.nir", dt=DT)
    k = int(np.ceil(np.log(1 / 6) / np.log(0.99))) - 1
    r = simulate_float(net, None, 1000)
    np.testing.assert_array_equal(r.spikes_of("lif1")[0], 1 + k + 179 * np.arange(5))


# ----------------------------------------------------------------------------- N-MNIST CNN


def _digit_stimulus(shared, net):
    from neuroemu.inputs.input_map import to_stimulus
    from neuroemu.recordings import read_events

    ev, meta = read_events(shared / "aedat" / "nmnist_sample.bin")
    return to_stimulus(ev, net.population(net.input).shape, sensor=meta)


def test_nmnist_cnn_structure(shared_data):
    notes = []
    net = read_nir(shared_data / "nir" / "cnn_nmnist" / "cnn_sinabs.nir", notes=notes)
    kinds = {p.name: (p.kind, p.source, p.target) for p in net.projections}
    assert kinds == {"input->conv1": ("conv2d", "input", "conv1"),
                     "conv1->conv2": ("conv2d", "conv1", "conv2"),
                     "conv2->conv3": ("conv2d", "conv2", "conv3"),
                     "conv3->fc1": ("dense", "conv3", "fc1"),
                     "fc1->fc2": ("dense", "fc1", "fc2")}
    pool_conv = net.projections[2]
    # sumpool 2x2/2 then conv 3x3 pad 1 = conv 6x6, stride 2, pad 2
    assert pool_conv.weight.shape == (8, 16, 6, 6)
    assert pool_conv.stride == (2, 2) and pool_conv.padding == (2, 2)
    assert net.readout.population == "fc2" and net.readout.kind == "count"
    assert any("composed" in n for n in notes) and import_notes(net) == notes


def test_nmnist_cnn_composition_equals_the_layers(shared_data):
    """The composed projections are the product of NIR's pooling, flatten and weights,
    written here with plain loops over the sum pool."""
    g = nir.read(shared_data / "nir" / "cnn_nmnist" / "cnn_sinabs.nir")
    net = read_nir(shared_data / "nir" / "cnn_nmnist" / "cnn_sinabs.nir")
    # conv3 -> fc1 (nodes 6 -> 10): SumPool 2 over (8, 8, 8), flatten (c, y, x), Affine 256 x 128
    pool = np.zeros((128, 512))
    for c in range(8):
        for y in range(4):
            for x in range(4):
                for dy in range(2):
                    for dx in range(2):
                        pool[c * 16 + y * 4 + x, c * 64 + (2 * y + dy) * 8 + 2 * x + dx] = 1
    want = g.nodes["9"].weight.astype(np.float64) @ pool
    proj = next(p for p in net.projections if p.name == "conv3->fc1")
    np.testing.assert_allclose(proj.weight, want, rtol=1e-12)


def test_nmnist_cnn_predicts_4_in_float_and_fixed_point(shared_data):
    path = shared_data / "nir" / "cnn_nmnist" / "cnn_sinabs.nir"
    net = read_nir(path)
    stim = _digit_stimulus(shared_data, net)
    ticks = stim.last_tick + 1 + 5 + 1  # 5 projections of one tick each
    cls, counts = simulate_float(net, stim, ticks).readout()
    assert cls == 4 and counts[4] > 5 * np.delete(counts, 4).max()
    cls, counts = simulate(map_network(net, "loihi"), stim, ticks).readout()
    assert cls == 4


def test_nmnist_cnn_through_neuroemu_run(shared_data, capsys):
    path = shared_data / "nir" / "cnn_nmnist" / "cnn_sinabs.nir"
    digit = shared_data / "aedat" / "nmnist_sample.bin"
    assert main(["run", str(path), "--input", str(digit), "--json", "--quiet"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["readout"]["class"] == 4 and out["profile"] == "loihi"


def test_shipped_example_predicts_4_as_a_subprocess(shared_data):
    """models/nmnist_cnn.h5 on traces/nmnist_4.aedat, the command the README gives."""
    res = subprocess.run([sys.executable, "-m", "neuroemu", "run", "models/nmnist_cnn.h5",
                          "--input", "traces/nmnist_4.aedat", "--json"], cwd=ROOT,
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    assert out["readout"]["class"] == 4
    assert out["input_events"] == 4325


def test_shipped_files_are_what_the_tool_writes(shared_data):
    from neuroemu.recordings import read_events

    net, profile = read_network(ROOT / "models" / "nmnist_cnn.h5")
    fresh = read_nir(shared_data / "nir" / "cnn_nmnist" / "cnn_sinabs.nir")
    assert profile == "loihi"
    for a, b in zip(net.projections, fresh.projections):
        np.testing.assert_array_equal(a.weight, b.weight)
    ev, meta = read_events(ROOT / "traces" / "nmnist_4.aedat")
    src, _ = read_events(shared_data / "aedat" / "nmnist_sample.bin")
    np.testing.assert_array_equal(ev, src)
    assert (meta.width, meta.height) == (34, 34)
    for p in (ROOT / "models" / "nmnist_cnn.h5", ROOT / "traces" / "nmnist_4.aedat"):
        assert p.stat().st_size < 1 << 20


# ----------------------------------------------------------------------------- Braille RNN


def _braille_framework(g, x, dt, subtract):
    """snnTorch's recurrent CubaLIF, step by step, from the NIR nodes (r = tau_mem/dt and
    w_in = tau_syn/dt make it syn = alpha syn + W x; mem = beta mem + syn)."""
    fc1, fc2, rec = g.nodes["fc1"], g.nodes["fc2"], g.nodes["lif1.w_rec"]
    l1, l2 = g.nodes["lif1.lif"], g.nodes["lif2"]

    def bias(node):
        return getattr(node, "bias", 0.0)

    def step(n, i, v, inp):
        i = (1 - dt / n.tau_syn) * i + dt / n.tau_syn * n.w_in * inp
        v = (1 - dt / n.tau_mem) * v + dt / n.tau_mem * (n.r * i + n.v_leak)
        z = (v > n.v_threshold).astype(float)
        v = v - z * n.v_threshold if subtract else np.where(z > 0, n.v_reset, v)
        return i, v, z

    i1 = v1 = z1 = np.zeros(l1.tau_syn.size)
    i2 = v2 = np.zeros(l2.tau_syn.size)
    out1, out2 = [], []
    for xk in x:
        i1, v1, z1 = step(l1, i1, v1, fc1.weight @ xk + bias(fc1) + rec.weight @ z1 + bias(rec))
        i2, v2, z2 = step(l2, i2, v2, fc2.weight @ z1 + bias(fc2))
        out1.append(z1)
        out2.append(z2)
    return np.array(out1), np.array(out2)


@pytest.mark.parametrize("name, reset", [("braille_noDelay_bias_zero.nir", None),
                                         ("braille_noDelay_noBias_subtract.nir", "subtract")])
def test_braille_float_agrees_with_the_framework_equations(shared_data, rng, name, reset):
    """Hidden (recurrent) and output spikes equal a step-by-step evaluation of the NIR
    equations, the hidden layer one tick later and the output two ticks later."""
    path = shared_data / "nir" / "braille" / name
    g = nir.read(path)
    steps = 300
    x = (rng.random((steps, 12)) < 0.15).astype(float)
    want1, want2 = _braille_framework(g, x, DT, reset == "subtract")
    assert want1.sum() > 20 and want2.sum() > 20
    net = read_nir(path, dt=DT, reset=reset)
    tick, chan = np.nonzero(x)
    stim = make_stimulus(tick, chan, 12)
    r = simulate_float(net, stim, steps + 2)
    n1 = g.nodes["lif1.lif"].tau_syn.size
    np.testing.assert_array_equal(_raster(r, "lif1.lif", n1, steps + 2)[1:steps + 1], want1)
    np.testing.assert_array_equal(_raster(r, "lif2", 7, steps + 2)[2:], want2)
    # the fixed-point run completes on the Loihi profile (its spikes drift from float)
    fixed = simulate(map_network(net, "loihi"), stim, steps + 2)
    assert fixed.spike_counts()["lif1.lif"] > 0


def test_braille_bias_goes_through_the_bias_neuron(shared_data):
    net = read_nir(shared_data / "nir" / "braille" / "braille_noDelay_bias_zero.nir", dt=DT)
    g = nir.read(shared_data / "nir" / "braille" / "braille_noDelay_bias_zero.nir")
    bias = {p.target: p for p in net.projections if p.source == "bias"}
    assert set(bias) == {"lif1.lif", "lif2"}
    assert bias["lif1.lif"].delay == 1 and bias["lif2"].delay == 2  # each target's depth
    n = g.nodes["lif1.lif"]
    gain = n.r * DT / n.tau_mem * n.w_in * DT / n.tau_syn
    np.testing.assert_allclose(bias["lif1.lif"].weight[:, 0],
                               gain * (g.nodes["fc1"].bias.astype(float)
                                       + g.nodes["lif1.w_rec"].bias.astype(float)),
                               rtol=1e-12)
    assert not np.any(net.population("lif1.lif").neuron.bias)
    reg = read_nir(shared_data / "nir" / "braille" / "braille_noDelay_bias_zero.nir", dt=DT,
                   bias="register")
    assert "bias" not in [p.name for p in reg.populations]
    np.testing.assert_allclose(reg.population("lif1.lif").neuron.bias,
                               bias["lif1.lif"].weight[:, 0] * n.tau_syn / DT, rtol=1e-12)


# ----------------------------------------------------------------------------- round trip


def _params(node) -> dict:
    return {k: v for k, v in node.__dict__.items()
            if k not in ("metadata", "input_type", "output_type")}


@pytest.mark.parametrize("rel, kw", [
    ("lif/lif_norse.nir", {"dt": DT}), ("lif/two_lif_neurons.nir", {"dt": DT}),
    ("cnn_nmnist/cnn_sinabs.nir", {}), ("braille/braille_noDelay_bias_zero.nir", {"dt": DT}),
    ("braille/braille_noDelay_noBias_subtract.nir", {"dt": DT, "reset": "subtract"})])
def test_nir_to_net_h5_to_nir_preserves_every_parameter(shared_data, tmp_path, rel, kw):
    src = shared_data / "nir" / rel
    write_network(tmp_path / "net.h5", read_nir(src, **kw))
    net, _ = read_network(tmp_path / "net.h5")
    write_nir(net, tmp_path / "back.nir")
    a, b = nir.read(src), nir.read(tmp_path / "back.nir")
    assert set(a.nodes) == set(b.nodes)
    assert {tuple(e) for e in a.edges} == {tuple(e) for e in b.edges}
    for name, node in a.nodes.items():
        other = b.nodes[name]
        assert type(node) is type(other), name
        pa, pb = _params(node), _params(other)
        assert set(pa) == set(pb), name
        for key, va in pa.items():
            va, vb = np.asarray(va), np.asarray(pb[key])
            assert va.shape == vb.shape, (name, key)
            if va.dtype.kind in "fiu":
                np.testing.assert_allclose(vb, va, rtol=1e-12, atol=0, err_msg=f"{name}.{key}")
            else:
                assert str(va) == str(vb), (name, key)


def test_export_without_provenance_reimports_to_the_same_computation(tmp_path):
    """A network built by hand (no NIR origin) gets canonical nodes; importing them back
    gives the same weights, thresholds and decays."""
    from neuroemu.ir import Readout, projection

    pops = (Population("in", (2, 4, 4)),
            Population("c", (3, 2, 2), neuron("lif", 12, threshold=1.5, decay_v=0.25,
                                              fire_on=">")),
            Population("o", (4,), neuron("cuba", 4, threshold=2.0, decay_v=0.5, decay_u=0.125,
                                         fire_on=">")))
    rng = np.random.default_rng(0)
    projs = (projection("in->c", "in", "c", "conv2d", rng.normal(size=(3, 2, 3, 3)),
                        stride=(2, 2), padding=(1, 1)),
             projection("c->o", "c", "o", "dense", rng.normal(size=(4, 12)), delay=3))
    net = Network("hand", pops, projs, input="in", readout=Readout("o"))
    write_nir(net, tmp_path / "hand.nir", dt=1e-3)
    back = read_nir(tmp_path / "hand.nir", dt=1e-3)
    for p in ("c", "o"):
        a, b = net.population(p).neuron, back.population(p).neuron
        for key in ("threshold", "decay_v", "decay_u", "bias", "v_init"):
            np.testing.assert_allclose(getattr(b, key), getattr(a, key), rtol=1e-12, atol=1e-15)
    for pa in net.projections:
        pb = next(p for p in back.projections if (p.source, p.target) == (pa.source, pa.target))
        assert pb.delay == pa.delay
        s1, t1, w1 = synapses(pa, net.population(pa.source), net.population(pa.target))
        s2, t2, w2 = synapses(pb, back.population(pb.source), back.population(pb.target))
        m1 = sparse.csr_matrix((w1, (t1, s1))).toarray()
        m2 = sparse.csr_matrix((w2, (t2, s2))).toarray()
        np.testing.assert_allclose(m2, m1, rtol=1e-12, atol=1e-14)


def test_export_refuses_what_nir_cannot_express(tmp_path):
    from neuroemu.ir import projection

    pops = (Population("in", (1,)),
            Population("n", (1,), neuron("if", 1, reset="subtract", fire_on=">")))
    net = Network("sub", pops, (projection("w", "in", "n", "dense", [[1.0]]),), input="in")
    with pytest.raises(NirExportError, match="population 'n'.*reset 'subtract'"):
        write_nir(net, tmp_path / "x.nir")
    with pytest.warns(UserWarning, match="dropped"):
        write_nir(net, tmp_path / "x.nir", lossy=True)
    assert (tmp_path / "x.nir").exists()
    lif = Network("lif", (pops[0], Population("n", (1,), neuron("lif", 1, decay_v=0.5,
                                                                fire_on=">"))),
                  net.projections, input="in")
    with pytest.raises(NirExportError, match="give dt"):
        write_nir(lif, tmp_path / "y.nir")


# ----------------------------------------------------------------------------- small graphs


def _write(tmp_path, nodes, edges, name="g.nir") -> Path:
    path = tmp_path / name
    nir.write(path, nir.NIRGraph(nodes=nodes, edges=edges, type_check=False))
    return path


def _inp(*shape):
    return nir.Input(input_type={"input": np.array(shape)})


def _out(*shape):
    return nir.Output(output_type={"output": np.array(shape)})


def test_if_with_bias_and_v_reset_matches_a_hand_simulation(tmp_path):
    """input -> Affine(W, b) -> IF(r, v_th, v_reset) -> Affine -> IF: the bias starts at
    each layer's first input tick, and the membrane is taken relative to v_reset. Dyadic
    values keep both sides exact, so ties with the threshold compare alike."""
    w1 = np.array([[0.625, -0.25], [0.375, 0.5]])
    w2 = np.array([[1.0, 0.75]])
    nodes = {"in": _inp(2), "a1": nir.Affine(weight=w1, bias=np.array([0.125, -0.0625])),
             "if1": nir.IF(r=np.array([1.0, 2.0]), v_threshold=np.array([1.0, 1.0]),
                           v_reset=np.array([-0.5, 0.0])),
             "a2": nir.Affine(weight=w2, bias=np.array([0.25])),
             "if2": nir.IF(r=np.array([1.0]), v_threshold=np.array([1.5]),
                           v_reset=np.array([0.0])), "out": _out(1)}
    edges = [("in", "a1"), ("a1", "if1"), ("if1", "a2"), ("a2", "if2"), ("if2", "out")]
    net = read_nir(_write(tmp_path, nodes, edges))
    rng = np.random.default_rng(3)
    steps = 60
    x = (rng.random((steps, 2)) < 0.5).astype(float)
    v1, v2 = np.zeros(2), np.zeros(1)
    z1s, z2s = [], []
    for xk in x:  # the framework: v += r (W x + b); spike when v > v_th; v = v_reset
        v1 = v1 + nodes["if1"].r * (w1 @ xk + nodes["a1"].bias)
        z1 = (v1 > 1.0).astype(float)
        v1 = np.where(z1 > 0, nodes["if1"].v_reset, v1)
        v2 = v2 + (w2 @ z1 + 0.25)
        z2 = (v2 > 1.5).astype(float)
        v2 = np.where(z2 > 0, 0.0, v2)
        z1s.append(z1)
        z2s.append(z2)
    t, c = np.nonzero(x)
    r = simulate_float(net, make_stimulus(t, c, 2), steps + 2)
    np.testing.assert_array_equal(_raster(r, "if1", 2, steps + 2)[1:steps + 1], z1s)
    np.testing.assert_array_equal(_raster(r, "if2", 1, steps + 2)[2:], z2s)
    assert np.sum(z2s) > 3


def test_conv_then_pool_without_a_neuron_is_one_exact_projection(tmp_path):
    """Conv2d -> SumPool2d has no structured equivalent here: a sparse/dense projection
    holding the product, checked against explicit loops."""
    rng = np.random.default_rng(1)
    w = rng.normal(size=(2, 1, 3, 3))
    nodes = {"in": _inp(1, 6, 6),
             "conv": nir.Conv2d(input_shape=np.array([6, 6]), weight=w, stride=np.array([1, 1]),
                                padding=np.array([1, 1]), dilation=np.array([1, 1]), groups=1,
                                bias=np.zeros(2)),
             "pool": nir.SumPool2d(kernel_size=np.array([2, 2]), stride=np.array([2, 2]),
                                   padding=np.array([0, 0])),
             "if": nir.IF(r=np.full((2, 3, 3), 0.5), v_threshold=np.ones((2, 3, 3)),
                          v_reset=np.zeros((2, 3, 3))), "out": _out(2, 3, 3)}
    edges = [("in", "conv"), ("conv", "pool"), ("pool", "if"), ("if", "out")]
    notes = []
    net = read_nir(_write(tmp_path, nodes, edges), notes=notes)
    (proj,) = net.projections
    s, t, wt = synapses(proj, net.population("in"), net.population("if"))
    got = sparse.csr_matrix((wt, (t, s)), shape=(18, 36)).toarray()
    want = np.zeros((18, 36))
    for co in range(2):
        for oy in range(3):
            for ox in range(3):
                for py in range(2):  # pool window
                    for px in range(2):
                        cy, cx = 2 * oy + py, 2 * ox + px  # conv output position
                        for ky in range(3):
                            for kx in range(3):
                                iy, ix = cy - 1 + ky, cx - 1 + kx
                                if 0 <= iy < 6 and 0 <= ix < 6:
                                    row = co * 9 + oy * 3 + ox
                                    want[row, iy * 6 + ix] += 0.5 * w[co, 0, ky, kx]
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)
    assert any("composed" in n for n in notes)


def test_delay_node_splits_into_projections_by_delay(tmp_path):
    nodes = {"in": _inp(2), "lin": nir.Linear(weight=np.eye(2)),
             "d": nir.Delay(delay=np.array([0.002, 0.005])),
             "if": nir.IF(r=np.ones(2), v_threshold=np.full(2, 0.5), v_reset=np.zeros(2)),
             "out": _out(2)}
    path = _write(tmp_path, nodes, [("in", "lin"), ("lin", "d"), ("d", "if"), ("if", "out")])
    with pytest.raises(NeuroemuError, match="node 'd'.*dt"):
        read_nir(path)
    net = read_nir(path, dt=1e-3)
    assert sorted(p.delay for p in net.projections) == [3, 6]
    r = simulate_float(net, make_stimulus([0, 0], [0, 1], 2), 10)
    tick, who, _ = r.spikes_of("if")
    assert dict(zip(who.tolist(), tick.tolist())) == {0: 3, 1: 6}
    with pytest.raises(NeuroemuError, match="not a whole number of ticks"):
        read_nir(path, dt=0.0015)


def test_nested_graph_and_threshold_and_li_readout(tmp_path):
    """A subgraph holding Affine -> Threshold, fed and read through its own Input/Output;
    an LI population read out by its membrane, never firing."""
    sub = nir.NIRGraph(nodes={"i": _inp(2), "a": nir.Affine(weight=np.array([[1.0, 1.0],
                                                                            [1.0, -1.0]]),
                                                           bias=np.zeros(2)),
                              "thr": nir.Threshold(threshold=np.array([1.5, 0.5])),
                              "o": _out(2)},
                       edges=[("i", "a"), ("a", "thr"), ("thr", "o")], type_check=False)
    nodes = {"in": _inp(2), "block": sub, "w": nir.Linear(weight=np.array([[1.0, 2.0]])),
             "li": nir.LI(tau=np.array([0.01]), r=np.array([1.0]), v_leak=np.array([0.0])),
             "out": _out(1)}
    edges = [("in", "block"), ("block", "w"), ("w", "li"), ("li", "out")]
    net = read_nir(_write(tmp_path, nodes, edges), dt=1e-3)
    names = [p.name for p in net.populations]
    assert names == ["in", "block.thr", "li"]
    assert net.readout.population == "li" and net.readout.kind == "last_membrane"
    # threshold: z0 = x0 + x1 > 1.5, z1 = x0 - x1 > 0.5 (stateless)
    stim = make_stimulus([0, 1, 1, 2], [0, 0, 1, 1], 2)
    r = simulate_float(net, stim, 6, probes=[net.population("in").size + 2])
    tick, who, _ = r.spikes_of("block.thr")
    assert list(zip(tick.tolist(), who.tolist())) == [(1, 1), (2, 0)]
    assert r.spikes_of("li")[0].size == 0
    lam = 1e-3 / 0.01  # LI: v = (1 - lam) v + lam * r * (w . z)
    v = [0, 0, lam * 2.0]
    v.append((1 - lam) * v[-1] + lam * 1.0)
    v += [(1 - lam) * v[-1], (1 - lam) ** 2 * v[-1]]
    np.testing.assert_allclose(r.probe_v[:, 0], v, rtol=1e-12)


def test_options_reset_fire_on_discretization(tmp_path):
    nodes = {"in": _inp(1), "a": nir.Affine(weight=np.array([[1.0]]), bias=np.zeros(1)),
             "lif": nir.LIF(tau=np.array([0.004]), r=np.array([1.0]), v_leak=np.array([0.0]),
                            v_threshold=np.array([0.5]), v_reset=np.array([0.0])),
             "out": _out(1)}
    path = _write(tmp_path, nodes, [("in", "a"), ("a", "lif"), ("lif", "out")])
    euler = read_nir(path, dt=1e-3).population("lif").neuron
    expo = read_nir(path, dt=1e-3, discretization="exp").population("lif").neuron
    assert euler.decay_v[0] == pytest.approx(0.25)
    assert expo.decay_v[0] == pytest.approx(1 - np.exp(-0.25))
    sub = read_nir(path, dt=1e-3, reset="subtract", fire_on=">=").population("lif").neuron
    assert sub.reset == "subtract" and sub.fire_on == ">="
    assert euler.reset == "zero" and euler.fire_on == ">"
    with pytest.raises(NeuroemuError, match="shorter than dt"):
        read_nir(path, dt=0.01)


# ----------------------------------------------------------------------------- readable names


def _provenance(net) -> dict:
    return json.loads(dict(net.meta)["nir_provenance"])


def _names_by_node(net) -> dict:
    """NIR node name -> population name, from the provenance."""
    return {v["node"]: k for k, v in _provenance(net)["populations"].items()}


def _matrices(net) -> dict:
    out = {}
    for p in net.projections:
        src, tgt = net.population(p.source), net.population(p.target)
        s, t, w = synapses(p, src, tgt)
        out[p.name] = sparse.csr_matrix((w * 2.0**p.weight_exp, (t, s)),
                                        shape=(tgt.size, src.size)).toarray()
    return out


def test_sinabs_numbered_nodes_get_readable_names(shared_data, tmp_path):
    """Sinabs numbers its nodes (0 Conv2d, 1 IF, 2 Conv2d, 3 IF, 4 SumPool2d, 5 Conv2d, 6 IF,
    7 SumPool2d, 8 Flatten, 9 Affine, 10 IF, 11 Affine, 12 IF): each population is named
    after the nearest weighted node feeding it, numbered by depth."""
    src = shared_data / "nir" / "cnn_nmnist" / "cnn_sinabs.nir"
    notes = []
    net = read_nir(src, notes=notes)
    assert [p.name for p in net.populations] == ["input", "conv1", "conv2", "conv3", "fc1", "fc2"]
    assert [p.name for p in net.projections] == ["input->conv1", "conv1->conv2", "conv2->conv3",
                                                 "conv3->fc1", "fc1->fc2"]
    assert net.readout.population == "fc2"
    assert "projection 'conv3->fc1': SumPool2d -> Affine composed into one dense projection" \
        in notes
    assert any("(readout 'fc2' at depth 5)" in n for n in notes)
    prov = _provenance(net)
    assert {k: v["node"] for k, v in prov["populations"].items()} == {
        "conv1": "1", "conv2": "3", "conv3": "6", "fc1": "10", "fc2": "12"}
    assert prov["projections"]["conv2->conv3"]["target"] == "conv3"
    assert [s["node"] for s in prov["projections"]["conv2->conv3"]["path"]] == ["4", "5"]
    # the export writes the file's node names back; importing them again renames alike
    write_nir(net, tmp_path / "back.nir")
    assert set(nir.read(tmp_path / "back.nir").nodes) == set(nir.read(src).nodes)
    again = read_nir(tmp_path / "back.nir")
    assert [p.name for p in again.populations] == [p.name for p in net.populations]


def _numbered_graph():
    """Bare-number neuron nodes fed by Linear, Scale, another neuron and a nested Affine,
    next to a neuron node already called 'fc1'."""
    def if_(n=4):
        return nir.IF(r=np.ones(n), v_threshold=np.ones(n), v_reset=np.zeros(n))

    eye = np.eye(4)
    block = nir.NIRGraph(nodes={"i": _inp(4), "0": nir.Affine(weight=eye, bias=np.zeros(4)),
                                "1": if_(), "o": _out(4)},
                         edges=[("i", "0"), ("0", "1"), ("1", "o")], type_check=False)
    nodes = {"in": _inp(4), "0": nir.Linear(weight=eye), "1": if_(),
             "2": nir.Linear(weight=eye), "fc1": if_(),
             "3": nir.LIF(tau=np.full(4, 0.01), r=np.ones(4), v_leak=np.zeros(4),
                          v_threshold=np.ones(4), v_reset=np.zeros(4)),
             "4": nir.Scale(scale=np.full(4, 0.5)), "5": if_(),
             "6": nir.Linear(weight=0.25 * eye),
             "l9": nir.Linear(weight=eye), "9": if_(), "l10": nir.Linear(weight=eye), "10": if_(),
             "7": block, "out": _out(4)}
    edges = [("in", "0"), ("0", "1"), ("1", "2"), ("2", "fc1"),
             ("1", "3"),                                    # LIF fed by a neuron: 'lif'
             ("6", "5"), ("3", "4"), ("4", "5"), ("5", "6"),  # 5's first input is recurrent
             ("in", "l10"), ("l10", "10"), ("in", "l9"), ("l9", "9"), ("9", "fc1"),
             ("10", "fc1"), ("fc1", "7"), ("7", "out")]
    return nodes, edges


def test_hand_built_numbered_nodes_get_readable_names(tmp_path):
    path = _write(tmp_path, *_numbered_graph())
    with pytest.raises(NeuroemuError, match=r"node '3' \(LIF\).*dt"):  # errors: file names
        read_nir(path)
    net = read_nir(path, dt=1e-3)
    names = _names_by_node(net)
    # fc: '1', '9', '10' at depth 2 (by number, not as strings), then '7.1' at depth 7,
    # skipping 'fc1', which the file already has; '5' is named after the Scale on its
    # non-recurrent input, not after the Linear of its recurrent one
    assert names == {"1": "fc2", "9": "fc3", "10": "fc4", "7.1": "fc5", "fc1": "fc1",
                     "3": "lif1", "5": "scale1"}
    assert net.input == "in" and net.readout.population == "fc5"
    assert {"fc2->lif1", "lif1->scale1", "scale1->scale1", "fc1->fc5"} <= {
        p.name for p in net.projections}
    # net.h5 -> NIR -> import: the same names and weights
    write_network(tmp_path / "net.h5", net)
    stored, _ = read_network(tmp_path / "net.h5")
    write_nir(stored, tmp_path / "back.nir")
    back = nir.read(tmp_path / "back.nir")
    assert {"1", "3", "5", "9", "10", "7.1", "fc1"} <= set(back.nodes)
    again = read_nir(tmp_path / "back.nir", dt=1e-3)
    assert _names_by_node(again) == names
    want, got = _matrices(net), _matrices(again)
    assert set(got) == set(want)
    for name, m in want.items():
        np.testing.assert_allclose(got[name], m, rtol=1e-12, err_msg=name)


def test_a_pooled_neuron_node_is_named_pool(tmp_path):
    w = np.ones((1, 1, 3, 3))
    nodes = {"in": _inp(1, 4, 4),
             "0": nir.Conv2d(input_shape=np.array([4, 4]), weight=w, stride=np.array([1, 1]),
                             padding=np.array([1, 1]), dilation=np.array([1, 1]), groups=1,
                             bias=np.zeros(1)),
             "1": nir.IF(r=np.ones((1, 4, 4)), v_threshold=np.ones((1, 4, 4)),
                         v_reset=np.zeros((1, 4, 4))),
             "2": nir.SumPool2d(kernel_size=np.array([2, 2]), stride=np.array([2, 2]),
                                padding=np.array([0, 0])),
             "3": nir.IF(r=np.ones((1, 2, 2)), v_threshold=np.ones((1, 2, 2)),
                         v_reset=np.zeros((1, 2, 2))), "out": _out(1, 2, 2)}
    net = read_nir(_write(tmp_path, nodes, [("in", "0"), ("0", "1"), ("1", "2"), ("2", "3"),
                                            ("3", "out")]))
    assert [p.name for p in net.populations] == ["in", "conv1", "pool1"]
    assert [p.name for p in net.projections] == ["in->conv1", "conv1->pool1"]


# ----------------------------------------------------------------------------- errors


def test_unsupported_node_is_named(shared_data, tmp_path):
    path = tmp_path / "odd.nir"
    shutil.copy(shared_data / "nir" / "lif" / "lif_norse.nir", path)
    with h5py.File(path, "r+") as f:
        del f["node/nodes/1/type"]
        f["node/nodes/1/type"] = np.bytes_("Izhikevich")
    with pytest.raises(NeuroemuError, match=r"node '1' has type 'Izhikevich'.*supported: "):
        read_nir(path, dt=DT)
    assert main(["import", str(path), "--dt", "1e-4"]) == 1


def test_missing_dt_names_the_node(shared_data, capsys):
    path = shared_data / "nir" / "lif" / "lif_norse.nir"
    with pytest.raises(NeuroemuError, match=r"node '1' \(LIF\).*tau = 0.0025.*dt"):
        read_nir(path)
    assert main(["import", str(path)]) == 1
    assert "--dt" in capsys.readouterr().err


def test_inconsistent_shapes_name_the_node(tmp_path):
    nodes = {"in": _inp(4), "a": nir.Affine(weight=np.ones((3, 5)), bias=np.zeros(3)),
             "if": nir.IF(r=np.ones(3), v_threshold=np.ones(3), v_reset=np.zeros(3)),
             "out": _out(3)}
    path = _write(tmp_path, nodes, [("in", "a"), ("a", "if"), ("if", "out")])
    with pytest.raises(NeuroemuError, match=r"node 'a' \(Affine\): weight \(3, 5\) takes 5 "
                                            r"inputs but receives shape \(4,\)"):
        read_nir(path)
    nodes["a"] = nir.Affine(weight=np.ones((2, 4)), bias=np.zeros(2))
    path = _write(tmp_path, nodes, [("in", "a"), ("a", "if"), ("if", "out")], "b.nir")
    with pytest.raises(NeuroemuError, match=r"node 'if' \(IF\) has 3 neurons but node 'a'"):
        read_nir(path)
    # a parameter array of the wrong length, caught while reading the node
    with h5py.File(path, "r+") as f:
        del f["node/nodes/if/r"]
        f["node/nodes/if/r"] = np.ones(7)
    with pytest.raises(NeuroemuError, match=r"node 'if' \(IF\) is inconsistent"):
        read_nir(path)


def test_graphs_neuroemu_cannot_run_are_refused(tmp_path):
    li = nir.LI(tau=np.array([0.01]), r=np.array([1.0]), v_leak=np.array([0.0]))
    lif = nir.IF(r=np.array([1.0]), v_threshold=np.array([1.0]), v_reset=np.array([0.0]))
    one = np.array([[1.0]])
    cases = [
        ({"in": _inp(1), "w": nir.Linear(weight=one), "li": li, "w2": nir.Linear(weight=one),
          "if": lif, "out": _out(1)},
         [("in", "w"), ("w", "li"), ("li", "w2"), ("w2", "if"), ("if", "out")],
         "node 'li' .LI. feeds node 'w2'"),
        ({"in": _inp(1), "w": nir.Linear(weight=one), "out": _out(1)},
         [("in", "w"), ("w", "out")], "Output node 'out' receives the output of node 'w'"),
        ({"in": _inp(1), "w": nir.Linear(weight=one), "w2": nir.Linear(weight=one), "if": lif,
          "out": _out(1)},
         [("in", "w"), ("w", "w2"), ("w2", "w"), ("w2", "if"), ("if", "out")],
         "loop through linear nodes only"),
    ]
    for k, (nodes, edges, msg) in enumerate(cases):
        path = _write(tmp_path, nodes, edges, f"c{k}.nir")
        with pytest.raises(NeuroemuError, match=msg):
            read_nir(path, dt=1e-3)


def test_not_a_nir_file(tmp_path):
    path = tmp_path / "x.h5"
    with h5py.File(path, "w") as f:
        f["layer"] = 1
    with pytest.raises(NeuroemuError, match="not a NIR file"):
        read_nir(path)


# ----------------------------------------------------------------------------- command line


def test_import_command_reports_quantization_and_writes(shared_data, tmp_path, capsys):
    out = tmp_path / "lif.h5"
    path = shared_data / "nir" / "lif" / "lif_norse.nir"
    assert main(["import", str(path), "--dt", "1e-4", "--profile", "loihi", "-o", str(out)]) == 0
    text = capsys.readouterr().out
    assert "quantization onto loihi" in text and "wrote" in text
    net, profile = read_network(out)
    assert profile == "loihi" and net.population("fc1").neuron.fire_on == ">"
    assert main(["import", str(path), "--dt", "1e-4", "--json"]) == 0
    rep = json.loads(capsys.readouterr().out)
    (row,) = rep["quantization"]
    # the largest membrane parameter is the threshold 0.1: with 256x headroom in the 24-bit
    # membrane the scale is 2**floor(log2((2**23 - 1) / (256 * 0.1))) = 2**18; the weight
    # dt/tau = 0.04 (tau is float32) is 0.04 * 2**18 = 10485.76 -> 82 << 7; decay 164/4096
    lam = 1e-4 / float(np.float32(0.0025))
    assert row["scale"] == 2.0**18 and row["weight_exp"] == [7]
    assert row["weight_error"] == pytest.approx(abs(82 * 2**7 / 2**18 - lam), rel=1e-9)
    assert row["decay_error"] == pytest.approx(abs(164 / 4096 - lam), rel=1e-9)


def test_export_command_round_trips(shared_data, tmp_path, capsys):
    src = shared_data / "nir" / "cnn_nmnist" / "cnn_sinabs.nir"
    h5 = tmp_path / "cnn.h5"
    assert main(["import", str(src), "-o", str(h5)]) == 0
    capsys.readouterr()
    back = tmp_path / "cnn.nir"
    assert main(["export", str(h5), "-o", str(back), "--json"]) == 0
    rep = json.loads(capsys.readouterr().out)
    assert rep["nodes"] == {k: type(v).__name__ for k, v in nir.read(src).nodes.items()}
    res = subprocess.run([sys.executable, "-m", "neuroemu", "export", str(h5), "-o",
                          str(tmp_path / "again.nir")], capture_output=True, text=True,
                         timeout=120)
    assert res.returncode == 0 and "15 NIR nodes" in res.stdout, res.stderr


def test_conv1d_scale_flatten_and_cubali_round_trip(tmp_path):
    """Conv1d -> Scale (composed into one sparse projection) is split back into its nodes;
    without the provenance the export is canonical and re-imports to the same computation."""
    rng = np.random.default_rng(0)
    nodes = {"in": _inp(2, 8),
             "c1": nir.Conv1d(input_shape=8, weight=rng.normal(size=(3, 2, 3)), stride=1,
                              padding=1, dilation=1, groups=1, bias=np.zeros(3)),
             "sc": nir.Scale(scale=np.full((3, 8), 0.5)),
             "if": nir.IF(r=np.ones((3, 8)), v_threshold=np.ones((3, 8)),
                          v_reset=np.zeros((3, 8))),
             "fl": nir.Flatten(input_type={"input": np.array([3, 8])}, start_dim=0, end_dim=-1),
             "lin": nir.Linear(weight=rng.normal(size=(4, 24))),
             "cli": nir.CubaLI(tau_syn=np.full(4, 2e-3), tau_mem=np.full(4, 5e-3),
                               r=np.ones(4), v_leak=np.zeros(4), w_in=np.ones(4)),
             "out": _out(4)}
    edges = [("in", "c1"), ("c1", "sc"), ("sc", "if"), ("if", "fl"), ("fl", "lin"),
             ("lin", "cli"), ("cli", "out")]
    path = tmp_path / "a.nir"
    nir.write(path, nir.NIRGraph(nodes=nodes, edges=edges))
    net = read_nir(path, dt=1e-3)
    assert net.projections[0].kind == "sparse"
    write_nir(net, tmp_path / "b.nir")
    back = nir.read(tmp_path / "b.nir")  # NIR's own type check passes
    assert {k: type(v).__name__ for k, v in back.nodes.items()} == {
        k: type(v).__name__ for k, v in nodes.items()}
    for name, key in (("c1", "weight"), ("sc", "scale"), ("lin", "weight"), ("cli", "tau_syn"),
                      ("cli", "tau_mem"), ("if", "v_threshold")):
        np.testing.assert_allclose(getattr(back.nodes[name], key), getattr(nodes[name], key),
                                   rtol=1e-12, err_msg=f"{name}.{key}")
    bare = Network(net.name, net.populations, net.projections, input=net.input,
                   readout=net.readout)
    with pytest.raises(NirExportError, match="population 'cli': reset 'none'"):
        write_nir(bare, tmp_path / "c.nir", dt=1e-3)
    with pytest.warns(UserWarning):
        write_nir(bare, tmp_path / "c.nir", dt=1e-3, lossy=True)
    nir.read(tmp_path / "c.nir")
    again = read_nir(tmp_path / "c.nir", dt=1e-3, readout="last_membrane")
    tick = np.repeat(np.arange(20), 16)
    stim = make_stimulus(tick, np.tile(np.arange(16), 20), 16)
    r1, r2 = simulate_float(net, stim, 25), simulate_float(again, stim, 25)
    assert r1.spike_counts()["if"] == r2.spike_counts()["if"] > 0
    np.testing.assert_allclose(r2.v[-4:], r1.v[-4:], rtol=1e-9)


def _half_zero(n):
    w = np.zeros((n, n))
    w[:, : n // 2] = 0.5
    return w


@pytest.mark.parametrize("weight, kind, n_syn", [
    (np.eye(40), "sparse", 40),                    # mostly zeros: a synapse per nonzero weight
    (np.where(np.eye(40) == 1, 0.0, 0.5), "dense", 40 * 40),  # mostly nonzero: a crossbar
    (_half_zero(40), "dense", 40 * 40),            # exactly half nonzero: still a crossbar
])
def test_an_affine_of_mostly_zeros_imports_as_sparse(tmp_path, weight, kind, n_syn):
    """A zero weight in a mostly-zero Affine is no connection: it is not a synapse and
    costs no synaptic operation; the spikes are those of the same weights as a dense
    projection."""
    n = weight.shape[0]
    nodes = {"in": _inp(n), "a": nir.Affine(weight=weight, bias=np.zeros(n)),
             "if": nir.IF(r=np.ones(n), v_threshold=np.full(n, 0.4)), "out": _out(n)}
    net = read_nir(_write(tmp_path, nodes, [("in", "a"), ("a", "if"), ("if", "out")]))
    (proj,) = net.projections
    src, tgt = (net.population(p) for p in (proj.source, proj.target))
    assert proj.kind == kind and synapses(proj, src, tgt)[0].size == n_syn
    chans = [3, 7, 7, 30]
    stim = make_stimulus([0, 1, 2, 2], chans, n)
    res = simulate(map_network(net, "generic"), stim, 6)
    per_spike = [np.count_nonzero(weight[:, c]) if kind == "sparse" else n for c in chans]
    assert res.total("synaptic_ops") == sum(per_spike)
    # the same weights as a dense projection: the same spikes
    from neuroemu.ir import projection

    dense_w = np.asarray(synapses(proj, src, tgt))  # (src, tgt, w)
    full = np.zeros((tgt.size, src.size))
    full[dense_w[1].astype(int), dense_w[0].astype(int)] = dense_w[2]
    as_dense = Network(net.name, net.populations, (projection(
        proj.name, proj.source, proj.target, "dense", full, delay=proj.delay),),
        input=net.input, readout=net.readout)
    ref = simulate(map_network(as_dense, "generic"), stim, 6)
    np.testing.assert_array_equal(res.spike_tick, ref.spike_tick)
    np.testing.assert_array_equal(res.spike_neuron, ref.spike_neuron)
    assert res.spike_tick.size > 0
