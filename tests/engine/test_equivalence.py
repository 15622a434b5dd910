"""The event engine against the dense reference, bit for bit, on random networks."""

from __future__ import annotations

import sys

import numpy as np
import pytest
from randnet import random_case

from neuroemu.engine import make_stimulus, simulate
from neuroemu.hw import load_profile
from neuroemu.inputs.stimulus import Stimulus
from neuroemu.ir import Network, Population, neuron, projection
from neuroemu.mapping import map_network

FIELDS = ("spike_tick", "spike_neuron", "spike_value", "v", "u", "refractory", "count",
          "v_sum", "probe_v", "probe_u")


def assert_same(a, b):
    for f in FIELDS:
        np.testing.assert_array_equal(getattr(a, f), getattr(b, f), err_msg=f)
    for k in a.counters:
        np.testing.assert_array_equal(a.counters[k], b.counters[k], err_msg=f"counter {k}")
    assert set(a.per_tick) == set(b.per_tick)
    for k in a.per_tick:
        assert a.per_tick[k].shape == b.per_tick[k].shape, k
        for f in ("tick", "core", "value"):
            np.testing.assert_array_equal(getattr(a.per_tick[k], f), getattr(b.per_tick[k], f),
                                          err_msg=f"per tick {k}: {f}")
    assert a.first_overflow == b.first_overflow
    assert a.ticks == b.ticks


def assert_engines_agree(seeds, threads=1, **case):
    """``threads`` > 1: the event engine spreads every tick's delivery and every whole
    update over that many threads, however little the work (``thread_min`` 0)."""
    spread = {"threads": 1} if threads == 1 else {"threads": threads, "thread_min": (0, 0, 0)}
    for seed in seeds:
        cfg, stim, ticks = random_case(np.random.default_rng(seed), **case)
        probes = np.arange(cfg.n_neurons)[-3:]
        ref = simulate(cfg, stim, ticks, engine="reference", probes=probes)
        ev = simulate(cfg, stim, ticks, engine="event", probes=probes, **spread)
        try:
            assert_same(ref, ev)
        except AssertionError as exc:
            raise AssertionError(f"seed {seed} threads {threads} {case}: {exc}") from None


@pytest.mark.parametrize("block", range(10))
def test_event_engine_equals_reference(block):
    """600 seeded random networks: every model and option, delays 1..4, several cores,
    narrow registers that overflow; both engines must agree on everything."""
    assert_engines_agree(range(block * 60, (block + 1) * 60))


@pytest.mark.parametrize("block", range(4))
def test_event_engine_equals_reference_sparse_activity(block):
    """200 more, larger and with little input: the kernel alternates between updating
    many neurons (populations whole) and a few (from a list) and must carry the neurons
    still moving from one way to the other."""
    assert_engines_agree(range(10_000 + block * 50, 10_000 + (block + 1) * 50), sparse=True)


@pytest.mark.parametrize("threads", [2, 3])
@pytest.mark.parametrize("block", range(3))
def test_threads_give_the_reference_bits(block, threads):
    """The same random networks with every tick's work spread over 2 and 3 threads (3
    parts on this machine's 2 cores): cut by core and by neuron range, merged in order."""
    assert_engines_agree(range(block * 60, (block + 1) * 60), threads=threads)
    assert_engines_agree(range(10_000 + block * 20, 10_000 + (block + 1) * 20),
                         threads=threads, sparse=True)


def test_threads_at_their_defaults_give_one_threads_bits():
    """A network large enough for the default thresholds (a tick's delivery and its
    populations' whole updates spread over threads), run with 1 and with 2 threads."""
    rng = np.random.default_rng(7)
    n, n_in, k = 40_000, 2_000, 40
    src, tgt = np.repeat(np.arange(n_in), k), rng.integers(0, n, n_in * k)
    rsrc, rtgt = np.repeat(np.arange(n), 4), rng.integers(0, n, 4 * n)
    net = Network("big", (Population("in", (n_in,)),
                          Population("lif", (n,), neuron("lif", n, threshold=900,
                                                         decay_v=0.05, where="lif"))),
                  (projection("a", "in", "lif", "sparse", rng.integers(-50, 400, src.size),
                              src=src, tgt=tgt),
                   projection("r", "lif", "lif", "sparse", rng.integers(-300, 300, rsrc.size),
                              src=rsrc, tgt=rtgt, delay=2)), input="in")
    cfg = map_network(net, "generic")
    hits = rng.random((60, n_in)) < 0.5
    stim = make_stimulus(*np.nonzero(hits), n_in)
    one = simulate(cfg, stim, 60, threads=1)
    two = simulate(cfg, stim, 60, threads=2)
    assert one.spike_tick.size > 1000  # busy enough to be spread
    assert_same(one, two)


@pytest.mark.parametrize("leak", [0, 0.02])
def test_a_population_updated_whole_then_listed_gets_its_scattered_input(leak):
    """A population updated whole at one tick and by a list at the next: its scattered
    input of that next tick is added without a list (it was whole) and must still be
    found. Tick 0 looks at every neuron (whole); input then comes now and then to a few."""
    rng = np.random.default_rng(3)
    n, n_in = 640, 8
    src = np.repeat(np.arange(n_in), 3)
    tgt = rng.choice(n, src.size, replace=False)
    kind = "lif" if leak else "if"
    extra = {"decay_v": leak} if leak else {}
    net = Network("quiet", (Population("in", (n_in,)),
                            Population("h", (n,), neuron(kind, n, threshold=5, where="h",
                                                         **extra))),
                  (projection("a", "in", "h", "sparse", np.full(src.size, 2), src=src,
                              tgt=tgt),), input="in")
    cfg = map_network(net, "generic")
    tick = np.array([0, 0, 1, 5, 5, 6, 9, 20, 21, 22])
    stim = make_stimulus(tick, rng.integers(0, n_in, tick.size), n_in)
    ev = simulate(cfg, stim, 30, threads=1)
    assert ev.total("neuron_updates") > 0
    assert_same(simulate(cfg, stim, 30, engine="reference"), ev)


@pytest.mark.parametrize("refractory", [0, 2])
def test_a_population_updated_whole_saturates_at_both_bounds(refractory):
    """A dense projection reaches every neuron at most ticks (the population is updated
    whole) and pushes its membranes past both ends of an 8-bit saturating register, as
    does the bias alone at a tick without input (the register does not move, but it
    overflowed); some neurons fire, those with threshold 127 never can (and are driven
    up). Registers at every tick, spikes, overflow counts and the first overflow as the
    reference, on one thread and spread over two."""
    rng = np.random.default_rng(11)
    n, n_in, ticks = 48, 4, 40
    threshold = rng.integers(60, 128, n)
    weight = rng.integers(-120, 121, (n, n_in))
    threshold[:6], weight[:6] = 127, rng.integers(60, 121, (6, n_in))
    net = Network("sat", (Population("in", (n_in,)),
                          Population("h", (n,), neuron("lif", n, threshold=threshold,
                                                       bias=rng.integers(-30, 31, n),
                                                       decay_v=0.1, fire_on=">",
                                                       refractory=refractory, where="h"))),
                  (projection("a", "in", "h", "dense", weight),), input="in")
    cfg = map_network(net, load_profile("generic").with_registers(v_bits=8,
                                                                  v_overflow="saturate"))
    stim = make_stimulus(*np.nonzero(rng.random((ticks, n_in)) < 0.3), n_in)
    probes = list(range(n_in, n_in + n))
    ref = simulate(cfg, stim, ticks, engine="reference", probes=probes)
    assert ref.total("overflow_v") > 100 and ref.spike_tick.size > 100
    assert {-127, 127} <= set(ref.probe_v.ravel().tolist())
    assert_same(ref, simulate(cfg, stim, ticks, probes=probes, threads=1))
    assert_same(ref, simulate(cfg, stim, ticks, probes=probes, threads=2,
                              thread_min=(0, 0, 0)))


def spread_whole_case(rng):
    """(config, stimulus, ticks) of a network every tick of which is spread over threads
    whole (engine.event.whole_bounds): LIF and IF populations of 70-300 neurons on cores
    of 37-150 (bounds fall inside cores and populations), a dense projection from the
    input and sparse ones between the populations and back (delays 1-4), parameters per
    neuron or shared, narrow saturating registers that overflow."""
    n_in = int(rng.integers(8, 40))
    pops = [Population("in", (n_in,))]
    for i in range(int(rng.integers(1, 4))):
        n = int(rng.integers(70, 300))
        threshold = rng.integers(40, 128, n) if rng.random() < 0.5 else int(rng.integers(40, 128))
        decay = float(rng.choice([0.0, 0.05, 0.3]))
        pops.append(Population(f"p{i}", (n,), neuron(
            "if" if decay == 0 else "lif", n, threshold=threshold,
            bias=int(rng.integers(-8, 9)), decay_v=decay,
            reset=str(rng.choice(["zero", "subtract"])), fire_on=str(rng.choice([">=", ">"])),
            refractory=int(rng.integers(0, 4)), where=f"p{i}")))
    projs = [projection("d", "in", "p0", "dense",
                        rng.integers(-60, 90, (pops[1].size, n_in)))]
    for k in range(int(rng.integers(1, 5))):
        a, b = (pops[int(i)] for i in rng.integers(1, len(pops), 2))
        m = int(rng.integers(1, 4)) * a.size
        projs.append(projection(f"s{k}", a.name, b.name, "sparse", rng.integers(-90, 90, m),
                                src=rng.integers(0, a.size, m), tgt=rng.integers(0, b.size, m),
                                delay=int(rng.integers(1, 5))))
    net = Network("spread", tuple(pops), tuple(projs), input="in")
    prof = load_profile("generic").with_registers(
        v_bits=int(rng.integers(8, 12)), v_overflow="saturate",
        neurons_per_core=int(rng.integers(37, 150)))
    ticks = int(rng.integers(20, 60))
    stim = make_stimulus(*np.nonzero(rng.random((ticks, n_in)) < 0.3), n_in)
    return map_network(net, prof), stim, ticks


@pytest.mark.parametrize("block", range(4))
def test_ticks_spread_whole_over_threads_equal_the_reference(block):
    """Ticks in which every population is updated whole, each thread adding the synapses
    of its own range of neurons (a sparse segment cut where a range ends, a dense row
    cut into slices) and updating them, the fired and overflowed neurons listed per
    range: the same bits as the reference, over two and three threads."""
    from neuroemu.engine.event import kernel_view, whole_bounds

    inside = 0  # cases whose threads' bound is inside a core
    for seed in range(block * 15, (block + 1) * 15):
        cfg, stim, ticks = spread_whole_case(np.random.default_rng(seed))
        bounds = whole_bounds(kernel_view(cfg), 2)
        assert bounds.size == 3, seed
        inside += int(cfg.core_of[bounds[1] - 1] == cfg.core_of[bounds[1]])
        probes = np.arange(cfg.n_neurons)[-3:]
        ref = simulate(cfg, stim, ticks, engine="reference", probes=probes)
        assert ref.spike_tick.size > 0, seed
        for threads in (2, 3):
            try:
                assert_same(ref, simulate(cfg, stim, ticks, probes=probes, threads=threads,
                                          thread_min=(0, 0, 0)))
            except AssertionError as exc:
                raise AssertionError(f"seed {seed} threads {threads}: {exc}") from None
    assert inside >= 8


def _forked_run(queue, seed):
    cfg, stim, ticks = random_case(np.random.default_rng(seed))
    res = simulate(cfg, stim, ticks, threads=2, thread_min=(0, 0, 0))
    queue.put((res.spike_tick.tolist(), res.spike_neuron.tolist(), res.v.tolist()))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fork")
def test_a_process_forked_after_a_run_runs_on_one_thread():
    """numba's thread pool, started by a run, cannot run in a process forked from this
    one (GNU OpenMP ends it): a forked process asking for threads runs on one, and gives
    the same bits."""
    import multiprocessing

    seed = 5
    cfg, stim, ticks = random_case(np.random.default_rng(seed))
    here = simulate(cfg, stim, ticks, threads=2, thread_min=(0, 0, 0))
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    proc = ctx.Process(target=_forked_run, args=(queue, seed))
    proc.start()
    try:
        got = queue.get(timeout=120)
    finally:
        proc.join(timeout=30)
    assert proc.exitcode == 0
    assert got == (here.spike_tick.tolist(), here.spike_neuron.tolist(), here.v.tolist())


def test_random_cases_exercise_the_features():
    """The random cases must actually reach spikes, reverse spikes, overflow, skipped
    updates and packets between chips, or the equivalence test would prove little."""
    seen = dict(spikes=0, negative=0, overflow_v=0, overflow_u=0, skipped=0, cores=0,
                chip_hops=0)
    for seed in range(200):
        cfg, stim, ticks = random_case(np.random.default_rng(seed))
        r = simulate(cfg, stim, ticks)
        seen["spikes"] += r.spike_tick.size > 0
        seen["negative"] += bool(np.any(r.spike_value < 0))
        seen["overflow_v"] += r.total("overflow_v") > 0
        seen["overflow_u"] += r.total("overflow_u") > 0
        n_neurons = cfg.n_neurons - cfg.network.population("in").size
        seen["skipped"] += r.total("neuron_updates") < n_neurons * ticks
        seen["cores"] += cfg.n_cores >= 3
        seen["chip_hops"] += r.total("chip_hops") > 0
    assert all(v >= 10 for v in seen.values()), seen


def test_chunked_and_streamed_runs_equal_one_run(rng):
    """Kernel calls of any length, and input given as a stream of chunks, change nothing."""
    for _ in range(20):
        cfg, stim, ticks = random_case(rng, max_ticks=60)
        whole = simulate(cfg, stim, ticks)
        for chunk in (1, 7):
            assert_same(whole, simulate(cfg, stim, ticks, chunk_ticks=chunk))
        cut = int(rng.integers(0, ticks + 1))
        parts = [Stimulus(stim.tick[m], stim.channel[m], stim.value[m], stim.n_channels)
                 for m in (stim.tick < cut, stim.tick >= cut)]
        assert_same(whole, simulate(cfg, iter(parts), ticks))


def test_default_ticks_run_to_last_input_plus_drain(rng):
    cfg, stim, _ = random_case(rng)
    r = simulate(cfg, stim, None, drain_ticks=5)
    assert r.ticks == max(stim.last_tick + 1 + 5, 1)


def test_quiet_neurons_cost_nothing():
    """Neurons that receive nothing and have no bias are never updated (after tick 0)."""
    from neuroemu.ir import Network, Population, neuron, projection
    from neuroemu.mapping import map_network

    n = 1000
    net = Network("quiet", (Population("in", (1,)),
                            Population("a", (n,), neuron("lif", n, threshold=10, decay_v=0.5))),
                  (projection("w", "in", "a", "sparse", [20], src=[0], tgt=[7]),), input="in")
    cfg = map_network(net, "generic")
    r = simulate(cfg, make_stimulus([3], [0], 1), 100)
    # tick 4: neuron 7 gets 20 and fires; it is back at 0 at once, so nothing else changes
    assert r.total("neuron_updates") == 1
    np.testing.assert_array_equal(r.spike_tick, [4])
    np.testing.assert_array_equal(r.spike_neuron, [1 + 7])


def test_spike_record_grows_past_its_first_block():
    """700 neurons firing every tick for 120 ticks: 84,000 spikes, past the first block."""
    from neuroemu.ir import Network, Population, neuron
    from neuroemu.mapping import map_network

    n = 700
    net = Network("busy", (Population("a", (n,), neuron("if", n, threshold=3, bias=3)),), ())
    cfg = map_network(net, "generic")
    ev = simulate(cfg, None, 120)
    assert ev.spike_tick.size == n * 120
    assert_same(simulate(cfg, None, 120, engine="reference"), ev)


def test_queue_that_cannot_fit_memory_is_refused():
    from neuroemu.errors import MappingError
    from neuroemu.ir import Network, Population, neuron, projection
    from neuroemu.mapping import map_network

    n = 400
    net = Network("slow", (Population("in", (n,)), Population("a", (n,), neuron("if", n))),
                  (projection("w", "in", "a", "sparse", np.ones(n, np.int64), src=np.arange(n),
                              tgt=np.arange(n), delay=10**6),), input="in")
    with pytest.raises(MappingError, match="delays up to 1000000 ticks over 400 fan-out groups "
                                           r"need a 6.0 GiB spike queue"):
        simulate(map_network(net, "generic"), None, 5)


def test_per_tick_counters_take_four_bytes(rng):
    """Per-tick, per-core counts fit int32 (a synapse delivers at most once a tick), which
    halves the memory of long runs; the values equal the reference's int64 ones."""
    cfg, stim, ticks = random_case(rng)
    ev = simulate(cfg, stim, ticks)
    assert all(a.value.dtype == np.int32 for a in ev.per_tick.values())
    assert_same(simulate(cfg, stim, ticks, engine="reference"), ev)


def test_kernel_tables_take_the_narrowest_type_that_holds_them():
    from neuroemu.engine.event import SMALL, narrow

    assert narrow(np.array([-32768, 32767]), SMALL).dtype == np.int16
    assert narrow(np.array([-32769, 5]), SMALL).dtype == np.int32
    assert narrow(np.array([0, 2**31]), SMALL).dtype == np.int64
    assert narrow(np.array([-1, 2**31 - 1])).dtype == np.int32
    assert narrow(np.zeros(0, np.int64)).dtype == np.int32


def test_a_population_whose_neurons_share_their_parameters_is_marked_so():
    """A whole update reads one threshold, bias, leak and decay for a population whose
    neurons share them (``P_SHARED``), each neuron's otherwise; one neuron apart in any
    of them is enough to read them all. A population none of whose neurons decays
    (``P_STILL``: IF neurons, whatever else they share) is updated without the multiply.
    (That every way gives the reference's bits is checked on the random networks above
    and below.)"""
    from neuroemu.engine.event import kernel_view
    from neuroemu.engine.kernels.columns import P_SHARED, P_STILL, Q_PARAMS

    def params(model="lif", **one_apart):
        params = {"threshold": np.full(64, 40), "bias": np.zeros(64, int)}
        if model == "lif":
            params["decay_v"] = np.full(64, 0.1)
        for name, value in one_apart.items():
            params[name][17] = value
        net = Network("s", (Population("in", (4,)),
                            Population("h", (64,), neuron(model, 64, where="h", **params))),
                      (projection("a", "in", "h", "dense", np.ones((64, 4), int)),),
                      input="in")
        return kernel_view(map_network(net, "generic")).ppar[1, Q_PARAMS]

    assert params() == P_SHARED
    assert params(threshold=41) == 0
    assert params(bias=3) == 0
    assert params(decay_v=0.2) == 0
    assert params(decay_v=0.0) == 0  # one neuron that does not decay among many that do
    assert params("if") == P_SHARED | P_STILL
    assert params("if", threshold=41) == P_STILL
    assert params("if", bias=3) == P_STILL


@pytest.mark.parametrize("threads", [1, 2])
def test_if_neurons_updated_without_the_multiply_give_the_reference_bits(threads):
    """Busy IF populations, one sharing its parameters and one with a threshold and bias
    for each neuron, both updated whole without the multiply (``P_STILL``), on 16-bit
    registers that saturate, with refractory periods and reset by subtraction: the same
    bits as the reference, on one thread and spread over two."""
    from neuroemu.engine.event import kernel_view
    from neuroemu.engine.kernels.columns import P_STILL, Q_PARAMS

    rng = np.random.default_rng(5)
    n, n_in, ticks = 300, 20, 80
    pops = [Population("in", (n_in,))]
    projs = []
    for name, thr, bias in (("a", np.full(n, 300), np.zeros(n, int)),
                            ("b", rng.integers(100, 600, n), rng.integers(-20, 30, n))):
        pops.append(Population(name, (n,), neuron("if", n, threshold=thr, bias=bias,
                                                   refractory=2, reset="subtract",
                                                   where=name)))
        projs.append(projection(f"w{name}", "in", name, "dense",
                                rng.integers(-900, 1500, (n, n_in))))
    net = Network("still", tuple(pops), tuple(projs), input="in")
    cfg = map_network(net, load_profile("generic").with_registers(v_bits=16,
                                                                  v_overflow="saturate"))
    assert (kernel_view(cfg).ppar[1:, Q_PARAMS] & P_STILL).all()
    stim = make_stimulus(*np.nonzero(rng.random((ticks, n_in)) < 0.3), n_in)
    ref = simulate(cfg, stim, ticks, engine="reference")
    assert ref.total("overflow_v") > 0 and ref.spike_counts()["b"] > 500
    assert_same(ref, simulate(cfg, stim, ticks, threads=threads, thread_min=(0, 0, 0)))


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("bits", [32, 24])
def test_lif_registers_past_the_narrow_bound_give_the_reference_bits(bits, threads):
    """LIF populations updated whole: one whose v goes past the narrow
    update's bound (kernels.columns.NARROW_V) while its input lasts and decays back
    within it after (the narrow form at some ticks, the full one at others), and one
    neuron whose tick input leaves too little room for the narrow form at all
    (engine.event.narrow_bound), driven to where v plus its input leaves int32: the same
    bits as the reference, on one thread and spread over two; on 32-bit registers, and on
    24-bit ones, whose sums must be clamped (never the narrow form)."""
    from neuroemu.engine.event import narrow_bound
    from neuroemu.engine.kernels.columns import NARROW_V

    rng = np.random.default_rng(11)
    n, n_in, ticks = 200, 10, 120
    prof = load_profile("generic").with_registers(v_bits=bits, max_weight_exp=24)
    # b's tick input is at most 2**31 - 2**18: the narrow form only for |v| < 2**18, and
    # v of 2**18 or more plus both weights leaves int32
    w_wide = np.zeros((1, n_in), np.int64)
    w_wide[0, :2] = (2**13 - 2) << 18, 1 << 18
    pops = (Population("in", (n_in,)),
            Population("a", (n,), neuron("lif", n, threshold=rng.integers(400_000, 900_000, n),
                                         decay_v=0.25, refractory=1, reset="subtract",
                                         where="a")),
            Population("b", (1,), neuron("lif", 1, threshold=1 << (bits - 2), decay_v=0.01,
                                         where="b")))
    projs = (projection("wa", "in", "a", "dense", rng.integers(-2500, 5600, (n, n_in)) << 4),
             projection("wb", "in", "b", "dense", w_wide))
    net = Network("narrow", pops, projs, input="in")
    cfg = map_network(net, prof)
    hits = rng.random((ticks, n_in)) < 0.4
    hits[60:] = False  # then v decays back within the bound
    stim = make_stimulus(*np.nonzero(hits), n_in)
    ref = simulate(cfg, stim, ticks, engine="reference", probes=np.arange(n_in, n_in + n + 1))
    seen = np.abs(ref.probe_v[:, :n]).max(axis=1)
    assert seen.max() > NARROW_V  # the full form at some ticks, the narrow at others
    assert ((seen[60:] > 0) & (seen[60:] <= NARROW_V)).sum() > 10
    assert ref.probe_v[:, n].max() > NARROW_V and ref.total("overflow_v") > 0  # b saturates
    assert narrow_bound(cfg) == ((1 << 18) - 1 if bits == 32 else -1)
    assert ref.spike_counts()["a"] > 100
    assert_same(ref, simulate(cfg, stim, ticks, threads=threads, thread_min=(0, 0, 0),
                              probes=np.arange(n_in, n_in + n + 1)))


def test_a_streamed_chunk_of_larger_values_narrows_the_narrow_update():
    """Input streamed in chunks, the first of values 1 and a later one of values 2: the
    narrow update's bound (engine.event.narrow_bound) falls from NARROW_V to 2**18 - 1
    for the second chunk, where v, between the two, plus the doubled input leaves int32
    (the narrow form would wrap). The run equals the reference."""
    from neuroemu.engine.event import narrow_bound
    from neuroemu.engine.kernels.columns import NARROW_V

    prof = load_profile("generic").with_registers(v_bits=32, max_weight_exp=24)
    w = np.array([[(2**13 - 2) << 17, 1 << 17]])  # a tick's input at most 2**30 - 2**17
    net = Network("doubled", (Population("in", (2,)), Population(
        "b", (1,), neuron("lif", 1, threshold=1 << 30, decay_v=0.01))),
        (projection("w", "in", "b", "dense", w),), input="in")
    cfg = map_network(net, prof)
    assert narrow_bound(cfg, 1) == NARROW_V and narrow_bound(cfg, 2) == (1 << 18) - 1
    ones = make_stimulus([0, 1, 2], [1, 1, 1], 2)
    twos = make_stimulus([10, 10], [0, 1], 2, value=[2, 2])
    whole = make_stimulus([0, 1, 2, 10, 10], [1, 1, 1, 0, 1], 2, value=[1, 1, 1, 2, 2])
    ref = simulate(cfg, whole, 14, engine="reference", probes=[2])
    assert (1 << 18) < ref.probe_v[10, 0] <= NARROW_V  # v when the doubled input comes
    assert ref.total("overflow_v") > 0  # v plus it passes 2**31 - 1
    assert_same(ref, simulate(cfg, iter([ones, twos]), 14, probes=[2]))


@pytest.mark.parametrize(("shift", "dtype"), [(0, np.int16), (8, np.int32), (24, np.int64)])
def test_weights_of_every_width_give_the_reference_bits(rng, shift, dtype):
    """Weights stored in 2, 4 and 8 bytes (16-bit mantissas shifted by 0, 8 and 24 bits):
    the same spikes, registers and counters as the reference, which computes on int64."""
    from neuroemu.engine.event import kernel_view
    from neuroemu.hw import load_profile
    from neuroemu.ir import Network, Population, neuron, projection
    from neuroemu.mapping import map_network

    prof = load_profile("generic").with_registers(v_bits=32, w_bits=16, max_weight_exp=24,
                                                  neurons_per_core=3)
    n_in, n = 4, 7
    w = rng.integers(-(1 << 15), 1 << 15, size=(n, n_in))
    w[0, 0] = -(1 << 15)
    net = Network("wide", (Population("in", (n_in,)), Population(
        "a", (n,), neuron("if", n, threshold=1 << 30, v_min=-(1 << 30)))),
        (projection("w", "in", "a", "dense", w << shift),), input="in")
    cfg = map_network(net, prof)
    assert kernel_view(cfg).syn_w.dtype == dtype
    stim = make_stimulus(rng.integers(0, 30, 60), rng.integers(0, n_in, 60), n_in)
    assert_same(simulate(cfg, stim, 30, engine="reference"), simulate(cfg, stim, 30))


def _two_into_one():
    """Two input channels into one IF neuron by weights -3 and -5 (at most 8 a tick from
    spikes of value 1), whose saturating 32-bit register stops at -(2**31 - 1)."""
    prof = load_profile("generic").with_registers(v_bits=32)
    net = Network("two", (Population("in", (2,)), Population(
        "a", (1,), neuron("if", 1, threshold=(1 << 31) - 1, v_min=-(1 << 31)))),
        (projection("w", "in", "a", "dense", np.array([[-3, -5]])),), input="in")
    return map_network(net, prof)


def test_accumulators_are_int32_only_while_no_tick_can_overflow_them():
    """A neuron gathers at most (sum of its weights' magnitudes) x (largest spike value)
    in a tick: int32 accumulators below 2**31, int64 from there, and the same bits as
    the reference either way (there, -8 x (2**28 + 1) reaches the neuron in one tick: an
    int32 accumulator would wrap around to 2**31 - 8, and the neuron would fire instead
    of saturating)."""
    from neuroemu.engine.event import accumulator_type, tick_input_bound

    cfg = _two_into_one()
    assert tick_input_bound(cfg) == 8
    below, at = ((1 << 31) - 1) // 8, (1 << 28) + 1
    assert accumulator_type(cfg, below) == np.int32
    assert accumulator_type(cfg, at) == np.int64
    assert accumulator_type(cfg, 1, plastic=True) == np.int64
    for value in (below, at):
        stim = make_stimulus([0, 0, 3], [0, 1, 1], 2, value=[value, value, 1])
        ref = simulate(cfg, stim, 5, engine="reference", probes=[2])
        ev = simulate(cfg, stim, 5, probes=[2])
        assert_same(ref, ev)
        assert ref.probe_v[1, 0] == max(-8 * value, 1 - (1 << 31))  # a synapse's delay: 1


def test_a_streamed_chunk_of_large_values_widens_the_accumulators():
    """Input streamed in chunks, the first of small values and a later one whose values
    would overflow an int32 accumulator: the accumulators are widened for it, and the run
    equals the reference."""
    cfg = _two_into_one()
    small = make_stimulus([0, 1], [0, 1], 2)
    big = (1 << 28) + 1
    large = make_stimulus([4, 4], [0, 1], 2, value=[big, big])
    whole = make_stimulus([0, 1, 4, 4], [0, 1, 0, 1], 2, value=[1, 1, big, big])
    ref = simulate(cfg, whole, 7, engine="reference", probes=[2])
    ev = simulate(cfg, iter([small, large]), 7, probes=[2])
    assert_same(ref, ev)
    assert ref.probe_v[5, 0] == 1 - (1 << 31)


@pytest.mark.parametrize("seed", range(3))
def test_spikes_and_overflows_found_after_a_whole_update(seed):
    """After a whole update the kernel finds the neurons that fired or overflowed from
    their flags: 64 at a time, listed before their spikes are queued, and stops at the
    last. A population of 1,000 on cores of 500 (runs that start and end inside
    a block of 64), with ticks where a few neurons fire and ticks where many do, and neurons
    that overflow an 8-bit register without ever firing: the same bits as the
    reference, on one thread and spread over two."""
    rng = np.random.default_rng(seed)
    n, n_in, ticks = 1000, 5, 60
    threshold = np.full(n, 100)
    weight = rng.integers(-20, 40, (n, n_in))
    never = rng.choice(n, 9, replace=False)  # driven past the register, cannot fire
    threshold[never], weight[never] = 127, rng.integers(70, 121, (never.size, n_in))
    net = Network("flags", (Population("in", (n_in,)),
                            Population("h", (n,), neuron("lif", n, threshold=threshold,
                                                         decay_v=0.3, fire_on=">", where="h"))),
                  (projection("a", "in", "h", "dense", weight),), input="in")
    cfg = map_network(net, load_profile("generic").with_registers(
        v_bits=8, v_overflow="saturate", neurons_per_core=500))
    rate = np.where(np.arange(ticks) % 10 < 7, 0.1, 0.9)[:, None]  # few fire, then many
    stim = make_stimulus(*np.nonzero(rng.random((ticks, n_in)) < rate), n_in)
    ref = simulate(cfg, stim, ticks, engine="reference")
    fired = np.bincount(ref.spike_tick, minlength=ticks)
    assert (fired[1:] <= 14).sum() > 10 and fired.max() > 200  # sparse ticks and busy ones
    assert ref.total("overflow_v") > 50 and not np.isin(ref.spike_neuron, never + n_in).any()
    assert_same(ref, simulate(cfg, stim, ticks, threads=1))
    assert_same(ref, simulate(cfg, stim, ticks, threads=2, thread_min=(0, 0, 0)))


@pytest.mark.parametrize(("reset", "refractory", "rounding", "floor"),
                         [("none", 0, "toward_zero", None), ("none", 2, "floor", -(1 << 30)),
                          ("subtract", 0, "floor", None), ("zero", 3, "toward_zero", None)])
def test_a_32_bit_register_updated_whole_in_int32_saturates_at_both_bounds(reset, refractory,
                                                                           rounding, floor):
    """A busy population of saturating 32-bit registers (int32 registers, updated whole in
    int32 arithmetic: engine.event.register_type) driven past both ends by input of
    2**27 a synapse: v plus the input leaves int32 and must saturate, decay products of
    v near its bound do not fit in 32 bits; every reset and rounding, with and without a
    refractory period and a floor. The reference's bits, on one thread and spread over
    two."""
    from neuroemu.engine.event import register_type

    rng = np.random.default_rng(5)
    n, n_in, ticks = 64, 6, 50
    weight = rng.choice([-1, 1], (n, n_in)) * (1 << 27)
    net = Network("wide32", (Population("in", (n_in,)), Population(
        "h", (n,), neuron("lif", n, threshold=(1 << 31) - 2, reset=reset, v_min=floor,
                          refractory=refractory, decay_v=rng.choice([0.0, 0.001, 0.01], n),
                          where="h"))),
        (projection("a", "in", "h", "dense", weight),), input="in")
    cfg = map_network(net, load_profile("generic").with_registers(
        v_bits=32, v_overflow="saturate", rounding=rounding))
    assert register_type(cfg) == np.int32
    stim = make_stimulus(*np.nonzero(rng.random((ticks, n_in)) < 0.8), n_in)
    probes = list(range(n_in, n_in + n))
    ref = simulate(cfg, stim, ticks, engine="reference", probes=probes)
    assert ref.total("overflow_v") > 100 and ref.spike_tick.size > 20
    assert (floor or 1 - (1 << 31)) in ref.probe_v
    if reset == "none":
        assert (1 << 31) - 1 in ref.probe_v
    assert_same(ref, simulate(cfg, stim, ticks, probes=probes, threads=1))
    assert_same(ref, simulate(cfg, stim, ticks, probes=probes, threads=2,
                              thread_min=(0, 0, 0)))


def test_registers_are_int32_only_while_a_whole_update_fits_in_int32():
    """register_type: int32 for a 32-bit register whose input plus bias, threshold and
    decay leave room; int64 once the threshold plus 1, or a tick's input plus the bias,
    could leave int32 (the accumulators are still int32 there), and for a plastic run.
    Either way a run gives the reference's bits."""
    from neuroemu.engine.event import accumulator_type, register_type

    prof = load_profile("generic").with_registers(v_bits=32)

    def two(threshold, bias):
        net = Network("two", (Population("in", (2,)), Population(
            "a", (1,), neuron("lif", 1, threshold=threshold, decay_v=0.5, bias=bias))),
            (projection("w", "in", "a", "dense", np.array([[-3, -5]])),), input="in")
        return map_network(net, prof)

    top = (1 << 31) - 1
    value = top // 8  # a tick's input: at most 8 x value
    assert register_type(two(top - 1, 0), value) == np.int32
    assert register_type(two(top, 0), value) == np.int64
    cfg = two(top - 1, -8)
    assert accumulator_type(cfg, value) == np.int32
    assert register_type(cfg, value) == np.int64
    assert register_type(cfg, value - 1) == np.int32
    assert register_type(cfg, plastic=True) == np.int64
    for v in (1, value - 1, value):
        stim = make_stimulus([0, 0, 3], [0, 1, 1], 2, value=[v, v, 1])
        assert_same(simulate(cfg, stim, 5, engine="reference", probes=[2]),
                    simulate(cfg, stim, 5, probes=[2]))


def test_a_streamed_chunk_of_large_values_widens_the_registers():
    """Input streamed in chunks, a later one with values whose tick's input plus the bias
    could leave int32 (the accumulators stay int32): the registers are widened for it
    (engine.event.register_type), and the run, which saturates v at both ends of its
    32-bit register, equals the reference."""
    from neuroemu.engine.event import accumulator_type, register_type

    net = Network("two", (Population("in", (2,)), Population(
        "a", (1,), neuron("if", 1, threshold=(1 << 31) - 2, bias=8, reset="none"))),
        (projection("w", "in", "a", "dense", np.array([[3, 5]])),), input="in")
    cfg = map_network(net, load_profile("generic").with_registers(v_bits=32))
    big = ((1 << 31) - 1) // 8
    assert register_type(cfg) == np.int32
    assert register_type(cfg, big) == np.int64 and accumulator_type(cfg, big) == np.int32
    small = make_stimulus([0, 1], [0, 1], 2)
    tick, chan = [4, 4, 5, 7, 7, 8, 8, 9, 9], [0, 1, 0, 0, 1, 0, 1, 0, 1]
    large = make_stimulus(tick, chan, 2, value=[big] * 3 + [-big] * 6)
    whole = make_stimulus([0, 1, *tick], [0, 1, *chan], 2, value=[1, 1] + [big] * 3 + [-big] * 6)
    ref = simulate(cfg, whole, 12, engine="reference", probes=[2])
    assert_same(ref, simulate(cfg, iter([small, large]), 12, probes=[2]))
    assert {1 - (1 << 31), (1 << 31) - 1} <= set(ref.probe_v.ravel().tolist())


def test_int64_registers_give_the_reference_bits(monkeypatch):
    """The random networks with their registers int64 (as any run whose whole update might
    leave int32 has them), every tick's work on one thread and spread over two."""
    from neuroemu.engine import event

    monkeypatch.setattr(event, "register_type", lambda *args, **kwargs: np.int64)
    assert_engines_agree(range(0, 40))
    assert_engines_agree(range(10_000, 10_020), sparse=True)
    assert_engines_agree(range(40, 60), threads=2)
