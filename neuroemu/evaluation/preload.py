"""Imported by a local cluster's fork server before it forks any worker
(:func:`.cluster.local_cluster`): the engine, the event kernel (loaded here from
numba's disk cache once) and the energy model are in every worker from its start,
so that no worker imports or loads them again."""

from .cluster import load_kernel

try:
    load_kernel().energy()
except Exception:  # noqa: BLE001 - then each worker loads the kernel on its first run
    pass
