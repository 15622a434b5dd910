"""Energy and latency of a run: counters x hardware profile -> joules and seconds.

:func:`price` is the entry point (:mod:`.model`); :mod:`.costs` reads and
checks a profile's ``[energy]`` and ``[latency]`` tables, :mod:`.latency`
turns per-tick work into chip time, :mod:`.neurobench` computes NeuroBench's
metrics. Nothing here re-runs a network: a saved trace prices the same as the
live run.
"""

from .costs import Costs, load_costs
from .model import CATEGORIES, price

__all__ = ["CATEGORIES", "Costs", "load_costs", "price"]
