"""The event kernel of Xylo configurations: the arithmetic of :mod:`neuroemu.hw.xylo`.

Every Xylo synapse delivers at the next tick, so the queue is two lists: the
input spikes and the neuron spikes fired at the last tick. A tick delivers
them, input channels first and then neurons by index (the chip's order, which
its saturating additions depend on), adding each spike straight into its
targets' 16-bit currents; it then updates, in index order, the neurons that
received a spike or changed at the last tick (any other is at a fixed point of
its update), and queues the spikes fired and the input of the tick.

Counters, the spike record and the probes are those of :mod:`.event`.
"""

import numpy as np

from . import check_cache
from .jit import jit

# counters per core (as kernels.event)
C_SYN, C_UPD, C_SPK, C_PKT, C_HOP, C_OVV, C_OVU = 0, 1, 2, 3, 4, 5, 6
LO, HI = -32768, 32767


@jit
def _decay(x, dash):
    """x >> dash, or the sign of x where that is 0."""
    d = x >> dash
    if d == 0:
        if x > 0:
            return 1
        if x < 0:
            return -1
    return d


@jit
def _clamp(x):
    """(value, saturated) of x in the 16-bit register."""
    if x < LO:
        return LO, True
    if x > HI:
        return HI, True
    return x, False


@jit
def _deliver_xylo(t, row, j, val, out_ptr, seg_core, seg_hops, syn_ptr, syn_tgt, syn_w,
                  syn_port, u_r, u2_r, sat, mark, due, n_due, counters, tick_ops):
    """Add source j's spike (count val) to its targets' currents; returns n_due."""
    for s in range(out_ptr[j], out_ptr[j + 1]):
        c = seg_core[s]
        k0 = syn_ptr[s]
        k1 = syn_ptr[s + 1]
        counters[c, C_SYN] += k1 - k0
        counters[c, C_PKT] += 1
        counters[c, C_HOP] += seg_hops[s]
        tick_ops[row, c] += k1 - k0
        for k in range(k0, k1):
            i = syn_tgt[k]
            if syn_port[k] == 0:
                x, over = _clamp(u_r[i] + syn_w[k] * val)
                u_r[i] = x
            else:
                x, over = _clamp(u2_r[i] + syn_w[k] * val)
                u2_r[i] = x
            if over:
                sat[i] = 1
            if mark[i] != t:
                mark[i] = t
                due[n_due] = i
                n_due += 1
    return n_due


@jit
def _update_xylo(j, v_r, u_r, u2_r, cnt_r, p_thr, p_bias, p_dashv, p_dashu, p_dashu2, p_maxsp):
    """Step 2 for Xylo neuron j: (spikes fired, v saturated, registers changed)."""
    v0 = v_r[j]
    u0 = u_r[j]
    w0 = u2_r[j]
    u = u0 - _decay(u0, p_dashu[j])
    w = w0 - _decay(w0, p_dashu2[j])
    dv = -_decay(v0, p_dashv[j])
    if dv == 32768:  # the chip's 16-bit dv wraps
        dv = -32768
    dv, s1 = _clamp(dv + u + w)
    dv, s2 = _clamp(dv + p_bias[j])
    v, s3 = _clamp(v0 + dv)
    thr = p_thr[j]
    n = 0
    if v >= thr:
        n = min(v // thr, p_maxsp[j])
        v -= n * thr
    v_r[j] = v
    u_r[j] = u
    u2_r[j] = w
    cnt_r[j] += n
    return n, s1 or s2 or s3, v != v0 or u != u0 or w != w0


@jit
def run_xylo_ticks(
    # network (read-only)
    p_thr, p_bias, p_dashv, p_dashu, p_dashu2, p_maxsp, core_of, out_ptr, seg_core, seg_hops,
    syn_ptr, syn_tgt, syn_w, syn_port,
    # state (updated in place)
    v_r, u_r, u2_r, cnt_r, sat, mark, due, active, n_active, pend_in, pend_in_val, n_pend_in,
    pend_n, pend_n_val, n_pend_n, sp_t, sp_n, sp_v, sp_len, counters, first_ovf,
    # this call
    t0, t1, in_tick, in_chan, in_val, in_offset, in_max,
    tick_ops, tick_upd, tick_spk, probes, probe_v, probe_u, probe_u2, stop_on_overflow,
):
    """Run ticks t0..t1-1 of a Xylo configuration; return the tick after the last one run."""
    ip = 0
    while ip < in_tick.size and in_tick[ip] < t0:
        ip += 1
    for t in range(t0, t1):
        row = t - t0
        # 1. deliver the spikes of t - 1: input channels, then neurons by index
        n_due = np.int64(0)  # not a literal 0 (jit.py: one version)
        for e in range(n_pend_in[0]):
            n_due = _deliver_xylo(t, row, pend_in[e], pend_in_val[e], out_ptr, seg_core,
                                  seg_hops, syn_ptr, syn_tgt, syn_w, syn_port, u_r, u2_r, sat,
                                  mark, due, n_due, counters, tick_ops)
        for e in range(n_pend_n[0]):
            n_due = _deliver_xylo(t, row, pend_n[e], pend_n_val[e], out_ptr, seg_core,
                                  seg_hops, syn_ptr, syn_tgt, syn_w, syn_port, u_r, u2_r, sat,
                                  mark, due, n_due, counters, tick_ops)
        for e in range(n_active[0]):  # unique; mark[i] == t only for those that received
            i = active[e]
            if mark[i] != t:
                due[n_due] = i
                n_due += 1
        order = np.sort(due[:n_due])
        # 2. update the due neurons in index order
        n_pend_n[0] = 0
        n_next = 0
        overflowed = False
        for e in range(n_due):
            j = order[e]
            got = mark[j] == t  # received a spike this tick
            n, ovv, changed = _update_xylo(j, v_r, u_r, u2_r, cnt_r, p_thr, p_bias, p_dashv,
                                           p_dashu, p_dashu2, p_maxsp)
            ovu = sat[j] != 0
            sat[j] = 0
            if not (got or n > 0 or ovu or ovv or changed):
                continue  # at a fixed point: skipped until its next input
            c = core_of[j]
            counters[c, C_UPD] += 1
            tick_upd[row, c] += 1
            if ovu or ovv:
                overflowed = True
                if ovu:
                    counters[c, C_OVU] += 1
                if ovv:
                    counters[c, C_OVV] += 1
                if first_ovf[0] < 0:
                    first_ovf[0] = t
                    first_ovf[1] = j
                    first_ovf[2] = 0 if ovu else 1
            if changed or n > 0 or ovv:  # saturating at a fixed point saturates again
                active[n_next] = j
                n_next += 1
            if n > 0:
                counters[c, C_SPK] += 1
                tick_spk[row, c] += 1
                k = sp_len[0]
                sp_t[k] = t
                sp_n[k] = j
                sp_v[k] = n
                sp_len[0] = k + 1
                pend_n[n_pend_n[0]] = j
                pend_n_val[n_pend_n[0]] = n
                n_pend_n[0] += 1
        n_active[0] = n_next
        # 3. the input spikes of t, cut to the chip's counts, leave for t + 1
        n_pend_in[0] = 0
        while ip < in_tick.size and in_tick[ip] == t:
            val = min(max(in_val[ip], 0), in_max)
            if val > 0:
                j = in_offset + in_chan[ip]
                c = core_of[j]
                counters[c, C_SPK] += 1
                tick_spk[row, c] += 1
                pend_in[n_pend_in[0]] = j
                pend_in_val[n_pend_in[0]] = val
                n_pend_in[0] += 1
            ip += 1
        for i in range(probes.size):
            probe_v[row, i] = v_r[probes[i]]
            probe_u[row, i] = u_r[probes[i]]
            probe_u2[row, i] = u2_r[probes[i]]
        if stop_on_overflow and overflowed:
            return t + 1
    return t1


# before any kernel of this module is loaded from numba's cache (package docstring)
check_cache(run_xylo_ticks)
