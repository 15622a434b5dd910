"""Property tests of the event readers on arbitrary bytes.

Whatever follows a valid AEDAT 2.0, 3.1 or 4.0 header, whatever a ``.bin`` file
holds, and whatever a few changed bytes do to a valid recording, reading it
either raises :class:`~neuroemu.errors.FormatError` or gives events that lie on
the declared sensor, with polarities 0/1, timestamps that never decrease and a
``meta`` that agrees with them; strict or lenient. And random valid events written
with :mod:`neuroemu.recordings.writer` read back equal, in every format.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from neuroemu.errors import FormatError
from neuroemu.recordings import EVENT_DTYPE, EventWarning, read_events
from neuroemu.recordings.writer import write_aedat2, write_aedat4, write_aedat31, write_nmnist

HEADERS = {
    "aedat2-dvs128": b"#!AER-DAT2.0\r\n# AEChip: ch.unizh.ini.jaer.chip.retina.DVS128\r\n",
    "aedat2-davis240": b"#!AER-DAT2.0\r\n# AEChip: eu.seebetter.ini.chips.davis.DAVIS240C\r\n",
    "aedat31-dvs128": b"#!AER-DAT3.1\r\n#Format: RAW\r\n#Source 1: DVS128\r\n#!END-HEADER\r\n",
    "aedat31-unknown": b"#!AER-DAT3.1\r\n#Format: RAW\r\n#Source 1: Bench\r\n#!END-HEADER\r\n",
}
SETTINGS = settings(max_examples=120, deadline=None, database=None)


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """One folder for the module (hypothesis reruns a test body many times)."""
    return tmp_path_factory.mktemp("event-fuzz")


@pytest.fixture(scope="module")
def aedat4_headers(folder):
    """The header of an empty AEDAT 4.0 recording (34 x 34), by compression."""
    out = {}
    for compression in ("none", "lz4"):
        path = folder / f"empty-{compression}.aedat4"
        write_aedat4(path, np.empty(0, EVENT_DTYPE), 34, 34, compression=compression)
        out[compression] = path.read_bytes()
    return out


def read_or_refuse(path, strict: bool, format: str | None = None):
    """(events, meta), or None when the file is refused with a FormatError; checks what
    every accepted read must satisfy."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", EventWarning)
            events, meta = read_events(path, strict=strict, format=format)
    except FormatError:
        return None
    assert events.dtype == EVENT_DTYPE
    assert meta.events == events.size
    assert meta.on + meta.off == meta.events
    if meta.width is not None or meta.height is not None:
        assert meta.width is not None and meta.width > 0, meta
        assert meta.height is not None and meta.height > 0, meta
    if events.size:
        assert meta.width is not None  # read() sizes an undeclared sensor from its events
        assert int(events["x"].max()) < meta.width, (int(events["x"].max()), meta.width)
        assert int(events["y"].max()) < meta.height, (int(events["y"].max()), meta.height)
        assert set(np.unique(events["p"]).tolist()) <= {0, 1}
        t = events["t"]
        assert np.all(t[1:] >= t[:-1]), "timestamps go back"
        assert meta.t_first_us == int(t[0]) and meta.t_last_us == int(t[-1])
        assert meta.on == int(np.count_nonzero(events["p"]))
    else:
        assert meta.t_first_us is None and meta.t_last_us is None
    return events, meta


# --------------------------------------------------------------------------------------
# arbitrary bytes


@SETTINGS
@given(st.sampled_from(sorted(HEADERS)), st.binary(max_size=2048), st.booleans())
def test_arbitrary_bytes_after_an_aedat2_or_aedat31_header(folder, header, body, strict):
    path = folder / "any.aedat"
    path.write_bytes(HEADERS[header] + body)
    read_or_refuse(path, strict)


@st.composite
def aedat31_packets(draw):
    """Packets with plausible headers (type, size, counts) and arbitrary event words."""
    out = []
    for _ in range(draw(st.integers(1, 4))):
        etype = draw(st.sampled_from([1, 1, 1, 0, 2, 3, 99, -1]))
        size = draw(st.sampled_from([8, 8, 8, 0, 4, 16, -8]))
        number = draw(st.integers(-2, 12))
        capacity = draw(st.sampled_from([number, number + 1, 0, -1]))
        valid = draw(st.integers(-1, 12))
        overflow = draw(st.sampled_from([0, 0, 1, -1, 2**31 - 1]))
        words = draw(st.binary(max_size=8 * max(number, 0) + 8))
        source = draw(st.sampled_from([1, 1, 2]))
        out.append(np.array([etype, source], "<i2").tobytes()
                   + np.array([size, 4, overflow, capacity, number, valid], "<i4").tobytes()
                   + words)
    return b"".join(out)


@SETTINGS
@given(aedat31_packets(), st.booleans())
def test_aedat31_packets_with_arbitrary_headers_and_words(folder, body, strict):
    path = folder / "packets.aedat"
    path.write_bytes(HEADERS["aedat31-dvs128"] + body)
    read_or_refuse(path, strict)


@SETTINGS
@given(st.sampled_from(["none", "lz4"]), st.binary(max_size=2048), st.booleans())
def test_arbitrary_bytes_after_an_aedat4_header(folder, aedat4_headers, compression, body,
                                                strict):
    path = folder / "any.aedat4"
    path.write_bytes(aedat4_headers[compression] + body)
    read_or_refuse(path, strict)


@st.composite
def aedat4_packets(draw):
    """Packets of stream 0 (events) or others, sizes true or not, arbitrary payloads."""
    out = []
    for _ in range(draw(st.integers(1, 4))):
        payload = draw(st.binary(max_size=256))
        stream = draw(st.sampled_from([0, 0, 0, 1, -1, 2**31 - 1]))
        size = draw(st.sampled_from([len(payload)] * 4 + [0, -1, len(payload) + 7, 2**31 - 1]))
        out.append(np.array([stream, size], "<i4").tobytes() + payload)
    return b"".join(out)


@SETTINGS
@given(aedat4_packets(), st.booleans())
def test_aedat4_packets_with_arbitrary_sizes_and_payloads(folder, aedat4_headers, body, strict):
    path = folder / "packets.aedat4"
    path.write_bytes(aedat4_headers["none"] + body)
    read_or_refuse(path, strict)


@st.composite
def event_structs(draw):
    """16-byte AEDAT 4.0 event structs: any t, x and y near the 34 x 34 sensor (int16, so
    negatives too), any byte in the 'on' bool, any padding."""
    n = draw(st.integers(1, 40))
    out = np.zeros(n, [("t", "<i8"), ("x", "<i2"), ("y", "<i2"), ("on", "u1"),
                       ("pad", "V3")])
    t = draw(st.sampled_from(["increasing", "any"]))
    if t == "increasing":
        steps = draw(st.lists(st.integers(0, 1000), min_size=n, max_size=n))
        out["t"] = draw(st.integers(-10, 2**40)) + np.cumsum(steps)
    else:
        out["t"] = draw(st.lists(st.integers(-2**63, 2**63 - 1), min_size=n, max_size=n))
    out["x"] = draw(st.lists(st.integers(-3, 40), min_size=n, max_size=n))
    out["y"] = draw(st.lists(st.integers(-3, 40), min_size=n, max_size=n))
    out["on"] = draw(st.lists(st.sampled_from([0, 1, 0, 1, 2, 255]), min_size=n, max_size=n))
    out["pad"] = [draw(st.binary(min_size=3, max_size=3)) for _ in range(n)]
    return out.tobytes()


@SETTINGS
@given(event_structs(), st.booleans())
def test_aedat4_event_structs_with_arbitrary_fields(folder, structs, strict):
    """A well-formed uncompressed event packet whose event structs hold arbitrary values."""
    n = len(structs) // 16
    path = folder / "structs.aedat4"
    write_aedat4(path, np.zeros(n, EVENT_DTYPE), 34, 34, compression="none", packet_events=n)
    raw = bytearray(path.read_bytes())
    # the packet is the file's tail: 8-byte packet header, 32-byte FlatBuffer head, structs
    head = len(raw) - 16 * n - 32
    assume(raw[head + 8:head + 12] == b"EVTS")  # the writer's layout, as this test knows it
    raw[len(raw) - 16 * n:] = structs
    path.write_bytes(bytes(raw))
    read_or_refuse(path, strict)


@SETTINGS
@given(st.binary(max_size=4096), st.booleans())
def test_arbitrary_bytes_in_a_bin_file(folder, body, strict):
    path = folder / "any.bin"
    path.write_bytes(body)
    read_or_refuse(path, strict)


@st.composite
def nmnist_records(draw):
    """5-byte records mostly on the 34 x 34 sensor, some overflow markers, any times."""
    n = draw(st.integers(0, 60))
    rec = np.zeros((n, 5), np.uint8)
    for i in range(n):
        rec[i, 0] = draw(st.sampled_from([0, 5, 33] * 5 + [34, 200]))
        rec[i, 1] = draw(st.sampled_from([0, 17, 33] * 5 + [34, 240, 240]))
        rec[i, 2:] = draw(st.tuples(*[st.integers(0, 255)] * 3))
    tail = draw(st.binary(max_size=4))
    return rec.tobytes() + tail


@SETTINGS
@given(nmnist_records(), st.booleans(), st.sampled_from([".bin", ".dat"]))
def test_nmnist_like_records(folder, body, strict, suffix):
    path = folder / f"records{suffix}"
    path.write_bytes(body)
    # a .dat file is N-MNIST only when asked
    read_or_refuse(path, strict, format="nmnist" if suffix == ".dat" else None)


# --------------------------------------------------------------------------------------
# a few bytes changed in a valid recording


@st.composite
def events(draw, width: int, height: int, t_max: int = 2**30, step_max: int = 2**16,
           max_size: int = 120):
    n = draw(st.integers(0, max_size))
    t0 = draw(st.integers(0, t_max))
    steps = draw(st.lists(st.integers(0, step_max), min_size=n, max_size=n))
    xs = draw(st.lists(st.integers(0, width - 1), min_size=n, max_size=n))
    ys = draw(st.lists(st.integers(0, height - 1), min_size=n, max_size=n))
    ps = draw(st.lists(st.integers(0, 1), min_size=n, max_size=n))
    ev = np.empty(n, EVENT_DTYPE)
    ev["t"] = t0 + np.cumsum(np.array(steps, np.int64))
    ev["x"], ev["y"], ev["p"] = xs, ys, ps
    return ev


WRITERS = {
    "aedat2": (".aedat", lambda path, ev, w, h: write_aedat2(path, ev, w, h)),
    "aedat31": (".aedat", lambda path, ev, w, h: write_aedat31(path, ev, w, h,
                                                               packet_events=16)),
    "aedat4": (".aedat4", lambda path, ev, w, h: write_aedat4(path, ev, w, h, "none",
                                                              packet_events=16)),
    "aedat4-lz4": (".aedat4", lambda path, ev, w, h: write_aedat4(path, ev, w, h, "lz4",
                                                                  packet_events=16)),
    "nmnist": (".bin", lambda path, ev, w, h: write_nmnist(path, ev)),
}
SIZES = {"aedat2": (128, 128), "aedat31": (128, 128), "aedat4": (34, 34),
         "aedat4-lz4": (34, 34), "nmnist": (34, 34)}


@SETTINGS
@given(st.data(), st.sampled_from(sorted(WRITERS)), st.booleans())
def test_a_few_bytes_changed_in_a_valid_recording(folder, data, fmt, strict):
    width, height = SIZES[fmt]
    ev = data.draw(events(width, height, max_size=60), label="events")
    suffix, write = WRITERS[fmt]
    path = folder / f"mutated{suffix}"
    write(path, ev, width, height)
    raw = bytearray(path.read_bytes())
    assume(raw)  # an N-MNIST file of no events is empty
    edits = data.draw(st.lists(st.tuples(st.integers(0, 2**31), st.integers(0, 255)),
                               min_size=1, max_size=6), label="edits")
    for where, value in edits:
        raw[where % len(raw)] = value
    cut = data.draw(st.sampled_from([None, None, None, 1, 3, 7]), label="cut")
    if cut is not None:
        raw = raw[:max(1, len(raw) - cut)]
    path.write_bytes(bytes(raw))
    read_or_refuse(path, strict)


# --------------------------------------------------------------------------------------
# round trips


@SETTINGS
@given(st.data(), st.sampled_from(sorted(WRITERS)))
def test_written_events_read_back_equal(folder, data, fmt):
    width, height = data.draw(st.sampled_from(
        {"aedat2": [(128, 128), (240, 180), (346, 260)],
         "aedat31": [(128, 128), (240, 180)],
         "aedat4": [(34, 34), (640, 480), (1, 1)],
         "aedat4-lz4": [(320, 240)],
         "nmnist": [(34, 34)]}[fmt]), label="sensor")
    t_max, step = {"aedat2": (2**31, 2**20), "nmnist": (2**22, 2**16)}.get(fmt, (2**40, 2**24))
    ev = data.draw(events(width, height, t_max=t_max, step_max=step), label="events")
    # N-MNIST has no header: no events is an empty file, which is refused as one
    assume(fmt != "nmnist" or ev.size > 0)
    suffix, write = WRITERS[fmt]
    path = folder / f"roundtrip{suffix}"
    write(path, ev, width, height)
    got = read_or_refuse(path, strict=True)
    assert got is not None, f"{fmt}: a file just written was refused"
    back, meta = got
    assert meta.events == ev.size
    for name in EVENT_DTYPE.names:
        np.testing.assert_array_equal(back[name], ev[name], err_msg=f"{fmt}: field {name}")
