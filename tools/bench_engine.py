"""Engine speed: synaptic events per second, against the machine's practical limit.

Workloads:

W1  feed-forward crossbar: 1024 inputs -> 1024 -> 1024 -> 10 IF neurons, dense
    int8 weights, Poisson input at 5 % per input per tick, 1000 ticks.
W2  sparse recurrent: 10,000 LIF neurons (80 % excitatory, 20 % inhibitory),
    100 random outgoing synapses each, driven by 1,000 Poisson inputs with 100
    random targets each, 10,000 ticks of 0.1 ms; every neuron decays each tick.

W3  scale: 10^6 LIF neurons and 1.1 x 10^8 synapses with random delays
    (``tools/bench_w3.py``), run in a process of its own: build and map time,
    bytes per synapse of the kernel's tables, events/s and peak memory;
    ``--w3-scale 0.1`` runs a tenth of it, ``0`` none.

For each of W1 and W2 it counts the synaptic events (accumulates) the run delivers and
prints events per second for the event engine, the dense reference engine
(on fewer ticks: it is slow by design) and a numba loop doing the same
accumulate work with nothing else, the practical limit: for W1 adding the same
weight rows for the same spikes (the engine's own int16 weight table, each row into
its targets' accumulators, of the engine's type: int32 unless a tick's input could
overflow it), for W2 scattering each spike's weights into its targets (indexed with
unsigned integers, as the engine's scatter is: numba checks a signed index for
wrapping around, which halved the loop's rate);
the engine and its limit are timed in turns, best of each, so that both see the
same load (for W2 with the engine on the machine's threads too, at its thresholds).
Also the ratio of run time at full input to run time at a tenth of the input
events (cost follows events), on runs of 5,000 ticks so that the set-up of a run
is small beside them, beside the same ratio for ticks that cost nothing but their adds
at the limit's rate and the whole update of their neurons (W1 updates every hidden
neuron every tick, at a tenth of the input too), and how much longer that run's ticks
after tick 0 take beside a million neurons that receive nothing (cost does not follow
neurons).

    python tools/bench_engine.py [--json] [--quick] [--w3-scale S]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from neuroemu.cores import usable_cores
from neuroemu.engine import make_stimulus, simulate
from neuroemu.engine.event import accumulator_type, kernel_view
from neuroemu.hw import load_profile
from neuroemu.ir import Network, Population, Readout, neuron, projection
from neuroemu.mapping import map_network


def feedforward(rng, rate: float, ticks: int, quiet: int = 0, profile="generic"):
    """W1; with ``quiet`` > 0, beside it a LIF population of that many neurons that
    receives nothing."""
    sizes = (1024, 1024, 1024, 10)
    pops = [Population("in", (sizes[0],))]
    projs = []
    for i, n in enumerate(sizes[1:], start=1):
        pops.append(Population(f"l{i}", (n,), neuron("if", n, threshold=6000, v_min=-6000,
                                                     where=f"l{i}")))
        w = rng.integers(-40, 56, size=(n, sizes[i - 1]))
        projs.append(projection(f"w{i}", pops[i - 1].name, pops[i].name, "dense", w))
    if quiet:
        pops.append(Population("quiet", (quiet,), neuron("lif", quiet, threshold=6000,
                                                         decay_v=0.1, where="quiet")))
    net = Network("ff", tuple(pops), tuple(projs), input="in", readout=Readout("l3", "count"))
    hits = rng.random((ticks, sizes[0])) < rate
    tick, chan = np.nonzero(hits)
    return map_network(net, profile), make_stimulus(tick, chan, sizes[0])


def recurrent(rng, ticks: int, n: int = 10_000, k: int = 100, n_ext: int = 1000,
              ext_rate: float = 0.01):
    n_exc = int(0.8 * n)
    src = np.repeat(np.arange(n), k)
    tgt = rng.integers(0, n, size=n * k)
    w = np.where(src < n_exc, 200, -4000)
    esrc = np.repeat(np.arange(n_ext), k)
    etgt = rng.integers(0, n, size=n_ext * k)
    pops = (Population("drive", (n_ext,)),
            Population("lif", (n,), neuron("lif", n, threshold=4000, decay_v=20 / 4096,
                                           refractory=20, where="lif")))
    projs = (projection("ext", "drive", "lif", "sparse", np.full(esrc.size, 420), src=esrc,
                        tgt=etgt),
             projection("rec", "lif", "lif", "sparse", w, src=src, tgt=tgt))
    net = Network("recurrent", pops, projs, input="drive")
    hits = rng.random((ticks, n_ext)) < ext_rate
    tick, chan = np.nonzero(hits)
    return map_network(net, "generic"), make_stimulus(tick, chan, n_ext)


def _by_tick(stim, res, ticks: int):
    """(ptr, src): the sources of the run's spikes (input and neurons), tick by tick:
    tick t's are ``src[ptr[t]:ptr[t + 1]]``."""
    tick = np.concatenate([stim.tick, res.spike_tick])
    order = np.argsort(tick, kind="stable")
    src = np.concatenate([stim.channel, res.spike_neuron])[order]
    return np.searchsorted(tick[order], np.arange(ticks + 1)), src


def _loop_timer(loop, *args):
    """(events, timer) of ``loop(*args, ptr, src)``, which returns the events it added:
    ``timer()`` runs it once and returns its seconds (compiled here, by a call on the
    first tick); ``args`` ends with (ptr, src)."""
    *head, ptr, src = args
    loop(*head, ptr[:2], src)
    events = loop(*head, ptr, src)

    def timer() -> float:
        t0 = time.perf_counter()
        loop(*head, ptr, src)
        return time.perf_counter() - t0

    return events, timer


def in_turns(rounds: int, *timers) -> list:
    """The best seconds of each of ``timers`` (callables returning seconds), run in turns
    ``rounds`` times, so that an engine and its limit see the same load (on a shared
    machine, a ratio of two figures taken a minute apart can be off by half)."""
    best = [np.inf] * len(timers)
    for _ in range(rounds):
        for i, timer in enumerate(timers):
            best[i] = min(best[i], timer())
    return best


def limit_loop(cfg, stim, res, ticks: int) -> tuple:
    """(events, timer) (:func:`_loop_timer`) of a bare numba loop adding the same weight
    rows for the same spikes: each spike's rows as the engine stores them (its table of
    weights, each row as long as the synapses it holds), each into its targets' slice of
    the accumulators."""
    from numba import njit

    @njit(cache=False)
    def accumulate(syn_w, row_ptr, row_k0, row_k1, row_dst, acc, spikes_ptr, spikes_src):
        total = 0
        for t in range(spikes_ptr.size - 1):
            for i in range(spikes_ptr[t], spikes_ptr[t + 1]):
                j = spikes_src[i]
                for r in range(row_ptr[j], row_ptr[j + 1]):
                    k0 = row_k0[r]
                    k1 = row_k1[r]
                    dst = acc[row_dst[r]:row_dst[r] + k1 - k0]
                    w = syn_w[k0:k1]
                    for k in range(w.size):
                        dst[k] += w[k]
                    total += k1 - k0
        return total

    # each neuron's rows: the dense segments of its fan-out groups, where they start in
    # the weight table and in the accumulators
    knet = kernel_view(cfg)
    segs = [np.arange(knet.seg_ptr[knet.grp_ptr[j]], knet.seg_ptr[knet.grp_ptr[j + 1]])
            for j in range(cfg.n_neurons)]
    row_ptr = np.zeros(cfg.n_neurons + 1, np.int64)
    np.cumsum([s.size for s in segs], out=row_ptr[1:])
    seg = np.concatenate(segs).astype(np.int64)
    if np.any(knet.seg_range[seg] < 0):
        raise SystemExit("limit_loop: the workload has scattered synapses; it measures rows")
    row_k0 = knet.syn_ptr[seg].astype(np.int64)
    row_k1 = knet.syn_ptr[seg + 1].astype(np.int64)
    row_dst = knet.range_lo[knet.seg_range[seg]].astype(np.int64)
    return _loop_timer(accumulate, np.asarray(knet.syn_w), row_ptr, row_k0, row_k1, row_dst,
                       np.zeros(cfg.n_neurons, accumulator_type(cfg)),
                       *_by_tick(stim, res, ticks))


def scatter_limit_loop(cfg, stim, res, ticks: int) -> tuple:
    """(events, timer) (:func:`_loop_timer`) of a bare numba loop adding each spike's
    synaptic weights into its targets' accumulators (the sparse workload's accumulate
    work, nothing else)."""
    from numba import njit

    @njit(cache=False)
    def scatter(grp_ptr, seg_ptr, syn_ptr, syn_tgt, syn_w, acc, spikes_ptr, spikes_src):
        total = 0
        for t in range(spikes_ptr.size - 1):
            for i in range(spikes_ptr[t], spikes_ptr[t + 1]):
                j = spikes_src[i]
                for g in range(grp_ptr[j], grp_ptr[j + 1]):
                    k0 = syn_ptr[seg_ptr[g]]
                    k1 = syn_ptr[seg_ptr[g + 1]]
                    # unsigned indices: numba does not check them for wrapping around
                    # (a negative index counts from the end), as the engine's do not
                    for k in range(np.uint64(k0), np.uint64(k1)):
                        acc[np.uint64(syn_tgt[k])] += syn_w[k]
                    total += k1 - k0
        return total

    knet = kernel_view(cfg)
    return _loop_timer(scatter, knet.grp_ptr, knet.seg_ptr, knet.syn_ptr, knet.syn_tgt,
                       knet.syn_w, np.zeros(cfg.n_neurons, accumulator_type(cfg)),
                       *_by_tick(stim, res, ticks))


def thread_limits(threads: int, n: int = 100_000, reps: int = 300) -> dict:
    """What bounds spreading a tick over threads, measured: the cost of one fork and join
    of numba's threads (a spread step with nothing to do), and a whole update of ``n``
    neurons (the kernel's own step) on one thread and spread, with the bytes it moves."""
    from numba import njit

    from neuroemu.engine.kernels import threaded
    from neuroemu.engine.kernels.columns import NARROW_V

    rng = np.random.default_rng(0)
    # as the kernel's tables for such a population (engine.event.register_type): int32
    # registers and accumulators, int32 parameters, int8 flags
    v = rng.integers(-3000, 3000, n).astype(np.int32)
    acc = rng.integers(0, 100, n).astype(np.int32)
    ref = np.zeros(n, np.int32)
    bias, leak = np.zeros(n, np.int32), np.zeros(n, np.int32)
    thr, mulv = np.full(n, 4000, np.int32), np.full(n, 4076, np.int32)
    flags = np.zeros(n, np.int8)
    lo = np.arange(0, n, 4096)
    hi = np.minimum(lo + 4096, n)
    counts = np.zeros((threads, lo.size, 2), np.int64)
    lim = 2**31 - 1  # a saturating 32-bit register
    near = NARROW_V  # v and the input small: the narrow update (engine.event.narrow_bound)

    @njit(cache=False)
    def loop(reps, parts, size, arrays, flags, counts):
        lo, hi, thr, bias, leak, mulv, v, ref, acc = arrays
        for _ in range(reps):
            threaded.update_whole(parts, 0, size, 0, lo.size, lo, hi, False, thr, bias, leak,
                                  mulv, v, ref, acc, flags, -lim, lim, -lim, 0, 1, 0, True,
                                  near, counts)

    arrays = (lo, hi, thr, bias, leak, mulv, v, ref, acc)

    def per_call(parts, size):
        loop(1, parts, size, arrays, flags, counts)
        best = np.inf
        for _ in range(3):
            t0 = time.perf_counter()
            loop(reps, parts, size, arrays, flags, counts)
            best = min(best, (time.perf_counter() - t0) / reps)
        return best

    one, spread = per_call(1, n), per_call(threads, n)
    # v and the accumulator read and written, the parameters read, the flags written (no
    # refractory period: its counts are not touched)
    moved = 2 * (v.nbytes + acc.nbytes) + sum(a.nbytes for a in (bias, leak, thr, mulv, flags))
    return {"fork_join_us": 1e6 * per_call(threads, 0), "update_n": n,
            "update_1_thread_us": 1e6 * one, "update_threads_us": 1e6 * spread,
            "update_gb_per_s": moved / one / 1e9}


def update_floor_us(cfg, reps: int = 2000) -> tuple:
    """(microseconds, neurons) of one whole update of every neuron of ``cfg`` but the
    input, by the kernel's own step (``threaded.whole_range``) over each core run of each
    population, with the population's parameters and the registers' types of a run. A
    tick of W1 updates them all (every hidden neuron gets input every tick, at a tenth
    of the input too), so with its adds this is the least a W1 tick costs."""
    from numba import njit

    from neuroemu.engine.event import narrow_bound, register_type
    from neuroemu.engine.kernels import columns as q
    from neuroemu.engine.kernels import threaded
    from neuroemu.mapping.codes import MODEL_INPUT

    k = kernel_view(cfg)
    v = cfg.v_init.astype(register_type(cfg))
    ref = np.zeros_like(v)
    acc = np.zeros(v.size, accumulator_type(cfg))
    flags = np.zeros(-(-v.size // 64) * 64, np.int8)
    tz = bool(k.regs[6] != 0)
    near = narrow_bound(cfg) if v.dtype == np.int32 else -1

    @njit(cache=False)
    def loop(reps, ppar, run_ptr, run_lo, run_hi, v, ref, acc, flags, p_thr, p_bias, p_leak,
             p_mulv, v_lo, v_hi, tz, near):
        """The neurons one update visits."""
        n = 0
        for _ in range(reps):
            n = 0
            for p in range(ppar.shape[0]):
                if ppar[p, q.Q_MODEL] == MODEL_INPUT:
                    continue
                floor_v = ppar[p, q.Q_VMIN] if ppar[p, q.Q_FLOOR] != 0 else v_lo
                for i in range(run_ptr[p], run_ptr[p + 1]):
                    threaded.whole_range(
                        run_lo[i], run_hi[i], ppar[p, q.Q_PARAMS], v, ref, acc, flags, p_thr,
                        p_bias, p_leak, p_mulv, v_lo, v_hi, floor_v, ppar[p, q.Q_STRICT],
                        ppar[p, q.Q_RESET], ppar[p, q.Q_REFR], tz, near)
                    n += run_hi[i] - run_lo[i]
        return n

    args = (k.ppar, k.run_ptr, k.run_lo, k.run_hi, v, ref, acc, flags, k.p_thr, k.p_bias,
            k.p_leak, k.p_mulv, k.regs[0], k.regs[1], tz, near)
    neurons = int(loop(1, *args))
    best = np.inf
    for _ in range(3):
        t0 = time.perf_counter()
        loop(reps, *args)
        best = min(best, (time.perf_counter() - t0) / reps)
    return 1e6 * best, neurons


def timed(cfg, stim, ticks, engine="event", repeats=3, **threads):
    """(result, best wall time of ``repeats`` runs); ``threads``: the event engine's
    ``threads`` and ``thread_min`` (default one thread)."""
    best, res = np.inf, None
    if engine == "event":
        threads = {"threads": 1, **threads}
    for _ in range(repeats):
        res = simulate(cfg, stim, ticks, engine=engine, **threads)
        best = min(best, res.wall_s)
    return res, best


def thread_rates(cfg, stim, ticks: int, threads: int, repeats: int) -> tuple:
    """Events/s with ``threads`` threads at the engine's thresholds, and with every tick's
    work spread over them however small (``thread_min`` 0: the cost of spreading)."""
    res, wall = timed(cfg, stim, ticks, repeats=repeats, threads=threads)
    _, forced = timed(cfg, stim, ticks, repeats=repeats, threads=threads, thread_min=(0, 0, 0))
    syn = res.total("synaptic_ops")
    return syn / wall, syn / forced


def w3(scale: float, ticks: int, threads: int, max_delay: int = 15,
       window: int = 4096) -> dict:
    """W3 in a process of its own (``tools/bench_w3.py``): its figures and peak memory."""
    cmd = [sys.executable, str(Path(__file__).with_name("bench_w3.py")), str(scale),
           str(ticks), str(max_delay), str(window), str(threads)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    ap.add_argument("--quick", action="store_true", help="shorter runs (for a smoke test)")
    ap.add_argument("--threads", type=int, default=None,
                    help="threads for the threaded figures (default: the cores this process "
                         "may use)")
    ap.add_argument("--w3-scale", type=float, default=None,
                    help="W3's size as a fraction of 10^6 neurons (default 1, 0.01 with "
                         "--quick; 0 skips W3)")
    args = ap.parse_args(argv)
    threads = args.threads or usable_cores()
    rng = np.random.default_rng(1)
    log = (lambda *a: print(*a, file=sys.stderr)) if args.json else print
    t1 = 200 if args.quick else 1000
    t2 = 1000 if args.quick else 10_000

    cfg, stim = feedforward(rng, 0.05, t1)
    simulate(cfg, stim, 2)  # compile or load the kernel
    res, _ = timed(cfg, stim, t1, repeats=1)
    syn = res.total("synaptic_ops")
    lim_events, lim_timer = limit_loop(cfg, stim, res, t1)
    wall, lim_s = in_turns(3 if args.quick else 7,
                           lambda: simulate(cfg, stim, t1, threads=1).wall_s, lim_timer)
    ev = syn / wall
    limit = lim_events / lim_s
    sp = res.spike_counts()
    rate_hidden = sp["l1"] / (1024 * t1)
    # full and a tenth of the input on runs long enough that their set-up is small beside
    # them (a full run of 1,000 ticks takes about 30 ms)
    t_r = 1000 if args.quick else 5000
    cfg_f, stim_f = feedforward(np.random.default_rng(1), 0.05, t_r)
    res_f, wall_f = timed(cfg_f, stim_f, t_r)
    cfg_s, stim_s = feedforward(np.random.default_rng(1), 0.005, t_r)
    res_s, wall_s = timed(cfg_s, stim_s, t_r)
    # what a tenth of the input would gain in a tick that cost only its adds at the limit's
    # rate (above) and the whole update of every hidden neuron, which W1's ticks all make,
    # at a tenth of the input too
    adds_f, adds_s = (1e6 * r.total("synaptic_ops") / t_r / limit for r in (res_f, res_s))
    upd_us, upd_n = update_floor_us(cfg_f)
    floor = (adds_f + upd_us) / (adds_s + upd_us)
    # the same beside a population of a million neurons that receives nothing, on cores
    # large enough to hold it in one (else its 245 cores' per-tick counters are measured,
    # not its neurons); a run of one tick (set-up, and tick 0, which looks at every
    # neuron) is taken off both
    big = load_profile("generic").with_registers(neurons_per_core=1 << 21)
    t_q = 5 * t1  # long enough for the set-up (about 30 ms) to be taken off reliably
    cfg_b, stim_b = feedforward(np.random.default_rng(1), 0.005, t_q, profile=big)
    cfg_q, stim_q = feedforward(np.random.default_rng(1), 0.005, t_q, quiet=1_000_000,
                                profile=big)
    # a run's first passes over a million neurons' new arrays fault their pages in: the
    # first runs beside them took 1.5-3.5x as long as later ones, so both are run once
    # before, then all four timed in turns
    res_b = simulate(cfg_b, stim_b, t_q, threads=1)
    res_q = simulate(cfg_q, stim_q, t_q, threads=1)

    def run(c, s, n):
        return lambda: simulate(c, s, n, threads=1).wall_s

    wall_b, wall_q, setup_b, setup_q = in_turns(
        3 if args.quick else 5, run(cfg_b, stim_b, t_q), run(cfg_q, stim_q, t_q),
        run(cfg_b, stim_b, 1), run(cfg_q, stim_q, 1))
    quiet_slowdown = (wall_q - setup_q) / (wall_b - setup_b)
    ev_t, ev_forced = thread_rates(cfg, stim, t1, threads, 3)
    t_ref = 50 if args.quick else 100
    ref, ref_wall = timed(cfg, stim, t_ref, engine="reference", repeats=1)
    ref_ev = ref.total("synaptic_ops") / ref_wall
    log(f"W1 feed-forward 1024-1024-1024-10, {t1} ticks: {syn:.3g} synaptic events, "
        f"hidden firing {100 * rate_hidden:.2f} % per tick")
    log(f"  event engine      {ev:10.3g} events/s  ({wall:.3f} s)")
    log(f"  numba limit       {limit:10.3g} events/s  (engine at {ev / limit:.2f} of it)")
    log(f"  {threads} threads         {ev_t:10.3g} events/s  ({ev_t / ev:.2f}x one thread; "
        f"every tick spread: {ev_forced:.3g}, {ev_forced / ev:.2f}x)")
    log(f"  dense reference   {ref_ev:10.3g} events/s  ({t_ref} ticks; engine {ev / ref_ev:.0f}x)")
    log(f"  {t_r} ticks: {res_f.total('synaptic_ops'):.3g} events in {wall_f:.4f} s; a tenth "
        f"of the input: {res_s.total('synaptic_ops'):.3g} events in {wall_s:.4f} s; full input "
        f"is {wall_f / wall_s:.1f}x slower")
    log(f"  ticks of nothing but their adds at the limit's rate ({adds_f:.2f} us a tick, "
        f"{adds_s:.2f} us at a tenth) and the whole update of the {upd_n:,} neurons "
        f"({upd_us:.2f} us): a tenth of the input {floor:.1f}x faster (the engine's ratio "
        f"{wall_f / wall_s / floor:.2f} of that)")
    log(f"  the same for {t_q} ticks beside 1,000,000 neurons that receive nothing: "
        f"{wall_q:.4f} s, of which {setup_q:.4f} s set-up and tick 0; ticks 1.. take "
        f"{quiet_slowdown:.2f}x as long "
        f"({res_q.total('neuron_updates') - res_b.total('neuron_updates')} more neuron updates)")

    lim = thread_limits(threads)
    log(f"spreading over {threads} threads: a fork and join costs {lim['fork_join_us']:.1f} us; "
        f"a whole update of {lim['update_n']:,} neurons takes {lim['update_1_thread_us']:.0f} us "
        f"on one thread ({lim['update_gb_per_s']:.0f} GB/s read and written), "
        f"{lim['update_threads_us']:.0f} us spread "
        f"({lim['update_1_thread_us'] / lim['update_threads_us']:.2f}x)")

    cfg2, stim2 = recurrent(np.random.default_rng(2), t2)
    simulate(cfg2, stim2, 2)
    res2, _ = timed(cfg2, stim2, t2, repeats=1)
    lim2_events, lim2_timer = scatter_limit_loop(cfg2, stim2, res2, t2)
    # one thread, the limit and the engine's threads in turns (at the engine's thresholds,
    # below which it keeps a tick on one thread; forced: every tick spread)
    wall2, lim2_s, wall2_t = in_turns(
        2 if args.quick else 4, lambda: simulate(cfg2, stim2, t2, threads=1).wall_s,
        lim2_timer, lambda: simulate(cfg2, stim2, t2, threads=threads).wall_s)
    syn2 = res2.total("synaptic_ops")
    hz = res2.spike_counts()["lif"] / (10_000 * t2 * 1e-4)
    upd = res2.total("neuron_updates")
    ev2 = syn2 / wall2
    limit2 = lim2_events / lim2_s
    ev2_t = syn2 / wall2_t
    _, forced2 = timed(cfg2, stim2, t2, repeats=2, threads=threads, thread_min=(0, 0, 0))
    ev2_forced = syn2 / forced2
    # its whole update alone spread over the threads, however small (delivery on one)
    never = np.iinfo(np.int64).max
    _, wall2_upd = timed(cfg2, stim2, t2, repeats=2, threads=threads,
                         thread_min=(never, 0, never))
    t_ref2 = 200 if args.quick else 500
    ref2, ref2_wall = timed(cfg2, stim2, t_ref2, engine="reference", repeats=1)
    ref2_ev = ref2.total("synaptic_ops") / ref2_wall
    log(f"W2 sparse recurrent 10,000 LIF, {t2} ticks of 0.1 ms: {syn2:.3g} synaptic events, "
        f"{hz:.1f} Hz mean rate, {upd:.3g} neuron updates")
    log(f"  event engine      {ev2:10.3g} events/s  ({wall2:.3f} s)")
    log(f"  numba limit       {limit2:10.3g} events/s  (scattered adds only; engine at "
        f"{ev2 / limit2:.2f} of it)")
    log(f"  {threads} threads         {ev2_t:10.3g} events/s  ({ev2_t / ev2:.2f}x one thread, "
        f"{ev2_t / limit2:.2f} of the limit; every tick spread: {ev2_forced:.3g}, "
        f"{ev2_forced / ev2:.2f}x; only the update spread: {syn2 / wall2_upd:.3g}, "
        f"{wall2 / wall2_upd:.2f}x)")
    log(f"  dense reference   {ref2_ev:10.3g} events/s  ({t_ref2} ticks; engine "
        f"{ev2 / ref2_ev:.0f}x)")
    out = {
        "events_per_s": ev, "limit_events_per_s": limit, "reference_events_per_s": ref_ev,
        "engine_over_limit": ev / limit, "engine_over_reference": ev / ref_ev,
        "sparse_input_speedup": wall_f / wall_s, "sparse_input_ticks": t_r,
        "sparse_input_floor_speedup": floor, "w1_whole_update_us": upd_us,
        "sparse_input_of_floor": wall_f / wall_s / floor,
        "quiet_population_slowdown": quiet_slowdown,
        "w1_synaptic_events": syn,
        "w1_hidden_rate_per_tick": rate_hidden, "w2_events_per_s": ev2,
        "w2_limit_events_per_s": limit2, "w2_reference_events_per_s": ref2_ev,
        "w2_synaptic_events": syn2, "w2_rate_hz": hz, "w2_neuron_updates": upd,
        "w2_wall_s": wall2, "w1_wall_s": wall,
        "threads": threads, "events_per_s_threads": ev_t,
        "events_per_s_threads_every_tick": ev_forced, "w2_events_per_s_threads": ev2_t,
        "w2_events_per_s_threads_every_tick": ev2_forced,
        "w2_threads_over_limit": ev2_t / limit2,
        "w2_events_per_s_threads_update_only": syn2 / wall2_upd,
        **{f"threads_{k}": val for k, val in lim.items()},
    }
    scale = args.w3_scale if args.w3_scale is not None else (0.01 if args.quick else 1.0)
    if scale > 0:
        r3 = w3(scale, 100 if args.quick else 1000, threads)
        log(f"W3 {r3['w3_neurons']:,} LIF neurons, {r3['w3_synapses']:,} synapses (scale "
            f"{scale:g}), delays up to {r3['w3_max_delay']}, {r3['w3_ticks']} ticks on "
            f"{r3['w3_cores']} cores: build {r3['w3_build_s']:.1f} s, map "
            f"{r3['w3_map_s']:.1f} s, kernel tables {r3['w3_kernel_tables_s']:.1f} s")
        log(f"  kernel tables     {r3['w3_bytes_per_synapse']:10.2f} bytes per synapse")
        log(f"  event engine      {r3['w3_events_per_s']:10.3g} events/s  "
            f"({r3['w3_synaptic_events']:.3g} events in {r3['w3_wall_s']:.2f} s, "
            f"{threads} threads)")
        log(f"  one thread        {r3['w3_events_per_s_1_thread']:10.3g} events/s  "
            f"({r3['w3_events_per_s'] / r3['w3_events_per_s_1_thread']:.2f}x slower; spreading "
            f"only the delivery: {r3['w3_events_per_s_deliver_threads']:.3g}, only the "
            f"updates: {r3['w3_events_per_s_update_threads']:.3g})")
        log(f"  peak memory       {r3['w3_peak_mb']:10.0f} MB (the process's peak resident set)")
        out.update({k: v for k, v in r3.items() if k != "w3_table_bytes"}, w3_scale=scale)
    if args.json:
        print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
