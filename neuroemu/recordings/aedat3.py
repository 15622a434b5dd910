"""AEDAT 3.1 (cAER / libcaer): text header, then packets of little-endian events.

The header is ``#`` lines from ``#!AER-DAT3.1`` to ``#!END-HEADER``; ``#Format:``
must be ``RAW`` and ``#Source <id>: <name>`` names the sensor. Then packets, each
a 28-byte header of little-endian fields

=======  ===============  ===============================================
offset   field            meaning
=======  ===============  ===============================================
0        eventType int16  1 = polarity; 0 special, 2 frame, 3 IMU6, ...
2        eventSource      the source id of the header's ``#Source`` line
4        eventSize int32  bytes per event (8 for polarity events)
8        eventTSOffset    byte offset of the timestamp in an event (4)
12       eventTSOverflow  the high bits of the timestamps of this packet
16       eventCapacity    events the packet can hold (>= eventNumber)
20       eventNumber      events stored in the packet
24       eventValid       how many of them have the validity bit set
=======  ===============  ===============================================

followed by ``eventNumber * eventSize`` bytes. A polarity event is a 32-bit data
word (bit 0 valid, bit 1 polarity, bits 2-16 y, bits 17-31 x) and a 32-bit
timestamp; ``t = eventTSOverflow << 31 | timestamp``. Coordinates already count
from the top-left. Events whose validity bit is clear are skipped and counted as
``'invalid'``; packets of other types are skipped and counted by type name.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .base import Block, EventMeta, ReadContext, camera_geometry, read_exact

PACKET_HEADER = 28
POLARITY = 1
POLARITY_SIZE = 8
#: libcaer event types (packets of these are skipped and counted under these names)
EVENT_TYPES = {0: "special", 1: "polarity", 2: "frame", 3: "imu6", 4: "imu9", 5: "sample",
               6: "ear", 7: "config", 8: "point1d", 9: "point2d", 10: "point3d",
               11: "point4d", 12: "spike", 13: "matrix4x4"}
_HEADER_DTYPE = np.dtype([("type", "<i2"), ("source", "<i2"), ("size", "<i4"),
                          ("ts_offset", "<i4"), ("ts_overflow", "<i4"), ("capacity", "<i4"),
                          ("number", "<i4"), ("valid", "<i4")])
_MAX_HEADER = 1 << 24


class Aedat31Decoder:
    """Header facts of an AEDAT 3.1 file and a packet-by-packet decoder."""

    def __init__(self, path: Path, ctx: ReadContext):
        self.path = path
        lines, self.data_start = _read_header(path, ctx)
        fmt = None
        sources: dict[int, str] = {}
        for line in lines:
            body = line[1:].strip()
            if body.startswith("Format:"):
                fmt = body.partition(":")[2].strip()
            elif body.startswith("Source"):
                key, _, name = body.partition(":")
                try:
                    sources[int(key.split()[1])] = name.strip()
                except (IndexError, ValueError):
                    pass
        if fmt is not None and fmt.upper() != "RAW":
            raise ctx.fail(f"AEDAT 3.1 header '#Format: {fmt}' is not supported; expected "
                           "'#Format: RAW' (uncompressed packets)")
        self.sources = sources
        name = next(iter(sources.values()), "")
        found = camera_geometry(name) if name else None
        notes = []
        if found is None:
            self.camera, self.width, self.height = name or "unknown", None, None
            notes.append(f"the header's source {name!r} is not a known sensor: its size is "
                         "not declared" if name else "the header names no '#Source'")
        else:
            self.camera, self.width, self.height = found
        hdr = {"version": "3.1", "format": fmt or "RAW",
               "sources": ", ".join(f"{k}: {v}" for k, v in sources.items()),
               "header_bytes": str(self.data_start)}
        self.meta = EventMeta(path=str(path), format="AEDAT 3.1", camera=self.camera,
                              width=self.width, height=self.height, header=hdr,
                              notes=tuple(notes))

    def blocks(self, ctx: ReadContext, n: int):
        """Yield :class:`~.base.Block` of about ``n`` events (whole packets)."""
        size = self.path.stat().st_size
        source = None
        claimed_valid = 0
        found_valid = 0
        parts: list[tuple[np.ndarray, np.ndarray, int, int]] = []
        held = 0
        with open(self.path, "rb") as fh:
            pos = self.data_start
            fh.seek(pos)
            while pos < size:
                if size - pos < PACKET_HEADER:
                    ctx.recoverable("truncated", 1,
                                    f"truncated: the file ends {size - pos} bytes into the "
                                    f"28-byte packet header at byte {pos}")
                    break
                h = np.frombuffer(fh.read(PACKET_HEADER), _HEADER_DTYPE)[0]
                etype, esize, number = int(h["type"]), int(h["size"]), int(h["number"])
                _check_header(h, pos, ctx)
                body = esize * number
                if pos + PACKET_HEADER + body > size:
                    ctx.recoverable(
                        "truncated", number,
                        f"truncated: the packet at byte {pos} declares {number} events of "
                        f"{esize} bytes ({body} bytes) but the file ends after "
                        f"{size - pos - PACKET_HEADER}")
                    break
                data = read_exact(fh, body, ctx, "packet body", pos + PACKET_HEADER)
                if etype != POLARITY:
                    ctx.skip(EVENT_TYPES.get(etype, f"type{etype}"), number)
                elif source is not None and int(h["source"]) != source:
                    ctx.skip("other_source", number)
                else:
                    source = int(h["source"])
                    if esize != POLARITY_SIZE or int(h["ts_offset"]) != 4:
                        raise ctx.fail(
                            f"packet at byte {pos}: polarity events with eventSize {esize} and "
                            f"eventTSOffset {int(h['ts_offset'])}, expected 8 and 4")
                    words = np.frombuffer(data, "<u4").reshape(number, 2)
                    valid = (words[:, 0] & np.uint32(1)).astype(bool)
                    n_valid = int(np.count_nonzero(valid))
                    claimed_valid += int(h["valid"])
                    found_valid += n_valid
                    ctx.skip("invalid", number - n_valid)
                    idx = np.flatnonzero(valid)
                    if idx.size:
                        parts.append((words[idx], idx, pos + PACKET_HEADER,
                                      int(h["ts_overflow"])))
                        held += idx.size
                pos += PACKET_HEADER + body
                if held >= n:
                    yield self._block(parts, ctx)
                    parts, held = [], 0
        if parts:
            yield self._block(parts, ctx)
        if claimed_valid != found_valid:
            ctx.note(f"the packet headers claim {claimed_valid} valid polarity events, "
                     f"{found_valid} have their validity bit set (the bits are used)")

    def _block(self, parts, ctx: ReadContext) -> Block:
        words = np.concatenate([p[0] for p in parts])
        offsets = np.concatenate([p[2] + 8 * p[1] for p in parts])
        t = np.concatenate([(np.int64(p[3]) << 31) | p[0][:, 1].astype(np.int64)
                            for p in parts])
        data = words[:, 0]
        x = (data >> np.uint32(17)).astype(np.int64)
        y = ((data >> np.uint32(2)) & np.uint32(0x7FFF)).astype(np.int64)
        p = ((data >> np.uint32(1)) & np.uint32(1)).astype(np.uint8)
        block = Block(t, x, y, p, lambda i: f"byte {int(offsets[i])}")
        keep = ctx.check_range(x, y, self.width, self.height, block.where)
        return block if keep is None else block.take(keep)


def _check_header(h, pos: int, ctx: ReadContext) -> None:
    size, number, capacity = int(h["size"]), int(h["number"]), int(h["capacity"])
    valid, overflow = int(h["valid"]), int(h["ts_overflow"])
    problems = []
    if size <= 0:
        problems.append(f"eventSize {size}, expected > 0")
    if number < 0:
        problems.append(f"eventNumber {number}, expected >= 0")
    if capacity < number:
        problems.append(f"eventCapacity {capacity} < eventNumber {number}")
    if not 0 <= valid <= max(number, 0):
        problems.append(f"eventValid {valid}, expected 0..eventNumber ({number})")
    if overflow < 0:
        problems.append(f"eventTSOverflow {overflow}, expected >= 0")
    if size > 0 and not 0 <= int(h["ts_offset"]) <= size - 4:
        problems.append(f"eventTSOffset {int(h['ts_offset'])}, expected 0..{size - 4}")
    if problems:
        raise ctx.fail(f"invalid packet header at byte {pos}: " + "; ".join(problems))


def _read_header(path: Path, ctx: ReadContext) -> tuple[list[str], int]:
    head = b""
    end = -1
    with open(path, "rb") as fh:
        while end < 0 and len(head) < _MAX_HEADER:
            more = fh.read(max(len(head), 1 << 16))
            if not more:
                break
            head += more
            end = head.find(b"#!END-HEADER")
    if end < 0:
        raise ctx.fail("AEDAT 3.1 header has no '#!END-HEADER' line (searched the first "
                       f"{min(len(head), _MAX_HEADER)} bytes): the header is truncated")
    stop = head.find(b"\n", end)
    stop = len(head) if stop < 0 else stop + 1
    text = head[:end].decode("utf-8", "replace")
    lines = [ln.rstrip("\r") for ln in text.split("\n") if ln.startswith("#")]
    return lines[1:], stop
