"""Memory of the per-tick, per-core counters of a long run on many cores.

A network of 2,000 cores (2 neurons each, on a 'generic' profile with cores
that small) runs 10^6 ticks; one input spike every 1,000 ticks reaches a
neuron on every core, so each counter has about 2,000 non-zero counts per
spike. Prints the bytes of the run's per-tick counters (sparse: non-zero
counts only), what dense int32 arrays (ticks x cores) would take, and the
peak of the memory the run allocates (tracemalloc).

    python tools/bench_tick_counts.py [--ticks T] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import tracemalloc

import numpy as np

from neuroemu.engine import make_stimulus, simulate
from neuroemu.hw import load_profile
from neuroemu.ir import Network, Population, neuron, projection
from neuroemu.mapping import map_network


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ticks", type=int, default=1_000_000)
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    args = ap.parse_args(argv)
    n, every = 3998, 1000
    prof = load_profile("generic").with_registers(neurons_per_core=2, mesh_width=64,
                                                  mesh_height=32)
    tgt = np.arange(0, n, 2)  # one neuron on each core
    net = Network("many_cores", (Population("in", (1,)),
                                 Population("a", (n,), neuron("if", n, threshold=10))),
                  (projection("w", "in", "a", "sparse", np.full(tgt.size, 20),
                              src=np.zeros(tgt.size, np.int64), tgt=tgt),), input="in")
    cfg = map_network(net, prof)
    n_in = args.ticks // every
    stim = make_stimulus(np.arange(n_in) * every, np.zeros(n_in, np.int64), 1)
    simulate(cfg, stim, 10)  # compile or load the kernel
    tracemalloc.start()
    t0 = time.perf_counter()
    res = simulate(cfg, stim, args.ticks)
    wall = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    out = {"ticks": args.ticks, "cores": int(cfg.n_cores),
           "per_tick_bytes": sum(c.nbytes for c in res.per_tick.values()),
           "per_tick_entries": sum(int(c.value.size) for c in res.per_tick.values()),
           "dense_int32_bytes": 3 * args.ticks * int(cfg.n_cores) * 4,
           "run_peak_traced_bytes": peak, "wall_s": wall}
    if args.json:
        print(json.dumps(out, indent=2))
    else:
        print(f"{out['ticks']} ticks on {out['cores']} cores: per-tick counters "
              f"{out['per_tick_bytes'] / 2**20:.1f} MiB ({out['per_tick_entries']} non-zero "
              f"counts; dense int32 {out['dense_int32_bytes'] / 2**30:.1f} GiB); the run "
              f"allocated at most {peak / 2**20:.0f} MiB at once; {wall:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
