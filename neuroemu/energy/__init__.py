"""Energy and latency of a run: counters x hardware profile -> joules and seconds.

:func:`price` is the entry point (:mod:`.model`); :mod:`.costs` reads and
checks a profile's ``[energy]`` and ``[latency]`` tables, :mod:`.latency`
turns per-tick work into chip time, :mod:`.neurobench` computes NeuroBench's
metrics, :mod:`.fits` checks that a chip can hold the network it prices, and
:mod:`.anchors` sets predictions beside measured silicon
(``tools/validate_energy.py``). Nothing here re-runs a network: a saved trace
prices the same as the live run. Energy has three levels (:data:`LEVELS`): the
cores' operations, the chip's dynamic energy, and the total with static power.
"""

from .costs import Costs, load_costs
from .model import CATEGORIES, LEVELS, price

__all__ = ["CATEGORIES", "LEVELS", "Costs", "load_costs", "price"]
