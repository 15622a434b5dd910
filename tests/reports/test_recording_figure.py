"""The figure of a recording (neuroemu.reports.recording) called as a library."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from neuroemu.errors import InputError
from neuroemu.recordings import EVENT_DTYPE, open_events, read_events
from neuroemu.reports.recording import MAX_BINS, RecordingCounts, recording_figure

ROOT = Path(__file__).resolve().parents[2]
NMNIST4 = ROOT / "traces" / "nmnist_4.aedat"
PNG = b"\x89PNG\r\n\x1a\n"


def events(t, x=0, y=0, p=1) -> np.ndarray:
    out = np.zeros(len(t), EVENT_DTYPE)
    out["t"], out["x"], out["y"], out["p"] = t, x, y, p
    return out


def test_recording_figure_writes_a_png_and_returns_the_full_meta(tmp_path):
    out = tmp_path / "nmnist_4.png"
    meta = recording_figure(NMNIST4, out, chunk_events=1000)
    ev, whole = read_events(NMNIST4)
    assert out.read_bytes()[:8] == PNG and out.stat().st_size > 10_000
    assert (meta.events, meta.on, meta.off) == (ev.size, whole.on, whole.off) == (4325, 2145, 2180)
    assert (meta.width, meta.height, meta.t_first_us, meta.t_last_us) == (34, 34, 654, 311175)


def test_recording_figure_takes_an_open_reader(tmp_path):
    out = tmp_path / "nmnist_4.png"
    with open_events(NMNIST4) as rec:
        meta = recording_figure(rec, out)
    assert meta is rec.meta and meta.events == 4325
    recording_figure(NMNIST4, tmp_path / "b.png")
    assert out.read_bytes() == (tmp_path / "b.png").read_bytes()  # the same figure either way


def test_counts_equal_the_events_of_the_recording_whatever_the_chunks():
    ev, meta = read_events(NMNIST4)
    want_pixels = np.zeros((2, 34, 34), np.int64)
    np.add.at(want_pixels, (ev["p"].astype(int), ev["y"].astype(int), ev["x"].astype(int)), 1)
    want_bins = np.bincount((ev["t"] - ev["t"][0]) // 1000)
    for n in (1, 7, 1000, 1 << 20):
        counts = RecordingCounts()
        with open_events(NMNIST4) as rec:
            for chunk in rec.chunks(n):
                counts.add(chunk)
        assert counts.events == meta.events == 4325
        assert counts.t0_us == 654 and counts.bin_us == 1000
        np.testing.assert_array_equal(counts.bin_counts, want_bins)
        np.testing.assert_array_equal(counts.pixel_counts, want_pixels)
        np.testing.assert_array_equal(counts.pixel_counts.sum(axis=(1, 2)), [2180, 2145])


def test_bins_double_when_the_recording_is_long():
    # 200 s of recording in 1 ms bins would take 200_000 > MAX_BINS bins: 2 ms bins take 100_000
    assert MAX_BINS == 1 << 17
    counts = RecordingCounts()
    counts.add(events([0, 999, 1000]))
    counts.add(events([200_000_000, 200_000_001]))
    assert counts.bin_us == 2000 and counts.events == 5
    want = np.zeros(100_001, np.int64)
    want[0], want[100_000] = 3, 2
    np.testing.assert_array_equal(counts.bin_counts, want)


def test_frame_pads_and_crops_to_the_sensor():
    counts = RecordingCounts()
    counts.add(events([0, 1, 2], x=[0, 2, 2], y=[1, 0, 0], p=[0, 1, 1]))
    assert counts.pixel_counts.shape == (2, 2, 3)
    np.testing.assert_array_equal(counts.frame(4, 3)[:, :2, :3], counts.pixel_counts)
    assert counts.frame(4, 3).shape == (2, 3, 4) and counts.frame(4, 3).sum() == 3
    np.testing.assert_array_equal(counts.frame(2, 2), [[[0, 0], [1, 0]], [[0, 0], [0, 0]]])


def test_figure_shows_the_frame_on_green_and_off_magenta():
    _, meta = read_events(NMNIST4)
    counts = RecordingCounts()
    with open_events(NMNIST4) as rec:
        for chunk in rec.chunks():
            counts.add(chunk)
    fig = counts.figure(meta)
    ax_rate, ax_frame = fig.axes
    assert ax_rate.get_title() == "AEDAT 4.0, neuroemu: 4325 events"
    assert ax_rate.get_ylabel() == "events/s (1 ms bins)"
    assert ax_frame.get_title() == "accumulated events, 34x34\nON green, OFF magenta"
    rgb = np.asarray(ax_frame.images[0].get_array())
    scale = np.log1p(counts.pixel_counts).max()
    np.testing.assert_allclose(rgb[..., 1], np.log1p(counts.pixel_counts[1]) / scale)
    np.testing.assert_allclose(rgb[..., 0], np.log1p(counts.pixel_counts[0]) / scale)
    np.testing.assert_array_equal(rgb[..., 0], rgb[..., 2])
    steps = ax_rate.lines[0].get_ydata()  # events/s per 1 ms bin
    np.testing.assert_allclose(np.sum(steps) * 1e-3, 4325)


def test_bad_input_is_refused():
    counts = RecordingCounts()
    with pytest.raises(InputError, match="fields t, x, y, p"):
        counts.add(np.zeros(3))
    counts.add(events([5, 6]))
    with pytest.raises(InputError, match="timestamps decrease"):
        counts.add(events([4]))
    with pytest.raises(InputError, match="timestamps decrease"):
        RecordingCounts().add(events([2, 1]))
    with pytest.raises(InputError, match="bin_us = 0"):
        RecordingCounts(bin_us=0)


def test_a_figure_file_name_is_checked_before_reading(tmp_path):
    out = tmp_path / "figure.txt"
    with pytest.raises(InputError, match="cannot write a figure as .txt"):
        recording_figure(tmp_path / "absent.aedat", out)
    assert not out.exists()


def test_importing_the_module_loads_neither_matplotlib_nor_numba():
    code = ("import sys, neuroemu.reports.recording\n"
            "print('numba' in sys.modules, 'matplotlib' in sys.modules)")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60, check=True)
    assert res.stdout.split() == ["False", "False"]
