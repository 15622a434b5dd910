"""AEDAT 2.0 (jAER): ``#`` text header, then big-endian 8-byte records.

Each record is a 32-bit address and a 32-bit timestamp (µs), both big-endian.
The address layout depends on the sensor, named by the header's chip class
(``# AEChip: ch.unizh.ini.jaer.chip.retina.DVS128``,
``# AEChip: eu.seebetter.ini.chips.davis.DAVIS240C``, ...):

==========  =====================================================================
layout      address bits
==========  =====================================================================
DVS128      bit 0 polarity (0 = ON, as jAER reads it), bits 1-7 x, bits 8-14 y,
            bit 15 external (sync) event; any bit above 15 marks a special event
DAVIS       bit 31 set: APS sample or IMU word (bits 10-11 = 3), not an event;
            bits 22-30 y, bits 12-21 x, bit 11 polarity (1 = ON), bit 10 external
==========  =====================================================================

jAER counts rows from the bottom and mirrors the column (``x = width - 1 - raw``);
events are returned as jAER shows them with the top-left origin used by every
other reader: ``x = width - 1 - raw_x``, ``y = height - 1 - raw_y``.

Timestamps are read as unsigned 32-bit; a drop by more than 2**31 µs is taken as
the 32-bit counter wrapping (every ~71.6 minutes) and unwrapped into int64.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .base import Block, EventMeta, ReadContext, camera_geometry

RECORD = 8
_WRAP = 1 << 32
_HALF = 1 << 31

#: address layout by camera (cameras not listed have no known AEDAT 2.0 layout)
LAYOUTS = {"DVS128": "DVS128", "eDVS": "DVS128", "DAVIS240": "DAVIS", "DAVIS346": "DAVIS",
           "DAVIS640": "DAVIS", "DAVIS208": "DAVIS", "DAVIS128": "DAVIS"}


class Aedat2Decoder:
    """Header facts of an AEDAT 2.0 file and a chunked decoder of its records."""

    def __init__(self, path: Path, ctx: ReadContext):
        self.path = path
        header, self.data_start = _read_header(path)
        size = path.stat().st_size
        self.header_cut = bool(header) and self.data_start == size and not _ends_line(path)
        if self.header_cut and ctx.strict:
            raise ctx.fail(f"truncated: the file ends inside a header line at byte {size}, "
                           "before any record (strict=False, or --lenient, reads it as a "
                           "recording of no events)")
        fields = {}
        for line in header:
            body = line.lstrip("#").strip()
            key, sep, value = body.partition(":")
            if sep and key.strip() in ("AEChip", "HardwareInterface"):
                fields.setdefault(key.strip(), value.strip())
        found = None
        for key in ("AEChip", "HardwareInterface"):
            if key in fields:
                found = camera_geometry(fields[key])
                if found:
                    break
        if found is None or found[0] not in LAYOUTS:
            named = ", ".join(f"{k}: {v!r}" for k, v in fields.items()) or "no '# AEChip:' line"
            raise ctx.fail(
                f"AEDAT 2.0 header names no sensor with a known address layout ({named}); "
                f"expected a chip class naming one of {', '.join(sorted(LAYOUTS))}")
        self.camera, self.width, self.height = found
        self.layout = LAYOUTS[self.camera]
        self.n_records, self.tail = divmod(size - self.data_start, RECORD)
        notes = []
        if self.header_cut:
            notes.append(f"the file ends inside a header line at byte {size}, before any "
                         "record")
        if self.tail and not ctx.strict:
            notes.append(f"the file ends {self.tail} bytes into a record at byte "
                         f"{self.data_start + self.n_records * RECORD}; that record is dropped")
        if self.tail and ctx.strict:
            raise ctx.fail(
                f"truncated: the file ends {self.tail} bytes into the 8-byte record at byte "
                f"{self.data_start + self.n_records * RECORD} (data starts at byte "
                f"{self.data_start}, {size - self.data_start} bytes is not a whole number of "
                "records) (strict=False, or --lenient, drops the partial record)")
        hdr = {"version": "2.0", "layout": self.layout,
               "orientation": "x = width-1-raw_x, y = height-1-raw_y (as jAER shows it, "
                              "origin top-left)",
               "header_bytes": str(self.data_start), "records": str(self.n_records)}
        hdr.update(fields)
        self.meta = EventMeta(path=str(path), format="AEDAT 2.0", camera=self.camera,
                              width=self.width, height=self.height, header=hdr,
                              notes=tuple(notes))

    def blocks(self, ctx: ReadContext, n: int):
        """Yield :class:`~.base.Block` of at most ``n`` records each."""
        if self.tail or self.header_cut:
            ctx.skip("truncated", 1)
        if self.n_records == 0:
            return
        davis = self.layout == "DAVIS"
        w1, h1 = self.width - 1, self.height - 1
        buf = bytearray(n * RECORD)
        wraps = 0
        last_ts: int | None = None
        with open(self.path, "rb") as fh:
            fh.seek(self.data_start)
            rec0 = 0
            while rec0 < self.n_records:
                k = min(n, self.n_records - rec0)
                view = memoryview(buf)[:k * RECORD]
                got = fh.readinto(view)
                base = self.data_start + rec0 * RECORD
                if got != k * RECORD:
                    raise ctx.fail(f"truncated: the file ends at byte {base + got}, "
                                   f"inside the record at byte {base + got // RECORD * RECORD}")
                raw = np.frombuffer(buf, ">u4", 2 * k).reshape(k, 2)
                addr = raw[:, 0].astype(np.uint32)
                ts = raw[:, 1].astype(np.int64)
                # unwrap the 32-bit clock
                first_back = last_ts is not None and ts[0] < last_ts
                if wraps or first_back or (k > 1 and bool(np.any(ts[1:] < ts[:-1]))):
                    drop = np.empty(k, bool)
                    drop[0] = last_ts is not None and last_ts - ts[0] > _HALF
                    drop[1:] = (ts[:-1] - ts[1:]) > _HALF
                    last_ts = int(ts[-1])
                    if drop.any() or wraps:
                        ts = ts + (wraps + np.cumsum(drop, dtype=np.int64)) * _WRAP
                        wraps += int(np.count_nonzero(drop))
                else:
                    last_ts = int(ts[-1])
                if davis:
                    special = addr >= np.uint32(1 << 31)
                    ext = (addr & np.uint32(1 << 10)) != 0
                    drop_mask = special | ext
                    if drop_mask.any():
                        imu = special & ((addr & np.uint32(0xC00)) == np.uint32(0xC00))
                        n_imu = int(np.count_nonzero(imu))
                        ctx.skip("imu", n_imu)
                        ctx.skip("aps", int(np.count_nonzero(special)) - n_imu)
                        ctx.skip("external", int(np.count_nonzero(ext & ~special)))
                    rx = (addr >> np.uint32(12)) & np.uint32(0x3FF)
                    ry = (addr >> np.uint32(22)) & np.uint32(0x1FF)
                    p = ((addr >> np.uint32(11)) & np.uint32(1)).astype(np.uint8)
                else:
                    drop_mask = addr >= np.uint32(1 << 15)
                    if drop_mask.any():
                        ext = (addr & np.uint32(0xFFFF8000)) == np.uint32(0x8000)
                        n_ext = int(np.count_nonzero(ext))
                        ctx.skip("external", n_ext)
                        ctx.skip("special", int(np.count_nonzero(drop_mask)) - n_ext)
                    rx = (addr >> np.uint32(1)) & np.uint32(0x7F)
                    ry = (addr >> np.uint32(8)) & np.uint32(0x7F)
                    p = (np.uint32(1) - (addr & np.uint32(1))).astype(np.uint8)
                block = Block(ts, rx, ry, p, _offsets(base))
                if drop_mask.any():
                    block = block.take(~drop_mask)
                if davis:
                    keep = ctx.check_range(block.x, block.y, self.width, self.height,
                                           block.where, " (raw address fields)")
                    if keep is not None:
                        block = block.take(keep)
                block.x = (w1 - block.x.astype(np.int32)).astype(np.uint16)
                block.y = (h1 - block.y.astype(np.int32)).astype(np.uint16)
                yield block
                rec0 += k


def _offsets(base: int):
    return lambda i: f"byte {base + RECORD * int(i)}"


def _ends_line(path: Path) -> bool:
    """Whether the file's last byte ends a line."""
    with open(path, "rb") as fh:
        fh.seek(-1, os.SEEK_END)
        return fh.read(1) == b"\n"


def _read_header(path: Path) -> tuple[list[str], int]:
    """Header lines (without ``#!AER-DAT2.0``) and the byte offset where records start."""
    lines = []
    with open(path, "rb") as fh:
        fh.readline()  # '#!AER-DAT2.0'
        pos = fh.tell()
        while True:
            line = fh.readline(1 << 16)
            if not line.startswith(b"#") or not _is_header_line(line):
                break
            lines.append(line.decode("utf-8", "replace").rstrip("\r\n"))
            pos = fh.tell()
    return lines, pos


_CONTROL = bytes(b for b in range(32) if b not in (9, 10, 13)) + b"\x7f"


def _is_header_line(line: bytes) -> bool:
    """A text line: no control bytes, or (a damaged comment) a line ended by jAER's
    ``\\r\\n`` with at most 2 control bytes in at least 16 (records are 8 binary bytes)."""
    control = len(line) - len(line.translate(None, _CONTROL))
    return control == 0 or (line.endswith(b"\r\n") and control <= 2 and len(line) >= 16)
