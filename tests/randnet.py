"""Random networks and inputs that exercise every model and option."""

from __future__ import annotations

import numpy as np

from neuroemu.engine import make_stimulus
from neuroemu.hw import load_profile
from neuroemu.ir import Network, Population, Readout, neuron, projection
from neuroemu.mapping import map_network


def random_profile(rng, base: str = "loihi"):
    """A profile with small cores (so networks span several) and random registers."""
    prof = load_profile(base)
    v_bits = int(rng.choice([8, 10, 12, 16, 24]))
    prof = prof.with_registers(
        neurons_per_core=int(rng.integers(2, 9)),
        axons_per_core=4096,
        synapse_memory_bits=1 << 20,
        mesh_width=16, mesh_height=16,
        w_bits=int(rng.choice([4, 6, 8])),
        v_bits=v_bits,
        u_bits=int(rng.choice([8, 10, 16, 24])),
        v_overflow=str(rng.choice(["saturate", "wrap"])),
        u_overflow=str(rng.choice(["saturate", "wrap"])),
        rounding=str(rng.choice(["toward_zero", "floor"])),
    )
    if rng.random() < 0.5:  # a board of chips of 2 x 2 cores: packets cross chips
        prof = prof.with_registers(mesh_width=2, mesh_height=2, tile_width=1, tile_height=1,
                                   chips_x=int(rng.integers(8, 17)), chips_y=8)
    return prof


def random_population(rng, name: str, size: int, w_max: int, v_max: int):
    model = str(rng.choice(["if", "lif", "cuba", "klif"]))
    thr = rng.integers(1, max(2, min(v_max, 4 * w_max)), size=size)
    kw = dict(
        threshold=thr,
        bias=rng.integers(-w_max // 2, w_max, size=size) * (rng.random() < 0.5),
        reset=str(rng.choice(["zero", "subtract", "none"])),
        fire_on=str(rng.choice([">=", ">"])),
        refractory=int(rng.integers(0, 3)),
        signed=bool(rng.random() < 0.3),
        neg_threshold=-float(rng.integers(0, 4)),
        leak=rng.integers(0, 3, size=size) * (rng.random() < 0.3),
    )
    if rng.random() < 0.3:
        kw["max_count"] = int(rng.integers(1, 4))
    if rng.random() < 0.25:
        kw["reset_interval"] = int(rng.integers(1, 12))
        kw["reset_offset"] = int(rng.integers(0, kw["reset_interval"]))
    if model != "if":
        kw["decay_v"] = rng.integers(0, 4097, size=size) / 4096
    if model == "cuba":
        kw["decay_u"] = rng.integers(0, 4097, size=size) / 4096
    if model == "klif":
        kw["scale_k"] = rng.integers(2048, 6000, size=size) / 4096
        kw["v_min"] = 0.0
    elif rng.random() < 0.3:
        kw["v_min"] = -float(rng.integers(0, v_max // 2))
    v_init = rng.integers(-thr.max(), thr.max() + 1, size=size) * (rng.random() < 0.5)
    if kw.get("v_min") is not None:
        v_init = np.maximum(v_init, kw["v_min"])
    kw["v_init"] = v_init
    return Population(name, (size,), neuron(model, size, where=name, **kw))


def random_conv_case(rng, w_max, v_max):
    """Populations and projections of a small conv -> sum-pool network on a (C, H, W) input."""
    from neuroemu.ir import conv_output_shape

    c_in, h, w = int(rng.integers(1, 3)), int(rng.integers(3, 7)), int(rng.integers(3, 7))
    k = int(rng.integers(1, 4))
    stride, pad = int(rng.integers(1, 3)), int(rng.integers(0, 2))
    groups = int(rng.choice([1, c_in]))
    c_out = groups * int(rng.integers(1, 3))
    shape = conv_output_shape((c_in, h, w), c_out, (k, k), (stride, stride), (pad, pad), (1, 1))
    if min(shape[1:]) < 1:
        k, stride, pad = 1, 1, 0
        shape = (c_out, h, w)
    conv = random_population(rng, "conv", int(np.prod(shape)), w_max, v_max)
    conv = Population("conv", shape, conv.neuron)
    kp = 2 if min(shape[1:]) >= 2 else 1
    pooled = (c_out, shape[1] // kp, shape[2] // kp)
    pool = random_population(rng, "pool", int(np.prod(pooled)), w_max, v_max)
    pool = Population("pool", pooled, pool.neuron)
    weight = rng.integers(-w_max - 1, w_max + 1, size=(c_out, c_in // groups, k, k))
    projs = [
        projection("c", "in", "conv", "conv2d", weight, stride=stride, padding=pad,
                   groups=groups, delay=int(rng.integers(1, 4))),
        projection("p", "conv", "pool", "sumpool2d", int(rng.integers(1, w_max + 1)),
                   kernel=kp, stride=kp, delay=int(rng.integers(1, 3))),
    ]
    return (c_in, h, w), [conv, pool], projs


def random_case(rng, max_pops: int = 4, max_size: int = 12, max_ticks: int = 40,
                sparse: bool = False):
    """(config, stimulus, ticks) of a random network with random input spikes.

    ``sparse``: up to 4x larger populations with about one input event per tick,
    so that ticks where many neurons are due alternate with ticks where few are
    (the event kernel switches between its two ways of updating).
    """
    if sparse:
        max_size *= 4
    prof = random_profile(rng)
    if rng.random() < 0.2:
        w_max = (1 << (prof.w_bits - 1)) - 1
        v_max = (1 << (prof.v_bits - 1)) - 1
        in_shape, pops, projs = random_conv_case(rng, w_max, v_max)
        pops = [Population("in", in_shape)] + pops
        net = Network("random_conv", tuple(pops), tuple(projs), input="in",
                      readout=Readout("pool", "count"))
        cfg = map_network(net, prof)
        ticks = int(rng.integers(1, max_ticks))
        n_in = pops[0].size
        n_ev = int(rng.integers(0, 2 * ticks * n_in + 1))
        stim = make_stimulus(rng.integers(0, ticks, n_ev), rng.integers(0, n_in, n_ev), n_in)
        return cfg, stim, ticks
    w_max = (1 << (prof.w_bits - 1)) - 1
    v_max = (1 << (prof.v_bits - 1)) - 1
    n_in = int(rng.integers(1, max_size))
    pops = [Population("in", (n_in,))]
    n_pops = int(rng.integers(1, max_pops + 1))
    for i in range(n_pops):
        pops.append(random_population(rng, f"p{i}", int(rng.integers(1, max_size)), w_max, v_max))
    projs = []
    for k in range(int(rng.integers(1, 2 * n_pops + 2))):
        src = pops[int(rng.integers(0, len(pops)))]
        tgt = pops[int(rng.integers(1, len(pops)))]
        delay = int(rng.integers(1, 5))
        exp = int(rng.integers(0, 3))
        if rng.random() < 0.5:
            w = rng.integers(-w_max - 1, w_max + 1, size=(tgt.size, src.size))
            projs.append(projection(f"w{k}", src.name, tgt.name, "dense", w, delay=delay,
                                    weight_exp=exp))
        else:
            nnz = int(rng.integers(0, src.size * tgt.size + 1))
            projs.append(projection(
                f"w{k}", src.name, tgt.name, "sparse",
                rng.integers(-w_max - 1, w_max + 1, size=nnz),
                src=rng.integers(0, src.size, nnz), tgt=rng.integers(0, tgt.size, nnz),
                delay=delay, weight_exp=exp))
    net = Network("random", tuple(pops), tuple(projs), input="in",
                  readout=Readout(pops[-1].name, str(rng.choice(["count", "first_spike",
                                                                  "last_membrane",
                                                                  "mean_membrane"]))))
    cfg = map_network(net, prof)
    ticks = int(rng.integers(1, max_ticks))
    n_ev = int(rng.integers(0, (ticks if sparse else 3 * ticks * n_in) + 1))
    stim = make_stimulus(rng.integers(0, ticks, n_ev), rng.integers(0, n_in, n_ev), n_in,
                         value=rng.integers(1, 3, n_ev))
    return cfg, stim, ticks
