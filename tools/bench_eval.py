"""Scaling of ``neuroemu eval --inputs`` on Dask: 1 vs 2 workers, and the cost per task.

Builds a folder of 240 N-MNIST recordings in ``Test/4/`` from the real digit
(``tools/make_nmnist_folder.py``: ``traces/nmnist_4.aedat`` shifted on the
sensor and subsampled, whole recordings of about 0.3 s like every N-MNIST test
recording), then, in this one process:

1. *end to end*: ``neuroemu.evaluate(models/nmnist_cnn.h5, folder, workers=N)`` for
   N = 1 and 2, each in a new Python process (as ``neuroemu eval --inputs ...
   --workers N`` runs), starting and stopping its own local cluster (and its fork
   server): the call's own time, less Python's start and imports; the whole
   command, ``neuroemu eval ... --workers N --json``, timed from outside; and the
   same call in this process, where earlier evaluations have left the fork server
   running (as a notebook's second evaluation finds it);
2. *on a running cluster*: the same evaluation on a local cluster of N workers
   started (and warmed by one evaluation) beforehand, as a long evaluation or a
   shared cluster sees it;
3. *the machine's own ceiling*: the same runs, ``neuroemu.run`` in a loop, in one
   and in two plain processes (no Dask), so the ratio Dask reaches can be read
   beside what two cores of this machine give at that moment (on a shared
   virtual machine, less than 2x and not the same from minute to minute);
4. the scheduler's cost per task: on the running 1-worker cluster, (wall time of
   an evaluation in tasks of one recording - the runs' own time) / tasks, and the
   round trip of 1000 empty tasks;
5. a 2-worker local cluster's own costs (the fork server already up): starting
   it, its workers loading the event kernel, closing it.

Every evaluation must give the same rows (all but ``wall_s``); the script
fails if not. The measurements are taken in turns (each kind for 1, then 2
workers, ``--repeat`` times, default 3), so that they see the same load; the
best and the median of each are printed. The evaluations that start a cluster of
their own (1) are measured first, before the running clusters (2) and the plain
processes (3) exist: idle, these still take CPU from a new evaluation's workers.

    python tools/bench_eval.py [--n 240] [--repeat 3] [--json]

Against a cluster of several machines: start ``dask scheduler`` on one and
``dask worker tcp://SCHEDULER:8786`` on each (neuroemu installed, the recordings
at the same path on all), then ``neuroemu eval NET --inputs FOLDER --scheduler
tcp://SCHEDULER:8786``; ``neuroemu.evaluate(..., scheduler=...)`` from Python.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NET = ROOT / "models" / "nmnist_cnn.h5"
sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_nmnist_folder import build_folder  # noqa: E402


def _rows(ev) -> list:
    return ev.table.drop_columns(["wall_s"]).to_pylist()


class _Rows:
    """The rows an evaluation in another process wrote to ``out``, as an Evaluation's."""

    def __init__(self, out: Path):
        import pyarrow.parquet as pq

        self.table = pq.read_table(out)


def _noop(x):
    return x


_NET = None


def _warm_process(first: str) -> None:
    """A plain process's start: the network loaded, mapped and run once."""
    global _NET
    import neuroemu as ne

    _NET = ne.load(NET)
    ne.run(_NET, first, progress=False)


def _run_all(files) -> float:
    """``neuroemu.run`` on each file, as a task does; seconds."""
    import neuroemu as ne

    start = time.perf_counter()
    for f in files:
        res = ne.run(_NET, f, progress=False)
        res.energy()
    return time.perf_counter() - start


def _child(workers: int, folder: str, out: str) -> int:
    """In a new process: time ``neuroemu.evaluate`` alone (imports done first)."""
    import distributed  # noqa: F401 - imported before the clock starts, as the CLI has

    import neuroemu as ne

    start = time.perf_counter()
    ne.evaluate(NET, folder, workers=workers, out=out, progress=False)
    print(json.dumps({"wall_s": time.perf_counter() - start}))
    return 0


def _fresh_process(workers: int, folder: Path, out: Path) -> float:
    """Seconds of one evaluation in a new process (:func:`_child`); its rows in ``out``."""
    proc = subprocess.run([sys.executable, __file__, "--child", str(workers), str(folder),
                           str(out)], capture_output=True, text=True, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])["wall_s"]


def _command(workers: int, folder: Path, out: Path) -> float:
    """Seconds of ``neuroemu eval ... --workers N --json`` timed from outside."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "neuroemu", "eval", str(NET), "--inputs",
                    str(folder), "--workers", str(workers), "--out", str(out), "--json"],
                   capture_output=True, text=True, check=True)
    return time.perf_counter() - start


def main(argv=None) -> int:
    if argv is None and len(sys.argv) == 5 and sys.argv[1] == "--child":
        return _child(int(sys.argv[2]), sys.argv[3], sys.argv[4])
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=240, help="recordings (default 240)")
    p.add_argument("--repeat", type=int, default=3, help="turns (default 3)")
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)

    import multiprocessing

    from distributed import Client

    import neuroemu as ne
    from neuroemu.evaluation.cluster import local_cluster, quiet_dask, warm_worker

    quiet_dask()
    times = {k: {1: [], 2: []} for k in ("end_to_end", "command", "in_process",
                                          "running_cluster", "plain_processes")}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "Test"
        build_folder(folder, args.n)
        files = sorted(str(f) for f in folder.rglob("*.bin"))
        ne.run(NET, files[0], progress=False)  # numba's disk cache, warm
        first = None

        def same(ev):
            nonlocal first
            if first is None:
                first = _rows(ev)
            elif _rows(ev) != first:
                raise SystemExit("bench_eval: FAILED: two evaluations gave different rows")
            return ev

        net = ne.load(NET)
        # first with no other cluster or pool alive: their idle processes' heartbeats and
        # monitors take CPU from a new evaluation's workers (0.3-0.5 s of a 4 s run); an
        # evaluation here first, untimed, so that the fork server runs when this process's
        # are timed (an idle fork server takes no CPU)
        same(ne.evaluate(NET, folder, workers=1, progress=False))
        for turn in range(args.repeat):
            for kind, how in (("end_to_end", _fresh_process), ("command", _command)):
                for n in (1, 2):
                    out = Path(tmp) / f"{kind}_{n}_{turn}.parquet"
                    times[kind][n].append(how(n, folder, out))
                    same(_Rows(out))
            for n in (1, 2):
                t = time.perf_counter()
                same(ne.evaluate(NET, folder, workers=n, progress=False))
                times["in_process"][n].append(time.perf_counter() - t)
        clusters = {n: local_cluster(n) for n in (1, 2)}
        clients = {n: Client(c) for n, c in clusters.items()}
        pools = {n: multiprocessing.get_context("spawn").Pool(n, _warm_process, (files[0],))
                 for n in (1, 2)}
        try:
            for n in (1, 2):  # warm: workers load the kernel and map the network
                same(ne.evaluate(net, folder, client=clients[n], progress=False))
                pools[n].map(_noop, range(n))
            for _ in range(args.repeat):
                for n in (1, 2):
                    t = time.perf_counter()
                    same(ne.evaluate(net, folder, client=clients[n], progress=False))
                    times["running_cluster"][n].append(time.perf_counter() - t)
                for n in (1, 2):
                    t = time.perf_counter()
                    pools[n].map(_run_all, [files[i::n] for i in range(n)], chunksize=1)
                    times["plain_processes"][n].append(time.perf_counter() - t)
            per_task, empty = [], []
            for _ in range(args.repeat):
                t = time.perf_counter()
                ev = same(ne.evaluate(net, folder, client=clients[1], batch_size=1,
                                      progress=False))
                wall = time.perf_counter() - t
                per_task.append((wall - sum(ev.table["wall_s"].to_pylist())) / args.n)
                t = time.perf_counter()
                clients[1].gather(clients[1].map(_noop, range(1000), pure=False))
                empty.append((time.perf_counter() - t) / 1000)
            accuracy = ev.summary["accuracy"]
            phases = {"start_s": [], "kernel_s": [], "close_s": []}
            for _ in range(args.repeat):  # a 2-worker cluster's own costs (fork server up)
                t = time.perf_counter()
                cluster = local_cluster(2)
                client = Client(cluster)
                phases["start_s"].append(time.perf_counter() - t)
                t = time.perf_counter()
                client.run(warm_worker)
                phases["kernel_s"].append(time.perf_counter() - t)
                t = time.perf_counter()
                client.close()
                cluster.close()
                phases["close_s"].append(time.perf_counter() - t)
        finally:
            for n in (1, 2):
                pools[n].terminate()
                clients[n].close()
                clusters[n].close()
    out = {"recordings": args.n, "repeat": args.repeat, "accuracy": accuracy}
    for kind, t in times.items():
        best = {n: min(v) for n, v in t.items()}
        median = {n: statistics.median(v) for n, v in t.items()}
        out[kind] = {"best_s": best, "median_s": median, "all_s": t,
                     "ratio_best": best[1] / best[2], "ratio_median": median[1] / median[2]}
    out["cluster_2_workers"] = {k: statistics.median(v) for k, v in phases.items()}
    out.update(overhead_per_task_ms=1e3 * statistics.median(per_task),
               empty_task_ms=1e3 * statistics.median(empty), identical_rows=True)
    if args.json:
        print(json.dumps(out, indent=2))
        return 0
    n = args.n
    print(f"{n} N-MNIST recordings (the real digit, shifted and subsampled), "
          f"models/nmnist_cnn.h5 on loihi, accuracy {accuracy:.4f}; "
          f"{args.repeat} turns: best (median)")
    for label, kind in (("neuroemu.evaluate, new process", "end_to_end"),
                        ("neuroemu eval --workers N (command)", "command"),
                        ("neuroemu.evaluate, fork server running", "in_process"),
                        ("on a running Dask cluster", "running_cluster"),
                        ("plain processes, no Dask (ceiling)", "plain_processes")):
        r = out[kind]
        b, m = r["best_s"], r["median_s"]
        print(f"{label + ':':<40} 1 worker {b[1]:5.2f} s ({m[1]:5.2f}), 2 workers "
              f"{b[2]:5.2f} s ({m[2]:5.2f}): {r['ratio_best']:.2f}x ({r['ratio_median']:.2f}x)")
    print(f"{'scheduler cost per task:':<40} {out['overhead_per_task_ms']:.1f} ms in an "
          f"evaluation of one-recording tasks, {out['empty_task_ms']:.2f} ms per empty task")
    c = out["cluster_2_workers"]
    print(f"{'a 2-worker local cluster (median):':<40} start {c['start_s']:.2f} s, workers "
          f"loading the kernel {c['kernel_s']:.2f} s, close {c['close_s']:.2f} s")
    print("rows: identical in every evaluation (all columns but wall_s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
