"""A run's input, whatever the user gives: a file, an event array, a spike list.

Accepted, by content (never by name, except ``.npz``/``.npy``):

* spikes already in ticks: ``(tick, channel)`` or ``(tick, channel, value)``
  arrays (a tuple, a dict, a structured array with those fields, an integer
  array of shape (E, 2), a :class:`~.stimulus.Stimulus`, or an ``.npz``/``.npy``
  file holding one of them), channels numbered over the input population;
* sensor events ``(t, x, y, p)``, t in µs (a structured array, a dict, or an
  ``.npz`` with ``events`` or with ``t``, ``x``, ``y``, ``p``): binned into
  ticks and mapped onto the input population's shape by an
  :class:`~.input_map.InputMap`;
* rates (``.npz`` with ``rates`` of the input population's shape, spikes per
  tick in [0, 1], or a dict with ``rates``): Poisson (Bernoulli per tick)
  spikes drawn with the run's seed;
* any other file: an event-camera recording (AEDAT 2.0/3.1/4.0, N-MNIST), read
  in chunks and streamed into the engine.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ..errors import FormatError, InputError
from .stimulus import Stimulus, make_stimulus

# events read and binned at a time when a recording streams: bounds the memory a long
# recording needs beyond the network's own (about 100 bytes per event in flight)
CHUNK_EVENTS = 1 << 18


def _events_from_fields(arrays: dict):
    from ..recordings.base import EVENT_DTYPE

    ev = np.zeros(np.asarray(arrays["t"]).size, dtype=EVENT_DTYPE)
    for key in ("t", "x", "y", "p"):
        ev[key] = np.asarray(arrays[key]).reshape(-1)
    return ev


def events_in(stim) -> int:
    """Sensor events a stimulus carries (before ``clip`` binning merged them)."""
    if stim.binning == "count":
        return int(np.abs(stim.value).sum())
    return len(stim) + stim.dropped


def is_path(source) -> bool:
    return isinstance(source, (str, os.PathLike))


def _array_fields(data: np.ndarray, where: str) -> dict:
    """The named arrays of one array: its fields, or (tick, channel) columns."""
    if data.dtype.names:
        return {k: data[k] for k in data.dtype.names}
    if data.ndim == 2 and data.shape[1] == 2 and data.dtype.kind in "iu":
        return {"tick": data[:, 0], "channel": data[:, 1]}
    raise InputError(f"{where}: array of shape {data.shape} and dtype {data.dtype}; expected a "
                     "structured array with t, x, y, p or tick, channel fields, or (E, 2) "
                     "integers (tick, channel)")


def _arrays_of(source, where: str) -> dict:
    """The named arrays of an in-memory input or an ``.npz``/``.npy`` file."""
    if is_path(source):
        try:
            data = np.load(source, allow_pickle=False)
        except (ValueError, OSError) as exc:
            raise FormatError(f"{where}: not a readable numpy file ({exc})") from None
        if isinstance(data, np.ndarray):
            return _array_fields(data, where)
        with data:
            arrays = {k: data[k] for k in data.files}
    elif isinstance(source, dict):
        arrays = dict(source)
    elif isinstance(source, tuple) and len(source) in (2, 3):
        arrays = dict(zip(("tick", "channel", "value"), source))
    elif isinstance(source, np.ndarray):
        return _array_fields(source, where)
    else:
        raise InputError(f"input of type {type(source).__name__}: expected a file path, an "
                         "event array (t, x, y, p), spikes (tick, channel[, value]) or a "
                         "Stimulus")
    if "events" in arrays and np.asarray(arrays["events"]).dtype.names:
        ev = np.asarray(arrays.pop("events"))
        arrays.update({k: ev[k] for k in ev.dtype.names})
    return arrays


def load_input(source, input_shape: tuple, imap=None, ticks: int | None = None, seed: int = 0,
               strict: bool = True, format: str | None = None):
    """``source`` as input for a population of shape ``input_shape``.

    Parameters
    ----------
    source : path, numpy.ndarray, dict, tuple or Stimulus
        See the module docstring.
    input_shape : tuple of int
    imap : InputMap, optional
        How sensor events become spikes (default ``InputMap()``).
    ticks : int, optional
        The run's length: rates are drawn for this many ticks (required for
        them), and spike-list entries from it on are not counted as reaching
        the network.
    seed : int
        Seed of rate-coded input.
    strict : bool
        False drops (and counts) damaged records of a recording instead of
        refusing the file.
    format : str, optional
        A recording's format when its content cannot say (``'nmnist'`` for an
        N-MNIST file not named ``.bin``; :func:`~neuroemu.recordings.detect_format`).

    Returns
    -------
    stimulus : Stimulus or iterator of Stimulus chunks
        A recording streams in chunks.
    info : dict
        'kind' of input ('spikes', 'events', 'rates' or 'recording') and
        'events': the events that reached the input (after the time window and
        crop; for spike lists, the entries before tick ``ticks``). A recording's
        count grows as its chunks are consumed.
    """
    from .input_map import InputMap, to_stimulus

    n_channels = int(np.prod(input_shape))
    imap = imap or InputMap()
    where = str(source) if is_path(source) else "input"
    if isinstance(source, Stimulus):
        if source.n_channels != n_channels:
            raise InputError(f"input: the Stimulus has {source.n_channels} channels, the input "
                             f"population {tuple(input_shape)} has {n_channels}")
        reached = len(source) if ticks is None else int(np.count_nonzero(source.tick < ticks))
        return source, {"kind": "spikes", "events": reached}
    if is_path(source):
        path = Path(source)
        if not path.exists():
            raise InputError(f"{path}: no such input file")
        if path.suffix not in (".npz", ".npy"):
            return _recording(path, input_shape, imap, strict, format)
    arrays = _arrays_of(source, where)
    if "tick" in arrays and "channel" in arrays:
        stim = make_stimulus(arrays["tick"], arrays["channel"], n_channels,
                             value=arrays.get("value"), binning=imap.binning, where=where)
        rows = np.asarray(arrays["tick"])
        reached = rows.size if ticks is None else int(np.count_nonzero(rows < ticks))
        return stim, {"kind": "spikes", "events": reached}
    if all(k in arrays for k in ("t", "x", "y", "p")):
        stim = to_stimulus(_events_from_fields(arrays), input_shape, imap, where=where)
        return stim, {"kind": "events", "events": events_in(stim)}
    if "rates" in arrays:
        rates = np.asarray(arrays["rates"], dtype=np.float64)
        if rates.size != n_channels:
            raise InputError(f"{where}: 'rates' has {rates.size} values, the input "
                             f"population {tuple(input_shape)} has {n_channels} channels")
        if not np.all((rates >= 0) & (rates <= 1)):
            raise InputError(f"{where}: 'rates' must lie in [0, 1] (spikes per tick)")
        if ticks is None:
            raise InputError(f"{where}: rate input needs a run length (--ticks)")
        rng = np.random.default_rng(seed)
        hits = rng.random((ticks, n_channels)) < rates.reshape(1, -1)
        tick, chan = np.nonzero(hits)
        return make_stimulus(tick, chan, n_channels, where=where), {
            "kind": "rates", "events": int(tick.size)}
    raise FormatError(
        f"{where}: arrays {sorted(arrays)}; expected tick+channel, events or t+x+y+p, or rates"
    )


def _recording(path: Path, input_shape, imap, strict: bool, format: str | None):
    """A recording, streamed: (chunks, info) with info's count filled in as it is read."""
    from .input_map import stimulus_chunks

    info = {"kind": "recording", "events": 0}

    def chunks():
        for stim in stimulus_chunks(path, input_shape, imap, chunk_events=CHUNK_EVENTS,
                                    strict=strict, format=format):
            info["events"] += events_in(stim)
            yield stim

    return chunks(), info


def gather(chunks, n_channels: int) -> Stimulus:
    """One Stimulus from a streamed recording's chunks (for engines that take it whole)."""
    if chunks is None or isinstance(chunks, Stimulus):
        return chunks
    parts = list(chunks)
    cat = (lambda k: np.concatenate([getattr(c, k) for c in parts]) if parts
           else np.zeros(0, np.int64))
    return make_stimulus(cat("tick"), cat("channel"), n_channels, value=cat("value"))
