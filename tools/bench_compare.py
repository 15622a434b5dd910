"""Engine speed beside Brian2 and NEST: synaptic events per second on W1 and W2.

The workloads are ``tools/bench_engine.py``'s, built by its ``feedforward`` and ``recurrent``
with the same seeds: W1 (1024 Poisson inputs at 5 % per tick -> 1024 -> 1024 -> 10 IF
neurons, 1 ms ticks) and W2 (10,000 LIF neurons, 100 random targets each, 1,000 Poisson
drive neurons at 1 % per tick, 0.1 ms ticks). Brian2 and NEST are given the very network
neuroemu runs, read from its mapped configuration (the same synapses and integer weights,
thresholds, decay ``1 - mul_v / 4096`` per tick as ``exp(-dt / tau)``, floor ``v_min``,
refractory ticks, reset to 0, delay of one tick) and the same input spikes (Brian2: a
SpikeGeneratorGroup, NEST: spike_generators). Their membranes are floats, neuroemu's fixed
point, and Brian2 decays a tick's input once before its threshold test, so their spikes
differ a little. Each simulator's synaptic events are its own: neuroemu's count of the
accumulates it did (the last tick's spikes are delivered after the run, not counted), the
others' spikes (inputs included) times their fan-out.

What is timed: neuroemu, ``simulate(cfg, stim, ticks, threads=...)``'s wall time, best of
a few runs after one that compiles the kernel; Brian2 (cpp_standalone), the time its
device reports for the run loop (``device._last_run_time``: compilation, loading the
network and writing results are not in it; without OpenMP it is the process's CPU time,
with OpenMP wall time); NEST (iaf_psc_delta), the wall time of ``nest.Run`` over the ticks
after ``nest.Prepare`` and one empty step that builds its connection tables. Brian2 runs
on one thread (no OpenMP) and, for W2, on two OpenMP threads; NEST on one.

Brian2 and NEST each run in a process of their own (NEST's OpenMP runtime and numba's
threads do not share a process), under this Python or the one given by ``--brian2-python``
or ``--nest-python`` (Brian2 2.9, the last for Python 3.11, needs numpy < 2.4).

    python tools/bench_compare.py [--quick] [--json] [--brian2-python PY] [--nest-python PY]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from bench_engine import feedforward, recurrent, timed

from neuroemu.engine import simulate
from neuroemu.mapping.codes import MODEL_INPUT, RESET_ZERO


def save(cfg, stim, path: Path):
    """The mapped network and its input, as another simulator needs them: a population
    table (first neuron, size, and for neurons threshold, kept fraction per tick, floor or
    nan, refractory ticks), the synapses and the input spikes."""
    if np.any(cfg.syn_delay != 1) or np.any(cfg.pop_reset[cfg.pop_model != MODEL_INPUT]
                                            != RESET_ZERO):
        raise ValueError("bench_compare: only delays of one tick and reset to zero translate")
    lo = cfg.pop_offset[:-1]
    pops = np.stack([lo, np.diff(cfg.pop_offset), cfg.pop_model == MODEL_INPUT, cfg.thr[lo],
                     cfg.mul_v[lo] / 4096, np.where(cfg.pop_floor == 1, cfg.pop_vmin, np.nan),
                     cfg.pop_refractory], axis=1)
    np.savez(path, pops=pops.astype(float), src=cfg.syn_src, tgt=cfg.syn_tgt,
             w=cfg.syn_w.astype(float), proj=cfg.syn_proj, tick=stim.tick, chan=stim.channel)


def tally(net, counts: np.ndarray) -> dict:
    """Synaptic events (spikes, inputs included, times fan-out) and the neurons' spikes,
    from ``counts`` (N,) the neurons' spikes per neuron."""
    n = int(net["pops"][-1, 0] + net["pops"][-1, 1])
    fan_out = np.bincount(net["src"], minlength=n)
    inputs = np.bincount(net["chan"], minlength=n)
    return {"events": int((counts + inputs) @ fan_out), "spikes": int(counts.sum())}


def run_brian2(net, ticks: int, dt_ms: float, threads: int) -> dict:
    """One cpp_standalone build and run; ``threads`` 0 is plain serial code."""
    import brian2 as b2

    b2.set_device("cpp_standalone", build_on_run=False)
    b2.prefs.devices.cpp_standalone.openmp_threads = threads
    dt = dt_ms * b2.ms
    b2.defaultclock.dt = dt
    groups, monitors, objects = [], [], []
    for lo, n, is_input, thr, keep, vmin, ref in net["pops"]:
        n, ref = int(n), int(ref)
        if is_input:
            sel = (net["chan"] >= lo) & (net["chan"] < lo + n)
            g = b2.SpikeGeneratorGroup(n, net["chan"][sel] - int(lo), net["tick"][sel] * dt)
        else:
            ns = {"thr": thr, "vmin": vmin, "tau": -dt / np.log(keep) if keep < 1 else 0 * dt}
            eqs = "dv/dt = -v / tau : 1" + (" (unless refractory)" if ref else "")
            g = b2.NeuronGroup(n, eqs if keep < 1 else "v : 1", threshold="v >= thr",
                               reset="v = 0", refractory=ref * dt if ref else False,
                               method="exact", namespace=ns)
            if not np.isnan(vmin):
                objects.append(g.run_regularly("v = clip(v, vmin, inf)",
                                               when="before_thresholds"))
            monitors.append((int(lo), b2.SpikeMonitor(g, record=False)))
        groups.append(g)
    pop_of = np.searchsorted(net["pops"][:, 0], np.arange(net["pops"][:, :2].sum(1).max()),
                             side="right") - 1
    for p in np.unique(net["proj"]):
        k = net["proj"] == p
        s, t = pop_of[net["src"][k][0]], pop_of[net["tgt"][k][0]]
        guard = " * int(not_refractory_post)" if net["pops"][t, 6] else ""
        syn = b2.Synapses(groups[s], groups[t], "w : 1", on_pre="v_post += w" + guard)
        syn.connect(i=net["src"][k] - int(net["pops"][s, 0]),
                    j=net["tgt"][k] - int(net["pops"][t, 0]))
        syn.w = net["w"][k]
        objects.append(syn)
    network = b2.Network(*groups, *(m for _, m in monitors), *objects)
    # reset before the tick's spikes are delivered, so that a neuron that fires keeps
    # them, as neuroemu's and NEST's do (Brian2's default resets after delivering)
    network.schedule = ["start", "groups", "thresholds", "resets", "synapses", "end"]
    network.run(ticks * dt)
    build = tempfile.mkdtemp(prefix="bench_compare_brian2_")
    try:
        b2.device.build(directory=build, compile=True, run=True, with_output=False)
        counts = np.zeros(pop_of.size, np.int64)
        for lo, m in monitors:
            counts[lo:lo + m.source.N] = m.count
        seconds = float(b2.device._last_run_time)
    finally:
        shutil.rmtree(build, ignore_errors=True)
    return {**tally(net, counts), "seconds": seconds, "version": b2.__version__}


def run_nest(net, ticks: int, dt_ms: float, threads: int) -> dict:
    """iaf_psc_delta; input tick t arrives as NEST does tick t + 1's."""
    import nest

    if hasattr(nest, "VerbosityLevel"):
        nest.verbosity = nest.VerbosityLevel.ERROR
    nest.ResetKernel()
    nest.set(resolution=dt_ms, local_num_threads=threads)
    ids, neurons = [], []
    for lo, n, is_input, thr, keep, vmin, ref in net["pops"]:
        n = int(n)
        if is_input:
            nodes = nest.Create("spike_generator", n)
            sel = (net["chan"] >= lo) & (net["chan"] < lo + n)
            order = np.argsort(net["chan"][sel], kind="stable")
            chan, tick = net["chan"][sel][order] - int(lo), net["tick"][sel][order]
            cut = np.searchsorted(chan, np.arange(n + 1))
            # emitted in step t + 1: the first step, run before the clock starts, is empty
            nodes.set([{"spike_times": (tick[a:b] + 2) * dt_ms}
                       for a, b in zip(cut[:-1], cut[1:])])
        else:
            params = {"V_th": thr, "E_L": 0.0, "V_reset": 0.0, "V_m": 0.0, "t_ref": ref * dt_ms,
                      "tau_m": -dt_ms / np.log(keep) if keep < 1 else 1e12}
            if not np.isnan(vmin):
                params["V_min"] = vmin
            nodes = nest.Create("iaf_psc_delta", n, params=params)
            neurons.append(nodes)
        ids += nodes.tolist()
    ids = np.array(ids)
    nest.Connect(ids[net["src"]], ids[net["tgt"]], "one_to_one",
                 {"weight": net["w"], "delay": np.full(net["src"].size, dt_ms)})
    rec = nest.Create("spike_recorder")
    for nodes in neurons:
        nest.Connect(nodes, rec)
    nest.Prepare()
    nest.Run(dt_ms)
    t0 = time.perf_counter()
    nest.Run(ticks * dt_ms)
    seconds = time.perf_counter() - t0
    nest.Cleanup()
    index = np.full(ids.max() + 1, -1)
    index[ids] = np.arange(ids.size)
    counts = np.bincount(index[rec.events["senders"]], minlength=ids.size)
    return {**tally(net, counts), "seconds": seconds, "version": nest.__version__}


def child(sim: str, path: str, ticks: str, dt_ms: str, threads: str) -> int:
    """Run one simulator on a saved network; print its figures as the last line."""
    import importlib.util

    module = {"brian2": "brian2", "nest": "nest"}[sim]
    os.environ.setdefault("PYNEST_QUIET", "1")  # NEST's banner
    if importlib.util.find_spec(module) is None:
        print(json.dumps({"unavailable": "not installed"}))
        return 0
    try:
        importlib.import_module(module)
    except Exception as err:  # installed but broken: said, not raised
        print(json.dumps({"unavailable": f"does not import ({type(err).__name__}: {err})"}))
        return 0
    run = run_brian2 if sim == "brian2" else run_nest
    print(json.dumps(run(dict(np.load(path)), int(ticks), float(dt_ms), int(threads))))
    return 0


def foreign(sim: str, python: str, path: Path, ticks: int, dt_ms: float, threads: int) -> dict:
    """A simulator's figures from a process of its own, or {'unavailable': why}."""
    cmd = [python, __file__, "--child", sim, str(path), str(ticks), str(dt_ms), str(threads)]
    out = subprocess.run(cmd, capture_output=True, text=True)
    lines = out.stdout.strip().splitlines()
    if out.returncode or not lines:
        why = (out.stderr.strip().splitlines() or [f"exit status {out.returncode}"])[-1]
        return {"unavailable": f"failed: {why}"}
    return json.loads(lines[-1])


def workload(label, cfg, stim, ticks, dt_ms, pythons, brian_threads, repeats) -> dict:
    """Every simulator on one workload; events/s and neuroemu's ratio at equal threads."""
    simulate(cfg, stim, 2)  # compile or load the kernel
    runs, missing = [], {}
    for t in (1, 2):
        res, wall = timed(cfg, stim, ticks, repeats=repeats, threads=t)
        runs.append({"simulator": "neuroemu", "threads": t, "seconds": wall,
                     "events": int(res.total("synaptic_ops")),
                     "spikes": int(res.spike_neuron.size)})
    with tempfile.TemporaryDirectory(prefix="bench_compare_") as tmp:
        path = Path(tmp) / "net.npz"
        save(cfg, stim, path)
        for sim, threads in [("brian2", t) for t in brian_threads] + [("nest", 1)]:
            if sim in missing:
                continue
            # Brian2 on one thread: plain serial code (openmp_threads 0)
            r = foreign(sim, pythons[sim], path, ticks, dt_ms,
                        0 if sim == "brian2" and threads == 1 else threads)
            if "unavailable" in r:
                missing[sim] = r["unavailable"]
            else:
                runs.append({"simulator": sim, "threads": threads, **r})
    ours = {r["threads"]: r["events"] / r["seconds"] for r in runs[:2]}
    for r in runs:
        r["events_per_s"] = r["events"] / r["seconds"]
        if r["simulator"] != "neuroemu":
            r["neuroemu_over_it"] = ours[r["threads"]] / r["events_per_s"]
    return {"workload": label, "ticks": ticks, "tick_ms": dt_ms, "runs": runs,
            "unavailable": missing}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    ap.add_argument("--quick", action="store_true", help="shorter runs (for a smoke test)")
    ap.add_argument("--brian2-python", default=sys.executable,
                    help="the Python that runs Brian2 (default: this one)")
    ap.add_argument("--nest-python", default=sys.executable,
                    help="the Python that runs NEST (default: this one)")
    ap.add_argument("--child", nargs=5, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        return child(*args.child)
    log = (lambda *a: print(*a, file=sys.stderr)) if args.json else print
    pythons = {"brian2": args.brian2_python, "nest": args.nest_python}
    t1, t2 = (200, 1000) if args.quick else (1000, 10_000)
    cfg, stim = feedforward(np.random.default_rng(1), 0.05, t1)
    results = [workload("W1 feed-forward 1024-1024-1024-10", cfg, stim, t1, 1.0, pythons,
                        (1,), 3)]
    cfg, stim = recurrent(np.random.default_rng(2), t2)
    results.append(workload("W2 sparse recurrent 10,000 LIF", cfg, stim, t2, 0.1, pythons,
                            (1, 2), 2))
    for w in results:
        log(f"{w['workload']}, {w['ticks']} ticks of {w['tick_ms']:g} ms")
        log(f"  {'':16} {'threads':>7} {'events/s':>10} {'events':>11} {'spikes':>9} "
            f"{'seconds':>8}  neuroemu/it")
        for r in w["runs"]:
            name = f"{r['simulator']} {r.get('version', '')}"
            ratio = f"{r['neuroemu_over_it']:.2f}x" if "neuroemu_over_it" in r else ""
            log(f"  {name:16} {r['threads']:7} {r['events_per_s']:10.3g} {r['events']:11,} "
                f"{r['spikes']:9,} {r['seconds']:8.3f}  {ratio}")
        for sim, why in w["unavailable"].items():
            log(f"  {sim:16} {why}")
    if args.json:
        print(json.dumps({"quick": args.quick, "workloads": results}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
