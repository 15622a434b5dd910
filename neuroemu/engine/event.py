"""Orchestration of the event kernel: the kernel view of a configuration, state, chunks."""

from __future__ import annotations

import functools
import os
import time
import weakref
from collections.abc import Callable
from contextlib import contextmanager
from typing import NamedTuple

import numpy as np

from ..cores import check_count, usable_cores
from ..errors import InputError, MappingError
from ..hw.fixed import OVERFLOW_RULES, ROUNDINGS, TOWARD_ZERO, WRAP, register_limits
from ..inputs.stimulus import Stimulus
from ..ir.connectivity import lex_order
from ..mapping.codes import MODEL_INPUT, MODEL_SINGLE
from ..mapping.config import HardwareConfig
from ..mapping.xylo import has_xylo
from .event_xylo import run_event_xylo
from .kernels.columns import NARROW_V, P_SHARED, P_STILL, Q_HI, Q_LO, Q_MODEL, Q_RINT, Q_WHOLE
from .result import COUNTERS, PER_TICK, RunResult
from .tick_counts import TickCounts

# the calendar queue holds (delay + 1) x fan-out groups entries of 16 bytes
QUEUE_LIMIT_BYTES = 4 << 30
# the per-synapse and per-segment tables are kept in the narrowest integer type that
# holds their values (weights, target cores, populations and hops from int16 up, the
# others from int32): a synapse's weight and target in 6 bytes instead of 16
SMALL = (np.int16, np.int32, np.int64)
#: the least work of a tick's delivery (scattered synaptic events, a dense row's counting a
#: sixteenth: kernels.event._bucket_work) and neurons in a population updated whole that are
#: spread over threads, and the least work of a tick in which every population is updated
#: whole (its delivery's, a neuron's update counting as half a scattered event) for the
#: tick to be spread whole (whole_bounds); below these, one thread was faster
#: (tools/bench_engine.py: W1 and W2 are below all three). The third from
#: tools/bench_thread_min.py (W2's network at 5,000 to 80,000 neurons, every tick spread
#: whole on 2 threads against one, 3 runs): 0.70-0.74x at 5,000 neurons, 0.48-0.95x at
#: 10,000 (W2, work 7,267 a tick), 0.95-1.07x at 20,000 (14,403), 0.94-1.15x at 40,000
#: (28,968) and 1.41-1.49x at 80,000
THREAD_MIN = (32768, 16384, 16384)


class KernelNet(NamedTuple):
    """Contiguous arrays the kernel reads; built once per configuration.

    ``ppar`` (P, 17) holds each population's model code, reset, strict, floor,
    v_min, refractory, signed, negative threshold, count cap, mean tracking,
    reset interval and offset, neuron range, whether it is *plain* and *whole*, and
    whether its neurons share their threshold, bias, leak and decay and whether none
    decays (``Q_PARAMS``'s bits ``P_SHARED`` and ``P_STILL``; see ``kernels.event``'s
    Q_* columns); ``p_*`` (N,) each neuron's threshold, bias, leak, v, u and KLIF
    fractions and population.

    ``regs``: v's and u's register bounds and whether each wraps, whether rounding is
    toward zero, and the bound of a run's narrow whole update (-1 here; a run sets its
    own, :func:`narrow_bound`).

    Fan-out groups (one neuron's synapses of one delay) are
    ``grp_ptr[n] .. grp_ptr[n + 1]``; group ``g``'s segments (one per projection
    and target core) are ``seg_ptr[g] .. seg_ptr[g + 1]``; segment ``s``'s synapses
    are ``syn_ptr[s] .. syn_ptr[s + 1]``, sorted by target, all into population
    ``seg_pop[s]``. A segment
    whose targets are consecutive neurons has ``seg_range[s] >= 0``, the index of
    its target range ``range_lo[r] .. range_hi[r]`` (shared by equal ranges);
    others have -1.

    Population ``p``'s neurons fall in *core runs* ``run_ptr[p] .. run_ptr[p + 1]``:
    run ``i`` is neurons ``run_lo[i] .. run_hi[i]``, all on core ``run_core[i]``.

    Arrays are int64, except ``syn_tgt``, ``syn_w``, ``syn_ptr`` and ``seg_*``
    (but ``seg_ptr``): the narrowest integer type that holds their values
    (:func:`narrow`; int32 for targets, pointers and ranges, int16 for weights,
    cores, populations and hops when they fit), and the per-neuron parameters
    ``p_thr`` ... ``p_mulk``: int32 when all of them fit (:func:`narrow_together`).
    """

    ppar: np.ndarray
    p_thr: np.ndarray
    p_bias: np.ndarray
    p_leak: np.ndarray
    p_mulv: np.ndarray
    p_mulu: np.ndarray
    p_mulk: np.ndarray
    p_pop: np.ndarray
    v_init: np.ndarray
    core_of: np.ndarray
    grp_ptr: np.ndarray
    grp_delay: np.ndarray
    seg_ptr: np.ndarray
    seg_core: np.ndarray
    seg_pop: np.ndarray
    seg_hops: np.ndarray
    seg_range: np.ndarray
    range_lo: np.ndarray
    range_hi: np.ndarray
    syn_ptr: np.ndarray
    syn_tgt: np.ndarray
    syn_w: np.ndarray
    run_ptr: np.ndarray
    run_lo: np.ndarray
    run_hi: np.ndarray
    run_core: np.ndarray
    regs: np.ndarray


def narrow(a, dtypes=(np.int32, np.int64)) -> np.ndarray:
    """``a`` as the first of ``dtypes`` that holds all its values, contiguous and writeable
    (a read-only array would compile another kernel signature). The kernel widens every
    value to int64 before it computes with it, so results do not depend on the choice."""
    a = np.asarray(a)
    lo, hi = (int(a.min()), int(a.max())) if a.size else (0, 0)
    for dt in dtypes:
        info = np.iinfo(dt)
        if info.min <= lo and hi <= info.max:
            return np.require(a, dt, ["C", "W"])
    raise MappingError(f"kernel table values {lo}..{hi} do not fit {np.dtype(dtypes[-1])}")


def narrow_together(arrays, dtypes=(np.int32, np.int64)) -> list:
    """``arrays`` (:func:`narrow`) all as the first of ``dtypes`` that holds every value of
    every one of them."""
    for dt in dtypes[:-1]:
        info = np.iinfo(dt)
        if all(a.size == 0 or (info.min <= int(a.min()) and int(a.max()) <= info.max)
               for a in map(np.asarray, arrays)):
            return [narrow(a, (dt,)) for a in arrays]
    return [narrow(a, dtypes[-1:]) for a in arrays]


def synapse_order(cfg: HardwareConfig) -> np.ndarray:
    """The kernel's order of the synapses: kernel position -> index in ``cfg``'s arrays
    (by source, delay, projection, target core, target)."""
    if cfg.core_of.size < 2 or np.all(cfg.core_of[1:] >= cfg.core_of[:-1]):
        # cores hold runs of consecutive neurons (mapping.partition): by target is by core
        return lex_order(cfg.syn_src, cfg.syn_delay, cfg.syn_proj, cfg.syn_tgt)
    return lex_order(cfg.syn_src, cfg.syn_delay, cfg.syn_proj, cfg.core_of[cfg.syn_tgt],
                     cfg.syn_tgt)


def kernel_net(cfg: HardwareConfig) -> KernelNet:
    """Sort the synapses into fan-out groups and segments (see :class:`KernelNet`)."""
    core = cfg.core_of
    order = synapse_order(cfg)
    # the synapses' columns in the kernel's order, each narrowed to its values before it
    # is put in order (a large network's peak memory)
    src, tgt = narrow(cfg.syn_src)[order], narrow(cfg.syn_tgt)[order]
    delay, proj = narrow(cfg.syn_delay, SMALL)[order], narrow(cfg.syn_proj, SMALL)[order]
    w = narrow(cfg.syn_w, SMALL)[order]
    del order
    tcore = narrow(core, SMALL)[tgt]
    n_syn = src.size

    def changes(*keys):
        out = np.ones(n_syn, dtype=bool)
        if n_syn:
            out[1:] = False
            for key in keys:
                out[1:] |= key[1:] != key[:-1]
        return out

    new_grp = changes(src, delay)
    new_seg = changes(src, delay, proj, tcore)
    seg_start = np.flatnonzero(new_seg)
    grp_start = np.flatnonzero(new_grp)
    syn_ptr = np.append(seg_start, n_syn)
    seg_ptr = np.append(np.searchsorted(seg_start, grp_start), seg_start.size)
    grp_ptr = np.searchsorted(src[grp_start], np.arange(cfg.n_neurons + 1))
    # a segment is contiguous when its targets are consecutive neurons
    broken = np.zeros(n_syn, dtype=bool)
    if n_syn:
        broken[1:] = (~new_seg[1:]) & (tgt[1:] - tgt[:-1] != 1)
    seg_contig = (~np.logical_or.reduceat(broken, seg_start) if seg_start.size
                  else np.zeros(0, bool))
    del broken, new_seg, new_grp, proj
    lo = tgt[seg_start]
    hi = lo + np.diff(syn_ptr)
    keys = np.stack([lo[seg_contig], hi[seg_contig]], axis=1)
    uniq, which = np.unique(keys, axis=0, return_inverse=True) if keys.size else (
        np.zeros((0, 2), np.int64), np.zeros(0, np.int64))
    seg_range = np.full(seg_start.size, -1, np.int64)
    seg_range[seg_contig] = np.asarray(which).reshape(-1)

    prof = cfg.profile
    v_lo, v_hi = register_limits(prof.v_bits, OVERFLOW_RULES[prof.v_overflow])
    u_lo, u_hi = register_limits(prof.u_bits, OVERFLOW_RULES[prof.u_overflow])
    regs = np.array([v_lo, v_hi, OVERFLOW_RULES[prof.v_overflow] == WRAP,
                     u_lo, u_hi, OVERFLOW_RULES[prof.u_overflow] == WRAP,
                     ROUNDINGS[prof.rounding] == TOWARD_ZERO, -1], dtype=np.int64)
    # contiguous, writeable (a read-only array would compile another kernel signature)
    i64 = lambda a: np.require(a, np.int64, ["C", "W"])
    # a plain population has one register, no reverse spikes, no count cap, no KLIF scale
    unscaled = np.array([np.all(cfg.mul_k[lo:hi] == 4096)
                         for lo, hi in zip(cfg.pop_offset[:-1], cfg.pop_offset[1:])], bool)
    plain = ((cfg.pop_model == MODEL_SINGLE) & (cfg.pop_signed == 0) & (cfg.pop_maxcount == 0)
             & unscaled)
    # whole: plain, saturating, no mean readout (updated whole when busy)
    whole = plain & (cfg.pop_track_mean == 0) & (OVERFLOW_RULES[prof.v_overflow] != WRAP)
    # params: whether the parameters a whole update reads are the same for all the
    # population's neurons (read once, not for each neuron), and whether none decays
    read = (cfg.thr, cfg.bias, cfg.leak, cfg.mul_v)
    spans = list(zip(cfg.pop_offset[:-1], cfg.pop_offset[1:]))
    shared = np.array([all(np.all(a[lo:hi] == a[lo]) for a in read) if hi > lo else True
                       for lo, hi in spans], bool)
    still = np.array([np.all(cfg.mul_v[lo:hi] == 4096) for lo, hi in spans], bool)
    params = P_SHARED * shared + P_STILL * still
    ppar = np.stack([cfg.pop_model, cfg.pop_reset, cfg.pop_strict, cfg.pop_floor, cfg.pop_vmin,
                     cfg.pop_refractory, cfg.pop_signed, cfg.pop_negthr, cfg.pop_maxcount,
                     cfg.pop_track_mean, cfg.pop_reset_interval, cfg.pop_reset_offset,
                     cfg.pop_offset[:-1], cfg.pop_offset[1:], plain, whole, params], axis=1)
    # core runs: a new run wherever the core or the population changes
    run_start = np.flatnonzero(np.diff(core, prepend=-1) != 0)
    run_start = np.union1d(run_start, cfg.pop_offset[:-1][cfg.pop_offset[:-1] < cfg.n_neurons])
    run_end = np.append(run_start[1:], cfg.n_neurons)
    run_ptr = np.searchsorted(run_start, cfg.pop_offset)
    # per-neuron parameters in one type: int32 unless a value needs int64 (one version of
    # the kernel for them, not one per combination); a whole update reads four of them
    # for every neuron, so their width is a third of the bytes it moves
    p_thr, p_bias, p_leak, p_mulv, p_mulu, p_mulk = narrow_together(
        (cfg.thr, cfg.bias, cfg.leak, cfg.mul_v, cfg.mul_u, cfg.mul_k))
    return KernelNet(
        ppar=i64(ppar), p_thr=p_thr, p_bias=p_bias, p_leak=p_leak,
        p_mulv=p_mulv, p_mulu=p_mulu, p_mulk=p_mulk,
        p_pop=i64(cfg.pop_of), v_init=i64(cfg.v_init), core_of=i64(core),
        grp_ptr=i64(grp_ptr), grp_delay=i64(delay[grp_start]), seg_ptr=i64(seg_ptr),
        seg_core=narrow(tcore[seg_start], SMALL), seg_pop=narrow(cfg.pop_of[tgt[seg_start]], SMALL),
        seg_hops=narrow(np.stack([cfg.hops(core[src[seg_start]], tcore[seg_start]),
                                  cfg.chip_hops(core[src[seg_start]], tcore[seg_start])],
                                 axis=1).reshape(-1, 2), SMALL),
        seg_range=narrow(seg_range), range_lo=i64(uniq[:, 0]), range_hi=i64(uniq[:, 1]),
        syn_ptr=narrow(syn_ptr), syn_tgt=narrow(tgt), syn_w=w,
        run_ptr=i64(run_ptr),
        run_lo=i64(run_start), run_hi=i64(run_end), run_core=i64(core[run_start]), regs=regs,
    )

def table_types(knet) -> tuple:
    """The dtypes of the kernel's tables: tables are narrowed to the values they hold
    (:func:`narrow`), and each combination of dtypes is a version of the kernel that
    numba compiles (and caches) on its own."""
    return tuple(_dtype_name(np.asarray(a).dtype) for a in knet)


@functools.cache
def _dtype_name(dtype: np.dtype) -> str:
    """``dtype.name``, looked up: numpy works a dtype's name out anew each time, and naming
    the kernel's 28 dtypes so took 0.13 ms of each run (cProfile of one-tick runs)."""
    return dtype.name


def kernel_types(knet, acc_dtype, reg_dtype) -> tuple:
    """The dtypes that make a version of the kernel (each threaded or not:
    :func:`run_threads`): its tables' (:func:`table_types`), then the registers' (v and
    the refractory count: :func:`register_type`; u, the spike count, the summed v and the
    last update's tick: int64) and the accumulators' (:func:`accumulator_type`), in the
    order the kernel takes them."""
    reg = _dtype_name(np.dtype(reg_dtype))
    return table_types(knet) + (reg, "int64", reg, "int64", "int64", "int64",
                                _dtype_name(np.dtype(acc_dtype)))


#: the accumulators as int32 when no tick's input to a neuron can reach this
ACC32_LIMIT = 2**31


def tick_input_bound(cfg: HardwareConfig) -> int:
    """The most a neuron's accumulator can gather in one tick from spikes of value 1 or -1:
    the largest sum of the magnitudes of a neuron's incoming weights (a synapse delivers at
    most once a tick, and every neuron with input is updated, which empties its
    accumulator, at the tick it gets it); -1 when synapses reach an input population,
    whose accumulators are never emptied. Kept while ``cfg`` lives."""
    bound = _BOUNDS.get(cfg)
    if bound is None:
        knet = kernel_view(cfg)
        model = knet.ppar[np.asarray(knet.seg_pop, np.int64), Q_MODEL]
        if np.any(model == MODEL_INPUT):
            bound = -1
        else:
            total = np.zeros(cfg.n_neurons, np.int64)
            step = 1 << 22  # in slices: a large network's temporaries stay small
            for k in range(0, knet.syn_tgt.size, step):
                w = np.abs(knet.syn_w[k:k + step].astype(np.int64)).astype(np.float64)
                # float sums are exact while below 2**53, far above the 2**31 that matters
                total += np.bincount(knet.syn_tgt[k:k + step], weights=w,
                                     minlength=cfg.n_neurons).astype(np.int64)
            bound = int(total.max(initial=0))
        _BOUNDS[cfg] = bound
    return bound


def accumulator_type(cfg: HardwareConfig, max_value: int = 1, plastic: bool = False):
    """The accumulators' dtype for a run of ``cfg`` whose input spikes' values are at most
    ``max_value`` in magnitude: int32 when no neuron can gather 2**31 or more in one tick
    (:func:`tick_input_bound`), else int64; int64 for a plastic run (its weights change).

    The dense rows' additions move half the bytes in int32 (W1 of
    ``tools/bench_engine.py``: 1.2-1.4x faster); results are the same, since no sum
    leaves the range of int32."""
    bound = tick_input_bound(cfg)
    if plastic or bound < 0 or bound * max(1, max_value) >= ACC32_LIMIT:
        return np.int64
    return np.int32


def register_type(cfg: HardwareConfig, max_value: int = 1, plastic: bool = False):
    """The dtype of the registers v and refractory count of a run of ``cfg`` whose input
    spikes' values are at most ``max_value`` in magnitude: int32 when every value a whole
    update works out or keeps for a neuron fits in int32
    (:func:`.kernels.threaded.whole_neuron32`), else int64.

    The whole update then works in 32-bit lanes, sixteen to a vector register, where
    int64 takes eight: a whole update of 10^5 neurons (``tools/bench_engine.py``) took
    44-46 us on one thread instead of 78-79 us. What must fit: v (its register's
    bounds, initial values, floors, and v minus a negative threshold after a subtracting
    reset), decayed by a multiplier from 0 to 4096 (which keeps it within those); a tick's
    input (:func:`tick_input_bound`) plus bias and leak; the threshold plus 1; the
    refractory period. v plus the input need not: it saturates however it wraps. A
    plastic run's weights change, so its input has no bound: int64."""
    if accumulator_type(cfg, max_value, plastic) != np.int32:
        return np.int64
    room = _REGISTER_ROOM.get(cfg)
    if room is None:
        room = _REGISTER_ROOM[cfg] = _register_room(cfg)
    fits = tick_input_bound(cfg) * max(1, max_value) < room
    return np.int32 if fits else np.int64


def _largest(a) -> int:
    """The largest magnitude in ``a`` (0 if empty)."""
    return int(np.abs(np.asarray(a, np.int64)).max(initial=0))


def narrow_bound(cfg: HardwareConfig, max_value: int = 1) -> int:
    """The bound on |v| under which a whole update of int32 registers may take its narrow
    form (:func:`.kernels.threaded.whole_neuron32`) in a run whose input spikes' values
    are at most ``max_value`` in magnitude: v times a multiplier fits in int32
    (:data:`.kernels.columns.NARROW_V`), and v plus a tick's input, bias and leak can
    neither wrap nor pass the register's bounds. -1 (never) for int64 registers and for
    registers narrower than 32 bits, whose sums must be clamped."""
    lo, hi = register_limits(cfg.profile.v_bits, OVERFLOW_RULES[cfg.profile.v_overflow])
    if register_type(cfg, max_value) != np.int32 or lo > -(2**31 - 1) or hi < 2**31 - 1:
        return -1
    drive = (tick_input_bound(cfg) * max(1, max_value) + _largest(cfg.bias)
             + _largest(cfg.leak))
    return max(-1, min(NARROW_V, ACC32_LIMIT - 1 - drive))


def _register_room(cfg: HardwareConfig) -> int:
    """How much a tick's input may reach for :func:`register_type` to give int32 registers
    (0 if no input may): what is left of int32 beside the largest bias plus leak, if the
    rest of what a whole update works out fits in int32."""
    prof = cfg.profile
    v_lo, v_hi = register_limits(prof.v_bits, OVERFLOW_RULES[prof.v_overflow])
    thr_lo, thr_hi = int(np.min(cfg.thr, initial=0)), int(np.max(cfg.thr, initial=0))
    v = max(-v_lo, v_hi, _largest(cfg.v_init), _largest(cfg.pop_vmin)) - thr_lo
    fits = (v < ACC32_LIMIT and np.min(cfg.mul_v, initial=0) == 0
            and np.max(cfg.mul_v, initial=0) <= 4096 and thr_hi + 1 < ACC32_LIMIT
            and _largest(cfg.pop_refractory) < ACC32_LIMIT)
    return max(0, ACC32_LIMIT - _largest(cfg.bias) - _largest(cfg.leak)) if fits else 0


@functools.cache
def _threads_arg() -> int:
    """Where the kernel (``run_ticks``) takes ``threads``: None in the version without
    threads, a number in the threaded one."""
    import inspect

    from .kernels.event import run_ticks

    return list(inspect.signature(run_ticks.py_func).parameters).index("threads")


def _has_version(types: tuple | None, signatures, threaded: bool = False) -> bool:
    """Whether one of numba's ``signatures`` takes tables of these ``types`` (any tables:
    None), in the threaded version or the one without threads."""
    def name(t):
        return str(getattr(t, "dtype", t))
    at = _threads_arg()
    return any((str(sig[at]) != "none") == threaded
               and all(name(t) == d for t, d in zip(sig, types or ())) for sig in signatures)


#: the versions of the kernel (:func:`kernel_types`, and whether threaded) this process
#: has loaded: asking numba for its signatures took 0.1 ms of each run (it hashes every
#: type of every signature)
_LOADED: set = set()
#: and those it found neither loaded nor cached, until a run loads them or numba's index
#: of its disk cache changes (kept with the index's time of change, None without one: a
#: default run asks whether the threaded version is there, and looking took 0.1 ms)
_MISSING: dict = {}


#: seconds the first compile of the kernel takes on this project's 2-core machines, said
#: before it starts (``python tools/bench_compile.py``, 6 runs): its version without
#: threads (15.5-19.4 s), its threaded version (:func:`run_threads`) beside it (22.8-28.6 s),
#: and the threaded version where the other is not compiled either (35.8-46.3 s: it
#: compiles their common steps too)
COMPILE_S = 20
THREADED_COMPILE_S = 25
THREADED_ALONE_S = 40


def compile_note(then: str, threaded: bool = False, seconds: int = COMPILE_S) -> str:
    """What is said before the kernel is compiled (``threaded``: its threaded version),
    taking about ``seconds``; ``then``: what happens to it after."""
    if threaded:
        return ("compiling the event kernel's threaded version (the first run on threads "
                f"after installing or upgrading, about {seconds} s; {then})")
    return ("compiling the event kernel (the first run after installing or upgrading, "
            f"about {seconds} s; {then})")


def compile_notice(cfg: HardwareConfig, plastic: bool = False, threads: int | None = None,
                   then: str = "cached on disk for later runs") -> str | None:
    """What a run of ``cfg`` on ``threads`` (as :func:`run_event` takes it; ``plastic``:
    with the int64 weights of a plastic run) says before it compiles the kernel
    (:func:`compile_note`), or None when the version it starts on is loaded or cached."""
    if has_xylo(cfg):  # Xylo arithmetic has its own kernel
        return None
    types = _version(cfg, plastic)
    threaded = run_threads(cfg, threads, plastic=plastic)[0] > 1
    if not _compiles(types, threaded):
        return None
    seconds = COMPILE_S
    if threaded:
        seconds = THREADED_ALONE_S if _compiles(types, False) else THREADED_COMPILE_S
    return compile_note(then, threaded, seconds)


def kernel_compiles(cfg: HardwareConfig | None = None, plastic: bool = False,
                    threads: int | None = None) -> bool:
    """Whether the next event-engine run compiles the kernel (:func:`compile_notice`); any
    version without threads without ``cfg``."""
    if cfg is None:
        return _compiles(None, False)
    return compile_notice(cfg, plastic, threads) is not None


def _version(cfg: HardwareConfig, plastic: bool, max_value: int = 1) -> tuple:
    """:func:`kernel_types` of a run of ``cfg`` with spikes of values at most ``max_value``
    in magnitude."""
    knet = kernel_view(cfg)
    if plastic:  # a plastic run's own weights are int64 (run_event)
        knet = knet._replace(syn_w=np.zeros(0, np.int64))
    return kernel_types(knet, accumulator_type(cfg, max_value, plastic),
                        register_type(cfg, max_value, plastic))


def _compiles(types: tuple | None, threaded: bool) -> bool:
    """Whether the kernel's version for tables of ``types`` (any: None), threaded or not,
    is neither loaded nor in numba's on-disk cache for this source."""
    from .kernels.event import run_ticks

    version = (types, threaded)
    if version in _LOADED:
        return False
    try:  # numba's cache index: empty when missing or made for another source
        cache = run_ticks._cache._cache_file
        changed = _changed(cache._index_path)
        if version in _MISSING and _MISSING[version] == changed:
            return True
        if _has_version(types, run_ticks.signatures, threaded):
            return False
        index = cache._load_index()
    except Exception:  # noqa: BLE001 - another numba: say nothing rather than fail
        return False
    if _has_version(types, [key[0] for key in index], threaded):
        return False
    if types is not None:
        _MISSING[version] = changed
    return True


def _changed(path: str) -> int | None:
    """When the file at ``path`` last changed (ns), None if there is none."""
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return None


_VIEWS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_BOUNDS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_REGISTER_ROOM: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_PARTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def kernel_view(cfg: HardwareConfig) -> KernelNet:
    """The kernel's arrays of ``cfg``, built on first use and kept while ``cfg`` lives."""
    view = _VIEWS.get(cfg)
    if view is None:
        view = _VIEWS[cfg] = kernel_net(cfg)
    return view


#: the process in which the kernel launched numba's thread pool: a process forked from it
#: inherits the pool's state but not its threads, and GNU OpenMP's pool ends a forked
#: process that uses it
_POOL_PID = None


def check_threads(threads) -> int:
    """``threads`` (None: the cores this process may use) as the number of parts a busy
    tick is cut into: at most the threads numba started with (``NUMBA_NUM_THREADS``),
    and 1 in a process forked from one where the kernel started numba's thread pool
    (:data:`_POOL_PID`), where the pool cannot run. Any number gives the same results."""
    import numba

    threads = usable_cores() if threads is None else check_count(threads, "threads")
    if _POOL_PID is not None and _POOL_PID != os.getpid():
        return 1
    return min(threads, numba.config.NUMBA_NUM_THREADS)


def can_spread(knet: KernelNet, thread_min: tuple = THREAD_MIN) -> bool:
    """Whether a tick of the network may have enough work to be spread over threads (the
    kernel's tests of ``thread_min``; :data:`THREAD_MIN`): a population as large as a
    whole update that is spread, or synapses enough for a delivery or a tick spread whole
    if every one of them delivered in one tick. A network with neither runs on the
    version of the kernel without threads, whatever threads it is given."""
    ppar = knet.ppar
    size = np.where(ppar[:, Q_MODEL] != MODEL_INPUT, ppar[:, Q_HI] - ppar[:, Q_LO], 0)
    synapses = int(knet.syn_ptr[-1]) if knet.syn_ptr.size else 0
    return bool(size.max(initial=0) >= thread_min[1] or synapses >= thread_min[0]
                or synapses + int(size.sum()) // 2 >= thread_min[2])


def run_threads(cfg: HardwareConfig, threads: int | None = None,
                thread_min: tuple = THREAD_MIN, plastic: bool = False,
                max_value: int = 1) -> tuple[int, int]:
    """(threads a run of ``cfg`` starts on, threads it goes on with after
    :data:`THREADED_COMPILE_S` seconds), for ``threads`` as :func:`run_event` takes it
    (``plastic``: a plastic run; ``max_value``: the largest magnitude of its spikes'
    values, which with ``plastic`` chooses the version's types: :func:`kernel_types`).

    One thread runs on the kernel's version without threads, which compiles in half the
    time of the threaded one: a run on one thread (asked for, in a forked process, or on
    a machine of one core), and a run whose ticks can never be spread
    (:func:`can_spread`). A run asked for more threads runs on them. By default (None), a
    run goes on the cores this process may use, at once if the threaded version is
    loaded or in numba's disk cache; otherwise it starts on one thread and compiles the
    threaded version once it has run as long as that compile takes (a short run is over
    sooner, and a long one loses at most that long)."""
    most = check_threads(threads)
    if most < 2 or not can_spread(kernel_view(cfg), thread_min):
        return 1, 1
    if threads is not None or not _compiles(_version(cfg, plastic, max_value), True):
        return most, most
    return 1, most


@contextmanager
def thread_pool(threads: int):
    """numba's threads set to ``threads`` for a run, and put back after it.

    Launches numba's thread pool first if it is not running: the kernel's threaded
    version, loaded from numba's disk cache, links the threaded steps' code and crashes if
    called before the pool exists, even on one thread (a run may go on with it:
    :func:`run_threads`). The pool runs nothing until a tick is spread.
    """
    global _POOL_PID
    import numba

    before = numba.get_num_threads()  # launches the pool
    if _POOL_PID is None:
        _POOL_PID = os.getpid()
    numba.set_num_threads(threads)
    try:
        yield
    finally:
        numba.set_num_threads(before)


def whole_bounds(knet: KernelNet, parts: int) -> np.ndarray:
    """The bounds of ``parts`` ranges of neurons, each holding about as many neurons of
    the network's populations as the others (input populations left out), for ticks in
    which every population is updated whole (``kernels.event._tick_whole_threaded``);
    none (an empty array) if no tick can be: a population that is not *whole*
    (:func:`kernel_net`), periodic resets, an input population that receives synapses,
    no neuron, or one part."""
    ppar = knet.ppar
    inputs = np.flatnonzero(ppar[:, Q_MODEL] == MODEL_INPUT)
    neurons = ppar[:, Q_MODEL] != MODEL_INPUT
    size = ppar[:, Q_HI] - ppar[:, Q_LO]
    if (parts < 2 or int(size[neurons].sum()) == 0
            or not ppar[neurons, Q_WHOLE].all() or (ppar[:, Q_RINT] > 0).any()
            or np.isin(knet.seg_pop, inputs).any()):
        return np.zeros(0, np.int64)
    n = int(ppar[:, Q_HI].max())
    counted = np.zeros(n, np.int64)
    for p in np.flatnonzero(neurons):
        counted[ppar[p, Q_LO]:ppar[p, Q_HI]] = 1
    before = np.concatenate([[0], np.cumsum(counted)])  # neurons counted before index i
    share = before[-1] * np.arange(parts + 1) // parts
    # at multiples of 64: the parts' flags, accumulators and registers in cache lines of
    # their own
    bounds = np.minimum((np.searchsorted(before, share) + 32) // 64 * 64, n)
    bounds[0], bounds[-1] = 0, n
    return bounds.astype(np.int64)


def core_parts(knet: KernelNet, bounds: np.ndarray, n_cores: int) -> np.ndarray:
    """For each core, the part (:func:`whole_bounds`) whose range holds all its neurons,
    or -1 if a bound cuts it (none without bounds)."""
    if bounds.size == 0:
        return np.zeros(0, np.int64)
    # a core's first and last neurons, from its runs of consecutive neurons
    first = np.full(n_cores, knet.core_of.size, np.int64)
    last = np.full(n_cores, -1, np.int64)
    np.minimum.at(first, knet.run_core, knet.run_lo)
    np.maximum.at(last, knet.run_core, knet.run_hi - 1)
    part = np.searchsorted(bounds, first, side="right") - 1
    whole = part == np.searchsorted(bounds, last, side="right") - 1
    return np.where(whole & (last >= 0), part, -1).astype(np.int64)


def thread_buffers(threads: int, cfg: HardwareConfig, knet: KernelNet, thread_min) -> tuple:
    """The kernel's arguments for ``threads`` (``run_ticks``'s threads ... whole_core_part):
    each part's lists are as long as the step's own; with one thread, threads None (the
    kernel's version without threads) and empty arrays."""
    on = threads > 1  # one thread: empty arrays
    parts, cores, neurons = threads * on, cfg.n_cores * on, cfg.n_neurons * on
    ranges, pops, runs = (k * on for k in (max(knet.range_lo.size, 1), knet.ppar.shape[0],
                                           knet.run_lo.size))
    zeros = lambda *shape: np.zeros(shape, np.int64)
    # the parts' bounds of a tick spread whole, kept while cfg lives (they took 0.1 ms of
    # each run): they depend on the populations and cores, not on the weights
    kept = _PARTS.setdefault(cfg, {})
    if parts not in kept:
        bounds = whole_bounds(knet, parts)
        kept[parts] = bounds, core_parts(knet, bounds, cfg.n_cores)
    bounds, core_part = kept[parts]
    return (threads if on else None, np.asarray(thread_min, np.int64), zeros(cores), zeros(cores),
            zeros(cores), zeros(parts, neurons), zeros(parts, ranges), zeros(parts, pops),
            zeros(parts, 2), zeros(parts, runs, 2), bounds, core_part)


def _record_block(size: int) -> list:
    """Arrays for ``size`` spikes: tick and neuron (int32), value (int8)."""
    return [np.zeros(size, np.int32), np.zeros(size, np.int32), np.zeros(size, np.int8)]


def run_event(cfg: HardwareConfig, stimulus, ticks: int | None, probes=(),
              stop_on_overflow: bool = False, progress=None, chunk_ticks: int = 0,
              drain_ticks: int = 0, probe_sink=None, plasticity=None, threads: int | None = None,
              thread_min: tuple = THREAD_MIN,
              note: Callable[[str], None] | None = None) -> RunResult:
    """Run ``cfg`` with the event kernel.

    Parameters
    ----------
    stimulus : Stimulus, iterable of Stimulus, or None
        Input spikes; an iterable is consumed chunk by chunk (each chunk's
        ticks after the previous chunk's), so long recordings stream.
    ticks : int or None
        Ticks to run; None runs to the last input tick plus ``drain_ticks``.
    progress : callable(ticks_done, ticks_total or None), optional
        Called after every kernel call.
    chunk_ticks : int
        Ticks per kernel call (0: 1000, fewer when many neurons are probed or the chip
        has many cores, so that a call's probe block stays within about 64 MB and its
        per-tick counter block within about 48 MB).
    probe_sink : callable(v_block, u_block), optional
        Takes each kernel call's probed registers, int64 arrays (ticks, probes), as
        they come; the result then holds no probe traces (long runs of many probed
        neurons stream instead of filling memory).
    plasticity : neuroemu.plasticity.rule.Plan, optional
        Adapt the weights (:mod:`neuroemu.plasticity`): the run works on its own copy
        of the weight table, and kernel calls end at every epoch's end.
    threads : int, optional
        Threads to spread a tick's work over (:mod:`.kernels.threaded`; default: the
        cores this process may use, once the kernel's threaded version is compiled; at
        most numba's threads, and one in a forked process: :func:`run_threads`). The
        result is the same bits for any number. Xylo networks run on their own kernel,
        on one thread.
    thread_min : (int, int, int)
        The least work of a tick's delivery, neurons in a population updated whole, and
        work of a tick in which every population is updated whole, for that work to be
        spread over threads; less runs on one thread, where it is faster
        (:data:`THREAD_MIN`).
    note : callable(text), optional
        Told when a run compiles the kernel's threaded version before it goes on
        (:func:`run_threads`).
    """
    if has_xylo(cfg):  # Xylo arithmetic has its own kernel
        return run_event_xylo(cfg, stimulus, ticks, probes, stop_on_overflow, progress,
                              chunk_ticks, drain_ticks, probe_sink)
    knet = kernel_view(cfg)  # built once per configuration, before the clock starts
    tick_input_bound(cfg)  # likewise (it sets the accumulators' type)
    register_type(cfg)  # likewise (the registers')
    plastic = order = None
    if plasticity is not None:
        from ..plasticity.kernel import EventPlasticity

        # the run's own int64 weights (they change); the cached view stays as mapped
        knet = knet._replace(syn_w=knet.syn_w.astype(np.int64))
        order = synapse_order(cfg)
        plastic = EventPlasticity(cfg, plasticity, order, knet.syn_w)
    # the chunks of a list are looked at now, those of an iterator as they come (_run_event)
    max_value = max((_max_value(c) for c in stimulus), default=1) if isinstance(
        stimulus, (list, tuple)) else _max_value(stimulus)
    threads = run_threads(cfg, threads, thread_min, plastic is not None, max_value)
    with thread_pool(threads[1]):
        return _run_event(cfg, knet, stimulus, max_value, ticks, probes, stop_on_overflow,
                          progress, chunk_ticks, drain_ticks, probe_sink, plasticity, plastic,
                          order, threads, thread_min, note)


def _note_loaded(types: tuple, threaded: bool) -> None:
    """Note that this process has loaded the kernel's version for tables of ``types``,
    threaded or not (:data:`_LOADED`)."""
    _LOADED.add((types, threaded))
    _MISSING.pop((types, threaded), None)


def _max_value(stimulus) -> int:
    """The largest magnitude of a spike value of ``stimulus`` (1 without one)."""
    if not isinstance(stimulus, Stimulus) or not len(stimulus):
        return 1
    return max(1, int(np.abs(stimulus.value).max()))


def _run_event(cfg, knet, stimulus, max_value, ticks, probes, stop_on_overflow, progress,
               chunk_ticks, drain_ticks, probe_sink, plasticity, plastic, order, threads,
               thread_min, note) -> RunResult:
    """:func:`run_event` once the kernel's tables, the largest input value known and the
    threads (first, then: :func:`run_threads`) are set."""
    from .kernels.event import run_ticks

    start = time.perf_counter()
    n, n_cores = cfg.n_neurons, cfg.n_cores
    ring = cfg.max_delay + 1
    n_groups = knet.grp_delay.size
    is_neuron = cfg.pop_model[cfg.pop_of] != MODEL_INPUT
    # registers v, u, refractory count, spike count; v summed over ticks and the tick of
    # each neuron's last update (for the mean-membrane readout)
    reg_dtype = register_type(cfg, max_value, plastic is not None)
    knet = knet._replace(regs=knet.regs.copy())  # the run's own bound of the narrow update
    knet.regs[7] = narrow_bound(cfg, max_value) if reg_dtype == np.int32 else -1
    v = cfg.v_init.astype(reg_dtype)
    ref = np.zeros(n, reg_dtype)
    u, cnt, v_sum = (np.zeros(n, np.int64) for _ in range(3))
    last_t = np.full(n, -1, np.int64)
    acc = np.zeros(n, accumulator_type(cfg, max_value, plastic is not None))
    mark = np.full(n, -1, np.int64)
    active = np.zeros(n, np.int64)
    first = np.flatnonzero(is_neuron)
    active[:first.size] = first  # every neuron is looked at on tick 0
    n_active = np.array([first.size], np.int64)
    queue_bytes = 16 * ring * max(n_groups, 1)
    if queue_bytes > QUEUE_LIMIT_BYTES:
        raise MappingError(
            f"network {cfg.network.name!r}: delays up to {ring - 1} ticks over {n_groups} "
            f"fan-out groups need a {queue_bytes / 2**30:.1f} GiB spike queue (limit "
            f"{QUEUE_LIMIT_BYTES / 2**30:.0f} GiB); shorten the longest delay")
    q_grp = np.zeros((ring, max(n_groups, 1)), np.int64)
    q_val = np.zeros((ring, max(n_groups, 1)), np.int64)
    q_len = np.zeros(ring, np.int64)
    range_mark = np.full(max(knet.range_lo.size, 1), -1, np.int64)
    ranges = np.zeros(max(knet.range_lo.size, 1), np.int64)
    upd_list = np.zeros(n, np.int64)
    # per neuron, the outcome of its population's last whole update; per population, how
    # many neurons it flagged as active (0 unless it was updated whole at the last tick)
    flags = np.zeros(-(-n // 64) * 64, np.int8)  # padded: read 64 at a time
    p_flagged = np.zeros(len(cfg.pop_model), np.int64)
    # per tick: neurons of each population in the update list, synapses that reached it
    # unlisted (kernels.event._deliver), and how each one updates
    p_listed = np.zeros(len(cfg.pop_model), np.int64)
    p_unlisted = np.zeros(len(cfg.pop_model), np.int64)
    p_mode = np.zeros(len(cfg.pop_model), np.int64)
    # the spike record grows in blocks (no copy of what is recorded until the end)
    blocks_done = []
    record = _record_block(max(4 * n, 1 << 16))
    sp_len = np.zeros(1, np.int64)
    counters = np.zeros((n_cores, len(COUNTERS)), np.int64)
    first_ovf = np.full(3, -1, np.int64)
    probes = np.asarray(probes, dtype=np.int64)
    in_offset = int(cfg.pop_offset[cfg.pop_index(cfg.network.input)]) if cfg.network.input else 0
    blocks = []  # probe traces of each kernel call
    # per tick and core, kept sparse (TickCounts) from each kernel call's dense block
    tick_parts = {name: [] for name in PER_TICK}
    # a synapse delivers at most once a tick and a neuron updates and fires at most once,
    # so int32 holds every count unless a core has 2**31 synapses or the network 2**31
    # neurons
    big = max(int(cfg.core_synapses.max(initial=0)), n) >= 2**31 - 1
    tick_dtype = np.int64 if big else np.int32
    tbuf = thread_buffers(threads[0], cfg, knet, thread_min)
    chunk_ticks = chunk_ticks if chunk_ticks > 0 else max(1, min(
        1000, (1 << 22) // max(probes.size, 1), (1 << 22) // max(n_cores, 1)))
    empty = np.zeros(0, np.int64)
    t = 0

    def call(t0, t1, tick, chan, val):
        """One kernel call for ticks t0..t1-1: (next tick, per-tick counters, probe traces)."""
        per_tick = np.zeros((3, t1 - t0, n_cores), tick_dtype)
        pv = np.zeros((t1 - t0, probes.size), np.int64)
        pu = np.zeros((t1 - t0, probes.size), np.int64)
        t_next = run_ticks(
            *knet, v, u, ref, cnt, v_sum, last_t, acc, mark, active, n_active, flags, p_flagged,
            p_listed, p_unlisted, p_mode, q_grp, q_val, q_len, range_mark, ranges, upd_list,
            record[0], record[1], record[2], sp_len, counters, first_ovf, *tbuf, t0, t1, tick,
            chan, val, in_offset, per_tick[0], per_tick[1], per_tick[2], probes, pv, pu,
            stop_on_overflow)
        return t_next, per_tick, pv, pu

    compile_s = 0.0

    def load():
        """Compile this version of the kernel (or load it from the cache) with a call that
        runs no tick, so that the run's wall time is the simulation's own."""
        nonlocal compile_s, start
        types, threaded = kernel_types(knet, acc.dtype, v.dtype), tbuf[0] is not None
        if (types, threaded) not in _LOADED and not _has_version(
                types, run_ticks.signatures, threaded):
            c0 = time.perf_counter()
            call(0, 0, empty, empty, empty)
            took = time.perf_counter() - c0
            compile_s += took
            start += took
        _note_loaded(types, threaded)

    def spread():
        """Go on with the threaded version (:func:`run_threads`) once the run has taken as
        long as its compile."""
        nonlocal tbuf
        if tbuf[0] is None and threads[1] > 1 and (
                time.perf_counter() - start >= THREADED_COMPILE_S):
            tbuf = thread_buffers(threads[1], cfg, knet, thread_min)
            if note is not None and _compiles(kernel_types(knet, acc.dtype, v.dtype), True):
                note(compile_note(f"then the run goes on with {threads[1]} threads; cached "
                                  "on disk", True, THREADED_COMPILE_S))
            load()

    load()

    def advance(t_end, tick, chan, val):
        """Run from the current tick up to ``t_end`` with these input spikes."""
        nonlocal t, record
        while t < t_end and not (stop_on_overflow and first_ovf[0] >= 0):
            if sp_len[0] + n > record[0].size:
                blocks_done.append([a[:sp_len[0]] for a in record])
                record = _record_block(min(2 * record[0].size, 1 << 22) + n)
                sp_len[0] = 0
            i0 = int(np.searchsorted(tick, t))
            t1 = min(t_end, t + chunk_ticks)
            if plastic is not None:  # the weights change at an epoch's end
                t1 = min(t1, (t // plasticity.epoch + 1) * plasticity.epoch)
            sp0 = int(sp_len[0])
            spread()
            t_next, per_tick, pv, pu = call(t, t1, tick[i0:], chan[i0:], val[i0:])
            if plastic is not None:
                i1 = int(np.searchsorted(tick, t_next))
                plastic.advance(t, t_next, record[0][sp0:sp_len[0]], record[1][sp0:sp_len[0]],
                                tick[i0:i1], chan[i0:i1] + in_offset)
            done = t_next - t
            if probe_sink is not None:  # handed over: keep nothing (a view would keep it all)
                probe_sink(pv[:done], pu[:done])
                pv = pu = np.zeros((0, probes.size), np.int64)
            for i, name in enumerate(PER_TICK):
                tick_parts[name].append(TickCounts.from_dense(per_tick[i, :done], t))
            blocks.append((pv[:done], pu[:done]))
            t = t_next
            if progress is not None:
                progress(t, ticks)

    chunks = [stimulus] if stimulus is None or isinstance(stimulus, Stimulus) else stimulus
    last_input = -1
    for chunk in chunks:
        if ticks is not None and t >= ticks:
            break  # the rest of the input falls after the run
        if chunk is None or not len(chunk):
            continue
        if chunk.tick[0] < t:
            raise InputError(f"input chunk starting at tick {int(chunk.tick[0])} came after "
                             f"tick {t}: chunks must come in tick order")
        last_input = chunk.last_tick
        top = _max_value(chunk)
        if acc.dtype == np.int32 and accumulator_type(cfg, top) == np.int64:
            acc = np.zeros(n, np.int64)  # between ticks every accumulator is 0
        if v.dtype == np.int32 and register_type(cfg, top) == np.int64:
            v, ref = v.astype(np.int64), ref.astype(np.int64)
        if v.dtype == np.int32:  # a chunk's larger input narrows the narrow update's room
            knet.regs[7] = min(knet.regs[7], narrow_bound(cfg, top))
        load()  # the version for wider types, if they are
        end = last_input + 1 if ticks is None else min(ticks, last_input + 1)
        advance(end, chunk.tick, chunk.channel, chunk.value)
    total = ticks if ticks is not None else last_input + 1 + drain_ticks
    advance(max(total, 1), empty, empty, empty)
    ticks_run = t

    per_tick = {name: TickCounts.concat(parts, ticks_run, n_cores, tick_dtype)
                for name, parts in tick_parts.items()}
    probe_v = np.concatenate([b[0] for b in blocks]) if blocks else np.zeros((0, probes.size))
    probe_u = np.concatenate([b[1] for b in blocks]) if blocks else np.zeros((0, probes.size))
    # neurons skipped since their last update held v: add it for the ticks they were skipped
    tracked = cfg.pop_track_mean[cfg.pop_of] == 1
    v_sum += np.where(tracked, v * (ticks_run - 1 - last_t), 0)
    blocks_done.append([a[:sp_len[0]] for a in record])
    sp_t, sp_n, sp_v = (np.concatenate([b[i] for b in blocks_done]) for i in range(3))
    blocks_done.clear()  # the concatenated record replaces the blocks
    weights = None
    if plastic is not None:
        for name, arr in plastic.counters.items():
            counters[:, COUNTERS.index(name)] = arr
        per_tick.update(plastic.per_tick(ticks_run, n_cores))
        weights = np.empty_like(knet.syn_w)
        weights[order] = knet.syn_w
    return RunResult(
        config=cfg, ticks=ticks_run,
        spike_tick=sp_t, spike_neuron=sp_n, spike_value=sp_v,
        v=v.astype(np.int64), u=u, refractory=ref.astype(np.int64), count=cnt, v_sum=v_sum,
        counters={name: counters[:, i].copy() for i, name in enumerate(COUNTERS)},
        weights=weights,
        per_tick=per_tick, probe_neurons=probes, probe_v=probe_v.astype(np.int64),
        probe_u=probe_u.astype(np.int64),
        first_overflow=None if first_ovf[0] < 0 else tuple(int(x) for x in first_ovf),
        engine="event", wall_s=time.perf_counter() - start, compile_s=compile_s,
    )
