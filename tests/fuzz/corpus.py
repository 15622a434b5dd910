"""A deterministic corpus of damaged and wrong-kind files, made at test time.

Every entry is derived by a fixed recipe (fixed seeds) from a real file: the
recordings and networks of the shared data folder (``realdata.DATA``:
``aedat/*``, ``nir/**/*.nir``, ``lava-dl/tinynet/tiny.net``) and the shipped
``models/nmnist_cnn.h5``, ``models/example.h5`` and ``traces/nmnist_4.aedat``;
a few (garbage, empty files, a PNG, a CSV, small HDF5 files) are generated.
Entries from the shared data are planned only when that folder exists.

The damage: truncations (in the version line, the header, the first record,
one byte short, ...), header-only copies, bit flips in headers, in HDF5
metadata (superblock, object headers found with h5py, local heaps, symbol
table nodes, global heaps) and in data, wrong version lines, sizes read from the
file set out of reach (AEDAT packet sizes, HDF5 datasets claiming 2**40
elements, a netx layer of 2**20 x 2**20 neurons), values out of range (NaN
weights, a zero stride, an edge to a missing node), garbage, empty files and
files of another kind under misleading names.

Planning (:func:`plan`) reads the source files to find where their headers,
records, packets and HDF5 metadata lie (an independent minimal parse of each
format, and h5py's object addresses); it writes nothing. :func:`build` writes
the files. Each :class:`Entry` says in which role the file is tried
(``'recording'`` or ``'network'``) and what is expected of it:

* ``expect``: ``'error'`` (the command must exit 1) or ``'either'`` (0 or 1),
  for ``events info FILE`` and ``run`` (recordings) or ``info``, ``import`` and
  ``run`` (networks);
* ``expect_lenient``: the same for ``events info FILE --lenient``;
* ``nonzero``: a recording accepted (exit 0) must give events: the file holds a
  whole event before the first damaged byte;
* ``says``: a word the one-line error must contain (``'HDF5'`` for an HDF5 file
  given as a recording).

To rebuild entries for a reproduction (from the repository root)::

    python tests/fuzz/corpus.py /tmp/fz net-tiny-stride-0 rec-trace4-sizex--1
    python -m neuroemu info /tmp/fz/net-tiny-stride-0.net

or from Python: ``sys.path.insert(0, "tests"); from fuzz.corpus import build;
build("/tmp/fz", ids=["net-tiny-stride-0"])``.
"""

from __future__ import annotations

import gzip
import io
import json
import random
import re
import struct
import sys
import zlib
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
#: '#!AER-DAT2.0': the first line of every AEDAT file, without its line end
FIRST_LINE = 12
HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
#: the end of a version 0 superblock (root group symbol table entry included)
SUPERBLOCK_END = 96
HUGE = 1 << 40


@dataclass(frozen=True)
class Entry:
    """One damaged or wrong-kind file and what the command line must do with it."""

    id: str
    role: str  # 'recording' or 'network'
    filename: str
    kind: str  # truncation, flip-hdf5, hostile-size, bad-value, wrong-kind, ... (summary())
    source: str  # the file it was made from ('generated' for none)
    how: str  # what was done to it, for the report
    expect: str = "either"  # 'error' (exit 1) or 'either' (exit 0 or 1)
    expect_lenient: str = "either"  # recordings: events info --lenient
    nonzero: bool = False  # recordings: exit 0 must count events > 0
    says: str | None = None  # a word the error line must contain (case-insensitive)
    fmt: str | None = None  # recordings: --format (events info) / --input-format (run)
    args: tuple[str, ...] = ()  # networks: options of info, import and run (e.g. --dt)
    run: bool = False  # also tried through `run`
    imports: bool = False  # networks: also tried through `import -o OUT`
    make: Callable[[Path], None] | None = field(default=None, repr=False, compare=False)


# --------------------------------------------------------------------------------------
# where things lie in a recording: an independent minimal parse of each format


@dataclass(frozen=True)
class RecLayout:
    """Header end, record/packet spans, and the end of the first whole event."""

    fmt: str  # aedat2, aedat31, aedat4, nmnist
    header_end: int
    starts: np.ndarray  # int64, byte offset of each record or packet
    ends: np.ndarray  # int64, one past its last byte
    first_event_end: int | None  # None when the file holds no event
    record: int | None  # fixed record size, None for packets
    magic: bool  # starts with '#!AER-DAT'
    fields: dict = field(default_factory=dict)  # offsets of size fields (hostile edits)

    def mid(self, cut: int) -> bool:
        """Whether a file cut to ``cut`` bytes ends inside a record or packet."""
        i = int(np.searchsorted(self.starts, cut, side="right")) - 1
        return i >= 0 and int(self.starts[i]) < cut < int(self.ends[i])


def _first_end(ends: np.ndarray, is_event: np.ndarray) -> int | None:
    idx = np.flatnonzero(is_event)
    return int(ends[idx[0]]) if idx.size else None


def _aedat2_layout(data: bytes) -> RecLayout:
    pos = 0
    while data[pos:pos + 1] == b"#":
        nl = data.find(b"\n", pos)
        pos = len(data) if nl < 0 else nl + 1
    head = data[:pos].lower()
    n = (len(data) - pos) // 8
    words = np.frombuffer(data, ">u4", count=2 * n, offset=pos).reshape(n, 2)
    addr = words[:, 0].astype(np.int64)
    if b"dvs128" in head:
        is_event = (addr >> 15) == 0
    elif b"davis" in head:
        w, h = (346, 260) if b"davis346" in head else (240, 180)
        is_event = (((addr >> 31) == 0) & (((addr >> 10) & 1) == 0)
                    & (((addr >> 12) & 0x3FF) < w) & (((addr >> 22) & 0x1FF) < h))
    else:
        is_event = np.zeros(n, bool)
    starts = pos + 8 * np.arange(n, dtype=np.int64)
    return RecLayout("aedat2", pos, starts, starts + 8, _first_end(starts + 8, is_event), 8,
                     True)


def _nmnist_layout(data: bytes) -> RecLayout:
    n = len(data) // 5
    raw = np.frombuffer(data, np.uint8, count=5 * n).reshape(n, 5)
    is_event = (raw[:, 1] != 240) & (raw[:, 0] < 34) & (raw[:, 1] < 34)
    starts = 5 * np.arange(n, dtype=np.int64)
    return RecLayout("nmnist", 0, starts, starts + 5, _first_end(starts + 5, is_event), 5,
                     False)


def _aedat31_layout(data: bytes) -> RecLayout:
    mark = data.find(b"#!END-HEADER\r\n")
    pos = len(data) if mark < 0 else mark + len(b"#!END-HEADER\r\n")
    header_end = pos
    starts, ends, events, fields = [], [], [], {}
    while pos + 28 <= len(data):
        etype, _src, size, _tso, _ovf, _cap, number, _valid = struct.unpack_from(
            "<hhiiiiii", data, pos)
        end = pos + 28 + max(0, size) * max(0, number)
        if size <= 0 or number < 0 or end > len(data):
            break
        body = np.frombuffer(data, "<u4", count=number * size // 4, offset=pos + 28)
        valid = etype == 1 and size == 8 and bool(np.any(body[0::2] & 1))
        fields.setdefault("packets", []).append(pos)
        starts.append(pos)
        ends.append(end)
        events.append(valid)
        pos = end
    starts_a, ends_a = np.array(starts, np.int64), np.array(ends, np.int64)
    return RecLayout("aedat31", header_end, starts_a, ends_a,
                     _first_end(ends_a, np.array(events, bool)), None, True, fields)


def _aedat4_layout(data: bytes) -> RecLayout:
    nl = data.index(b"\n") + 1
    (n,) = struct.unpack_from("<I", data, nl)
    header_end = nl + 4 + n
    body = data[nl + 4:header_end]
    # the IOHeader FlatBuffer: root table -> vtable -> fields (compression, dataTablePosition)
    root = struct.unpack_from("<I", body, 0)[0]
    vtable = root - struct.unpack_from("<i", body, root)[0]
    vlen = struct.unpack_from("<H", body, vtable)[0]
    offs = [struct.unpack_from("<H", body, vtable + 4 + 2 * i)[0] for i in range((vlen - 4) // 2)]
    table = -1
    fields = {"ioheader_size": nl}
    if len(offs) > 1 and offs[1]:
        table = struct.unpack_from("<q", body, root + offs[1])[0]
        fields["data_table"] = nl + 4 + root + offs[1]
    text = body.decode("latin-1")
    marks = [(m.start(), m.group(1)) for m in re.finditer(r'path="[^"]*outInfo/(\d+)/"', text)]
    evts = {int(sid) for i, (at, sid) in enumerate(marks)
            if ">EVTS<" in text[at:marks[i + 1][0] if i + 1 < len(marks) else len(text)]}
    stop = table if table >= header_end else len(data)
    pos, starts, ends, events = header_end, [], [], []
    while pos + 8 <= stop:
        sid, size = struct.unpack_from("<ii", data, pos)
        if size < 0 or pos + 8 + size > stop:
            break
        starts.append(pos)
        ends.append(pos + 8 + size)
        events.append(sid in evts)
        pos += 8 + size
    fields["packets"] = starts
    starts_a, ends_a = np.array(starts, np.int64), np.array(ends, np.int64)
    return RecLayout("aedat4", header_end, starts_a, ends_a,
                     _first_end(ends_a, np.array(events, bool)), None, True, fields)


LAYOUTS = {"aedat2": _aedat2_layout, "aedat31": _aedat31_layout, "aedat4": _aedat4_layout,
           "nmnist": _nmnist_layout}


# --------------------------------------------------------------------------------------
# byte edits


def _cut(n: int) -> Callable[[bytes], bytes]:
    return lambda d: d[:n]


def _flip(pos: int, bit: int) -> Callable[[bytes], bytes]:
    def edit(d: bytes) -> bytes:
        b = bytearray(d)
        b[pos] ^= 1 << bit
        return bytes(b)
    return edit


def _put(pos: int, blob: bytes) -> Callable[[bytes], bytes]:
    def edit(d: bytes) -> bytes:
        b = bytearray(d)
        b[pos:pos + len(blob)] = blob
        return bytes(b)
    return edit


def _first_line(line: bytes) -> Callable[[bytes], bytes]:
    """Replace the first line (up to its '\\n') by ``line``."""
    return lambda d: line + d[d.index(b"\n") + 1:]


def _writer(data: bytes, edit: Callable[[bytes], bytes] = lambda d: d):
    return lambda path: path.write_bytes(edit(data))


def _rng(key: str) -> random.Random:
    return random.Random(zlib.crc32(key.encode()))


@lru_cache(maxsize=None)
def _read(path: Path) -> bytes:
    return Path(path).read_bytes()


# --------------------------------------------------------------------------------------
# generated files


def _png(w: int = 8, h: int = 8) -> bytes:
    def chunk(tag: bytes, body: bytes) -> bytes:
        return (struct.pack(">I", len(body)) + tag + body
                + struct.pack(">I", zlib.crc32(tag + body)))
    raw = b"".join(b"\x00" + bytes((4 * x * y) & 255 for x in range(w)) for y in range(h))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def _csv() -> bytes:
    rows = [f"{i},{0.01 * i:.4f},{int(i % 7 == 0)}" for i in range(400)]
    return ("t,v,spike\n" + "\n".join(rows) + "\n").encode()


def _npy() -> bytes:
    buf = io.BytesIO()
    np.save(buf, np.arange(2000, dtype="<i4").reshape(40, 50))
    return buf.getvalue()


def _json() -> bytes:
    return json.dumps({"tau_mem": 0.001, "tau_syn": 0.0005, "layers": [12, 38, 7]},
                      indent=2).encode()


def _h5_maker(fill: Callable) -> Callable[[Path], None]:
    def make(path: Path) -> None:
        import h5py

        with h5py.File(path, "w", track_order=False) as f:
            fill(f)
    return make


def _h5_edit(data: bytes, edit: Callable) -> Callable[[Path], None]:
    """Copy ``data`` to the path, then change it in place with h5py."""
    def make(path: Path) -> None:
        import h5py

        path.write_bytes(data)
        with h5py.File(path, "r+") as f:
            edit(f)
    return make


def _replace_dataset(name: str, shape=None, dtype=None, data=None, **kw) -> Callable:
    """An h5py edit: dataset ``name`` replaced by a new one (its attributes kept)."""
    def edit(f) -> None:
        old = f[name]
        attrs = dict(old.attrs)
        dt = old.dtype if dtype is None else dtype
        del f[name]
        if data is not None:
            new = f.create_dataset(name, data=np.asarray(data))
        else:
            new = f.create_dataset(name, shape=shape, dtype=dt, **kw)
        for k, v in attrs.items():
            new.attrs[k] = v
    return edit


# --------------------------------------------------------------------------------------
# HDF5 metadata


@lru_cache(maxsize=None)
def _h5_map(path: Path):
    """(objects [(name, header address)], datasets' data [(name, offset, bytes)],
    signature offsets {b'TREE': [...], ...}) of an HDF5 file."""
    import h5py

    objects, data = [], []
    with h5py.File(path, "r") as f:
        def visit(name, obj):
            try:
                objects.append((name, int(h5py.h5o.get_info(obj.id).addr)))
            except Exception:  # an h5py without ObjInfo.addr: the signature scan remains
                pass
            if isinstance(obj, h5py.Dataset):
                off = obj.id.get_offset()
                if off is not None and obj.id.get_storage_size():
                    data.append((name, int(off), int(obj.id.get_storage_size())))
                elif obj.chunks and obj.id.get_num_chunks():
                    info = obj.id.get_chunk_info(0)
                    data.append((name, int(info.byte_offset), int(info.size)))
        try:
            objects.append(("/", int(h5py.h5o.get_info(f["/"].id).addr)))
        except Exception:
            pass
        f.visititems(visit)
    raw = _read(path)
    sigs = {s: [m.start() for m in re.finditer(re.escape(s), raw)]
            for s in (b"TREE", b"HEAP", b"SNOD", b"OHDR", b"GCOL", b"BTHD", b"FRHP")}
    return objects, data, {k: v for k, v in sigs.items() if v}


# --------------------------------------------------------------------------------------
# the plan


class _Plan:
    def __init__(self):
        self.entries: list[Entry] = []
        self._ids: set[str] = set()

    def add(self, id: str, suffix: str, make, **kw) -> None:
        if id in self._ids:
            raise ValueError(f"duplicate corpus id {id!r}")
        self._ids.add(id)
        self.entries.append(Entry(id=id, filename=id + suffix, make=make, **kw))


@dataclass(frozen=True)
class _Rec:
    """A recording the corpus damages."""

    label: str
    path: Path
    fmt: str  # aedat2, aedat31, aedat4, nmnist
    suffix: str
    full: bool  # the full set of damages, else a light one
    run: bool  # a 34 x 34 recording, so also tried through `run` on nmnist_cnn.h5
    data: bytes | None = None  # when it is not a file (the generated AEDAT 3.1 one)
    source: str | None = None

    def bytes(self) -> bytes:
        return self.data if self.data is not None else _read(self.path)

    @property
    def origin(self) -> str:
        return self.source or str(self.path)


def _recording_entries(p: _Plan, s: _Rec) -> None:
    """Truncations, a header-only copy, bit flips and edited sizes of one recording."""
    data = s.bytes()
    lay = LAYOUTS[s.fmt](data)
    size = len(data)
    src = s.origin
    rng = _rng(f"rec:{s.label}")
    fee = lay.first_event_end
    kw = dict(role="recording", source=src)

    def cut_expect(cut: int):
        if lay.magic and cut < FIRST_LINE:
            return "error", "error", False
        if cut < lay.header_end:  # an AEDAT 4.0 IOHeader is needed whole
            return ("error", "error", False) if s.fmt == "aedat4" else ("either", "either", False)
        nonzero = fee is not None and cut >= fee
        return ("error" if lay.mid(cut) else "either"), "either", nonzero

    cuts: dict[int, str] = {}
    if lay.magic:
        cuts[11] = "inside the '#!AER-DAT' line"
        if s.full:
            cuts[1] = "inside the '#!AER-DAT' line"
    if s.full and lay.header_end > FIRST_LINE + 2:
        cuts[(FIRST_LINE + lay.header_end) // 2] = "inside the header"
        cuts[lay.header_end - 1] = "one byte before the header's end"
    if lay.starts.size:
        cuts[lay.header_end + 3] = "inside the first record or packet"
    if fee is not None and fee < size:
        cuts[fee + 1] = "one byte after the first whole event"
        if s.full:
            cuts[fee] = "just after the first whole event"
    cuts[size - 1] = "one byte short"
    if s.full:
        cuts[size // 2 + 1] = "half way"
        if lay.record:
            cuts[size - lay.record] = "one record short"
        if size - lay.header_end > 3:
            cuts[rng.randrange(lay.header_end + 1, size - 1)] = "a random offset"
    run_cuts = {fee, size - 1, size - (lay.record or 0)} if s.run else set()
    for c, where in sorted(cuts.items()):
        if 0 < c < size:
            strict, lenient, nonzero = cut_expect(c)
            p.add(f"rec-{s.label}-cut-{c}", s.suffix, _writer(data, _cut(c)), kind="truncation",
                  how=f"truncated to {c} of {size} bytes ({where})", expect=strict,
                  expect_lenient=lenient, nonzero=nonzero, run=c in run_cuts, **kw)
    if lay.magic and lay.header_end < size:
        p.add(f"rec-{s.label}-header-only", s.suffix, _writer(data, _cut(lay.header_end)),
              kind="header-only", how=f"only the header: its first {lay.header_end} bytes",
              run=s.run, **kw)
    # bit flips: in the version line, the rest of the header, the events
    if lay.magic:
        for _ in range(1):
            pos, bit = rng.randrange(0, FIRST_LINE), rng.randrange(8)
            p.add(f"rec-{s.label}-flip-line-{pos}.{bit}", s.suffix,
                  _writer(data, _flip(pos, bit)), kind="flip-header",
                  how=f"bit {bit} of byte {pos} (in '#!AER-DAT<version>') flipped",
                  expect="error", expect_lenient="error", **kw)
        hi = lay.header_end
        if s.fmt == "aedat4":  # the size prefix and FlatBuffer tables, then the XML
            spots = [rng.randrange(FIRST_LINE + 2, min(hi, FIRST_LINE + 2 + 72))
                     for _ in range(2 if s.full else 1)] + [rng.randrange(FIRST_LINE + 72, hi)]
        elif hi > FIRST_LINE + 2:
            spots = [rng.randrange(FIRST_LINE, hi) for _ in range(2 if s.full else 1)]
        else:
            spots = []
        for pos in spots:
            bit = rng.randrange(8)
            p.add(f"rec-{s.label}-flip-header-{pos}.{bit}", s.suffix,
                  _writer(data, _flip(pos, bit)), kind="flip-header",
                  how=f"bit {bit} of header byte {pos} flipped", run=s.run and pos == spots[0],
                  **kw)
    if fee is not None and fee < size:
        for i in range(2 if s.full else 1):
            pos, bit = rng.randrange(fee, size), rng.randrange(8)
            p.add(f"rec-{s.label}-flip-data-{pos}.{bit}", s.suffix,
                  _writer(data, _flip(pos, bit)), kind="flip-data",
                  how=f"bit {bit} of byte {pos} flipped (after the first whole event)",
                  nonzero=True, run=s.run and i == 0, **kw)


def _hostile_recording_entries(p: _Plan, s: _Rec, sizes: bool = True) -> None:
    """Sizes read from the file (IOHeader, packet sizes, event counts) set out of reach."""
    data = s.bytes()
    lay = LAYOUTS[s.fmt](data)

    def add(tag, edit, how, strict, lenient, nonzero=False, run=False):
        p.add(f"rec-{s.label}-{tag}", s.suffix, _writer(data, edit), role="recording",
              kind="hostile-size", source=s.origin, how=how, expect=strict,
              expect_lenient=lenient, nonzero=nonzero, run=run)

    def before(at: int) -> bool:  # a whole event lies before byte ``at``
        return lay.first_event_end is not None and lay.first_event_end <= at

    if s.fmt == "aedat4":
        at = lay.fields["ioheader_size"]
        for v in (0x7FFFFFFF, -5) if sizes else (0x7FFFFFFF,):
            add(f"ioheader-size-{v}", _put(at, struct.pack("<i", v)),
                f"IOHeader size at byte {at} set to {v}", "error", "error", run=s.run and v > 0)
        packets = lay.fields["packets"]
        for k, v in ((0, 0x7FFFFFFF), (0, -1), (1, 0x7FFFFFFF)):
            if k < len(packets) and (sizes or k > 0):
                at = packets[k] + 4
                add(f"packet{k}-size-{v}", _put(at, struct.pack("<i", v)),
                    f"size of packet {k} (byte {at}) set to {v}", "error", "either",
                    nonzero=k > 0 and before(packets[k]))
        if "data_table" in lay.fields:
            at = lay.fields["data_table"]
            add("data-table-2e62", _put(at, struct.pack("<q", 1 << 62)),
                f"dataTablePosition (byte {at}) set to 2**62", "error", "either")
    if s.fmt == "aedat31":
        packets = lay.fields.get("packets", [])
        edits = ((0, 20, 0x7FFFFFFF, "eventNumber", "error"),
                 (0, 4, 0, "eventSize", "either"),
                 (0, 4, 0x7FFFFFFF, "eventSize", "error"),
                 (0, 16, -1, "eventCapacity", "either"),
                 (1, 20, 0x7FFFFFFF, "eventNumber", "error"))
        for k, off, v, name, strict in edits:
            if k < len(packets):
                at = packets[k] + off
                add(f"packet{k}-{name}-{v}", _put(at, struct.pack("<i", v)),
                    f"{name} of packet {k} (byte {at}) set to {v}", strict, "either",
                    nonzero=k > 0 and before(packets[k]))


def _aedat4_header_edits(p: _Plan, s: _Rec) -> None:
    """Values of an AEDAT 4.0 header changed in place: the sensor size in the XML, the
    event stream's type, the FlatBuffer's compression code."""
    data = s.bytes()
    lay = LAYOUTS[s.fmt](data)
    kw = dict(role="recording", kind="bad-value", source=s.origin)
    size_x = re.search(rb'key="sizeX" type="int">(\d+)<', data)
    for new in (b"-1", b"ab", b"0 "):
        if size_x and len(size_x.group(1)) == 2:
            p.add(f"rec-{s.label}-sizex-{new.decode().strip() or 'blank'}", s.suffix,
                  _writer(data, _put(size_x.start(1), new)),
                  how=f"the event stream's sizeX {size_x.group(1).decode()} changed to "
                      f"{new.decode()!r}", **kw)
    evts = data.find(b">EVTS<")
    if 0 < evts < lay.header_end:
        p.add(f"rec-{s.label}-type-evtx", s.suffix, _writer(data, _put(evts + 1, b"EVTX")),
              how="the event stream's typeIdentifier EVTS changed to EVTX", **kw)
    # compression: the first field of the IOHeader table (an int32)
    body = lay.fields["ioheader_size"] + 4
    root = struct.unpack_from("<I", data, body)[0]
    vtable = root - struct.unpack_from("<i", data, body + root)[0]
    first = struct.unpack_from("<H", data, body + vtable + 4)[0]
    if first:
        at = body + root + first
        for code, expect in ((0, "either"), (3, "either"), (99, "error")):
            p.add(f"rec-{s.label}-compression-{code}", s.suffix,
                  _writer(data, _put(at, struct.pack("<i", code))),
                  how=f"the IOHeader's compression code (byte {at}) set to {code}",
                  expect=expect, expect_lenient=expect, **kw)


def _aedat_variants(p: _Plan, s: _Rec) -> None:
    """Wrong version lines, and the header line of one version on the body of another."""
    data = s.bytes()
    kw = dict(role="recording", kind="wrong-version", source=s.origin)
    lines = {"aedat2": ((b"#!AER-DAT9.9", "error"), (b"#!AER-DAT1.0", "error"),
                        (b"#!AER-DAT", "error"), (b"#!aer-dat2.0", "error"),
                        (b"#!AER-DAT4.0", "error"), (b"#!AER-DAT3.1", "either")),
             "aedat31": ((b"#!AER-DAT3.2", "error"), (b"#!AER-DAT2.0", "either")),
             "aedat4": ((b"#!AER-DAT3.0", "error"), (b"#!AER-DAT2.0", "either"))}[s.fmt]
    for line, expect in lines:
        tag = line[9:].decode().replace(".", "") or "none"
        tag = "lowercase" if line.startswith(b"#!aer") else tag
        p.add(f"rec-{s.label}-version-{tag}", s.suffix, _writer(data, _first_line(line + b"\r\n")),
              how=f"first line replaced by {line.decode()!r}", expect=expect,
              expect_lenient=expect, **kw)


def _comment_nul(p: _Plan, s: _Rec) -> None:
    """A NUL byte inside the text of the header's last comment line: the header must still
    end where it ends, and the events after it must still be read."""
    data = s.bytes()
    lay = LAYOUTS[s.fmt](data)
    last = data.rfind(b"\n#", 0, lay.header_end - 1) + 1  # start of the last header line
    at = last + (lay.header_end - last) // 2
    p.add(f"rec-{s.label}-nul-in-comment", s.suffix, _writer(data, _put(at, b"\x00")),
          role="recording", kind="flip-header", source=s.origin,
          how=f"byte {at}, in the text of the last header comment line, set to NUL",
          nonzero=True)


def _nmnist_variants(p: _Plan, path: Path, label: str) -> None:
    """N-MNIST records out of order, misaligned, out of range; the file misnamed."""
    data = _read(path)
    n = len(data) // 5
    raw = np.frombuffer(data, np.uint8, count=5 * n).reshape(n, 5)
    kw = dict(role="recording", source=str(path))
    order = np.random.default_rng(zlib.crc32(b"nmnist-shuffle")).permutation(n)
    p.add(f"rec-{label}-shuffled", ".bin", _writer(raw[order].tobytes()), kind="implausible",
          how="its records in a shuffled order (time goes back)", expect="error",
          expect_lenient="error", run=True, **kw)
    p.add(f"rec-{label}-misaligned", ".bin", _writer(b"\x00" + data), kind="implausible",
          how="one byte put before its records", expect="error", expect_lenient="error", **kw)
    marks = raw.copy()
    marks[:, 1] = 240
    p.add(f"rec-{label}-all-overflow-marks", ".bin", _writer(marks.tobytes()), kind="bad-value",
          how="every record made a timestamp-overflow marker (y = 240)", **kw)
    p.add(f"rec-{label}-x200-at-10", ".bin", _writer(data, _put(50, b"\xc8")), kind="bad-value",
          how="record 10 given x = 200 (the sensor is 34 wide)", expect="error", nonzero=True,
          run=True, **kw)
    p.add(f"rec-{label}-tail3", ".bin", _writer(data + b"\x01\x02\x03"), kind="truncation",
          how="3 stray bytes after its last record", expect="error", nonzero=True, **kw)
    for suffix in (".aedat", ".dat", ""):
        tag = suffix.lstrip(".") or "noext"
        p.add(f"rec-{label}-named-{tag}", suffix, _writer(data), kind="wrong-kind",
              how=f"an N-MNIST file named {suffix or '(no extension)'}", expect="error",
              expect_lenient="error", **kw)
    p.add(f"rec-{label}-named-dat-format", ".dat", _writer(data), kind="format-option",
          how="an N-MNIST file named .dat, read with --format nmnist", fmt="nmnist",
          nonzero=True, run=True, **kw)
    p.add(f"rec-{label}-named-BIN", ".BIN", _writer(data), kind="wrong-kind",
          how="an N-MNIST file named .BIN", nonzero=True, **kw)
    p.add(f"rec-{label}-gzip", ".bin", _writer(gzip.compress(data, mtime=0)), kind="wrong-kind",
          how="an N-MNIST file gzip-compressed, named .bin", expect="error",
          expect_lenient="error", **kw)


def _v31_from_nmnist(nmnist: bytes) -> bytes:
    """An AEDAT 3.1 file (DVS128 source) of the events of an N-MNIST file, written here
    from the format's specification (not with neuroemu's writer)."""
    n = len(nmnist) // 5
    raw = np.frombuffer(nmnist, np.uint8, count=5 * n).reshape(n, 5).astype(np.uint32)
    raw = raw[raw[:, 1] != 240]
    t = ((raw[:, 2] & 0x7F) << 16) | (raw[:, 3] << 8) | raw[:, 4]
    word = 1 | ((raw[:, 2] >> 7) << 1) | (raw[:, 1] << 2) | (raw[:, 0] << 17)
    out = [b"#!AER-DAT3.1\r\n#Format: RAW\r\n#Source 1: DVS128\r\n"
           b"#Start-Time: 2015-01-01 00:00:00 (TZ+0000)\r\n#!END-HEADER\r\n"]
    for s in range(0, len(t), 1000):
        k = min(1000, len(t) - s)
        out.append(struct.pack("<hhiiiiii", 1, 1, 8, 4, 0, k, k, k))
        out.append(np.stack([word[s:s + k], t[s:s + k]], 1).astype("<u4").tobytes())
    return b"".join(out)


def _network_entries(p: _Plan, label: str, path: Path, args: tuple, imports: bool,
                     full: bool, run: bool) -> None:
    """Truncations and bit flips in the superblock, object headers, B-trees, heaps and
    data of one HDF5 network file."""
    data = _read(path)
    size = len(data)
    objects, dsets, sigs = _h5_map(path)
    rng = _rng(f"net:{label}")
    kw = dict(role="network", source=str(path), args=args, imports=imports)
    suffix = path.suffix
    cuts = [8, 96, size // 2, size - 1] if full else [96, size // 2, size - 1]
    for c in sorted(set(cuts)):
        if 0 < c < size:
            p.add(f"net-{label}-cut-{c}", suffix, _writer(data, _cut(c)), kind="truncation",
                  how=f"truncated to {c} of {size} bytes", expect="error",
                  run=run and c == size - 1, **kw)
    for _ in range(1):
        pos, bit = rng.randrange(8, SUPERBLOCK_END), rng.randrange(8)
        p.add(f"net-{label}-flip-superblock-{pos}.{bit}", suffix, _writer(data, _flip(pos, bit)),
              kind="flip-hdf5", how=f"bit {bit} of superblock byte {pos} flipped", run=run, **kw)
    # object headers: the root group's and some others', in their prefix or messages
    picks = [o for o in objects if o[0] == "/"][:1]
    others = [o for o in objects if o[0] != "/"]
    picks += rng.sample(others, min(len(others), 2 if full else 1))
    for name, addr in picks:
        pos, bit = addr + rng.randrange(0, 160), rng.randrange(8)
        if pos < size:
            p.add(f"net-{label}-flip-ohdr-{pos}.{bit}", suffix, _writer(data, _flip(pos, bit)),
                  kind="flip-hdf5", how=f"bit {bit} of byte {pos} flipped, in the object "
                                        f"header of {name!r} (at byte {addr})", run=run, **kw)
    for sig in (b"HEAP", b"SNOD", b"GCOL") if full else (b"HEAP",):
        if sig in sigs:
            at = rng.choice(sigs[sig])
            pos, bit = at + rng.randrange(0, 48), rng.randrange(8)
            if pos < size:
                p.add(f"net-{label}-flip-{sig.decode().lower()}-{pos}.{bit}", suffix,
                      _writer(data, _flip(pos, bit)), kind="flip-hdf5",
                      how=f"bit {bit} of byte {pos} flipped, in the {sig.decode()} block at "
                          f"byte {at}", **kw)
    if full and b"HEAP" in sigs:
        at = sigs[b"HEAP"][0]
        p.add(f"net-{label}-garbage-heap-{at}", suffix,
              _writer(data, _put(at, rng.randbytes(64))), kind="flip-hdf5",
              how=f"64 random bytes written over the local heap at byte {at}", **kw)
    if dsets:
        name, off, n = max(dsets, key=lambda d: (d[2], d[0]))
        pos, bit = off + rng.randrange(0, max(1, n)), rng.randrange(8)
        p.add(f"net-{label}-flip-data-{pos}.{bit}", suffix, _writer(data, _flip(pos, bit)),
              kind="flip-data", how=f"bit {bit} of byte {pos} flipped, in the data of {name!r}",
              run=run, **kw)


def _edited_network_entries(p: _Plan, label: str, path: Path, args: tuple, imports: bool,
                            kind: str, edits, run: bool) -> None:
    data = _read(path)
    for tag, edit, how, expect in edits:
        p.add(f"net-{label}-{tag}", path.suffix, _h5_edit(data, edit), role="network",
              kind=kind, source=str(path), how=how, expect=expect, args=args,
              imports=imports, run=run)


def _huge(name, shape, dtype="f8", **kw):
    return _replace_dataset(name, shape=shape, dtype=dtype, **kw)


def _changed(name: str, change: Callable[[np.ndarray], np.ndarray]) -> Callable:
    """An h5py edit: dataset ``name`` rewritten as ``change(its values)``."""
    def edit(f) -> None:
        values = np.array(f[name][()])
        _replace_dataset(name, data=change(values))(f)
    return edit


def _set_first(value):
    def change(a: np.ndarray) -> np.ndarray:
        a = a.astype(np.result_type(a.dtype, np.asarray(value).dtype))
        a.reshape(-1)[0] = value
        return a
    return change


def _edge_to_missing(edges: np.ndarray) -> np.ndarray:
    import h5py

    edges = np.array([[e.decode() if isinstance(e, bytes) else str(e) for e in row]
                      for row in edges], dtype=object)
    edges[1, 1] = "missing"
    return edges.astype(h5py.string_dtype())


def plan(data: Path | None = None, root: Path = ROOT) -> list[Entry]:
    """Every corpus entry, in a fixed order (nothing is written).

    Parameters
    ----------
    data : Path, optional
        The shared data folder; entries made from it are left out when it is None or
        absent (those from ``root``'s models/ and traces/ and the generated ones remain).
    root : Path
        The repository (for ``models/`` and ``traces/``).
    """
    p = _Plan()
    have = data is not None and Path(data).is_dir()
    data = Path(data) if have else None
    dt = ("--dt", "1e-4")
    gen = "generated"
    cnn_h5, example_h5 = root / "models" / "nmnist_cnn.h5", root / "models" / "example.h5"
    trace4 = root / "traces" / "nmnist_4.aedat"
    npz = root / "models" / "digits_calib.npz"

    # -- recordings, damaged
    trace = _Rec("trace4", trace4, "aedat4", ".aedat", True, True)
    _recording_entries(p, trace)
    _hostile_recording_entries(p, trace)
    _aedat4_header_edits(p, trace)
    _aedat_variants(p, trace)
    p.add("rec-trace4-named-bin", ".bin", _writer(_read(trace4)), role="recording",
          kind="wrong-kind", source=str(trace4), how="an AEDAT 4.0 file named .bin",
          nonzero=True, run=True)
    if have:
        aedat = data / "aedat"
        nmnist = aedat / "nmnist_sample.bin"
        alex = _Rec("alex", aedat / "AlexOuyang_alex_walking_again.aedat", "aedat2", ".aedat",
                    True, False)
        tonic = _Rec("tonic", aedat / "tonic_sample.aedat4", "aedat4", ".aedat4", False, False)
        v31 = _Rec("v31", nmnist, "aedat31", ".aedat", False, False,
                   data=_v31_from_nmnist(_read(nmnist)),
                   source=f"AEDAT 3.1 written here from {nmnist}")
        for s in (
            alex,
            _Rec("boxes", aedat / "PyAedatTools_IMU_translBoxes.aedat", "aedat2", ".aedat",
                 False, False),
            _Rec("hdronly", aedat / "header_only_davis346.aedat", "aedat2", ".aedat", False,
                 False),
            _Rec("v31bad", aedat / "malformed_v31_invalid_events.aedat", "aedat31", ".aedat",
                 False, False),
            _Rec("nmnist", nmnist, "nmnist", ".bin", True, True),
            tonic, v31,
        ):
            _recording_entries(p, s)
        _hostile_recording_entries(p, tonic, sizes=False)
        _hostile_recording_entries(p, v31)
        for s in (alex, tonic, v31):
            _aedat_variants(p, s)
        _comment_nul(p, alex)
        _nmnist_variants(p, nmnist, "nmnist")
        for s in (alex, tonic):
            p.add(f"rec-{s.label}-named-bin", ".bin", _writer(s.bytes()), role="recording",
                  kind="wrong-kind", source=s.origin,
                  how=f"an AEDAT file ({s.fmt}) named .bin: its header decides", nonzero=True)

    # -- recordings: garbage, empty files, files of another kind
    for n, suffix, expect in ((5, ".bin", "either"),
                              (100, ".bin", "error"), (4096, ".bin", "error"),
                              (4096, ".aedat", "error"), (4096, ".dat", "error"),
                              (4096, "", "error")):
        tag = suffix.lstrip(".") or "noext"
        p.add(f"rec-garbage-{n}-{tag}", suffix, _writer(_rng(f"garbage:{n}").randbytes(n)),
              role="recording", kind="garbage", source=gen,
              how=f"{n} random bytes named {suffix or '(no extension)'}", expect=expect,
              expect_lenient=expect, run=(n, suffix) == (4096, ".bin"))
    p.add("rec-zeros-4096-bin", ".bin", _writer(bytes(4096)), role="recording", kind="garbage",
          source=gen, how="4096 zero bytes named .bin", nonzero=True)
    p.add("rec-ones-4096-bin", ".bin", _writer(b"\xff" * 4096), role="recording",
          kind="garbage", source=gen, how="4096 0xff bytes named .bin", expect="error",
          expect_lenient="error")
    headers = {
        "v20": b"#!AER-DAT2.0\r\n# AEChip: ch.unizh.ini.jaer.chip.retina.DVS128\r\n",
        "v31": b"#!AER-DAT3.1\r\n#Format: RAW\r\n#Source 1: DVS128\r\n#!END-HEADER\r\n",
        "v40": b"#!AER-DAT4.0\r\n",
    }
    for tag, head in headers.items():
        p.add(f"rec-garbage-after-{tag}", ".aedat",
              _writer(head + _rng(f"after:{tag}").randbytes(4096)), role="recording",
              kind="garbage", source=gen, how=f"an AEDAT {tag} header then 4096 random bytes")
    for suffix in (".bin", ".aedat", ""):
        tag = suffix.lstrip(".") or "noext"
        p.add(f"rec-empty-{tag}", suffix, _writer(b""), role="recording", kind="empty",
              source=gen, how=f"an empty file named {suffix or '(no extension)'}",
              expect="error", expect_lenient="error")
    text = b"# recorded on the bench\n# columns: t x y p\n1 2 3 1\n"
    for suffix in (".aedat", ".bin"):
        p.add(f"rec-hash-text-{suffix[1:]}", suffix, _writer(text), role="recording",
              kind="wrong-kind", source=gen, how="a text file of '#' comments and numbers",
              expect="error", expect_lenient="error")

    def foreign(label, blob_or_make, source, how, suffixes, says=None, run=()):
        make = blob_or_make if callable(blob_or_make) else _writer(blob_or_make)
        for suffix in suffixes:
            tag = suffix.lstrip(".") or "noext"
            p.add(f"rec-{label}-as-{tag}", suffix, make, role="recording", kind="wrong-kind",
                  source=source, how=f"{how}, named {suffix or '(no extension)'}",
                  expect="error", expect_lenient="error", says=says, run=suffix in run)

    foreign("cnnh5", _read(cnn_h5), str(cnn_h5), "a neuroemu net.h5", (".h5", ".bin"),
            "HDF5", run=(".bin",))
    p.add("rec-cnnh5-as-bin-format", ".bin", _writer(_read(cnn_h5)), role="recording",
          kind="format-option", source=str(cnn_h5), fmt="nmnist",
          how="a neuroemu net.h5 named .bin, read with --format nmnist", expect="error",
          expect_lenient="error", says="HDF5", run=True)
    foreign("example", _read(example_h5), str(example_h5), "a neuroemu net.h5", (".h5",),
            "HDF5", run=(".h5",))
    foreign("trace-h5", _h5_maker(_fake_trace), gen, "an HDF5 file like a run's trace",
            (".h5",), "HDF5")
    foreign("huge-h5", _h5_maker(_huge_h5), gen,
            "a 2 KB HDF5 file claiming a 2**40-element dataset", (".bin",), "HDF5")
    foreign("npz", _read(npz), str(npz), "a NumPy .npz", (".npz", ".bin"))
    npz2 = root / "traces" / "example_input.npz"
    foreign("events-npz", _read(npz2), str(npz2), "a NumPy .npz of events", (".bin",))
    foreign("csv", _csv(), gen, "a CSV text file", (".csv", ".bin"), run=(".bin",))
    foreign("png", _png(), gen, "a PNG image", (".png", ".bin", ".aedat"), run=(".aedat",))
    foreign("npy", _npy(), gen, "a NumPy .npy array", (".bin",))
    foreign("json", _json(), gen, "a JSON file", (".bin",))
    foreign("trace4-gzip", gzip.compress(_read(trace4), mtime=0), str(trace4),
            "an AEDAT 4.0 file gzip-compressed", (".bin",))
    if have:
        tiny = data / "lava-dl" / "tinynet" / "tiny.net"
        lif = data / "nir" / "lif" / "lif_norse.nir"
        foreign("tiny", _read(tiny), str(tiny), "a lava-dl netx file", (".bin",), "HDF5")
        foreign("lif", _read(lif), str(lif), "a NIR graph", (".aedat",), "HDF5")

    # -- networks, damaged
    nets = [("example", example_h5, (), False, True, True),
            ("cnnh5", cnn_h5, (), False, False, True)]
    if have:
        nirs = data / "nir"
        nets += [
            ("lif", nirs / "lif" / "lif_norse.nir", dt, True, True, False),
            ("braille", nirs / "braille" / "braille_noDelay_bias_zero.nir", dt, True, True,
             False),
            ("cnn", nirs / "cnn_nmnist" / "cnn_sinabs.nir", (), True, False, True),
            ("tiny", data / "lava-dl" / "tinynet" / "tiny.net", (), True, True, False),
        ]
    for label, path, args, imports, full, run in nets:
        _network_entries(p, label, path, args, imports, full, run)

    # -- networks: hostile sizes and values out of range
    w1 = "projections/delay1/weight"
    _edited_network_entries(p, "example", example_h5, (), False, "hostile-size", [
        ("weight-2e40-chunked", _huge(w1, (HUGE,), "i8", chunks=(4096,), fillvalue=0),
         f"{w1} replaced by a chunked, unwritten 2**40-element dataset", "error"),
        ("threshold-2e40", _huge("populations/direction/threshold", (HUGE,), "i8"),
         "populations/direction/threshold replaced by an unwritten contiguous 2**40-element "
         "dataset", "error"),
        ("weight-2e24-gzip", _huge(w1, (1 << 24,), "i8", chunks=(1 << 16,), compression="gzip"),
         f"{w1} replaced by an unwritten gzip 2**24-element dataset (128 MiB claimed)",
         "either"),
    ], run=True)
    _edited_network_entries(p, "example", example_h5, (), False, "bad-value", [
        ("src-1e9", _changed("projections/delay1/src", _set_first(10 ** 9)),
         "projections/delay1/src[0] set to 10**9 (the population has 64 neurons)", "error"),
        ("tgt-minus1", _changed("projections/delay1/tgt", _set_first(-1)),
         "projections/delay1/tgt[0] set to -1", "error"),
        ("weight-nan", _changed(w1, _set_first(np.nan)), f"{w1}[0] set to NaN", "error"),
    ], run=True)
    w = "projections/conv3->fc1/weight"
    _edited_network_entries(p, "cnnh5", cnn_h5, (), False, "hostile-size", [
        ("weight-2e40-chunked", _huge(w, (1 << 20, 1 << 20), chunks=(64, 64), fillvalue=0.0),
         f"{w} replaced by a chunked, unwritten 2**20 x 2**20 dataset", "error"),
    ], run=True)
    if have:
        tiny = data / "lava-dl" / "tinynet" / "tiny.net"
        _edited_network_entries(p, "tiny", tiny, (), True, "hostile-size", [
            ("shape1-2e20", _replace_dataset("layer/1/shape", data=[24, 1 << 20, 1 << 20]),
             "layer/1/shape set to [24, 2**20, 2**20]", "error"),
            ("shape0-2e20", _replace_dataset("layer/0/shape", data=[3, 1 << 20, 1 << 20]),
             "layer/0/shape (the input) set to [3, 2**20, 2**20]", "error"),
            ("weight2-huge", _huge("layer/2/weight", (36, 24, 1 << 14, 1 << 14, 1), "f4",
                                   chunks=(1, 1, 64, 64, 1)),
             "layer/2/weight replaced by an unwritten (36, 24, 2**14, 2**14, 1) dataset",
             "error"),
        ], run=False)
        _edited_network_entries(p, "tiny", tiny, (), True, "bad-value", [
            ("stride-0", _replace_dataset("layer/1/stride", data=[0, 0]),
             "layer/1/stride set to [0, 0]", "error"),
            ("weight1-7-channels", _huge("layer/1/weight", (24, 7, 5, 5, 1), "f4",
                                         fillvalue=1.0),
             "layer/1/weight given 7 input channels (the layer before has 3)", "error"),
            ("weight-nan", _changed("layer/1/weight", _set_first(np.nan)),
             "layer/1/weight[0] set to NaN", "error"),
            ("type-xyzzy", _replace_dataset("layer/1/type", data=np.array([b"xyzzy"], "S10")),
             "layer/1/type set to 'xyzzy'", "error"),
        ], run=False)
        lif = data / "nir" / "lif" / "lif_norse.nir"
        _edited_network_entries(p, "lif", lif, dt, True, "hostile-size", [
            ("weight-2e20sq", _huge("node/nodes/0/weight", (1 << 20, 1 << 20), "f4",
                                    chunks=(64, 64)),
             "node/nodes/0/weight replaced by an unwritten 2**20 x 2**20 dataset", "error"),
            ("input-shape-2e40", _replace_dataset("node/nodes/input/shape", data=[HUGE]),
             "node/nodes/input/shape set to [2**40]", "error"),
        ], run=False)
        _edited_network_entries(p, "lif", lif, dt, True, "bad-value", [
            ("tau-0", _changed("node/nodes/1/tau", lambda a: np.zeros_like(a)),
             "node/nodes/1/tau (LIF) set to 0", "error"),
            ("weight-nan", _changed("node/nodes/0/weight", _set_first(np.nan)),
             "node/nodes/0/weight set to NaN", "error"),
            ("edge-to-missing", _changed("node/edges", _edge_to_missing),
             "node/edges: an edge made to lead to a node 'missing' that does not exist",
             "error"),
        ], run=False)
        braille = data / "nir" / "braille" / "braille_noDelay_bias_zero.nir"
        _edited_network_entries(p, "braille", braille, dt, True, "bad-value", [
            ("weight-inf", _changed("node/nodes/fc1/weight", _set_first(np.inf)),
             "node/nodes/fc1/weight[0, 0] set to inf", "error"),
        ], run=False)
        cnn = data / "nir" / "cnn_nmnist" / "cnn_sinabs.nir"
        _edited_network_entries(p, "cnn", cnn, (), True, "hostile-size", [
            ("weight11-2e20sq", _huge("node/nodes/11/weight", (1 << 20, 1 << 20), "f4",
                                      chunks=(64, 64)),
             "node/nodes/11/weight replaced by an unwritten 2**20 x 2**20 dataset", "error"),
        ], run=True)
        _edited_network_entries(p, "cnn", cnn, (), True, "bad-value", [
            ("stride-0", _replace_dataset("node/nodes/0/stride", data=[0, 0]),
             "node/nodes/0/stride (Conv2d) set to [0, 0]", "error"),
        ], run=True)

    # -- networks: files of another kind
    def not_net(label, make, source, how, suffix, run=False):
        p.add(f"net-{label}", suffix, make, role="network", kind="wrong-kind", source=source,
              how=how, expect="error", imports=True, run=run)

    not_net("trace4-as-aedat", _writer(_read(trace4)), str(trace4), "an AEDAT 4.0 recording",
            ".aedat", run=True)
    not_net("trace4-as-h5", _writer(_read(trace4)), str(trace4),
            "an AEDAT 4.0 recording named .h5", ".h5")
    not_net("npz-as-h5", _writer(_read(npz)), str(npz), "a NumPy .npz named .h5", ".h5")
    not_net("csv-as-nir", _writer(_csv()), gen, "a CSV text file named .nir", ".nir")
    not_net("png-as-net", _writer(_png()), gen, "a PNG image named .net", ".net")
    not_net("garbage-as-h5", _writer(_rng("net-garbage").randbytes(4096)), gen,
            "4096 random bytes named .h5", ".h5")
    not_net("hdf5-sig-garbage", _writer(HDF5_SIGNATURE + _rng("sig").randbytes(4088)), gen,
            "the HDF5 signature then random bytes", ".h5")
    for suffix in (".h5", ".nir"):
        not_net(f"empty-{suffix[1:]}", _writer(b""), gen, f"an empty file named {suffix}", suffix)
    not_net("h5-unknown-layout", _h5_maker(lambda f: f.create_dataset("x", data=np.arange(10))),
            gen, "an HDF5 file with one dataset 'x'", ".h5")
    not_net("h5-trace", _h5_maker(_fake_trace), gen, "an HDF5 file like a run's trace", ".h5")
    not_net("nir-empty-node", _h5_maker(lambda f: f.create_group("node")), gen,
            "an HDF5 file with an empty 'node' group (NIR-like)", ".nir")
    not_net("netx-empty-layer", _h5_maker(lambda f: f.create_group("layer")), gen,
            "an HDF5 file with an empty 'layer' group (netx-like)", ".net")
    if have:
        nm = data / "aedat" / "nmnist_sample.bin"
        not_net("nmnist-as-nir", _writer(_read(nm)), str(nm), "an N-MNIST recording named .nir",
                ".nir")
        alex = data / "aedat" / "AlexOuyang_alex_walking_again.aedat"
        not_net("alex-as-net", _writer(_read(alex)), str(alex),
                "an AEDAT 2.0 recording named .net", ".net")
    return p.entries


def _fake_trace(f) -> None:
    f.attrs["format"] = "neuroemu-trace"
    f.attrs["format_version"] = 1
    f.create_dataset("spikes/tick", data=np.arange(20, dtype=np.int64))
    f.create_dataset("spikes/neuron", data=np.arange(20, dtype=np.int64) % 7)


def _huge_h5(f) -> None:
    f.create_dataset("events", shape=(HUGE,), dtype="i8", chunks=(4096,), fillvalue=0)


# --------------------------------------------------------------------------------------
# building


def default_data() -> Path:
    """The shared data folder as the tests find it (``realdata.DATA``)."""
    tests = str(ROOT / "tests")
    if tests not in sys.path:
        sys.path.insert(0, tests)
    from realdata import DATA

    return Path(DATA)


def build(out: str | Path, ids: Iterable[str] | None = None, data: Path | None = None,
          entries: list[Entry] | None = None) -> dict[str, Path]:
    """Write the corpus (or the entries named in ``ids``) into ``out``; {id: path}."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    if entries is None:
        entries = plan(default_data() if data is None else data)
    wanted = None if ids is None else set(ids)
    if wanted is not None:
        unknown = wanted - {e.id for e in entries}
        if unknown:
            raise KeyError(f"no corpus entries {sorted(unknown)}")
    paths = {}
    for e in entries:
        if wanted is None or e.id in wanted:
            path = out / e.filename
            if path.exists():
                path.unlink()
            e.make(path)
            paths[e.id] = path
    return paths


def summary(entries: list[Entry]) -> Counter:
    """How many entries of each (role, kind)."""
    return Counter((e.role, e.kind) for e in entries)


if __name__ == "__main__":  # python tests/fuzz/corpus.py OUT [ID ...]
    if len(sys.argv) < 2:
        sys.exit("usage: python tests/fuzz/corpus.py OUT_DIR [ID ...]")
    built = build(sys.argv[1], sys.argv[2:] or None)
    by_id = {e.id: e for e in plan(default_data())}
    for i, path in built.items():
        e = by_id[i]
        print(f"{path}  [{e.role}, expect {e.expect}] {e.how}")
