"""IR validation: every bad construction is refused with a message naming it."""

from __future__ import annotations

import numpy as np
import pytest

from neuroemu.errors import NetworkError
from neuroemu.ir import Network, Population, Readout, neuron, projection, synapses


def test_neuron_parameter_errors():
    with pytest.raises(NetworkError, match=r"h1.threshold: -1.0 found, thresholds must be > 0"):
        neuron("if", 2, threshold=[1.0, -1.0], where="h1")
    with pytest.raises(NetworkError, match=r"h1.decay_v: 1.5 found, a decay is a fraction"):
        neuron("lif", 1, decay_v=1.5, where="h1")
    with pytest.raises(NetworkError, match="model 'izh' is not one of"):
        neuron("izh", 1)
    with pytest.raises(NetworkError, match=r"expected 3 values \(one per neuron\), got 2"):
        neuron("if", 3, bias=[1, 2])
    with pytest.raises(NetworkError, match="an IF neuron has decay_v = 0"):
        neuron("if", 1, decay_v=0.1)
    with pytest.raises(NetworkError, match="reset_offset: 5 found, expected 0..3"):
        neuron("if", 1, reset_interval=4, reset_offset=5)


def test_network_errors():
    a = Population("in", (3,))
    b = Population("h", (2,), neuron("if", 2))
    with pytest.raises(NetworkError, match=r"projection 'w': dense weight has shape \(3, 2\), "
                                           r"expected \(target size, source size\) = \(2, 3\)"):
        Network("n", (a, b), (projection("w", "in", "h", "dense", np.ones((3, 2))),), input="in")
    with pytest.raises(NetworkError, match="target population 'x' not found"):
        Network("n", (a, b), (projection("w", "in", "x", "dense", np.ones((2, 3))),), input="in")
    with pytest.raises(NetworkError, match="targets the input population 'in'"):
        Network("n", (a, b), (projection("w", "h", "in", "dense", np.ones((3, 2))),), input="in")
    with pytest.raises(NetworkError, match="tgt index 5 is outside population 'h'"):
        Network("n", (a, b), (projection("w", "in", "h", "sparse", [1], src=[0], tgt=[5]),),
                input="in")
    with pytest.raises(NetworkError, match="delays are whole ticks >= 1"):
        projection("w", "in", "h", "dense", np.ones((2, 3)), delay=0)
    with pytest.raises(NetworkError, match="readout population 'zz' not found"):
        Network("n", (a, b), (), input="in", readout=Readout("zz"))
    with pytest.raises(NetworkError, match="population name 'h' is used twice"):
        Network("n", (a, b, b), (), input="in")


def _through(syn, x, size):
    """The weighted sums that synapses ``(src, tgt, weight)`` make of input ``x``."""
    si, ti, wt = syn
    got = np.zeros(size, np.int64)
    np.add.at(got, ti, wt * x.reshape(-1)[si])
    return got


def test_conv_and_pool_synapses_match_a_direct_correlation(rng):
    """Expanded conv2d synapses give the same output as a direct loop over the definition."""
    c_in, h, w, c_out, k, s, p = 3, 7, 6, 4, 3, 2, 1
    weight = rng.integers(-5, 6, size=(c_out, c_in, k, k))
    ho, wo = (h + 2 * p - k) // s + 1, (w + 2 * p - k) // s + 1
    src_pop, tgt_pop = Population("a", (c_in, h, w)), Population("b", (c_out, ho, wo),
                                                                 neuron("if", c_out * ho * wo))
    proj = projection("c", "a", "b", "conv2d", weight, stride=s, padding=p)
    Network("n", (src_pop, tgt_pop), (proj,), input="a")
    x = rng.integers(0, 3, size=(c_in, h, w))
    got = _through(synapses(proj, src_pop, tgt_pop), x, tgt_pop.size)
    xp = np.pad(x, ((0, 0), (p, p), (p, p)))
    want = np.zeros((c_out, ho, wo), np.int64)
    for co in range(c_out):
        for oy in range(ho):
            for ox in range(wo):
                want[co, oy, ox] = np.sum(weight[co] * xp[:, oy * s:oy * s + k, ox * s:ox * s + k])
    np.testing.assert_array_equal(got, want.reshape(-1))
    pool = projection("p", "a", "q", "sumpool2d", 1, kernel=2, stride=2)
    q = Population("q", (c_in, h // 2, w // 2), neuron("if", c_in * (h // 2) * (w // 2)))
    Network("n", (src_pop, q), (pool,), input="a")
    si, ti, wt = synapses(pool, src_pop, q)
    got = np.zeros(q.size, np.int64)
    np.add.at(got, ti, wt * x.reshape(-1)[si])
    want = x[:, :h // 2 * 2, :w // 2 * 2].reshape(c_in, h // 2, 2, w // 2, 2).sum(axis=(2, 4))
    np.testing.assert_array_equal(got, want.reshape(-1))


def test_grouped_dilated_conv_synapses_match_a_direct_correlation(rng):
    """Groups, dilation and padding: the expansion against the definition, sorted by
    (source, target); unsorted, the same synapses."""
    c_in, h, w, c_out, k, s, p, d, g = 4, 9, 8, 6, 2, 1, 2, 2, 2
    weight = rng.integers(-5, 6, size=(c_out, c_in // g, k, k))
    ho, wo = (h + 2 * p - d * (k - 1) - 1) // s + 1, (w + 2 * p - d * (k - 1) - 1) // s + 1
    src_pop = Population("a", (c_in, h, w))
    tgt_pop = Population("b", (c_out, ho, wo), neuron("if", c_out * ho * wo))
    proj = projection("c", "a", "b", "conv2d", weight, stride=s, padding=p, dilation=d,
                      groups=g)
    x = rng.integers(0, 3, size=(c_in, h, w))
    si, ti, wt = synapses(proj, src_pop, tgt_pop)
    got = _through((si, ti, wt), x, tgt_pop.size)
    xp = np.pad(x, ((0, 0), (p, p), (p, p)))
    want = np.zeros((c_out, ho, wo), np.int64)
    per = c_out // g
    for co in range(c_out):
        ins = xp[(co // per) * (c_in // g):(co // per + 1) * (c_in // g)]
        for oy in range(ho):
            for ox in range(wo):
                win = ins[:, oy * s:oy * s + d * (k - 1) + 1:d, ox * s:ox * s + d * (k - 1) + 1:d]
                want[co, oy, ox] = np.sum(weight[co] * win)
    np.testing.assert_array_equal(got, want.reshape(-1))
    key = si * tgt_pop.size + ti
    assert np.all(np.diff(key) > 0)  # sorted by (source, target), each pair once
    su, tu, wu = synapses(proj, src_pop, tgt_pop, sort=False)
    order = np.argsort(su * tgt_pop.size + tu)
    for a, b in ((su, si), (tu, ti), (wu, wt)):
        np.testing.assert_array_equal(a[order], b)


def test_arrays_are_read_only():
    n = neuron("if", 2, threshold=[1, 2])
    with pytest.raises(ValueError):
        n.threshold[0] = 5


def test_depth_of_a_recurrent_chain_bounds_its_latency():
    """in -> a -> b -> c -> out with a loop c -> a: the longest simple path takes 4 ticks;
    the bound counts the loop's three delays once: 1 + 3 + 1 = 5."""
    from neuroemu.ir.graph import depth_ticks

    pops = [Population("in", (1,))] + [Population(k, (1,), neuron("if", 1))
                                       for k in ("a", "b", "c", "out")]
    edges = [("in", "a"), ("a", "b"), ("b", "c"), ("c", "out"), ("c", "a")]
    projs = tuple(projection(f"{s}{t}", s, t, "dense", [[1]]) for s, t in edges)
    assert depth_ticks(Network("loop", tuple(pops), projs, input="in")) == 5
    chain = tuple(p for p in projs if p.name != "ca")
    assert depth_ticks(Network("chain", tuple(pops), chain, input="in")) == 4


def _depth_by_networkx(net) -> int:
    """depth_ticks as networkx computes it: the condensation of the population graph, each
    component split into an entry and an exit joined by its internal delays, and the
    longest path of that DAG."""
    import networkx as nx

    from neuroemu.ir.graph import population_graph

    g = population_graph(net)
    cond = nx.condensation(g)
    members = cond.graph["mapping"]
    dag = nx.DiGraph()
    for c in cond.nodes:
        dag.add_edge(("in", c), ("out", c), weight=sum(
            d for a, b, d in g.edges(data="delay") if members[a] == members[b] == c))
    for a, b, d in g.edges(data="delay"):
        ca, cb = members[a], members[b]
        if ca != cb:
            old = dag.get_edge_data(("out", ca), ("in", cb), {"weight": d})["weight"]
            dag.add_edge(("out", ca), ("in", cb), weight=max(d, old))
    return int(nx.dag_longest_path_length(dag, weight="weight"))


@pytest.mark.parametrize("seed", range(40))
def test_depth_is_networkxs_longest_path_over_loops_collapsed(seed):
    """On random population graphs: chains, loops, self-loops, projections in parallel,
    populations nothing reaches."""
    from neuroemu.ir.graph import depth_ticks

    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 9))
    pops = [Population("in", (2,))] + [Population(f"p{i}", (2,), neuron("if", 2))
                                       for i in range(1, n)]
    projs = []
    for k in range(int(rng.integers(0, 3 * n))):
        a, b = rng.integers(0, n, 2)
        if b == 0:
            continue
        projs.append(projection(f"w{k}", pops[a].name, pops[b].name, "dense",
                                np.ones((2, 2), np.int64), delay=int(rng.integers(1, 6))))
    net = Network("g", tuple(pops), tuple(projs), input="in")
    assert depth_ticks(net) == _depth_by_networkx(net)


def test_depth_of_a_long_chain_with_a_loop_back():
    """2,000 populations in a chain, the last feeding the second: no recursion limit, and
    the loop's delays counted once (1 from the input, then 1,999 around the loop)."""
    from neuroemu.ir.graph import depth_ticks

    n = 2000
    pops = [Population("in", (1,))] + [Population(f"p{i}", (1,), neuron("if", 1))
                                       for i in range(1, n)]
    projs = [projection(f"w{i}", pops[i - 1].name, pops[i].name, "dense", [[1]])
             for i in range(1, n)]
    projs.append(projection("back", pops[-1].name, pops[1].name, "dense", [[1]]))
    assert depth_ticks(Network("chain", tuple(pops), tuple(projs), input="in")) == n
