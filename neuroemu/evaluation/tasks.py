"""What a Dask worker does: run a batch of recordings, one :func:`neuroemu.run` each.

A task is :func:`run_batch` on a batch of :class:`~.inputs.Item` s with one
point's run options. The network arrives as an argument that Dask resolves from
data scattered to every worker once (``client.scatter(net, broadcast=True)``),
so every task on a worker gets the same object (and a later evaluation of
the same network, the object kept from the first: :func:`kept_network`);
:func:`neuroemu.run` keeps the network's mapping (and the event kernel's view of
it) for as long as that object lives, and the numba kernel is loaded from numba's on-disk cache once
per worker process. A task therefore pays for reading and running its
recordings, not for moving, mapping or compiling the network.

Each recording gives one row (a dict of the columns of :func:`columns`). A
recording that fails (a damaged file, a register overflow with
``on_overflow='raise'``) gives a row with its ``error`` and no results; the
task itself does not fail. Nothing in a row depends on the worker or on time
except ``wall_s``.
"""

from __future__ import annotations

import time

#: run options a sweep's grid may vary (each a keyword of :func:`neuroemu.run`)
GRID_KEYS = {
    "profile": str, "tick_us": float, "ticks": int, "engine": str, "seed": int,
    "downsample": int, "polarity": str, "binning": str, "flip_x": bool, "flip_y": bool,
    "start_us": float, "duration_us": float, "on_overflow": str,
}


#: column types of the grid keys' values
GRID_TYPES = {str: "string", float: "float64", int: "int64", bool: "bool"}


def grid_value(key: str, value):
    """``value`` as the type of option ``key`` (:data:`GRID_KEYS`); text is parsed (bools
    from true/false, yes/no, 1/0).

    Raises
    ------
    InputError
        Not a value of that type.
    """
    from ..errors import InputError

    kind = GRID_KEYS[key]
    bad = InputError(f"--grid {key}: {value!r} is not a {kind.__name__} value of {key}")
    if isinstance(value, str):
        word = value.strip()
        if kind is bool:
            if word.lower() not in ("true", "false", "1", "0", "yes", "no"):
                raise bad
            return word.lower() in ("true", "1", "yes")
        try:
            return kind(word)
        except ValueError:
            raise bad from None
    if kind is bool:
        if not isinstance(value, bool):
            raise bad
        return value
    if kind is str or isinstance(value, bool) or not isinstance(value, (int, float)):
        if kind is str and not isinstance(value, str):
            return str(value)
        raise bad
    if kind is int and int(value) != value:
        raise bad
    return kind(value)


def columns(populations, extra_profiles=(), grid=()) -> list[tuple[str, str]]:
    """``(name, type)`` of every column of a row, in order.

    Types are ``'string'``, ``'int64'``, ``'float64'`` or ``'bool'``; every column may
    be null (no label, no class, an error row). ``grid`` is ``(key, type)`` of a
    sweep's grid columns beyond ``profile`` and ``tick_us`` (which every row has).
    """
    cols = [("file", "string"), ("label", "int64"), ("pred", "int64")]
    if grid is not None and len(grid):
        cols.append(("point", "int64"))
    cols += [(k, t) for k, t in grid if k not in ("profile", "tick_us")]
    cols += [("profile", "string"), ("tick_us", "float64"), ("ticks", "int64"),
             ("input_events", "int64")]
    cols += [(f"spikes_{p}", "int64") for p in populations]
    cols += [("synaptic_ops", "int64"), ("neuron_updates", "int64"), ("overflows", "int64"),
             ("energy_j", "float64"), ("latency_s", "float64")]
    for name in extra_profiles:
        cols += [(f"energy_j_{name}", "float64"), (f"latency_s_{name}", "float64")]
    cols += [("error", "string"), ("wall_s", "float64")]
    return cols


def error_row(item, point: dict, message: str) -> dict:
    """The row of a recording that gave no result."""
    from .inputs import NO_LABEL

    row = {"file": item.key, "label": None if item.label == NO_LABEL else item.label,
           "error": message, "wall_s": 0.0}
    row.update(point)
    return row


def run_one(network, item, options: dict, extra_profiles=(), point=None) -> dict:
    """One recording's row: :func:`neuroemu.run` with ``options``, then its readout,
    counts and costs (``extra_profiles``: :class:`~neuroemu.hw.Profile` s to price it
    on beside its own). ``point``: the columns the row's settings fill (profile,
    tick_us, a sweep's point and grid values)."""
    import warnings

    from ..api import run
    from ..errors import NeuroemuError, ProfileError

    start = time.perf_counter()
    row = error_row(item, point or {}, None)
    try:
        # what a run warns about is in the row (overflows, input_events); a worker's
        # stderr is nobody's to read
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # one thread: a worker's parallelism is its recordings
            res = run(network, item.path, progress=False, threads=1, **options)
        c = res.counters
        row.update(pred=res.readout(), ticks=res.ticks, input_events=res.input_events,
                   synaptic_ops=c["synaptic_ops"], neuron_updates=c["neuron_updates"],
                   overflows=c["overflow_v"] + c["overflow_u"])
        row.update({f"spikes_{pop}": n for pop, n in res.spike_counts().items()})
        for prof, suffix in ((None, ""), *((p, f"_{p.name}") for p in extra_profiles)):
            try:
                energy = res.energy(prof)
            except ProfileError:  # a profile without energy tables: no figure, not an error
                continue
            row[f"energy_j{suffix}"] = energy.total_j
            row[f"latency_s{suffix}"] = energy.latency_s
    except NeuroemuError as exc:
        row["error"] = str(exc)
    except Exception as exc:  # noqa: BLE001 - a recording that breaks a reader is its row's
        row["error"] = f"{type(exc).__name__}: {exc}"
    row["wall_s"] = time.perf_counter() - start
    return row


#: networks a worker keeps, by digest: the last few evaluations' (with their mappings)
_KEPT: dict = {}
_KEEP = 4


def kept_network(network, digest: str | None):
    """The network this worker already has under ``digest`` (whose mapping
    :func:`neuroemu.run` has kept), else ``network``, kept from now on: a later
    evaluation of the same network on a running cluster maps it no more."""
    if digest is None:
        return network
    have = _KEPT.get(digest)
    if have is None:
        if len(_KEPT) >= _KEEP:
            _KEPT.pop(next(iter(_KEPT)))
        have = _KEPT[digest] = network
    return have


def run_batch(network, batch, options: dict, extra_profiles=(), point=None,
              digest: str | None = None) -> list[dict]:
    """The rows of a batch of recordings (a Dask task; see the module docstring);
    ``digest`` names the network's content (:func:`kept_network`)."""
    network = kept_network(network, digest)
    return [run_one(network, item, options, extra_profiles, point) for item in batch]
