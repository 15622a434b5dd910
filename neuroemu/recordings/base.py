"""What every event-recording reader shares: the event array, a recording's
description, decoded blocks, the read context and sensor geometry.

The readers themselves are :mod:`.reader` (format detection, chunked reading)
and one module per format; writers are :mod:`.writer`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np

from ..errors import FormatError, NeuroemuWarning

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


class EventWarning(NeuroemuWarning):
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
