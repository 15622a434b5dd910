"""Design rules of a Xylo core, and the Xylo arrays of a mapped configuration.

A profile whose ``[chip] arithmetic`` is ``"xylo"`` holds one Xylo SNN core:
``inputs`` input channels, up to ``hidden_neurons`` hidden neurons (one
recurrent layer, which logical populations share) and ``outputs`` readout
neurons. Its networks are made of 'xylo' neurons only, and a 'xylo' neuron
runs only on such a profile. The readout population (or, without a readout,
the one neuron population with no outgoing projection) holds the output
neurons; every other neuron population is hidden. The chip's weight memory
fixes the rest: input channels reach hidden neurons only, outputs are reached
from hidden neurons only and send nothing, one weight per source, target and
synaptic current, every delay one tick, one weight shift per weight matrix
(input, recurrent, readout), the output neurons with one synaptic current and
one spike a tick.
"""

from __future__ import annotations

import numpy as np

from ..errors import MappingError
from ..hw.xylo import HI, LO
from .codes import MODEL_XYLO


def is_xylo_profile(profile) -> bool:
    return profile.tables.get("chip", {}).get("arithmetic") == "xylo"


def output_population(net) -> str | None:
    """The population holding a Xylo network's output neurons."""
    if net.readout is not None:
        return net.readout.population
    sources = {p.source for p in net.projections}
    sinks = [p.name for p in net.populations if p.neuron is not None and p.name not in sources]
    return sinks[0] if len(sinks) == 1 else None


def _refuse(profile, what: str) -> None:
    raise MappingError(f"profile {profile.name!r} (Xylo core): {what}")


def check_xylo(net, profile, q_weights: dict) -> None:
    """Refuse what the Xylo core of ``profile`` cannot hold, naming the chip's limit.

    Networks with no 'xylo' neuron on other profiles pass unchecked.
    """
    xylo = is_xylo_profile(profile)
    neurons = [p for p in net.populations if p.neuron is not None]
    others = [p.name for p in neurons if p.neuron.model != "xylo"]
    if not xylo:
        mine = [p.name for p in neurons if p.neuron.model == "xylo"]
        if mine:
            raise MappingError(f"population {mine[0]!r}: 'xylo' neurons run only on a Xylo "
                               f"profile (such as 'xylo'), not on {profile.name!r}")
        return
    if others:
        _refuse(profile, f"population {others[0]!r} is not made of 'xylo' neurons; the core "
                         "computes only its own neuron model")
    if not net.is_integer:
        _refuse(profile, "the network has weights that are not whole numbers; the core is "
                         "integer-only (8-bit weights with a shift per weight matrix)")
    chip = profile.tables["chip"]
    out = output_population(net)
    if out is None:
        _refuse(profile, "no output population: give the network a readout (the chip's "
                         f"{chip['outputs']} output neurons)")
    pops = {p.name: p for p in net.populations}
    inp = net.input
    hidden = [p for p in neurons if p.name != out]
    n_in = pops[inp].size if inp else 0
    n_hid = sum(p.size for p in hidden)
    for what, n, limit in (("input channels", n_in, chip["inputs"]),
                           ("hidden neurons", n_hid, chip["hidden_neurons"]),
                           ("output neurons", pops[out].size, chip["outputs"])):
        if n > limit:
            _refuse(profile, f"{n} {what}, the chip has {limit}")
    shifts = {}
    for proj in net.projections:
        src_in = proj.source == inp
        if src_in and proj.target == out:
            _refuse(profile, f"projection {proj.name!r} joins the input to the outputs; input "
                             "channels reach hidden neurons only")
        if proj.source == out:
            _refuse(profile, f"projection {proj.name!r} leaves the output population "
                             f"{out!r}; output neurons send no spikes inside the chip")
        if proj.delay != 1:
            _refuse(profile, f"projection {proj.name!r} has delay {proj.delay}; every "
                             "synapse of the chip delivers at the next tick (delay 1)")
        if proj.target == out and proj.synapse != 0:
            _refuse(profile, f"projection {proj.name!r} targets the second synaptic current "
                             "of an output neuron; output neurons have one")
        matrix = "input" if src_in else ("readout" if proj.target == out else "recurrent")
        exp = q_weights[proj.name][1]
        if shifts.setdefault(matrix, (exp, proj.name))[0] != exp:
            _refuse(profile, f"projections {shifts[matrix][1]!r} and {proj.name!r} share the "
                             f"{matrix} weight matrix, which has one weight shift, but have "
                             f"shifts {shifts[matrix][0]} and {exp}")
    dash_max = (1 << chip["dash_bits"]) - 1
    for p in neurons:
        n = p.neuron
        limit = chip["max_output_spikes"] if p.name == out else chip["max_hidden_spikes"]
        if n.max_spikes > limit:
            _refuse(profile, f"population {p.name!r}: max_spikes {n.max_spikes}, the chip's "
                             f"{'output' if p.name == out else 'hidden'} neurons fire at most "
                             f"{limit} a tick")
        if n.refractory:
            _refuse(profile, f"population {p.name!r}: refractory {n.refractory}; the chip "
                             "has no refractory period")
        for key in ("dash_v", "dash_u", "dash_u2"):
            a = getattr(n, key)
            if a.size and a.max() > dash_max:
                _refuse(profile, f"population {p.name!r}: {key} {a.max()}, the chip's "
                                 f"{chip['dash_bits']}-bit dash holds 0..{dash_max}")
        for key, lo in (("threshold", 1), ("bias", LO)):
            a = getattr(n, key)
            if a.size and (a.min() < lo or a.max() > HI):
                bad = a[(a < lo) | (a > HI)][0]
                _refuse(profile, f"population {p.name!r}: {key} {bad:g}, the chip's 16-bit "
                                 f"register holds {lo}..{HI}")


def xylo_arrays(net, offset, syn_proj) -> dict:
    """The Xylo fields of a :class:`~neuroemu.mapping.config.HardwareConfig`.

    Returns
    -------
    dict with ``dash_v``, ``dash_u``, ``dash_u2`` (N,) int64 (0 outside Xylo
    populations), ``pop_maxspikes`` (P,) int64 and ``syn_port`` (S,) int64, the
    synaptic current each synapse feeds.
    """
    n = int(offset[-1])
    dashes = {k: np.zeros(n, np.int64) for k in ("dash_v", "dash_u", "dash_u2")}
    maxsp = np.ones(len(net.populations), np.int64)
    for i, p in enumerate(net.populations):
        if p.neuron is not None and p.neuron.model == "xylo":
            for k in dashes:
                dashes[k][offset[i]:offset[i + 1]] = getattr(p.neuron, k)
            maxsp[i] = p.neuron.max_spikes
    port = np.array([proj.synapse for proj in net.projections], np.int64)
    return dict(dashes, pop_maxspikes=maxsp,
                syn_port=port[syn_proj] if syn_proj.size else np.zeros(0, np.int64))


def has_xylo(cfg) -> bool:
    """Whether a configuration runs Xylo arithmetic."""
    return bool(np.any(cfg.pop_model == MODEL_XYLO))


def check_synapses(profile, syn_src, syn_tgt, syn_port) -> None:
    """Refuse two synapses with one source, target and current on a Xylo core (its weight
    matrices hold one weight each)."""
    if not is_xylo_profile(profile) or syn_src.size == 0:
        return
    key = (syn_src * (int(syn_tgt.max()) + 1) + syn_tgt) * 2 + syn_port
    uniq, counts = np.unique(key, return_counts=True)
    if np.any(counts > 1):
        k = int(uniq[counts > 1][0] // 2)
        s, t = divmod(k, int(syn_tgt.max()) + 1)
        _refuse(profile, f"neurons {s} -> {t} are joined twice on one synaptic current; the "
                         "chip's weight matrix holds one weight per source, target and current")
