"""Peak memory of ``neuroemu run`` streaming a long recording (default 50M events).

Writes a DVS128-sized AEDAT 2.0 recording of synthetic events (~1 event/µs)
and a small network for it (2 x 128 x 128 input, 4 x 4 sum-pooling into IF
neurons, 10 outputs), runs ``neuroemu run`` on them in a child process and
prints the child's peak resident memory beside the file's size; then runs it
again recording the pooling layer's membrane at every tick into the trace
(``--record pool.v --out``), which streams to disk: its peak is printed as a
ratio to the first run's, beside the size the record would take in memory.

    python tools/bench_stream_run.py [--events N] [--json]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_events import synthetic  # noqa: E402

from neuroemu.ir import Network, Population, Readout, neuron, projection  # noqa: E402
from neuroemu.networks.network_h5 import write_network  # noqa: E402
from neuroemu.recordings.writer import write_aedat2  # noqa: E402


def network() -> Network:
    pooled = (2, 32, 32)
    n = int(np.prod(pooled))
    rng = np.random.default_rng(0)
    return Network(
        "dvs_pool", (Population("in", (2, 128, 128)),
                     Population("pool", pooled, neuron("if", n, threshold=8, where="pool")),
                     Population("out", (10,), neuron("if", 10, threshold=50, where="out"))),
        (projection("p", "in", "pool", "sumpool2d", 1, kernel=4, stride=4),
         projection("w", "pool", "out", "dense", rng.integers(-3, 4, size=(10, n)))),
        input="in", readout=Readout("out", "count"))


def _measure(argv):
    """(the run's JSON, its peak resident memory in MB, wall seconds) in a child process.

    Linux keeps ru_maxrss across exec, and a child forked from this (large) process
    starts at its size: GNU time forks the measured process from its own small image
    and reports that child's peak (%M, kB) on the last line of stderr.
    """
    start = time.perf_counter()
    cmd = ["/usr/bin/time", "-f", "%M", sys.executable, "-m", "neuroemu", *argv]
    done = subprocess.run(cmd, check=True, capture_output=True, text=True)
    wall = time.perf_counter() - start
    return (json.loads(done.stdout), int(done.stderr.strip().splitlines()[-1]) / 1024, wall)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=50_000_000)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as d:
        rec, net = Path(d) / "long.aedat", Path(d) / "net.h5"
        write_aedat2(rec, synthetic(args.events))
        write_network(net, network(), profile="generic")
        base = ["run", str(net), "--input", str(rec), "--json", "--quiet"]
        r, peak_mb, wall = _measure(base)
        rec_r, rec_peak, rec_wall = _measure(base + ["--record", "pool.v", "--out",
                                                     str(Path(d) / "trace.h5")])
        n_pool = int(np.prod(network().population("pool").shape))
        row = {"events": args.events, "file_MB": rec.stat().st_size / 2**20,
               "peak_rss_MB": peak_mb, "ticks": r["ticks"], "input_events": r["input_events"],
               "synaptic_ops": r["synaptic_ops"], "wall_s": wall,
               "record_peak_rss_MB": rec_peak, "record_wall_s": rec_wall,
               "record_in_memory_MB": 4 * n_pool * r["ticks"] / 2**20,
               "record_peak_ratio": rec_peak / peak_mb}
        if rec_r["synaptic_ops"] != r["synaptic_ops"]:
            raise SystemExit("recording registers changed the run")
    if r["input_events"] != args.events:
        raise SystemExit(f"run counted {r['input_events']} input events, the file holds "
                         f"{args.events}")
    if args.json:
        print(json.dumps(row, indent=2))
    else:
        print(f"neuroemu run streamed {row['events']:,} events ({row['file_MB']:.0f} MB, "
              f"{row['ticks']:,} ticks) in {wall:.1f} s with {peak_mb:.0f} MB peak memory")
        print(f"recording pool.v ({row['record_in_memory_MB']:.0f} MB as int32) into the "
              f"trace: {row['record_peak_rss_MB']:.0f} MB peak memory, "
              f"{row['record_peak_ratio']:.2f}x the run without it, in {rec_wall:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
