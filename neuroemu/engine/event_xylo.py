"""Orchestration of the Xylo event kernel (:mod:`.kernels.xylo`): its arrays, state, chunks.

:func:`neuroemu.engine.event.run_event` hands a configuration with Xylo
neurons to :func:`run_event_xylo`, which takes the same arguments.
"""

from __future__ import annotations

import time

import numpy as np

from ..errors import InputError
from ..inputs.stimulus import Stimulus
from ..ir.connectivity import lex_order
from ..mapping.codes import MODEL_INPUT
from .result import COUNTERS, PER_TICK, RunResult
from .tick_counts import TickCounts


def xylo_arrays(cfg) -> tuple:
    """The kernel's network arrays: neuron parameters and synapses by source, cut into
    segments (one packet each: one source, projection and target core)."""
    core = cfg.core_of
    tcore = core[cfg.syn_tgt]
    order = lex_order(cfg.syn_src, cfg.syn_proj, tcore, cfg.syn_tgt)
    src, proj, tgt, tc = cfg.syn_src[order], cfg.syn_proj[order], cfg.syn_tgt[order], tcore[order]
    new = np.ones(src.size, bool)
    if src.size:
        new[1:] = (src[1:] != src[:-1]) | (proj[1:] != proj[:-1]) | (tc[1:] != tc[:-1])
    seg_start = np.flatnonzero(new)
    out_ptr = np.searchsorted(src[seg_start], np.arange(cfg.n_neurons + 1))
    i64 = lambda a: np.require(a, np.int64, ["C", "W"])  # noqa: E731
    return (i64(cfg.thr), i64(cfg.bias), i64(cfg.dash_v), i64(cfg.dash_u), i64(cfg.dash_u2),
            i64(cfg.pop_maxspikes[cfg.pop_of]), i64(core), i64(out_ptr), i64(tc[seg_start]),
            i64(cfg.hops(core[src[seg_start]], tc[seg_start])),
            i64(np.append(seg_start, src.size)), i64(tgt), i64(cfg.syn_w[order]),
            i64(cfg.syn_port[order]))


def run_event_xylo(cfg, stimulus, ticks, probes=(), stop_on_overflow=False, progress=None,
                   chunk_ticks=0, drain_ticks=0, probe_sink=None) -> RunResult:
    """Run a Xylo configuration with the event kernel; arguments as ``run_event``."""
    from .kernels.xylo import run_xylo_ticks

    net = xylo_arrays(cfg)
    start = time.perf_counter()
    n, n_cores = cfg.n_neurons, cfg.n_cores
    v = cfg.v_init.astype(np.int64).copy()
    u, u2, cnt = (np.zeros(n, np.int64) for _ in range(3))
    sat = np.zeros(n, np.int64)
    mark = np.full(n, -1, np.int64)
    due = np.zeros(2 * n + 1, np.int64)
    is_neuron = cfg.pop_model[cfg.pop_of] != MODEL_INPUT
    active = np.zeros(n, np.int64)
    first = np.flatnonzero(is_neuron)
    active[:first.size] = first  # every neuron is looked at on tick 0
    n_active = np.array([first.size], np.int64)
    pend = [np.zeros(n, np.int64) for _ in range(4)]
    n_pend_in, n_pend_n = np.zeros(1, np.int64), np.zeros(1, np.int64)
    counters = np.zeros((n_cores, len(COUNTERS)), np.int64)
    first_ovf = np.full(3, -1, np.int64)
    probes = np.asarray(probes, dtype=np.int64)
    in_offset = int(cfg.pop_offset[cfg.pop_index(cfg.network.input)]) if cfg.network.input else 0
    in_max = int(cfg.profile.tables["chip"]["max_input_count"])
    chunk_ticks = chunk_ticks if chunk_ticks > 0 else 1000

    chunks = [stimulus] if stimulus is None or isinstance(stimulus, Stimulus) else list(stimulus)
    parts = [c for c in chunks if c is not None and len(c)]
    for a, b in zip(parts, parts[1:]):
        if b.tick[0] <= a.tick[-1]:
            raise InputError(f"input chunk starting at tick {int(b.tick[0])} came after tick "
                             f"{int(a.tick[-1])}: chunks must come in tick order")
    cat = lambda k: (np.concatenate([getattr(c, k) for c in parts]).astype(np.int64)  # noqa: E731
                     if parts else np.zeros(0, np.int64))
    in_tick, in_chan, in_val = cat("tick"), cat("channel"), cat("value")
    last_input = int(in_tick[-1]) if in_tick.size else -1
    total = max(ticks if ticks is not None else last_input + 1 + drain_ticks, 1)

    records, blocks, t = [], [], 0
    tick_parts = {name: [] for name in PER_TICK}  # kept sparse, block after block
    compile_s = 0.0
    while t < total and not (stop_on_overflow and first_ovf[0] >= 0):
        t1 = min(total, t + chunk_ticks)
        size = (t1 - t) * n
        rec = [np.zeros(size, np.int32), np.zeros(size, np.int32), np.zeros(size, np.int8)]
        sp_len = np.zeros(1, np.int64)
        per_tick = np.zeros((3, t1 - t, n_cores), np.int64)
        pv, pu, pu2 = (np.zeros((t1 - t, probes.size), np.int64) for _ in range(3))
        i0 = int(np.searchsorted(in_tick, t))
        c0 = time.perf_counter()
        compiled = bool(run_xylo_ticks.signatures)
        t_next = run_xylo_ticks(
            *net, v, u, u2, cnt, sat, mark, due, active, n_active, pend[0], pend[1], n_pend_in,
            pend[2], pend[3], n_pend_n, rec[0], rec[1], rec[2], sp_len, counters, first_ovf,
            t, t1, in_tick[i0:], in_chan[i0:], in_val[i0:], in_offset, in_max,
            per_tick[0], per_tick[1], per_tick[2], probes, pv, pu, pu2, stop_on_overflow)
        if not compiled:
            compile_s += time.perf_counter() - c0
        done = t_next - t
        records.append([a[:sp_len[0]] for a in rec])
        if probe_sink is not None:
            probe_sink(pv[:done], pu[:done])
            pv, pu, pu2 = (np.zeros((0, probes.size), np.int64) for _ in range(3))
        for i, name in enumerate(PER_TICK):
            tick_parts[name].append(TickCounts.from_dense(per_tick[i, :done], t))
        blocks.append((None, pv[:done], pu[:done], pu2[:done]))
        t = t_next
        if progress is not None:
            progress(t, ticks)

    def stack(i):
        return np.concatenate([b[i] for b in blocks]) if blocks else np.zeros((0, probes.size),
                                                                              np.int64)
    per_tick = {name: TickCounts.concat(parts, t, n_cores) for name, parts in tick_parts.items()}
    sp_t, sp_n, sp_v = (np.concatenate([r[i] for r in records]) for i in range(3))
    return RunResult(
        config=cfg, ticks=t, spike_tick=sp_t, spike_neuron=sp_n, spike_value=sp_v,
        v=v, u=u, refractory=np.zeros(n, np.int64), count=cnt, v_sum=np.zeros(n, np.int64),
        counters={name: counters[:, i].copy() for i, name in enumerate(COUNTERS)},
        per_tick=per_tick, probe_neurons=probes, probe_v=stack(1), probe_u=stack(2),
        u2=u2, probe_u2=stack(3),
        first_overflow=None if first_ovf[0] < 0 else tuple(int(x) for x in first_ovf),
        engine="event", wall_s=time.perf_counter() - start - compile_s, compile_s=compile_s,
    )
