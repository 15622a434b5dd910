"""Descriptions of a mapped network: what ``neuroemu info`` and ``neuroemu import`` print."""

from __future__ import annotations

import numpy as np


def summary(net, cfg) -> dict:
    """What ``net`` is and how it maps: populations, projections, cores, registers.

    Parameters
    ----------
    net : neuroemu.ir.Network
    cfg : HardwareConfig
        ``net`` mapped onto a profile.

    Returns
    -------
    dict
        JSON-ready: network, neurons, synapses, input, readout, profile, cores,
        registers (widths and overflow rules), populations (shape, model, cores,
        quantization scale and errors), projections (kind, synapses, delay,
        weight exponent). ``neuroemu info`` prints it.
    """
    prof = cfg.profile
    q = cfg.quantization
    cores = np.bincount(cfg.core_pop, minlength=len(net.populations))
    pops = []
    for i, p in enumerate(net.populations):
        entry = {"name": p.name, "shape": list(p.shape), "size": p.size,
                 "model": "input" if p.neuron is None else p.neuron.model,
                 "cores": int(cores[i])}
        if p.neuron is not None:
            rep = q.report[p.name]
            entry.update(reset=p.neuron.reset, fire_on=p.neuron.fire_on, scale=rep.scale,
                         quantization_error={"weight": rep.weight_error,
                                             "threshold": rep.threshold_error,
                                             "bias": rep.bias_error, "decay": rep.decay_error})
        pops.append(entry)
    syn = np.bincount(cfg.syn_proj, minlength=len(net.projections))
    projs = [{"name": pr.name, "source": pr.source, "target": pr.target, "kind": pr.kind,
              "synapses": int(syn[k]), "delay": pr.delay,
              "weight_exp": q.weights[pr.name][1]} for k, pr in enumerate(net.projections)]
    return {
        "network": net.name, "neurons": net.size, "synapses": int(cfg.syn_src.size),
        "input": net.input,
        "readout": None if net.readout is None else {"population": net.readout.population,
                                                     "kind": net.readout.kind},
        "profile": prof.name, "cores": cfg.n_cores,
        "registers": {"w_bits": prof.w_bits, "v_bits": prof.v_bits, "u_bits": prof.u_bits,
                      "v_overflow": prof.v_overflow, "u_overflow": prof.u_overflow,
                      "rounding": prof.rounding},
        "populations": pops, "projections": projs,
    }


def quantization_rows(net, cfg) -> list[dict]:
    """What quantization onto ``cfg``'s profile moved, per population of neurons.

    Returns
    -------
    list of dict
        population, model, neurons, scale, weight_exp (the projections' exponents
        into it), and the largest absolute change of weights, thresholds, biases
        and decays, with the weight and threshold changes also relative to the
        largest weight and threshold (``*_rel``). ``neuroemu import`` prints it.
    """
    q = cfg.quantization
    rows = []
    for pop in net.populations:
        if pop.neuron is None:
            continue
        rep = q.report[pop.name]
        w_max = max((float(np.max(np.abs(pr.weight))) * 2.0**pr.weight_exp
                     for pr in net.projections if pr.target == pop.name and pr.weight.size),
                    default=0.0)
        thr = float(np.max(np.abs(pop.neuron.threshold)))
        exps = sorted({q.weights[pr.name][1] for pr in net.projections if pr.target == pop.name})
        rows.append({
            "population": pop.name, "model": pop.neuron.model, "neurons": pop.size,
            "scale": float(rep.scale), "weight_exp": exps,
            "weight_error": rep.weight_error,
            "weight_error_rel": rep.weight_error / w_max if w_max else 0.0,
            "threshold_error": rep.threshold_error,
            "threshold_error_rel": rep.threshold_error / thr if thr else 0.0,
            "bias_error": rep.bias_error, "decay_error": rep.decay_error,
        })
    return rows
