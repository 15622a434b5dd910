"""InputMap: sensor events -> (tick, channel) spikes, one-shot and streamed.

Expected channels are worked out by hand in the comments: channel =
p*H*W + y*W + x over the input shape, tick = (t - t_first - start_us) // tick_us.
"""

from __future__ import annotations

import dataclasses
import itertools
import struct
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from realdata import DATA

from neuroemu.errors import InputError
from neuroemu.inputs.input_map import InputMap, stimulus_chunks, to_stimulus
from neuroemu.inputs.stimulus import Stimulus
from neuroemu.recordings import EVENT_DTYPE, EventWarning, read_events
from neuroemu.recordings.writer import write_aedat2, write_aedat4

AEDAT = DATA / "aedat"


def events(*rows):
    """Events from (t, x, y, p) rows."""
    ev = np.zeros(len(rows), EVENT_DTYPE)
    for i, row in enumerate(rows):
        ev[i] = row
    return ev


def spikes(stim: Stimulus):
    return list(zip(stim.tick.tolist(), stim.channel.tolist(), stim.value.tolist(), strict=True))


def joined(chunks):
    tick = np.concatenate([c.tick for c in chunks]) if chunks else np.empty(0, np.int64)
    chan = np.concatenate([c.channel for c in chunks]) if chunks else np.empty(0, np.int64)
    value = np.concatenate([c.value for c in chunks]) if chunks else np.empty(0, np.int64)
    return tick, chan, value


def assert_stream_equals_whole(chunks, whole: Stimulus):
    for a, b in itertools.pairwise(chunks):
        assert a.tick[-1] < b.tick[0], "ticks must strictly increase from chunk to chunk"
    assert all(len(c) > 0 and c.n_channels == whole.n_channels for c in chunks)
    tick, chan, value = joined(chunks)
    np.testing.assert_array_equal(tick, whole.tick)
    np.testing.assert_array_equal(chan, whole.channel)
    np.testing.assert_array_equal(value, whole.value)
    assert sum(c.dropped for c in chunks) == whole.dropped


# --------------------------------------------------------------------------------------
# the mapping, by hand


def test_channels_and_ticks_polarity_kept():
    ev = events((100, 0, 0, 0), (1099, 3, 2, 1), (1100, 1, 1, 1), (5000, 2, 0, 0))
    stim = to_stimulus(ev, (2, 3, 4), InputMap(), sensor=(4, 3))
    # OFF (0,0) -> 0; ON (3,2) -> 12 + 2*4 + 3 = 23; ON (1,1) -> 12 + 4 + 1 = 17; OFF (2,0) -> 2
    # ticks (t - 100) // 1000: 0, 0, 1, 4
    assert spikes(stim) == [(0, 0, 1), (0, 23, 1), (1, 17, 1), (4, 2, 1)]
    assert stim.n_channels == 24


def test_polarity_merged_2d_and_1_plane():
    ev = events((0, 3, 2, 1), (10, 3, 2, 0), (20, 0, 1, 1))
    for shape in [(3, 4), (1, 3, 4)]:
        stim = to_stimulus(ev, shape, InputMap(polarity="merge"), sensor=(4, 3))
        # (3,2) -> 11 twice in tick 0 (count 2); (0,1) -> 4
        assert spikes(stim) == [(0, 4, 1), (0, 11, 2)]
        assert stim.n_channels == 12


def test_crop():
    ev = events((0, 2, 1, 0), (1, 5, 3, 0), (2, 6, 1, 0), (3, 1, 1, 0), (4, 5, 0, 1))
    stim = to_stimulus(ev, (2, 3, 4), InputMap(crop=(2, 1, 4, 3)), sensor=(8, 6))
    # (2,1) -> (0,0) -> 0; (5,3) -> (3,2) -> 11; (6,1) and (1,1) lie outside x 2..5;
    # (5,0) lies above y 1..3
    assert spikes(stim) == [(0, 0, 1), (0, 11, 1)]


def test_downsample():
    ev = events((0, 7, 5, 1), (0, 0, 1, 0), (0, 3, 2, 0), (0, 2, 3, 0))
    stim = to_stimulus(ev, (2, 3, 4), InputMap(downsample=2), sensor=(8, 6))
    # (7,5)/2 = (3,2) ON -> 12 + 11 = 23; (0,1)/2 = (0,0) -> 0; (3,2)/2 and (2,3)/2 = (1,1) -> 5
    assert spikes(stim) == [(0, 0, 1), (0, 5, 2), (0, 23, 1)]


def test_flip_after_crop_and_downsample():
    ev = events((0, 9, 7, 0), (0, 2, 2, 0), (0, 4, 6, 1))
    imap = InputMap(crop=(2, 2, 8, 6), downsample=2, polarity="merge", flip_x=True)
    stim = to_stimulus(ev, (3, 4), imap, sensor=(10, 8))
    # (9,7) -> (7,5) -> (3,2) -> flip x (0,2) -> 8; (2,2) -> (0,0) -> (3,0) -> 3;
    # (4,6) -> (2,4) -> (1,2) -> (2,2) -> 10
    assert spikes(stim) == [(0, 3, 1), (0, 8, 1), (0, 10, 1)]
    stim = to_stimulus(ev, (3, 4), dataclasses.replace(imap, flip_x=False, flip_y=True),
                       sensor=(10, 8))
    # flip y instead: (3,2) -> (3,0) -> 3; (0,0) -> (0,2) -> 8; (1,2) -> (1,0) -> 1
    assert spikes(stim) == [(0, 1, 1), (0, 3, 1), (0, 8, 1)]


def test_time_window_and_tick_length():
    ev = events((100, 0, 0, 0), (600, 1, 0, 0), (1599, 2, 0, 0), (1600, 3, 0, 0))
    imap = InputMap(start_us=500, duration_us=1000, tick_us=250, polarity="merge")
    stim = to_stimulus(ev, (1, 1, 4), imap, sensor=(4, 1))
    # t_first = 100; rel = t - 600: -500 (out), 0 -> tick 0, 999 -> tick 3, 1000 (out)
    assert spikes(stim) == [(0, 1, 1), (3, 2, 1)]
    # t_first can be given (e.g. the recording's, when mapping a slice of it)
    stim = to_stimulus(ev[2:], (1, 1, 4), imap, sensor=(4, 1), t_first_us=100)
    assert spikes(stim) == [(3, 2, 1)]


def test_binning_count_and_clip():
    ev = events((0, 1, 1, 1), (10, 1, 1, 1), (20, 1, 1, 1), (1000, 1, 1, 1), (30, 0, 0, 0))
    ev = np.sort(ev, order="t")
    count = to_stimulus(ev, (2, 2, 2), InputMap(binning="count"), sensor=(2, 2))
    # ON (1,1) -> 4 + 3 = 7: three times in tick 0, once in tick 1; OFF (0,0) -> 0
    assert spikes(count) == [(0, 0, 1), (0, 7, 3), (1, 7, 1)] and count.dropped == 0
    clip = to_stimulus(ev, (2, 2, 2), InputMap(binning="clip"), sensor=(2, 2))
    assert spikes(clip) == [(0, 0, 1), (0, 7, 1), (1, 7, 1)] and clip.dropped == 2
    assert clip.binning == "clip"


def test_empty_events():
    stim = to_stimulus(np.empty(0, EVENT_DTYPE), (2, 4, 4), InputMap(), sensor=(4, 4))
    assert len(stim) == 0 and stim.n_channels == 32


# --------------------------------------------------------------------------------------
# mismatches and bad options


def test_geometry_mismatch_names_shapes_and_fixes():
    with pytest.raises(InputError) as err:
        to_stimulus(events((0, 0, 0, 0)), (2, 90, 120), InputMap(), sensor=(240, 180),
                    where="boxes.aedat")
    msg = str(err.value)
    assert "boxes.aedat" in msg and "240x180 sensor" in msg and "(2, 90, 120)" in msg
    assert "--downsample 2" in msg and "--crop 60,45,120,90" in msg
    with pytest.raises(InputError, match="--crop 103,73,34,34"):
        to_stimulus(events((0, 0, 0, 0)), (2, 34, 34), InputMap(), sensor=(240, 180))
    with pytest.raises(InputError, match="larger than the 34x34 sensor"):
        to_stimulus(events((0, 0, 0, 0)), (2, 64, 64), InputMap(), sensor=(34, 34))
    with pytest.raises(InputError, match="reaches past the recording's 34x34 sensor"):
        to_stimulus(events((0, 0, 0, 0)), (2, 8, 8), InputMap(crop=(30, 0, 8, 8)),
                    sensor=(34, 34))
    with pytest.raises(InputError, match="a 5x4 .* grid"):
        to_stimulus(events((0, 0, 0, 0)), (2, 4, 4), InputMap(downsample=2), sensor=(10, 8))
    with pytest.raises(InputError, match="240x176 .* is not divisible by --downsample 22"):
        to_stimulus(events((0, 0, 0, 0)), (2, 8, 10), InputMap(crop=(0, 0, 240, 176),
                                                               downsample=22), sensor=(240, 180))


def test_polarity_mismatch():
    with pytest.raises(InputError, match="separate ON/OFF planes.*--polarity keep"):
        to_stimulus(events((0, 0, 0, 0)), (2, 4, 4), InputMap(polarity="merge"), sensor=(4, 4))
    with pytest.raises(InputError, match="one polarity plane.*--polarity merge"):
        to_stimulus(events((0, 0, 0, 0)), (4, 4), InputMap(), sensor=(4, 4))
    with pytest.raises(InputError, match=r"shape \(3, 4, 4\) cannot take camera events"):
        to_stimulus(events((0, 0, 0, 0)), (3, 4, 4), InputMap(), sensor=(4, 4))


def test_events_outside_an_assumed_sensor_are_an_error():
    # no sensor size and no crop: the sensor is taken to be the input's 4x4; x = 4 is outside
    with pytest.raises(InputError, match="event 1 at x = 4, y = 0 lies outside the 4x4"):
        to_stimulus(events((0, 1, 1, 0), (1, 4, 0, 0)), (2, 4, 4))
    # with a crop, events outside it are simply cropped away
    stim = to_stimulus(events((0, 1, 1, 0), (1, 4, 0, 0)), (2, 4, 4),
                       InputMap(crop=(0, 0, 4, 4)))
    assert spikes(stim) == [(0, 5, 1)]


@pytest.mark.parametrize("kwargs, match", [
    ({"tick_us": 0}, "--tick-us 0: expected a whole number >= 1"),
    ({"tick_us": 2.5}, "--tick-us 2.5"), ({"start_us": -1}, "--start-us -1"),
    ({"duration_us": 0}, "--duration-us 0"), ({"downsample": 0}, "--downsample 0"),
    ({"crop": (1, 2, 3)}, "expected x0,y0,width,height"),
    ({"crop": (0, 0, 0, 4)}, "--crop width 0"), ({"polarity": "both"}, "--polarity 'both'"),
    ({"binning": "sum"}, "--binning 'sum'"),
])
def test_bad_options(kwargs, match):
    with pytest.raises(InputError, match=match):
        InputMap(**kwargs)


def test_options_are_normalised_and_frozen():
    imap = InputMap(tick_us=1000.0, start_us=0.0, duration_us=5e5, crop=[1, 2, 3, 4])
    assert (imap.tick_us, imap.start_us, imap.duration_us, imap.crop) == (1000, 0, 500000,
                                                                          (1, 2, 3, 4))
    assert isinstance(imap.tick_us, int)
    with pytest.raises(dataclasses.FrozenInstanceError):
        imap.tick_us = 5


# --------------------------------------------------------------------------------------
# streaming equals one shot


@pytest.fixture
def aedat():
    if not AEDAT.is_dir():
        pytest.skip(f"real recordings folder {AEDAT} is absent (set NEUROEMU_DATA)")
    return AEDAT


@pytest.mark.parametrize("shape, imap", [
    ((2, 180, 240), InputMap()),
    ((90, 120), InputMap(polarity="merge", downsample=2, binning="clip", tick_us=300)),
    ((2, 34, 34), InputMap(crop=(10, 20, 68, 68), downsample=2, flip_x=True, flip_y=True,
                           start_us=100_000, duration_us=500_000, tick_us=777)),
])
def test_stream_equals_whole_on_a_real_recording(aedat, shape, imap):
    path = aedat / "PyAedatTools_IMU_translBoxes.aedat"
    ev, meta = read_events(path)
    whole = to_stimulus(ev, shape, imap, sensor=meta)
    chunks = list(stimulus_chunks(path, shape, imap, chunk_events=9_001))
    assert len(chunks) > 3
    assert_stream_equals_whole(chunks, whole)


def test_stream_checks_the_shape_before_reading(aedat):
    path = aedat / "header_only_davis346.aedat"
    with pytest.raises(InputError, match="346x260 sensor"):
        next(stimulus_chunks(path, (2, 34, 34), InputMap()))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EventWarning)
        assert list(stimulus_chunks(path, (2, 260, 346), InputMap())) == []


def test_stream_stops_after_the_window(tmp_path):
    a = (3 << 8) | (4 << 1)
    records = [(a, 1000 * i) for i in range(100)] + [(a, 5)]  # time goes back at the end
    path = tmp_path / "late_error.aedat"
    path.write_bytes(b"#!AER-DAT2.0\r\n# AEChip: ch.unizh.ini.jaer.chip.retina.DVS128\r\n"
                     + b"".join(struct.pack(">II", *r) for r in records))
    imap = InputMap(duration_us=20_000)
    chunks = list(stimulus_chunks(path, (2, 128, 128), imap, chunk_events=10))
    assert joined(chunks)[0].tolist() == list(range(20))
    with pytest.raises(Exception, match="goes back"):
        list(stimulus_chunks(path, (2, 128, 128), InputMap(), chunk_events=10))


@settings(max_examples=25, deadline=None)
@given(n=st.integers(1, 400), seed=st.integers(0, 2**32 - 1), chunk=st.integers(1, 64),
       tick_us=st.integers(1, 50), k=st.sampled_from([1, 2, 4]), keep=st.booleans(),
       clip=st.booleans(), fmt=st.sampled_from(["aedat2", "aedat4"]),
       start=st.integers(0, 300), duration=st.one_of(st.none(), st.integers(1, 800)))
def test_stream_equals_whole_property(n, seed, chunk, tick_us, k, keep, clip, fmt, start,
                                      duration):
    rng = np.random.default_rng(seed)
    ev = np.zeros(n, EVENT_DTYPE)
    ev["t"] = 10_000 + np.cumsum(rng.integers(0, 4, n))
    ev["x"] = rng.integers(0, 128, n)
    ev["y"] = rng.integers(0, 128, n)
    ev["p"] = rng.integers(0, 2, n)
    imap = InputMap(downsample=k, polarity="keep" if keep else "merge", tick_us=tick_us,
                    binning="clip" if clip else "count", start_us=start, duration_us=duration,
                    flip_y=bool(seed % 2))
    shape = (2, 128 // k, 128 // k) if keep else (128 // k, 128 // k)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "r.bin"
        if fmt == "aedat2":
            write_aedat2(path, ev)
        else:
            write_aedat4(path, ev, 128, 128, packet_events=37)
        chunks = list(stimulus_chunks(path, shape, imap, chunk_events=chunk))
    whole = to_stimulus(ev, shape, imap, sensor=(128, 128))
    assert_stream_equals_whole(chunks, whole)
