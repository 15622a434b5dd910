"""Event-camera readers and writers: real recordings, error paths, round trips, command.

The real recordings' expected values come from three places that do not use the
readers under test: the event counts published with the data (its README), slow
one-record-at-a-time decoders written below straight from the format
specifications, and internal consistency (ON + OFF = events, first/last event =
t_first/t_last).
"""

from __future__ import annotations

import argparse
import json
import re
import struct
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from realdata import DATA

from neuroemu.errors import FormatError
from neuroemu.recordings import (
    EVENT_DTYPE,
    EventWarning,
    detect_format,
    open_events,
    read_events,
)
from neuroemu.recordings.writer import (
    write_aedat2,
    write_aedat4,
    write_aedat31,
    write_nmnist,
)

AEDAT = DATA / "aedat"
ALEX = "AlexOuyang_alex_walking_again.aedat"
BOXES = "PyAedatTools_IMU_translBoxes.aedat"
TONIC4 = "tonic_sample.aedat4"
HEADER_ONLY = "header_only_davis346.aedat"
MALFORMED31 = "malformed_v31_invalid_events.aedat"
NMNIST = "nmnist_sample.bin"


@pytest.fixture
def aedat():
    if not AEDAT.is_dir():
        pytest.skip(f"real recordings folder {AEDAT} is absent (set NEUROEMU_DATA)")
    return AEDAT


def quiet_read(path, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EventWarning)
        return read_events(path, **kw)


# --------------------------------------------------------------------------------------
# slow reference decoders, one record at a time, from the format specifications


def slow_aedat2(path: Path):
    """(events as list of (t, x, y, p), skipped dict), jAER orientation turned to top-left."""
    data = path.read_bytes()
    pos = 0
    chip = ""
    while data[pos:pos + 1] == b"#":
        end = data.index(b"\n", pos)
        line = data[pos:end].decode("latin-1")
        if line.startswith("# AEChip:"):
            chip = line.split(":", 1)[1].strip()
        pos = end + 1
    sizes = {"dvs128": (128, 128), "davis240": (240, 180), "davis346": (346, 260)}
    width, height = next(v for k, v in sizes.items() if k in chip.lower())
    davis = "davis" in chip.lower()
    out, skipped = [], {}
    for addr, ts in struct.iter_unpack(">II", data[pos:pos + (len(data) - pos) // 8 * 8]):
        if davis:
            if addr >> 31:
                kind = "imu" if (addr >> 10) & 3 == 3 else "aps"
                skipped[kind] = skipped.get(kind, 0) + 1
                continue
            if (addr >> 10) & 1:
                skipped["external"] = skipped.get("external", 0) + 1
                continue
            x, y, p = (addr >> 12) & 0x3FF, (addr >> 22) & 0x1FF, (addr >> 11) & 1
        else:
            if addr & 0x8000:
                skipped["external"] = skipped.get("external", 0) + 1
                continue
            x, y, p = (addr >> 1) & 0x7F, (addr >> 8) & 0x7F, 1 - (addr & 1)
        out.append((ts, width - 1 - x, height - 1 - y, p))
    return out, skipped


def slow_aedat31(path: Path):
    data = path.read_bytes()
    pos = data.index(b"#!END-HEADER\r\n") + len(b"#!END-HEADER\r\n")
    out, invalid = [], 0
    while pos < len(data):
        etype, _src, size, _tso, ovf, _cap, number, _valid = struct.unpack_from("<hhiiiiii",
                                                                               data, pos)
        pos += 28
        for i in range(number):
            word, ts = struct.unpack_from("<II", data, pos + i * size)
            if etype != 1:
                continue
            if not word & 1:
                invalid += 1
                continue
            out.append(((ovf << 31) | ts, word >> 17, (word >> 2) & 0x7FFF, (word >> 1) & 1))
        pos += number * size
    return out, invalid


def _fb_field(buf: bytes, table: int, index: int):
    vtable = table - struct.unpack_from("<i", buf, table)[0]
    vsize = struct.unpack_from("<H", buf, vtable)[0]
    if 4 + 2 * index >= vsize:
        return None
    off = struct.unpack_from("<H", buf, vtable + 4 + 2 * index)[0]
    return table + off if off else None


def slow_aedat4(path: Path):
    import lz4.frame

    data = path.read_bytes()
    pos = data.index(b"\n") + 1
    n = struct.unpack_from("<i", data, pos)[0]
    header = data[pos + 4:pos + 4 + n]
    root = struct.unpack_from("<I", header, 0)[0]
    at = _fb_field(header, root, 1)
    table_pos = struct.unpack_from("<q", header, at)[0] if at else -1
    end = table_pos if table_pos >= 0 else len(data)
    pos += 4 + n
    out, other = [], 0
    while pos < end:
        sid, size = struct.unpack_from("<ii", data, pos)
        buf = lz4.frame.decompress(data[pos + 8:pos + 8 + size])[4:]
        root = struct.unpack_from("<I", buf, 0)[0]
        at = _fb_field(buf, root, 0)
        vec = at + struct.unpack_from("<I", buf, at)[0]
        count = struct.unpack_from("<I", buf, vec)[0]
        if sid == 0:
            for i in range(count):
                t, x, y, on = struct.unpack_from("<qhh?", buf, vec + 4 + 16 * i)
                out.append((t, x, y, int(on)))
        else:
            other += count
        pos += 8 + size
    return out, other


def slow_nmnist(path: Path):
    data = path.read_bytes()
    out = []
    for i in range(0, len(data), 5):
        b = data[i:i + 5]
        out.append((((b[2] & 0x7F) << 16) | (b[3] << 8) | b[4], b[0], b[1], b[2] >> 7))
    return out


def assert_same(events: np.ndarray, expected: list) -> None:
    ref = np.array(expected, dtype=np.int64).reshape(-1, 4)
    assert events.dtype == EVENT_DTYPE
    for k, name in enumerate("txyp"):
        np.testing.assert_array_equal(events[name].astype(np.int64), ref[:, k], err_msg=name)


def assert_consistent(events: np.ndarray, meta) -> None:
    assert meta.events == events.size
    assert meta.on + meta.off == meta.events
    assert meta.on == int(np.count_nonzero(events["p"]))
    if events.size:
        assert meta.t_first_us == int(events["t"][0])
        assert meta.t_last_us == int(events["t"][-1])
        assert np.all(np.diff(events["t"]) >= 0)
        assert int(events["x"].max()) < meta.width and int(events["y"].max()) < meta.height


# --------------------------------------------------------------------------------------
# real recordings


def test_dvs128_aedat2(aedat):
    events, meta = read_events(aedat / ALEX)
    assert (meta.format, meta.camera, meta.width, meta.height) == ("AEDAT 2.0", "DVS128",
                                                                    128, 128)
    assert meta.events == 19_182  # published count
    expected, skipped = slow_aedat2(aedat / ALEX)
    assert_same(events, expected)
    assert dict(meta.skipped) == skipped == {}
    assert_consistent(events, meta)
    assert meta.header["layout"] == "DVS128"


def test_davis240_aedat2_skips_imu_words(aedat):
    events, meta = read_events(aedat / BOXES)
    assert (meta.camera, meta.width, meta.height) == ("DAVIS240", 240, 180)
    assert meta.events == 162_771  # published count
    expected, skipped = slow_aedat2(aedat / BOXES)
    assert_same(events, expected)
    assert dict(meta.skipped) == skipped
    assert meta.skipped["imu"] + meta.events == int(meta.header["records"])
    assert_consistent(events, meta)


def test_aedat4_lz4_with_imu(aedat):
    events, meta = read_events(aedat / TONIC4)
    assert (meta.format, meta.width, meta.height) == ("AEDAT 4.0", 320, 240)
    assert meta.events == 111_954  # published count
    expected, other = slow_aedat4(aedat / TONIC4)
    assert_same(events, expected)
    assert meta.skipped == {"imu": other}
    assert meta.header["compression"] == "LZ4"
    assert_consistent(events, meta)


def test_nmnist(aedat):
    events, meta = read_events(aedat / NMNIST)
    assert (meta.format, meta.width, meta.height) == ("N-MNIST", 34, 34)
    assert meta.events == 4_325  # published count
    assert_same(events, slow_nmnist(aedat / NMNIST))
    assert_consistent(events, meta)


def test_header_only_file_gives_zero_events_and_says_so(aedat):
    with pytest.warns(EventWarning, match="no events"):
        events, meta = read_events(aedat / HEADER_ONLY)
    assert events.size == 0 and events.dtype == EVENT_DTYPE
    assert (meta.events, meta.on, meta.off, meta.t_first_us) == (0, 0, 0, None)
    assert (meta.camera, meta.width, meta.height) == ("DAVIS346", 346, 260)
    assert any("no events" in n for n in meta.notes)


def test_malformed_v31_reports_zero_valid_of_five(aedat):
    with pytest.warns(EventWarning, match="5 invalid"):
        events, meta = read_events(aedat / MALFORMED31)
    expected, invalid = slow_aedat31(aedat / MALFORMED31)
    assert events.size == len(expected) == 0
    assert meta.skipped == {"invalid": 5} and invalid == 5
    assert meta.format == "AEDAT 3.1"
    assert any("claim 5 valid" in n for n in meta.notes)
    assert any("no events" in n for n in meta.notes)


@pytest.mark.parametrize("name", [ALEX, BOXES, TONIC4, NMNIST])
def test_chunks_equal_whole_read_and_fill_meta_at_the_end(aedat, name):
    whole, meta = read_events(aedat / name)
    with open_events(aedat / name) as rec:
        assert rec.meta.events is None and rec.meta.width == meta.width
        parts = list(rec.chunks(7_777))
        assert all(p.size == 7_777 for p in parts[:-1]) and 0 < parts[-1].size <= 7_777
        np.testing.assert_array_equal(np.concatenate(parts), whole)
        assert rec.meta == meta


def test_format_comes_from_content_not_name(aedat, tmp_path):
    for src, kind in [(ALEX, "aedat2"), (TONIC4, "aedat4"), (MALFORMED31, "aedat31")]:
        renamed = tmp_path / "recording.aedat4"
        renamed.write_bytes((aedat / src).read_bytes())
        assert detect_format(renamed) == kind


def test_nmnist_only_by_its_name_or_when_asked(aedat, tmp_path):
    renamed = tmp_path / "digit.aedat"
    renamed.write_bytes((aedat / NMNIST).read_bytes())
    with pytest.raises(FormatError, match=r"digit\.aedat: .*no '#!AER-DAT' header, and not "
                                          r"named \.bin.*format='nmnist'"):
        detect_format(renamed)
    assert detect_format(renamed, "nmnist") == "nmnist"
    events, _ = read_events(renamed, format="nmnist")
    assert_same(events, slow_nmnist(aedat / NMNIST))
    with pytest.raises(FormatError, match=r"an AEDAT 2\.0 recording, not nmnist as asked"):
        detect_format(aedat / ALEX, "nmnist")


@pytest.mark.parametrize("lenient", [False, True])
def test_files_of_another_kind_are_never_read_as_recordings(tmp_path, lenient):
    """A network, a text file or garbage is refused with what it looks like, even when
    named .bin and with strict=False (it used to be read as N-MNIST)."""
    models = Path(__file__).resolve().parents[2] / "models"
    traces = models.parent / "traces"
    cases = {
        "net.bin": ((models / "nmnist_cnn.h5").read_bytes(),
                    r"an HDF5 file, perhaps a network \(pass it as NET\)"),
        "net.aedat": ((models / "nmnist_cnn.h5").read_bytes(),
                      r"an HDF5 file, perhaps a network"),
        "notes.bin": (b"time,x,y\n1,2,3\n" * 50, r"a text file"),
        "arrays.bin": ((traces / "example_input.npz").read_bytes(),
                       r"a zip archive"),
        "noise.bin": (np.random.default_rng(0).integers(0, 256, 5000, np.uint8).tobytes(),
                      r"does not look like N-MNIST events: \d+ of the first 1000 records have "
                      r"addresses outside the 34 x 34 sensor"),
        "noise.dat": (np.random.default_rng(1).integers(0, 256, 5000, np.uint8).tobytes(),
                      r"a file of no recognised kind"),
    }
    for name, (data, message) in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        with pytest.raises(FormatError, match=re.escape(str(path)) + ": " + message):
            read_events(path, strict=not lenient)


def test_nmnist_whose_bytes_read_as_text_is_read_as_nmnist(tmp_path):
    """An event at x = 32, y = 32, t = 598048 µs is the bytes of two spaces, a tab and two
    spaces: a file of it named .bin is N-MNIST, not refused as a text file."""
    ev = np.zeros(2, EVENT_DTYPE)
    ev["t"], ev["x"], ev["y"], ev["p"] = 598048, (32, 9), (32, 13), 0
    for n in (1, 2):
        path = tmp_path / f"spaces{n}.bin"
        write_nmnist(path, ev[:n])
        assert path.read_bytes().decode("ascii").isspace()
        assert detect_format(path) == "nmnist"
        events, _ = read_events(path)
        np.testing.assert_array_equal(events, ev[:n])
    # text with any other character, or not whole records, is still a text file
    texts = {"word": b"  \t  x    ", "numbers": "".join(f"{i:4d}\n" for i in range(100)),
             "spaces": b" " * 12}
    for name, text in texts.items():
        path = tmp_path / f"{name}.bin"
        path.write_bytes(text.encode() if isinstance(text, str) else text)
        with pytest.raises(FormatError, match="a text file"):
            read_events(path)


def test_nmnist_with_time_going_back_is_refused_even_lenient(tmp_path):
    rng = np.random.default_rng(2)
    n = 2000
    ev = np.zeros(n, EVENT_DTYPE)
    ev["x"], ev["y"] = rng.integers(0, 34, n), rng.integers(0, 34, n)
    ev["t"] = rng.integers(0, 1 << 20, n)  # shuffled timestamps: half go back
    path = tmp_path / "shuffled.bin"
    raw = np.zeros((n, 5), np.uint8)
    raw[:, 0], raw[:, 1] = ev["x"], ev["y"]
    raw[:, 2] = (ev["t"] >> 16) & 0x7F
    raw[:, 3], raw[:, 4] = (ev["t"] >> 8) & 0xFF, ev["t"] & 0xFF
    path.write_bytes(raw.tobytes())
    with pytest.raises(FormatError, match=r"go back in time"):
        read_events(path, strict=False)


# --------------------------------------------------------------------------------------
# bad input: clear errors, never a crash, never silently zero events


def dvs128_records(tmp_path, records, name="raw.aedat", chip="DVS128"):
    chips = {"DVS128": "ch.unizh.ini.jaer.chip.retina.DVS128",
             "DAVIS240": "eu.seebetter.ini.chips.davis.DAVIS240C"}
    path = tmp_path / name
    body = b"".join(struct.pack(">II", a, t) for a, t in records)
    path.write_bytes(b"#!AER-DAT2.0\r\n# AEChip: " + chips[chip].encode() + b"\r\n" + body)
    return path


def test_truncated_aedat2(aedat, tmp_path):
    data = (aedat / ALEX).read_bytes()
    cut = tmp_path / "cut.aedat"
    cut.write_bytes(data[:-3])
    with pytest.raises(FormatError, match=r"cut\.aedat: truncated: the file ends 5 bytes into "
                                          rf"the 8-byte record at byte {len(data) - 8} "):
        open_events(cut)
    with pytest.warns(EventWarning, match="1 truncated"):
        _, meta = read_events(cut, strict=False)
    assert meta.events == 19_181 and meta.skipped == {"truncated": 1}


def test_truncated_aedat4(tmp_path):
    ev = np.zeros(1000, EVENT_DTYPE)
    ev["t"] = np.arange(1000) * 10
    path = tmp_path / "ok.aedat4"
    write_aedat4(path, ev, 16, 16, packet_events=300)
    cut = tmp_path / "cut.aedat4"
    cut.write_bytes(path.read_bytes()[:-50])
    with pytest.raises(FormatError, match=r"cut\.aedat4: truncated: the packet at byte \d+ "
                                          r"declares \d+ bytes but only \d+ remain"):
        read_events(cut)
    with pytest.warns(EventWarning):
        _, meta = read_events(cut, strict=False)
    assert meta.events == 900 and meta.skipped == {"truncated": 1}


def test_aedat4_cut_before_its_data_table(aedat, tmp_path):
    cut = tmp_path / "cut.aedat4"
    cut.write_bytes((aedat / TONIC4).read_bytes()[:500_000])
    with pytest.raises(FormatError, match="truncated: the header puts the data table at byte "
                                          "945243 but the file ends at byte 500000"):
        read_events(cut)
    with pytest.warns(EventWarning):
        _, meta = read_events(cut, strict=False)
    assert 0 < meta.events < 111_954 and meta.skipped["truncated"] == 1


def test_truncated_aedat31(aedat, tmp_path):
    cut = tmp_path / "cut.aedat"
    cut.write_bytes((aedat / MALFORMED31).read_bytes()[:-4])
    with pytest.raises(FormatError, match=r"truncated: the packet at byte 147 declares 3 "
                                          r"events of 8 bytes"):
        read_events(cut)


@pytest.mark.parametrize("first, match", [
    (b"#!AER-DAT9.9\r\n", r"AEDAT version '9.9'.*expected 2\.0, 3\.1 or 4\.0"),
    (b"#!AER-DAT3.0\r\n", r"AEDAT version '3.0'"),
    (b"# just a comment\r\n", r"header line '# just a comment' at byte 0 is not an AEDAT"),
    (b"", r"empty file \(0 bytes\)"),
])
def test_unknown_version_and_empty(tmp_path, first, match):
    path = tmp_path / "x.aedat"
    path.write_bytes(first + (b"\0" * 16 if first else b""))
    with pytest.raises(FormatError, match=match):
        read_events(path)


def test_missing_file(tmp_path):
    with pytest.raises(FormatError, match="no such file"):
        open_events(tmp_path / "nope.aedat")


def test_out_of_range_aedat2_davis(tmp_path):
    ok = (5 << 22) | (7 << 12) | (1 << 11)
    bad = (5 << 22) | (300 << 12)  # x field 300 on a 240-wide sensor
    path = dvs128_records(tmp_path, [(ok, 10), (ok, 11), (bad, 12)], chip="DAVIS240")
    header = len(b"#!AER-DAT2.0\r\n# AEChip: eu.seebetter.ini.chips.davis.DAVIS240C\r\n")
    with pytest.raises(FormatError, match=rf"raw\.aedat: event at byte {header + 16}: x = 300, "
                                          r"expected 0 <= x < 240 for the 240x180 sensor"):
        read_events(path)
    with pytest.warns(EventWarning, match="1 out_of_range"):
        events, meta = read_events(path, strict=False)
    assert meta.events == 2 and meta.skipped == {"out_of_range": 1}
    assert (int(events["x"][0]), int(events["y"][0])) == (239 - 7, 179 - 5)


def test_out_of_range_aedat31_and_aedat4_and_nmnist(tmp_path):
    ev = np.zeros(3, EVENT_DTYPE)
    ev["t"] = [1, 2, 3]
    ev["x"] = [1, 200, 3]
    p31 = tmp_path / "a.aedat"
    write_aedat31(p31, ev, 256, 256, source="DVS128")  # declares 128x128
    with pytest.raises(FormatError, match=r"event at byte \d+: x = 200, expected 0 <= x < 128"):
        read_events(p31)
    ev["x"] = [1, 120, 3]
    p4 = tmp_path / "a.aedat4"
    write_aedat4(p4, ev, 128, 128, compression="none")
    data = p4.read_bytes().replace(b'"sizeX" type="int">128<', b'"sizeX" type="int">100<')
    p4.write_bytes(data)
    with pytest.raises(FormatError, match=r"event at element 1 of the packet at byte \d+: "
                                          r"x = 120, expected 0 <= x < 100 for the 100x128"):
        read_events(p4)
    pn = tmp_path / "a.bin"
    pn.write_bytes(bytes([1, 2, 0, 0, 5, 40, 2, 0, 0, 6]))
    with pytest.raises(FormatError, match=r"a\.bin: event at byte 5: x = 40, expected "
                                          r"0 <= x < 34"):
        read_events(pn)


def test_time_going_back(tmp_path):
    a = (3 << 8) | (4 << 1)
    path = dvs128_records(tmp_path, [(a, 100), (a, 200), (a, 150), (a, 300)])
    header = len(b"#!AER-DAT2.0\r\n# AEChip: ch.unizh.ini.jaer.chip.retina.DVS128\r\n")
    with pytest.raises(FormatError, match=rf"event at byte {header + 16}: timestamp t = 150 us "
                                          r"goes back from 200 us"):
        read_events(path)
    with pytest.warns(EventWarning, match="1 time_backwards"):
        events, meta = read_events(path, strict=False)
    # 200 is ahead of the events on both sides of it: it is the one dropped
    np.testing.assert_array_equal(events["t"], [100, 150, 300])
    assert meta.skipped == {"time_backwards": 1}


def test_lenient_drops_a_lone_timestamp_far_ahead_not_all_after_it(tmp_path):
    """A flipped high bit in one timestamp used to drop every later event."""
    a = (3 << 8) | (4 << 1)
    t = [100, 200, 300, 2**30, 400, 500, 600, 50, 700]
    path = dvs128_records(tmp_path, [(a, x) for x in t])
    with pytest.warns(EventWarning, match="2 time_backwards"):
        events, meta = read_events(path, strict=False)
    np.testing.assert_array_equal(events["t"], [100, 200, 300, 400, 500, 600, 700])
    assert any(f"timestamp t = {2**30} us is ahead of the events on both sides (300 and "
               "400 us)" in note for note in meta.notes)


def test_time_going_back_across_chunks_and_in_nmnist(tmp_path):
    path = tmp_path / "n.bin"
    path.write_bytes(bytes([1, 1, 0, 0, 9, 1, 1, 0, 0, 10, 1, 1, 0, 0, 3]))
    with open_events(path) as rec, pytest.raises(FormatError, match="t = 3 us goes back from "
                                                                    "10 us"):
        list(rec.chunks(1))


def test_aedat2_clock_wrap_is_unwrapped(tmp_path):
    a = (3 << 8) | (4 << 1)
    path = dvs128_records(tmp_path, [(a, 2**32 - 5), (a, 2**32 - 1), (a, 3), (a, 9)])
    events, _ = read_events(path)
    np.testing.assert_array_equal(events["t"], [2**32 - 5, 2**32 - 1, 2**32 + 3, 2**32 + 9])


def test_invalid_packets(tmp_path):
    body = struct.pack("<hhiiiiii", 1, 1, 8, 4, 0, 1, 2, 2) + b"\0" * 16  # capacity < number
    p31 = tmp_path / "bad.aedat"
    p31.write_bytes(b"#!AER-DAT3.1\r\n#Format: RAW\r\n#!END-HEADER\r\n" + body)
    with pytest.raises(FormatError, match=r"bad\.aedat: invalid packet header at byte 42: "
                                          r"eventCapacity 1 < eventNumber 2"):
        read_events(p31)
    ev = np.zeros(2, EVENT_DTYPE)
    p4 = tmp_path / "bad.aedat4"
    write_aedat4(p4, ev, 8, 8)
    good = p4.read_bytes()
    sid_at = 18 + struct.unpack_from("<i", good, 14)[0]  # after '#!AER-DAT4.0\r\n' + IOHeader
    with_bad_id = good[:sid_at] + struct.pack("<i", 7) + good[sid_at + 4:]
    p4.write_bytes(with_bad_id)
    with pytest.raises(FormatError, match=r"invalid packet header at byte \d+: stream id 7"):
        read_events(p4)
    bad_lz4 = good[:-10] + b"\xff" * 10
    p4.write_bytes(bad_lz4)
    with pytest.raises(FormatError, match="not a valid LZ4 frame"):
        read_events(p4)


def test_unknown_chip_in_aedat2(tmp_path):
    path = tmp_path / "c.aedat"
    path.write_bytes(b"#!AER-DAT2.0\r\n# AEChip: some.other.Chip\r\n" + b"\0" * 8)
    with pytest.raises(FormatError, match="names no sensor with a known address layout "
                                          r"\(AEChip: 'some\.other\.Chip'\)"):
        read_events(path)


def test_aedat2_external_and_special_words_are_counted(tmp_path):
    a = (3 << 8) | (4 << 1)
    path = dvs128_records(tmp_path, [(a, 1), (a | 0x8000, 2), (a | 0x10000, 3), (a, 4)])
    events, meta = read_events(path)
    assert meta.events == 2 and meta.skipped == {"external": 1, "special": 1}
    # raw x 4 -> 123, raw y 3 -> 124, raw polarity bit 0 = 0 is ON
    assert events[0].tolist() == (1, 123, 124, 1)


# --------------------------------------------------------------------------------------
# writers -> readers round trips


@st.composite
def event_arrays(draw, width: int, height: int, t_max: int, step_max: int, n_max: int = 300):
    n = draw(st.integers(0, n_max))
    ev = np.zeros(n, EVENT_DTYPE)
    if n:
        t0 = draw(st.integers(0, t_max))
        steps = draw(arrays(np.int64, n - 1, elements=st.integers(0, step_max)))
        ev["t"] = t0 + np.concatenate([[0], np.cumsum(steps)])
        ev["x"] = draw(arrays(np.uint16, n, elements=st.integers(0, width - 1)))
        ev["y"] = draw(arrays(np.uint16, n, elements=st.integers(0, height - 1)))
        ev["p"] = draw(arrays(np.uint8, n, elements=st.integers(0, 1)))
    return ev


def _roundtrip(write, ev, suffix="", chunks=None):
    with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore", EventWarning)  # an empty recording says so
        path = Path(tmp) / ("rec" + suffix)
        write(path, ev)
        got, meta = quiet_read(path)
        if chunks:
            with open_events(path) as rec:
                parts = list(rec.chunks(chunks))
            joined = np.concatenate(parts) if parts else np.empty(0, EVENT_DTYPE)
            np.testing.assert_array_equal(joined, got)
    np.testing.assert_array_equal(got, ev)
    assert meta.events == ev.size and meta.on == int(ev["p"].sum())
    return meta


@settings(max_examples=40, deadline=None)
@given(st.sampled_from([(128, 128), (240, 180), (346, 260)]).flatmap(
    lambda s: st.tuples(st.just(s), event_arrays(*s, t_max=2**32 - 1, step_max=2**30))),
    st.integers(1, 50))
def test_roundtrip_aedat2(sized, chunk):
    (w, h), ev = sized
    meta = _roundtrip(lambda p, e: write_aedat2(p, e, w, h), ev, chunks=chunk)
    assert (meta.width, meta.height) == (w, h)


@settings(max_examples=30, deadline=None)
@given(event_arrays(128, 128, t_max=2**40, step_max=2**31), st.integers(1, 40))
def test_roundtrip_aedat31(ev, packet):
    _roundtrip(lambda p, e: write_aedat31(p, e, 128, 128, packet_events=packet), ev)


@settings(max_examples=30, deadline=None)
@given(event_arrays(640, 480, t_max=2**62, step_max=2**20),
       st.sampled_from(["lz4", "zstd", "none", "lz4_high"]), st.integers(1, 64))
def test_roundtrip_aedat4(ev, compression, packet):
    meta = _roundtrip(lambda p, e: write_aedat4(p, e, 640, 480, compression=compression,
                                                packet_events=packet), ev, chunks=17)
    assert (meta.width, meta.height) == (640, 480)


@settings(max_examples=30, deadline=None)
@given(event_arrays(34, 34, t_max=2**24, step_max=2**14).filter(lambda e: e.size > 0))
def test_roundtrip_nmnist(ev):
    # (an empty N-MNIST file is an empty file, which no reader can tell from a failed copy)
    _roundtrip(write_nmnist, ev, ".bin")


def test_writer_streams_chunks_and_checks(rng, tmp_path):
    ev = np.zeros(5000, EVENT_DTYPE)
    ev["t"] = np.cumsum(rng.integers(0, 5, ev.size))
    ev["x"] = rng.integers(0, 128, ev.size)
    ev["y"] = rng.integers(0, 128, ev.size)
    ev["p"] = rng.integers(0, 2, ev.size)
    path = tmp_path / "s.aedat"
    write_aedat2(path, (ev[i:i + 700] for i in range(0, ev.size, 700)))
    np.testing.assert_array_equal(read_events(path)[0], ev)
    with pytest.raises(FormatError, match="no address layout for a 100x100 sensor"):
        write_aedat2(path, ev, 100, 100)
    bad = ev.copy()
    bad["x"][3] = 128
    with pytest.raises(FormatError, match=r"x = 128, expected 0 <= x < 128"):
        write_aedat2(path, bad)
    with pytest.raises(FormatError, match="timestamps decrease"):
        write_aedat2(path, ev[::-1])


# --------------------------------------------------------------------------------------
# neuroemu events info


def run_info(argv):
    from neuroemu.commands import events as command

    parser = argparse.ArgumentParser(prog="neuroemu")
    command.add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    return args.handler(args)


def test_events_info_text(aedat, capsys):
    assert run_info(["events", "info", str(aedat / BOXES)]) == 0
    out = capsys.readouterr().out
    for line in ["format      AEDAT 2.0", "camera      DAVIS240", "width       240",
                 "height      180", "events      162771", "t_first_us  294976755",
                 "skipped     imu 33837"]:
        assert line.split()[0] in out and line.split()[-1] in out, line


def test_events_info_json_and_plot(aedat, tmp_path, capsys):
    png = tmp_path / "rate.png"
    assert run_info(["events", "info", str(aedat / TONIC4), "--json", "--plot", str(png)]) == 0
    info = json.loads(capsys.readouterr().out)
    assert {k: info[k] for k in ("format", "width", "height", "events", "skipped")} == {
        "format": "AEDAT 4.0", "width": 320, "height": 240, "events": 111_954,
        "skipped": {"imu": 475}}
    assert info["on"] + info["off"] == 111_954 and info["t_last_us"] > info["t_first_us"]
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_events_info_empty_recording(aedat, capsys):
    assert run_info(["events", "info", str(aedat / MALFORMED31), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["events"] == 0 and info["skipped"] == {"invalid": 5}


def test_events_info_subprocess_imports_no_numba(aedat):
    code = ("import sys, argparse\n"
            "from neuroemu.commands import events\n"
            "p = argparse.ArgumentParser(); events.add_parser(p.add_subparsers())\n"
            "a = p.parse_args(['events', 'info', sys.argv[1], '--json'])\n"
            "rc = a.handler(a)\n"
            "print('NUMBA' if 'numba' in sys.modules else 'clean', "
            "'MPL' if 'matplotlib' in sys.modules else 'clean', file=sys.stderr)\n"
            "sys.exit(rc)")
    res = subprocess.run([sys.executable, "-c", code, str(aedat / NMNIST)],
                         capture_output=True, text=True, timeout=60, check=False)
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["events"] == 4_325
    assert res.stderr.split() == ["clean", "clean"]


def test_events_info_error_is_one_line(tmp_path):
    pytest.importorskip("neuroemu.cli")
    bad = tmp_path / "bad.aedat"
    bad.write_bytes(b"#!AER-DAT7.0\r\n")
    res = subprocess.run([sys.executable, "-m", "neuroemu", "events", "info", str(bad)],
                         capture_output=True, text=True, timeout=60, check=False)
    assert res.returncode == 1
    assert res.stderr.strip().count("\n") == 0 and "AEDAT version '7.0'" in res.stderr


def test_aedat2_cut_inside_its_header(aedat, tmp_path):
    cut = tmp_path / "cut.aedat"
    cut.write_bytes((aedat / ALEX).read_bytes()[:2306])
    with pytest.raises(FormatError, match=r"cut\.aedat: truncated: the file ends inside a "
                                          r"header line at byte 2306"):
        read_events(cut)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        events, meta = read_events(cut, strict=False)
    said = " | ".join(str(w.message) for w in caught)
    assert "no events" in said and "dropped 1 truncated" in said
    assert events.size == 0 and meta.skipped == {"truncated": 1}


def test_nmnist_with_one_damaged_timestamp_loses_one_event_when_lenient(aedat, tmp_path):
    data = bytearray((aedat / NMNIST).read_bytes())
    data[502] ^= 1 << 6  # timestamp bit 22 of the 101st event
    path = tmp_path / "flip.bin"
    path.write_bytes(bytes(data))
    with pytest.raises(FormatError, match="goes back"):
        read_events(path)
    with pytest.warns(EventWarning, match="1 time_backwards"):
        events, meta = read_events(path, strict=False)
    original, _ = read_events(aedat / NMNIST)
    np.testing.assert_array_equal(events, np.delete(original, 100))
