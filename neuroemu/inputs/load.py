"""Input for ``neuroemu run``: spike lists, event arrays, rates, or event-camera files.

Accepted, by content:

* ``.npz`` with ``tick`` and ``channel`` (and optionally ``value``): spikes
  already in ticks, channels numbered over the input population;
* ``.npz`` with ``events`` (a structured array ``t, x, y, p``, t in µs) or with
  ``t``, ``x``, ``y``, ``p`` arrays: sensor events, binned into ticks and mapped
  onto the input population's shape by an :class:`~.input_map.InputMap`;
* ``.npz`` with ``rates`` (the input population's shape, spikes per tick in
  [0, 1]): Poisson (Bernoulli per tick) spikes drawn with the run's seed;
* ``.npy``: a structured array with ``t, x, y, p`` or ``tick, channel`` fields,
  or an integer array of shape (E, 2) holding ``(tick, channel)`` rows;
* anything else: an event-camera recording (AEDAT 2.0/3.1/4.0, N-MNIST), read
  in chunks and streamed into the engine.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import FormatError, InputError
from .stimulus import make_stimulus

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


def load_input(path, input_shape: tuple, imap=None, ticks: int | None = None, seed: int = 0,
               strict: bool = True):
    """Read ``path`` as input for a population of shape ``input_shape``.

    Returns
    -------
    stimulus : Stimulus or iterator of Stimulus chunks
    info : dict
        'kind' of input and 'events': the events that reached the input (after the
        time window and crop; for spike lists, the entries before tick ``ticks``).

    ``strict=False`` drops (and counts) damaged records of a recording instead of
    refusing the file.
    """
    from .input_map import InputMap, stimulus_chunks, to_stimulus

    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such input file")
    n_channels = int(np.prod(input_shape))
    imap = imap or InputMap()
    where = str(path)
    if path.suffix in (".npz", ".npy"):
        try:
            data = np.load(path, allow_pickle=False)
        except (ValueError, OSError) as exc:
            raise FormatError(f"{path}: not a readable numpy file ({exc})") from None
        if isinstance(data, np.ndarray):
            if data.dtype.names:
                arrays = {k: data[k] for k in data.dtype.names}
            elif data.ndim == 2 and data.shape[1] == 2 and data.dtype.kind in "iu":
                arrays = {"tick": data[:, 0], "channel": data[:, 1]}
            else:
                raise FormatError(
                    f"{path}: array of shape {data.shape} and dtype {data.dtype}; expected a "
                    "structured array with t, x, y, p or tick, channel fields, or (E, 2) integers"
                )
        else:
            arrays = {k: data[k] for k in data.files}
            if "events" in arrays and arrays["events"].dtype.names:
                ev = arrays.pop("events")
                arrays.update({k: ev[k] for k in ev.dtype.names})
        if "tick" in arrays and "channel" in arrays:
            stim = make_stimulus(arrays["tick"], arrays["channel"], n_channels,
                                 value=arrays.get("value"), binning=imap.binning, where=where)
            rows = np.asarray(arrays["tick"])
            reached = rows.size if ticks is None else int(np.count_nonzero(rows < ticks))
            return stim, {"kind": "spikes", "events": reached}
        if all(k in arrays for k in ("t", "x", "y", "p")):
            stim = to_stimulus(_events_from_fields(arrays), input_shape, imap)
            return stim, {"kind": "events", "events": events_in(stim)}
        if "rates" in arrays:
            rates = np.asarray(arrays["rates"], dtype=np.float64)
            if rates.size != n_channels:
                raise InputError(f"{path}: 'rates' has {rates.size} values, the input "
                                 f"population {input_shape} has {n_channels} channels")
            if not np.all((rates >= 0) & (rates <= 1)):
                raise InputError(f"{path}: 'rates' must lie in [0, 1] (spikes per tick)")
            if ticks is None:
                raise InputError(f"{path}: rate input needs --ticks")
            rng = np.random.default_rng(seed)
            hits = rng.random((ticks, n_channels)) < rates.reshape(1, -1)
            tick, chan = np.nonzero(hits)
            return make_stimulus(tick, chan, n_channels, where=where), {
                "kind": "rates", "events": int(tick.size)}
        raise FormatError(
            f"{path}: arrays {sorted(arrays)}; expected tick+channel, events or t+x+y+p, or rates"
        )
    info = {"kind": "recording", "events": 0}  # filled in as the recording streams

    def chunks():
        for stim in stimulus_chunks(path, input_shape, imap, chunk_events=CHUNK_EVENTS,
                                    strict=strict):
            info["events"] += events_in(stim)
            yield stim

    return chunks(), info
