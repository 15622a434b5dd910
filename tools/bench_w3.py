"""W3, the scale workload of ``tools/bench_engine.py``: memory and speed of a large network.

10^6 LIF neurons (80 % excitatory, 20 % inhibitory), 100 outgoing synapses each
(10^8), and 10^5 Poisson inputs with 100 synapses each, all at scale 1. A
neuron's targets are 100 distinct neurons drawn at random among the
``window`` neurons after it (the inputs': after 10 x their index), so that
they fall on one or two cores of the profile, as in a network placed with its
locality; ``window=0`` draws them from the whole population instead. The
neurons are dealt round-robin into 8 projections, each with its own delay
drawn at random in 1..``max_delay`` (the profiles set no delay limit; a
projection has one delay).

Run as its own process (``python tools/bench_w3.py SCALE TICKS MAX_DELAY WINDOW
[THREADS]``) it prints one JSON object: events/s with THREADS threads (default 1),
with one, and with threads for the delivery or the updates only; and its peak
memory (the process's peak resident set, ``VmHWM``: ``ru_maxrss`` would keep the
parent's peak across ``exec``), so that the figure is the workload's alone.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

import numpy as np

N_NEURONS = 1_000_000
FAN_OUT = 100
N_PROJ = 8


def local_targets(rng, sources: np.ndarray, base: np.ndarray, n: int, window: int):
    """(src, tgt): ``FAN_OUT`` distinct targets per source among neurons
    ``base + 1 .. base + window`` (mod n), or among all n with ``window=0``."""
    k = FAN_OUT
    if window:
        # distinct offsets in 1..window: k sorted draws without replacement per source,
        # by spacing (offset_i = i + sorted draw of k in 0..window-k)
        draw = np.sort(rng.integers(0, window - k + 1, size=(sources.size, k), dtype=np.int32),
                       axis=1)
        off = draw + np.arange(1, k + 1, dtype=np.int32)
        tgt = (base[:, None] + off) % n
    else:
        tgt = rng.integers(0, n, size=(sources.size, k), dtype=np.int64)
    return np.repeat(sources, k), tgt.reshape(-1)


def build(scale: float, max_delay: int, window: int, seed: int = 3):
    """The W3 network mapped on 'generic' (HardwareConfig) and its Poisson input maker."""
    from neuroemu.ir import Network, Population, neuron, projection

    rng = np.random.default_rng(seed)
    n = max(int(N_NEURONS * scale), 2 * window + FAN_OUT, 1000)
    n_ext = n // 10
    n_exc = int(0.8 * n)
    projs = []
    esrc, etgt = local_targets(rng, np.arange(n_ext), 10 * np.arange(n_ext), n, window)
    projs.append(projection("ext", "drive", "lif", "sparse", np.full(esrc.size, 420, np.int16),
                            src=esrc, tgt=etgt))
    del esrc, etgt
    delays = rng.integers(1, max_delay + 1, size=N_PROJ)
    for p in range(N_PROJ):
        sources = np.arange(p, n, N_PROJ)
        src, tgt = local_targets(rng, sources, sources, n, window)
        w = np.where(src < n_exc, 200, -4000).astype(np.int16)
        projs.append(projection(f"rec{p}", "lif", "lif", "sparse", w, src=src, tgt=tgt,
                                delay=int(delays[p])))
        del src, tgt, w
    pops = (Population("drive", (n_ext,)),
            Population("lif", (n,), neuron("lif", n, threshold=4000, decay_v=20 / 4096,
                                           refractory=20, where="lif")))
    return Network("w3", pops, tuple(projs), input="drive"), n_ext


def peak_mb() -> float:
    """The process's peak resident memory, MB (Linux's VmHWM; else ru_maxrss)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(scale: float, ticks: int, max_delay: int, window: int, threads: int = 1) -> dict:
    from neuroemu.engine import make_stimulus, simulate
    from neuroemu.engine.event import THREAD_MIN, kernel_view
    from neuroemu.mapping import map_network

    t0 = time.perf_counter()
    net, n_ext = build(scale, max_delay, window)
    t1 = time.perf_counter()
    cfg = map_network(net, "generic")
    del net
    t2 = time.perf_counter()
    knet = kernel_view(cfg)
    t3 = time.perf_counter()
    n_syn = int(cfg.syn_tgt.size)
    tables = {name: int(a.nbytes) for name, a in knet._asdict().items()}
    hits = np.random.default_rng(4).random((ticks, n_ext), dtype=np.float32) < 0.01
    tick, chan = np.nonzero(hits)
    del hits
    stim = make_stimulus(tick, chan, n_ext)
    simulate(cfg, stim, 1)  # compile or load the kernel, and tick 0
    res = simulate(cfg, stim, ticks, threads=threads)
    events = res.total("synaptic_ops")
    # one thread, and threads for one of the two steps only (the other's threshold unmet)
    never = 1 << 62
    walls = {key: simulate(cfg, stim, ticks, threads=n, thread_min=m).wall_s
             for key, n, m in (("1_thread", 1, THREAD_MIN),
                               ("deliver_threads", threads, (THREAD_MIN[0], never, never)),
                               ("update_threads", threads, (never, THREAD_MIN[1], never)))}
    return {
        "w3_neurons": int(cfg.n_neurons - n_ext), "w3_inputs": n_ext, "w3_synapses": n_syn,
        "w3_cores": int(cfg.n_cores), "w3_max_delay": int(cfg.max_delay),
        "w3_window": window, "w3_ticks": ticks,
        "w3_build_s": t1 - t0, "w3_map_s": t2 - t1, "w3_kernel_tables_s": t3 - t2,
        "w3_bytes_per_synapse": sum(tables.values()) / n_syn,
        "w3_table_bytes": tables,
        "w3_synaptic_events": events, "w3_wall_s": res.wall_s,
        "w3_events_per_s": events / res.wall_s if res.wall_s else 0.0, "w3_threads": threads,
        **{f"w3_events_per_s_{key}": events / wall for key, wall in walls.items()},
        "w3_neuron_updates": res.total("neuron_updates"),
        "w3_per_tick_bytes": sum(c.nbytes for c in res.per_tick.values()),
        "w3_peak_mb": peak_mb(),
    }


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    scale, ticks, max_delay, window = float(argv[0]), int(argv[1]), int(argv[2]), int(argv[3])
    threads = int(argv[4]) if len(argv) > 4 else 1
    print(json.dumps(run(scale, ticks, max_delay, window, threads)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
