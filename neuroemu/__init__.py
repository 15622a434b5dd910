"""neuroemu: an event-driven, bit-exact emulator of neuromorphic hardware.

::

    import neuroemu as ne

    net = ne.load("models/nmnist_cnn.h5")             # net.h5, NIR (dt=...), lava-dl .net
    res = ne.run(net, "traces/nmnist_4.aedat", profile="loihi")
    res.readout()                   # the class
    res.spike_counts()              # spikes per population
    res.counters["synaptic_ops"]    # the totals neuroemu run prints
    res.energy().total_j            # joules; res.energy("horowitz45nm") re-prices
    res.save("run.h5"); ne.load_run("run.h5")
    ev = ne.evaluate(net, "NMNIST/Test", workers=2)   # a dataset on Dask: ev.table, ev.summary

The public names below are loaded on first use, so ``import neuroemu`` stays
light: numba, matplotlib and the file readers load only when something needs
them. The pipeline's stages are subpackages: :mod:`.networks` (network files)
and :mod:`.recordings` (event recordings) -> :mod:`.ir` -> :mod:`.mapping` ->
:mod:`.inputs` -> :mod:`.engine` -> :mod:`.results` -> :mod:`.energy` and
:mod:`.reports`; :mod:`.plasticity` adapts weights during a run;
:mod:`.convert` and :mod:`.theory` build networks; :mod:`.evaluation`
runs whole datasets and sweeps on Dask.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

#: public name -> the module that defines it
_EXPORTS = {
    "load": "api", "save_network": "api", "run": "api", "load_run": "api",
    "profiles": "api", "load_profile": "api", "describe_profile": "api",
    "map_network": "api", "describe": "api", "export_nir": "api",
    "DEFAULT_PROFILE": "api", "DEFAULT_TICK_US": "api", "DEFAULT_ON_OVERFLOW": "api",
    "evaluate": "evaluation", "sweep": "evaluation", "Evaluation": "evaluation",
    "Result": "results.result", "Energy": "results.result",
    "Network": "ir", "Population": "ir", "Projection": "ir", "Readout": "ir",
    "neuron": "ir", "projection": "ir",
    "Profile": "hw", "BCM": "plasticity",
    "InputMap": "inputs.input_map", "Stimulus": "inputs.stimulus",
    "make_stimulus": "inputs.stimulus",
    "open_events": "recordings", "read_events": "recordings", "EVENT_DTYPE": "recordings",
    "NeuroemuError": "errors", "FormatError": "errors", "NetworkError": "errors",
    "MappingError": "errors", "ProfileError": "errors", "InputError": "errors",
    "RegisterOverflow": "errors", "NeuroemuWarning": "errors", "OverflowWarning": "errors",
    "InputWarning": "errors",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'neuroemu' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_EXPORTS))
