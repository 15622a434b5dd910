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

    Each tick, each population is updated in one of three ways, by how many of
    its neurons are due (``_collect``). A *busy* one (more than 1/16 due) is
    visited in index order: a *whole* population (one saturating register, no
    reverse spikes, count cap, KLIF scale or mean readout) by a branch-free
    loop over all its neurons that vectorises, since updating a neuron at its
    fixed point changes nothing (parameters its neurons share are read once);
    another by scanning for its marked neurons. The due neurons of the other
    populations are listed and updated one by one, so a quiet population costs
    nothing however busy the others are. The
    whole-population loop leaves a flag per neuron instead of listing the
    neurons that did something; only those that fired or overflowed are
    visited again, and the flags are read back into the list only if the
    population has few neurons due at the next tick. Neurons updated the other
    ways that did something are listed in ``active``. Likewise, scattered input
    to a population updated whole at the previous tick is added without listing
    its targets; if the population turns out to have few neurons due, those with
    a non-zero accumulator are listed then. On several threads, a busy tick in
    which every population is sure to be updated whole (``_all_whole``) is
    delivered and updated in one spread by neuron range (``_tick_whole_threaded``).

Accumulators are int32 when no neuron can gather 2**31 or more in a tick, else int64
(:func:`neuroemu.engine.event.accumulator_type`): a dense row's addition then moves half
the bytes, and no sum leaves the range of int32, so the results are the same. Loops whose
indices come from the tables index with unsigned integers: numba checks a signed index
for wrapping around (a negative one counts from the end), which made W2's scattered
additions take twice as long.

A bucket's delivery asks the processor for the tables of the spikes a few entries ahead
(:func:`.threaded.prefetch_ahead`): a large network's tables are in memory, read at
random, each address read from the last. Likewise the neurons that fired in a whole
update, and a tick's input spikes, are listed before they are queued, and the tables
of all of them asked for at once (:func:`_prefetch_spikes`): W2's 13 spikes a tick
waited for memory one after another.

The registers v and refractory count are int32 when every value a whole update works out
fits in int32 (:func:`neuroemu.engine.event.register_type`), else int64. The whole update
of int32 registers is written in int32 arithmetic (:func:`.threaded.whole_neuron32`,
:mod:`.int32`): numba would widen it to int64, eight lanes to a vector register instead
of sixteen. A core run of a decaying population whose registers are all within the
run's bound (``regs[7]``, :func:`neuroemu.engine.event.narrow_bound`: 32-bit registers)
is updated in its narrow form: one multiply, no test of a wrapped sum, no clamp
(:func:`.threaded.narrow_ok`).
The other steps read and write int32 registers as numbers of int64.

The kernel allocates nothing: it is compiled without numba's reference counting
(:data:`.jit.kjit`), so its buffers come from the caller and it sorts with heap sorts of
its own (:func:`_sort_record`, :func:`_sort_by_work`).

Arrays are passed one by one, not gathered in NamedTuples: with tuples the
feed-forward workload of ``tools/bench_engine.py`` took 72 ms instead of 57 ms
(measured side by side), which is about a fifth of the delivery rate.

One tick is the three steps of :mod:`neuroemu.engine.reference`, each a
function below: deliver, update, then inject the input spikes. The arithmetic mirrors
:mod:`neuroemu.hw.fixed` and :func:`neuroemu.engine.reference.update_neurons`.
"""

import numpy as np

from ...mapping.codes import MODEL_CUBA, MODEL_INPUT, RESET_SUBTRACT, RESET_ZERO
from . import check_cache, threaded
from .columns import (
    C_CHP,
    C_HOP,
    C_OVU,
    C_OVV,
    C_PKT,
    C_SPK,
    C_SYN,
    C_UPD,
    M_LIST,
    M_SCAN,
    M_WHOLE,
    Q_FLOOR,
    Q_HI,
    Q_LO,
    Q_MAXCNT,
    Q_MODEL,
    Q_NEGTHR,
    Q_PARAMS,
    Q_PLAIN,
    Q_REFR,
    Q_RESET,
    Q_RINT,
    Q_ROFF,
    Q_SIGNED,
    Q_STRICT,
    Q_TRACK,
    Q_VMIN,
    Q_WHOLE,
)
from .jit import ijit, kjit
from .memory import prefetch


@kjit
def _mul_frac(x, m, toward_zero):
    """x * m / 4096, rounded toward zero (as Loihi) or down; branch-free on the sign."""
    p = x * m
    if toward_zero:
        s = p >> 63  # 0 for p >= 0, -1 for p < 0
        return ((((p ^ s) - s) >> 12) ^ s) - s
    return p >> 12


@kjit
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


@ijit
def _push(t, j, val, grp_ptr, grp_delay, q_grp, q_val, q_len):
    """Queue neuron j's spike (value val, fired at t) for each of its fan-out groups."""
    _push_at(t % q_len.size, j, val, grp_ptr, grp_delay, q_grp, q_val, q_len)


@ijit
def _push_at(tb, j, val, grp_ptr, grp_delay, q_grp, q_val, q_len):
    """:func:`_push` given ``tb``, the ring's bucket of the tick the spike fired in
    (``t % q_len.size``, found once for many spikes: a division per spike is a fair part
    of queueing it). Delays are below the ring's size, so a bucket wraps at most once."""
    ring = q_len.size
    for g in range(grp_ptr[j], grp_ptr[j + 1]):
        b = tb + grp_delay[g]
        if b >= ring:
            b -= ring
        # the bucket's length read once: read again after the stores, it made a push two
        # to three times as long
        e = q_len[b]
        q_grp[b, e] = g
        q_val[b, e] = val
        q_len[b] = e + 1


@kjit
def _deliver(t, row, seg_ptr, seg_core, seg_pop, seg_hops, seg_range, range_lo, range_hi,
             syn_ptr, syn_tgt, syn_w, q_grp, q_val, q_len, acc, mark, range_mark, ranges,
             upd_list, p_listed, p_unlisted, p_mode, counters, tick_ops):
    """Step 1: add every spike due at t into its targets' accumulators.

    Returns (n_upd, n_rng): scattered targets listed in ``upd_list`` (how many of
    each population in ``p_listed``) and target ranges of dense rows listed in
    ``ranges``. Scattered targets in a population updated whole at t - 1 (``p_mode``)
    are not listed, since it is likely to be updated whole again: how many synapses
    reached each such population is left in ``p_unlisted`` (:func:`_collect` finds
    their targets if it is not).
    """
    b = t % q_len.size
    n_upd = 0
    n_rng = 0
    p_listed[:] = 0
    p_unlisted[:] = 0
    n_e = q_len[b]
    for e in range(n_e):
        threaded.prefetch_ahead(b, e, n_e, q_grp, seg_ptr, seg_core, seg_hops[:, 0], seg_range,
                                seg_pop, syn_ptr, syn_tgt, syn_w, seg_core, -1)
        g = q_grp[b, e]
        val = q_val[b, e]
        for s in range(seg_ptr[g], seg_ptr[g + 1]):
            _count_packet(row, s, seg_core, seg_hops, syn_ptr, counters, tick_ops)
            k0 = syn_ptr[s]
            k1 = syn_ptr[s + 1]
            r = seg_range[s]
            if r >= 0:
                threaded.add_row(acc, range_lo[r], syn_w, k0, k1 - k0, val)
                if range_mark[r] != t:
                    range_mark[r] = t
                    ranges[n_rng] = r
                    n_rng += 1
            elif p_mode[seg_pop[s]] == M_WHOLE:
                threaded.scatter(acc, syn_tgt, syn_w, k0, k1, val)
                p_unlisted[seg_pop[s]] += k1 - k0
            else:
                n0 = n_upd
                n_upd = threaded.scatter_listed(acc, syn_tgt, syn_w, k0, k1, val, t, mark,
                                                upd_list, n_upd)
                p_listed[seg_pop[s]] += n_upd - n0
    q_len[b] = 0
    return n_upd, n_rng


@kjit
def _bucket_work(b, seg_ptr, seg_range, syn_ptr, q_grp, q_len):
    """The work of delivering bucket ``b``, in scattered synaptic events: a synapse of a
    dense row (added to a slice, vectorised) counts as a sixteenth of one (measured:
    ``tools/bench_engine.py``'s W1 delivers dense rows at over 1e10 events/s, its W2
    scatters at under 1e9)."""
    n = 0
    for e in range(q_len[b]):
        g = q_grp[b, e]
        for s in range(seg_ptr[g], seg_ptr[g + 1]):
            k = syn_ptr[s + 1] - syn_ptr[s]
            n += k >> 4 if seg_range[s] >= 0 else k
    return n


@kjit
def _most_synapses(seg_ptr, syn_ptr):
    """The most synapses of a fan-out group (``seg_ptr``'s groups of segments)."""
    most = 0
    for g in range(seg_ptr.size - 1):
        most = max(most, syn_ptr[seg_ptr[g + 1]] - syn_ptr[seg_ptr[g]])
    return most


@ijit
def _count_packet(row, s, seg_core, seg_hops, syn_ptr, counters, tick_ops):
    """Count segment ``s``'s packet, hops and synaptic events on its target core at the
    tick of ``row``; returns (its core, its synapses)."""
    c = seg_core[s]
    k = syn_ptr[s + 1] - syn_ptr[s]
    counters[c, C_SYN] += k
    counters[c, C_PKT] += 1
    counters[c, C_HOP] += seg_hops[s, 0]
    counters[c, C_CHP] += seg_hops[s, 1]
    tick_ops[row, c] += k
    return c, k


@kjit
def _deliver_threaded(t, row, parts, seg_ptr, seg_core, seg_pop, seg_hops, seg_range, range_lo,
                      range_hi, syn_ptr, syn_tgt, syn_w, q_grp, q_val, q_len, acc, mark,
                      range_mark, ranges, upd_list, p_listed, p_unlisted, counters, tick_ops, owner,
                      core_work, touched, upd_buf, rng_buf, pl_buf, n_buf):
    """:func:`_deliver` with the additions spread over ``parts`` threads by target core
    (:func:`.threaded.deliver`): the packets are counted here, each core's synapses
    summed, and the cores dealt, largest first, to the part with the least work."""
    b = t % q_len.size
    n_touched = np.int64(0)  # not a literal 0 (jit.py: one version)
    for e in range(q_len[b]):
        g = q_grp[b, e]
        for s in range(seg_ptr[g], seg_ptr[g + 1]):
            c, k = _count_packet(row, s, seg_core, seg_hops, syn_ptr, counters, tick_ops)
            if core_work[c] == 0:
                touched[n_touched] = c
                n_touched += 1
            core_work[c] += k + 1  # + 1: a segment of no synapse is still work
    _sort_by_work(touched, n_touched, core_work)
    load = n_buf[:parts, 0]  # the parts' work dealt so far (threaded.deliver sets n_buf)
    load[:] = 0
    for i in range(n_touched):
        c = touched[i]
        least = np.argmin(load)
        owner[c] = least
        load[least] += core_work[c]
        core_work[c] = 0
    threaded.deliver(parts, t, b, owner, seg_ptr, seg_core, seg_pop, seg_range, range_lo,
                     range_hi, syn_ptr, syn_tgt, syn_w, q_grp, q_val, q_len, acc, mark,
                     range_mark, upd_buf, rng_buf, pl_buf, n_buf)
    n_upd = 0
    n_rng = 0
    p_listed[:] = 0
    p_unlisted[:] = 0  # every target is listed here
    # loops: assigning a slice from another compiles a copy (should they overlap), which
    # allocates
    for part in range(parts):
        for i in range(n_buf[part, 0]):
            upd_list[n_upd + i] = upd_buf[part, i]
        n_upd += n_buf[part, 0]
        for i in range(n_buf[part, 1]):
            ranges[n_rng + i] = rng_buf[part, i]
        n_rng += n_buf[part, 1]
        for p in range(p_listed.size):
            p_listed[p] += pl_buf[part, p]
    q_len[b] = 0
    return n_upd, n_rng


@kjit
def _collect(t, n_upd, n_rng, ppar, p_pop, v_init, v_r, u_r, ref_r, cnt_r, vsum_r, last_r, mark,
             upd_list, p_listed, p_unlisted, ranges, range_lo, range_hi, active, n_active, flags,
             p_flagged, p_mode, acc):
    """Reset the populations due at t, choose how each population is updated at t, and
    mark or list its due neurons accordingly.

    A population with more than 1/16 of its neurons due is *busy*: a whole one
    (``Q_WHOLE``) is updated whole (no marks needed), another is scanned in
    index order for ``mark[j] == t``. The due neurons of the other populations
    are listed: the first ``n_upd`` entries of ``upd_list``, returned. The mode
    of each population is left in ``p_mode``.
    """
    for p in range(ppar.shape[0]):
        every = ppar[p, Q_RINT]
        if every > 0 and t % every == ppar[p, Q_ROFF]:
            for j in range(ppar[p, Q_LO], ppar[p, Q_HI]):
                if ppar[p, Q_TRACK] != 0:
                    vsum_r[j] += v_r[j] * (t - last_r[j] - 1)
                    last_r[j] = t - 1
                v_r[j] = v_init[j]
                u_r[j] = 0
                ref_r[j] = 0
                cnt_r[j] = 0
                if mark[j] != t:
                    mark[j] = t
                    upd_list[n_upd] = j
                    n_upd += 1
                    p_listed[p] += 1
    # due neurons per population (an upper bound: the sources may overlap), counted in
    # p_mode until each population's mode replaces its count
    for p in range(ppar.shape[0]):
        p_mode[p] = p_flagged[p] + p_listed[p] + p_unlisted[p]
    for i in range(n_rng):
        r = ranges[i]
        p_mode[p_pop[range_lo[r]]] += range_hi[r] - range_lo[r]
    for i in range(n_active[0]):
        p_mode[p_pop[active[i]]] += 1
    keep = 0  # listed neurons of populations that stay listed
    for p in range(ppar.shape[0]):
        if 16 * p_mode[p] > ppar[p, Q_HI] - ppar[p, Q_LO]:
            p_mode[p] = M_WHOLE if ppar[p, Q_WHOLE] != 0 else M_SCAN
        else:
            p_mode[p] = M_LIST
            keep += p_listed[p]
    # scattered targets and resets are marked and listed: keep the listed populations' ones
    if keep == 0:
        n_upd = 0
    elif keep < n_upd:
        k = 0
        for i in range(n_upd):
            j = upd_list[i]
            if p_mode[p_pop[j]] == M_LIST:
                upd_list[k] = j
                k += 1
        n_upd = k
    for i in range(n_rng):
        r = ranges[i]
        mode = p_mode[p_pop[range_lo[r]]]
        if mode == M_SCAN:
            for j in range(range_lo[r], range_hi[r]):
                mark[j] = t
        elif mode == M_LIST:
            for j in range(range_lo[r], range_hi[r]):
                if mark[j] != t:
                    mark[j] = t
                    upd_list[n_upd] = j
                    n_upd += 1
    for i in range(n_active[0]):
        j = active[i]
        mode = p_mode[p_pop[j]]
        if mode == M_SCAN:
            mark[j] = t
        elif mode == M_LIST and mark[j] != t:
            mark[j] = t
            upd_list[n_upd] = j
            n_upd += 1
    # a population updated whole at t - 1 flagged the neurons that moved (read eight
    # flags at a time: few are set)
    words = flags.view(np.uint64)
    for p in range(ppar.shape[0]):
        if p_flagged[p] > 0 and p_mode[p] == M_LIST:
            j = ppar[p, Q_LO]
            hi = ppar[p, Q_HI]
            while j < hi:
                if j & 7 == 0 and j + 8 <= hi and words[j >> 3] == 0:
                    j += 8
                    continue
                if flags[j] != 0 and mark[j] != t:
                    mark[j] = t
                    upd_list[n_upd] = j
                    n_upd += 1
                j += 1
    # a population whose scattered targets were not listed (_deliver), listed after all
    # (it can be updated whole, so it is whole or listed): its neurons with input are those
    # whose accumulator is not 0 (one whose inputs cancel is at a fixed point, unless it is
    # due for another reason above)
    for p in range(ppar.shape[0]):
        if p_unlisted[p] > 0 and p_mode[p] == M_LIST:
            for j in range(ppar[p, Q_LO], ppar[p, Q_HI]):
                if acc[j] != 0 and mark[j] != t:
                    mark[j] = t
                    upd_list[n_upd] = j
                    n_upd += 1
    return n_upd


@ijit
def _note_overflow(t, j, c, ovu, ovv, counters, first_ovf):
    """Count an overflow and keep the earliest (tick, neuron, register)."""
    if ovu:
        counters[c, C_OVU] += 1
    if ovv:
        counters[c, C_OVV] += 1
    if first_ovf[0] < 0 or t < first_ovf[0] or (t == first_ovf[0] and j < first_ovf[1]):
        first_ovf[0] = t
        first_ovf[1] = j
        first_ovf[2] = 0 if ovu else 1


@ijit
def _flush_updates(c_run, n_run, row, counters, tick_upd):
    """Add a run of ``n_run`` updates on core ``c_run`` to the counters.

    Neurons are visited in index order, so their updates come in runs on one
    core: counting a run when it ends keeps the hot loop to one comparison.
    """
    if n_run > 0:
        counters[c_run, C_UPD] += n_run
        tick_upd[row, c_run] += n_run


@ijit
def _emit(t, row, j, c, val, counters, tick_spk, sp_t, sp_n, sp_v, sp_len, grp_ptr, grp_delay,
          q_grp, q_val, q_len):
    """Record neuron j's spike and queue it."""
    counters[c, C_SPK] += 1
    tick_spk[row, c] += 1
    k = sp_len[0]
    sp_t[k] = t
    sp_n[k] = j
    sp_v[k] = val
    sp_len[0] = k + 1
    _push(t, j, val, grp_ptr, grp_delay, q_grp, q_val, q_len)


@kjit
def _update_plain(t, row, p, ppar, p_thr, p_bias, p_leak, p_mulv, p_mulu, p_mulk, p_pop, core_of,
                  regs, v_r, u_r, ref_r, cnt_r, vsum_r, last_r, acc, mark, active, n_next,
                  counters, tick_upd, tick_spk, sp_t, sp_n, sp_v, sp_len, first_ovf, grp_ptr,
                  grp_delay, q_grp, q_val, q_len):
    """Step 2 for the marked neurons of a *plain* population, in index order.

    Plain: one register (no current), no reverse spikes, no count cap, no KLIF
    scale, so only v, the refractory count and the spike count can change. The
    same arithmetic as :func:`_update_general`, with what cannot happen left out.
    Returns (n_next, overflowed).
    """
    v_lo, v_hi, v_wrap = regs[0], regs[1], regs[2] != 0
    tz = regs[6] != 0
    floor = ppar[p, Q_FLOOR] != 0
    vmin = ppar[p, Q_VMIN]
    strict = ppar[p, Q_STRICT] != 0
    reset = ppar[p, Q_RESET]
    refr = ppar[p, Q_REFR]
    track = ppar[p, Q_TRACK] != 0
    overflowed = False
    c_run = -1  # core of the current run of counted updates, flushed when the core changes
    n_run = 0
    for j in range(ppar[p, Q_LO], ppar[p, Q_HI]):
        if mark[j] != t:
            continue
        a = acc[j]
        acc[j] = 0
        v0 = v_r[j]
        vv = v0
        val = 0
        ovv = False
        held = refr > 0 and ref_r[j] > 0
        if held:
            ref_r[j] -= 1
        else:
            thr = p_thr[j]
            x = _mul_frac(v0, p_mulv[j], tz) + a + p_bias[j] - p_leak[j]
            vv, ovv = _register(x, v_lo, v_hi, v_wrap)
            if floor and vv < vmin:
                vv = vmin
            if (vv > thr) if strict else (vv >= thr):
                val = 1
                cnt_r[j] += 1
                if reset == RESET_ZERO:
                    vv = 0
                elif reset == RESET_SUBTRACT:
                    vv -= thr
                if refr > 0:
                    ref_r[j] = refr
            v_r[j] = vv
        if track:
            vsum_r[j] += v0 * (t - last_r[j] - 1) + vv
            last_r[j] = t
        if not (a != 0 or val != 0 or ovv or held or vv != v0):
            continue  # at a fixed point: skipped until its next input
        c = core_of[j]
        if ovv:
            overflowed = True
            _note_overflow(t, j, c, False, True, counters, first_ovf)
        if c != c_run:
            _flush_updates(c_run, n_run, row, counters, tick_upd)
            c_run = c
            n_run = 0
        n_run += 1
        active[n_next] = j
        n_next += 1
        if val != 0:
            _emit(t, row, j, c, val, counters, tick_spk, sp_t, sp_n, sp_v, sp_len, grp_ptr,
                  grp_delay, q_grp, q_val, q_len)
    _flush_updates(c_run, n_run, row, counters, tick_upd)
    return n_next, overflowed


@ijit
def _fired(t, tb, k, i, cnt_r, sp_t, sp_n, sp_v, grp_ptr, grp_delay, q_grp, q_val, q_len):
    """Neuron ``k`` fired at ``t`` (in a whole update: value 1): counted, recorded as the
    spike record's ``i``-th entry and queued (``tb``: as :func:`_push_at`). As
    :func:`_emit` but for the core's counts, which the caller adds once for many."""
    cnt_r[k] += 1
    sp_t[i] = t
    sp_n[i] = k
    sp_v[i] = 1
    _push_at(tb, k, 1, grp_ptr, grp_delay, q_grp, q_val, q_len)


@ijit
def _prefetch_spikes(js, i0, i1, offset, per_neuron, grp_ptr, grp_delay):
    """Before the spikes of neurons ``offset + js[i]`` (``i`` in ``i0..i1-1``) are
    counted and queued: their entries of ``per_neuron``, their fan-out groups and the
    groups' delays asked for (:func:`.memory.prefetch`), all before any is read. Each is
    read at random and the delays from the groups, so taken spike by spike each spike's
    reads wait for memory in turn."""
    for i in range(i0, i1):
        prefetch(per_neuron, offset + js[i])
        prefetch(grp_ptr, offset + js[i])
    for i in range(i0, i1):
        prefetch(grp_delay, grp_ptr[offset + js[i]])


@kjit
def _visit_flagged(t, row, lo, hi, n_evt, c, flags, cnt_r, counters, tick_spk, sp_t, sp_n, sp_v,
                   sp_len, first_ovf, grp_ptr, grp_delay, q_grp, q_val, q_len):
    """After a whole update of neurons ``lo..hi-1`` (core ``c``) in which ``n_evt`` fired or
    overflowed, in index order: count the overflows and record and queue the spikes its
    flags note. Returns whether any overflowed.

    The neurons are listed first (:func:`.threaded.find_flagged`), in the spike record's
    room past its end, which the tick's spikes cannot outgrow; then their tables are
    asked for at once (:func:`.memory.prefetch`), and only then read. A spike's count,
    fan-out groups and their delays are read at random, each from the last: read one
    spike after another, W2's 13 spikes a tick waited for memory (a tenth of its tick
    went to them), each spike's reads after the last's. The list is also the order
    they are recorded in: a spike is written at or before the place it was listed."""
    overflowed = False
    tb = t % q_len.size
    k0 = sp_len[0]
    end = threaded.find_flagged(lo, hi, n_evt, flags, sp_n, k0)
    _prefetch_spikes(sp_n, k0, end, 0, cnt_r, grp_ptr, grp_delay)
    n_spk = 0
    for i in range(k0, end):
        k = sp_n[i]
        f = flags[k]
        if f & 4:
            overflowed = True
            _note_overflow(t, k, c, False, True, counters, first_ovf)
        if f & 2:  # the core's counts added once for the run; listed at or before i
            _fired(t, tb, k, k0 + n_spk, cnt_r, sp_t, sp_n, sp_v, grp_ptr, grp_delay,
                   q_grp, q_val, q_len)
            n_spk += 1
    sp_len[0] = k0 + n_spk
    counters[c, C_SPK] += n_spk
    tick_spk[row, c] += n_spk
    return overflowed


@kjit
def _update_whole(t, row, p, ppar, p_thr, p_bias, p_leak, p_mulv, run_ptr, run_lo, run_hi,
                  run_core, regs, v_r, ref_r, cnt_r, acc, flags, counters, tick_upd, tick_spk,
                  sp_t, sp_n, sp_v, sp_len, first_ovf, grp_ptr, grp_delay, q_grp, q_val, q_len):
    """Step 2 for a *whole* population (plain, saturating, no mean readout) when many
    neurons are due: every neuron is updated.

    A neuron that is not due is at a fixed point of its update with no input (see
    the module docstring), so updating it changes nothing and it is not counted;
    this lets the update run over each core run of the population without
    branches (it vectorises; :func:`.threaded.whole_range`), writing a flag per neuron
    (1 did something, 2 fired, 4 overflowed) and counting the flagged ones. Only fired
    or overflowed neurons are visited again. The flags stand for the population's
    active neurons until its next update. Returns (neurons flagged, overflowed).
    """
    v_lo, v_hi = regs[0], regs[1]
    tz = regs[6] != 0
    floor_v = ppar[p, Q_VMIN] if ppar[p, Q_FLOOR] != 0 else v_lo  # v_lo: no floor
    strict = ppar[p, Q_STRICT]  # fire when v >= threshold + strict
    reset = ppar[p, Q_RESET]
    refr = ppar[p, Q_REFR]
    params = ppar[p, Q_PARAMS]
    overflowed = False
    n_did = 0
    for i in range(run_ptr[p], run_ptr[p + 1]):
        lo = run_lo[i]
        hi = run_hi[i]
        c = run_core[i]
        n_run, n_evt = threaded.whole_range(lo, hi, params, v_r, ref_r, acc, flags, p_thr,
                                            p_bias, p_leak, p_mulv, v_lo, v_hi, floor_v,
                                            strict, reset, refr, tz, regs[7])
        counters[c, C_UPD] += n_run
        tick_upd[row, c] += n_run
        n_did += n_run
        if n_evt > 0:
            overflowed |= _visit_flagged(t, row, lo, hi, n_evt, c, flags, cnt_r, counters,
                                         tick_spk, sp_t, sp_n, sp_v, sp_len, first_ovf,
                                         grp_ptr, grp_delay, q_grp, q_val, q_len)
    return n_did, overflowed


@kjit
def _update_whole_threaded(t, row, p, parts, ppar, p_thr, p_bias, p_leak, p_mulv, run_ptr,
                           run_lo, run_hi, run_core, regs, v_r, ref_r, cnt_r, acc, flags,
                           counters, tick_upd, tick_spk, sp_t, sp_n, sp_v, sp_len, first_ovf,
                           grp_ptr, grp_delay, q_grp, q_val, q_len, whole_counts):
    """:func:`_update_whole` with the neurons' updates spread over ``parts`` threads
    (:func:`.threaded.update_whole`); counted, and the fired or overflowed neurons
    visited, here in index order, as there."""
    v_lo, v_hi = regs[0], regs[1]
    floor_v = ppar[p, Q_VMIN] if ppar[p, Q_FLOOR] != 0 else v_lo
    r0, r1 = run_ptr[p], run_ptr[p + 1]
    threaded.update_whole(parts, ppar[p, Q_LO], ppar[p, Q_HI], r0, r1, run_lo, run_hi,
                          ppar[p, Q_PARAMS], p_thr, p_bias, p_leak, p_mulv, v_r, ref_r, acc,
                          flags, v_lo, v_hi, floor_v, ppar[p, Q_STRICT], ppar[p, Q_RESET],
                          ppar[p, Q_REFR], regs[6] != 0, regs[7], whole_counts)
    return _visit_parts(t, row, r0, r1, parts, run_lo, run_hi, run_core, cnt_r, flags,
                        counters, tick_upd, tick_spk, sp_t, sp_n, sp_v, sp_len, first_ovf,
                        grp_ptr, grp_delay, q_grp, q_val, q_len, whole_counts)


@kjit
def _visit_parts(t, row, r0, r1, parts, run_lo, run_hi, run_core, cnt_r, flags, counters,
                 tick_upd, tick_spk, sp_t, sp_n, sp_v, sp_len, first_ovf, grp_ptr, grp_delay,
                 q_grp, q_val, q_len, whole_counts):
    """After a whole update spread over ``parts`` threads, core runs ``r0..r1-1`` in index
    order: count their updates (``whole_counts``: each part's) and visit their fired or
    overflowed neurons. Returns (neurons flagged, overflowed)."""
    overflowed = False
    n_did = 0
    for i in range(r0, r1):
        c = run_core[i]
        n_run = 0
        n_evt = np.int64(0)  # passed on: not a literal 0 (jit.py: one version)
        for part in range(parts):
            n_run += whole_counts[part, i, 0]
            n_evt += whole_counts[part, i, 1]
        counters[c, C_UPD] += n_run
        tick_upd[row, c] += n_run
        n_did += n_run
        if n_evt > 0:
            overflowed |= _visit_flagged(t, row, run_lo[i], run_hi[i], n_evt, c, flags, cnt_r,
                                         counters, tick_spk, sp_t, sp_n, sp_v, sp_len,
                                         first_ovf, grp_ptr, grp_delay, q_grp, q_val, q_len)
    return n_did, overflowed


@kjit
def _all_whole(ppar, p_flagged, n_active):
    """The neurons of the network (but the input) if every population is sure to be
    updated whole at this tick (:func:`_collect`): it was at the last tick, and more than
    a sixteenth of its neurons did something then; and no neuron was left active by an
    update of another kind. Otherwise -1."""
    if n_active[0] != 0:
        return -1
    n = 0
    for p in range(ppar.shape[0]):
        if ppar[p, Q_MODEL] != MODEL_INPUT:
            size = ppar[p, Q_HI] - ppar[p, Q_LO]
            if 16 * p_flagged[p] <= size:
                return -1
            n += size
    return n


@kjit
def _tick_whole_threaded(t, row, bounds, core_part, ppar, p_thr, p_bias, p_leak, p_mulv,
                         core_of, seg_ptr, seg_core, seg_hops, seg_range, range_lo, range_hi,
                         syn_ptr, syn_tgt, syn_w, run_ptr, run_lo, run_hi, run_core, regs, v_r,
                         ref_r, cnt_r, acc, flags, p_flagged, p_mode, q_grp, q_val, q_len,
                         counters, tick_ops, tick_upd, tick_spk, sp_t, sp_n, sp_v, sp_len,
                         first_ovf, grp_ptr, grp_delay, whole_counts, evt_buf, n_buf):
    """Steps 1 and 2 of a tick in which every population is updated whole
    (:func:`_all_whole`), spread over threads by neuron range (``bounds``, ``core_part``;
    :func:`.threaded.deliver_update`): the packets counted here; each part's additions,
    update and list of the neurons that fired or overflowed; then the updates counted,
    and the neurons listed visited in index order (as :func:`_visit_flagged`). Returns
    whether any neuron overflowed."""
    b = t % q_len.size
    for e in range(q_len[b]):
        for s in range(seg_ptr[q_grp[b, e]], seg_ptr[q_grp[b, e] + 1]):
            _count_packet(row, s, seg_core, seg_hops, syn_ptr, counters, tick_ops)
    parts = bounds.size - 1
    threaded.deliver_update(bounds, b, core_part, seg_core, seg_ptr, seg_range, range_lo,
                            range_hi, syn_ptr, syn_tgt, syn_w, q_grp, q_val, q_len, acc, ppar,
                            p_thr, p_bias, p_leak, p_mulv, run_ptr, run_lo, run_hi, v_r, ref_r,
                            flags, regs[0], regs[1], regs[6] != 0, regs[7], whole_counts,
                            evt_buf, n_buf)
    q_len[b] = 0
    for p in range(ppar.shape[0]):
        p_flagged[p] = 0
        p_mode[p] = M_LIST  # as _collect leaves an input population
        if ppar[p, Q_MODEL] == MODEL_INPUT:
            continue
        p_mode[p] = M_WHOLE
        for i in range(run_ptr[p], run_ptr[p + 1]):
            c = run_core[i]
            n_run = 0
            for part in range(parts):
                n_run += whole_counts[part, i, 0]
            counters[c, C_UPD] += n_run
            tick_upd[row, c] += n_run
            p_flagged[p] += n_run
    overflowed = False
    tb = t % q_len.size
    k0 = sp_len[0]
    n_spk = 0
    for part in range(parts):
        _prefetch_spikes(evt_buf[part], 0, n_buf[part, 0], 0, cnt_r, grp_ptr, grp_delay)
    for part in range(parts):  # the parts' neurons in order: all in index order
        for e in range(n_buf[part, 0]):
            k = evt_buf[part, e]
            c = core_of[k]
            f = flags[k]
            if f & 4:
                overflowed = True
                _note_overflow(t, k, c, False, True, counters, first_ovf)
            if f & 2:
                counters[c, C_SPK] += 1
                tick_spk[row, c] += 1
                _fired(t, tb, k, k0 + n_spk, cnt_r, sp_t, sp_n, sp_v, grp_ptr, grp_delay,
                       q_grp, q_val, q_len)
                n_spk += 1
    sp_len[0] = k0 + n_spk
    return overflowed


@kjit
def _update_general(t, row, listed, start, stop, upd_list, ppar, p_thr, p_bias, p_leak, p_mulv,
                    p_mulu, p_mulk, p_pop, core_of, regs, v_r, u_r, ref_r, cnt_r, vsum_r, last_r,
                    acc, mark, active, n_next, counters, tick_upd, tick_spk, sp_t, sp_n, sp_v,
                    sp_len, first_ovf, grp_ptr, grp_delay, q_grp, q_val, q_len):
    """Step 2 for any neurons: ``upd_list[start:stop]`` when ``listed``, else the marked
    neurons of ``start..stop-1``. Every model and option. Returns (n_next, overflowed)."""
    v_lo, v_hi, v_wrap = regs[0], regs[1], regs[2] != 0
    u_lo, u_hi, u_wrap = regs[3], regs[4], regs[5] != 0
    tz = regs[6] != 0
    overflowed = False
    for i in range(start, stop):
        if listed:
            j = upd_list[i]
        else:
            j = i
            if mark[j] != t:
                continue
        p = p_pop[j]
        floor = ppar[p, Q_FLOOR] != 0
        strict = ppar[p, Q_STRICT] != 0
        reset = ppar[p, Q_RESET]
        maxcnt = ppar[p, Q_MAXCNT]
        a = acc[j]
        acc[j] = 0
        v0 = v_r[j]
        u0 = u_r[j]
        r0 = ref_r[j]
        c0 = cnt_r[j]
        thr = p_thr[j]
        vv = v0
        uu = u0
        rr = r0
        cc = c0
        val = 0
        ovu = False
        ovv = False
        if ppar[p, Q_MODEL] == MODEL_CUBA:
            uu, ovu = _register(_mul_frac(u0, p_mulu[j], tz) + a, u_lo, u_hi, u_wrap)
            drive = uu
        else:
            drive = a
        if r0 > 0:
            rr = r0 - 1
        else:
            x = (_mul_frac(v0, p_mulv[j], tz) + drive
                 + p_bias[j] - p_leak[j])
            x = _mul_frac(x, p_mulk[j], tz)  # KLIF scale; 4096 leaves x as it is
            vv, ovv = _register(x, v_lo, v_hi, v_wrap)
            if floor and vv < ppar[p, Q_VMIN]:
                vv = ppar[p, Q_VMIN]
            above = (vv > thr) if strict else (vv >= thr)
            if above and (maxcnt == 0 or cc < maxcnt):
                val = 1
                cc += 1
                if reset == RESET_ZERO:
                    vv = 0
                elif reset == RESET_SUBTRACT:
                    vv -= thr
                rr = ppar[p, Q_REFR]
            elif ppar[p, Q_SIGNED] != 0 and cc > 0 and vv < ppar[p, Q_NEGTHR]:
                val = -1
                cc -= 1
                if reset == RESET_ZERO:
                    vv = 0
                elif reset == RESET_SUBTRACT:
                    vv += thr
        v_r[j] = vv
        u_r[j] = uu
        ref_r[j] = rr
        cnt_r[j] = cc
        if ppar[p, Q_TRACK] != 0:
            vsum_r[j] += v0 * (t - last_r[j] - 1) + vv
            last_r[j] = t
        if not (a != 0 or val != 0 or ovu or ovv or vv != v0 or uu != u0 or rr != r0
                or cc != c0):
            continue  # at a fixed point: skipped until its next input
        c = core_of[j]
        if ovu or ovv:
            overflowed = True
            _note_overflow(t, j, c, ovu, ovv, counters, first_ovf)
        counters[c, C_UPD] += 1
        tick_upd[row, c] += 1
        active[n_next] = j
        n_next += 1
        if val != 0:
            _emit(t, row, j, c, val, counters, tick_spk, sp_t, sp_n, sp_v, sp_len, grp_ptr,
                  grp_delay, q_grp, q_val, q_len)
    return n_next, overflowed


@kjit
def _sort_by_work(cores, n, work):
    """``cores[:n]`` sorted by ``work[core]``, largest first, in place (a heap sort:
    nothing allocated, see :data:`.jit.kjit`)."""
    for root in range(n // 2 - 1, -1, -1):
        _sift_by_work(cores, root, n, work)
    for end in range(n - 1, 0, -1):
        cores[0], cores[end] = cores[end], cores[0]
        _sift_by_work(cores, 0, end, work)


@ijit
def _sift_by_work(cores, root, end, work):
    """Move ``cores[root]`` down the heap ``cores[:end]``, whose root has the least work."""
    while 2 * root + 1 < end:
        child = 2 * root + 1
        if child + 1 < end and work[cores[child + 1]] < work[cores[child]]:
            child += 1
        if work[cores[root]] <= work[cores[child]]:
            return
        cores[root], cores[child] = cores[child], cores[root]
        root = child


@kjit
def _sort_record(sp_n, sp_v, k0, k1):
    """The spike record's entries ``k0..k1-1`` sorted by neuron (each neuron fires once
    a tick), in place (a heap sort: nothing allocated, see :data:`.jit.kjit`)."""
    n = k1 - k0
    for root in range(n // 2 - 1, -1, -1):
        _sift_record(sp_n, sp_v, k0, root, n)
    for end in range(n - 1, 0, -1):
        sp_n[k0], sp_n[k0 + end] = sp_n[k0 + end], sp_n[k0]
        sp_v[k0], sp_v[k0 + end] = sp_v[k0 + end], sp_v[k0]
        _sift_record(sp_n, sp_v, k0, 0, end)


@ijit
def _sift_record(sp_n, sp_v, k0, root, end):
    """Move entry ``k0 + root`` down the heap of entries ``k0..k0+end-1``, whose root has
    the largest neuron."""
    while 2 * root + 1 < end:
        child = 2 * root + 1
        if child + 1 < end and sp_n[k0 + child + 1] > sp_n[k0 + child]:
            child += 1
        a = k0 + root
        z = k0 + child
        if sp_n[a] >= sp_n[z]:
            return
        sp_n[a], sp_n[z] = sp_n[z], sp_n[a]
        sp_v[a], sp_v[z] = sp_v[z], sp_v[a]
        root = child


@kjit
def run_ticks(
    # network (read-only; see engine.event.KernelNet)
    ppar, p_thr, p_bias, p_leak, p_mulv, p_mulu, p_mulk, p_pop, v_init, core_of,
    grp_ptr, grp_delay, seg_ptr, seg_core, seg_pop, seg_hops, seg_range, range_lo, range_hi,
    syn_ptr, syn_tgt, syn_w, run_ptr, run_lo, run_hi, run_core, regs,
    # state (updated in place): registers v, u, refractory count, spike count; v summed
    # over ticks and the tick of the last update (mean-membrane readout); the neurons to
    # look at next tick (a list, and the flags of populations updated whole); work arrays
    v_r, u_r, ref_r, cnt_r, vsum_r, last_r, acc, mark, active, n_active, flags, p_flagged,
    p_listed, p_unlisted, p_mode, q_grp, q_val, q_len, range_mark, ranges, upd_list,
    sp_t, sp_n, sp_v, sp_len, counters, first_ovf,
    # threads (see kernels.threaded): how many (2 or more), or None for the version without
    # threads (numba drops the branches on ``threads is None`` before it types the rest,
    # so that version has no code of the threaded steps: engine.event.run_threads); the
    # least work of a tick's delivery (_bucket_work), neurons of a population and work of
    # a tick updated whole to spread over them; per core, its part and its work in a
    # tick, and the cores with work; per part, its listed targets, ranges and
    # populations' counts, how many of each, and its counts per core run of a whole
    # update; the bounds of each part's neurons in a tick spread whole (none: no tick is;
    # _tick_whole_threaded) and the part that holds each core (-1: cut)
    threads, thread_min, owner, core_work, touched, upd_buf, rng_buf, pl_buf, n_buf,
    whole_counts, whole_bounds, whole_core_part,
    # this call
    t0, t1, in_tick, in_chan, in_val, in_offset,
    tick_ops, tick_upd, tick_spk, probes, probe_v, probe_u, stop_on_overflow,
):
    """Run ticks t0..t1-1; return the tick after the last one run.

    Input spikes are counted but not recorded (the input is known); the record
    (int32 tick and neuron, int8 value) is kept sorted by tick and neuron. Returns
    early, at a tick boundary, when the spike record could overflow in the next
    tick or (with ``stop_on_overflow``) after a tick with an overflow.
    """
    n = v_r.size
    ip = 0
    # the most synapses of a fan-out group: a tick's bucket of e spikes holds at most e
    # times as many, and a bucket surely below the thresholds is not weighed (W2 took 3 %
    # longer a tick on 2 threads than on one, none of its ticks spread)
    grp_most = 0
    if threads is not None:
        grp_most = _most_synapses(seg_ptr, syn_ptr)
    while ip < in_tick.size and in_tick[ip] < t0:
        ip += 1
    for t in range(t0, t1):
        row = t - t0
        # the delivery's work in scattered synaptic events; with every population updated
        # whole, the tick's, a neuron's update counting as half of one (the delivery's not
        # weighed when the neurons alone are enough)
        whole = -1
        work = 0
        if threads is not None:
            whole = _all_whole(ppar, p_flagged, n_active) if whole_bounds.size > 0 else -1
            most = q_len[t % q_len.size] * grp_most
            if not (whole >= 0 and whole // 2 >= thread_min[2]) and (
                    most >= thread_min[0] or whole >= 0 and most + whole // 2 >= thread_min[2]):
                work = _bucket_work(t % q_len.size, seg_ptr, seg_range, syn_ptr, q_grp, q_len)
        if threads is not None and whole >= 0 and work + whole // 2 >= thread_min[2]:
            overflowed = _tick_whole_threaded(
                t, row, whole_bounds, whole_core_part, ppar, p_thr, p_bias, p_leak, p_mulv,
                core_of, seg_ptr, seg_core, seg_hops, seg_range, range_lo, range_hi, syn_ptr,
                syn_tgt, syn_w, run_ptr, run_lo, run_hi, run_core, regs, v_r, ref_r, cnt_r, acc,
                flags, p_flagged, p_mode, q_grp, q_val, q_len, counters, tick_ops, tick_upd,
                tick_spk, sp_t, sp_n, sp_v, sp_len, first_ovf, grp_ptr, grp_delay,
                whole_counts, upd_buf, n_buf)
            n_active[0] = 0
        else:
            if threads is not None and work >= thread_min[0]:
                n_upd, n_rng = _deliver_threaded(
                    t, row, threads, seg_ptr, seg_core, seg_pop, seg_hops, seg_range, range_lo,
                    range_hi, syn_ptr, syn_tgt, syn_w, q_grp, q_val, q_len, acc, mark,
                    range_mark, ranges, upd_list, p_listed, p_unlisted, counters, tick_ops,
                    owner, core_work, touched, upd_buf, rng_buf, pl_buf, n_buf)
            else:
                n_upd, n_rng = _deliver(
                    t, row, seg_ptr, seg_core, seg_pop, seg_hops, seg_range, range_lo, range_hi,
                    syn_ptr, syn_tgt, syn_w, q_grp, q_val, q_len, acc, mark, range_mark, ranges,
                    upd_list, p_listed, p_unlisted, p_mode, counters, tick_ops)
            n_upd = _collect(t, n_upd, n_rng, ppar, p_pop, v_init, v_r, u_r, ref_r, cnt_r,
                             vsum_r, last_r, mark, upd_list, p_listed, p_unlisted, ranges,
                             range_lo, range_hi, active, n_active, flags, p_flagged, p_mode, acc)
            k0 = sp_len[0]
            # step 2: update the due neurons, busy populations whole or by their marks, in index
            # order, then the listed ones (a call passes tens of arrays: none when idle)
            overflowed = False
            n_next = np.int64(0)  # not a literal 0 (jit.py: one version)
            for p in range(ppar.shape[0]):
                p_flagged[p] = 0
                mode = p_mode[p]
                if ppar[p, Q_MODEL] == MODEL_INPUT or mode == M_LIST:
                    continue
                size = ppar[p, Q_HI] - ppar[p, Q_LO]
                if threads is not None and mode == M_WHOLE and size >= thread_min[1]:
                    p_flagged[p], ov = _update_whole_threaded(
                        t, row, p, threads, ppar, p_thr, p_bias, p_leak, p_mulv, run_ptr, run_lo,
                        run_hi, run_core, regs, v_r, ref_r, cnt_r, acc, flags, counters, tick_upd,
                        tick_spk, sp_t, sp_n, sp_v, sp_len, first_ovf, grp_ptr, grp_delay, q_grp,
                        q_val, q_len, whole_counts)
                elif mode == M_WHOLE:
                    p_flagged[p], ov = _update_whole(
                        t, row, p, ppar, p_thr, p_bias, p_leak, p_mulv, run_ptr, run_lo, run_hi,
                        run_core, regs, v_r, ref_r, cnt_r, acc, flags, counters, tick_upd,
                        tick_spk, sp_t, sp_n, sp_v, sp_len, first_ovf, grp_ptr, grp_delay, q_grp,
                        q_val, q_len)
                elif ppar[p, Q_PLAIN] != 0:
                    n_next, ov = _update_plain(
                        t, row, p, ppar, p_thr, p_bias, p_leak, p_mulv, p_mulu, p_mulk, p_pop,
                        core_of, regs, v_r, u_r, ref_r, cnt_r, vsum_r, last_r, acc, mark, active,
                        n_next, counters, tick_upd, tick_spk, sp_t, sp_n, sp_v, sp_len,
                        first_ovf, grp_ptr, grp_delay, q_grp, q_val, q_len)
                else:
                    n_next, ov = _update_general(
                        t, row, False, ppar[p, Q_LO], ppar[p, Q_HI], upd_list, ppar, p_thr,
                        p_bias, p_leak, p_mulv, p_mulu, p_mulk, p_pop, core_of, regs, v_r, u_r,
                        ref_r, cnt_r, vsum_r, last_r, acc, mark, active, n_next, counters,
                        tick_upd, tick_spk, sp_t, sp_n, sp_v, sp_len, first_ovf, grp_ptr,
                        grp_delay, q_grp, q_val, q_len)
                overflowed |= ov
            k_list = sp_len[0]
            if n_upd > 0:
                n_next, ov = _update_general(
                    t, row, True, 0, n_upd, upd_list, ppar, p_thr, p_bias, p_leak, p_mulv, p_mulu,
                    p_mulk, p_pop, core_of, regs, v_r, u_r, ref_r, cnt_r, vsum_r, last_r, acc, mark,
                    active, n_next, counters, tick_upd, tick_spk, sp_t, sp_n, sp_v, sp_len,
                    first_ovf, grp_ptr, grp_delay, q_grp, q_val, q_len)
                overflowed |= ov
            n_active[0] = n_next
            if sp_len[0] > k_list and sp_len[0] - k0 > 1:
                # listed neurons fire in list order: keep the record sorted by neuron
                _sort_record(sp_n, sp_v, k0, sp_len[0])
        # step 3: the input spikes of tick t leave with the neurons' spikes
        tb = t % q_len.size
        i1 = ip
        while i1 < in_tick.size and in_tick[i1] == t:
            i1 += 1
        _prefetch_spikes(in_chan, ip, i1, in_offset, core_of, grp_ptr, grp_delay)
        while ip < i1:
            j = in_offset + in_chan[ip]
            c = core_of[j]
            counters[c, C_SPK] += 1
            tick_spk[row, c] += 1
            _push_at(tb, j, in_val[ip], grp_ptr, grp_delay, q_grp, q_val, q_len)
            ip += 1
        for i in range(probes.size):
            probe_v[row, i] = v_r[probes[i]]
            probe_u[row, i] = u_r[probes[i]]
        if sp_len[0] + n > sp_t.size or (stop_on_overflow and overflowed):
            return t + 1
    return t1


# before any kernel of this module is loaded from numba's cache (package docstring)
check_cache(run_ticks)
