"""Sensor events onto the input population: the one place µs become ticks.

An :class:`InputMap` says how events ``(t, x, y, p)`` of a recording become
spikes ``(tick, channel)`` of the network's input population. In order:

1. time window: ``rel = t - t_first - start_us`` where ``t_first`` is the first
   event of the recording; events with ``rel < 0`` or ``rel >= duration_us`` are
   left out; ``tick = rel // tick_us`` (so tick 0 starts at ``t_first + start_us``);
2. crop: the sensor window ``x0 <= x < x0 + width``, ``y0 <= y < y0 + height``
   (coordinates of the recording, origin top-left); events outside it are left out;
3. downsample by an integer ``k``: ``x // k``, ``y // k`` (the cropped size must be
   a multiple of ``k``: no edge pixel is silently lost);
4. flip on the input grid: ``x -> W - 1 - x`` (``flip_x``), ``y -> H - 1 - y``;
5. polarity: 'keep' (OFF p = 0 and ON p = 1 on separate planes) or 'merge';
6. channel: the C-order flat index over the input shape, ``p*H*W + y*W + x`` for
   ``(P, H, W)`` (``P = 2`` kept, ``P = 1`` merged) or ``y*W + x`` for ``(H, W)``;
7. binning: several events on one channel in one tick add up ('count', the
   spike carries the count) or give one spike ('clip').
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from ..errors import InputError
from ..recordings.base import DEFAULT_CHUNK, EventMeta, as_event_array
from ..recordings.reader import open_events
from .stimulus import Stimulus, make_stimulus


@dataclass(frozen=True)
class InputMap:
    """How sensor events become input spikes (see the module docstring for the order).

    Attributes
    ----------
    crop : (x0, y0, width, height) or None
        Sensor window in pixels of the recording; None keeps the whole sensor.
    downsample : int
        ``k >= 1``: each ``k x k`` block of pixels becomes one input.
    polarity : {'keep', 'merge'}
        Keep ON and OFF on two planes (input shape ``(2, H, W)``) or merge them
        (``(1, H, W)`` or ``(H, W)``).
    flip_x, flip_y : bool
        Mirror the input grid horizontally / vertically.
    start_us : int
        Microseconds after the recording's first event where tick 0 starts.
    duration_us : int or None
        Microseconds of recording used from ``start_us``; None: to the end.
    tick_us : int
        Microseconds per tick (default 1000).
    binning : {'count', 'clip'}
        Several events on one channel in one tick: add up, or count once.
    """

    crop: tuple[int, int, int, int] | None = None
    downsample: int = 1
    polarity: str = "keep"
    flip_x: bool = False
    flip_y: bool = False
    start_us: int = 0
    duration_us: int | None = None
    tick_us: int = 1000
    binning: str = "count"

    def __post_init__(self):
        set_ = object.__setattr__
        set_(self, "tick_us", _whole(self.tick_us, "--tick-us", 1))
        set_(self, "start_us", _whole(self.start_us, "--start-us", 0))
        if self.duration_us is not None:
            set_(self, "duration_us", _whole(self.duration_us, "--duration-us", 1))
        set_(self, "downsample", _whole(self.downsample, "--downsample", 1))
        if self.crop is not None:
            crop = tuple(self.crop)
            if len(crop) != 4:
                raise InputError(f"--crop {self.crop!r}: expected x0,y0,width,height")
            x0, y0, w, h = (_whole(v, f"--crop {name}", low) for v, name, low in
                            zip(crop, ("x0", "y0", "width", "height"), (0, 0, 1, 1), strict=True))
            set_(self, "crop", (x0, y0, w, h))
        if self.polarity not in ("keep", "merge"):
            raise InputError(f"--polarity {self.polarity!r}: expected keep or merge")
        if self.binning not in ("count", "clip"):
            raise InputError(f"--binning {self.binning!r}: expected count or clip")
        set_(self, "flip_x", bool(self.flip_x))
        set_(self, "flip_y", bool(self.flip_y))


def _whole(value, name: str, low: int) -> int:
    try:
        as_int = int(value)
        ok = as_int == value
    except (TypeError, ValueError, OverflowError):
        ok = False
    if not ok or as_int < low:
        raise InputError(f"{name} {value!r}: expected a whole number >= {low}")
    return as_int


@dataclass(frozen=True)
class InputLayout:
    """An :class:`InputMap` resolved against a sensor and an input shape.

    ``(x0, y0, width, height)`` is the sensor window, ``k`` the downsampling,
    ``(planes, rows, cols)`` the input grid and ``n_channels`` its size.
    ``strict_window`` is True when events outside the window are an error (the
    window is only assumed, as neither the sensor size nor a crop was given).
    """

    x0: int
    y0: int
    width: int
    height: int
    k: int
    planes: int
    rows: int
    cols: int
    n_channels: int
    strict_window: bool


def resolve(input_shape, imap: InputMap, sensor=None, where: str = "input") -> InputLayout:
    """Check that ``imap`` maps the sensor onto ``input_shape``; give the layout.

    Parameters
    ----------
    input_shape : tuple of int
        ``(P, H, W)`` with ``P`` in {1, 2}, or ``(H, W)``.
    imap : InputMap
    sensor : (width, height), EventMeta or None
        The recording's sensor size; None when unknown (the window is then the
        crop, or exactly what the input shape needs from the origin).
    where : str
        Names the input in error messages (a file name).

    Raises
    ------
    InputError
        Naming both shapes and the options that would reconcile them.
    """
    shape = tuple(int(s) for s in np.atleast_1d(np.asarray(input_shape)).tolist())
    if len(shape) == 2:
        planes, rows, cols = 1, shape[0], shape[1]
    elif len(shape) == 3 and shape[0] in (1, 2):
        planes, rows, cols = shape
    else:
        raise InputError(f"{where}: input population shape {shape} cannot take camera events; "
                         "expected (P, H, W) with P = 2 (ON/OFF kept) or 1 (merged), or (H, W)")
    if min(rows, cols) < 1:
        raise InputError(f"{where}: input population shape {shape} has an empty side")
    if planes == 2 and imap.polarity != "keep":
        raise InputError(f"{where}: the input population {shape} has separate ON/OFF planes but "
                         "the input map merges polarities; use --polarity keep (or an input "
                         f"shape (1, {rows}, {cols}) / ({rows}, {cols}))")
    if planes == 1 and imap.polarity != "merge":
        raise InputError(f"{where}: the input population {shape} has one polarity plane but the "
                         "input map keeps ON and OFF apart; use --polarity merge (or an input "
                         f"shape (2, {rows}, {cols}))")
    if isinstance(sensor, EventMeta):
        sensor = None if sensor.width is None or sensor.height is None else (
            sensor.width, sensor.height)
    k = imap.downsample
    if sensor is not None:
        sw, sh = int(sensor[0]), int(sensor[1])
    if imap.crop is not None:
        x0, y0, w, h = imap.crop
        if sensor is not None and (x0 + w > sw or y0 + h > sh):
            raise InputError(f"{where}: crop (x0={x0}, y0={y0}, width={w}, height={h}) reaches "
                             f"past the recording's {sw}x{sh} sensor")
    elif sensor is not None:
        x0, y0, w, h = 0, 0, sw, sh
    else:
        x0, y0, w, h = 0, 0, cols * k, rows * k
    if (w, h) != (cols * k, rows * k):
        src = f"the recording's {sw}x{sh} sensor" if sensor is not None else "the recording"
        if imap.crop is not None:
            src += f" cropped to {w}x{h}"
        if k > 1:
            src += f" downsampled by {k}"
        hint = _reconcile(sensor and (sw, sh), rows, cols)
        if w % k or h % k:
            raise InputError(f"{where}: {src}: {w}x{h} (width x height) is not divisible by "
                             f"--downsample {k}; the input population shape {shape} needs "
                             f"{cols}x{rows}; {hint}")
        raise InputError(f"{where}: {src} gives a {w // k}x{h // k} (width x height) grid, but "
                         f"the input population shape {shape} needs {cols}x{rows} (width x "
                         f"height); {hint}")
    return InputLayout(x0, y0, w, h, k, planes, rows, cols, planes * rows * cols,
                       strict_window=sensor is None and imap.crop is None)


def _reconcile(sensor, rows: int, cols: int) -> str:
    if not sensor:
        return (f"give --crop X0,Y0,{cols}*K,{rows}*K with --downsample K to choose the "
                "window")
    sw, sh = sensor
    fits = [k for k in range(1, min(sw // cols, sh // rows) + 1)]
    if not fits:
        return (f"the input is larger than the {sw}x{sh} sensor: no crop or downsample fits; "
                "the network needs a different input shape")
    exact = [k for k in fits if (cols * k, rows * k) == (sw, sh)]
    options = [f"--downsample {k}" for k in exact]
    for k in sorted({fits[-1], 1} - set(exact), reverse=True):
        w, h = cols * k, rows * k
        down = f" --downsample {k}" if k > 1 else ""
        options.append(f"--crop {(sw - w) // 2},{(sh - h) // 2},{w},{h}{down} (centred)")
    return "options that fit: " + "; or ".join(options)


def map_events(events: np.ndarray, layout: InputLayout, imap: InputMap, t_first_us: int,
               where: str = "input") -> tuple[np.ndarray, np.ndarray]:
    """Ticks and channels of the events that fall in the time window and sensor window.

    Parameters
    ----------
    events : numpy.ndarray of EVENT_DTYPE, shape (n,)
    layout : InputLayout
    imap : InputMap
    t_first_us : int
        The recording's first timestamp (µs); tick 0 starts at ``t_first_us + start_us``.

    Returns
    -------
    tick, channel : numpy.ndarray of int64, shape (m,), m <= n
        In the events' order.
    """
    rel = events["t"].astype(np.int64) - (int(t_first_us) + imap.start_us)
    keep = rel >= 0
    if imap.duration_us is not None:
        keep &= rel < imap.duration_us
    x = events["x"].astype(np.int64) - layout.x0
    y = events["y"].astype(np.int64) - layout.y0
    inside = (x >= 0) & (x < layout.width) & (y >= 0) & (y < layout.height)
    if layout.strict_window and not inside.all():
        i = int(np.argmax(~inside))
        raise InputError(
            f"{where}: event {i} at x = {int(events['x'][i])}, y = {int(events['y'][i])} lies "
            f"outside the {layout.width}x{layout.height} sensor the input shape "
            f"({layout.planes}, {layout.rows}, {layout.cols}) implies; give the sensor size or "
            "a crop")
    keep &= inside
    if not keep.all():
        rel, x, y = rel[keep], x[keep], y[keep]
    if layout.k > 1:
        x //= layout.k
        y //= layout.k
    if imap.flip_x:
        x = layout.cols - 1 - x
    if imap.flip_y:
        y = layout.rows - 1 - y
    channel = y * layout.cols + x
    if layout.planes == 2:
        p = events["p"] if keep.all() else events["p"][keep]
        channel += (p != 0).astype(np.int64) * (layout.rows * layout.cols)
    return rel // imap.tick_us, channel


def to_stimulus(events: np.ndarray, input_shape, imap: InputMap | None = None, *,
                sensor=None, t_first_us: int | None = None, where: str = "events") -> Stimulus:
    """Bin an event array into input spikes.

    Parameters
    ----------
    events : numpy.ndarray with fields t, x, y, p, shape (n,)
        ``t`` in µs.
    input_shape : tuple of int
        ``(P, H, W)`` or ``(H, W)`` of the input population.
    imap : InputMap, optional
        Default ``InputMap()`` (whole sensor, polarities kept, 1 ms ticks).
    sensor : (width, height) or EventMeta, optional
        The recording's sensor size, checked against the input shape; when None
        the sensor is taken to be exactly what ``input_shape`` (and the crop) need,
        and an event outside it is an error.
    t_first_us : int, optional
        Timestamp of the recording's first event (default: the earliest in ``events``).

    Returns
    -------
    Stimulus
        ``n_channels = prod(input_shape)``, ``binning = imap.binning``.
    """
    imap = imap or InputMap()
    events = as_event_array(events)
    layout = resolve(input_shape, imap, sensor, where)
    if events.size == 0:
        return make_stimulus(np.empty(0, np.int64), np.empty(0, np.int64), layout.n_channels,
                             binning=imap.binning, where=where)
    t0 = int(events["t"].min()) if t_first_us is None else int(t_first_us)
    tick, channel = map_events(events, layout, imap, t0, where)
    return make_stimulus(tick, channel, layout.n_channels, binning=imap.binning, where=where)


def stimulus_chunks(path: str | os.PathLike, input_shape, imap: InputMap | None = None,
                    chunk_events: int = DEFAULT_CHUNK, *, strict: bool = True,
                    format: str | None = None) -> Iterator[Stimulus]:
    """Stream a recording into input spikes, chunk by chunk, with bounded memory.

    The sensor size is checked against ``input_shape`` before any event is read.
    Every chunk holds whole ticks: the last tick seen so far is held back until
    the next chunk shows a later one, so one ``(tick, channel)`` is never split
    and ticks strictly increase from chunk to chunk. Concatenated, the chunks
    equal :func:`to_stimulus` of the whole recording. Reading stops once the time
    window has passed.

    Parameters
    ----------
    path : path-like
        A recording :func:`~neuroemu.recordings.open_events` reads.
    input_shape : tuple of int
    imap : InputMap, optional
    chunk_events : int
        Events decoded per step.
    strict, format
        Passed to :func:`~neuroemu.recordings.open_events`.

    Yields
    ------
    Stimulus
        Non-empty, ``n_channels = prod(input_shape)``.
    """
    imap = imap or InputMap()
    where = str(path)
    with open_events(path, strict=strict, format=format) as rec:
        layout = resolve(input_shape, imap, rec.meta, where)
        t_first: int | None = None
        held_tick = np.empty(0, np.int64)
        held_chan = np.empty(0, np.int64)
        for chunk in rec.chunks(chunk_events):
            if t_first is None:
                t_first = int(chunk["t"][0])
            tick, channel = map_events(chunk, layout, imap, t_first, where)
            if held_tick.size:
                tick = np.concatenate([held_tick, tick])
                channel = np.concatenate([held_chan, channel])
            if tick.size:
                cut = int(np.searchsorted(tick, tick[-1], side="left"))
                if cut:
                    yield make_stimulus(tick[:cut], channel[:cut], layout.n_channels,
                                        binning=imap.binning, where=where)
                held_tick, held_chan = tick[cut:], channel[cut:]
            if imap.duration_us is not None and (
                    int(chunk["t"][-1]) - t_first - imap.start_us >= imap.duration_us):
                break
        if held_tick.size:
            yield make_stimulus(held_tick, held_chan, layout.n_channels,
                                binning=imap.binning, where=where)


__all__ = [
    "InputLayout",
    "InputMap",
    "map_events",
    "resolve",
    "stimulus_chunks",
    "to_stimulus",
]
