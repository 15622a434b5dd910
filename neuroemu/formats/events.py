"""Event-camera recordings: AEDAT 2.0, 3.1 and 4.0 and N-MNIST, into one event array.

Every reader gives the same structured array, :data:`EVENT_DTYPE`::

    t  int64   timestamp, microseconds (the file's own clock, not shifted)
    x  uint16  column, 0 at the left of the image
    y  uint16  row, 0 at the top of the image
    p  uint8   polarity, 1 = ON (brighter), 0 = OFF

The format is chosen from the file's first bytes (``#!AER-DAT2.0``,
``#!AER-DAT3.1``, ``#!AER-DAT4.0``; a file without a header is read as N-MNIST
5-byte events), never from its name. Recordings are read in chunks of a fixed
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
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType

import numpy as np

from ..errors import FormatError

EVENT_DTYPE = np.dtype([("t", "<i8"), ("x", "<u2"), ("y", "<u2"), ("p", "u1")])
"""One event: ``t`` (int64, µs), ``x``, ``y`` (uint16, pixels from the top-left), ``p`` (uint8)."""

DEFAULT_CHUNK = 1 << 20
#: records decoded per step (cache-sized; chunks of any size are assembled from these)
BLOCK_RECORDS = 1 << 18

#: Sensors by name fragment (case-insensitive), most specific first: (camera, width, height).
CAMERAS: tuple[tuple[str, str, int, int], ...] = (
    ("davis240", "DAVIS240", 240, 180),
    ("davis346", "DAVIS346", 346, 260),
    ("davis640", "DAVIS640", 640, 480),
    ("davis208", "DAVIS208", 208, 192),
    ("davis128", "DAVIS128", 128, 128),
    ("dvxplorerlite", "DVXplorer Lite", 320, 240),
    ("dvxplorer", "DVXplorer", 640, 480),
    ("dvs128", "DVS128", 128, 128),
    ("tmpdiff128", "DVS128", 128, 128),
    ("edvs", "eDVS", 128, 128),
)


class EventWarning(UserWarning):
    """Records of a recording were dropped or a recording holds no events."""


def camera_geometry(name: str) -> tuple[str, int, int] | None:
    """``(camera, width, height)`` of the sensor named in a header, or None if unknown.

    Parameters
    ----------
    name : str
        A chip class, hardware interface or source name, e.g.
        ``'eu.seebetter.ini.chips.davis.DAVIS240C'`` or ``'DVS128'``.
    """
    key = name.lower().replace("_", "").replace("-", "").replace(" ", "")
    for frag, camera, width, height in CAMERAS:
        if frag in key:
            return camera, width, height
    return None


@dataclass(frozen=True)
class EventMeta:
    """What a recording is: its format and sensor, and after a full read, what it holds.

    Attributes
    ----------
    path : str
    format : str
        ``'AEDAT 2.0'``, ``'AEDAT 3.1'``, ``'AEDAT 4.0'`` or ``'N-MNIST'``.
    camera : str
        Sensor named by the file (``'DVS128'``, ``'DAVIS240'``, ...), or ``'unknown'``.
    width, height : int or None
        Sensor size in pixels; None when the file does not declare a known sensor
        (then :func:`read_events` fills them in from the events and says so in ``notes``).
    header : mapping of str to str
        Header facts: chip class, address layout, compression, streams, ...
    skipped : mapping of str to int
        Records that are not returned, by kind (``'imu'``, ``'aps'``, ``'external'``,
        ``'invalid'``, ``'frame'``, ``'trigger'``, ``'out_of_range'``,
        ``'time_backwards'``, ``'truncated'``, ...). Filled in while reading.
    notes : tuple of str
        Remarks for the user (an empty recording, an inferred geometry, ...).
    events, on, off : int or None
        Events returned, and how many of them are ON (p = 1) and OFF (p = 0);
        None until the recording has been read to the end.
    t_first_us, t_last_us : int or None
        First and last event timestamps, µs; None until read (or when no events).
    """

    path: str
    format: str
    camera: str
    width: int | None
    height: int | None
    header: Mapping[str, str] = field(default_factory=dict)
    skipped: Mapping[str, int] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    events: int | None = None
    on: int | None = None
    off: int | None = None
    t_first_us: int | None = None
    t_last_us: int | None = None

    @property
    def duration_us(self) -> int | None:
        """``t_last_us - t_first_us``, or None before a full read or without events."""
        if self.t_first_us is None or self.t_last_us is None:
            return None
        return self.t_last_us - self.t_first_us

    @property
    def rate_hz(self) -> float | None:
        """Mean event rate, events per second (None when undefined)."""
        d = self.duration_us
        if d is None or not self.events:
            return None
        return self.events / (d * 1e-6) if d > 0 else float("inf")

    def to_dict(self) -> dict:
        """A JSON-ready dict of every field (and ``duration_us``, ``rate_hz``)."""
        rate = self.rate_hz
        return {
            "path": self.path, "format": self.format, "camera": self.camera,
            "width": self.width, "height": self.height, "events": self.events,
            "on": self.on, "off": self.off, "t_first_us": self.t_first_us,
            "t_last_us": self.t_last_us, "duration_us": self.duration_us,
            "rate_hz": None if rate is None or rate == float("inf") else rate,
            "skipped": dict(self.skipped), "header": dict(self.header),
            "notes": list(self.notes),
        }


# --------------------------------------------------------------------------------------
# what decoders share


@dataclass
class Block:
    """Events decoded from one stretch of a file, as separate contiguous arrays.

    ``where(i)`` says where in the file the record of event ``i`` is, e.g.
    ``'byte 4612'`` (used only for error messages). The arrays may be views of a
    decoder's read buffer: they are valid until the next block is requested.
    """

    t: np.ndarray  # int64 (n,)
    x: np.ndarray  # any integer dtype (n,), already in range
    y: np.ndarray
    p: np.ndarray  # 0/1
    where: Callable[[int], str]

    def take(self, keep: np.ndarray) -> Block:
        idx = np.flatnonzero(keep)
        inner = self.where
        return Block(self.t[idx], self.x[idx], self.y[idx], self.p[idx],
                     lambda i: inner(int(idx[i])))


class ReadContext:
    """The state of one pass over a file: strictness, skipped counts, notes."""

    def __init__(self, path: str, strict: bool):
        self.path = path
        self.strict = strict
        self.skipped: Counter = Counter()
        self.notes: list[str] = []
        self._noted: set[str] = set()

    def fail(self, message: str) -> FormatError:
        """A :class:`FormatError` prefixed with the file name (to ``raise``)."""
        return FormatError(f"{self.path}: {message}")

    def skip(self, kind: str, n: int = 1) -> None:
        if n:
            self.skipped[kind] += int(n)

    def note(self, message: str) -> None:
        if message not in self.notes:
            self.notes.append(message)

    def recoverable(self, kind: str, n: int, message: str) -> None:
        """Raise ``message`` when strict; else count ``n`` records of ``kind`` as skipped."""
        if self.strict:
            raise self.fail(message + " (strict=False, or --lenient, drops such records and "
                                      "counts them)")
        self.skip(kind, n)
        if kind not in self._noted:  # the first case of each kind, with its place in the file
            self._noted.add(kind)
            self.note("first of the dropped records: " + message)

    def check_range(self, x: np.ndarray, y: np.ndarray, width: int | None, height: int | None,
                    where: Callable[[int], str], what: str = "") -> np.ndarray | None:
        """Mask of events inside ``width`` x ``height`` (None when all are inside).

        ``x`` and ``y`` are signed or unsigned integers as stored in the file.
        """
        if width is None or height is None or x.size == 0:
            return None
        # fast path: one max per axis (signed values viewed unsigned, so negatives are large)
        xu = x.view(x.dtype.str.replace("i", "u")) if x.dtype.kind == "i" else x
        yu = y.view(y.dtype.str.replace("i", "u")) if y.dtype.kind == "i" else y
        if int(xu.max()) < width and int(yu.max()) < height:
            return None
        bad = (x < 0) | (x >= width) | (y < 0) | (y >= height)
        if not bad.any():
            return None
        i = int(np.argmax(bad))
        name, value, limit = (("x", int(x[i]), width) if not 0 <= x[i] < width
                              else ("y", int(y[i]), height))
        n = int(np.count_nonzero(bad))
        self.recoverable(
            "out_of_range", n,
            f"event at {where(i)}: {name} = {value}, expected 0 <= {name} < {limit} "
            f"for the {width}x{height} sensor{what}; {n} such event(s) in this stretch")
        return ~bad


def read_exact(fh, n: int, ctx: ReadContext, what: str, offset: int) -> bytes:
    """``n`` bytes from ``fh`` or a FormatError saying the file ends inside ``what``."""
    data = fh.read(n)
    if len(data) != n:
        raise ctx.fail(f"truncated: {what} at byte {offset} needs {n} bytes, the file ends "
                       f"after {len(data)}")
    return data


# --------------------------------------------------------------------------------------
# the reader


def detect_format(path) -> str:
    """``'aedat2'``, ``'aedat31'``, ``'aedat4'`` or ``'nmnist'`` from the file's first bytes.

    Raises
    ------
    FormatError
        Missing or empty file, an unknown AEDAT version, or a ``#`` header that is not
        an AEDAT one.
    """
    path = Path(path)
    if path.is_dir():
        raise FormatError(f"{path}: is a folder; expected a recording file (AEDAT or N-MNIST)")
    if not path.is_file():
        raise FormatError(f"{path}: no such file")
    with open(path, "rb") as fh:
        head = fh.read(64)
    if not head:
        raise FormatError(f"{path}: empty file (0 bytes); expected an AEDAT header "
                          "'#!AER-DAT<version>' or N-MNIST 5-byte events")
    if head.startswith(b"#!AER-DAT"):
        version = head[9:].split(b"\n")[0].strip().decode("ascii", "replace")
        kinds = {"2.0": "aedat2", "3.1": "aedat31", "4.0": "aedat4"}
        if version in kinds:
            return kinds[version]
        raise FormatError(f"{path}: AEDAT version {version!r} in the first line "
                          f"'#!AER-DAT{version}' is not supported; expected 2.0, 3.1 or 4.0")
    if head.startswith(b"#"):
        first = head.split(b"\n")[0][:40].decode("ascii", "replace").rstrip("\r")
        raise FormatError(f"{path}: header line {first!r} at byte 0 is not an AEDAT version "
                          "line; expected '#!AER-DAT2.0', '#!AER-DAT3.1' or '#!AER-DAT4.0' "
                          "(AEDAT 1.0 is not supported)")
    return "nmnist"


class EventReader:
    """An open recording: ``meta`` at once, events by :meth:`chunks` (see :func:`open_events`)."""

    def __init__(self, path, *, strict: bool = True):
        self.path = Path(path)
        self.strict = bool(strict)
        kind = detect_format(self.path)
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
    n = int(np.count_nonzero(bad))
    ctx.recoverable(
        "time_backwards", n,
        f"event at {block.where(i)}: timestamp t = {int(t[i])} us goes back from "
        f"{int(runmax[i])} us, expected timestamps that never decrease; {n} such event(s) "
        "in this stretch")
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


def open_events(path: str | os.PathLike, *, strict: bool = True) -> EventReader:
    """Open a recording; use as a context manager.

    Parameters
    ----------
    path : path-like
        AEDAT 2.0/3.1/4.0 or N-MNIST ``.bin`` file; the format comes from its content.
    strict : bool
        If True (default) out-of-range events, decreasing timestamps and a file that
        ends inside a record raise :class:`~neuroemu.errors.FormatError`; if False they
        are dropped and counted in ``meta.skipped``.

    Returns
    -------
    EventReader
        With ``.meta`` (:class:`EventMeta`, format and sensor known at once) and
        ``.chunks(n_events)``.
    """
    return EventReader(path, strict=strict)


def read_events(path: str | os.PathLike, *, strict: bool = True
                ) -> tuple[np.ndarray, EventMeta]:
    """Read a whole recording.

    Returns
    -------
    events : numpy.ndarray of EVENT_DTYPE, shape (n,)
        ``t`` µs (non-decreasing), ``x``, ``y`` pixels from the top-left, ``p`` 1 = ON.
    meta : EventMeta
        With ``events``, ``on``, ``off``, ``t_first_us``, ``t_last_us`` and ``skipped``.
    """
    with open_events(path, strict=strict) as rec:
        events = rec.read()
        return events, rec.meta


def as_event_chunks(events) -> Iterable[np.ndarray]:
    """An event array, or an iterable of them, as an iterable of EVENT_DTYPE arrays."""
    if isinstance(events, np.ndarray):
        return (as_event_array(events),)
    return (as_event_array(e) for e in events)


def as_event_array(events: np.ndarray) -> np.ndarray:
    """``events`` with fields t, x, y, p, converted to :data:`EVENT_DTYPE`."""
    events = np.asarray(events)
    names = events.dtype.names or ()
    missing = [k for k in EVENT_DTYPE.names if k not in names]
    if missing:
        raise FormatError(f"events need fields t, x, y, p (missing {', '.join(missing)}; "
                          f"dtype {events.dtype})")
    if events.dtype == EVENT_DTYPE:
        return events.reshape(-1)
    out = np.empty(events.size, EVENT_DTYPE)
    for k in EVENT_DTYPE.names:
        out[k] = events[k].reshape(-1)
    return out


def write_aedat2(path, events, width: int = 128, height: int = 128) -> None:
    """Write events as an AEDAT 2.0 (jAER) file; see :func:`.event_writer.write_aedat2`."""
    from .event_writer import write_aedat2 as _write

    _write(path, events, width=width, height=height)


def write_aedat4(path, events, width: int, height: int, **options) -> None:
    """Write events as an AEDAT 4.0 file; see :func:`.event_writer.write_aedat4`."""
    from .event_writer import write_aedat4 as _write

    _write(path, events, width=width, height=height, **options)


__all__ = [
    "EVENT_DTYPE",
    "EventMeta",
    "EventReader",
    "EventWarning",
    "camera_geometry",
    "detect_format",
    "open_events",
    "read_events",
    "write_aedat2",
    "write_aedat4",
]
