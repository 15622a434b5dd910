"""Evaluate a network on a dataset of recordings, or sweep run options over a grid, on Dask.

::

    import neuroemu as ne

    ev = ne.evaluate("models/nmnist_cnn.h5", "NMNIST/Test", workers=2, out="results.parquet")
    ev.summary["accuracy"], ev.summary["energy_j"]["p95"]
    ev.table                     # pyarrow.Table: one row per recording, sorted by file
    ev.save_figure("confusion.png")

    sw = ne.sweep("models/nmnist_cnn.h5", "NMNIST/Test",
                  {"profile": ["loihi", "generic"], "tick_us": [500, 1000]})
    sw.summary["points"]         # accuracy, energy and latency per grid point

A script that starts a local cluster (no ``client`` or ``scheduler``) must call
these under ``if __name__ == "__main__":``, as with :mod:`multiprocessing`: each
worker is a new Python process that imports the script.

How it runs:

1. A local cluster's fork server starts booting (:mod:`.cluster`). Meanwhile, on
   the client: the network is loaded and mapped on each point's profile
   and on each profile it is priced on (a network that does not fit is refused
   before any work; in a sweep, that point's rows are error rows), every run
   option is checked as :func:`neuroemu.run` would, and the recordings are
   listed (:mod:`.inputs`).
2. With ``out`` and ``resume``, rows already finished are read back
   (:mod:`.store`); only the others run.
3. The rest is cut into batches of consecutive recordings by file size, each
   about 1 / (2 x worker threads) of what remains (guided scheduling), but none
   below 1 / (:data:`TASKS_PER_THREAD` x threads) of the whole or 1/8 of
   :data:`MAX_BATCH` mean recordings, nor above :data:`MAX_BATCH` recordings:
   few tasks, so the scheduler's cost per task (a few milliseconds) stays small
   beside the runs, and small ones at the end, so the workers finish together.
   At most :data:`IN_FLIGHT` batches per worker thread are submitted at a time,
   the next as one finishes. The network goes to every worker once
   (``client.scatter(..., broadcast=True)``); a task
   (:func:`.tasks.run_batch`) calls :func:`neuroemu.run` per recording, and
   the worker keeps the mapping and the compiled kernel between tasks (and the
   network, by digest, between evaluations).
4. Rows are written as each task finishes (:mod:`.store`), and counted on a
   progress bar with rate and ETA. A worker that dies has its tasks run again
   elsewhere (Dask's ``distributed.scheduler.allowed-failures``, 3 by default);
   a task that fails even so gives error rows that a resume runs again.
5. All rows are sorted by (point, file) and summarised (:mod:`.summary`).
   Each row is the same bits whatever the number of workers or the order
   tasks finish in; only ``wall_s`` (seconds the run took) differs.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import pickle
import time
from dataclasses import dataclass

from ..cores import check_count
from ..errors import InputError, MappingError, NeuroemuError

#: the smallest batch, when the batch size is left to the evaluation, is the whole
#: dataset's size / (this x worker threads)
TASKS_PER_THREAD = 40
#: most recordings in one task
MAX_BATCH = 64
#: tasks submitted and not yet finished, per worker thread
IN_FLIGHT = 2
ENGINES = ("event", "reference")


@dataclass(frozen=True, eq=False)
class Evaluation:
    """The outcome of :func:`evaluate` or :func:`sweep`.

    Attributes
    ----------
    table : pyarrow.Table
        One row per recording (per grid point in a sweep), sorted by (point,) file.
        Columns: ``file``, ``label``, ``pred`` (the readout's class; null when it gave
        none), a sweep's ``point`` and grid values, ``profile``, ``tick_us``,
        ``ticks``, ``input_events``, ``spikes_<population>``, ``synaptic_ops``,
        ``neuron_updates``, ``overflows``, ``energy_j`` and ``latency_s`` (on the
        profile run), ``energy_j_<profile>`` and ``latency_s_<profile>`` for each
        profile priced beside it, ``error`` (null, or why the recording gave no
        result) and ``wall_s`` (seconds its run took: the one column that differs
        between two evaluations of the same rows). ``table.to_pandas()`` with pandas.
    summary : dict
        :func:`.summary.summarize` of the rows (of each point, under ``points``, for
        a sweep), with ``n`` (rows), ``n_run`` (computed now), ``skipped_done``
        (found finished by ``resume``), ``wall_s`` (seconds, whole evaluation),
        ``workers`` and ``out``.
    points : list of dict
        The grid points of a sweep (one empty dict for an evaluation).
    """

    table: object
    summary: dict
    points: list
    out: str | None = None

    @property
    def is_sweep(self) -> bool:
        return "point" in self.table.column_names

    def to_pandas(self):
        """The table as a pandas DataFrame (needs pandas)."""
        try:
            return self.table.to_pandas()
        except ImportError:
            raise NeuroemuError("to_pandas needs pandas (pip install pandas); the table is "
                                "a pyarrow.Table") from None

    def save_figure(self, path) -> None:
        """Write the confusion matrix (an evaluation) or accuracy vs energy per point (a
        sweep) to ``path`` (PNG, or the format of its extension)."""
        from ..reports.evaluation import accuracy_energy_figure, confusion_figure

        if self.is_sweep:
            accuracy_energy_figure(
                [(point_label(p), s["accuracy"], (s["energy_j"] or {}).get("mean"))
                 for p, s in zip(self.points, self.summary["points"])], path,
                title=f"{self.summary['network']}: accuracy vs energy per inference")
            return
        if self.summary["confusion"] is None:
            raise InputError(f"{path}: no labelled recording ran, so there is no confusion "
                             "matrix to draw")
        confusion_figure(self.summary["confusion"], path,
                         title=f"{self.summary['network']} on {self.summary['profile']}")


def point_label(point: dict) -> str:
    """'profile=loihi tick_us=500' for a grid point."""
    return " ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}"
                    for k, v in point.items()) or "all"


def evaluate(network, inputs, labels=None, *, client=None, workers: int | None = None,
             scheduler: str | None = None, out=None, resume: bool = False,
             energy_profiles=(), batch_size: int | None = None, limit: int | None = None,
             progress=True, profile=None, ticks: int | None = None,
             tick_us: float | None = None, dt: float | None = None, engine: str = "event",
             on_overflow: str | None = None, seed: int = 0, crop=None, downsample: int = 1,
             polarity: str | None = None, flip_x: bool = False, flip_y: bool = False,
             start_us: float = 0, duration_us: float | None = None, binning: str = "count",
             lenient: bool = False, input_format: str | None = None) -> Evaluation:
    """Run ``network`` on every recording of a dataset, on Dask; one row per recording.

    Parameters
    ----------
    network : Network or path-like
        A network (:func:`neuroemu.load`) or its file (read with ``dt``).
    inputs : path-like, glob or sequence of path-like
        A folder of label sub-folders (``Test/<digit>/*.bin``), a CSV of
        ``file,label``, a glob, or a list of recordings (:mod:`.inputs`).
    labels : sequence or dict, optional
        The labels of a list of recordings.
    client : distributed.Client, optional
        Run on this client's cluster (left open).
    workers : int, optional
        Worker processes of the local cluster started when neither ``client`` nor
        ``scheduler`` is given (default: this machine's cores).
    scheduler : str, optional
        Address of an existing Dask scheduler (``tcp://host:8786``).
    out : path-like, optional
        Parquet file of the rows, written as they arrive (:mod:`.store`).
    resume : bool
        Keep the rows ``out`` already holds and compute only the others.
    energy_profiles : sequence of str or Profile
        Also price every run on these profiles (``energy_j_<name>`` columns).
    batch_size : int, optional
        Recordings per task (default: by size, module docstring).
    limit : int, optional
        Only the first ``limit`` recordings (by file).
    progress : bool
        Notes and a progress bar (rate, ETA) on stderr.
    profile, ticks, tick_us, dt, engine, on_overflow, seed, crop, downsample, polarity,
    flip_x, flip_y, start_us, duration_us, binning, lenient, input_format
        Each run's options, with :func:`neuroemu.run`'s defaults (``engine``: 'event'
        or 'reference'; ``on_overflow`` None is run's default: an overflow is counted
        in the row's ``overflows``).

    Returns
    -------
    Evaluation

    Raises
    ------
    InputError, MappingError, ProfileError
        Before any run: bad options, no recording, a network that does not fit the
        profile, resuming rows of another evaluation.
    """
    options = dict(profile=profile, ticks=ticks, tick_us=tick_us, dt=dt, engine=engine,
                   on_overflow=on_overflow, seed=seed, crop=crop, downsample=downsample,
                   polarity=polarity, flip_x=flip_x, flip_y=flip_y, start_us=start_us,
                   duration_us=duration_us, binning=binning, lenient=lenient,
                   input_format=input_format)
    return _evaluate(network, inputs, labels, None, options, client=client, workers=workers,
                     scheduler=scheduler, out=out, resume=resume,
                     energy_profiles=energy_profiles, batch_size=batch_size, limit=limit,
                     progress=progress)


def sweep(network, inputs, grid: dict, labels=None, **kwargs) -> Evaluation:
    """:func:`evaluate` at every point of a grid of run options, as one table.

    Parameters
    ----------
    grid : dict of str to sequence
        Run options and their values, e.g. ``{'profile': ['loihi', 'generic'],
        'tick_us': [500, 1000]}``; every combination is a point, in the order given
        (the last key varies fastest). Keys: :data:`.tasks.GRID_KEYS`.
    **kwargs
        :func:`evaluate`'s keywords; a grid key replaces its option.

    Returns
    -------
    Evaluation
        Rows by (point, file) with the point's values as columns; ``summary['points']``
        holds each point's summary, and :meth:`Evaluation.save_figure` draws accuracy
        against energy.
    """
    from .tasks import GRID_KEYS, grid_value

    if not isinstance(grid, dict) or not grid:
        raise InputError("--grid: give at least one KEY=VALUE,VALUE,... (e.g. "
                         "profile=loihi,generic)")
    points_of = {}
    for key, values in grid.items():
        if key not in GRID_KEYS:
            raise InputError(f"--grid {key}: not an option a sweep varies; one of "
                             f"{', '.join(GRID_KEYS)}")
        values = list(values) if isinstance(values, (list, tuple, range)) else [values]
        values = [grid_value(key, v) for v in values]
        if not values or len(set(map(repr, values))) != len(values):
            raise InputError(f"--grid {key}: expected distinct values, got {values!r}")
        points_of[key] = values
    runs = {k: kwargs.pop(k) for k in list(kwargs) if k in _RUN_OPTIONS}
    options = {**_RUN_DEFAULTS, **runs}
    points = [dict(zip(points_of, combo)) for combo in itertools.product(*points_of.values())]
    return _evaluate(network, inputs, labels, points, options, **kwargs)


_RUN_DEFAULTS = dict(profile=None, ticks=None, tick_us=None, dt=None, engine="event",
                     on_overflow=None, seed=0, crop=None, downsample=1, polarity=None,
                     flip_x=False, flip_y=False, start_us=0, duration_us=None,
                     binning="count", lenient=False, input_format=None)
_RUN_OPTIONS = tuple(_RUN_DEFAULTS)


def _digest(obj) -> str:
    """SHA-256 of ``obj``'s pickle: the same network read twice has the same digest."""
    return hashlib.sha256(pickle.dumps(obj, protocol=5)).hexdigest()


def _profile_key(prof) -> str:
    tables = json.dumps(prof.tables, sort_keys=True, default=str)
    return f"{prof.name}:{hashlib.sha256(tables.encode()).hexdigest()[:16]}"


def _extra_profiles(names) -> list:
    """The profiles priced beside each run's own, each name once."""
    from ..convert.evaluate import pricing_profiles

    return pricing_profiles(None, names)


def _check_holds(net, profiles) -> None:
    """Refuse a profile to price on that cannot hold the network (as ``neuroemu report``
    does): its figures would price a placement that chip cannot have."""
    from ..api import map_network

    for prof in profiles:
        try:
            map_network(net, prof)
        except MappingError as exc:
            raise MappingError(f"--energy-profile {prof.name}: profile {prof.name!r} cannot "
                               f"hold network {net.name!r} ({exc}); price on a chip that "
                               "holds it") from None


class _Point:
    """One point's run options, its row columns and (if it cannot run) why not."""

    def __init__(self, net, index: int, values: dict | None, options: dict, sweep: bool):
        from ..api import DEFAULT_ON_OVERFLOW, check_run_options, map_network, resolve_profile
        from .tasks import GRID_KEYS

        opts = {**options, **(values or {})}
        for key, kind in GRID_KEYS.items():  # 0 and 0.0 are one setting (the CLI gives 0.0)
            if kind in (int, float) and isinstance(opts.get(key), (int, float)) and \
                    not isinstance(opts[key], bool) and kind(opts[key]) == opts[key]:
                opts[key] = kind(opts[key])
        if opts["on_overflow"] is None:
            opts["on_overflow"] = DEFAULT_ON_OVERFLOW
        if opts["engine"] not in ENGINES:
            raise InputError(f"engine {opts['engine']!r}: an evaluation runs the chip, one of "
                             f"{', '.join(ENGINES)}")
        if net.input is None:
            raise InputError(f"network {net.name!r} has no input population; it cannot run "
                             "recordings")
        self.profile = resolve_profile(net, opts["profile"])
        step = check_run_options(net, **{**opts, "profile": self.profile})
        self.error = None
        try:
            map_network(net, self.profile)
        except MappingError as exc:
            if not sweep:
                raise
            self.error = str(exc)
        self.run_options = {**opts, "profile": self.profile, "tick_us": step}
        self.columns = {"profile": self.profile.name, "tick_us": step}
        if sweep:
            self.columns = {"point": index, **values, **self.columns}
        self.settings = {k: v for k, v in opts.items() if k != "profile"}
        self.settings.update(profile=_profile_key(self.profile), tick_us=step)


class _Batches:
    """``todo`` (``(point, item)`` in order) cut into batches ``(point, [items])`` of
    consecutive recordings of one point as they are asked for, each sized for the worker
    threads there are then (module docstring), so that workers joining a cluster during
    an evaluation get batches cut for them."""

    def __init__(self, todo, batch_size: int | None):
        self.todo, self.batch_size, self.i = todo, batch_size, 0
        self.sizes = ([0] * len(todo) if batch_size is not None
                      else [_size(item.path) for _, item in todo])
        self.whole = self.remaining = sum(self.sizes)
        self.mean = self.whole / max(len(todo), 1)

    def next(self, threads: int):
        """The next batch for ``threads`` worker threads, or None when all are out."""
        if self.i >= len(self.todo):
            return None
        threads = max(threads, 1)
        if self.batch_size is not None:
            cap, target = int(self.batch_size), None
        else:
            least = min(self.whole / (TASKS_PER_THREAD * threads), self.mean * MAX_BATCH / 8)
            cap, target = MAX_BATCH, max(self.remaining / (2 * threads), least, 1)
        point, items, size = self.todo[self.i][0], [], 0
        while self.i < len(self.todo) and self.todo[self.i][0] == point and len(items) < cap \
                and (target is None or size < target):
            items.append(self.todo[self.i][1])
            size += self.sizes[self.i]
            self.remaining -= self.sizes[self.i]
            self.i += 1
        return point, items


def _plan(todo, n_threads: int, batch_size: int | None) -> list:
    """All batches of ``todo`` for ``n_threads`` worker threads (:class:`_Batches`)."""
    batches, out = _Batches(todo, batch_size), []
    while (b := batches.next(n_threads)) is not None:
        out.append(b)
    return out


def _size(path: str) -> int:
    try:
        return max(os.path.getsize(path), 1)
    except OSError:
        return 1


def _evaluate(network, inputs, labels, grid_points, options, *, client=None, workers=None,
              scheduler=None, out=None, resume=False, energy_profiles=(), batch_size=None,
              limit=None, progress=True) -> Evaluation:
    """:func:`evaluate` (``grid_points`` None) and :func:`sweep` (module docstring)."""
    from ..progress import as_progress
    from .cluster import check_choice, prepare_local

    start = time.perf_counter()
    check_choice(client, workers, scheduler)
    if resume and out is None:
        raise InputError("--resume continues the rows of --out; give --out FILE.parquet")
    if limit is not None and (int(limit) != limit or limit < 1):
        raise InputError(f"--limit {limit}: expected a number of recordings >= 1")
    if batch_size is not None:
        check_count(batch_size, "--batch-size")
    sweeping = grid_points is not None
    bar = as_progress(progress, desc="sweeping" if sweeping else "evaluating",
                      unit="recording")
    warm = False
    if client is None and scheduler is None:  # the fork server boots while we prepare
        engines = {options["engine"], *(p["engine"] for p in grid_points or () if "engine" in p)}
        warm = "event" in engines
        prepare_local(warm, bar.note)
    with bar:
        return _evaluate_on(network, inputs, labels, grid_points, options, start, bar, warm,
                            client=client, workers=workers, scheduler=scheduler, out=out,
                            resume=resume, energy_profiles=energy_profiles,
                            batch_size=batch_size, limit=limit)


def _evaluate_on(network, inputs, labels, grid_points, options, start, bar, warm, *,
                 client, workers, scheduler, out, resume, energy_profiles, batch_size,
                 limit) -> Evaluation:
    """:func:`_evaluate` after its checks of the call itself: everything else."""
    import pyarrow as pa

    from ..api import load
    from ..ir import Network
    from . import store
    from .cluster import describe, open_client
    from .inputs import discover
    from .summary import summarize
    from .tasks import GRID_KEYS, GRID_TYPES, columns, error_row

    sweeping = grid_points is not None
    net = network if isinstance(network, Network) else load(network, dt=options["dt"])
    points = [_Point(net, i, values, options, sweeping)
              for i, values in enumerate(grid_points or [None])]
    extra = _extra_profiles(energy_profiles)
    if not sweeping:  # as `neuroemu eval --dataset`: the run's own profile is priced once
        extra = [p for p in extra if p.name != points[0].profile.name]
    _check_holds(net, extra)
    items = discover(inputs, labels)[:limit]
    grid_cols = ([(k, GRID_TYPES[GRID_KEYS[k]]) for k in grid_points[0]] if sweeping
                 else ())
    cols = columns([p.name for p in net.populations], [p.name for p in extra], grid_cols)
    digest = _digest(net)
    meta = {"network": net.name, "network_sha256": digest[:16],
            "points": [p.settings for p in points],
            "energy_profiles": [_profile_key(p) for p in extra]}
    sch = store.schema(cols, json.loads(json.dumps(meta, default=str)))
    rows_store = store.RowStore(out, sch, resume)
    keys = {(i, item.key) for i in range(len(points)) for item in items}
    done = store.unique_rows(rows_store.start(), keys)
    done_keys = set(zip(done["point"].to_pylist() if sweeping else [0] * done.num_rows,
                        done["file"].to_pylist()))
    todo = [(i, item) for i in range(len(points)) for item in items
            if (i, item.key) not in done_keys]
    new_rows = []
    for i, point in enumerate(points):  # points that cannot run: error rows, no task
        if point.error:
            rows = [error_row(item, point.columns, point.error) for p, item in todo if p == i]
            rows_store.write(rows)
            new_rows += rows
    todo = [(i, item) for i, item in todo if not points[i].error]
    where = None
    if todo:
        bar.total = len(todo)
        with open_client(client, workers, scheduler, warm, bar.note) as dask:
            where = describe(dask, client is None and scheduler is None)
            new_rows += _run_tasks(dask, net, digest, points, todo, extra, batch_size,
                                   rows_store, bar)
    table = store.to_table(new_rows, sch)
    if done.num_rows:
        table = pa.concat_tables([done, table])
    table = store.sort_rows(store.unique_rows(table))
    rows_store.finish(table)
    common = {"n": table.num_rows, "n_run": len(new_rows), "skipped_done": len(done_keys),
              "workers": where, "out": None if out is None else str(out),
              "network": net.name}
    classes = net.population(net.readout.population).size if net.readout else 0
    if sweeping:
        pcol = table["point"].to_pylist()
        per_point = []
        for i, point in enumerate(points):
            rows = table.take([r for r, p in enumerate(pcol) if p == i])
            per_point.append({"settings": grid_points[i], "profile": point.profile.name,
                              "tick_us": point.columns["tick_us"],
                              **summarize(rows, classes)})
        summary = {**common, "points": per_point}
    else:
        summary = {**common, "profile": points[0].profile.name,
                   "tick_us": points[0].columns["tick_us"], **summarize(table, classes)}
    failed = sum(1 for e in table["error"].to_pylist() if e and e.startswith(
        store.TASK_FAILED))
    if failed:
        summary["task_failed"] = failed
        summary["note"] = (f"{failed} recordings gave no result because their task failed "
                           "(a worker died running it too often); --resume runs them again")
    summary["wall_s"] = time.perf_counter() - start
    return Evaluation(table, summary, list(grid_points or [{}]),
                      None if out is None else str(out))


def _run_tasks(dask, net, digest, points, todo, extra, batch_size, rows_store, bar) -> list:
    """Submit the batches, at most :data:`IN_FLIGHT` per worker thread at a time (the next
    when one finishes, so that a worker that finishes early takes the next batch rather
    than each having been dealt its share up front), and write each one's rows as it
    finishes; returns all rows."""
    from distributed import as_completed

    from .store import TASK_FAILED
    from .tasks import error_row, run_batch

    batches = _Batches(todo, batch_size)
    net_future = dask.scatter(net, broadcast=True, hash=False)
    futures, running = {}, as_completed()
    threads, counted = 1, -1.0

    def top_up():
        """Submit batches until IN_FLIGHT per worker thread are out (the threads counted
        again at most once a second: a cluster may grow or shrink meanwhile)."""
        nonlocal threads, counted
        if time.monotonic() - counted > 1.0:
            threads, counted = max(sum(dask.nthreads().values()), 1), time.monotonic()
        while len(futures) < IN_FLIGHT * threads:
            batch = batches.next(threads)
            if batch is None:
                return
            p, items = batch
            fut = dask.submit(run_batch, net_future, items, points[p].run_options, extra,
                              points[p].columns, digest, pure=False)
            futures[fut] = batch
            running.add(fut)

    rows, finished = [], 0
    try:
        top_up()
        for fut in running:
            p, batch = futures.pop(fut)
            top_up()
            if fut.status == "finished":
                got = fut.result()
            else:
                exc = fut.exception() if fut.status == "error" else None
                why = (f"{type(exc).__name__}: {exc}" if exc is not None
                       else f"the task was {fut.status}")
                got = [error_row(item, points[p].columns, f"{TASK_FAILED}{why}")
                       for item in batch]
            fut.release()
            rows_store.write(got)
            rows += got
            finished += len(batch)
            bar(finished)
    finally:
        if futures:  # interrupted: leave nothing running on a cluster that outlives us
            dask.cancel(list(futures))
        dask.cancel([net_future])
    return rows
