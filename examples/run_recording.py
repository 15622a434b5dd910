"""Run the shipped N-MNIST spiking CNN on a real recording of a "4" and read the result.

    python examples/run_recording.py
"""

from pathlib import Path

import neuroemu as ne

ROOT = Path(__file__).resolve().parents[1]

net = ne.load(ROOT / "models" / "nmnist_cnn.h5")
res = ne.run(net, ROOT / "traces" / "nmnist_4.aedat")

print(res)
print("class:", res.readout(), "from", res.readout_kind, "of", res.readout_population)
print("spikes per population:", res.spike_counts())
print("synaptic operations:", res.counters["synaptic_ops"])
energy = res.energy()
print(f"energy on {energy.profile}: {energy.total_j * 1e6:.1f} uJ "
      f"(papers' 0.9 pJ/AC convention: {energy.convention_j * 1e6:.2f} uJ); "
      f"latency {res.latency_s * 1e3:.2f} ms")
tick, neuron = res.spikes("conv1")
print(f"conv1 fired {tick.size} spikes, the first at tick {tick.min()}")
