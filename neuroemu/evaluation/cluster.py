"""The Dask cluster an evaluation runs on: the caller's, one at an address, or a local one.

* ``client=``: a :class:`distributed.Client` the caller made (and closes);
* ``scheduler='tcp://host:8786'``: an existing cluster (``dask scheduler`` and
  ``dask worker`` started elsewhere, or any Dask deployment); its workers must
  have neuroemu installed and see the recordings at the paths the client gives;
* neither: a :class:`distributed.LocalCluster` on this machine, one process per
  worker (``workers``, default: the machine's cores) with one thread each, since
  a run is single-threaded and holds the GIL; no dashboard (no port to clash).

Dask's own log lines below warnings are silenced, so the command line's output
stays the summary.
"""

from __future__ import annotations

import logging
import os
from contextlib import contextmanager

from ..errors import InputError, NeuroemuError

#: seconds to wait for a scheduler to answer, and for a worker to join it
CONNECT_S = 20


def default_workers() -> int:
    """Worker processes of a local cluster: the cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def quiet_dask() -> None:
    """Silence Dask's informational log lines (keep its warnings and errors)."""
    for name in ("distributed", "dask"):
        logging.getLogger(name).setLevel(logging.WARNING)


def describe(client, local: bool) -> str:
    """'2 workers', or '3 workers (12 threads) at tcp://...' for a cluster elsewhere."""
    threads = client.nthreads()
    n, t = len(threads), sum(threads.values())
    text = f"{n} worker{'s' * (n != 1)}" + (f" ({t} threads)" if t != n else "")
    return text if local else f"{text} at {client.scheduler.address}"


def check_choice(client=None, workers: int | None = None, scheduler: str | None = None):
    """Refuse, before any work, a cluster asked for in two ways or ``workers`` below 1."""
    if workers is not None and (isinstance(workers, bool) or int(workers) != workers
                                or workers < 1):
        raise InputError(f"--workers {workers}: expected a whole number >= 1")
    if client is not None and (workers is not None or scheduler is not None):
        raise InputError("client: give a client, or workers / scheduler, not both")
    if workers is not None and scheduler is not None:
        raise InputError(f"--workers {workers} and --scheduler {scheduler}: a scheduler's "
                         "cluster has its own workers; give one of them")


def local_cluster(workers: int):
    """A :class:`distributed.LocalCluster` of ``workers`` processes of one thread each, on
    127.0.0.1, without a dashboard; its scheduler's HTTP endpoints (health, metrics) take
    a free port rather than 8787, so that clusters side by side do not clash or warn."""
    from distributed import LocalCluster

    return LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                        host="127.0.0.1", dashboard_address=None,
                        scheduler_kwargs={"dashboard": False,
                                          "dashboard_address": "127.0.0.1:0"},
                        silence_logs=logging.WARNING)


@contextmanager
def open_client(client=None, workers: int | None = None, scheduler: str | None = None):
    """The :class:`distributed.Client` to run on (module docstring); closes what it opened.

    Raises
    ------
    InputError
        ``workers`` below 1, both ``workers`` and ``scheduler``, or a scheduler that
        does not answer or has no worker.
    """
    check_choice(client, workers, scheduler)
    if client is not None:
        yield client
        return
    quiet_dask()
    from distributed import Client

    if scheduler is not None:
        try:
            own = Client(scheduler, timeout=CONNECT_S)
        except (OSError, TimeoutError, ValueError) as exc:
            raise InputError(f"--scheduler {scheduler}: no Dask scheduler answered within "
                             f"{CONNECT_S} s ({exc})") from None
        try:
            try:
                own.wait_for_workers(1, timeout=CONNECT_S)
            except (OSError, TimeoutError) as exc:
                raise InputError(f"--scheduler {scheduler}: the scheduler has no worker "
                                 f"(none joined within {CONNECT_S} s; start one with "
                                 f"'dask worker {scheduler}')") from exc
            yield own
        finally:
            own.close()
        return
    n = int(workers or default_workers())
    try:
        cluster = local_cluster(n)
    except RuntimeError as exc:
        raise NeuroemuError(
            f"could not start {n} local Dask worker{'s' * (n != 1)} ({exc}); a script that "
            "calls neuroemu.evaluate or neuroemu.sweep must call it under "
            "'if __name__ == \"__main__\":', since each worker is a new Python process that "
            "imports the script") from None
    try:
        own = Client(cluster)
        try:
            yield own
        finally:
            own.close()
    finally:
        cluster.close()
