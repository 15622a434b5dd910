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
    packet each. A segment whose targets are consecutive neurons (a dense row)
    adds its weight row to a slice of the accumulator and names its target
    range once per tick; others scatter and name each target.

Updates
    Only neurons that received input this tick, or whose last update changed
    them, are updated. A neuron updated with no input whose registers did not
    change (and that neither fired nor overflowed) is at a fixed point of its
    deterministic update, so skipping it until its next input is exact.

The arithmetic mirrors :mod:`neuroemu.hw.fixed` and
:func:`neuroemu.engine.reference.update_neurons` line for line.
"""

from .jit import jit

C_SYN, C_UPD, C_SPK, C_PKT, C_HOP, C_OVV, C_OVU = 0, 1, 2, 3, 4, 5, 6
# columns of the per-neuron state (N, 6) and parameter (N, 8) arrays: one row per neuron,
# so an update touches two cache lines instead of a dozen arrays
S_V, S_U, S_REF, S_CNT, S_VSUM, S_LAST = 0, 1, 2, 3, 4, 5
P_THR, P_BIAS, P_LEAK, P_MULV, P_MULU, P_MULK, P_POP, P_CORE = 0, 1, 2, 3, 4, 5, 6, 7


@jit
def _mul_frac(x, m, toward_zero):
    """x * m / 4096, rounded toward zero (as Loihi) or down; branch-free on the sign."""
    p = x * m
    if toward_zero:
        s = p >> 63  # 0 for p >= 0, -1 for p < 0
        return ((((p ^ s) - s) >> 12) ^ s) - s
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
def _emit(t, j, val, c, row, counters, tick_spk, sp_t, sp_n, sp_v, sp_len,
          grp_ptr, grp_delay, q_grp, q_val, q_len, ring):
    """Record neuron j's spike of value val at tick t and queue it for its fan-out groups."""
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


@jit
def run_ticks(
    # network (read-only)
    pop_of, pop_model, pop_reset, pop_strict, pop_floor, pop_vmin, pop_refr, pop_signed,
    pop_negthr, pop_maxcnt, pop_track, pop_rint, pop_roff, pop_lo, pop_hi, nparam, v_init, core_of,
    grp_ptr, grp_delay, seg_ptr, seg_core, seg_hops, seg_range, range_lo, range_hi,
    syn_ptr, syn_tgt, syn_w,
    regs,  # int64 (7,): v_lo, v_hi, v_wrap, u_lo, u_hi, u_wrap, toward_zero
    # state (updated in place)
    state, acc, mark, active, n_active, q_grp, q_val, q_len, range_mark, ranges, upd_list,
    sp_t, sp_n, sp_v, sp_len, counters, first_ovf,
    # this call
    t0, t1, in_tick, in_chan, in_val, in_offset,
    tick_ops, tick_upd, tick_spk, probes, probe_v, probe_u, stop_on_overflow,
):
    """Run ticks t0..t1-1; return the tick after the last one run.

    Input spikes are counted but not recorded (the input is known). Returns
    early, at a tick boundary, when the spike record could overflow in the next
    tick or (with ``stop_on_overflow``) after a tick with an overflow.
    """
    n = state.shape[0]
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
                r = seg_range[s]
                if r >= 0:
                    # a dense row: add the weights to a slice (indices from 0 vectorise)
                    dst = acc[range_lo[r]:range_hi[r]]
                    wrow = syn_w[k0:k1]
                    if val == 1:
                        for k in range(wrow.size):
                            dst[k] += wrow[k]
                    else:
                        for k in range(wrow.size):
                            dst[k] += wrow[k] * val
                    if range_mark[r] != t:
                        range_mark[r] = t
                        ranges[n_rng] = r
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
                    if pop_track[p] != 0:
                        state[j, S_VSUM] += state[j, S_V] * (t - state[j, S_LAST] - 1)
                        state[j, S_LAST] = t - 1
                    state[j, S_V] = v_init[j]
                    state[j, S_U] = 0
                    state[j, S_REF] = 0
                    if mark[j] != t:
                        mark[j] = t
                        upd_list[n_upd] = j
                        n_upd += 1
        # neurons to update: targets of dense rows, of scattered synapses, and the active set
        for i in range(n_rng):
            for j in range(range_lo[ranges[i]], range_hi[ranges[i]]):
                if mark[j] != t:
                    mark[j] = t
                    upd_list[n_upd] = j
                    n_upd += 1
        for i in range(n_active[0]):
            j = active[i]
            if mark[j] != t:
                mark[j] = t
                upd_list[n_upd] = j
                n_upd += 1
        # 2. update (population parameters are reloaded only when the population changes)
        n_next = 0
        overflowed = False
        p_prev = -1
        c_run = -1  # core of the run of counted updates, flushed when the core changes
        n_run = 0
        cuba = floor = strict = signed = track = plain = False
        vmin = reset = refr = negthr = maxcnt = 0
        # when more than 1/16 of the neurons are due, visit them in index order: a sequential
        # scan of the marks costs less than random access to their rows
        dense = 16 * n_upd > n
        for i in range(n if dense else n_upd):
            if dense:
                j = i
                if mark[j] != t:
                    continue
            else:
                j = upd_list[i]
            p = nparam[j, P_POP]
            if p != p_prev:
                p_prev = p
                cuba = pop_model[p] == 2
                floor = pop_floor[p] != 0
                vmin = pop_vmin[p]
                strict = pop_strict[p] != 0
                reset = pop_reset[p]
                refr = pop_refr[p]
                signed = pop_signed[p] != 0
                negthr = pop_negthr[p]
                maxcnt = pop_maxcnt[p]
                track = pop_track[p] != 0
                plain = not cuba and not signed and maxcnt == 0
            a = acc[j]
            acc[j] = 0
            v0 = state[j, S_V]
            if plain and nparam[j, P_MULK] == 4096:
                # one register, no sign or cap: only v, the refractory count and the count change
                held = refr > 0 and state[j, S_REF] > 0
                val = 0
                ovv = False
                vv = v0
                if held:
                    state[j, S_REF] -= 1
                else:
                    thr = nparam[j, P_THR]
                    x = (_mul_frac(v0, nparam[j, P_MULV], tz) + a
                         + nparam[j, P_BIAS] - nparam[j, P_LEAK])
                    vv, ovv = _register(x, v_lo, v_hi, v_wrap)
                    if floor and vv < vmin:
                        vv = vmin
                    if (vv > thr) if strict else (vv >= thr):
                        val = 1
                        state[j, S_CNT] += 1
                        if reset == 0:
                            vv = 0
                        elif reset == 1:
                            vv -= thr
                        if refr > 0:
                            state[j, S_REF] = refr
                    state[j, S_V] = vv
                if track:
                    state[j, S_VSUM] += v0 * (t - state[j, S_LAST] - 1) + vv
                    state[j, S_LAST] = t
                if not (a != 0 or val != 0 or ovv or vv != v0 or held):
                    continue
                c = nparam[j, P_CORE]
                if ovv:
                    overflowed = True
                    counters[c, C_OVV] += 1
                    if first_ovf[0] < 0 or t < first_ovf[0] or (t == first_ovf[0]
                                                                and j < first_ovf[1]):
                        first_ovf[0] = t
                        first_ovf[1] = j
                        first_ovf[2] = 1
                if c != c_run:
                    if n_run > 0:
                        counters[c_run, C_UPD] += n_run
                        tick_upd[row, c_run] += n_run
                    c_run = c
                    n_run = 0
                n_run += 1
                upd_list[n_next] = j
                n_next += 1
                if val != 0:
                    _emit(t, j, val, c, row, counters, tick_spk, sp_t, sp_n, sp_v, sp_len,
                          grp_ptr, grp_delay, q_grp, q_val, q_len, ring)
                continue
            u0 = state[j, S_U]
            r0 = state[j, S_REF]
            c0 = state[j, S_CNT]
            vv = v0
            uu = u0
            rr = r0
            cc = c0
            ovu = False
            ovv = False
            if cuba:
                uu, ovu = _register(_mul_frac(u0, nparam[j, P_MULU], tz) + a, u_lo, u_hi, u_wrap)
                drive = uu
            else:
                drive = a
            val = 0
            thr = nparam[j, P_THR]
            if r0 > 0:
                rr = r0 - 1
            else:
                x = (_mul_frac(v0, nparam[j, P_MULV], tz) + drive
                     + nparam[j, P_BIAS] - nparam[j, P_LEAK])
                if nparam[j, P_MULK] != 4096:
                    x = _mul_frac(x, nparam[j, P_MULK], tz)
                vv, ovv = _register(x, v_lo, v_hi, v_wrap)
                if floor and vv < vmin:
                    vv = vmin
                above = (vv > thr) if strict else (vv >= thr)
                if above and (maxcnt == 0 or cc < maxcnt):
                    val = 1
                    cc += 1
                    if reset == 0:
                        vv = 0
                    elif reset == 1:
                        vv -= thr
                    rr = refr
                elif signed and cc > 0 and vv < negthr:
                    val = -1
                    cc -= 1
                    if reset == 0:
                        vv = 0
                    elif reset == 1:
                        vv += thr
            state[j, S_V] = vv
            state[j, S_U] = uu
            state[j, S_REF] = rr
            state[j, S_CNT] = cc
            if track:
                state[j, S_VSUM] += v0 * (t - state[j, S_LAST] - 1) + vv
                state[j, S_LAST] = t
            c = nparam[j, P_CORE]
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
                if c != c_run:
                    if n_run > 0:
                        counters[c_run, C_UPD] += n_run
                        tick_upd[row, c_run] += n_run
                    c_run = c
                    n_run = 0
                n_run += 1
                upd_list[n_next] = j  # safe: n_next <= i, entries < i are read
                n_next += 1
            if val != 0:
                _emit(t, j, val, c, row, counters, tick_spk, sp_t, sp_n, sp_v, sp_len,
                      grp_ptr, grp_delay, q_grp, q_val, q_len, ring)
        if n_run > 0:
            counters[c_run, C_UPD] += n_run
            tick_upd[row, c_run] += n_run
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
            probe_v[row, i] = state[probes[i], S_V]
            probe_u[row, i] = state[probes[i], S_U]
        if sp_len[0] + n > sp_t.size or (stop_on_overflow and overflowed):
            return t + 1
    return t1
