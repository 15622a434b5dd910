"""Dataset evaluation and sweeps on Dask: thousands of recordings, one row each.

:func:`evaluate` runs a network on every recording of a dataset (a folder of
label sub-folders, a CSV of file,label, a glob) and :func:`sweep` does so at
every point of a grid of run options; both on a Dask cluster (a local one by
default), writing Parquet rows as they arrive, resumable after an
interruption. :mod:`.runner` says how; :mod:`.inputs` what a dataset is;
:mod:`.tasks` what a worker does; :mod:`.store` how rows reach the disk;
:mod:`.summary` what they add up to.

Importing this package does not import Dask or pyarrow; an evaluation does.
"""

from .runner import Evaluation, evaluate, sweep
from .store import read_rows

__all__ = ["Evaluation", "evaluate", "read_rows", "sweep"]
