"""The parts of a tick the event kernel (:mod:`.event`) spreads over threads.

Cores of the emulated chip are independent within a tick: a synaptic event
touches only its target core's accumulators, marks and target ranges, and a
neuron's update only its own registers. So a busy tick's delivery is cut by
target core (each core's segments to one thread, :func:`deliver`) and a large
population's whole update by neuron range (:func:`update_whole`); each thread
writes its own part of what the step lists (due neurons, target ranges, counts
per population or core run), and the kernel merges the parts in thread order.

Integer sums do not depend on their order, and the kernel reads every list
merged here as a set (the spike record is sorted by neuron each tick), so a run
gives the same bits with any number of threads.

numba checks its disk cache of the kernel (``run_ticks``) against the content of
``kernels/event.py`` only; the kernels' cache is dropped when this module changes
(:func:`neuroemu.engine.kernels.check_cache`).
"""

import numpy as np
from numba import prange

from ...mapping.codes import RESET_SUBTRACT, RESET_ZERO
from .jit import jit, pjit


@jit
def whole_neuron(v0, a, r0, mulv, bias, leak, thr, v_lo, v_hi, floor_v, strict, reset, refr,
                 tz):
    """One neuron of a whole-population update, without branches: (v, refractory count,
    flag, did, event), the flag 1 if the neuron did something, + 2 if it fired, + 4 if it
    overflowed; did and event (fired or overflowed) as booleans, which are cheaper to count
    than the flag's bits.

    Written for few vector instructions (it runs for every neuron of a busy population
    at every tick): the decay rounds toward zero as ``(p + 4095) >> 12`` for a negative
    product ``p`` (the same value as ``-(-p >> 12)``), and whether the neuron did
    something is one test of the bits of what it could have changed."""
    held = r0 > 0  # refractory: v holds, the input is dropped, the count goes down
    prod = v0 * mulv
    if tz:
        dec = (prod + ((prod >> 63) & 4095)) >> 12
    else:
        dec = prod >> 12
    x = dec + a + bias - leak
    vc = min(max(x, v_lo), v_hi)
    vv = max(vc, floor_v)
    fire = (vv >= thr + strict) & (not held)
    after = 0 if reset == RESET_ZERO else (vv - thr if reset == RESET_SUBTRACT else vv)
    vn = v0 if held else (after if fire else vv)
    rn = r0 - 1 if held else (refr if fire else 0)
    ovf = (vc != x) & (not held)
    # input, a register that moved, or the register's bound reached (held: the count moved)
    did = ((a | (vn ^ v0) | (rn ^ r0) | (vc ^ x)) != 0) | fire
    flag = np.int8(did) | (np.int8(fire) << 1) | (np.int8(ovf) << 2)
    return vn, rn, flag, did, fire | ovf


@jit
def _deliver_part(part, t, b, owner, seg_ptr, seg_core, seg_pop, seg_range, range_lo, range_hi,
                  syn_ptr, syn_tgt, syn_w, q_grp, q_val, q_len, acc, mark, range_mark, upd_buf,
                  rng_buf, pl_buf, n_buf):
    """The segments of bucket ``b`` on the cores ``owner`` gives to ``part``."""
    n_upd = 0
    n_rng = 0
    listed = pl_buf[part]
    listed[:] = 0
    ranges = rng_buf[part]
    upd_list = upd_buf[part]
    for e in range(q_len[b]):
        g = q_grp[b, e]
        val = q_val[b, e]
        for s in range(seg_ptr[g], seg_ptr[g + 1]):
            if owner[seg_core[s]] != part:
                continue
            # as kernels.event._deliver (a shared helper made it a third slower)
            k0 = syn_ptr[s]
            k1 = syn_ptr[s + 1]
            r = seg_range[s]
            if r >= 0:
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
                n0 = n_upd
                for k in range(k0, k1):
                    j = syn_tgt[k]
                    acc[j] += syn_w[k] * val
                    if mark[j] != t:
                        mark[j] = t
                        upd_list[n_upd] = j
                        n_upd += 1
                listed[seg_pop[s]] += n_upd - n0
    n_buf[part, 0] = n_upd
    n_buf[part, 1] = n_rng


@pjit
def deliver(parts, t, b, owner, seg_ptr, seg_core, seg_pop, seg_range, range_lo, range_hi,
            syn_ptr, syn_tgt, syn_w, q_grp, q_val, q_len, acc, mark, range_mark, upd_buf,
            rng_buf, pl_buf, n_buf):
    """Step 1's additions of bucket ``b``, one part per thread: part ``k`` takes the cores
    with ``owner[c] == k`` and lists its targets in row ``k`` of ``upd_buf``, ``rng_buf``
    and ``pl_buf`` (``n_buf[k]``: how many of each)."""
    for part in prange(parts):
        _deliver_part(part, t, b, owner, seg_ptr, seg_core, seg_pop, seg_range, range_lo,
                      range_hi, syn_ptr, syn_tgt, syn_w, q_grp, q_val, q_len, acc, mark,
                      range_mark, upd_buf, rng_buf, pl_buf, n_buf)


@jit
def _whole_part(part, parts, p_lo, p_hi, r0, r1, run_lo, run_hi, p_thr, p_bias, p_leak, p_mulv,
                v_r, ref_r, acc, flags, v_lo, v_hi, floor_v, strict, reset, refr, tz, counts):
    """Part ``part`` of ``parts`` of a whole update of the population of neurons
    ``p_lo..p_hi-1`` (core runs ``r0..r1-1``); ``counts[part, i]``: run ``i``'s neurons
    that did something, and those that fired or overflowed, in this part."""
    n = p_hi - p_lo
    lo_part = p_lo + n * part // parts
    hi_part = p_lo + n * (part + 1) // parts
    for i in range(r0, r1):
        lo = max(run_lo[i], lo_part)
        hi = min(run_hi[i], hi_part)
        n_run = 0
        n_evt = 0
        if lo < hi:
            v = v_r[lo:hi]
            ref = ref_r[lo:hi]
            a_in = acc[lo:hi]
            thr = p_thr[lo:hi]
            bias = p_bias[lo:hi]
            leak = p_leak[lo:hi]
            mulv = p_mulv[lo:hi]
            flag = flags[lo:hi]
            if refr == 0:
                for k in range(hi - lo):
                    vn, _, f, did, evt = whole_neuron(v[k], a_in[k], 0, mulv[k], bias[k],
                                                      leak[k], thr[k], v_lo, v_hi, floor_v,
                                                      strict, reset, 0, tz)
                    v[k] = vn
                    a_in[k] = 0
                    flag[k] = f
                    n_run += did
                    n_evt += evt
            else:
                for k in range(hi - lo):
                    vn, rn, f, did, evt = whole_neuron(v[k], a_in[k], ref[k], mulv[k],
                                                       bias[k], leak[k], thr[k], v_lo, v_hi,
                                                       floor_v, strict, reset, refr, tz)
                    v[k] = vn
                    ref[k] = rn
                    a_in[k] = 0
                    flag[k] = f
                    n_run += did
                    n_evt += evt
        counts[part, i, 0] = n_run
        counts[part, i, 1] = n_evt


@pjit
def update_whole(parts, p_lo, p_hi, r0, r1, run_lo, run_hi, p_thr, p_bias, p_leak, p_mulv, v_r,
                 ref_r, acc, flags, v_lo, v_hi, floor_v, strict, reset, refr, tz, counts):
    """Step 2's whole update of a population, its neurons cut into ``parts`` equal ranges,
    one per thread (:func:`_whole_part`)."""
    for part in prange(parts):
        _whole_part(part, parts, p_lo, p_hi, r0, r1, run_lo, run_hi, p_thr, p_bias, p_leak,
                    p_mulv, v_r, ref_r, acc, flags, v_lo, v_hi, floor_v, strict, reset, refr,
                    tz, counts)
