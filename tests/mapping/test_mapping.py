"""Partitioning into cores, placement, routes and quantization."""

from __future__ import annotations

import numpy as np
import pytest

from neuroemu.errors import MappingError
from neuroemu.hw import load_profile
from neuroemu.ir import Network, Population, neuron, projection
from neuroemu.mapping import core_graph, map_network


def dense_net(n_in=100, n_out=300, w=None):
    w = np.ones((n_out, n_in), np.int64) if w is None else w
    return Network("d", (Population("in", (n_in,)), Population("o", (n_out,), neuron("if", n_out))),
                   (projection("w", "in", "o", "dense", w),), input="in")


def test_cores_respect_every_limit(rng):
    prof = load_profile("loihi").with_registers(neurons_per_core=64, axons_per_core=50,
                                                synapse_memory_bits=8 * 2000)
    src = rng.integers(0, 100, 3000)
    tgt = rng.integers(0, 300, 3000)
    net = Network("s", (Population("in", (100,)), Population("o", (300,), neuron("if", 300))),
                  (projection("w", "in", "o", "sparse", np.ones(3000, np.int64), src=src,
                              tgt=tgt),), input="in")
    cfg = map_network(net, prof)
    for c in range(cfg.n_cores):
        mine = cfg.core_of[cfg.syn_tgt] == c
        assert np.count_nonzero(cfg.core_of == c) <= 64
        assert np.unique(cfg.syn_src[mine]).size <= 50
        assert np.count_nonzero(mine) <= 2000
        assert cfg.core_synapses[c] == np.count_nonzero(mine)
        assert cfg.core_axons[c] == np.unique(cfg.syn_src[mine]).size
    # populations never share a core, and cores are numbered in population order
    assert np.all(np.diff(cfg.core_pop) >= 0)


def greedy_cores(net, prof):
    """The partition's rule, one neuron at a time: a core takes the next neuron of its
    population while its neurons, synapse memory (synapses x w_bits + neurons x
    state_bits) and distinct sources stay within the profile's (an input population's:
    its neurons). Returns the core of each neuron, or (core, population, neuron, limit)
    of the first neuron that does not fit a core alone."""
    cfg_src, cfg_tgt = [], []
    offset = np.cumsum([0] + [p.size for p in net.populations])
    index = {p.name: i for i, p in enumerate(net.populations)}
    for proj in net.projections:
        cfg_src += list(proj.src + offset[index[proj.source]])
        cfg_tgt += list(proj.tgt + offset[index[proj.target]])
    fan_in = [[] for _ in range(offset[-1])]
    for s, t in zip(cfg_src, cfg_tgt):
        fan_in[t].append(s)
    core_of = []
    for p, pop in enumerate(net.populations):
        core = None
        for i in range(offset[p], offset[p + 1]):
            if core is not None:
                n, syn, axons = core[1] + 1, core[2] + len(fan_in[i]), core[3] | set(fan_in[i])
                if n <= prof.neurons_per_core and (pop.is_input or (
                        len(axons) <= prof.axons_per_core and
                        syn * prof.w_bits + n * prof.state_bits <= prof.synapse_memory_bits)):
                    core = (core[0], n, syn, axons)
                    core_of.append(core[0])
                    continue
            number = core_of[-1] + 1 if core_of else 0
            if not pop.is_input:
                if len(fan_in[i]) > prof.synapses_per_core:
                    return number, pop.name, i - offset[p], "synapse memory bits"
                if len(set(fan_in[i])) > prof.axons_per_core:
                    return number, pop.name, i - offset[p], "input axons"
            core = (number, 1, len(fan_in[i]), set(fan_in[i]))
            core_of.append(number)
    return core_of


@pytest.mark.parametrize("seed", range(16))
def test_cores_take_neurons_greedily_until_one_limit_binds(seed):
    """Whichever limit binds first (neurons, memory with or without neuron state, axons),
    each core takes every neuron it can before the next core starts; a neuron that does
    not fit a core alone, anywhere in its population, is named with the limit."""
    rng = np.random.default_rng(seed)
    n_in, n_out = int(rng.integers(5, 60)), int(rng.integers(1, 400))
    # runs of neurons without input among heavier ones: cores of very different sizes
    fan = rng.integers(0, 12, n_out) * (rng.random(n_out) < rng.choice([0.2, 1.0]))
    heavy = int(rng.integers(0, n_out))
    if seed % 4 == 3:  # one neuron with more synapses than a core holds
        fan[heavy] = 200
    if seed % 4 == 1:  # one neuron with more distinct sources than a core has axons
        n_in, fan[heavy] = max(n_in, 45), 45
    tgt = np.repeat(np.arange(n_out), fan)
    src = rng.integers(0, n_in, tgt.size)
    if seed % 4 == 1:
        src[tgt == heavy] = np.arange(45)
    net = Network("s", (Population("in", (n_in,)), Population("o", (n_out,), neuron("if", n_out))),
                  (projection("w", "in", "o", "sparse", np.ones(tgt.size, np.int64), src=src,
                              tgt=tgt),), input="in")
    state = int(rng.choice([0, 8, 64]))
    prof = load_profile("loihi").with_registers(
        neurons_per_core=int(rng.integers(1, 300)), axons_per_core=int(rng.integers(11, 40)),
        w_bits=8, state_bits=state, synapse_memory_bits=8 * int(rng.integers(12, 120)) + state,
        mesh_width=32, mesh_height=32)
    want = greedy_cores(net, prof)
    if isinstance(want, tuple):
        core, pop, i, what = want
        with pytest.raises(MappingError, match=rf"core {core} \(population '{pop}', neuron "
                                               rf"{i}\): {what} needed"):
            map_network(net, prof)
    else:
        assert map_network(net, prof).core_of.tolist() == want


def test_a_neuron_that_cannot_fit_is_named():
    prof = load_profile("loihi").with_registers(axons_per_core=50)
    with pytest.raises(MappingError, match=r"core 1 \(population 'o', neuron 0\): input axons "
                                           r"needed 100, limit 50 in profile 'loihi'"):
        map_network(dense_net(), prof)


def test_too_many_cores_for_the_mesh():
    prof = load_profile("loihi").with_registers(neurons_per_core=10, mesh_width=2,
                                                mesh_height=2)
    with pytest.raises(MappingError, match=r"needs 40 cores, profile 'loihi' has 4 \(2 x 2"):
        map_network(dense_net(), prof)


def test_hops_are_manhattan_distances_on_the_mesh():
    prof = load_profile("loihi").with_registers(neurons_per_core=100, mesh_width=3)
    cfg = map_network(dense_net(100, 300), prof)
    # core 0 holds the input at (0, 0); cores 1, 2, 3 at (1, 0), (2, 0), (0, 1)
    np.testing.assert_array_equal(cfg.core_xy, [[0, 0], [1, 0], [2, 0], [0, 1]])
    np.testing.assert_array_equal(cfg.hops(0, np.arange(4)), [0, 1, 2, 1])
    g = core_graph(cfg)
    assert g[0][3]["synapses"] == 100 * 100 and g[0][3]["hops"] == 1


def test_integer_weights_that_do_not_fit_are_refused():
    w = np.full((300, 100), 201, np.int64)  # odd: no weight exponent makes it fit
    with pytest.raises(MappingError, match=r"projection 'w': weight 201 does not fit the "
                                           r"8-bit signed weights \(-128..127\) of profile "
                                           r"'loihi'"):
        map_network(dense_net(w=w), "loihi")


def test_float_quantization_rule_and_reported_error(rng):
    w = rng.normal(0, 0.1, size=(20, 10))
    net = Network("f", (Population("in", (10,)),
                        Population("o", (20,), neuron("lif", 20, threshold=1.0, decay_v=0.1,
                                                      bias=0.013))),
                  (projection("w", "in", "o", "dense", w),), input="in")
    cfg = map_network(net, "loihi")
    q = cfg.quantization
    s = q.scales["o"]
    assert s == 2.0 ** np.floor(np.log2(s))  # a power of two
    mant, exp = q.weights["w"]
    assert np.abs(mant).max() <= 127
    assert np.abs(mant).max() > 63  # the mantissa range is used
    rep = q.report["o"]
    np.testing.assert_allclose(rep.weight_error, np.abs(mant * 2.0**exp / s - w).max())
    assert rep.weight_error <= 2.0**exp / s / 2 + 1e-12  # at most half a step
    assert cfg.thr[10] == round(s)
    assert cfg.mul_v[10] == 4096 - round(0.1 * 4096)
    assert rep.decay_error == pytest.approx(abs(round(0.1 * 4096) / 4096 - 0.1))
