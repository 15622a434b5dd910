"""Record a layer's membrane at every tick and follow one neuron to its spikes.

    python examples/record_registers.py [--plot membrane.png]

The registers stream to an HDF5 file while the run goes (none is held in memory
until asked for), so long recordings of whole layers fit.
"""

import argparse
from pathlib import Path

import numpy as np

import neuroemu as ne

ROOT = Path(__file__).resolve().parents[1]
parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--plot", default=None, help="write the neuron's membrane as a PNG")
args = parser.parse_args()

net = ne.load(ROOT / "models" / "nmnist_cnn.h5")
res = ne.run(net, ROOT / "traces" / "nmnist_4.aedat", record=["fc1.v"])
v = res.registers("fc1", "v")  # (ticks, neurons), int32 register values
tick, neuron = res.spikes("fc1")
busiest = int(np.bincount(neuron, minlength=v.shape[1]).argmax())
fired = tick[neuron == busiest]
print(f"fc1: {v.shape[1]} neurons over {v.shape[0]} ticks; neuron {busiest} fired "
      f"{fired.size} times, first at tick {fired.min()}")
print(f"its membrane ranged {v[:, busiest].min()}..{v[:, busiest].max()} (register units)")
if args.plot:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 3), layout="constrained")
    ax.plot(v[:, busiest], lw=0.8, label="v")
    ax.vlines(fired, v[:, busiest].min(), v[:, busiest].max(), colors="r", lw=0.5,
              label="spikes")
    ax.set_xlabel("tick")
    ax.set_ylabel("membrane (register units)")
    ax.set_title(f"fc1 neuron {busiest} on the N-MNIST digit")
    ax.legend()
    fig.savefig(args.plot, dpi=100)
    print(f"plot: {args.plot}")
