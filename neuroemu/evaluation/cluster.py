"""The Dask cluster an evaluation runs on: the caller's, one at an address, or a local one.

* ``client=``: a :class:`distributed.Client` the caller made (and closes);
* ``scheduler='tcp://host:8786'``: an existing cluster (``dask scheduler`` and
  ``dask worker`` started elsewhere, or any Dask deployment); its workers must
  have neuroemu installed and see the recordings at the paths the client gives;
* neither: a :class:`distributed.LocalCluster` on this machine, one process per
  worker (``workers``, default: the machine's cores) with one thread each, since
  a run is single-threaded and holds the GIL; no dashboard (no port to clash).
  It starts in a background thread (:class:`StartingCluster`) while the client
  reads and maps the network and lists the recordings, and each worker loads the
  event kernel from numba's disk cache as soon as it is up, so neither waits
  for the other.

Dask's own log lines below warnings are silenced, so the command line's output
stays the summary.
"""

from __future__ import annotations

import logging
import os
import threading
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


def start_method() -> str:
    """How a local cluster's worker processes start: 'forkserver' where the platform has
    one (Linux, macOS), else 'spawn'."""
    import multiprocessing

    return "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"


def start_fork_server() -> None:
    """Start the fork server local workers are forked from (:func:`local_cluster`) now, if
    the platform has one and it is not running: it boots (imports distributed and the
    engine, loads the kernel: most of a new cluster's start) while the caller goes on."""
    if start_method() != "forkserver":
        return
    import multiprocessing
    from multiprocessing import forkserver

    multiprocessing.get_context("forkserver").set_forkserver_preload(PRELOAD)
    forkserver.ensure_running()


#: what the fork server imports before it forks a worker
PRELOAD = ["distributed", f"{__package__}.preload"]


def local_cluster(workers: int):
    """A :class:`distributed.LocalCluster` of ``workers`` processes of one thread each, on
    127.0.0.1, without a dashboard; its scheduler's HTTP endpoints (health, metrics) take
    a free port rather than 8787, so that clusters side by side do not clash or warn.

    With a fork server (:func:`start_method`), the worker processes are forked from it,
    and it imports the engine and loads the event kernel before forking (compiling it
    into numba's disk cache if it is not there: :mod:`.preload`): a worker then starts in
    a fraction of a second with the kernel loaded, where a spawned one (without a fork
    server, and a worker Dask restarts) imports everything anew.
    """
    import dask
    from distributed import LocalCluster

    method = start_method()
    with dask.config.set({"distributed.worker.multiprocessing-method": method}):
        if method == "forkserver":
            from distributed.utils import get_mp_context

            # after Dask's own choice (made once per process), so that it stays ours
            get_mp_context().set_forkserver_preload(PRELOAD)
        return LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                            host="127.0.0.1", dashboard_address=None,
                            scheduler_kwargs={"dashboard": False,
                                              "dashboard_address": "127.0.0.1:0"},
                            silence_logs=logging.WARNING)


def _not_started(n: int, exc: Exception) -> NeuroemuError:
    return NeuroemuError(
        f"could not start {n} local Dask worker{'s' * (n != 1)} ({exc}); a script that "
        "calls neuroemu.evaluate or neuroemu.sweep must call it under "
        "'if __name__ == \"__main__\":', since each worker is a new Python process that "
        "imports the script")


def load_kernel():
    """Import the engine and load the event kernel from numba's disk cache (compiling it
    there if it is missing): a one-tick run of a one-neuron network, returned."""
    from ..api import run
    from ..ir.network import Network, Population, neuron

    net = Network("warm", (Population("a", (1,), neuron("if", 1)),), ())
    return run(net, None, ticks=1, progress=False)


COMPILING = ("compiling the event kernel (the first run after installing or upgrading, "
             "about 15 s; cached on disk, and used from there by every worker)")


class StartingCluster:
    """A local cluster of ``workers`` processes starting in a background thread.

    The client's own preparation runs meanwhile; :meth:`client` waits for the
    cluster (and, with ``warm``, for every worker to have the event kernel:
    :func:`load_kernel`); :meth:`close` stops it. The kernel is compiled once if
    numba's disk cache lacks it: by the fork server before it forks the workers, or
    without one, here before the workers start (so that each loads it rather than
    compiling it); ``note`` (a callable taking a text) is told so.
    """

    def __init__(self, workers: int, warm: bool, note=None):
        quiet_dask()
        self.workers = int(workers)
        self.method = start_method()
        start_fork_server()
        self._warm, self._note = warm, note or (lambda text: None)
        self._cluster = self._client = self._error = None
        self._thread = threading.Thread(target=self._start, daemon=True,
                                        name="neuroemu-local-cluster")
        self._thread.start()

    def _start(self) -> None:
        from distributed import Client

        try:
            if self._warm and self.method == "spawn" and _kernel_compiles():
                self._note(COMPILING)
                load_kernel()
            self._cluster = local_cluster(self.workers)
            self._client = Client(self._cluster)
            if self._warm:
                self._client.run(load_kernel)
        except Exception as exc:  # noqa: BLE001 - handed to the caller by client()
            self._error = exc

    def client(self):
        """The started cluster's client.

        Raises
        ------
        NeuroemuError
            The cluster did not start (e.g. a script without a ``__main__`` guard).
        """
        if self._warm and self.method == "forkserver" and self._thread.is_alive() and \
                _kernel_compiles():  # the fork server is compiling it now
            self._note(COMPILING)
        self._thread.join()
        if self._error is not None:
            if isinstance(self._error, RuntimeError):
                raise _not_started(self.workers, self._error) from None
            raise self._error
        return self._client

    def close(self) -> None:
        """Stop the cluster (after it has finished starting); once."""
        self._thread.join()
        client, cluster, self._client, self._cluster = self._client, self._cluster, None, None
        try:
            if client is not None:
                client.close()
        finally:
            if cluster is not None:
                cluster.close()


def _kernel_compiles() -> bool:
    from ..engine.event import kernel_compiles

    return kernel_compiles()


@contextmanager
def open_client(client=None, workers: int | None = None, scheduler: str | None = None,
                starting: StartingCluster | None = None):
    """The :class:`distributed.Client` to run on (module docstring); closes what it opened.

    ``starting``: a local cluster already starting (:class:`StartingCluster`), used and
    closed here instead of starting one.

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
    if starting is not None:
        try:
            yield starting.client()
        finally:
            starting.close()
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
        raise _not_started(n, exc) from None
    try:
        own = Client(cluster)
        try:
            yield own
        finally:
            own.close()
    finally:
        cluster.close()
