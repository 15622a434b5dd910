"""The event-driven kernel: a calendar queue of spike events over integer ticks.

Queue
    Delays are whole ticks in 1..D, so the queue is a calendar of ``D + 1``
    buckets indexed by ``tick % (D + 1)``: pushing and popping cost O(1) and a
    bucket is read in the order it was written, which makes runs
    deterministic. A bucket entry is a *fan-out group* (one neuron's synapses
    of one delay) with the spike's value; a bucket never holds more entries
    than there are groups, so buckets are allocated once.

Delivery
    A group is cut into *segments*, one per (projection, target core): one
    packet each. A segment whose targets are consecutive neurons (dense rows)
    adds its weight row to a slice of the accumulator; others scatter.

Updates
    Only neurons that received input this tick, or whose last update changed
    them, are updated. A neuron updated with no input whose registers did not
    change (and that neither fired nor overflowed) is at a fixed point of its
    deterministic update, so skipping it until its next input is exact.

The arithmetic mirrors :mod:`neuroemu.hw.fixed` and
:func:`neuroemu.engine.reference.update_neurons` line for line.
"""

import numpy as np

from .jit import jit

C_SYN, C_UPD, C_SPK, C_PKT, C_HOP, C_OVV, C_OVU = 0, 1, 2, 3, 4, 5, 6


@jit
def _mul_frac(x, m, toward_zero):
    p = x * m
    if toward_zero:
        if p < 0:
            return -((-p) >> 12)
        return p >> 12
    return p >> 12


@jit
def _register(x, lo, hi, wrap):
    """(value, overflowed) of x in a register [lo, hi]; wrap is two's complement."""
    if lo <= x <= hi:
        return x, False
    if wrap:
        span = hi - lo + 1
        return ((x - lo) % span) + lo, True
    if x < lo:
        return lo, True
    return hi, True


@jit
def run_ticks(
    # network (read-only)
    pop_of, pop_model, pop_reset, pop_strict, pop_floor, pop_vmin, pop_refr, pop_signed,
    pop_negthr, pop_maxcnt, pop_rint, pop_roff, pop_lo, pop_hi, thr, bias, leak, v_init, mul_v, mul_u, mul_k, core_of,
    grp_ptr, grp_delay, seg_ptr, seg_core, seg_hops, seg_contig, syn_ptr, syn_tgt, syn_w,
    regs,  # int64 (7,): v_lo, v_hi, v_wrap, u_lo, u_hi, u_wrap, toward_zero
    # state (updated in place)
    v, u, ref, cnt, acc, mark, active, n_active, q_grp, q_val, q_len,
    v_sum, last_t, ranges, upd_list,
    sp_t, sp_n, sp_v, sp_len, counters, first_ovf,
    # this call
    t0, t1, in_tick, in_chan, in_val, in_offset,
    tick_ops, tick_upd, tick_spk, probes, probe_v, probe_u, stop_on_overflow,
):
    """Run ticks t0..t1-1; return the tick after the last one run.

    Input spikes are counted but not recorded (the input is known). Returns
    early, at a tick boundary, when the spike record could overflow in the next tick or (with ``stop_on_overflow``) after a tick with an overflow.
    """
    n = v.size
    ring = q_len.size
    v_lo, v_hi, v_wrap = regs[0], regs[1], regs[2] != 0
    u_lo, u_hi, u_wrap = regs[3], regs[4], regs[5] != 0
    tz = regs[6] != 0
    ip = 0
    while ip < in_tick.size and in_tick[ip] < t0:
        ip += 1
    for t in range(t0, t1):
        row = t - t0
        b = t % ring
        # 1. deliver the bucket of tick t
        n_upd = 0
        n_rng = 0
        for e in range(q_len[b]):
            g = q_grp[b, e]
            val = q_val[b, e]
            for s in range(seg_ptr[g], seg_ptr[g + 1]):
                c = seg_core[s]
                k0 = syn_ptr[s]
                k1 = syn_ptr[s + 1]
                counters[c, C_SYN] += k1 - k0
                counters[c, C_PKT] += 1
                counters[c, C_HOP] += seg_hops[s]
                tick_ops[row, c] += k1 - k0
                if seg_contig[s]:
                    base = syn_tgt[k0] - k0
                    if val == 1:
                        for k in range(k0, k1):
                            acc[base + k] += syn_w[k]
                    else:
                        for k in range(k0, k1):
                            acc[base + k] += syn_w[k] * val
                    ranges[n_rng, 0] = syn_tgt[k0]
                    ranges[n_rng, 1] = syn_tgt[k0] + (k1 - k0)
                    n_rng += 1
                else:
                    for k in range(k0, k1):
                        j = syn_tgt[k]
                        acc[j] += syn_w[k] * val
                        if mark[j] != t:
                            mark[j] = t
                            upd_list[n_upd] = j
                            n_upd += 1
        q_len[b] = 0
        # populations due for a reset return to their initial state (and are updated)
        for p in range(pop_rint.size):
            if pop_rint[p] > 0 and t % pop_rint[p] == pop_roff[p]:
                for j in range(pop_lo[p], pop_hi[p]):
                    v_sum[j] += v[j] * (t - last_t[j] - 1)
                    last_t[j] = t - 1
                    v[j] = v_init[j]
                    u[j] = 0
                    ref[j] = 0
                    if mark[j] != t:
                        mark[j] = t
                        upd_list[n_upd] = j
                        n_upd += 1
        # neurons to update: targets of dense rows, of scattered synapses, and the active set
        if n_rng > 0:
            order = np.argsort(ranges[:n_rng, 0])
            hi_seen = -1
            for i in range(n_rng):
                lo = ranges[order[i], 0]
                hi = ranges[order[i], 1]
                if lo < hi_seen:
                    lo = hi_seen
                for j in range(lo, hi):
                    if mark[j] != t:
                        mark[j] = t
                        upd_list[n_upd] = j
                        n_upd += 1
                if hi > hi_seen:
                    hi_seen = hi
        for i in range(n_active[0]):
            j = active[i]
            if mark[j] != t:
                mark[j] = t
                upd_list[n_upd] = j
                n_upd += 1
        # 2. update
        n_next = 0
        overflowed = False
        for i in range(n_upd):
            j = upd_list[i]
            p = pop_of[j]
            a = acc[j]
            acc[j] = 0
            v0 = v[j]
            u0 = u[j]
            r0 = ref[j]
            c0 = cnt[j]
            vv = v0
            uu = u0
            rr = r0
            cc = c0
            ovu = False
            ovv = False
            if pop_model[p] == 2:
                uu, ovu = _register(_mul_frac(u0, mul_u[j], tz) + a, u_lo, u_hi, u_wrap)
                drive = uu
            else:
                drive = a
            val = 0
            if r0 > 0:
                rr = r0 - 1
            else:
                x = _mul_frac(v0, mul_v[j], tz) + drive + bias[j] - leak[j]
                if mul_k[j] != 4096:
                    x = _mul_frac(x, mul_k[j], tz)
                vv, ovv = _register(x, v_lo, v_hi, v_wrap)
                if pop_floor[p] != 0 and vv < pop_vmin[p]:
                    vv = pop_vmin[p]
                above = (vv > thr[j]) if pop_strict[p] != 0 else (vv >= thr[j])
                if above and (pop_maxcnt[p] == 0 or cc < pop_maxcnt[p]):
                    val = 1
                    cc += 1
                    if pop_reset[p] == 0:
                        vv = 0
                    elif pop_reset[p] == 1:
                        vv -= thr[j]
                    rr = pop_refr[p]
                elif pop_signed[p] != 0 and cc > 0 and vv < pop_negthr[p]:
                    val = -1
                    cc -= 1
                    if pop_reset[p] == 0:
                        vv = 0
                    elif pop_reset[p] == 1:
                        vv += thr[j]
            v[j] = vv
            u[j] = uu
            ref[j] = rr
            cnt[j] = cc
            v_sum[j] += v0 * (t - last_t[j] - 1) + vv
            last_t[j] = t
            c = core_of[j]
            if ovu or ovv:
                overflowed = True
                if ovu:
                    counters[c, C_OVU] += 1
                if ovv:
                    counters[c, C_OVV] += 1
                reg = 0 if ovu else 1
                if (first_ovf[0] < 0 or t < first_ovf[0]
                        or (t == first_ovf[0] and j < first_ovf[1])):
                    first_ovf[0] = t
                    first_ovf[1] = j
                    first_ovf[2] = reg
            if a != 0 or val != 0 or ovu or ovv or vv != v0 or uu != u0 or rr != r0 or cc != c0:
                counters[c, C_UPD] += 1
                tick_upd[row, c] += 1
                upd_list[n_next] = j  # safe: n_next <= i
                n_next += 1
            if val != 0:
                counters[c, C_SPK] += 1
                tick_spk[row, c] += 1
                k = sp_len[0]
                sp_t[k] = t
                sp_n[k] = j
                sp_v[k] = val
                sp_len[0] = k + 1
                for g in range(grp_ptr[j], grp_ptr[j + 1]):
                    bb = (t + grp_delay[g]) % ring
                    q_grp[bb, q_len[bb]] = g
                    q_val[bb, q_len[bb]] = val
                    q_len[bb] += 1
        for i in range(n_next):
            active[i] = upd_list[i]
        n_active[0] = n_next
        # 3. input spikes of tick t
        while ip < in_tick.size and in_tick[ip] == t:
            j = in_offset + in_chan[ip]
            val = in_val[ip]
            c = core_of[j]
            counters[c, C_SPK] += 1
            tick_spk[row, c] += 1
            for g in range(grp_ptr[j], grp_ptr[j + 1]):
                bb = (t + grp_delay[g]) % ring
                q_grp[bb, q_len[bb]] = g
                q_val[bb, q_len[bb]] = val
                q_len[bb] += 1
            ip += 1
        for i in range(probes.size):
            probe_v[row, i] = v[probes[i]]
            probe_u[row, i] = u[probes[i]]
        if sp_len[0] + n > sp_t.size or (stop_on_overflow and overflowed):
            return t + 1
    return t1
