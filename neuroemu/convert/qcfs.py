r"""QCFS and PASCAL conversion, on an integer form of the QCFS ANN.

The QCFS ANN (Bu et al., ICLR 2022)
-----------------------------------
Hidden layer ``l`` computes ``z_l = W_l a_{l-1} + b_l`` and

.. math::  a_l = \frac{\lambda_l}{L_l}\, n_l, \qquad
           n_l = \mathrm{clip}\big(\lfloor z_l L_l/\lambda_l + 1/2 \rfloor, 0, L_l\big),

with ``a_0 = s x`` (``s`` the ANN's ``input_scale``, ``x`` the integer data).
Writing ``c_{l-1} = λ_{l-1}/L_{l-1}`` (``c_0 = s``), the integer activation is

.. math::  n_l = \mathrm{clip}\Big(\Big\lfloor \sum_i \omega_{l,ji} n_{l-1,i} + \beta_{l,j}
           + \tfrac12 \Big\rfloor, 0, L_l\Big), \quad
           \omega_l = W_l\, c_{l-1} L_l/\lambda_l,\ \beta_l = b_l L_l/\lambda_l.

:func:`integer_qcfs` picks per layer a power of two ``D_l`` (the threshold, in
register units) and integer weights ``w = round(ω D)``, offsets
``v0 = D/2 + round(β D)`` (for the output layer ``ω = W c``, ``β = b``,
``v0 = round(b D)``), so that ``n_l = clip(floor((Σ w n + v0) / D), 0, L)``.
It takes the smallest ``D`` for which every ``ω D`` and ``β D`` is a whole
number and the weights fit the profile (``exact``: the integer network then *is*
the float QCFS ANN); otherwise the largest ``D`` whose weights fit, with
rounding (``exact`` False). :class:`IntegerQCFS` runs this integer ANN.

An identity shortcut (``add`` layer) from activation ``j`` adds ``c_j n_j`` to
``z_l``: one more integer weight ``round(c_j L_l/λ_l · D)`` (``round(c_j D)`` for
the output layer), held to the same wholeness and width, on a one-to-one
projection. A projection shortcut adds ``W_s c_j n_j + b_s`` (its bias is in
``b_l``): integer weights ``round(W_s c_j L_l/λ_l · D)`` on a conv2d projection,
held to the same rule. PASCAL's invariant does not care which projection a
spike came by, so shortcuts keep it exact.

PASCAL (Ramesh & Srinivasan, 2025)
----------------------------------
Each hidden neuron is an IF neuron with threshold ``D``, initial membrane
``v0`` (the bias enters once, through the learnable-IMP register), reset by
subtraction, firing ``+1`` when ``v >= D`` while its net count is below ``L``
and a reverse spike ``-1`` when ``v < 0`` while its net count is positive
(``signed=True, neg_threshold=0, max_count=L``). Every spike of either sign
keeps the invariant

.. math::  v = v_0 + S_t - D\, c_t

(``S_t`` the weighted input received so far, ``c_t`` the net count). Once the
input is complete (``S_t = S``) the neuron fires ``+1`` while
``c < min(L, floor((v0 + S)/D))`` (then ``v >= D``) and ``-1`` while
``c > max(0, floor((v0 + S)/D))`` (then ``v < 0``), and is silent otherwise, so
after at most ``L`` further ticks ``c = clip(floor((S + v0)/D), 0, L) = n_l``,
whatever order the input spikes came in. Downstream layers receive signed
spikes, so their total input is ``Σ w n`` exactly.

The phase schedule: the input arrives at tick 0 as one graded spike per
channel (the data value); hidden layer ``l`` has settled by tick
``t_l = t_{l-1} + L_l`` (``t_0 = 0``); the output layer integrates its last input
at ``t_K + 1``. An inference takes ``sum(L_l) + 2`` ticks (``T = sum(L_l)``).

Plain QCFS conversion
---------------------
The same integer weights with threshold ``θ = L D``, ``v(0) = θ/2``, reset by
subtraction, constant-current input (the data on every tick of a T-tick
window) and the bias as a per-tick current ``round(β D)``; a spike of layer
``l-1`` is worth ``λ_{l-1}``, i.e. ``L_{l-1}`` counts (weights ``w L_{l-1}``).
Layer ``l``'s window is ticks ``l .. l+T-1`` (its registers return to
``v(0)`` at tick ``l``). With ``T = L`` one layer reproduces ``n_l`` exactly
when its input current is constant; deeper layers receive uneven spike trains
and can fall short (see the tests for the two-input counter-example).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..ir import neuron
from .ann import ANN, ConversionError, Layer
from .build import assemble, fits_weights, weight_mantissa

WINDOW_RESET = 1 << 40  # reset_interval that never repeats: layer l resets once, at tick l


@dataclass(frozen=True, eq=False)
class IntegerQCFS:
    """A QCFS ANN in integer arithmetic (see the module docstring).

    Attributes
    ----------
    ann : ANN
    weights : list of int64 arrays, the stages' weight layouts
    v0 : list of int64 arrays (n_out,)
        ``D/2 + round(β D)`` for hidden stages, ``round(b D)`` for the output.
    skip_weights : list of int64 arrays or None
        Integer weights of each stage's shortcut (``add`` layer), if any: (n_out,)
        for an identity shortcut, the kernel's layout for a projection.
    D : list of int
        Register units per count (hidden) or per unit of score (output).
    levels : list of int
        L per hidden stage.
    exact : list of bool
        Whether each stage reproduces the float ANN exactly.
    """

    ann: ANN
    weights: list
    v0: list
    D: list
    levels: list
    exact: list
    skip_weights: list

    def forward(self, data) -> list:
        """Integer activations of every stage for integer ``data`` (N, n_in).

        Returns
        -------
        list of int64 arrays
            ``n_l`` (N, n_out) for each hidden stage, then the output scores
            ``Σ w n + v0`` (N, n_classes) in register units.
        """
        x = np.asarray(data, np.int64).reshape(len(data), -1)
        acts = [x]
        outs = []
        stages = self.ann.stages
        for k, st in enumerate(stages):
            s = np.rint(st.linear(x.astype(np.float64), self.weights[k].astype(np.float64)))
            s = s.astype(np.int64) + self.v0[k]
            if st.skip is not None:
                s = s + self._shortcut(st, self.skip_weights[k], acts[st.skip])
            if k < len(stages) - 1:
                x = np.clip(np.floor_divide(s, self.D[k]), 0, self.levels[k])
            else:
                x = s
            outs.append(x)
            acts.append(x)
        return outs

    def predict(self, data) -> np.ndarray:
        return np.argmax(self.forward(data)[-1], axis=1)

    @staticmethod
    def _shortcut(st, w: np.ndarray, a: np.ndarray) -> np.ndarray:
        if st.skip_weight is None:
            return w * a
        return np.rint(st.shortcut(a.astype(np.float64), w.astype(np.float64))).astype(np.int64)


def _is_whole(x: np.ndarray) -> bool:
    return bool(np.all(np.abs(x - np.rint(x)) <= 1e-9 * np.maximum(1.0, np.abs(x))))


def qcfs_parameters(ann: ANN):
    """(λ, L) of each hidden stage; raises if a hidden stage is not QCFS."""
    lam, lev = [], []
    for k, st in enumerate(ann.stages[:-1]):
        if st.activation != "qcfs":
            raise ConversionError(
                f"ANN {ann.name!r}: hidden layer {k} has activation {st.activation!r}; QCFS and "
                "PASCAL need a QCFS ANN (convert a ReLU ANN with levels and calibration data)")
        lam.append(st.threshold)
        lev.append(st.levels)
    return lam, lev


def integer_qcfs(ann: ANN, w_bits: int = 8, max_weight_exp: int = 0,
                 max_d_bits: int = 20) -> IntegerQCFS:
    """The integer form of a QCFS ANN (see the module docstring for the rule).

    Parameters
    ----------
    w_bits, max_weight_exp : int
        The integer weights must fit ``w_bits`` signed bits once their common
        trailing zero bits (at most ``max_weight_exp``) move to the exponent.
    max_d_bits : int
        Largest ``D`` tried is ``2**max_d_bits``.
    """
    lam, lev = qcfs_parameters(ann)
    stages = ann.stages
    w_hi = (1 << (w_bits - 1)) - 1
    weights, v0s, Ds, exact, skips = [], [], [], [], []
    c = [ann.input_scale] + [lm / lv for lm, lv in zip(lam, lev)]  # value of one count
    for k, st in enumerate(stages):
        hidden = k < len(stages) - 1
        g = lev[k] / lam[k] if hidden else 1.0
        omega = st.weight * c[k] * g
        beta = st.bias * g
        if st.skip is None:
            sk = np.zeros(0)
        elif st.skip_weight is None:
            sk = np.array([c[st.skip] * g])
        else:
            sk = st.skip_weight * c[st.skip] * g
        wmax = float(np.max(np.abs(np.concatenate([omega.reshape(-1), sk.reshape(-1)])))) \
            if omega.size else 0.0
        lo = 1 if hidden else 0
        chosen = None
        for e in range(lo, max_d_bits + 1):
            D = 1 << e
            if wmax * D > (w_hi << max_weight_exp) + 0.5:
                break
            if _is_whole(omega * D) and _is_whole(beta * D) and _is_whole(sk * D) and \
                    fits_weights(np.rint(omega * D).astype(np.int64), w_bits, max_weight_exp) \
                    and fits_weights(np.rint(sk * D).astype(np.int64), w_bits, max_weight_exp):
                chosen = (D, True)
                break
        if chosen is None:
            e = int(np.floor(np.log2(w_hi / wmax))) if wmax > 0 else max_d_bits
            e = min(max(e, lo), max_d_bits)
            chosen = (1 << e, False)
        D, ok = chosen
        w = np.rint(omega * D).astype(np.int64)
        b = np.rint(beta * D).astype(np.int64)
        weights.append(w)
        v0s.append(b + (D // 2 if hidden else 0))
        Ds.append(D)
        exact.append(ok)
        if st.skip is None:
            skips.append(None)
        elif st.skip_weight is None:
            skips.append(np.full(st.n_out, int(np.rint(sk[0] * D)), np.int64))
        else:
            skips.append(np.rint(sk * D).astype(np.int64))
    return IntegerQCFS(ann=ann, weights=weights, v0=v0s, D=Ds, levels=list(lev), exact=exact,
                       skip_weights=skips)


def _score_bound(ref: IntegerQCFS, per_tick: bool = False) -> int:
    """A bound on |Σ w n + v0| of the output layer (register units)."""
    st = ref.ann.stages[-1]
    n_in = ref.levels[-1] if ref.levels else None
    w = np.abs(ref.weights[-1]).astype(np.float64)
    ones = np.ones((1, st.n_in))
    s = st.linear(ones, w)[0] * (1 if per_tick else (n_in or 1))
    if st.skip:  # a shortcut from hidden layer st.skip - 1
        top = 1 if per_tick else ref.levels[st.skip - 1]
        w = np.abs(ref.skip_weights[-1]).astype(np.float64)
        s = s + st.shortcut(np.full((1, int(np.prod(st.skip_shape or st.out_shape))), top),
                            w)[0]
    return int(np.max(s + np.abs(ref.v0[-1]))) + 1


def pascal(ann: ANN, profile, name: str | None = None):
    """PASCAL conversion of a QCFS ANN for ``profile``; returns (network, IntegerQCFS)."""
    ref = integer_qcfs(ann, profile.w_bits, profile.max_weight_exp)
    stages = ann.stages
    neurons, weights, exps, skips = [], [], [], []
    v_hi = (1 << (profile.v_bits - 1)) - 1
    for k, st in enumerate(stages):
        where = f"PASCAL layer {k + 1}"
        mant, exp = weight_mantissa(ref.weights[k], profile.w_bits, profile.max_weight_exp, where)
        weights.append(mant)
        exps.append(exp)
        skips.append(None if st.skip is None else weight_mantissa(
            ref.skip_weights[k], profile.w_bits, profile.max_weight_exp, where + " shortcut"))
        if k < len(stages) - 1:
            neurons.append(neuron("if", st.n_out, threshold=ref.D[k], v_init=ref.v0[k],
                                  reset="subtract", signed=True, neg_threshold=0,
                                  max_count=ref.levels[k], where=where))
        else:
            thr = min(_score_bound(ref), v_hi)
            neurons.append(neuron("if", st.n_out, threshold=thr, v_init=ref.v0[k], reset="none",
                                  max_count=1, where=where))
    meta = {"convert.method": "pascal", "convert.coding": "once",
            "convert.T": str(sum(ref.levels)),
            "convert.levels": ",".join(str(v) for v in ref.levels),
            "convert.exact": str(all(ref.exact)).lower()}
    return assemble(ann, neurons, weights, exps, meta, name or f"{ann.name}_pascal",
                    skips), ref


def qcfs_snn(ann: ANN, profile, ticks: int | None = None, name: str | None = None):
    """Plain QCFS conversion (constant-current input, T-tick windows); returns (network, ref).

    ``ticks`` is the default window T (the first hidden layer's L when None).
    """
    ref = integer_qcfs(ann, profile.w_bits, profile.max_weight_exp)
    stages = ann.stages
    T = int(ticks or ref.levels[0])
    neurons, weights, exps, skips = [], [], [], []
    v_hi = (1 << (profile.v_bits - 1)) - 1
    worth = [1] + list(ref.levels)  # counts per spike of the input and of each hidden layer
    for k, st in enumerate(stages):
        where = f"QCFS layer {k + 1}"
        w = ref.weights[k] * worth[k]
        mant, exp = weight_mantissa(w, profile.w_bits, profile.max_weight_exp, where)
        weights.append(mant)
        exps.append(exp)
        skips.append(None if st.skip is None else weight_mantissa(
            ref.skip_weights[k] * worth[st.skip], profile.w_bits, profile.max_weight_exp,
            where + " shortcut"))
        window = dict(reset_interval=WINDOW_RESET, reset_offset=k + 1)
        if k < len(stages) - 1:
            theta = ref.levels[k] * ref.D[k]
            neurons.append(neuron("if", st.n_out, threshold=theta, v_init=theta // 2,
                                  bias=ref.v0[k] - ref.D[k] // 2, reset="subtract",
                                  where=where, **window))
        else:
            per_tick = _score_bound(ref, per_tick=True) * (ref.levels[-1] if ref.levels else 1)
            thr = int(min(per_tick * max(T, 1) * 4, v_hi))
            neurons.append(neuron("if", st.n_out, threshold=thr, bias=ref.v0[k], reset="none",
                                  max_count=1, where=where, **window))
    meta = {"convert.method": "qcfs", "convert.coding": "current", "convert.T": str(T),
            "convert.levels": ",".join(str(v) for v in ref.levels),
            "convert.exact": str(all(ref.exact)).lower()}
    return assemble(ann, neurons, weights, exps, meta, name or f"{ann.name}_qcfs", skips), ref


# ----------------------------------------------------------------------------- from ReLU


def with_qcfs(ann: ANN, levels, thresholds) -> ANN:
    """``ann`` with each hidden ReLU (or QCFS) replaced by QCFS(λ_l, L_l)."""
    n_hidden = len(ann.stages) - 1
    levels = list(np.broadcast_to(np.asarray(levels), (n_hidden,)))
    thresholds = list(np.broadcast_to(np.asarray(thresholds, np.float64), (n_hidden,)))
    layers, k = [], 0
    for ly in ann.layers:
        if ly.kind in ("relu", "qcfs"):
            ly = Layer("qcfs", threshold=float(thresholds[k]), levels=int(levels[k]))
            k += 1
        layers.append(ly)
    return ANN(ann.input_shape, tuple(layers), input_scale=ann.input_scale, name=ann.name)


def layer_percentiles(outs, percentile: float) -> list:
    """The ``percentile`` of each hidden layer's activations ``outs[:-1]`` (all > 0)."""
    lam = []
    for k, a in enumerate(outs[:-1]):
        v = float(np.percentile(a, percentile))
        if not v > 0:
            raise ConversionError(f"calibration: hidden layer {k} is silent on the calibration "
                                  f"data (its {percentile}th percentile activation is {v})")
        lam.append(v)
    return lam


def calibrated_thresholds(ann: ANN, data, percentile: float = 99.9) -> list:
    """λ_l: the ``percentile`` of each hidden layer's activations on integer ``data``."""
    outs = ann.forward(np.asarray(data, np.float64) * ann.input_scale, all_stages=True)
    return layer_percentiles(outs, percentile)


def histogram_concentration(a, bins: int = 5) -> float:
    """PASCAL's concentration statistic A of a layer's activations, in [0, 1].

    With the activations' histogram over ``bins`` equal bins and ``m`` the
    number of bins holding at least the mean count,
    ``A = 1 - (m - 1) / (bins - 1)``: 1 when one bin holds most values
    (few levels suffice), 0 for a flat histogram.
    """
    counts, _ = np.histogram(np.asarray(a, np.float64).reshape(-1), bins)
    m = int(np.sum(counts >= counts.sum() / bins))
    return 1.0 - (m - 1) / (bins - 1)


def choose_levels(ann: ANN, data, labels, candidates=(1, 2, 4, 8), tolerance: float = 0.005,
                  thresholds=None) -> list:
    """PASCAL's layerwise choice of L_l, as neuroemu makes it.

    Layers are visited from the most concentrated activation histogram
    (:func:`histogram_concentration`, PASCAL's statistic) to the least; each
    takes the smallest candidate L for which the QCFS ANN's accuracy on
    ``data`` stays within ``tolerance`` of the network with every layer at the
    largest candidate (earlier choices kept). λ stays as given (``thresholds``,
    or the ANN's own QCFS thresholds). Fine-tuning after the choice, as PASCAL
    does, is the caller's (``tools/train_digits.py``).

    Returns
    -------
    list of int, one L per hidden layer
    """
    data = np.asarray(data)
    labels = np.asarray(labels)
    n_hidden = len(ann.stages) - 1
    if thresholds is None:
        thresholds, _ = qcfs_parameters(ann)
    top = max(candidates)
    levels = [top] * n_hidden

    def accuracy(lv):
        net = with_qcfs(ann, lv, thresholds)
        return float(np.mean(net.predict(data) == labels))

    base = accuracy(levels)
    acts = with_qcfs(ann, levels, thresholds).forward(data * ann.input_scale, all_stages=True)
    order = np.argsort([-histogram_concentration(a) for a in acts[:-1]], kind="stable")
    for k in order:
        for L in sorted(candidates):
            trial = list(levels)
            trial[k] = L
            if accuracy(trial) >= base - tolerance or L == top:
                levels = trial
                break
    return levels


def counts_of(result, n_hidden: int) -> list:
    """Net spike counts of the hidden populations h1 .. hK of a converted network's run."""
    cfg = result.config
    return [result.count[cfg.neurons_of(f"h{k + 1}")] for k in range(n_hidden)]


def qcfs_reference_counts(ann: ANN, data) -> list:
    """Float QCFS ANN integer activations ``n_l`` (float64) of each hidden stage."""
    outs = ann.forward(np.asarray(data, np.float64) * ann.input_scale, all_stages=True)
    return [np.rint(a * st.levels / st.threshold) for st, a in zip(ann.stages[:-1], outs[:-1])]
