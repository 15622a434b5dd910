"""PASCAL: every hidden layer's net spike count equals the QCFS ANN's integer activation.

The ground truth is the float QCFS ANN, evaluated by plain numpy on dyadic
parameters (weights, biases, λ, input scale are multiples of powers of two and
L is a power of two), where float64 arithmetic is exact: ``n_l = clip(floor(z_l
L_l/λ_l + 1/2), 0, L_l)``. The SNN runs on the fixed-point event engine, with
each input value delivered as several graded spikes of random sizes (some
negative) at random ticks, so the layers see their input in arbitrary orders.
"""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from qcfs_truth import qcfs_counts

from neuroemu.convert.ann import ANN, Layer
from neuroemu.convert.qcfs import pascal
from neuroemu.engine import make_stimulus, simulate
from neuroemu.hw import load_profile
from neuroemu.mapping import map_network

PROFILE = load_profile("generic").with_registers(neurons_per_core=5)


def scattered_input(rng, sample, n_ticks: int):
    """Each value as 1-3 graded spikes of random (possibly negative) sizes at random ticks."""
    ticks, chans, vals = [], [], []
    for c, v in enumerate(sample):
        parts = int(rng.integers(1, 4))
        sizes = rng.integers(-5, 6, parts - 1)
        sizes = np.append(sizes, v - sizes.sum())
        ticks += list(rng.integers(0, n_ticks, parts))
        chans += [c] * parts
        vals += list(sizes)
    return make_stimulus(np.array(ticks), np.array(chans), len(sample), value=np.array(vals))


def run_and_check(ann: ANN, data, rng, spread: int = 4):
    net, ref = pascal(ann, PROFILE)
    assert all(ref.exact), "dyadic parameters must convert exactly"
    cfg = map_network(net, PROFILE)
    counts, scores = qcfs_counts(ann, data)
    d_out = ref.D[-1]
    n_hidden = len(counts)
    for i, sample in enumerate(data):
        stim = scattered_input(rng, sample, spread)
        ticks = stim.last_tick + 1 + sum(ref.levels) + 2
        res = simulate(cfg, stim, ticks, engine="event")
        for k in range(n_hidden):
            got = res.count[cfg.neurons_of(f"h{k + 1}")]
            np.testing.assert_array_equal(got, counts[k][i].astype(np.int64),
                                          err_msg=f"layer h{k + 1}, sample {i}")
        np.testing.assert_array_equal(res.v[cfg.neurons_of("out")],
                                      (scores[i] * d_out).astype(np.int64))


def dyadic(rng, shape, bits: int, lo: int = -8, hi: int = 9):
    return rng.integers(lo, hi, shape) / float(1 << bits)


@st.composite
def dense_qcfs(draw):
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    n_in = draw(st.integers(1, 6))
    sizes = draw(st.lists(st.integers(1, 6), min_size=1, max_size=3))
    n_out = draw(st.integers(1, 4))
    bits = draw(st.integers(0, 3))
    layers, prev = [], n_in
    for size in sizes:
        layers.append(Layer("dense", weight=dyadic(rng, (size, prev), bits),
                            bias=dyadic(rng, size, bits)))
        layers.append(Layer("qcfs", threshold=float(2.0 ** draw(st.integers(-1, 3))),
                            levels=draw(st.sampled_from([1, 2, 4, 8]))))
        prev = size
    layers.append(Layer("dense", weight=dyadic(rng, (n_out, prev), bits),
                        bias=dyadic(rng, n_out, bits)))
    scale = 2.0 ** -draw(st.integers(0, 3))
    ann = ANN((n_in,), tuple(layers), input_scale=scale)
    data = rng.integers(-3, 16, (3, n_in))
    return ann, data, rng


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=dense_qcfs())
def test_pascal_counts_equal_qcfs_on_random_dense_networks(case):
    ann, data, rng = case
    run_and_check(ann, data, rng)


@st.composite
def conv_qcfs(draw):
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    c_in, c_mid = draw(st.integers(1, 2)), draw(st.integers(1, 3))
    side = draw(st.sampled_from([4, 5, 6]))
    bits = draw(st.integers(0, 2))
    pad = draw(st.integers(0, 1))
    lam = [float(2.0 ** draw(st.integers(0, 2))) for _ in range(2)]
    lv = [draw(st.sampled_from([1, 2, 4])) for _ in range(2)]
    conv_side = side + 2 * pad - 2
    layers = [Layer("conv2d", weight=dyadic(rng, (c_mid, c_in, 3, 3), bits),
                    bias=dyadic(rng, c_mid, bits), padding=(pad, pad)),
              Layer("qcfs", threshold=lam[0], levels=lv[0]),
              Layer("avgpool2d", kernel=(2, 2), stride=(2, 2)),
              Layer("flatten"),
              Layer("dense", weight=dyadic(rng, (3, c_mid * (conv_side // 2) ** 2), bits),
                    bias=dyadic(rng, 3, bits)),
              Layer("qcfs", threshold=lam[1], levels=lv[1]),
              Layer("dense", weight=dyadic(rng, (2, 3), bits), bias=dyadic(rng, 2, bits))]
    ann = ANN((c_in, side, side), tuple(layers), input_scale=0.5)
    data = rng.integers(0, 8, (2, c_in * side * side))
    return ann, data, rng


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=conv_qcfs())
def test_pascal_counts_equal_qcfs_on_random_conv_pool_networks(case):
    ann, data, rng = case
    run_and_check(ann, data, rng)


def test_pascal_conv_after_pool_is_a_sparse_projection(rng):
    """A conv after average pooling becomes one sparse projection; counts still exact."""
    layers = [Layer("conv2d", weight=dyadic(rng, (2, 1, 3, 3), 1), bias=dyadic(rng, 2, 1),
                    padding=(1, 1)),
              Layer("qcfs", threshold=2.0, levels=4),
              Layer("avgpool2d", kernel=(2, 2), stride=(2, 2)),
              Layer("conv2d", weight=dyadic(rng, (2, 2, 3, 3), 1), bias=dyadic(rng, 2, 1),
                    padding=(1, 1)),
              Layer("qcfs", threshold=4.0, levels=2),
              Layer("flatten"),
              Layer("dense", weight=dyadic(rng, (3, 8), 1), bias=dyadic(rng, 3, 1))]
    ann = ANN((1, 4, 4), tuple(layers), input_scale=0.25)
    net, _ = pascal(ann, PROFILE)
    assert [p.kind for p in net.projections] == ["conv2d", "sparse", "dense"]
    run_and_check(ann, rng.integers(0, 16, (4, 16)), rng)


@st.composite
def residual_qcfs(draw):
    """conv, QCFS, conv + shortcut, QCFS, pool, dense, QCFS, dense + shortcut, QCFS, dense."""
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    c, side = draw(st.integers(1, 2)), draw(st.sampled_from([4, 6]))
    bits = draw(st.integers(0, 2))
    lam = [float(2.0 ** draw(st.integers(0, 2))) for _ in range(4)]
    lv = [draw(st.sampled_from([1, 2, 4])) for _ in range(4)]
    n_fc = c * (side // 2) ** 2
    layers = [Layer("conv2d", weight=dyadic(rng, (c, c, 3, 3), bits),
                    bias=dyadic(rng, c, bits), padding=(1, 1)),
              Layer("qcfs", threshold=lam[0], levels=lv[0]),
              Layer("conv2d", weight=dyadic(rng, (c, c, 3, 3), bits),
                    bias=dyadic(rng, c, bits), padding=(1, 1)),
              # the first shortcut comes from the input or from layer 1
              Layer("add", source=draw(st.sampled_from([-1, 1]))),
              Layer("qcfs", threshold=lam[1], levels=lv[1]),
              Layer("avgpool2d", kernel=(2, 2), stride=(2, 2)),
              Layer("flatten"),
              Layer("dense", weight=dyadic(rng, (n_fc, n_fc), bits), bias=dyadic(rng, n_fc, bits)),
              Layer("qcfs", threshold=lam[2], levels=lv[2]),
              Layer("dense", weight=dyadic(rng, (n_fc, n_fc), bits), bias=dyadic(rng, n_fc, bits)),
              Layer("add", source=8),
              Layer("qcfs", threshold=lam[3], levels=lv[3]),
              Layer("dense", weight=dyadic(rng, (2, n_fc), bits), bias=dyadic(rng, 2, bits))]
    return ANN((c, side, side), tuple(layers), input_scale=0.5), c * side * side, rng


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=residual_qcfs())
def test_pascal_counts_equal_qcfs_with_residual_additions(case):
    """Identity shortcuts (from the input and between layers) keep PASCAL exact."""
    ann, n_in, rng = case
    net, _ = pascal(ann, PROFILE)
    assert [p.name for p in net.projections if p.name.startswith("s")] == ["s2", "s4"]
    run_and_check(ann, rng.integers(0, 8, (2, n_in)), rng)


@st.composite
def projection_qcfs(draw):
    """Two blocks with projection shortcuts: conv(stride s), QCFS, conv + 1x1 conv(stride s)
    of the input, QCFS; conv + 1x1 conv of layer 1's output (more channels), QCFS; dense."""
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    c, c2, c3 = (draw(st.integers(1, 2)) for _ in range(3))
    side, s = draw(st.sampled_from([4, 5, 6])), draw(st.sampled_from([1, 2]))
    bits = draw(st.integers(0, 2))
    lam = [float(2.0 ** draw(st.integers(0, 2))) for _ in range(3)]
    lv = [draw(st.sampled_from([1, 2, 4])) for _ in range(3)]
    out = (side - 1) // s + 1
    layers = [Layer("conv2d", weight=dyadic(rng, (c2, c, 3, 3), bits),
                    bias=dyadic(rng, c2, bits), stride=(s, s), padding=(1, 1)),
              Layer("qcfs", threshold=lam[0], levels=lv[0]),
              Layer("conv2d", weight=dyadic(rng, (c2, c2, 3, 3), bits),
                    bias=dyadic(rng, c2, bits), padding=(1, 1)),
              Layer("add", source=-1, weight=dyadic(rng, (c2, c, 1, 1), bits),
                    bias=dyadic(rng, c2, bits), stride=(s, s)),
              Layer("qcfs", threshold=lam[1], levels=lv[1]),
              Layer("conv2d", weight=dyadic(rng, (c3, c2, 3, 3), bits),
                    bias=dyadic(rng, c3, bits), padding=(1, 1)),
              Layer("add", source=1, weight=dyadic(rng, (c3, c2, 1, 1), bits)),
              Layer("qcfs", threshold=lam[2], levels=lv[2]),
              Layer("flatten"),
              Layer("dense", weight=dyadic(rng, (2, c3 * out * out), bits),
                    bias=dyadic(rng, 2, bits))]
    return ANN((c, side, side), tuple(layers), input_scale=0.5), c * side * side, rng


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=projection_qcfs())
def test_pascal_counts_equal_qcfs_with_projection_shortcuts(case):
    """1x1 projection shortcuts (strided, from the input; from a hidden layer) keep PASCAL
    exact: they are conv2d projections s{k} whose spikes the invariant counts like any other."""
    ann, n_in, rng = case
    net, _ = pascal(ann, PROFILE)
    shortcuts = [p for p in net.projections if p.name.startswith("s")]
    assert [(p.name, p.source, p.kind) for p in shortcuts] == [("s2", "in", "conv2d"),
                                                              ("s3", "h1", "conv2d")]
    run_and_check(ann, rng.integers(0, 8, (2, n_in)), rng)
