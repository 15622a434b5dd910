"""Quantization of a network's parameters to a profile's register widths.

Rule (documented, deterministic):

* A network whose weights and membrane parameters are all whole numbers is
  taken as register values (scale 1). A projection whose weights fit
  ``w_bits`` signed keeps them as mantissas and its ``weight_exp``. One whose
  weights do not fit is factored exactly when it can be: with ``k`` the
  smallest shift for which the weights divided by ``2**k`` fit ``w_bits``, if
  every weight is a multiple of ``2**k`` and ``weight_exp + k`` is at most
  ``max_weight_exp``, the mantissas are ``weight >> k`` and the exponent
  ``weight_exp + k`` (``mantissa << exponent`` is the weight, bit for bit: a
  NIR export of a Loihi network holds its weights as multiples of 64).
  Otherwise, or when an exponent exceeds ``max_weight_exp``, the mapping is
  refused, saying what would be needed.
* Otherwise every population gets a power-of-two scale ``S``: the largest for
  which its largest membrane-unit parameter (threshold, bias, v_init, leak,
  v_min) times ``headroom * S`` fits the membrane register and every incoming
  weight fits ``w_bits`` with an exponent of at most ``max_weight_exp``. The
  headroom (default 256) leaves room for a membrane far above its threshold,
  as an integrate-and-fire neuron driven harder than it can fire reaches;
  a 24-bit membrane keeps 15 bits for the largest parameter.
  Each incoming projection takes the smallest exponent ``e`` that lets
  ``round(w S / 2**e)`` fit ``w_bits``. Membrane parameters become
  ``round(x S)``; thresholds at least 1.
* Decays and the KLIF scale become 12-bit fractions ``round(f * 4096)``.
* ``round`` is to nearest, ties away from zero.

The largest error each rule makes is reported per population, in the
population's own units (a weight error of 0.01 means some weight moved by 0.01).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import MappingError
from ..hw.fixed import ONE, OVERFLOW_RULES, fits_signed, register_limits
from ..ir import Network


def round_half_away(x) -> np.ndarray:
    """Round to nearest, ties away from zero, as int64."""
    x = np.asarray(x, dtype=np.float64)
    return (np.sign(x) * np.floor(np.abs(x) + 0.5)).astype(np.int64)


@dataclass(frozen=True)
class PopulationQuantization:
    """How one population's parameters were quantized.

    ``scale`` multiplies membrane units into register units; errors are the
    largest absolute change, in the population's own (unscaled) units.
    """

    scale: float
    weight_error: float
    threshold_error: float
    bias_error: float
    decay_error: float


@dataclass(frozen=True)
class Quantized:
    """Integer register values of a network (flat over all neurons, in population order)."""

    scales: dict
    report: dict  # population name -> PopulationQuantization
    thr: np.ndarray
    bias: np.ndarray
    v_init: np.ndarray
    leak: np.ndarray
    mul_v: np.ndarray
    mul_u: np.ndarray
    mul_k: np.ndarray
    v_min: dict  # population name -> int or None
    neg_threshold: dict
    weights: dict  # projection name -> (mantissa int64 array like proj.weight, exponent)


def _frac(x) -> np.ndarray:
    return round_half_away(np.asarray(x) * ONE)


def _weights_error(proj, profile, mant) -> str:
    """The start of the message refusing ``mant``: the largest weight and the range it misses."""
    w_hi = (1 << (profile.w_bits - 1)) - 1
    bad = mant.reshape(-1)[np.argmax(np.abs(mant.reshape(-1)))]
    return (f"projection {proj.name!r}: weight {bad} does not fit the {profile.w_bits}-bit "
            f"signed weights ({-(w_hi + 1)}..{w_hi}) of profile {profile.name!r}")


def integer_weights(proj, profile) -> tuple[np.ndarray, int]:
    """Exact ``(mantissa, exponent)`` of an integer projection's weights for ``profile``.

    The weights as they are when they fit ``w_bits``; otherwise ``weight >> k``
    and ``weight_exp + k`` for the smallest ``k`` that makes them fit, when
    every weight is a multiple of ``2**k`` and the exponent stays within
    ``max_weight_exp`` (see the module docstring).

    Returns
    -------
    mantissa : int64 array, shape of ``proj.weight``
    exponent : int

    Raises
    ------
    MappingError
        When no exact factoring fits, naming the power of two the weights would
        have to share and the exponent they would need.
    """
    w = proj.weight.astype(np.int64)
    if fits_signed(w, profile.w_bits):
        return w, int(proj.weight_exp)
    w_hi = (1 << (profile.w_bits - 1)) - 1
    hi, lo = max(int(w.max()), 0), min(int(w.min()), 0)
    if w_hi == 0 and hi > 0:  # 1-bit signed weights hold only -1 and 0
        raise MappingError(f"{_weights_error(proj, profile, w)}; {profile.w_bits}-bit signed "
                           "weights hold no positive value")
    k = 0
    while hi > w_hi << k or lo < -((w_hi + 1) << k):
        k += 1
    common = int(np.bitwise_or.reduce(w.reshape(-1)))  # nonzero: some weight does not fit
    shared = (common & -common).bit_length() - 1  # 2**shared divides every weight
    exp = int(proj.weight_exp) + k
    if k <= shared and exp <= profile.max_weight_exp:
        return w >> k, exp
    head = _weights_error(proj, profile, w)
    if k > shared:
        raise MappingError(
            f"{head}; stored exactly as mantissa << exponent, every weight would have to be a "
            f"multiple of 2**{k}, and they share only 2**{shared}; scale the network or choose "
            "a wider profile")
    raise MappingError(
        f"{head}; stored exactly as mantissa << exponent, the weights (multiples of "
        f"2**{shared}) need weight exponent {proj.weight_exp} + {k} = {exp}, above the "
        f"profile's limit {profile.max_weight_exp}; scale the network or choose a wider profile")


def quantize(net: Network, profile, scale: dict | float | None = None,
             headroom: float = 256.0) -> Quantized:
    """Quantize ``net`` for ``profile``; see the module docstring for the rule.

    Parameters
    ----------
    scale : dict or float, optional
        Force the scale of every population (float) or of some (dict by name);
        the others follow the rule.
    headroom : float
        The largest membrane parameter times ``headroom * S`` must fit the
        membrane register (default 256: room for 256 times the largest parameter,
        e.g. an integrate-and-fire membrane far above threshold).
    """
    v_lo, v_hi = register_limits(profile.v_bits, OVERFLOW_RULES[profile.v_overflow])
    w_hi = (1 << (profile.w_bits - 1)) - 1
    integer = net.is_integer and scale is None
    incoming: dict[str, list] = {p.name: [] for p in net.populations}
    for proj in net.projections:
        incoming[proj.target].append(proj)

    scales, report, weights = {}, {}, {}
    parts = {k: [] for k in ("thr", "bias", "v_init", "leak", "mul_v", "mul_u", "mul_k")}
    v_min, neg_thr = {}, {}
    for pop in net.populations:
        nrn = pop.neuron
        if nrn is None:
            for k in parts:
                parts[k].append(np.zeros(pop.size, np.int64))
            scales[pop.name] = 1.0
            continue
        projs = incoming[pop.name]
        membrane = [nrn.threshold, nrn.bias, nrn.v_init, nrn.leak,
                    np.array([nrn.v_min or 0.0, nrn.neg_threshold])]
        big = max(float(np.max(np.abs(a))) for a in membrane if a.size)
        if integer:
            s = 1.0
        elif isinstance(scale, dict) and pop.name in scale:
            s = float(scale[pop.name])
        elif isinstance(scale, (int, float)):
            s = float(scale)
        else:
            s = 2.0 ** np.floor(np.log2(v_hi / (headroom * big))) if big > 0 else 1.0
            for proj in projs:
                wmax = (float(np.max(np.abs(proj.weight))) * 2.0**proj.weight_exp
                        if proj.weight.size else 0.0)
                if wmax > 0:
                    limit = w_hi * 2.0**profile.max_weight_exp / wmax
                    s = min(s, 2.0 ** np.floor(np.log2(limit)))
        scales[pop.name] = s
        werr = 0.0
        for proj in projs:
            w = proj.weight.astype(np.float64) * 2.0**proj.weight_exp
            if integer:
                mant, exp = integer_weights(proj, profile)
            else:
                wmax = float(np.max(np.abs(w))) * s if w.size else 0.0
                exp = 0
                while exp < profile.max_weight_exp and round_half_away(wmax / 2.0**exp) > w_hi:
                    exp += 1
                mant = round_half_away(w * s / 2.0**exp)
                werr = max(werr, float(np.max(np.abs(mant * 2.0**exp / s - w), initial=0.0)))
            if not fits_signed(mant, profile.w_bits):
                raise MappingError(f"{_weights_error(proj, profile, mant)}; scale the network "
                                   "or choose a wider profile")
            if exp > profile.max_weight_exp:
                raise MappingError(
                    f"projection {proj.name!r}: weight exponent {exp} exceeds the limit "
                    f"{profile.max_weight_exp} of profile {profile.name!r}"
                )
            weights[proj.name] = (mant, int(exp))
        q = {key: round_half_away(getattr(nrn, key) * s)
             for key in ("threshold", "bias", "v_init", "leak")}
        q["threshold"] = np.maximum(q["threshold"], 1)
        for key, arr in q.items():
            if arr.size and (arr.min() < v_lo or arr.max() > v_hi):
                bad = arr[(arr < v_lo) | (arr > v_hi)][0]
                raise MappingError(
                    f"population {pop.name!r}: {key} {bad} (register units) does not fit the "
                    f"{profile.v_bits}-bit membrane ({v_lo}..{v_hi}) of profile {profile.name!r}"
                )
        v_min[pop.name] = None if nrn.v_min is None else int(round_half_away(nrn.v_min * s))
        neg_thr[pop.name] = int(round_half_away(nrn.neg_threshold * s))
        mul_v, mul_u, mul_k = ONE - _frac(nrn.decay_v), ONE - _frac(nrn.decay_u), _frac(nrn.scale_k)
        derr = max(
            float(np.max(np.abs((ONE - mul_v) / ONE - nrn.decay_v))),
            float(np.max(np.abs((ONE - mul_u) / ONE - nrn.decay_u))),
            float(np.max(np.abs(mul_k / ONE - nrn.scale_k))),
        )
        report[pop.name] = PopulationQuantization(
            scale=s,
            weight_error=werr,
            threshold_error=float(np.max(np.abs(q["threshold"] / s - nrn.threshold))),
            bias_error=float(np.max(np.abs(q["bias"] / s - nrn.bias))),
            decay_error=derr,
        )
        for key, name in (("thr", "threshold"), ("bias", "bias"), ("v_init", "v_init"),
                          ("leak", "leak")):
            parts[key].append(q[name])
        parts["mul_v"].append(mul_v)
        parts["mul_u"].append(mul_u)
        parts["mul_k"].append(mul_k)
    flat = {k: np.concatenate(v).astype(np.int64) for k, v in parts.items()}
    return Quantized(scales=scales, report=report, v_min=v_min, neg_threshold=neg_thr,
                     weights=weights, **flat)
