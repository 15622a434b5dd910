"""Event-camera recordings: AEDAT 2.0, 3.1 and 4.0 and N-MNIST, into one event array.

Every reader gives the same structured array, :data:`EVENT_DTYPE`::

    t  int64   timestamp, microseconds (the file's own clock, not shifted)
    x  uint16  column, 0 at the left of the image
    y  uint16  row, 0 at the top of the image
    p  uint8   polarity, 1 = ON (brighter), 0 = OFF

The format is chosen from the file's first bytes (``#!AER-DAT2.0``,
``#!AER-DAT3.1``, ``#!AER-DAT4.0``). N-MNIST 5-byte events have no header: a
file is read as N-MNIST only when named ``.bin`` or with ``format='nmnist'``,
only if it is of no other recognisable kind (HDF5, text, images, archives are
refused with what they look like; whole records of spaces, ``!`` and control
characters, which read as text, are N-MNIST events), and only if its first records are plausible
N-MNIST events (:mod:`.nmnist`). Recordings are read in chunks of a fixed
number of events, so a file longer than memory streams with bounded memory::

    with open_events("walk.aedat") as rec:
        for chunk in rec.chunks(1 << 20):
            ...
    print(rec.meta.events, rec.meta.on, rec.meta.off)

Orientation. AEDAT 3.1, 4.0 and N-MNIST already number pixels from the top-left
corner and are passed through. jAER (AEDAT 2.0) numbers rows from the *bottom*
and stores the column mirrored (its extractors compute ``x = width - 1 - raw``);
the AEDAT 2.0 reader turns both around, ``x = width - 1 - raw_x`` and
``y = height - 1 - raw_y``, so a 2.0 recording comes out as jAER displays it and
in the same top-left convention as the other formats. jAER's DVS128 stores ON
as polarity bit 0 = 0; the DAVIS layout stores ON as bit 11 = 1.

Checks. A record outside the declared sensor, a timestamp that goes back, or a
file that ends inside a record raises :class:`~neuroemu.errors.FormatError`
naming the file, the byte offset, the field, the value and what was expected.
With ``strict=False`` such records are dropped instead and counted in
``meta.skipped`` (and a warning is issued). Records that are not DVS events
(IMU samples, APS frames, external triggers, other event types, events marked
invalid) are never an error: they are skipped and counted by kind in
``meta.skipped``.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from types import MappingProxyType

import numpy as np

from ..errors import FormatError
from .base import (
    BLOCK_RECORDS,
    DEFAULT_CHUNK,
    EVENT_DTYPE,
    Block,
    EventMeta,
    EventWarning,
    ReadContext,
)

# --------------------------------------------------------------------------------------
# the reader


#: the formats a recording may be read as (``format=``); N-MNIST is never guessed
FORMATS = ("aedat2", "aedat31", "aedat4", "nmnist")
#: file names read as N-MNIST without ``format='nmnist'``
NMNIST_SUFFIXES = (".bin",)
_EXPECTED = ("expected an event recording: AEDAT 2.0, 3.1 or 4.0 (recognised by their "
             "'#!AER-DAT' header) or N-MNIST (a .bin file, or format='nmnist', "
             "--input-format nmnist)")


def detect_format(path, format: str | None = None) -> str:
    """``'aedat2'``, ``'aedat31'``, ``'aedat4'`` or ``'nmnist'``, from the file's content.

    AEDAT files are recognised by their first line. N-MNIST files have no header, so
    a file is read as N-MNIST only when its name ends in ``.bin`` or ``format='nmnist'``
    is given, and only if its content is of no other kind (an HDF5 network, a text
    file, an image, ...: those are refused, naming what they look like), but for bytes
    that read as text and may be N-MNIST events all the same (whole records of spaces,
    ``!`` and control characters: :func:`.nmnist.looks_like_text`).

    Parameters
    ----------
    path : path-like
    format : str, optional
        ``'nmnist'`` to read a headerless file of any name as N-MNIST; an AEDAT
        format name is checked against the file's header.

    Raises
    ------
    FormatError
        Missing or empty file, an unknown AEDAT version, a ``#`` header that is not an
        AEDAT one, or a file of another kind.
    """
    from ..sniff import aedat_version, check_file, describe, sniff

    if format is not None and format not in FORMATS:
        raise FormatError(f"format {format!r}: expected one of {', '.join(FORMATS)}")
    path = check_file(path, "a recording file (AEDAT or N-MNIST)")
    kind = sniff(path)
    if kind == "empty":
        raise FormatError(f"{path}: empty file (0 bytes); expected an AEDAT header "
                          "'#!AER-DAT<version>' or N-MNIST 5-byte events")
    if kind == "aedat?":
        with open(path, "rb") as fh:
            version = aedat_version(fh.read(64))
        raise FormatError(f"{path}: AEDAT version {version!r} in the first line "
                          f"'#!AER-DAT{version}' is not supported; expected 2.0, 3.1 or 4.0")
    if kind in ("aedat2", "aedat31", "aedat4"):
        if format not in (None, kind):
            raise FormatError(f"{path}: {describe(kind, 'recording')}, not {format} as asked")
        return kind
    as_nmnist = format == "nmnist" or (format is None
                                       and path.suffix.lower() in NMNIST_SUFFIXES)
    if kind == "text" and as_nmnist:
        from .nmnist import looks_like_text

        if looks_like_text(path):
            return "nmnist"
    if kind in ("text", "unknown"):
        with open(path, "rb") as fh:
            first = fh.read(64).split(b"\n")[0][:40].decode("utf-8", "replace").rstrip("\r")
        if first.startswith("#!" if kind == "text" else "#"):  # a text file may be Markdown
            raise FormatError(f"{path}: header line {first!r} at byte 0 is not an AEDAT version "
                              "line; expected '#!AER-DAT2.0', '#!AER-DAT3.1' or '#!AER-DAT4.0' "
                              "(AEDAT 1.0 is not supported)")
    if kind != "unknown":
        raise FormatError(f"{path}: {describe(kind, 'recording')}; {_EXPECTED}")
    if as_nmnist:
        return "nmnist"
    if format is not None:
        raise FormatError(f"{path}: no '#!AER-DAT' header, so not {format}; a headerless file "
                          "is read as N-MNIST only when asked (format='nmnist')")
    raise FormatError(f"{path}: {describe(kind, 'recording')} (no '#!AER-DAT' header, and "
                      f"not named .bin); {_EXPECTED}")


class EventReader:
    """An open recording: ``meta`` at once, events by :meth:`chunks` (see :func:`open_events`)."""

    def __init__(self, path, *, strict: bool = True, format: str | None = None):
        self.path = Path(path)
        self.strict = bool(strict)
        kind = detect_format(self.path, format)
        if kind == "aedat2":
            from .aedat2 import Aedat2Decoder as decoder
        elif kind == "aedat31":
            from .aedat3 import Aedat31Decoder as decoder
        elif kind == "aedat4":
            from .aedat4 import Aedat4Decoder as decoder
        else:
            from .nmnist import NmnistDecoder as decoder
        self._decoder = decoder(self.path, ReadContext(str(self.path), self.strict))
        self.meta: EventMeta = self._decoder.meta

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Nothing stays open between calls; kept for the context-manager protocol."""

    def chunks(self, n_events: int = DEFAULT_CHUNK) -> Iterator[np.ndarray]:
        """Events in file order, ``n_events`` per array (the last one may be shorter).

        Each call reads the file from the start. When the iteration reaches the
        end, :attr:`meta` is replaced by one holding the counts and time range.

        Parameters
        ----------
        n_events : int
            Events per chunk (>= 1). Memory held is a small multiple of
            ``n_events * 13`` bytes whatever the file's size.

        Yields
        ------
        numpy.ndarray of EVENT_DTYPE, shape (n,)
            Timestamps never decrease within and across chunks.
        """
        n_events = int(n_events)
        if n_events < 1:
            raise ValueError(f"n_events = {n_events}, expected >= 1")
        ctx = ReadContext(str(self.path), self.strict)
        base = self._decoder.meta
        stats = _Stats()
        buf = np.empty(n_events, EVENT_DTYPE)
        fill = 0
        prev_t: int | None = None
        for block in self._decoder.blocks(ctx, min(n_events, BLOCK_RECORDS)):
            if block.t.size == 0:
                continue
            block = _check_order(block, prev_t, ctx)
            if block.t.size == 0:
                continue
            prev_t = int(block.t[-1])
            stats.add(block)
            start = 0
            n = block.t.size
            while start < n:
                k = min(n_events - fill, n - start)
                sl = slice(fill, fill + k)
                src = slice(start, start + k)
                buf["t"][sl] = block.t[src]
                buf["x"][sl] = block.x[src]
                buf["y"][sl] = block.y[src]
                buf["p"][sl] = block.p[src]
                fill += k
                start += k
                if fill == n_events:
                    yield buf
                    buf = np.empty(n_events, EVENT_DTYPE)
                    fill = 0
        if fill:
            yield buf[:fill]
        self.meta = stats.finish(base, ctx)

    def read(self) -> np.ndarray:
        """All events as one array of :data:`EVENT_DTYPE` (and a complete :attr:`meta`)."""
        parts = list(self.chunks(DEFAULT_CHUNK))
        if not parts:
            events = np.empty(0, EVENT_DTYPE)
        elif len(parts) == 1:
            events = parts[0]
        else:
            events = np.concatenate(parts)
        if self.meta.width is None and events.size:
            w, h = int(events["x"].max()) + 1, int(events["y"].max()) + 1
            note = (f"the file declares no known sensor size; {w}x{h} is the smallest that "
                    "holds its events")
            self.meta = replace(self.meta, width=w, height=h, notes=(*self.meta.notes, note))
        return events


def _check_order(block: Block, prev_t: int | None, ctx: ReadContext) -> Block:
    t = block.t
    ok = prev_t is None or t[0] >= prev_t
    if ok and t.size > 1:
        ok = bool(np.all(t[1:] >= t[:-1]))
    if ok:
        return block
    lead = np.array([t[0] if prev_t is None else prev_t], np.int64)
    runmax = np.maximum.accumulate(np.concatenate([lead, t]))[:-1]
    bad = t < runmax
    i = int(np.argmax(bad))
    message = (f"event at {block.where(i)}: timestamp t = {int(t[i])} us goes back from "
               f"{int(runmax[i])} us, expected timestamps that never decrease")
    if not ctx.strict:
        # a lone timestamp far ahead (a damaged one) is dropped itself, not all that follow it
        ahead = np.zeros(t.size, bool)
        before = np.concatenate([lead, t[:-1]])
        ahead[:-1] = (t[:-1] > t[1:]) & (before[:-1] <= t[1:])
        kept = ~ahead
        t2 = t[kept]
        lead2 = np.array([t2[0] if prev_t is None else prev_t], np.int64) if t2.size else lead
        runmax2 = np.maximum.accumulate(np.concatenate([lead2, t2]))[:-1]
        kept[np.flatnonzero(kept)[t2 < runmax2]] = False
        bad = ~kept
        j = int(np.argmax(bad))
        if ahead[j]:
            message = (f"event at {block.where(j)}: timestamp t = {int(t[j])} us is ahead of "
                       f"the events on both sides ({int(before[j])} and {int(t[j + 1])} us), "
                       "expected timestamps that never decrease")
    n = int(np.count_nonzero(bad))
    ctx.recoverable("time_backwards", n, f"{message}; {n} such event(s) in this stretch")
    return block.take(~bad)


class _Stats:
    def __init__(self):
        self.events = 0
        self.on = 0
        self.t_first: int | None = None
        self.t_last: int | None = None

    def add(self, block: Block) -> None:
        self.events += int(block.t.size)
        self.on += int(np.count_nonzero(block.p))
        if self.t_first is None:
            self.t_first = int(block.t[0])
        self.t_last = int(block.t[-1])

    def finish(self, base: EventMeta, ctx: ReadContext) -> EventMeta:
        notes = list(ctx.notes)
        if self.events == 0:
            notes.append("the recording holds no events" + (
                f" (skipped: {_skipped_text(ctx.skipped)})" if ctx.skipped else
                " after its header"))
            warnings.warn(f"{ctx.path}: {notes[-1]}", EventWarning, stacklevel=3)
        dropped = {k: v for k, v in ctx.skipped.items()
                   if k in ("out_of_range", "time_backwards", "truncated")}
        if dropped:
            warnings.warn(f"{ctx.path}: dropped {_skipped_text(dropped)}", EventWarning,
                          stacklevel=3)
        return replace(
            base, skipped=MappingProxyType(dict(sorted(ctx.skipped.items()))),
            notes=tuple(dict.fromkeys(list(base.notes) + notes)),
            events=self.events, on=self.on, off=self.events - self.on,
            t_first_us=self.t_first, t_last_us=self.t_last)


def _skipped_text(skipped: Mapping[str, int]) -> str:
    return ", ".join(f"{v} {k}" for k, v in sorted(skipped.items()))


def open_events(path: str | os.PathLike, *, strict: bool = True,
                format: str | None = None) -> EventReader:
    """Open a recording; use as a context manager.

    Parameters
    ----------
    path : path-like
        AEDAT 2.0/3.1/4.0 or N-MNIST ``.bin`` file; the format comes from its content.
    strict : bool
        If True (default) out-of-range events, decreasing timestamps and a file that
        ends inside a record raise :class:`~neuroemu.errors.FormatError`; if False they
        are dropped and counted in ``meta.skipped``.
    format : str, optional
        ``'nmnist'`` reads a headerless file as N-MNIST whatever its name (files named
        ``.bin`` are read so without it); see :func:`detect_format`.

    Returns
    -------
    EventReader
        With ``.meta`` (:class:`EventMeta`, format and sensor known at once) and
        ``.chunks(n_events)``.
    """
    return EventReader(path, strict=strict, format=format)


def read_events(path: str | os.PathLike, *, strict: bool = True, format: str | None = None
                ) -> tuple[np.ndarray, EventMeta]:
    """Read a whole recording (``strict`` and ``format`` as in :func:`open_events`).

    Returns
    -------
    events : numpy.ndarray of EVENT_DTYPE, shape (n,)
        ``t`` µs (non-decreasing), ``x``, ``y`` pixels from the top-left, ``p`` 1 = ON.
    meta : EventMeta
        With ``events``, ``on``, ``off``, ``t_first_us``, ``t_last_us`` and ``skipped``.
    """
    with open_events(path, strict=strict, format=format) as rec:
        events = rec.read()
        return events, rec.meta


__all__ = ["EventReader", "detect_format", "open_events", "read_events"]
