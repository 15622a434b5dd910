"""The plasticity steps of the event engine: numba loops over the neurons that have a
trace and the synapses whose source has one (the arithmetic of :mod:`neuroemu.plasticity`;
:mod:`.dense` is the specification it must equal bit for bit)."""

import numpy as np

from ..engine.kernels.jit import jit
from ..engine.tick_counts import TickCounts


@jit
def trace_ticks(t0, t1, spk_t, spk_n, inp_t, inp_n, involved, is_target, x, theta, mark,
                core_of, trace_upd, bits, s, r, c0):
    """Step 4 for ticks t0..t1-1. ``spk_t, spk_n`` (neuron spikes) and ``inp_t, inp_n``
    (input spikes, global neurons) are sorted by tick. ``trace_upd`` (T, C) counts."""
    top = (1 << bits) - 1
    amp = 1 << (bits - s)
    i = 0
    j = 0
    n = x.size
    for t in range(t0, t1):
        while i < spk_t.size and spk_t[i] == t:
            mark[spk_n[i]] = t
            i += 1
        while j < inp_t.size and inp_t[j] == t:
            mark[inp_n[j]] = t
            j += 1
        for q in range(n):
            if not involved[q]:
                continue
            xq = x[q]
            fired = mark[q] == t
            if xq != 0 or fired:
                trace_upd[t - t0, core_of[q]] += 1
                xq = xq - (xq >> s) + (amp if fired else 0)
                if xq > top:
                    xq = top
                x[q] = xq
            if is_target[q] and (xq != 0 or theta[q] != 0):
                theta[q] = theta[q] + (((xq * xq) // c0[q] - theta[q]) >> r)


@jit
def weight_epoch(src_ptr, src_ids, syn_idx, syn_tgt, syn_exp, syn_w, x, theta, core_of,
                 counts, bits, k, w_lo, w_hi):
    """Step 5 over the plastic synapses grouped by source (``src_ptr`` into ``syn_idx``,
    positions in ``syn_w``): sources with no trace are skipped. ``counts`` (C, 2):
    weight updates and overflows per target core."""
    shift = bits + k
    half = 1 << (shift - 1)
    for g in range(src_ids.size):
        xj = x[src_ids[g]]
        if xj == 0:
            continue
        for e in range(src_ptr[g], src_ptr[g + 1]):
            kk = syn_idx[e]
            i = syn_tgt[e]
            xi = x[i]
            phi = (xi * (xi - theta[i])) >> bits
            dw = (xj * phi + half) >> shift
            ex = syn_exp[e]
            new = (syn_w[kk] >> ex) + dw
            c = core_of[i]
            counts[c, 0] += 1
            if new < w_lo:
                new = w_lo
                counts[c, 1] += 1
            elif new > w_hi:
                new = w_hi
                counts[c, 1] += 1
            syn_w[kk] = new << ex


def compiles() -> bool:
    """True when the next plastic run compiles these loops: neither loaded nor in numba's
    on-disk cache (as :func:`neuroemu.engine.event.kernel_compiles`)."""
    for fn in (trace_ticks, weight_epoch):
        if fn.signatures:
            continue
        try:  # numba's cache index: empty when missing or made for another source
            if not fn._cache._cache_file._load_index():
                return True
        except Exception:  # noqa: BLE001 - another numba: say nothing rather than fail
            return False
    return False


class EventPlasticity:
    """Traces, thresholds and weight updates of one event-engine run, chunk by chunk."""

    def __init__(self, cfg, plan, order: np.ndarray, syn_w: np.ndarray):
        """``order``: the kernel's synapse order (kernel position -> config index);
        ``syn_w``: the kernel's weight table (a copy of this run's own), changed in place."""
        self.cfg, self.p, self.syn_w = cfg, plan, syn_w
        n = cfg.n_neurons
        self.x = np.zeros(n, np.int64)
        self.theta = np.zeros(n, np.int64)
        self.mark = np.full(n, -1, np.int64)
        self.involved = np.ascontiguousarray(plan.involved, np.bool_)
        self.is_target = np.ascontiguousarray(plan.is_target, np.bool_)
        pos = np.flatnonzero(plan.plastic[order])  # kernel positions, sorted by source
        cfg_idx = order[pos]
        src = cfg.syn_src[cfg_idx]
        src_ids, start = np.unique(src, return_index=True)
        self.src_ids = src_ids.astype(np.int64)
        self.src_ptr = np.append(start, src.size).astype(np.int64)
        self.syn_idx = pos.astype(np.int64)
        self.syn_tgt = cfg.syn_tgt[cfg_idx].astype(np.int64)
        self.syn_exp = plan.exp[cfg_idx].astype(np.int64)
        n_cores = cfg.n_cores
        self.counters = {"trace_updates": np.zeros(n_cores, np.int64),
                         "weight_updates": np.zeros(n_cores, np.int64),
                         "weight_overflows": np.zeros(n_cores, np.int64)}
        self.blocks = []  # (trace_updates, weight_updates) of each chunk, as TickCounts

    def advance(self, t0: int, t1: int, spk_t, spk_n, inp_t, inp_n) -> None:
        """Steps 4 and 5 for ticks t0..t1-1, an epoch's end at most at t1 - 1."""
        p, cfg = self.p, self.cfg
        trace_upd = np.zeros((t1 - t0, cfg.n_cores), np.int64)
        weight_upd = np.zeros((t1 - t0, cfg.n_cores), np.int64)
        i64 = lambda a: np.ascontiguousarray(a, np.int64)
        trace_ticks(t0, t1, i64(spk_t), i64(spk_n), i64(inp_t), i64(inp_n), self.involved,
                    self.is_target, self.x, self.theta, self.mark, cfg.core_of, trace_upd,
                    p.bits, p.s, p.r, p.c0)
        if t1 > t0 and t1 % p.epoch == 0:
            counts = np.zeros((cfg.n_cores, 2), np.int64)
            weight_epoch(self.src_ptr, self.src_ids, self.syn_idx, self.syn_tgt, self.syn_exp,
                         self.syn_w, self.x, self.theta, cfg.core_of, counts, p.bits, p.k,
                         p.w_lo, p.w_hi)
            weight_upd[-1] = counts[:, 0]
            self.counters["weight_updates"] += counts[:, 0]
            self.counters["weight_overflows"] += counts[:, 1]
        self.counters["trace_updates"] += trace_upd.sum(axis=0)
        self.blocks.append((TickCounts.from_dense(trace_upd, t0),
                            TickCounts.from_dense(weight_upd, t0)))

    def per_tick(self, ticks: int, n_cores: int) -> dict:
        """trace_updates and weight_updates per tick and core (:class:`TickCounts`)."""
        return {name: TickCounts.concat([b[i] for b in self.blocks], ticks, n_cores)
                for i, name in enumerate(("trace_updates", "weight_updates"))}
