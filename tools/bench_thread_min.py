"""Where spreading a tick over threads starts to pay: the third of
``neuroemu.engine.event.THREAD_MIN``.

``tools/bench_engine.py``'s recurrent network (W2: LIF neurons, 100 random targets
each, drive neurons a tenth as many firing at 1 % a tick) at several sizes, each run on
one thread and with every tick spread whole over the threads (``thread_min`` 0), the two
timed in turns (best of 4 each). Prints, per size, the tick's work as the engine weighs
it (synaptic events plus half the neurons updated), both times a tick and their ratio:
above 1, the threads paid.

    python tools/bench_thread_min.py [--threads N] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys

import numpy as np
from bench_engine import in_turns, recurrent

from neuroemu.cores import usable_cores
from neuroemu.engine import simulate

#: (neurons, ticks): about a second of runs each
SIZES = ((5_000, 10_000), (10_000, 10_000), (20_000, 5_000), (40_000, 3_000),
         (80_000, 2_000))


def measure(n: int, ticks: int, threads: int) -> dict:
    """One size: its work a tick, and its ticks on one thread and spread whole."""
    cfg, stim = recurrent(np.random.default_rng(2), ticks, n=n, n_ext=n // 10)
    spread = {"threads": threads, "thread_min": (0, 0, 0)}
    simulate(cfg, stim, 3, threads=1)  # compile or load the kernel
    simulate(cfg, stim, 3, **spread)
    res = simulate(cfg, stim, ticks, threads=1)
    work = (res.total("synaptic_ops") + res.total("neuron_updates") / 2) / ticks
    one, many = in_turns(4, lambda: simulate(cfg, stim, ticks, threads=1).wall_s,
                         lambda: simulate(cfg, stim, ticks, **spread).wall_s)
    return {"neurons": n, "work_per_tick": work, "one_thread_us": one / ticks * 1e6,
            "spread_us": many / ticks * 1e6, "speedup": one / many}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=None,
                    help="threads to spread over (default: the cores this process may use)")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    args = ap.parse_args(argv)
    threads = args.threads or usable_cores()
    rows = []
    for n, ticks in SIZES:
        r = measure(n, ticks, threads)
        rows.append(r)
        if not args.json:
            print(f"{n:7,d} neurons  work {r['work_per_tick']:8,.0f} a tick  one thread "
                  f"{r['one_thread_us']:7.2f} us  {threads} threads {r['spread_us']:7.2f} us"
                  f"  {r['speedup']:.2f}x", flush=True)
    if args.json:
        print(json.dumps({"threads": threads, "sizes": rows}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
