"""N-MNIST ``.bin`` (ATIS sensor, Orchard et al. 2015): 5-byte events, no header.

Each event is 40 bits, big-endian::

    byte 0      x (0-33)
    byte 1      y (0-33)
    byte 2      bit 7 polarity (1 = ON), bits 0-6 timestamp bits 22-16
    bytes 3-4   timestamp bits 15-0 (µs)

so timestamps are 23-bit. A record with ``y = 240`` is not an event but a
timestamp-overflow marker (used by the same format's longer recordings): it adds
2**13 µs to the timestamps that follow and is counted as ``'ts_overflow'``.
The sensor is 34 x 34 pixels, counted from the top-left.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import FormatError
from .base import Block, EventMeta, ReadContext

RECORD = 5
WIDTH = HEIGHT = 34
OVERFLOW_Y = 240
OVERFLOW_US = 1 << 13
#: records looked at before decoding, and the share of them that may be implausible
SAMPLE = 4096
IMPLAUSIBLE = 0.01


class NmnistDecoder:
    """Facts of an N-MNIST file and a chunked decoder of its records."""

    def __init__(self, path: Path, ctx: ReadContext):
        self.path = path
        size = path.stat().st_size
        self.n_records, self.tail = divmod(size, RECORD)
        if self.n_records:
            _check_plausible(path, self.n_records)
        notes = []
        if self.tail:
            message = (f"truncated: the file ends {self.tail} bytes into the 5-byte event at byte "
                       f"{self.n_records * RECORD} ({size} bytes is not a whole number of "
                       "N-MNIST events)")
            if ctx.strict:
                raise ctx.fail(message + " (strict=False, or --lenient, drops the partial record)")
            notes.append(message)
        self.meta = EventMeta(path=str(path), format="N-MNIST", camera="ATIS", width=WIDTH,
                              height=HEIGHT, header={"records": str(self.n_records),
                                                     "event_bytes": str(RECORD)},
                              notes=tuple(notes))

    def blocks(self, ctx: ReadContext, n: int):
        """Yield :class:`~.base.Block` of at most ``n`` records each."""
        if self.tail:
            ctx.skip("truncated", 1)
        overflow = 0
        buf = bytearray(n * RECORD)
        with open(self.path, "rb") as fh:
            rec0 = 0
            while rec0 < self.n_records:
                k = min(n, self.n_records - rec0)
                got = fh.readinto(memoryview(buf)[:k * RECORD])
                if got != k * RECORD:
                    raise ctx.fail(f"truncated: the file ends at byte {rec0 * RECORD + got}")
                raw = np.frombuffer(buf, np.uint8, k * RECORD).reshape(k, RECORD)
                x = raw[:, 0]
                y = raw[:, 1]
                b2 = raw[:, 2].astype(np.int64)
                t = ((b2 & 0x7F) << 16) | (raw[:, 3].astype(np.int64) << 8) | raw[:, 4]
                p = raw[:, 2] >> 7
                base = rec0 * RECORD
                block = Block(t, x, y, p, lambda i, base=base: f"byte {base + RECORD * int(i)}")
                marks = y == OVERFLOW_Y
                if marks.any() or overflow:
                    steps = overflow + np.cumsum(marks, dtype=np.int64)
                    block.t = t + steps * OVERFLOW_US
                    overflow = int(steps[-1])
                    ctx.skip("ts_overflow", int(np.count_nonzero(marks)))
                    block = block.take(~marks)
                keep = ctx.check_range(block.x, block.y, WIDTH, HEIGHT, block.where, "")
                if keep is not None:
                    block = block.take(keep)
                yield block
                rec0 += k


def looks_like_text(path: Path) -> bool:
    """Whether a file that reads as text may be N-MNIST all the same: it is whole records
    and every byte of its first ones is below 34, a space, ``!`` or a control character
    (so each x and y is on the 34 x 34 sensor). A short recording can be such bytes (an
    event at x = 32, y = 32, t = 598,048 µs is two spaces, a tab and two spaces); text with
    any other character cannot.

    Parameters
    ----------
    path : Path
        A file :func:`neuroemu.sniff.sniff` finds to be text.

    Returns
    -------
    bool
    """
    if path.stat().st_size % RECORD != 0:
        return False
    with open(path, "rb") as fh:
        head = np.frombuffer(fh.read(SAMPLE * RECORD), np.uint8)
    return bool(head.size > 0 and np.all(head < min(WIDTH, HEIGHT)))


def _check_plausible(path: Path, n_records: int) -> None:
    """Refuse a file whose first records are not N-MNIST events, whatever ``strict``:
    more than 1% of them outside the 34 x 34 sensor, going back in time, or all the
    same 5 bytes (a file of zeros)."""
    k = min(n_records, SAMPLE)
    with open(path, "rb") as fh:
        raw = np.frombuffer(fh.read(k * RECORD), np.uint8).reshape(k, RECORD)
    if k >= 512 and np.all(raw == raw[0]):  # one pixel cannot fire 512 times in 1 µs
        raise FormatError(f"{path}: does not look like N-MNIST events: the first {k} records "
                          f"are all the same bytes {bytes(raw[0]).hex(' ')}; it is read as "
                          "N-MNIST because it is named .bin or format='nmnist' was given")
    events = raw[:, 1] != OVERFLOW_Y
    outside = events & ((raw[:, 0] >= WIDTH) | (raw[:, 1] >= HEIGHT))
    t = (((raw[:, 2].astype(np.int64) & 0x7F) << 16) | (raw[:, 3].astype(np.int64) << 8)
         | raw[:, 4]) + np.cumsum(~events) * OVERFLOW_US
    t = t[events & ~outside]
    back = int(np.count_nonzero(t[1:] < t[:-1]))  # steps back (one bad timestamp: 1 or 2)
    allowed = max(2, int(IMPLAUSIBLE * k))
    n_out = int(np.count_nonzero(outside))
    if n_out > allowed or back > allowed:
        found = (f"{n_out} of the first {k} records have addresses outside the 34 x 34 sensor"
                 if n_out > allowed else
                 f"{back} of the first {k} events go back in time from the one before")
        raise FormatError(f"{path}: does not look like N-MNIST events: {found} (expected at "
                          f"most {allowed}); it is read as N-MNIST because it is named .bin or "
                          "format='nmnist' was given: is it a recording of another kind?")
