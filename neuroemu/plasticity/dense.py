"""The plasticity steps of the dense reference engine: every neuron and every plastic
synapse, in plain numpy (the specification; :mod:`neuroemu.plasticity` gives it)."""

from __future__ import annotations

import numpy as np

PLASTIC_COUNTERS = ("trace_updates", "weight_updates", "weight_overflows")
PLASTIC_PER_TICK = ("trace_updates", "weight_updates")


class DensePlasticity:
    """Traces, thresholds and weight updates of one run, tick by tick."""

    def __init__(self, cfg, plan, ticks: int):
        self.cfg, self.p = cfg, plan
        n, n_cores = cfg.n_neurons, cfg.n_cores
        self.x = np.zeros(n, np.int64)
        self.theta = np.zeros(n, np.int64)
        self.involved = plan.involved
        self.counters = {k: np.zeros(n_cores, np.int64) for k in PLASTIC_COUNTERS}
        self.per_tick = {k: np.zeros((ticks, n_cores), np.int64) for k in PLASTIC_PER_TICK}

    def tick(self, t: int, out: np.ndarray, w: np.ndarray) -> None:
        """Steps 4 and 5 of tick ``t``: ``out`` holds every spike of ``t`` (neurons and
        input); ``w`` (the run's weights, config order) changes at an epoch's end."""
        p, core, n_cores = self.p, self.cfg.core_of, self.cfg.n_cores
        spiked = (out != 0) & self.involved
        written = self.involved & ((self.x != 0) | spiked)
        x = self.x - (self.x >> p.s) + np.where(spiked, 1 << (p.bits - p.s), 0)
        self.x = np.where(self.involved, np.minimum(x, (1 << p.bits) - 1), 0)
        theta = self.theta + (((self.x * self.x) // p.c0 - self.theta) >> p.r)
        self.theta = np.where(p.is_target, theta, 0)
        traces = np.bincount(core[written], minlength=n_cores)
        self.counters["trace_updates"] += traces
        self.per_tick["trace_updates"][t] = traces
        if (t + 1) % p.epoch == 0:
            self._update(t, w)

    def _update(self, t: int, w: np.ndarray) -> None:
        p, cfg = self.p, self.cfg
        phi = (self.x * (self.x - self.theta)) >> p.bits
        sel = np.flatnonzero(p.plastic & (self.x[cfg.syn_src] != 0))
        src, tgt = cfg.syn_src[sel], cfg.syn_tgt[sel]
        shift = p.bits + p.k
        dw = (self.x[src] * phi[tgt] + (1 << (shift - 1))) >> shift
        new = (w[sel] >> p.exp[sel]) + dw
        over = (new < p.w_lo) | (new > p.w_hi)
        w[sel] = np.clip(new, p.w_lo, p.w_hi) << p.exp[sel]
        tcore = cfg.core_of[tgt]
        visits = np.bincount(tcore, minlength=cfg.n_cores)
        self.counters["weight_updates"] += visits
        self.per_tick["weight_updates"][t] = visits
        self.counters["weight_overflows"] += np.bincount(tcore[over], minlength=cfg.n_cores)
