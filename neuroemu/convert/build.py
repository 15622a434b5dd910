"""Assembling converted networks: populations, projections and the meta data eval reads.

Every converted network has the input population ``in`` (the ANN's input
shape), one population per hidden weighted layer ``h1 .. hK`` (the layer's
output shape) and the class scores ``out``, joined by projections ``w1 ..
wK+1`` of delay 1. A stage with a shortcut (an ``add`` layer) also receives
``s{k}`` from the shortcut's population: a sparse one-to-one projection
(identity shortcut) or a conv2d projection (projection shortcut).
The readout is the last-tick membrane of ``out`` (LTS), whose neurons never feed
anything.

The network's ``meta`` tells :mod:`neuroemu.convert.evaluate` how to drive it:

``convert.method``      maxnorm | l4 | l4-bias | qcfs | pascal
``convert.coding``      ``poisson``: each input channel spikes with probability
                        ``input_gain`` x data per tick for T ticks; ``current``:
                        the data value is delivered as a graded spike (payload)
                        on every tick of the T-tick window (constant current);
                        ``once``: the data value is delivered once, at tick 0
``convert.input_gain``  spike probability per unit of data (poisson only)
``convert.T``           default T: the input window (poisson, current) or the
                        phase schedule's length sum(L_l) (once)
``convert.depth``       neuron layers (one tick of latency each)
``convert.levels``      L per hidden layer, comma separated (qcfs, pascal)
``convert.n_classes``   number of classes

A run of T takes :func:`run_ticks` ticks.
"""

from __future__ import annotations

import numpy as np

from ..ir import Network, Population, Readout, projection
from .ann import ANN, ConversionError, Stage


def run_ticks(meta: dict, T: int) -> int:
    """Ticks of one inference with window/schedule ``T`` (see the module docstring).

    Windowed codings (poisson, current) give layer ``l`` (1-based) the ticks
    ``l .. l + T - 1``, so the output layer's window ends at tick ``depth + T - 1``.
    The ``once`` coding (PASCAL) needs the input tick, then ``L_l`` ticks per hidden
    layer (``T`` = sum of L_l), then the tick at which the output integrates.
    """
    if meta["convert.coding"] == "once":
        return int(T) + 2
    return int(T) + int(meta["convert.depth"])


def fits_weights(w: np.ndarray, w_bits: int, max_exp: int) -> bool:
    """Whether :func:`weight_mantissa` can represent the integer weights ``w``."""
    try:
        weight_mantissa(w, w_bits, max_exp, "")
    except ConversionError:
        return False
    return True


def weight_mantissa(w: np.ndarray, w_bits: int, max_exp: int, where: str):
    """Integer weights as (mantissa, exponent): common trailing zero bits move to the exponent.

    Raises
    ------
    ConversionError
        When the mantissa still does not fit ``w_bits`` signed bits.
    """
    w = np.asarray(w, np.int64)
    exp = 0
    nz = w[w != 0]
    while exp < max_exp and nz.size and np.all(nz % 2 == 0):
        nz = nz // 2
        exp += 1
    mant = w >> exp if exp else w
    hi = (1 << (w_bits - 1)) - 1
    if mant.size and (mant.max() > hi or mant.min() < -hi - 1):
        raise ConversionError(
            f"{where}: integer weight {int(mant.flat[np.argmax(np.abs(mant))])} (x 2^{exp}) does "
            f"not fit {w_bits}-bit weights; choose fewer levels, a wider profile or retrain with "
            "quantized weights")
    return mant, exp


def stage_projection(stage: Stage, name: str, source: str, target: str, weight,
                     weight_exp: int = 0, delay: int = 1):
    """The projection of ``stage``'s linear map with ``weight`` (the stage's layout)."""
    if stage.kind == "dense":
        return projection(name, source, target, "dense", weight, delay=delay,
                          weight_exp=weight_exp)
    if stage.kind == "conv2d":
        return projection(name, source, target, "conv2d", weight, delay=delay,
                          weight_exp=weight_exp, stride=stage.stride, padding=stage.padding)
    return projection(name, source, target, "sparse", weight, src=stage.src, tgt=stage.tgt,
                      delay=delay, weight_exp=weight_exp)


def pop_names(n_stages: int) -> list[str]:
    """Population names of the weighted stages: h1 .. hK, out."""
    return [f"h{k + 1}" for k in range(n_stages - 1)] + ["out"]


def assemble(ann: ANN, neurons: list, weights: list, exps: list, meta: dict,
             name: str, skips: list | None = None) -> Network:
    """The converted network: stage k is a population of ``neurons[k]`` fed by ``weights[k]``.

    ``skips[k]`` is None or ``(weight, exponent)`` of stage k's shortcut: weight
    (n_out,) for an identity shortcut, the kernel's layout for a projection.
    """
    stages = ann.stages
    names = pop_names(len(stages))
    acts = ["in"] + names
    pops = [Population("in", tuple(ann.input_shape))]
    projs = []
    src = "in"
    for k, st in enumerate(stages):
        pops.append(Population(names[k], tuple(st.out_shape), neurons[k]))
        projs.append(stage_projection(st, f"w{k + 1}", src, names[k], weights[k], exps[k]))
        if st.skip is not None:
            w, e = skips[k]
            if st.skip_weight is not None:
                projs.append(projection(f"s{k + 1}", acts[st.skip], names[k], "conv2d", w,
                                        weight_exp=e, stride=st.skip_stride,
                                        padding=st.skip_padding))
            else:
                idx = np.arange(st.n_out)
                projs.append(projection(f"s{k + 1}", acts[st.skip], names[k], "sparse",
                                        np.broadcast_to(w, (st.n_out,)), src=idx, tgt=idx,
                                        weight_exp=e))
        src = names[k]
    meta = dict(meta)
    meta.setdefault("convert.depth", str(len(stages)))
    meta.setdefault("convert.n_classes", str(stages[-1].n_out))
    return Network(name, tuple(pops), tuple(projs), input="in",
                   readout=Readout("out", "last_membrane"),
                   meta=tuple((str(k), str(v)) for k, v in meta.items()))
