"""Consistency checks of a :class:`~neuroemu.ir.network.Network`."""

from __future__ import annotations

import numpy as np

from ..errors import NetworkError
from .connectivity import conv_output_shape
from .kinds import READOUTS


def _check_projection_shape(net, proj, src, tgt):
    where = f"network {net.name!r}, projection {proj.name!r}"
    if proj.kind == "dense":
        want = (tgt.size, src.size)
        if proj.weight.shape != want:
            raise NetworkError(
                f"{where}: dense weight has shape {proj.weight.shape}, expected "
                f"(target size, source size) = {want}"
            )
    elif proj.kind == "sparse":
        for key, idx, pop in (("src", proj.src, src), ("tgt", proj.tgt, tgt)):
            if idx.size and (idx.min() < 0 or idx.max() >= pop.size):
                bad = idx[(idx < 0) | (idx >= pop.size)][0]
                raise NetworkError(
                    f"{where}: {key} index {bad} is outside population {pop.name!r} "
                    f"(size {pop.size})"
                )
    else:
        if len(src.shape) != 3 or len(tgt.shape) != 3:
            raise NetworkError(
                f"{where}: {proj.kind} needs (channels, height, width) populations; "
                f"source {src.shape}, target {tgt.shape}"
            )
        if proj.kind == "conv2d":
            if proj.weight.ndim != 4:
                raise NetworkError(
                    f"{where}: conv2d weight has shape {proj.weight.shape}, expected "
                    "(C_out, C_in / groups, kH, kW)"
                )
            c_out, c_in_g, kh, kw = proj.weight.shape
            if src.shape[0] != c_in_g * proj.groups or c_out % proj.groups:
                raise NetworkError(
                    f"{where}: conv2d weight {proj.weight.shape} with groups {proj.groups} "
                    f"does not fit source channels {src.shape[0]}"
                )
            want = conv_output_shape(src.shape, c_out, (kh, kw), proj.stride, proj.padding,
                                     proj.dilation)
        else:
            if proj.weight.size != 1:
                raise NetworkError(f"{where}: sumpool2d takes one weight, got {proj.weight.size}")
            want = conv_output_shape(src.shape, src.shape[0], proj.kernel, proj.stride,
                                     proj.padding, (1, 1))
        if tuple(tgt.shape) != want:
            raise NetworkError(
                f"{where}: target {tgt.name!r} has shape {tgt.shape}, but the {proj.kind} "
                f"of source shape {src.shape} gives {want}"
            )


def validate_network(net) -> None:
    """Raise :class:`NetworkError` naming the object and field when ``net`` is inconsistent."""
    names = [p.name for p in net.populations]
    if len(set(names)) != len(names):
        dup = next(n for n in names if names.count(n) > 1)
        raise NetworkError(f"network {net.name!r}: population name {dup!r} is used twice")
    pnames = [p.name for p in net.projections]
    if len(set(pnames)) != len(pnames):
        dup = next(n for n in pnames if pnames.count(n) > 1)
        raise NetworkError(f"network {net.name!r}: projection name {dup!r} is used twice")
    pops = {p.name: p for p in net.populations}
    for p in net.populations:
        if any(int(s) != s or s < 1 for s in p.shape) or not p.shape:
            raise NetworkError(f"population {p.name!r}: shape {p.shape} must be positive integers")
        if p.neuron is not None and p.neuron.threshold.size != p.size:
            raise NetworkError(
                f"population {p.name!r}: parameters are for {p.neuron.threshold.size} "
                f"neurons but the shape {p.shape} holds {p.size}"
            )
    inputs = [p.name for p in net.populations if p.is_input]
    if net.input is not None:
        if net.input not in pops:
            raise NetworkError(f"network {net.name!r}: input population {net.input!r} not found")
        if not pops[net.input].is_input:
            raise NetworkError(
                f"network {net.name!r}: input {net.input!r} has neuron dynamics; "
                "the input population must have neuron=None"
            )
    for name in inputs:
        if name != net.input:
            raise NetworkError(
                f"network {net.name!r}: population {name!r} has no neuron model but is not "
                f"the network's input ({net.input!r})"
            )
    for proj in net.projections:
        for role in ("source", "target"):
            if getattr(proj, role) not in pops:
                raise NetworkError(
                    f"network {net.name!r}, projection {proj.name!r}: {role} population "
                    f"{getattr(proj, role)!r} not found (have {', '.join(pops)})"
                )
        if pops[proj.target].is_input:
            raise NetworkError(
                f"network {net.name!r}, projection {proj.name!r}: targets the input "
                f"population {proj.target!r}, which takes no synapses"
            )
        _check_projection_shape(net, proj, pops[proj.source], pops[proj.target])
        if proj.synapse != 0 and pops[proj.target].neuron.model != "xylo":
            raise NetworkError(
                f"network {net.name!r}, projection {proj.name!r}: synapse {proj.synapse} (a "
                f"second synaptic current) but target {proj.target!r} is a "
                f"{pops[proj.target].neuron.model!r} neuron with one; only 'xylo' has two"
            )
    if net.readout is not None:
        if net.readout.population not in pops:
            raise NetworkError(
                f"network {net.name!r}: readout population {net.readout.population!r} not found"
            )
        if net.readout.kind not in READOUTS:
            raise NetworkError(
                f"network {net.name!r}: readout kind {net.readout.kind!r} is not one of "
                f"{', '.join(READOUTS)}"
            )
        if pops[net.readout.population].is_input:
            raise NetworkError(
                f"network {net.name!r}: the readout population {net.readout.population!r} "
                "is the input; read out a population of neurons"
            )
    for p in net.populations:
        if p.neuron is not None and p.neuron.v_min is not None:
            if np.any(p.neuron.v_init < p.neuron.v_min):
                raise NetworkError(
                    f"population {p.name!r}: v_init below v_min = {p.neuron.v_min}"
                )
