"""ANN -> SNN conversion and its measurement on the emulated chip.

* :mod:`.ann` — the ANN description (``.npz`` layout), BatchNorm folding, average
  pooling, identity and projection (convolution) shortcuts, the QCFS activation;
* :mod:`.pytorch` — PyTorch ``nn.Module`` models (``nn.Sequential`` or traced by
  ``torch.fx``) read into that description;
* :mod:`.ratecode` — max-norm / percentile normalisation with Poisson input and
  the L4-norm adjustments (the paper's weight adjustment ``l4``, the bias shift
  ``l4-bias``);
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

from .ann import ANN, ConversionError, Layer, load_ann, save_ann
from .pytorch import from_torch, is_torch_module

METHODS = ("maxnorm", "l4", "l4-bias", "qcfs", "pascal")

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


def _from_module(module, calibration, input_shape, input_scale):
    from .pytorch import check_against

    if input_shape is None:
        if calibration is None or np.ndim(calibration) < 3:
            raise ConversionError(
                f"torch model {type(module).__name__}: give input_shape (e.g. (1, 8, 8)) or "
                "calibration data shaped (N, *input_shape)")
        input_shape = np.shape(calibration)[1:]
    ann = from_torch(module, tuple(int(s) for s in input_shape), input_scale=input_scale,
                     name=type(module).__name__)
    if calibration is None:
        return ann, None
    calibration = np.asarray(calibration)
    if calibration.dtype.kind not in "iu":
        raise ConversionError(f"calibration data: dtype {calibration.dtype} found, expected "
                              "integers (the values the chip receives; input_scale maps them "
                              "to the model's input)")
    calibration = calibration.reshape(len(calibration), -1)
    check_against(module, ann, calibration[:64])
    return ann, calibration


def convert(ann, method: str, profile="loihi", *, levels=None, ticks: int | None = None,
            calibration=None, labels=None, percentile: float | None = None,
            kappa: float = 1.0, name: str | None = None, input_shape=None,
            input_scale: float = 1.0) -> Conversion:
    """Convert ``ann`` to a spiking network for ``profile``.

    ::

        conv = convert(model, "pascal", "loihi", calibration=x)   # a torch nn.Module
        conv.network                                              # the spiking network

    Parameters
    ----------
    ann : ANN or torch.nn.Module
        A module is read by :func:`.pytorch.from_torch` and, given calibration
        data, checked against its own outputs (:func:`.pytorch.check_against`).
    method : {'maxnorm', 'l4', 'l4-bias', 'qcfs', 'pascal'}
    levels : int, list of int, 'auto' or None
        QCFS levels L per hidden layer. None keeps a QCFS ANN's own levels
        (required for a ReLU ANN under qcfs/pascal); 'auto' is PASCAL's
        layerwise choice (:func:`.qcfs.choose_levels`, needs ``labels``).
    ticks : int, optional
        Default window T (maxnorm, l4, l4-bias: 32; qcfs: the first layer's L).
    calibration : integer array (N, n_in), optional
        Data for normalisation (rate-coded methods) and for λ of a ReLU ANN (qcfs, pascal).
    percentile : float, optional
        Percentile of activations for λ (rate-coded: 100; from ReLU: 99.9).
    kappa : float
        Strength of the L4 adjustment (l4, l4-bias).
    input_shape : tuple of int, optional
        A module's input shape per sample; by default ``calibration.shape[1:]``
        when the calibration data has more than two axes.
    input_scale : float
        A module's input per unit of the integer data (e.g. 1/16 for 0..16 pixels).
    """
    from ..hw import Profile, load_profile
    from . import qcfs as q  # the module (the activation function is ann.qcfs)
    from .ratecode import rate_snn

    if method not in METHODS:
        raise ConversionError(f"method {method!r} is not one of {', '.join(METHODS)}")
    prof = profile if isinstance(profile, Profile) else load_profile(profile)
    if is_torch_module(ann):
        ann, calibration = _from_module(ann, calibration, input_shape, input_scale)
    elif not isinstance(ann, ANN):
        raise ConversionError(f"convert takes an ANN or a torch.nn.Module, got "
                              f"{type(ann).__name__}")
    elif calibration is not None:
        calibration = np.asarray(calibration).reshape(len(calibration), -1)
    n_hidden = len(ann.stages) - 1
    levels = _levels_list(levels, n_hidden)
    if ticks is not None and (int(ticks) != ticks or ticks < 1):
        raise ConversionError(f"ticks {ticks} found, expected a whole number >= 1")
    if method in ("maxnorm", "l4", "l4-bias"):
        if calibration is None:
            raise ConversionError(f"method {method!r} normalises with data: give calibration "
                                  "data (--calibrate data.npz)")
        net, info = rate_snn(ann, calibration, percentile=100.0 if percentile is None
                             else percentile, ticks=ticks or 32,
                             adjust="none" if method == "maxnorm" else method,
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
