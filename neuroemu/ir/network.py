"""The logical network: frozen dataclasses in user units.

A :class:`Network` is a set of :class:`Population` objects joined by
:class:`Projection` objects, one of the populations being the input (spikes
come from outside) and one optionally read out. Values are floats or integers;
mapping onto a hardware profile (:mod:`neuroemu.mapping`) turns them into
register values. Nothing here is ever modified after construction: arrays are
made read-only.

Neuron dynamics at tick ``t`` (the engine's step 2, see :mod:`neuroemu.engine.reference`), with
``a`` the synaptic input accumulated at ``t``::

    CUBA only:  u = ovf_u(keep(u, 1 - decay_u) + a);  a = u
    if refractory count > 0:  count -= 1  (v held, no firing)
    else:
        v = ovf_v(keep(keep(v, 1 - decay_v) + a + bias - leak, scale_k))
                                                 (KLIF scale k; 1 means none)
        v = max(v, v_min)                        (when v_min is set)
        fire +1 when v >= threshold (or v > threshold with fire_on='>'),
            and the net spike count is below max_count (when max_count > 0)
            reset: 'zero' v = 0 | 'subtract' v -= threshold | 'none'
            refractory count = refractory
        signed populations also fire -1 when v < neg_threshold and the
            neuron's net spike count is positive; then v += threshold
            ('subtract') or v = 0 ('zero'), and the count drops by one

With ``reset_interval`` > 0, at every tick ``t`` with
``t % reset_interval == reset_offset`` the population's registers return to
their initial state (v = v_init, u = 0, no refractory count, spike count 0)
before the update, as Lava's ``reset_interval`` does (used to evaluate samples back to back).

``keep(x, f)`` multiplies by the fraction ``f`` in 12-bit fixed point with the
profile's rounding. IF is LIF with ``decay_v = 0``; KLIF is LIF with a scale
``k`` and ``v_min = 0`` (rectified membrane).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from ..errors import NetworkError
from .kinds import FIRE_ON, MODELS, PROJECTION_KINDS, RESETS


def _frozen_array(value, size: int, what: str, dtype=None) -> np.ndarray:
    """Broadcast a scalar or per-neuron array to shape (size,), read-only."""
    arr = np.asarray(value)
    if arr.dtype.kind not in "iufb":
        raise NetworkError(f"{what}: expected numbers, got dtype {arr.dtype}")
    if arr.dtype.kind == "b":
        arr = arr.astype(np.int64)
    if arr.ndim == 0:
        arr = np.full(size, arr.item(), dtype=arr.dtype)
    arr = arr.reshape(-1)
    if arr.size != size:
        raise NetworkError(f"{what}: expected {size} values (one per neuron), got {arr.size}")
    if not np.all(np.isfinite(arr)):
        raise NetworkError(f"{what}: values must be finite")
    if dtype is not None:
        arr = arr.astype(dtype)
    else:
        arr = arr.astype(np.int64 if arr.dtype.kind in "iu" else np.float64)
    arr = np.ascontiguousarray(arr)
    arr.flags.writeable = False
    return arr


def _read_only(arr: np.ndarray) -> np.ndarray:
    arr = np.ascontiguousarray(arr)
    arr.flags.writeable = False
    return arr


@dataclass(frozen=True, eq=False)
class Neuron:
    """Neuron parameters of a population (one value per neuron for arrays).

    Parameters
    ----------
    model : {'if', 'lif', 'cuba', 'klif'}
    threshold : float array, shape (n,)
        Firing threshold, in membrane units (> 0).
    bias : float array, shape (n,)
        Added to the membrane every tick.
    v_init : float array, shape (n,)
        Membrane at tick 0 (learnable initial membrane potential; QCFS uses θ/2).
    decay_v, decay_u : float array, shape (n,)
        Fraction of v (of u) lost per tick, in [0, 1]; 0 for IF.
    leak : float array, shape (n,)
        Constant subtracted from v every tick (linear leak).
    scale_k : float array, shape (n,)
        KLIF scale k applied to v after integration (1 for other models).
    reset : {'zero', 'subtract', 'none'}
    fire_on : {'>=', '>'}
    v_min : float or None
        Floor of the membrane (0 for a rectified membrane); None for none.
    refractory : int
        Ticks after a spike during which v is held and cannot fire.
    signed : bool
        Whether the neuron also emits -1 spikes (reverse spikes).
    neg_threshold : float
        A signed neuron fires -1 when v < neg_threshold (<= 0).
    max_count : int
        A neuron fires +1 only while its net spike count is below this (0: no
        limit); with signed spikes this clips the count to 0..max_count.
    reset_interval, reset_offset : int
        Return to the initial state at ticks ``t % reset_interval == reset_offset``
        (0: never).
    dash_v, dash_u, dash_u2 : int array, shape (n,), or None
        Model 'xylo' only: bit-shift decays of the membrane and of the two
        synaptic currents (see :mod:`neuroemu.hw.xylo`).
    max_spikes : int
        Spikes a neuron may fire in one tick (model 'xylo'; 1 for the others).
    """

    model: str
    threshold: np.ndarray
    bias: np.ndarray
    v_init: np.ndarray
    decay_v: np.ndarray
    decay_u: np.ndarray
    leak: np.ndarray
    scale_k: np.ndarray
    reset: str = "zero"
    fire_on: str = ">="
    v_min: float | None = None
    refractory: int = 0
    signed: bool = False
    neg_threshold: float = 0.0
    max_count: int = 0
    reset_interval: int = 0
    reset_offset: int = 0
    dash_v: np.ndarray | None = None
    dash_u: np.ndarray | None = None
    dash_u2: np.ndarray | None = None
    max_spikes: int = 1

    @property
    def is_integer(self) -> bool:
        """True when every membrane-unit parameter is a whole number."""
        vals = [self.threshold, self.bias, self.v_init, self.leak]
        scalars = [self.neg_threshold] + ([self.v_min] if self.v_min is not None else [])
        return all(np.all(a == np.round(a)) for a in vals) and all(
            float(s).is_integer() for s in scalars
        )


def neuron(
    model: str = "lif",
    size: int = 1,
    *,
    threshold=1.0,
    bias=0.0,
    v_init=0.0,
    decay_v=0.0,
    decay_u=0.0,
    leak=0.0,
    scale_k=1.0,
    reset: str = "zero",
    fire_on: str = ">=",
    v_min: float | None = None,
    refractory: int = 0,
    signed: bool = False,
    neg_threshold: float = 0.0,
    max_count: int = 0,
    reset_interval: int = 0,
    reset_offset: int = 0,
    dash_v=None,
    dash_u=None,
    dash_u2=None,
    max_spikes: int = 1,
    where: str = "neuron",
) -> Neuron:
    """Build and validate a :class:`Neuron` for ``size`` neurons; scalars broadcast."""
    if model not in MODELS:
        raise NetworkError(f"{where}: model {model!r} is not one of {', '.join(MODELS)}")
    if reset not in RESETS:
        raise NetworkError(f"{where}: reset {reset!r} is not one of {', '.join(RESETS)}")
    if fire_on not in FIRE_ON:
        raise NetworkError(f"{where}: fire_on {fire_on!r} is not one of '>=', '>'")
    arrays = {}
    for key, val in dict(
        threshold=threshold, bias=bias, v_init=v_init, decay_v=decay_v,
        decay_u=decay_u, leak=leak, scale_k=scale_k,
    ).items():
        arr = _frozen_array(val, size, f"{where}.{key}")
        if key in ("decay_v", "decay_u", "scale_k"):
            arr = _read_only(arr.astype(np.float64))
        arrays[key] = arr
    if np.any(arrays["threshold"] <= 0):
        bad = arrays["threshold"][arrays["threshold"] <= 0][0]
        raise NetworkError(f"{where}.threshold: {bad} found, thresholds must be > 0")
    for key in ("decay_v", "decay_u"):
        a = arrays[key]
        if np.any((a < 0) | (a > 1)):
            bad = a[(a < 0) | (a > 1)][0]
            raise NetworkError(f"{where}.{key}: {bad} found, a decay is a fraction in [0, 1]")
    if np.any(arrays["scale_k"] < 0) or np.any(arrays["scale_k"] >= 8):
        raise NetworkError(f"{where}.scale_k: values must lie in [0, 8)")
    if model == "if" and np.any(arrays["decay_v"] != 0):
        raise NetworkError(f"{where}: an IF neuron has decay_v = 0; use model 'lif' for decay")
    if model != "cuba" and np.any(arrays["decay_u"] != 0):
        raise NetworkError(f"{where}: decay_u is set but model {model!r} has no current register")
    if model != "klif" and np.any(arrays["scale_k"] != 1):
        raise NetworkError(f"{where}: scale_k is set but only model 'klif' scales v")
    if int(refractory) != refractory or refractory < 0:
        raise NetworkError(f"{where}.refractory: {refractory} found, expected a whole number >= 0")
    if neg_threshold > 0:
        raise NetworkError(f"{where}.neg_threshold: {neg_threshold} found, expected <= 0")
    if int(max_count) != max_count or max_count < 0:
        raise NetworkError(f"{where}.max_count: {max_count} found, expected a whole number >= 0")
    if int(reset_interval) != reset_interval or reset_interval < 0:
        raise NetworkError(f"{where}.reset_interval: {reset_interval} found, expected ticks >= 0")
    if reset_interval and not 0 <= reset_offset < reset_interval:
        raise NetworkError(
            f"{where}.reset_offset: {reset_offset} found, expected 0..{reset_interval - 1}"
        )
    if v_min is not None and not math.isfinite(v_min):
        raise NetworkError(f"{where}.v_min: {v_min} found, expected a finite number or None")
    from .xylo import xylo_fields

    dashes = xylo_fields(model, size, dict(dash_v=dash_v, dash_u=dash_u, dash_u2=dash_u2),
                         max_spikes, arrays, reset, fire_on, where)
    return Neuron(
        model=model, reset=reset, fire_on=fire_on,
        v_min=None if v_min is None else float(v_min),
        refractory=int(refractory), signed=bool(signed), neg_threshold=float(neg_threshold),
        max_count=int(max_count),
        reset_interval=int(reset_interval), reset_offset=int(reset_offset) if reset_interval else 0,
        max_spikes=int(max_spikes), **dashes, **arrays,
    )


@dataclass(frozen=True, eq=False)
class Population:
    """A group of neurons of one model, or the input (``neuron is None``).

    ``shape`` is the population's geometry, e.g. (channels, height, width) for a
    convolutional layer; neurons are numbered in C order over it.
    """

    name: str
    shape: tuple[int, ...]
    neuron: Neuron | None = None

    @property
    def size(self) -> int:
        return int(np.prod(self.shape))

    @property
    def is_input(self) -> bool:
        return self.neuron is None


@dataclass(frozen=True, eq=False)
class Projection:
    """Synapses from one population to another, with one delay and weight exponent.

    The weight a spike adds to its target is ``weight * 2**weight_exp`` times the
    spike's payload (+1, -1, or an input count). ``synapse`` names the target's
    synaptic current: 0, or 1 for the second current of a 'xylo' neuron.

    kind 'dense'
        ``weight`` shape (n_target, n_source).
    kind 'sparse'
        ``src``, ``tgt``, ``weight`` of shape (nnz,): synapse k joins source
        neuron ``src[k]`` to target neuron ``tgt[k]``.
    kind 'conv2d'
        ``weight`` shape (C_out, C_in / groups, kH, kW), a correlation as in
        PyTorch over source shape (C_in, H, W) and target shape (C_out, H', W'),
        with ``stride``, ``padding``, ``dilation`` as (rows, columns).
    kind 'sumpool2d'
        ``weight`` shape () (the same weight for every synapse), window
        ``kernel`` over each channel, with ``stride`` and ``padding``.
    """

    name: str
    source: str
    target: str
    kind: str
    weight: np.ndarray
    delay: int = 1
    weight_exp: int = 0
    src: np.ndarray | None = None
    tgt: np.ndarray | None = None
    kernel: tuple[int, int] = (1, 1)
    stride: tuple[int, int] = (1, 1)
    padding: tuple[int, int] = (0, 0)
    dilation: tuple[int, int] = (1, 1)
    groups: int = 1
    synapse: int = 0


def projection(
    name: str,
    source: str,
    target: str,
    kind: str,
    weight,
    *,
    delay: int = 1,
    weight_exp: int = 0,
    src=None,
    tgt=None,
    kernel=(1, 1),
    stride=(1, 1),
    padding=(0, 0),
    dilation=(1, 1),
    groups: int = 1,
    synapse: int = 0,
) -> Projection:
    """Build a :class:`Projection`; shapes are checked against populations in :class:`Network`."""
    where = f"projection {name!r}"
    if kind not in PROJECTION_KINDS:
        raise NetworkError(f"{where}: kind {kind!r} is not one of {', '.join(PROJECTION_KINDS)}")
    if int(delay) != delay or delay < 1:
        raise NetworkError(f"{where}.delay: {delay} found, delays are whole ticks >= 1")
    if int(weight_exp) != weight_exp or not 0 <= weight_exp <= 24:
        raise NetworkError(f"{where}.weight_exp: {weight_exp} found, expected 0..24")
    w = np.asarray(weight)
    if w.dtype.kind not in "iuf":
        raise NetworkError(f"{where}.weight: expected numbers, got dtype {w.dtype}")
    if not np.all(np.isfinite(w)):
        raise NetworkError(f"{where}.weight: values must be finite")
    w = w.astype(np.int64 if w.dtype.kind in "iu" else np.float64)
    if kind == "sparse":
        if src is None or tgt is None:
            raise NetworkError(f"{where}: a sparse projection needs src and tgt index arrays")
        src = np.asarray(src).reshape(-1)
        tgt = np.asarray(tgt).reshape(-1)
        w = w.reshape(-1)
        if not (src.size == tgt.size == w.size):
            raise NetworkError(
                f"{where}: src, tgt and weight must have one entry per synapse; "
                f"got {src.size}, {tgt.size}, {w.size}"
            )
        if src.dtype.kind not in "iu" or tgt.dtype.kind not in "iu":
            raise NetworkError(f"{where}: src and tgt must be integer arrays")
        src, tgt = _read_only(src.astype(np.int64)), _read_only(tgt.astype(np.int64))
    else:
        src = tgt = None
    pairs = {}
    for key, val in dict(kernel=kernel, stride=stride, padding=padding, dilation=dilation).items():
        t = tuple(int(x) for x in np.broadcast_to(np.asarray(val), (2,)))
        lo = 0 if key == "padding" else 1
        if any(x < lo for x in t):
            raise NetworkError(f"{where}.{key}: {t} found, expected values >= {lo}")
        pairs[key] = t
    if int(groups) != groups or groups < 1:
        raise NetworkError(f"{where}.groups: {groups} found, expected a whole number >= 1")
    if synapse not in (0, 1):
        raise NetworkError(f"{where}.synapse: {synapse} found, expected 0 or 1 (the target's "
                           "first or second synaptic current)")
    return Projection(
        name=name, source=source, target=target, kind=kind, weight=_read_only(w),
        delay=int(delay), weight_exp=int(weight_exp), src=src, tgt=tgt,
        groups=int(groups), synapse=int(synapse), **pairs,
    )


@dataclass(frozen=True)
class Readout:
    """How the output is read: which population and which statistic.

    kind: 'count' (spikes per neuron), 'first_spike' (tick of the first spike,
    earliest wins), 'last_membrane' (v after the last tick, LTS) or
    'mean_membrane' (v averaged over ticks). The class is the argmax (argmin
    of the first-spike tick), ties to the lowest index.
    """

    population: str
    kind: Literal["count", "first_spike", "last_membrane", "mean_membrane"] = "count"


@dataclass(frozen=True, eq=False)
class Network:
    """A spiking network: populations, projections, the input and the readout."""

    name: str
    populations: tuple[Population, ...]
    projections: tuple[Projection, ...]
    input: str | None = None
    readout: Readout | None = None
    meta: tuple[tuple[str, str], ...] = field(default=())

    def __post_init__(self):
        from .validate import validate_network

        validate_network(self)

    def population(self, name: str) -> Population:
        for p in self.populations:
            if p.name == name:
                return p
        raise NetworkError(f"network {self.name!r} has no population {name!r}")

    @property
    def size(self) -> int:
        return sum(p.size for p in self.populations)

    @property
    def is_integer(self) -> bool:
        """True when every weight and membrane parameter is a whole number."""
        return all(
            p.neuron.is_integer for p in self.populations if p.neuron is not None
        ) and all(np.all(pr.weight == np.round(pr.weight)) for pr in self.projections)
