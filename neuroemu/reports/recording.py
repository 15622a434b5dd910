"""A figure of an event-camera recording: event rate over time and the accumulated ON/OFF frame.

The recording is read once, in chunks, so a file longer than memory is drawn
with bounded memory::

    from neuroemu.reports.recording import recording_figure

    meta = recording_figure("traces/nmnist_4.aedat", "nmnist_4.png")

or, chunk by chunk, with :class:`RecordingCounts`::

    counts = RecordingCounts()
    with open_events("walk.aedat") as rec:
        for chunk in rec.chunks():
            counts.add(chunk)
    counts.save("walk.png", rec.meta)

numpy is the only import at module level; matplotlib is imported when a figure
is drawn (through its Agg canvas: no pyplot, no global backend change), and
nothing here imports numba. ``neuroemu events info FILE --plot OUT.png`` draws
its figure with this module.
"""

from __future__ import annotations

import os

import numpy as np

from ..errors import InputError
from ..recordings import EventMeta, EventReader, open_events
from ..recordings.base import DEFAULT_CHUNK

__all__ = ["MAX_BINS", "RecordingCounts", "recording_figure"]

#: rate histogram: it starts at 1 ms bins and halves its resolution beyond this many bins
MAX_BINS = 1 << 17
#: most bars of the rate panel (neighbouring bins are summed above it)
_MAX_BARS = 1000


class RecordingCounts:
    """Events of a recording per time bin and per pixel and polarity, accumulated chunk by chunk.

    Memory is bounded whatever the recording's length: the time bins start at
    ``bin_us`` µs and double in width (neighbouring bins summed) whenever more
    than :data:`MAX_BINS` would be needed.

    Parameters
    ----------
    bin_us : int
        Starting width of a time bin, µs (default 1000, i.e. 1 ms).

    Attributes
    ----------
    t0_us : int or None
        Timestamp of the first event added, µs (None until one is added).
    bin_us : int
        Current width of a time bin, µs.
    bin_counts : numpy.ndarray, int64 (n_bins,)
        Events in bin ``i``, i.e. with ``t0_us + i*bin_us <= t < t0_us + (i+1)*bin_us``.
    pixel_counts : numpy.ndarray, int64 (2, rows, cols)
        Events per pixel, OFF (``p == 0``) then ON; ``rows`` and ``cols`` are the
        smallest that hold every ``y`` and ``x`` added so far.
    """

    def __init__(self, bin_us: int = 1000):
        if int(bin_us) < 1:
            raise InputError(f"RecordingCounts: bin_us = {bin_us}, expected >= 1 µs")
        self.t0_us: int | None = None
        self.bin_us = int(bin_us)
        self.bin_counts = np.zeros(0, np.int64)
        self.pixel_counts = np.zeros((2, 0, 0), np.int64)
        self._t_last: int | None = None

    @property
    def events(self) -> int:
        """Events added so far."""
        return int(self.bin_counts.sum())

    def add(self, chunk: np.ndarray) -> None:
        """Count the events of ``chunk``.

        Parameters
        ----------
        chunk : numpy.ndarray with fields t, x, y, p (:data:`~neuroemu.recordings.EVENT_DTYPE`)
            Events of the recording in file order: timestamps (µs) never decrease,
            within the chunk nor from the last chunk added, as
            :meth:`~neuroemu.recordings.EventReader.chunks` gives them.
        """
        names = getattr(getattr(chunk, "dtype", None), "names", None) or ()
        if not {"t", "x", "y", "p"} <= set(names):
            raise InputError(f"RecordingCounts.add: expected an event array with fields t, x, "
                             f"y, p (EVENT_DTYPE), got fields {list(names)}")
        if chunk.size == 0:
            return
        t = chunk["t"]
        if (self._t_last is not None and int(t[0]) < self._t_last) or np.any(t[1:] < t[:-1]):
            raise InputError("RecordingCounts.add: timestamps decrease; add the events in "
                             "file order (as EventReader.chunks gives them)")
        self._t_last = int(t[-1])
        if self.t0_us is None:
            self.t0_us = int(t[0])
        bins = (t - self.t0_us) // self.bin_us
        while int(bins[-1]) >= MAX_BINS:
            if self.bin_counts.size % 2:
                self.bin_counts = np.append(self.bin_counts, 0)
            self.bin_counts = self.bin_counts.reshape(-1, 2).sum(axis=1)
            self.bin_us *= 2
            bins = (t - self.t0_us) // self.bin_us
        counts = np.bincount(bins, minlength=self.bin_counts.size)
        if counts.size > self.bin_counts.size:
            self.bin_counts = np.concatenate(
                [self.bin_counts, np.zeros(counts.size - self.bin_counts.size, np.int64)])
        self.bin_counts += counts
        rows = max(self.pixel_counts.shape[1], int(chunk["y"].max()) + 1)
        cols = max(self.pixel_counts.shape[2], int(chunk["x"].max()) + 1)
        if (rows, cols) != self.pixel_counts.shape[1:]:
            grown = np.zeros((2, rows, cols), np.int64)
            grown[:, :self.pixel_counts.shape[1], :self.pixel_counts.shape[2]] = self.pixel_counts
            self.pixel_counts = grown
        flat = ((chunk["p"] != 0).astype(np.int64) * (rows * cols)
                + chunk["y"].astype(np.int64) * cols + chunk["x"])
        self.pixel_counts += np.bincount(flat, minlength=2 * rows * cols).reshape(2, rows, cols)

    def frame(self, width: int | None = None, height: int | None = None) -> np.ndarray:
        """The accumulated events per pixel on a ``height`` x ``width`` sensor.

        Parameters
        ----------
        width, height : int, optional
            Sensor size in pixels (``meta.width``, ``meta.height``); None (or 0)
            takes the smallest size that holds the events. Events outside are left out.

        Returns
        -------
        numpy.ndarray, int64 (2, height, width)
            OFF then ON events per pixel; row 0 is the top of the sensor.
        """
        # a recording without events and without a declared sensor still draws (1 x 1)
        rows = height or self.pixel_counts.shape[1] or 1
        cols = width or self.pixel_counts.shape[2] or 1
        out = np.zeros((2, rows, cols), np.int64)
        r, c = min(rows, self.pixel_counts.shape[1]), min(cols, self.pixel_counts.shape[2])
        out[:, :r, :c] = self.pixel_counts[:, :r, :c]
        return out

    def figure(self, meta: EventMeta):
        """Draw the two panels: events/s over time and the accumulated frame.

        Parameters
        ----------
        meta : EventMeta
            The recording's description after a full read (format, camera,
            events, sensor size), e.g. ``EventReader.meta`` once its chunks are exhausted.

        Returns
        -------
        matplotlib.figure.Figure
            11 x 4.2 inches, attached to an Agg canvas. Left: events/s in at most
            1000 steps against seconds since the first event. Right: the frame,
            ON events in green and OFF in magenta, each ``log1p(count)`` scaled by
            the largest ``log1p(count)`` of either polarity.
        """
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        frames = self.frame(meta.width, meta.height)
        rows, cols = frames.shape[1:]
        fig = Figure(figsize=(11, 4.2), layout="constrained")
        FigureCanvasAgg(fig)
        ax_rate, ax_frame = fig.subplots(1, 2, width_ratios=[1.4, 1])
        rate = self.bin_counts
        group = max(1, -(-rate.size // _MAX_BARS))
        if rate.size % group:
            rate = np.append(rate, np.zeros(group - rate.size % group, np.int64))
        rate = rate.reshape(-1, group).sum(axis=1)
        width_s = self.bin_us * group * 1e-6
        if rate.size:
            ax_rate.step(np.arange(rate.size) * width_s, rate / width_s, where="post", lw=0.8)
        ax_rate.set_xlabel("time since the first event (s)")
        ax_rate.set_ylabel(f"events/s ({width_s * 1e3:g} ms bins)")
        ax_rate.set_title(f"{meta.format}, {meta.camera}: {meta.events} events")
        ax_rate.set_ylim(bottom=0)
        rgb = np.zeros((rows, cols, 3))
        scale = max(1.0, float(np.log1p(frames).max()))
        off, on = np.log1p(frames[0]) / scale, np.log1p(frames[1]) / scale
        rgb[..., 0] = off
        rgb[..., 1] = on
        rgb[..., 2] = off
        ax_frame.imshow(np.clip(rgb, 0, 1), origin="upper", interpolation="nearest")
        ax_frame.set_title(f"accumulated events, {cols}x{rows}\nON green, OFF magenta")
        ax_frame.set_xlabel("x")
        ax_frame.set_ylabel("y")
        return fig

    def save(self, path: str | os.PathLike, meta: EventMeta) -> None:
        """Draw :meth:`figure` and write it to ``path`` at 100 dpi (the extension picks
        the format; none writes PNG), atomically, making missing folders."""
        from .figures import save_figure

        save_figure(self.figure(meta), path, dpi=100)


def recording_figure(recording: str | os.PathLike | EventReader, out: str | os.PathLike, *,
                     strict: bool = True, chunk_events: int = DEFAULT_CHUNK) -> EventMeta:
    """Read a recording once, in chunks, and write its figure (see :meth:`RecordingCounts.figure`).

    Parameters
    ----------
    recording : str, os.PathLike or EventReader
        A recording file (AEDAT 2.0/3.1/4.0, N-MNIST; opened with
        :func:`~neuroemu.recordings.open_events`) or an open reader, which is read
        from its start (warnings about dropped records are the caller's to filter).
    out : str or os.PathLike
        Figure file; its extension picks the format (``.png``, ``.svg``, ...; none
        writes PNG). Checked before the recording is read.
    strict : bool
        Passed to ``open_events`` when ``recording`` is a path (ignored for a reader).
    chunk_events : int
        Events read per chunk (>= 1): memory held is a small multiple of it.

    Returns
    -------
    EventMeta
        The recording's description after the full read (counts, time range, skipped).
    """
    from .figures import check_figure_path

    check_figure_path(out, option="recording_figure: out")
    n = int(chunk_events)
    if n < 1:
        raise InputError(f"recording_figure: chunk_events = {chunk_events}, expected >= 1")
    if isinstance(recording, EventReader):
        return _draw(recording, out, n)
    with open_events(recording, strict=strict) as rec:
        return _draw(rec, out, n)


def _draw(rec: EventReader, out, chunk_events: int) -> EventMeta:
    counts = RecordingCounts()
    for chunk in rec.chunks(chunk_events):
        counts.add(chunk)
    counts.save(out, rec.meta)
    return rec.meta
