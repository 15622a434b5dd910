"""ANN -> SNN conversion and its measurement on the emulated chip.

* :mod:`.ann` — the ANN description (``.npz`` layout, PyTorch ``nn.Sequential``),
  BatchNorm folding, average pooling, the QCFS activation;
* :mod:`.ratecode` — max-norm / percentile normalisation with Poisson input and
  the L4-norm adjustment;
* :mod:`.qcfs` — plain QCFS conversion and PASCAL (exact, signed spikes, phase
  schedule, layerwise L), on an integer form of the QCFS ANN;
* :mod:`.neurons` — the seeds' neuron features (learnable initial membrane,
  KLIF, CLIF's limits) and their float references;
* :mod:`.evaluate` — accuracy, spikes, operations and energy per inference.

:func:`convert` is the entry point used by ``neuroemu convert``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .ann import ANN, ConversionError, Layer, from_torch, load_ann, save_ann

METHODS = ("maxnorm", "l4", "qcfs", "pascal")

__all__ = ["convert", "Conversion", "METHODS", "ANN", "Layer", "load_ann", "save_ann",
           "from_torch", "ConversionError"]


@dataclass(frozen=True, eq=False)
class Conversion:
    """The outcome of :func:`convert`.

    Attributes
    ----------
    network : neuroemu.ir.Network
    method : str
    ann : ANN
        The ANN the SNN stands for (for qcfs/pascal from a ReLU ANN: the ANN
        with QCFS activations substituted).
    reference : IntegerQCFS or None
        The integer QCFS ANN (qcfs, pascal).
    info : dict
        Method details (λ per layer, levels, exactness, L4 noise figures).
    """

    network: object
    method: str
    ann: ANN
    reference: object = None
    info: dict = field(default_factory=dict)


def _levels_list(levels, n_hidden: int):
    if levels is None or isinstance(levels, str):
        return levels
    lv = list(np.broadcast_to(np.asarray(levels, np.int64), (n_hidden,)))
    if any(v < 1 for v in lv):
        raise ConversionError(f"levels {levels} found, expected whole numbers >= 1")
    return [int(v) for v in lv]


def convert(ann: ANN, method: str, profile="loihi", *, levels=None, ticks: int | None = None,
            calibration=None, labels=None, percentile: float | None = None,
            kappa: float = 1.0, name: str | None = None) -> Conversion:
    """Convert ``ann`` to a spiking network for ``profile``.

    Parameters
    ----------
    method : {'maxnorm', 'l4', 'qcfs', 'pascal'}
    levels : int, list of int, 'auto' or None
        QCFS levels L per hidden layer. None keeps a QCFS ANN's own levels
        (required for a ReLU ANN under qcfs/pascal); 'auto' is PASCAL's
        layerwise choice (:func:`.qcfs.choose_levels`, needs ``labels``).
    ticks : int, optional
        Default window T (maxnorm, l4: 32; qcfs: the first layer's L).
    calibration : integer array (N, n_in), optional
        Data for normalisation (maxnorm, l4) and for λ of a ReLU ANN (qcfs, pascal).
    percentile : float, optional
        Percentile of activations for λ (maxnorm, l4: 100; from ReLU: 99.9).
    kappa : float
        L4 correction weight.
    """
    from ..hw import Profile, load_profile
    from . import qcfs as q  # the module (the activation function is ann.qcfs)
    from .ratecode import rate_snn

    if method not in METHODS:
        raise ConversionError(f"method {method!r} is not one of {', '.join(METHODS)}")
    prof = profile if isinstance(profile, Profile) else load_profile(profile)
    n_hidden = len(ann.stages) - 1
    levels = _levels_list(levels, n_hidden)
    if ticks is not None and (int(ticks) != ticks or ticks < 1):
        raise ConversionError(f"ticks {ticks} found, expected a whole number >= 1")
    if method in ("maxnorm", "l4"):
        if calibration is None:
            raise ConversionError(f"method {method!r} normalises with data: give calibration "
                                  "data (--calibrate data.npz)")
        net, info = rate_snn(ann, calibration, percentile=100.0 if percentile is None
                             else percentile, ticks=ticks or 32, l4=method == "l4",
                             kappa=kappa, name=name)
        return Conversion(net, method, ann, None, info)
    acts = [st.activation for st in ann.stages[:-1]]
    if all(a == "qcfs" for a in acts):
        lam, own = q.qcfs_parameters(ann)
        if levels == "auto":
            if calibration is None or labels is None:
                raise ConversionError("levels 'auto' (PASCAL's layerwise choice) needs labelled "
                                      "calibration data (x and y)")
            levels = q.choose_levels(ann, calibration, labels, thresholds=lam)
        if levels is not None and list(levels) != list(own):
            ann = q.with_qcfs(ann, levels, lam)
    else:
        if levels is None or (levels == "auto" and labels is None):
            raise ConversionError(
                f"ANN {ann.name!r} has ReLU hidden layers: {method} needs levels (--levels L) "
                "and calibration data for the thresholds λ (--calibrate)")
        if calibration is None:
            raise ConversionError(f"ANN {ann.name!r} has ReLU hidden layers: {method} needs "
                                  "calibration data for the thresholds λ (--calibrate)")
        lam = q.calibrated_thresholds(ann, calibration, 99.9 if percentile is None
                                      else percentile)
        if levels == "auto":
            levels = q.choose_levels(q.with_qcfs(ann, 8, lam), calibration, labels,
                                     thresholds=lam)
        ann = q.with_qcfs(ann, levels, lam)
    if method == "pascal":
        net, ref = q.pascal(ann, prof, name=name)
    else:
        net, ref = q.qcfs_snn(ann, prof, ticks=ticks, name=name)
    info = {"lambda": [st.threshold for st in ann.stages[:-1]], "levels": list(ref.levels),
            "D": list(ref.D), "exact": list(ref.exact)}
    return Conversion(net, method, ann, ref, info)
