"""Peak memory of ``neuroemu run`` streaming a long recording (default 50M events).

Writes a DVS128-sized AEDAT 2.0 recording of synthetic events (~1 event/µs)
and a small network for it (2 x 128 x 128 input, 4 x 4 sum-pooling into IF
neurons, 10 outputs), runs ``neuroemu run`` on them in a child process and
prints the child's peak resident memory beside the file's size.

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


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=50_000_000)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as d:
        rec, net = Path(d) / "long.aedat", Path(d) / "net.h5"
        write_aedat2(rec, synthetic(args.events))
        write_network(net, network(), profile="generic")
        start = time.perf_counter()
        # Linux keeps ru_maxrss across exec, and a child forked from this (large) process
        # starts at its size: GNU time forks the measured process from its own small image
        # and reports that child's peak (%M, kB) on the last line of stderr
        cmd = ["/usr/bin/time", "-f", "%M", sys.executable, "-m", "neuroemu", "run", str(net),
               "--input", str(rec), "--json", "--quiet"]
        done = subprocess.run(cmd, check=True, capture_output=True, text=True)
        out = done.stdout
        wall = time.perf_counter() - start
        peak_mb = int(done.stderr.strip().splitlines()[-1]) / 1024
        r = json.loads(out)
        row = {"events": args.events, "file_MB": rec.stat().st_size / 2**20,
               "peak_rss_MB": peak_mb, "ticks": r["ticks"], "input_events": r["input_events"],
               "synaptic_ops": r["synaptic_ops"], "wall_s": wall}
    if r["input_events"] != args.events:
        raise SystemExit(f"run counted {r['input_events']} input events, the file holds "
                         f"{args.events}")
    if args.json:
        print(json.dumps(row, indent=2))
    else:
        print(f"neuroemu run streamed {row['events']:,} events ({row['file_MB']:.0f} MB, "
              f"{row['ticks']:,} ticks) in {wall:.1f} s with {peak_mb:.0f} MB peak memory")
    return 0


if __name__ == "__main__":
    sys.exit(main())
