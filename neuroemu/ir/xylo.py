"""The parameters of the 'xylo' neuron model in the IR: bit-shift decays and spikes per tick.

The dynamics are given in :mod:`neuroemu.hw.xylo`. Here the fields are checked
where a :class:`~neuroemu.ir.network.Neuron` is built: a 'xylo' neuron is
integer-only, resets by subtraction, fires on ``>=``, has no fractional decay,
leak, initial membrane or refractory period; its decays are bit shifts
``dash_v``, ``dash_u``, ``dash_u2`` (whole numbers >= 0), and it may fire up to
``max_spikes`` spikes in one tick. Other models take none of these fields.
"""

from __future__ import annotations

import numpy as np

from ..errors import NetworkError

DASHES = ("dash_v", "dash_u", "dash_u2")


def xylo_fields(model: str, size: int, dashes: dict, max_spikes, arrays: dict, reset: str,
                fire_on: str, where: str) -> dict:
    """Checked, read-only dash arrays of a neuron (all None unless ``model`` is 'xylo').

    Raises
    ------
    NetworkError
        Naming the field, the value found and what is expected.
    """
    if int(max_spikes) != max_spikes or max_spikes < 1:
        raise NetworkError(f"{where}.max_spikes: {max_spikes} found, expected a whole number "
                           ">= 1")
    if model != "xylo":
        given = [k for k, v in dashes.items() if v is not None]
        if given:
            raise NetworkError(f"{where}: {given[0]} is set but model {model!r} has no bit-shift "
                               "decay (only 'xylo' has)")
        if max_spikes != 1:
            raise NetworkError(f"{where}: max_spikes {max_spikes} but model {model!r} fires at "
                               "most once a tick (only 'xylo' fires several)")
        return {k: None for k in DASHES}
    if reset != "subtract" or fire_on != ">=":
        raise NetworkError(f"{where}: a 'xylo' neuron resets by 'subtract' and fires on '>='; "
                           f"got reset {reset!r}, fire_on {fire_on!r}")
    for key in ("decay_v", "decay_u", "leak", "v_init"):
        if np.any(arrays[key] != 0):
            raise NetworkError(f"{where}.{key}: a 'xylo' neuron has none (its decays are the "
                               "bit shifts dash_v, dash_u, dash_u2)")
    for key in ("threshold", "bias"):
        a = arrays[key]
        if np.any(a != np.round(a)):
            raise NetworkError(f"{where}.{key}: a 'xylo' neuron is integer-only; found "
                               f"{a[a != np.round(a)][0]}")
    out = {}
    for key in DASHES:
        val = 0 if dashes[key] is None else dashes[key]
        arr = np.asarray(val)
        if arr.dtype.kind not in "iu" and not (arr.dtype.kind == "f"
                                               and np.all(arr == np.round(arr))):
            raise NetworkError(f"{where}.{key}: expected whole numbers, got {arr.dtype}")
        arr = np.broadcast_to(arr.astype(np.int64), (size,)) if arr.ndim == 0 else \
            arr.astype(np.int64).reshape(-1)
        if arr.size != size:
            raise NetworkError(f"{where}.{key}: expected {size} values (one per neuron), got "
                               f"{arr.size}")
        if arr.size and arr.min() < 0:
            raise NetworkError(f"{where}.{key}: {arr.min()} found, a bit shift is >= 0")
        arr = np.ascontiguousarray(arr)
        arr.flags.writeable = False
        out[key] = arr
    return out
