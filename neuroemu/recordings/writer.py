"""Writing event recordings: AEDAT 2.0, 3.1, 4.0 and N-MNIST.

Each writer takes an array of :data:`~.base.EVENT_DTYPE` (or any structured
array with ``t, x, y, p``), or an iterable of such arrays for recordings longer
than memory, and writes what the matching reader reads back unchanged.
Timestamps must be >= 0 and never decrease; coordinates must lie on the sensor.
"""

from __future__ import annotations

import itertools
import os
import struct

import numpy as np

from ..errors import FormatError
from .base import as_event_chunks

#: jAER chip classes written for each sensor size (the AEDAT 2.0 reader maps them back)
AEDAT2_CHIPS = {
    (128, 128): ("ch.unizh.ini.jaer.chip.retina.DVS128", "DVS128"),
    (240, 180): ("eu.seebetter.ini.chips.davis.DAVIS240C", "DAVIS"),
    (346, 260): ("eu.seebetter.ini.chips.davis.Davis346B", "DAVIS"),
    (640, 480): ("eu.seebetter.ini.chips.davis.Davis640", "DAVIS"),
    (208, 192): ("eu.seebetter.ini.chips.davis.Davis208", "DAVIS"),
}
#: AEDAT 3.1 source names by sensor size
AEDAT31_SOURCES = {(128, 128): "DVS128", (240, 180): "DAVIS240C", (346, 260): "DAVIS346B",
                   (640, 480): "DAVIS640"}
_COMPRESSION = {"none": 0, "lz4": 1, "lz4_high": 2, "zstd": 3, "zstd_high": 4}


class _Checker:
    """Checks chunks against the sensor size and keeps time order across chunks."""

    def __init__(self, path, width: int, height: int, fmt: str):
        self.path, self.width, self.height, self.fmt = path, width, height, fmt
        self.last_t: int | None = None

    def __call__(self, ev: np.ndarray) -> None:
        if ev.size == 0:
            return
        fail = f"{self.path}: cannot write {self.fmt}:"
        for name, limit in (("x", self.width), ("y", self.height), ("p", 2)):
            top = int(ev[name].max())
            if top >= limit:
                raise FormatError(f"{fail} {name} = {top}, expected 0 <= {name} < {limit}")
        t = ev["t"]
        if int(t.min()) < 0:
            raise FormatError(f"{fail} t = {int(t.min())} us, expected t >= 0")
        if (self.last_t is not None and t[0] < self.last_t) or np.any(t[1:] < t[:-1]):
            raise FormatError(f"{fail} timestamps decrease; sort the events by t first")
        self.last_t = int(t[-1])


def write_aedat2(path: str | os.PathLike, events, width: int = 128, height: int = 128) -> None:
    """Write an AEDAT 2.0 (jAER) file.

    A 128 x 128 sensor is written in the DVS128 address layout, the DAVIS sizes
    (240 x 180, 346 x 260, 640 x 480, 208 x 192) in the DAVIS layout; the header
    names the matching jAER chip class. Addresses are stored the way jAER stores
    them (rows from the bottom, mirrored columns, DVS128 ON as bit 0 = 0), so
    :func:`~.reader.read_events` gives back ``events`` exactly.

    Parameters
    ----------
    path : path-like
    events : numpy.ndarray or iterable of numpy.ndarray
        Fields ``t`` (µs, int64, >= 0, non-decreasing; the first < 2**32 and no gap
        >= 2**31, since the file holds 32-bit timestamps), ``x`` < width,
        ``y`` < height, ``p`` in {0, 1}.
    width, height : int
        Sensor size, one of the sizes above.
    """
    key = (int(width), int(height))
    if key not in AEDAT2_CHIPS:
        sizes = ", ".join(f"{w}x{h}" for w, h in AEDAT2_CHIPS)
        raise FormatError(f"{path}: AEDAT 2.0 has no address layout for a {width}x{height} "
                          f"sensor; supported sizes: {sizes} (AEDAT 4.0 stores any size)")
    chip, layout = AEDAT2_CHIPS[key]
    check = _Checker(path, *key, "AEDAT 2.0")
    header = ("#!AER-DAT2.0\r\n"
              "# This is a raw AE data file - do not edit\r\n"
              "# Data format is int32 address, int32 timestamp (8 bytes total), repeated for "
              "each event\r\n"
              "# Timestamps tick is 1 us\r\n"
              "# created by neuroemu\r\n"
              f"# AEChip: {chip}\r\n")
    w1, h1 = key[0] - 1, key[1] - 1
    prev: int | None = None
    with open(path, "wb") as fh:
        fh.write(header.encode("ascii"))
        for ev in as_event_chunks(events):
            check(ev)
            if ev.size == 0:
                continue
            t = ev["t"]
            first = int(t[0]) if prev is None else prev
            if prev is None and first >= 1 << 32:
                raise FormatError(f"{path}: cannot write AEDAT 2.0: first t = {first} us does "
                                  "not fit 32 bits; subtract an offset from t")
            gaps = np.diff(t, prepend=np.int64(first))
            if gaps.size and int(gaps.max()) >= 1 << 31:
                raise FormatError(f"{path}: cannot write AEDAT 2.0: a gap of {int(gaps.max())} "
                                  "us between events exceeds the 32-bit clock's 2**31 us")
            prev = int(t[-1])
            x = w1 - ev["x"].astype(np.uint32)
            y = h1 - ev["y"].astype(np.uint32)
            p = ev["p"].astype(np.uint32)
            if layout == "DVS128":
                addr = (y << np.uint32(8)) | (x << np.uint32(1)) | (np.uint32(1) - p)
            else:
                addr = (y << np.uint32(22)) | (x << np.uint32(12)) | (p << np.uint32(11))
            rec = np.empty((ev.size, 2), ">u4")
            rec[:, 0] = addr
            rec[:, 1] = (t & 0xFFFFFFFF).astype(np.uint32)
            fh.write(rec.tobytes())


def write_aedat31(path: str | os.PathLike, events, width: int = 128, height: int = 128,
                  source: str | None = None, packet_events: int = 4096,
                  valid: np.ndarray | None = None) -> None:
    """Write an AEDAT 3.1 file of polarity packets.

    Parameters
    ----------
    events : numpy.ndarray or iterable of numpy.ndarray
        Fields ``t`` (µs), ``x`` < width (< 2**15), ``y`` < height, ``p``.
    source : str, optional
        The header's ``#Source 1:`` name (default: the camera of that size, which the
        reader maps back to the size; other names leave the size undeclared).
    packet_events : int
        Events per packet at most (a packet also ends where ``t >> 31`` changes).
    valid : numpy.ndarray of bool, shape (n,), optional
        Validity bit of each event (default all valid); only with a single array.
    """
    if source is None:
        source = AEDAT31_SOURCES.get((int(width), int(height)), "neuroemu")
    if valid is not None and not isinstance(events, np.ndarray):
        raise FormatError("write_aedat31: 'valid' needs events as a single array")
    check = _Checker(path, min(int(width), 1 << 15), min(int(height), 1 << 15), "AEDAT 3.1")
    header = ("#!AER-DAT3.1\r\n#Format: RAW\r\n"
              f"#Source 1: {source}\r\n#Start-Time: 1970-01-01 00:00:00 (TZ+0000)\r\n"
              "#!END-HEADER\r\n")
    with open(path, "wb") as fh:
        fh.write(header.encode("ascii"))
        for ev in as_event_chunks(events):
            check(ev)
            bits = (np.ones(ev.size, np.uint32) if valid is None
                    else np.asarray(valid, bool).reshape(-1).astype(np.uint32))
            if bits.size != ev.size:
                raise FormatError(f"write_aedat31: {bits.size} validity bits for {ev.size} "
                                  "events")
            t = ev["t"].astype(np.int64)
            data = (bits | (ev["p"].astype(np.uint32) << np.uint32(1))
                    | (ev["y"].astype(np.uint32) << np.uint32(2))
                    | (ev["x"].astype(np.uint32) << np.uint32(17)))
            overflow = t >> 31
            cuts = np.flatnonzero(np.diff(overflow)) + 1
            bounds = [0, *cuts.tolist(), ev.size]
            for a, b in itertools.pairwise(bounds):
                for s in range(a, b, packet_events):
                    e = min(s + packet_events, b)
                    n = e - s
                    rec = np.empty((n, 2), "<u4")
                    rec[:, 0] = data[s:e]
                    rec[:, 1] = (t[s:e] & 0x7FFFFFFF).astype(np.uint32)
                    fh.write(struct.pack("<hhiiiiii", 1, 1, 8, 4, int(overflow[s]), n, n,
                                         int(bits[s:e].sum())))
                    fh.write(rec.tobytes())


def write_aedat4(path: str | os.PathLike, events, width: int, height: int,
                 compression: str = "lz4", packet_events: int = 8192,
                 source: str = "neuroemu") -> None:
    """Write an AEDAT 4.0 file with one event stream ('EVTS', stream id 0).

    Parameters
    ----------
    events : numpy.ndarray or iterable of numpy.ndarray
        Fields ``t`` (µs), ``x`` < width, ``y`` < height (both < 2**15), ``p``.
    width, height : int
        Sensor size, stored as the stream's sizeX/sizeY.
    compression : {'lz4', 'lz4_high', 'zstd', 'zstd_high', 'none'}
    packet_events : int
        Events per packet.
    source : str
        The stream's ``source`` attribute (camera name).

    Notes
    -----
    No data table (packet index) is written: the header's ``dataTablePosition``
    is -1, which readers take as "read packets to the end of the file".
    """
    if compression not in _COMPRESSION:
        raise FormatError(f"write_aedat4: compression {compression!r}, expected one of "
                          f"{', '.join(_COMPRESSION)}")
    width, height = int(width), int(height)
    if not (0 < width < 1 << 15 and 0 < height < 1 << 15):
        raise FormatError(f"write_aedat4: sensor {width}x{height}, expected sides 1..32767")
    compress = _compressor(compression)
    check = _Checker(path, width, height, "AEDAT 4.0")
    info = (
        '<dv version="2.0">\n'
        '    <node name="outInfo" path="/mainloop/Recorder/outInfo/">\n'
        '        <node name="0" path="/mainloop/Recorder/outInfo/0/">\n'
        f'            <attr key="compression" type="string">{compression.upper()}</attr>\n'
        '            <attr key="typeDescription" type="string">Array of events (polarity '
        'ON/OFF).</attr>\n'
        '            <attr key="typeIdentifier" type="string">EVTS</attr>\n'
        '            <node name="info" path="/mainloop/Recorder/outInfo/0/info/">\n'
        f'                <attr key="sizeX" type="int">{width}</attr>\n'
        f'                <attr key="sizeY" type="int">{height}</attr>\n'
        f'                <attr key="source" type="string">{_xml_escape(source)}</attr>\n'
        '                <attr key="tsOffset" type="long">0</attr>\n'
        '            </node>\n'
        '        </node>\n'
        '    </node>\n'
        '</dv>\n')
    with open(path, "wb") as fh:
        fh.write(b"#!AER-DAT4.0\r\n")
        fh.write(_io_header(_COMPRESSION[compression], -1, info))
        for ev in as_event_chunks(events):
            check(ev)
            for s in range(0, ev.size, packet_events):
                payload = compress(_event_packet(ev[s:s + packet_events]))
                fh.write(struct.pack("<ii", 0, len(payload)))
                fh.write(payload)


def write_nmnist(path: str | os.PathLike, events) -> None:
    """Write N-MNIST 5-byte events (34 x 34 sensor).

    Timestamps past the 23-bit range (8.39 s) are written with ``y = 240``
    overflow markers, each adding 2**13 µs, as the format does.
    """
    check = _Checker(path, 34, 34, "N-MNIST")
    k_prev = 0
    limit = (1 << 23) - 1
    with open(path, "wb") as fh:
        for ev in as_event_chunks(events):
            check(ev)
            if ev.size == 0:
                continue
            t = ev["t"].astype(np.int64)
            k = np.maximum(0, -(-(t - limit) // (1 << 13)))
            k = np.maximum(k, k_prev)
            marks = np.diff(k, prepend=np.int64(k_prev))
            k_prev = int(k[-1])
            ts = t - k * (1 << 13)
            rec = np.empty((ev.size, 5), np.uint8)
            rec[:, 0] = ev["x"]
            rec[:, 1] = ev["y"]
            rec[:, 2] = ((ts >> 16) & 0x7F) | (ev["p"].astype(np.int64) << 7)
            rec[:, 3] = (ts >> 8) & 0xFF
            rec[:, 4] = ts & 0xFF
            if marks.any():
                marker = np.array([0, 240, 0, 0, 0], np.uint8)
                rows = np.repeat(np.arange(ev.size), marks + 1)
                out = rec[rows].copy()
                # in each event's group of rows the leading ones are markers, the last the event
                last = np.ones(rows.size, bool)
                last[:-1] = rows[1:] != rows[:-1]
                out[~last] = marker
                rec = out
            fh.write(rec.tobytes())


# --------------------------------------------------------------------------------------
# FlatBuffers for AEDAT 4.0 (layouts chosen so every scalar is naturally aligned,
# counting from the start of the size prefix)


def _io_header(compression: int, data_table: int, info: str) -> bytes:
    """Size-prefixed 'IOHE' FlatBuffer: compression, dataTablePosition, infoNode."""
    text = info.encode("utf-8")
    head = bytearray(48)
    struct.pack_into("<I", head, 4, 24 - 4)  # root offset, from byte 4 to the table at 24
    head[8:12] = b"IOHE"
    struct.pack_into("<HHHHH", head, 12, 10, 20, 4, 8, 16)  # vtable at 12
    struct.pack_into("<iiq", head, 24, 24 - 12, compression, data_table)  # table at 24
    struct.pack_into("<I", head, 40, 44 - 40)  # infoNode -> string at 44
    struct.pack_into("<I", head, 44, len(text))
    body = bytes(head) + text + b"\0"
    body += b"\0" * (-len(body) % 8)
    return struct.pack("<I", len(body) - 4) + body[4:]


_PACKET_HEAD = bytearray(32)
struct.pack_into("<I", _PACKET_HEAD, 4, 20 - 4)  # root offset -> table at 20
_PACKET_HEAD[8:12] = b"EVTS"
struct.pack_into("<HHH", _PACKET_HEAD, 12, 6, 8, 4)  # vtable at 12: one field at +4
struct.pack_into("<iI", _PACKET_HEAD, 20, 20 - 12, 28 - 24)  # table at 20, vector at 28


def _event_packet(ev: np.ndarray) -> bytes:
    """Size-prefixed 'EVTS' FlatBuffer holding ``ev`` as 16-byte Event structs."""
    from .aedat4 import EVENT_STRUCT

    out = np.zeros(32 + 16 * ev.size, np.uint8)
    head = bytearray(_PACKET_HEAD)
    struct.pack_into("<I", head, 0, out.size - 4)
    struct.pack_into("<I", head, 28, ev.size)
    out[:32] = np.frombuffer(bytes(head), np.uint8)
    body = out[32:].view(EVENT_STRUCT)
    body["t"] = ev["t"]
    body["x"] = ev["x"]
    body["y"] = ev["y"]
    body["on"] = ev["p"]
    return out.tobytes()


def _compressor(name: str):
    if name == "none":
        return lambda data: data
    if name.startswith("lz4"):
        import lz4.frame

        level = 9 if name == "lz4_high" else 0
        return lambda data: lz4.frame.compress(data, compression_level=level)
    import zstandard

    cctx = zstandard.ZstdCompressor(level=10 if name == "zstd_high" else 3)
    return cctx.compress


def _xml_escape(text: str) -> str:
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


__all__ = ["write_aedat2", "write_aedat4", "write_aedat31", "write_nmnist"]
