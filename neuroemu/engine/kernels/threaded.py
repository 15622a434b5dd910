"""The parts of a tick the event kernel (:mod:`.event`) spreads over threads.

Cores of the emulated chip are independent within a tick: a synaptic event
touches only its target core's accumulators, marks and target ranges, and a
neuron's update only its own registers. So a busy tick's delivery is cut by
target core (each core's segments to one thread, :func:`deliver`) and a large
population's whole update by neuron range (:func:`update_whole`); each thread
writes its own part of what the step lists (due neurons, target ranges, counts
per population or core run), and the kernel merges the parts in thread order.
A tick in which every population is updated whole is cut by neuron range from
start to end (:func:`deliver_update`): each thread adds the synapses that reach
its neurons, updates them and lists those that fired or overflowed.

Integer sums do not depend on their order, and the kernel reads every list
merged here as a set (the spike record is sorted by neuron each tick), so a run
gives the same bits with any number of threads.

numba checks its disk cache of the kernel (``run_ticks``) against the content of
``kernels/event.py`` only; the kernels' cache is dropped when this module changes
(:func:`neuroemu.engine.kernels.check_cache`).
"""

import numpy as np
from numba import prange, types
from numba.cpython.unsafe.numbers import trailing_zeros
from numba.extending import overload

from ...mapping.codes import MODEL_INPUT, RESET_SUBTRACT, RESET_ZERO
from .columns import (
    ALL_BITS,
    P_SHARED,
    P_STILL,
    Q_FLOOR,
    Q_MODEL,
    Q_PARAMS,
    Q_REFR,
    Q_RESET,
    Q_STRICT,
    Q_VMIN,
)
from .int32 import add32, and32, mul32, or32, sra32, sub32, xor32
from .jit import ijit, kjit, pjit
from .masks import event_mask
from .memory import prefetch


@kjit
def whole_neuron(v0, a, r0, mulv, bias, leak, thr, v_lo, v_hi, floor_v, strict, reset, refr,
                 tz, narrow=False):
    """One neuron of a whole-population update, without branches: (v, refractory count,
    flag, did, event), the flag 1 if the neuron did something, + 2 if it fired, + 4 if it
    overflowed; did and event (fired or overflowed) as booleans, which are cheaper to count
    than the flag's bits.

    Written for few vector instructions (it runs for every neuron of a busy population
    at every tick): the decay rounds toward zero as ``(p + 4095) >> 12`` for a negative
    product ``p`` (the same value as ``-(-p >> 12)``), and whether the neuron did
    something is one test of the bits of what it could have changed. ``mulv`` None: a
    multiplier of 4096 (no decay, as IF neurons), whose product shifted back is ``v0``
    itself, compiled without the multiply (W1's IF layers updated in fewer instructions).
    ``narrow`` is :func:`whole_neuron32`'s (int64 needs no narrow form)."""
    held = r0 > 0  # refractory: v holds, the input is dropped, the count goes down
    if mulv is None:  # no decay (multiplier 4096)
        dec = v0
    else:
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


I32 = np.int32


@kjit
def whole_neuron32(v0, a, r0, mulv, bias, leak, thr, v_lo, v_hi, floor_v, strict, reset, refr,
                   tz, narrow=False):
    """:func:`whole_neuron` in int32 arithmetic (:mod:`.int32`), for int32 registers, with
    ``v_lo``, ``v_hi`` and ``floor_v`` as int32; did and event as 0 or 1 in int32, to be
    counted in int32. The same values wherever v, the input plus bias minus leak, the
    threshold plus 1 and v minus a threshold it reached fit in int32, and the multiplier
    is 0 to 4096 (:func:`neuroemu.engine.event.register_type` checks it before it gives
    a run int32 registers); their sum need not.

    The decay product of a 32-bit register does not fit in 32 bits, so it is taken in
    two: with ``v = 4096 h + l`` (``0 <= l < 4096``), the product shifted right by 12 is
    ``h m + (l m >> 12)`` (``l m`` fits; the sum wraps in between and is exact at the
    end), rounded toward zero (the product is negative where ``v < 0`` and ``m > 0``) by
    adding 1 wherever ``l m`` is not a multiple of 4096. The sum of the decayed v and the
    input saturates: where it wraps (its sign is neither operand's) it is past the
    register's bound on the side of the input's sign.

    ``narrow`` True (the narrow form): ``|v0| <= near`` and the input plus bias minus leak
    is at most ``2**31 - 1 - near`` in magnitude, ``near`` at most
    :data:`.columns.NARROW_V`, and the register's bounds are int32's (``±(2**31 - 1)`` or
    wider; :func:`narrow_ok`, :func:`neuroemu.engine.event.narrow_bound`): the product
    fits in int32 and the sum cannot wrap or pass the register's bounds. One multiply,
    no test of a wrapped sum, no clamp, never an overflow: W2's loop
    (``tools/bench_engine.py``) takes about 60 vector instructions for 32 neurons
    instead of 99."""
    z = I32(0)
    held = r0 > z
    if mulv is None:  # no decay (multiplier 4096)
        dec = v0
    elif narrow:
        prod = mul32(v0, I32(mulv))
        if tz:  # toward zero: a negative product rounds up
            prod = add32(prod, and32(sra32(prod, I32(31)), I32(4095)))
        dec = sra32(prod, I32(12))
    else:
        m = I32(mulv)
        low = mul32(and32(v0, I32(4095)), m)
        dec = add32(mul32(sra32(v0, I32(12)), m), sra32(low, I32(12)))
        if tz:
            dec = add32(dec, I32((v0 < z) & (and32(low, I32(4095)) != z)))
    s = add32(a, sub32(bias, leak))
    x = add32(dec, s)
    if narrow:  # within int32's bounds, which are the register's
        vc = x
    else:
        wrapped = and32(xor32(dec, x), xor32(s, x)) < z
        vc = (v_hi if s > z else v_lo) if wrapped else min(max(x, v_lo), v_hi)
    vv = max(vc, floor_v)
    fire = (vv >= add32(thr, strict)) & (not held)
    after = z if reset == RESET_ZERO else (sub32(vv, thr) if reset == RESET_SUBTRACT else vv)
    vn = v0 if held else (after if fire else vv)
    rn = sub32(r0, I32(1)) if held else (I32(refr) if fire else z)
    beyond = vc != x  # so too where the sum wrapped: its sign is not the bound's
    ovf = beyond & (not held)
    did = (or32(a, or32(xor32(vn, v0), xor32(rn, r0))) != z) | fire | beyond
    flag = or32(or32(I32(did), mul32(I32(fire), I32(2))), mul32(I32(ovf), I32(4)))
    return vn, rn, flag, I32(did), or32(I32(fire), I32(ovf))


def whole_step(v0, a, r0, mulv, bias, leak, thr, v_lo, v_hi, floor_v, strict, reset, refr,
               tz, narrow):
    """One neuron of a whole update: :func:`whole_neuron32` of an int32 register ``v0``,
    :func:`whole_neuron` of an int64 one."""
    return whole_neuron(v0, a, r0, mulv, bias, leak, thr, v_lo, v_hi, floor_v, strict, reset,
                        refr, tz, narrow)


@overload(whole_step)
def _whole_step(v0, a, r0, mulv, bias, leak, thr, v_lo, v_hi, floor_v, strict, reset, refr,
                tz, narrow):
    if v0 == types.int32:
        return (lambda v0, a, r0, mulv, bias, leak, thr, v_lo, v_hi, floor_v, strict, reset,
                refr, tz, narrow: whole_neuron32(v0, a, r0, mulv, bias, leak, thr, v_lo, v_hi,
                                                 floor_v, strict, reset, refr, tz, narrow))
    return (lambda v0, a, r0, mulv, bias, leak, thr, v_lo, v_hi, floor_v, strict, reset, refr,
            tz, narrow: whole_neuron(v0, a, r0, mulv, bias, leak, thr, v_lo, v_hi, floor_v,
                                     strict, reset, refr, tz, narrow))


def tally(n, x):
    """``n + x``: in int32 for int32 counts (:func:`whole_neuron32`'s), so that the loop
    that counts stays in 32-bit lanes."""
    return n + x


@overload(tally)
def _tally(n, x):
    if n == types.int32:
        return lambda n, x: add32(n, x)
    return lambda n, x: n + x


def like(v, x):
    """``x`` as an element of registers ``v``: int32 for int32 registers (converted once,
    before the loop over them, rather than after a choice inside it), int64 otherwise."""
    return x


@overload(like)
def _like(v, x):
    if v.dtype == types.int32:
        return lambda v, x: I32(x)
    return lambda v, x: np.int64(x)


def each(x, k):
    """``x[k]`` of an array, ``x`` itself of a number (one value for every neuron)."""
    return x[k] if isinstance(x, np.ndarray) else x


@overload(each)
def _each(x, k):
    if isinstance(x, types.Array):
        return lambda x, k: x[k]
    return lambda x, k: x


def keep(x, k, value):
    """``x[k] = value`` in an array; nothing for a number (a register the update does not
    keep)."""
    if isinstance(x, np.ndarray):
        x[k] = value


@overload(keep)
def _keep(x, k, value):
    if isinstance(x, types.Array):
        def store(x, k, value):
            x[k] = value
        return store
    return lambda x, k, value: None


@kjit
def whole_run(v, a_in, ref, flag, thr, bias, leak, mulv, v_lo, v_hi, floor_v, strict, reset,
              refr, tz, narrow):
    """:func:`whole_step` over ``v.size`` neurons (slices of their registers and flags);
    ``ref`` is their refractory counts or 0 (no refractory period), and each parameter is
    one per neuron or one value for all. Returns (neurons that did something, neurons
    that fired or overflowed).

    numba compiles one loop for each combination of arrays and numbers: a value shared by
    a population is not read for every neuron (W2 updated its 10,000 neurons in 13 % fewer
    cycles), without a refractory period nothing is read or kept for it, and with
    ``mulv`` None nothing is multiplied (:func:`whole_neuron`); ``narrow`` (a constant):
    :func:`whole_neuron32`'s narrow form."""
    n_did = like(v, 0)
    n_evt = like(v, 0)
    v_lo, v_hi, floor_v = like(v, v_lo), like(v, v_hi), like(v, floor_v)
    for k in range(v.size):
        vn, rn, f, did, evt = whole_step(v[k], a_in[k], each(ref, k), each(mulv, k),
                                         each(bias, k), each(leak, k), each(thr, k), v_lo,
                                         v_hi, floor_v, strict, reset, refr, tz, narrow)
        v[k] = vn
        keep(ref, k, rn)
        a_in[k] = 0
        flag[k] = f
        n_did = tally(n_did, did)
        n_evt = tally(n_evt, evt)
    return np.int64(n_did), np.int64(n_evt)


@kjit
def whole_range(lo, hi, params, v_r, ref_r, acc, flags, p_thr, p_bias, p_leak, p_mulv, v_lo,
                v_hi, floor_v, strict, reset, refr, tz, near):
    """:func:`whole_run` on neurons ``lo..hi-1``; ``params`` (their population's
    ``Q_PARAMS``): with ``P_SHARED``, the parameters of neuron ``lo`` for all (its
    population's are all equal); with ``P_STILL``, no multiplier (all are 4096). ``near``:
    the run's bound for :func:`whole_neuron32`'s narrow form (:func:`narrow_ok`)."""
    if params & P_SHARED:
        thr, bias, leak = p_thr[lo], p_bias[lo], p_leak[lo]
        if params & P_STILL:
            return _whole_slice(lo, hi, v_r, ref_r, acc, flags, thr, bias, leak, None, v_lo,
                                v_hi, floor_v, strict, reset, refr, tz, False)
        return _whole_decay(lo, hi, v_r, ref_r, acc, flags, thr, bias, leak, p_mulv[lo], v_lo,
                            v_hi, floor_v, strict, reset, refr, tz, near)
    thrs, biases, leaks = p_thr[lo:hi], p_bias[lo:hi], p_leak[lo:hi]
    if params & P_STILL:
        return _whole_slice(lo, hi, v_r, ref_r, acc, flags, thrs, biases, leaks, None, v_lo,
                            v_hi, floor_v, strict, reset, refr, tz, False)
    return _whole_decay(lo, hi, v_r, ref_r, acc, flags, thrs, biases, leaks, p_mulv[lo:hi],
                        v_lo, v_hi, floor_v, strict, reset, refr, tz, near)


def _whole_decay(lo, hi, v_r, ref_r, acc, flags, thr, bias, leak, mulv, v_lo, v_hi, floor_v,
                 strict, reset, refr, tz, near):
    """:func:`_whole_slice` with a multiplier: for int32 registers all within ``near`` of
    0 (:func:`narrow_ok`), in :func:`whole_neuron32`'s narrow form."""


@overload(_whole_decay)
def _whole_decay_impl(lo, hi, v_r, ref_r, acc, flags, thr, bias, leak, mulv, v_lo, v_hi,
                      floor_v, strict, reset, refr, tz, near):
    if v_r.dtype == types.int32:
        def decay32(lo, hi, v_r, ref_r, acc, flags, thr, bias, leak, mulv, v_lo, v_hi, floor_v,
                    strict, reset, refr, tz, near):
            if near >= 0 and narrow_ok(v_r[lo:hi], near):
                # with the refractory counts whether there is a period or not (without
                # one they stay 0): one loop fewer to compile, for each run's first
                return whole_run(v_r[lo:hi], acc[lo:hi], ref_r[lo:hi], flags[lo:hi], thr,
                                 bias, leak, mulv, v_lo, v_hi, floor_v, strict, reset, refr,
                                 tz, True)
            return _whole_slice(lo, hi, v_r, ref_r, acc, flags, thr, bias, leak, mulv, v_lo,
                                v_hi, floor_v, strict, reset, refr, tz, False)
        return decay32

    def decay64(lo, hi, v_r, ref_r, acc, flags, thr, bias, leak, mulv, v_lo, v_hi, floor_v,
                strict, reset, refr, tz, near):
        return _whole_slice(lo, hi, v_r, ref_r, acc, flags, thr, bias, leak, mulv, v_lo, v_hi,
                            floor_v, strict, reset, refr, tz, False)
    return decay64


@ijit
def narrow_ok(v, near):
    """Whether every int32 register of ``v`` is within ``near`` of 0 (``near`` at most
    :data:`.columns.NARROW_V`): one pass of min and max, which vectorises."""
    lo = I32(0)
    hi = I32(0)
    for k in range(v.size):
        lo = min(lo, v[k])
        hi = max(hi, v[k])
    return -near <= lo and hi <= near


@ijit
def _whole_slice(lo, hi, v_r, ref_r, acc, flags, thr, bias, leak, mulv, v_lo, v_hi, floor_v,
                 strict, reset, refr, tz, narrow):
    """:func:`whole_run` on the slices ``lo..hi-1`` of the registers, accumulators and
    flags, given the parameters (numbers or slices); without a refractory period, no
    refractory counts."""
    if refr != 0:
        return whole_run(v_r[lo:hi], acc[lo:hi], ref_r[lo:hi], flags[lo:hi], thr, bias, leak,
                         mulv, v_lo, v_hi, floor_v, strict, reset, refr, tz, narrow)
    return whole_run(v_r[lo:hi], acc[lo:hi], 0, flags[lo:hi], thr, bias, leak, mulv, v_lo,
                     v_hi, floor_v, strict, reset, 0, tz, narrow)


@kjit
def find_flagged(lo, hi, n_evt, flags, out, n_out):
    """Neurons ``lo..hi-1`` that fired or overflowed in a whole update (``n_evt`` of
    them), listed in index order in ``out`` from ``n_out``; returns the list's new
    length.

    Few neurons fire in a tick, so the flags are read 64 at a time, as a mask of those
    with an event (:func:`.masks.event_mask`; ``flags`` is padded to a multiple of 64),
    and a mask's neurons are found by counting trailing zeros; the scan stops at the
    last event. Read a word of eight flags at a time, W1's 2,048 flags a tick took a
    tenth of its time at a tenth of the input."""
    found = 0
    base = lo & ~63
    while found < n_evt and base < hi:
        m = event_mask(flags, base)
        if base < lo:  # the first and last blocks' flags outside lo..hi-1 are not these
            m &= ALL_BITS << np.uint64(lo - base)
        if hi - base < 64:
            m &= ~(ALL_BITS << np.uint64(hi - base))
        while m != 0:
            out[n_out] = base + trailing_zeros(m)
            n_out += 1
            found += 1
            m &= m - np.uint64(1)
        base += 64
    return n_out


@ijit
def add_row(acc, lo, w, k0, n, val):
    """``acc[lo:lo + n] += w[k0:k0 + n] * val``: a dense row's weights added to its
    targets' accumulators. Indexed with unsigned integers: numba checks a signed index
    for wrapping around (a negative one counts from the end), and that check keeps a
    loop from vectorising."""
    if val == 1:
        for k in range(n):
            acc[np.uint64(lo + k)] += w[np.uint64(k0 + k)]
    else:
        for k in range(n):
            acc[np.uint64(lo + k)] += w[np.uint64(k0 + k)] * val


@ijit
def scatter(acc, tgt, w, k0, k1, val):
    """``acc[tgt[k]] += w[k] * val`` for ``k`` in ``k0..k1-1``: scattered synapses' weights
    added to their targets' accumulators (unsigned indices: see :func:`add_row`)."""
    if val == 1:
        for k in range(np.uint64(k0), np.uint64(k1)):
            acc[np.uint64(tgt[k])] += w[k]
    else:
        for k in range(np.uint64(k0), np.uint64(k1)):
            acc[np.uint64(tgt[k])] += w[k] * val


@ijit
def scatter_listed(acc, tgt, w, k0, k1, val, t, mark, upd_list, n_upd):
    """:func:`scatter`, listing each target not yet marked at tick ``t`` in ``upd_list``
    from ``n_upd`` (and marking it); returns the list's new length."""
    for k in range(np.uint64(k0), np.uint64(k1)):
        j = np.uint64(tgt[k])
        acc[j] += w[k] * val
        if mark[j] != t:
            mark[j] = t
            upd_list[n_upd] = j
            n_upd += 1
    return n_upd


@ijit
def prefetch_ahead(b, e, n_e, q_grp, seg_ptr, seg_core, seg_hops0, seg_range, seg_pop,
                   syn_ptr, syn_tgt, syn_w, owner, part):
    """Before delivering entry ``e`` of bucket ``b`` (``n_e`` entries): the tables of the
    entries after it brought towards the processor (:func:`.memory.prefetch`), each a
    step further than the last, since each address is read from the last: the group's
    segments three entries ahead, their descriptions two ahead, the first and last
    synapses of their segments the next. ``seg_hops0``: the segments' hops (first
    column), ``seg_core`` again where they are not read, as ``seg_pop``; ``part`` >= 0:
    only the synapses of the segments whose core is that part's (``owner[core]``, -1
    shared).

    A large network's tables are in memory, not in cache, and a spike's are read at
    random: W3 of ``tools/bench_w3.py`` ran 1.6-1.7x as fast on one thread (2.8e8 synaptic
    events/s instead of 1.7e8)."""
    if e + 3 < n_e:
        prefetch(seg_ptr, q_grp[b, e + 3])
    if e + 2 < n_e:
        s = seg_ptr[q_grp[b, e + 2]]
        prefetch(syn_ptr, s)
        prefetch(seg_core, s)
        prefetch(seg_range, s)
        prefetch(seg_pop, s)
        prefetch(seg_hops0, s)
    if e + 1 < n_e:
        g = q_grp[b, e + 1]
        for s in range(seg_ptr[g], seg_ptr[g + 1]):
            if part >= 0 and owner[seg_core[s]] >= 0 and owner[seg_core[s]] != part:
                continue
            k0 = syn_ptr[s]
            k1 = syn_ptr[s + 1] - 1
            prefetch(syn_w, k0)
            prefetch(syn_w, k1)
            if seg_range[s] < 0:  # scattered: its targets are read too
                prefetch(syn_tgt, k0)
                prefetch(syn_tgt, k1)


@kjit
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
    n_e = q_len[b]
    for e in range(n_e):
        prefetch_ahead(b, e, n_e, q_grp, seg_ptr, seg_core, seg_core, seg_range, seg_pop,
                       syn_ptr, syn_tgt, syn_w, owner, part)
        g = q_grp[b, e]
        val = q_val[b, e]
        for s in range(seg_ptr[g], seg_ptr[g + 1]):
            if owner[seg_core[s]] != part:
                continue
            # as kernels.event._deliver
            k0 = syn_ptr[s]
            k1 = syn_ptr[s + 1]
            r = seg_range[s]
            if r >= 0:
                add_row(acc, range_lo[r], syn_w, k0, k1 - k0, val)
                if range_mark[r] != t:
                    range_mark[r] = t
                    ranges[n_rng] = r
                    n_rng += 1
            else:
                n0 = n_upd
                n_upd = scatter_listed(acc, syn_tgt, syn_w, k0, k1, val, t, mark, upd_list,
                                       n_upd)
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
    for i in prange(parts):
        part = np.int64(i)  # signed (jit.py: one version)
        _deliver_part(part, t, b, owner, seg_ptr, seg_core, seg_pop, seg_range, range_lo,
                      range_hi, syn_ptr, syn_tgt, syn_w, q_grp, q_val, q_len, acc, mark,
                      range_mark, upd_buf, rng_buf, pl_buf, n_buf)


@kjit
def _whole_part(part, parts, p_lo, p_hi, r0, r1, run_lo, run_hi, params, p_thr, p_bias, p_leak,
                p_mulv, v_r, ref_r, acc, flags, v_lo, v_hi, floor_v, strict, reset, refr, tz,
                near, counts):
    """Part ``part`` of ``parts`` of a whole update of the population of neurons
    ``p_lo..p_hi-1`` (core runs ``r0..r1-1``; :func:`whole_range`); ``counts[part, i]``:
    run ``i``'s neurons that did something, and those that fired or overflowed, in this
    part."""
    n = p_hi - p_lo
    lo_part = p_lo + n * part // parts
    hi_part = p_lo + n * (part + 1) // parts
    for i in range(r0, r1):
        lo = max(run_lo[i], lo_part)
        hi = min(run_hi[i], hi_part)
        n_did, n_evt = 0, 0
        if lo < hi:
            n_did, n_evt = whole_range(lo, hi, params, v_r, ref_r, acc, flags, p_thr, p_bias,
                                       p_leak, p_mulv, v_lo, v_hi, floor_v, strict, reset,
                                       refr, tz, near)
        counts[part, i, 0] = n_did
        counts[part, i, 1] = n_evt


@pjit
def update_whole(parts, p_lo, p_hi, r0, r1, run_lo, run_hi, params, p_thr, p_bias, p_leak,
                 p_mulv, v_r, ref_r, acc, flags, v_lo, v_hi, floor_v, strict, reset, refr, tz,
                 near, counts):
    """Step 2's whole update of a population, its neurons cut into ``parts`` equal ranges,
    one per thread (:func:`_whole_part`)."""
    for i in prange(parts):
        part = np.int64(i)  # signed (jit.py: one version)
        _whole_part(part, parts, p_lo, p_hi, r0, r1, run_lo, run_hi, params, p_thr, p_bias,
                    p_leak, p_mulv, v_r, ref_r, acc, flags, v_lo, v_hi, floor_v, strict, reset,
                    refr, tz, near, counts)


@kjit
def _tick_part(part, lo, hi, b, core_part, seg_core, seg_ptr, seg_range, range_lo, range_hi,
               syn_ptr, syn_tgt, syn_w, q_grp, q_val, q_len, acc, ppar, p_thr, p_bias, p_leak,
               p_mulv, run_ptr, run_lo, run_hi, v_r, ref_r, flags, v_lo, v_hi, tz, near, counts,
               evt_buf, n_buf):
    """Part ``part`` of :func:`deliver_update`: the synapses of bucket ``b`` that reach
    neurons ``lo..hi-1``, then the whole update of those neurons (``counts[part, i]``:
    core run ``i``'s neurons that did something), and the list of those that fired or
    overflowed, in index order (``evt_buf[part]``, ``n_buf[part, 0]`` of them)."""
    n_e = q_len[b]
    for e in range(n_e):
        prefetch_ahead(b, e, n_e, q_grp, seg_ptr, seg_core, seg_core, seg_range, seg_core,
                       syn_ptr, syn_tgt, syn_w, core_part, part)
        g = q_grp[b, e]
        val = q_val[b, e]
        for s in range(seg_ptr[g], seg_ptr[g + 1]):
            # the part that holds all of the segment's target core (-1: a bound cuts the
            # core): another part's segments are passed over without reading their
            # synapses, which a large network's tables hold in memory, not in cache
            own = core_part[seg_core[s]]
            if own >= 0 and own != part:
                continue
            k0 = syn_ptr[s]
            k1 = syn_ptr[s + 1]
            r = seg_range[s]
            if r >= 0:  # a dense row: the part of its slice in lo..hi-1
                a = max(range_lo[r], lo)
                z = min(range_hi[r], hi)
                if a < z:
                    add_row(acc, a, syn_w, k0 + a - range_lo[r], z - a, val)
                continue
            if own < 0:
                if k0 == k1 or syn_tgt[k0] >= hi or syn_tgt[k1 - 1] < lo:
                    continue
                # a segment's targets are in order (engine.event.synapse_order): one that
                # crosses a part's bound is cut where it does
                if syn_tgt[k0] < lo:
                    k0 += np.searchsorted(syn_tgt[k0:k1], lo)
                if syn_tgt[k1 - 1] >= hi:
                    k1 = k0 + np.searchsorted(syn_tgt[k0:k1], hi)
            scatter(acc, syn_tgt, syn_w, k0, k1, val)
    n_found = np.int64(0)  # not a literal 0 (jit.py: one version)
    for p in range(ppar.shape[0]):
        if ppar[p, Q_MODEL] == MODEL_INPUT:
            continue
        floor_v = ppar[p, Q_VMIN] if ppar[p, Q_FLOOR] != 0 else v_lo
        for i in range(run_ptr[p], run_ptr[p + 1]):
            a = max(run_lo[i], lo)
            z = min(run_hi[i], hi)
            n_did = 0
            if a < z:
                n_did, n_evt = whole_range(a, z, ppar[p, Q_PARAMS], v_r, ref_r, acc,
                                           flags, p_thr, p_bias, p_leak, p_mulv, v_lo, v_hi,
                                           floor_v, ppar[p, Q_STRICT], ppar[p, Q_RESET],
                                           ppar[p, Q_REFR], tz, near)
                if n_evt > 0:
                    n_found = find_flagged(a, z, n_evt, flags, evt_buf[part], n_found)
            counts[part, i, 0] = n_did
    n_buf[part, 0] = n_found


@pjit
def deliver_update(bounds, b, core_part, seg_core, seg_ptr, seg_range, range_lo, range_hi,
                   syn_ptr, syn_tgt, syn_w, q_grp, q_val, q_len, acc, ppar, p_thr, p_bias,
                   p_leak, p_mulv, run_ptr, run_lo, run_hi, v_r, ref_r, flags, v_lo, v_hi, tz,
                   near, counts, evt_buf, n_buf):
    """Steps 1 and 2 of a tick in which every population is updated whole, in one spread:
    part ``k`` adds bucket ``b``'s synapses into neurons ``bounds[k]..bounds[k + 1]-1``
    (``core_part``: the part that holds each core, -1 if a bound cuts it) and updates
    them. Each thread adds into and updates only its own neurons, so a
    neuron's accumulator and registers stay in one core's cache from tick to tick (a
    delivery cut by cores and an update cut by neurons passed them between the caches,
    and were slower on two threads than on one)."""
    for i in prange(bounds.size - 1):
        part = np.int64(i)  # signed (jit.py: one version)
        _tick_part(part, bounds[part], bounds[part + 1], b, core_part, seg_core, seg_ptr,
                   seg_range, range_lo, range_hi, syn_ptr, syn_tgt, syn_w, q_grp, q_val, q_len,
                   acc, ppar, p_thr, p_bias, p_leak, p_mulv, run_ptr, run_lo, run_hi, v_r,
                   ref_r, flags, v_lo, v_hi, tz, near, counts, evt_buf, n_buf)
