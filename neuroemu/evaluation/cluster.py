"""The Dask cluster an evaluation runs on: the caller's, one at an address, or a local one.

* ``client=``: a :class:`distributed.Client` the caller made (and closes);
* ``scheduler='tcp://host:8786'``: an existing cluster (``dask scheduler`` and
  ``dask worker`` started elsewhere, or any Dask deployment); its workers must
  have neuroemu installed and see the recordings at the paths the client gives;
* neither: a :class:`distributed.LocalCluster` on this machine, one process per
  worker (``workers``, default: the machine's cores) with one thread each, since
  a run is single-threaded and holds the GIL; no dashboard (no port to clash).
  On Linux its workers are forked from a fork server, started first thing
  (:func:`prepare_local`) so that it boots (imports distributed and the engine,
  loads the event kernel) while the client reads and maps the network and lists
  the recordings; the cluster itself starts only when there is something to run
  (:func:`open_client`). Elsewhere workers are spawned, and each loads the kernel.

Dask's own log lines below warnings are silenced, so the command line's output
stays the summary.
"""

from __future__ import annotations

import logging
import threading
from contextlib import contextmanager

from ..cores import check_count, usable_cores
from ..errors import InputError, NeuroemuError

#: seconds to wait for a scheduler to answer, and for a worker to join it
CONNECT_S = 20


def default_workers() -> int:
    """Worker processes of a local cluster: the cores this process may use."""
    return usable_cores()


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
    if workers is not None:
        check_count(workers, "--workers")
    if client is not None and (workers is not None or scheduler is not None):
        raise InputError("client: give a client, or workers / scheduler, not both")
    if workers is not None and scheduler is not None:
        raise InputError(f"--workers {workers} and --scheduler {scheduler}: a scheduler's "
                         "cluster has its own workers; give one of them")


def start_method() -> str:
    """How a local cluster's worker processes start: 'forkserver' on Linux, else 'spawn'
    (Python's default on macOS and Windows, where forking a process that has loaded
    numerical libraries is not safe)."""
    import multiprocessing
    import sys

    return ("forkserver" if sys.platform.startswith("linux")
            and "forkserver" in multiprocessing.get_all_start_methods() else "spawn")


#: what the fork server imports before it forks a worker, without and with the kernel
PRELOAD = {False: ["distributed"], True: ["distributed", f"{__package__}.preload"]}


def prepare_local(warm: bool, note=None) -> None:
    """Before an evaluation's own preparation: start the fork server local workers are
    forked from (:func:`local_cluster`; with ``warm``, it loads the event kernel, compiling
    it into numba's disk cache if it is not there), and import distributed, in the
    background. Nothing is waited for; abandoned (an error, nothing to run), both cost
    nothing more. ``note`` (a callable taking a text) is told if the kernel compiles."""
    if start_method() == "forkserver":
        import multiprocessing
        from multiprocessing import forkserver

        multiprocessing.get_context("forkserver").set_forkserver_preload(PRELOAD[warm])
        forkserver.ensure_running()  # no effect if it runs already

    def background():
        import distributed  # noqa: F401 - imported here, off the caller's path

        if warm and start_method() == "forkserver" and _kernel_compiles():
            (note or (lambda text: None))(_compiling())

    threading.Thread(target=background, daemon=True, name="neuroemu-prepare").start()


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
            get_mp_context().set_forkserver_preload(PRELOAD[True])
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
    # one thread: the pool started here cannot run in the workers forked from this
    # process (they run on one thread whatever they ask: engine.event.check_threads)
    return run(net, None, ticks=1, threads=1, progress=False)


def warm_worker() -> None:
    """On a worker: :func:`load_kernel`, returning nothing to send back."""
    load_kernel()


def _kernel_compiles() -> bool:
    from ..engine.event import kernel_compiles

    return kernel_compiles()


def _compiling() -> str:
    from ..engine.event import compile_note

    return compile_note("cached on disk, and used from there by every worker")


@contextmanager
def open_client(client=None, workers: int | None = None, scheduler: str | None = None,
                warm: bool = False, note=None):
    """The :class:`distributed.Client` to run on (module docstring); closes what it opened.

    ``warm``: a local cluster's workers load the event kernel before any task (where the
    fork server has not done it already), compiled once beforehand if numba's cache lacks
    it (``note``, a callable taking a text, is told).

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
    if warm and start_method() == "spawn" and _kernel_compiles():
        (note or (lambda text: None))(_compiling())  # once here, then loaded by every worker
        load_kernel()
    try:
        cluster = local_cluster(n)
    except RuntimeError as exc:
        raise _not_started(n, exc) from None
    try:
        own = Client(cluster)
        try:
            if warm:
                own.run(warm_worker)  # a no-op where the fork server has loaded it
            yield own
        finally:
            own.close()
    finally:
        cluster.close()
