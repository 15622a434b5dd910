"""Can a chip hold the network it is asked to price? The check before re-pricing a run.

A run's counts come from its placement on the profile it ran on. Priced on
another profile, the same counts stand for that chip only if that chip can hold
the network at all: ``neuroemu run --profile`` refuses a network whose neuron
fan-in, synapse memory, weights or core count exceed the chip, and pricing on
such a chip is refused the same way (:func:`check_holds`), with the mapping's
own message naming the core, the limit and the value.
"""

from __future__ import annotations

import numpy as np

from ..errors import MappingError, NetworkError
from ..mapping.codes import MODEL_INPUT

#: (id(network), profile name, profile path) -> (network, message or '') of recent checks
_CHECKED: dict = {}
_KEEP = 16


def _mapping_message(network, profile) -> str:
    """'' when ``network`` maps onto ``profile``, else why not (the mapping's message)."""
    from ..mapping import map_network

    key = (id(network), profile.name, profile.path, profile.neurons_per_core,
           profile.axons_per_core, profile.synapse_memory_bits, profile.mesh_width,
           profile.mesh_height, profile.w_bits)
    hit = _CHECKED.get(key)
    if hit is not None and hit[0] is network:
        return hit[1]
    try:
        map_network(network, profile)
        msg = ""
    except (MappingError, NetworkError) as exc:
        msg = str(exc)
    if len(_CHECKED) >= _KEEP:
        _CHECKED.pop(next(iter(_CHECKED)))
    _CHECKED[key] = (network, msg)
    return msg


def check_holds(trace, profile, network=None, where: str = "the run",
                strict: bool = True) -> str:
    """Refuse (or flag) pricing ``trace`` on ``profile`` when that chip cannot hold its network.

    Parameters
    ----------
    trace : neuroemu.results.Result
    profile : neuroemu.hw.Profile
        The chip to price on (another than the run's: the caller decides).
    network : neuroemu.ir.Network, optional
        The run's network; mapped onto ``profile`` to check it. Without it only the
        neuron count is checked (against cores x neurons per core).
    where : str
        Names the run in messages (a trace file).
    strict : bool
        Raise when the chip cannot hold the network (``neuroemu report``); else return
        a note saying so (the library's ``Result.energy``, whose figures then price the
        run's own placement).

    Returns
    -------
    str
        A note for the report ('' when nothing needs saying).

    Raises
    ------
    MappingError
        ``strict`` and the network does not fit ``profile``: the message names the
        profile and the limit the mapping met, as ``neuroemu run --profile`` does.
    """
    why = ""
    if network is not None:
        why = _mapping_message(network, profile)
    else:
        sizes = np.diff(np.asarray(trace.pop_offset, np.int64))
        neurons = int(sizes[np.asarray(trace.pop_model) != MODEL_INPUT].sum())
        room = profile.cores * profile.neurons_per_core
        if neurons > room:
            why = (f"{neurons} neurons, the chip holds {room} ({profile.cores} cores x "
                   f"{profile.neurons_per_core})")
    if why and strict:
        raise MappingError(f"{where}: cannot price network {trace.network_name!r} on profile "
                           f"{profile.name!r}, which cannot hold it ({why}); price it on a "
                           "chip that holds it, or run it there with 'neuroemu run --profile "
                           f"{profile.name}'")
    if why:
        return (f"profile {profile.name!r} cannot hold network {trace.network_name!r} ({why}): "
                f"these figures price the run's placement on {trace.profile_name!r}, not a "
                f"run on {profile.name!r} ('neuroemu report' refuses it)")
    if network is None:
        return (f"could not check that profile {profile.name!r} holds the network (its file "
                "was not found): fan-in and synapse memory unchecked")
    return ""
