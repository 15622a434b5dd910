"""Imported by a local cluster's fork server before it forks any worker
(:func:`.cluster.local_cluster`): the engine, the event kernel (loaded here from
numba's disk cache once) and the energy model are in every worker from its start,
so that no worker imports or loads them again.

Everything loaded here is then moved out of the garbage collector's reach
(:func:`gc.freeze`): the collector no longer walks it in the fork server and its
workers, nor when they exit (the fork server's exit took 0.3 s more without, and a
command whose output is read through a pipe waits for it)."""

import gc

from .cluster import load_kernel

try:
    load_kernel().energy()
except Exception:  # noqa: BLE001 - then each worker loads the kernel on its first run
    pass
gc.freeze()
