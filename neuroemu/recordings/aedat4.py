"""AEDAT 4.0 (DV): FlatBuffers packets, LZ4 or Zstd compressed, in streams.

Layout of the file (all integers little-endian)::

    #!AER-DAT4.0\\r\\n
    int32 n, then an n-byte FlatBuffer 'IOHE' (IOHeader): compression (int32:
        0 none, 1 LZ4, 2 LZ4 high, 3 Zstd, 4 Zstd high), dataTablePosition
        (int64, -1 if none), infoNode (XML string naming each stream's id,
        typeIdentifier and, for events, sizeX/sizeY)
    packets up to dataTablePosition (or the end of the file): int32 stream id,
        int32 size, size bytes (compressed) of a size-prefixed FlatBuffer
    the data table (an index of the packets; not needed to read them)

An event packet ('EVTS') is a table whose field 0 is a vector of 16-byte structs
``(int64 t, int16 x, int16 y, bool on, 3 bytes padding)``; ``t`` is in µs on the
camera's clock and ``(x, y)`` count from the top-left. Packets of the other
streams (IMU 'IMUS', triggers 'TRIG', frames 'FRME', ...) are skipped and their
elements counted in ``skipped``. FlatBuffers are decoded here directly (a table
holds a signed offset to its vtable, which lists each field's offset).
"""

from __future__ import annotations

import struct
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np

from ..errors import FormatError
from .base import Block, EventMeta, ReadContext, camera_geometry, read_exact

MAGIC = b"#!AER-DAT4.0"
COMPRESSION = {0: "none", 1: "LZ4", 2: "LZ4_HIGH", 3: "ZSTD", 4: "ZSTD_HIGH"}
#: the 16-byte FlatBuffers struct of one event
EVENT_STRUCT = np.dtype({"names": ["t", "x", "y", "on"],
                         "formats": ["<i8", "<i2", "<i2", "u1"],
                         "offsets": [0, 8, 10, 12], "itemsize": 16})
#: skipped-count names of the other stream types
STREAM_KINDS = {"IMUS": "imu", "TRIG": "trigger", "FRME": "frame", "EVTS": "events_other_stream"}


class Aedat4Decoder:
    """Header facts of an AEDAT 4.0 file and a packet-by-packet decoder."""

    def __init__(self, path: Path, ctx: ReadContext):
        self.path = path
        self.size = path.stat().st_size
        with open(path, "rb") as fh:
            fh.readline(64)  # '#!AER-DAT4.0'
            pos = fh.tell()
            (n,) = struct.unpack("<i", read_exact(fh, 4, ctx, "IOHeader size", pos))
            if n <= 0 or pos + 4 + n > self.size:
                raise ctx.fail(f"IOHeader size {n} at byte {pos} runs past the end of the file "
                               f"({self.size} bytes)" if n > 0 else
                               f"IOHeader size {n} at byte {pos}, expected > 0")
            buf = read_exact(fh, n, ctx, "IOHeader", pos + 4)
        self.data_start = pos + 4 + n
        where = f"IOHeader at byte {pos + 4}"
        fb = _FlatBuffer(buf, ctx, where)
        root = fb.root("IOHE")
        code = fb.scalar(root, 0, "<i", 0)
        if code not in COMPRESSION:
            raise ctx.fail(f"{where}: compression {code}, expected one of "
                           + ", ".join(f"{k} ({v})" for k, v in COMPRESSION.items()))
        self.compression = COMPRESSION[code]
        table_pos = fb.scalar(root, 1, "<q", -1)
        info = fb.string(root, 2) or ""
        self.data_end = self.size
        notes = []
        if table_pos >= 0:
            if table_pos < self.data_start:
                raise ctx.fail(f"{where}: dataTablePosition {table_pos}, expected -1 or a "
                               f"position >= {self.data_start} (after the header)")
            if table_pos > self.size:
                message = (f"truncated: the header puts the data table at byte {table_pos} but "
                           f"the file ends at byte {self.size}")
                if ctx.strict:
                    raise ctx.fail(message + " (strict=False, or --lenient, reads the packets "
                                             "that are whole)")
                notes.append(message)
            else:
                self.data_end = table_pos
        self.streams = _parse_info(info, ctx)
        events = sorted(k for k, s in self.streams.items() if s.get("typeIdentifier") == "EVTS")
        self.event_stream = events[0] if events else None
        if self.event_stream is None:
            notes.append("the header declares no event ('EVTS') stream")
        info_ev = self.streams.get(self.event_stream, {})
        self.width = _int_or_none(info_ev.get("sizeX"))
        self.height = _int_or_none(info_ev.get("sizeY"))
        for key, value in (("sizeX", self.width), ("sizeY", self.height)):
            if value is not None and not 1 <= value <= MAX_SENSOR:
                raise ctx.fail(f"the event stream's info gives {key} {value}, expected "
                               f"1..{MAX_SENSOR} pixels (a damaged header)")
        source = info_ev.get("source", "")
        known = camera_geometry(source) if source else None
        self.camera = known[0] if known else (source.split("_")[0] if source else "unknown")
        if self.width is None or self.height is None:
            if known:
                self.width, self.height = known[1], known[2]
                notes.append(f"sizeX/sizeY missing from the stream info; {self.width}x"
                             f"{self.height} taken from the source name {source!r}")
            else:
                self.width = self.height = None
                notes.append("the event stream's info gives no sizeX/sizeY")
        hdr = {"version": "4.0", "compression": self.compression,
               "streams": ", ".join(f"{k}: {s.get('typeIdentifier', '?')}"
                                    for k, s in sorted(self.streams.items())),
               "event_stream": str(self.event_stream), "source": source,
               "data_table_position": str(table_pos)}
        self.meta = EventMeta(path=str(path), format="AEDAT 4.0", camera=self.camera,
                              width=self.width, height=self.height, header=hdr,
                              notes=tuple(notes))

    def blocks(self, ctx: ReadContext, n: int):
        """Yield :class:`~.base.Block` of about ``n`` events (whole packets)."""
        decompress = _decompressor(self.compression)
        parts: list[tuple[np.ndarray, int]] = []
        held = 0
        with open(self.path, "rb") as fh:
            pos = self.data_start
            fh.seek(pos)
            while pos < self.data_end:
                if self.data_end - pos < 8:
                    ctx.recoverable("truncated", 1,
                                    f"truncated: the file ends {self.data_end - pos} bytes into "
                                    f"the 8-byte packet header at byte {pos}")
                    break
                sid, size = struct.unpack("<ii", fh.read(8))
                if size < 0 or sid not in self.streams:
                    raise ctx.fail(
                        f"invalid packet header at byte {pos}: stream id {sid}, size {size}; "
                        f"expected a stream declared in the header ({self.meta.header['streams']}"
                        ") and a size >= 0")
                if pos + 8 + size > self.data_end:
                    ctx.recoverable(
                        "truncated", 1,
                        f"truncated: the packet at byte {pos} declares {size} bytes but only "
                        f"{self.data_end - pos - 8} remain")
                    break
                raw = fh.read(size)
                kind = self.streams[sid].get("typeIdentifier", "")
                if sid == self.event_stream or kind in ("IMUS", "TRIG", "EVTS"):
                    where = f"packet at byte {pos}"
                    data = decompress(raw, ctx, where)
                    elements = _elements(data, kind, ctx, where)
                    if sid == self.event_stream:
                        count, off = elements
                        if count:
                            ev = np.frombuffer(data, EVENT_STRUCT, count, off)
                            parts.append((ev, pos))
                            held += count
                    else:
                        ctx.skip(STREAM_KINDS[kind], elements[0])
                else:
                    ctx.skip(STREAM_KINDS.get(kind, f"{kind or 'stream'}_packets"), 1)
                pos += 8 + size
                if held >= n:
                    yield self._block(parts, ctx)
                    parts, held = [], 0
        if parts:
            yield self._block(parts, ctx)

    def _block(self, parts, ctx: ReadContext) -> Block:
        sizes = np.array([p[0].size for p in parts])
        starts = np.cumsum(sizes) - sizes
        total = int(sizes.sum())
        t = np.empty(total, np.int64)
        x = np.empty(total, np.int16)
        y = np.empty(total, np.int16)
        p = np.empty(total, np.uint8)
        for (ev, _), a in zip(parts, starts.tolist(), strict=True):
            b = a + ev.size
            t[a:b] = ev["t"]
            x[a:b] = ev["x"]
            y[a:b] = ev["y"]
            p[a:b] = ev["on"] != 0  # a FlatBuffers bool: any byte but 0 is true
        packet_at = np.array([p[1] for p in parts])

        def where(i: int) -> str:
            k = int(np.searchsorted(starts, i, side="right")) - 1
            return f"element {i - int(starts[k])} of the packet at byte {int(packet_at[k])}"

        block = Block(t, x, y, p, where)
        keep = ctx.check_range(x, y, self.width, self.height, where)
        if self.width is None and total and (x.min() < 0 or y.min() < 0):
            bad = (x < 0) | (y < 0)
            i = int(np.argmax(bad))
            ctx.recoverable("out_of_range", int(np.count_nonzero(bad)),
                            f"event at {where(i)}: x = {int(x[i])}, y = {int(y[i])}, expected "
                            "coordinates >= 0")
            keep = ~bad
        return block if keep is None else block.take(keep)


class _FlatBuffer:
    """Bounds-checked reads of a FlatBuffer (tables, scalars, strings, vectors)."""

    def __init__(self, buf: bytes, ctx: ReadContext, where: str):
        self.buf, self.ctx, self.where = buf, ctx, where

    def _u(self, fmt: str, pos: int):
        if not 0 <= pos <= len(self.buf) - struct.calcsize(fmt):
            raise self.ctx.fail(f"{self.where}: FlatBuffer offset {pos} outside the "
                                f"{len(self.buf)}-byte buffer (corrupt packet)")
        return struct.unpack_from(fmt, self.buf, pos)[0]

    def root(self, ident: str) -> int:
        found = bytes(self.buf[4:8])
        if found != ident.encode():
            raise self.ctx.fail(f"{self.where}: FlatBuffer identifier {found!r}, expected "
                                f"{ident!r}")
        return self._u("<I", 0)

    def field(self, table: int, index: int) -> int | None:
        vtable = table - self._u("<i", table)
        vsize = self._u("<H", vtable)
        if 4 + 2 * index + 2 > vsize:
            return None
        off = self._u("<H", vtable + 4 + 2 * index)
        return table + off if off else None

    def scalar(self, table: int, index: int, fmt: str, default):
        at = self.field(table, index)
        return default if at is None else self._u(fmt, at)

    def string(self, table: int, index: int) -> str | None:
        at = self.field(table, index)
        if at is None:
            return None
        start = at + self._u("<I", at)
        length = self._u("<I", start)
        if start + 4 + length > len(self.buf):
            raise self.ctx.fail(f"{self.where}: string of {length} bytes runs past the buffer")
        return bytes(self.buf[start + 4:start + 4 + length]).decode("utf-8", "replace")

    def vector(self, table: int, index: int, item: int) -> tuple[int, int]:
        """(count, byte offset of the first element) of a vector field (0, 0 if absent)."""
        at = self.field(table, index)
        if at is None:
            return 0, 0
        start = at + self._u("<I", at)
        count = self._u("<I", start)
        if start + 4 + count * item > len(self.buf):
            raise self.ctx.fail(f"{self.where}: vector of {count} elements of {item} bytes runs "
                                f"past the {len(self.buf)}-byte buffer")
        return count, start + 4


def _elements(data: bytes, kind: str, ctx: ReadContext, where: str) -> tuple[int, int]:
    """(count, offset in ``data``) of the elements of a size-prefixed packet FlatBuffer."""
    if len(data) < 12:
        raise ctx.fail(f"{where}: decompressed packet of {len(data)} bytes, too short for a "
                       "FlatBuffer")
    (prefix,) = struct.unpack_from("<I", data, 0)
    if prefix > len(data) - 4:
        raise ctx.fail(f"{where}: FlatBuffer size prefix {prefix}, but {len(data) - 4} bytes "
                       "follow it")
    fb = _FlatBuffer(memoryview(data)[4:], ctx, where)
    root = fb.root(kind)
    item = EVENT_STRUCT.itemsize if kind == "EVTS" else 1
    count, off = fb.vector(root, 0, item)
    return count, off + 4


#: the widest and highest sensor the info may declare (AEDAT 4.0 coordinates are int16)
MAX_SENSOR = 32767
#: the most bytes one packet may decompress to (real packets hold a few MB)
MAX_PACKET = 1 << 30


def _decompressor(name: str):
    """``decompress(raw, ctx, where)`` for the file's compression, refusing a packet that
    would expand beyond :data:`MAX_PACKET` bytes (a damaged or hostile file)."""
    if name == "none":
        return lambda raw, ctx, where: raw

    def too_big(ctx, where):
        return ctx.fail(f"{where}: decompresses to more than {MAX_PACKET >> 20} MiB; expected "
                        "a packet of events (the file is damaged or hostile)")

    if name.startswith("LZ4"):
        import lz4.frame

        def lz4_decompress(raw, ctx, where):
            d = lz4.frame.LZ4FrameDecompressor()
            try:
                data = d.decompress(raw, max_length=MAX_PACKET)
            except RuntimeError as exc:
                raise ctx.fail(f"{where}: not a valid LZ4 frame ({exc})") from None
            if not d.eof:
                if len(data) >= MAX_PACKET:
                    raise too_big(ctx, where)
                raise ctx.fail(f"{where}: the LZ4 frame ends early (truncated packet)")
            return data

        return lz4_decompress
    try:
        import zstandard
    except ImportError:  # pragma: no cover - zstandard is a dependency
        raise FormatError("reading Zstd-compressed AEDAT 4.0 needs the 'zstandard' package "
                          "(pip install zstandard)") from None
    dctx = zstandard.ZstdDecompressor()

    def zstd_decompress(raw, ctx, where):
        try:
            size = zstandard.frame_content_size(raw)
            if size < 0:  # not declared: see how far it expands, at most past the limit
                with dctx.stream_reader(raw) as reader:
                    size = len(reader.read(MAX_PACKET + 1))
            if size > MAX_PACKET:
                raise too_big(ctx, where)
            obj = dctx.decompressobj()
            data = obj.decompress(raw)
        except zstandard.ZstdError as exc:
            raise ctx.fail(f"{where}: not a valid Zstd frame ({exc})") from None
        if not obj.eof:
            raise ctx.fail(f"{where}: the Zstd frame ends early (truncated packet)")
        return data

    return zstd_decompress


def _parse_info(info: str, ctx: ReadContext) -> dict[int, dict[str, str]]:
    """Stream id -> attributes (typeIdentifier, compression, sizeX, sizeY, source, ...)."""
    if not info.strip():
        raise ctx.fail("IOHeader infoNode is empty; expected the XML description of the "
                       "streams")
    try:
        root = ET.fromstring(info)
    except ET.ParseError as exc:
        raise ctx.fail(f"IOHeader infoNode is not valid XML ({exc})") from None
    streams: dict[int, dict[str, str]] = {}
    for node in root.iter("node"):
        if node.get("name") != "outInfo":
            continue
        for out in node.findall("node"):
            try:
                sid = int(out.get("name", ""))
            except ValueError:
                continue
            attrs = {a.get("key", ""): (a.text or "") for a in out.findall("attr")}
            for sub in out.findall("node"):
                if sub.get("name") == "info":
                    attrs.update({a.get("key", ""): (a.text or "") for a in sub.findall("attr")})
            streams[sid] = attrs
    if not streams:
        raise ctx.fail("IOHeader infoNode declares no streams (no 'outInfo' node)")
    return streams


def _int_or_none(text: str | None) -> int | None:
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None
