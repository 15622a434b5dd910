"""Write the small example network ``models/example.h5`` and its input ``traces/example_input.npz``.

The network tells the direction of a bar moving across an 8 x 8 sensor: 64
inputs, 4 direction-selective LIF neurons each fed by a delay line (a neuron
fires when successive rows or columns arrive together), read out by spike
count. The input is a bar moving right. Integer weights, so it runs bit-exactly
on every profile.

    python tools/make_example.py
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from neuroemu.ir import Network, Population, Readout, neuron, projection
from neuroemu.networks.network_h5 import write_network

ROOT = Path(__file__).resolve().parents[1]
SIDE = 8
DIRECTIONS = ("right", "left", "down", "up")


def build() -> Network:
    """4 detectors; detector d sees position k of its axis with delay SIDE - k (or k + 1)."""
    src, tgt, delay = [], [], []
    for d, name in enumerate(DIRECTIONS):
        for y in range(SIDE):
            for x in range(SIDE):
                k = {"right": x, "left": SIDE - 1 - x, "down": y, "up": SIDE - 1 - y}[name]
                src.append(y * SIDE + x)
                tgt.append(d)
                delay.append(SIDE - k)  # the bar's first position waits longest
    src, tgt, delay = map(np.asarray, (src, tgt, delay))
    projs = tuple(
        projection(f"delay{dl}", "sensor", "direction", "sparse",
                   np.full(np.count_nonzero(delay == dl), 3), src=src[delay == dl],
                   tgt=tgt[delay == dl], delay=int(dl))
        for dl in np.unique(delay)
    )
    pops = (
        Population("sensor", (1, SIDE, SIDE)),
        Population("direction", (4,), neuron("lif", 4, threshold=100, decay_v=0.5,
                                             where="direction")),
    )
    return Network("bar_direction", pops, projs, input="sensor",
                   readout=Readout("direction", "count"),
                   meta=(("classes", ",".join(DIRECTIONS)),))


def bar_moving_right(repeats: int = 3, tick_us: int = 1000) -> np.ndarray:
    """Sensor events (t µs, x, y, p) of a vertical bar sweeping left to right."""
    rows = []
    for r in range(repeats):
        for x in range(SIDE):
            t = (r * (SIDE + 4) + x) * tick_us
            rows += [(t + 10 * y, x, y, 1) for y in range(SIDE)]
    ev = np.zeros(len(rows), dtype=[("t", "<i8"), ("x", "<u2"), ("y", "<u2"), ("p", "u1")])
    for i, row in enumerate(rows):
        ev[i] = row
    return ev


def main() -> None:
    write_network(ROOT / "models" / "example.h5", build(), profile="loihi")
    np.savez(ROOT / "traces" / "example_input.npz", events=bar_moving_right())
    print("wrote models/example.h5 and traces/example_input.npz")


if __name__ == "__main__":
    main()
