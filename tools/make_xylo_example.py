"""Write models/xylo_example.h5: a small network built for one Xylo Audio 2 core.

16 input channels (a 4 x 4 grid: an event recording cropped to 32 x 32 and
downsampled by 8, polarities merged) -> 64 hidden 'xylo' neurons with two
synaptic currents and sparse recurrent weights -> 8 output neurons, read out
by spike count. The weights are drawn from a seeded generator: the network is
an example of the chip's limits and costs, not a trained classifier.

    python tools/make_xylo_example.py [OUT.h5]
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from neuroemu.ir import network as irn
from neuroemu.networks.network_h5 import write_network

SEED = 61201


def build() -> irn.Network:
    rng = np.random.default_rng(SEED)
    n_in, n_hid, n_out = (4, 4), 64, 8

    def sparse(shape, density, lo=-60, hi=100):
        return np.where(rng.random(shape) < density, rng.integers(lo, hi, shape), 0)

    hidden = irn.neuron("xylo", n_hid, threshold=rng.integers(800, 2000, n_hid), reset="subtract",
                        dash_v=rng.integers(2, 6, n_hid), dash_u=rng.integers(1, 4, n_hid),
                        dash_u2=rng.integers(3, 7, n_hid), max_spikes=31)
    out = irn.neuron("xylo", n_out, threshold=4000, reset="subtract", dash_v=4, dash_u=3)
    projs = (
        irn.projection("in_fast", "input", "hidden", "dense", sparse((n_hid, 16), 0.4),
                       weight_exp=0),
        irn.projection("in_slow", "input", "hidden", "dense", sparse((n_hid, 16), 0.3),
                       weight_exp=0, synapse=1),
        irn.projection("recurrent", "hidden", "hidden", "dense",
                       sparse((n_hid, n_hid), 0.1, -100, 60), weight_exp=2),
        irn.projection("readout", "hidden", "output", "dense",
                       sparse((n_out, n_hid), 0.5, -100, 100), weight_exp=0),
    )
    return irn.Network(
        name="xylo_example",
        populations=(irn.Population("input", n_in), irn.Population("hidden", (n_hid,), hidden),
                     irn.Population("output", (n_out,), out)),
        projections=projs, input="input", readout=irn.Readout("output", "count"))


if __name__ == "__main__":
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else (
        Path(__file__).resolve().parents[1] / "models" / "xylo_example.h5")
    write_network(path, build(), profile="xylo")
    print(f"wrote {path}")
