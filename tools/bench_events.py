"""Benchmark the event-file decoders against the disk-read limit, and streaming memory.

Writes synthetic recordings with neuroemu's own writers into a temporary folder:

* AEDAT 2.0 (DVS128 layout) and AEDAT 4.0 (LZ4 packets) of ``--events`` events,
  each decoded in full by :func:`neuroemu.recordings.open_events` (chunks of
  2**20 events, every check on), next to ``numpy.fromfile`` of the same bytes as
  the limit; the ratio is decode rate / read rate;
* an AEDAT 2.0 file of ``--stream-events`` events streamed through
  :func:`neuroemu.inputs.input_map.stimulus_chunks` in a fresh subprocess, whose
  peak resident memory (``ru_maxrss``) is reported beside the same process's peak
  right after importing neuroemu.

Usage::

    python tools/bench_events.py                    # 20M events, 50M streamed
    python tools/bench_events.py --json
    python tools/bench_events.py --events 2000000 --stream-events 5000000
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from neuroemu.recordings import EVENT_DTYPE, open_events
from neuroemu.recordings.writer import write_aedat2, write_aedat4

TARGET_EVENTS_PER_S = 30e6
MEMORY_LIMIT_MB = 500


def synthetic(n: int, width: int = 128, height: int = 128, seed: int = 0, chunk: int = 1 << 21):
    """Yield ``n`` events in chunks: ~1 event/µs, uniform pixels and polarities."""
    rng = np.random.default_rng(seed)
    t0 = 0
    done = 0
    while done < n:
        k = min(chunk, n - done)
        ev = np.empty(k, EVENT_DTYPE)
        ev["t"] = t0 + np.cumsum(rng.integers(0, 3, k))
        t0 = int(ev["t"][-1])
        ev["x"] = rng.integers(0, width, k)
        ev["y"] = rng.integers(0, height, k)
        ev["p"] = rng.integers(0, 2, k)
        yield ev
        done += k


def _best(fn, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def decode_rate(path: Path, n: int, repeat: int) -> dict:
    def decode():
        total = 0
        with open_events(path) as rec:
            for chunk in rec.chunks(1 << 20):
                total += chunk.size
        if total != n:
            raise RuntimeError(f"{path}: decoded {total} events, wrote {n}")

    def read():
        np.fromfile(path, dtype=np.uint8)

    read()  # into the page cache
    t_dec = _best(decode, repeat)
    t_read = _best(read, repeat)
    size = path.stat().st_size
    return {"file": path.name, "events": n, "bytes": size,
            "decode_s": t_dec, "decode_events_per_s": n / t_dec,
            "fromfile_s": t_read, "fromfile_events_per_s": n / t_read,
            "fromfile_MB_per_s": size / t_read / 1e6,
            "ratio_decode_to_fromfile": t_read / t_dec}


_STREAM_CODE = r"""
import resource, sys, time
import numpy as np
from neuroemu.inputs.input_map import InputMap, stimulus_chunks
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
spikes = chunks = 0
last = -1
for stim in stimulus_chunks(sys.argv[1], (2, 128, 128), InputMap(tick_us=1000)):
    assert stim.tick[0] > last
    last = int(stim.tick[-1])
    spikes += int(stim.value.sum())
    chunks += 1
wall = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
hwm = [line.split()[1] for line in open("/proc/self/status") if line.startswith("VmHWM")]
print(base, peak, spikes, chunks, wall, hwm[0] if hwm else -1)
"""


def stream_memory(path: Path, n: int) -> dict:
    # Linux keeps ru_maxrss across exec, and a child spawned straight from this process
    # would start from this process's peak: a shell forks the measured process instead.
    cmd = ["sh", "-c", '"$0" -c "$1" "$2"; exit $?', sys.executable, _STREAM_CODE, str(path)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.split()
    base_kb, peak_kb, spikes, chunks, wall = int(out[0]), int(out[1]), int(out[2]), \
        int(out[3]), float(out[4])
    hwm_kb = int(out[5])
    if spikes != n:
        raise RuntimeError(f"streamed {spikes} events, the file holds {n}")
    return {"file": path.name, "events": n, "bytes": path.stat().st_size,
            "peak_rss_MB": peak_kb / 1024, "rss_after_import_MB": base_kb / 1024,
            "extra_MB": (peak_kb - base_kb) / 1024, "vm_hwm_MB": hwm_kb / 1024,
            "stimulus_chunks": chunks,
            "wall_s": wall, "events_per_s": n / wall}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--events", type=int, default=20_000_000,
                    help="events in the decode benchmark files (default 20M)")
    ap.add_argument("--stream-events", type=int, default=50_000_000,
                    help="events in the streaming-memory file (default 50M; 0 skips it)")
    ap.add_argument("--repeat", type=int, default=3, help="timed runs, best kept (default 3)")
    ap.add_argument("--tmpdir", default=None, help="folder for the temporary files")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    args = ap.parse_args(argv)

    result: dict = {"target_events_per_s": TARGET_EVENTS_PER_S,
                    "memory_limit_MB": MEMORY_LIMIT_MB, "cpu_count": os.cpu_count()}
    with tempfile.TemporaryDirectory(dir=args.tmpdir) as tmp:
        tmp = Path(tmp)
        a2 = tmp / "bench.aedat"
        a4 = tmp / "bench.aedat4"
        write_aedat2(a2, synthetic(args.events))
        write_aedat4(a4, synthetic(args.events), 128, 128, compression="lz4")
        result["aedat2"] = decode_rate(a2, args.events, args.repeat)
        result["aedat4"] = decode_rate(a4, args.events, args.repeat)
        a2.unlink()
        a4.unlink()
        if args.stream_events:
            big = tmp / "stream.aedat"
            write_aedat2(big, synthetic(args.stream_events, seed=1))
            result["stream_aedat2"] = stream_memory(big, args.stream_events)
    result["ok"] = bool(
        result["aedat2"]["decode_events_per_s"] >= TARGET_EVENTS_PER_S
        and result["aedat4"]["decode_events_per_s"] >= TARGET_EVENTS_PER_S
        and ("stream_aedat2" not in result
             or result["stream_aedat2"]["peak_rss_MB"] < MEMORY_LIMIT_MB))
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    for key in ("aedat2", "aedat4"):
        r = result[key]
        print(f"{key}: {r['events']:,} events, {r['bytes'] / 1e6:.0f} MB: decode "
              f"{r['decode_events_per_s'] / 1e6:.1f} M events/s ({r['decode_s']:.3f} s); "
              f"numpy.fromfile {r['fromfile_events_per_s'] / 1e6:.1f} M events/s "
              f"({r['fromfile_MB_per_s']:.0f} MB/s); decode/fromfile = "
              f"{r['ratio_decode_to_fromfile']:.2f}")
    if "stream_aedat2" in result:
        r = result["stream_aedat2"]
        print(f"stream: {r['events']:,} events ({r['bytes'] / 1e6:.0f} MB AEDAT 2.0) through "
              f"stimulus_chunks in {r['wall_s']:.1f} s ({r['events_per_s'] / 1e6:.1f} M "
              f"events/s): peak RSS {r['peak_rss_MB']:.0f} MB (after import "
              f"{r['rss_after_import_MB']:.0f} MB, extra {r['extra_MB']:.0f} MB; limit "
              f"{MEMORY_LIMIT_MB} MB)")
    print(f"target {TARGET_EVENTS_PER_S / 1e6:.0f} M events/s: "
          f"{'met' if result['ok'] else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
