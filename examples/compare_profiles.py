"""One run, priced on every chip profile: the counts stay, the joules change.

    python examples/compare_profiles.py
"""

from pathlib import Path

import neuroemu as ne

ROOT = Path(__file__).resolve().parents[1]

res = ne.run(ROOT / "models" / "nmnist_cnn.h5", ROOT / "traces" / "nmnist_4.aedat",
             profile="loihi")
print(f"{res.counters['synaptic_ops']} synaptic operations, "
      f"{sum(res.spike_counts().values())} spikes, on {res.n_cores} cores")
print(f"{'profile':<14}{'energy (uJ)':>12}{'latency (ms)':>14}  what the figures are")
for name in ne.profiles():
    e = res.energy(name)
    kind = f"{e.report['evidence']}, {e.report['scope']}"
    print(f"{name:<14}{e.total_j * 1e6:>12.3f}{e.latency_s * 1e3:>14.3f}  {kind}")
