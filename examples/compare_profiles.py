"""One run, priced on every chip profile that can hold the network: the counts stay, the
joules change (a chip too small for it is named with the limit it breaks).

    python examples/compare_profiles.py
"""

from pathlib import Path

import neuroemu as ne

ROOT = Path(__file__).resolve().parents[1]

res = ne.run(ROOT / "models" / "nmnist_cnn.h5", ROOT / "traces" / "nmnist_4.aedat",
             profile="loihi")
print(f"{res.counters['synaptic_ops']} synaptic operations, "
      f"{sum(res.spike_counts().values())} spikes, on {res.n_cores} cores")
print(f"{'profile':<14}{'total (uJ)':>12}{'ops (uJ)':>10}{'latency (ms)':>14}  "
      "what the per-operation figures are")
for name in ne.profiles():
    try:
        e = res.energy(name)
    except ne.MappingError as exc:
        print(f"{name:<14}{'-':>12}{'-':>10}{'-':>14}  cannot hold the network: "
              f"{str(exc).split('(', 1)[1].split(';')[0]}")
        continue
    kind = f"{e.report['evidence']}, {e.report['scope']}"
    print(f"{name:<14}{e.total_j * 1e6:>12.3f}{e.operations_j * 1e6:>10.3f}"
          f"{e.latency_s * 1e3:>14.3f}  {kind}")
