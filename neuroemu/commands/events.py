"""``neuroemu events info FILE``: what an event-camera recording holds.

Reads the recording once, in chunks (any length, bounded memory), and prints
its format, camera, sensor size, event counts (ON/OFF), time range, mean rate and
the records skipped by kind; ``--json`` prints the same as one JSON object and
``--plot`` draws the event rate over time and the accumulated ON/OFF frame.
Nothing heavy is imported until the command runs (numpy then; matplotlib only
for ``--plot``; never numba).
"""

from __future__ import annotations

import argparse
import sys

#: rate histogram: start at 1 ms bins, halve the resolution beyond this many bins
_MAX_BINS = 1 << 17


def add_parser(sub) -> None:
    """Add the ``events`` subcommand (with its ``info`` action) to ``sub``."""
    p = sub.add_parser("events", help="inspect event-camera recordings (AEDAT, N-MNIST)",
                       description="Inspect event-camera recordings: AEDAT 2.0, 3.1, 4.0 and "
                                   "N-MNIST .bin, recognised by content.")
    actions = p.add_subparsers(dest="events_command", metavar="ACTION", required=True)
    q = actions.add_parser(
        "info", help="format, sensor, events, ON/OFF, time range, rate, skipped records",
        description="Read a recording once and describe it: format, camera, sensor size, "
                    "events (ON/OFF), first and last timestamps, duration, mean rate and the "
                    "records skipped by kind (IMU, APS, invalid, ...).")
    q.add_argument("file", help="recording (.aedat, .aedat4, N-MNIST .bin)")
    q.add_argument("--json", action="store_true", help="print one JSON object")
    q.add_argument("--plot", metavar="OUT.png", default=None,
                   help="write a PNG: event rate over time and the accumulated ON/OFF frame")
    q.add_argument("--lenient", action="store_true",
                   help="drop out-of-range events, timestamps that go back and a truncated "
                        "last record (counted under skipped) instead of failing")
    q.add_argument("--chunk-events", type=int, default=1 << 20, help=argparse.SUPPRESS)
    p.set_defaults(handler=main)
    q.set_defaults(handler=main)


def main(args) -> int:
    """Run ``neuroemu events ACTION``; returns the exit status."""
    if getattr(args, "events_command", None) == "info":
        return _info(args)
    print("neuroemu events: choose an action: info", file=sys.stderr)
    return 2


def _info(args) -> int:
    import warnings

    from ..recordings import EventWarning, open_events

    if args.plot:
        from ..reports.figures import check_figure_path

        check_figure_path(args.plot)
    plot = _PlotData() if args.plot else None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EventWarning)  # the same facts are in meta.notes
        with open_events(args.file, strict=not args.lenient) as rec:
            for chunk in rec.chunks(max(1, int(args.chunk_events))):
                if plot is not None:
                    plot.add(chunk)
            meta = rec.meta
    out = meta.to_dict()
    if plot is not None:
        plot.write(args.plot, meta)
        out["plot"] = str(args.plot)
    if args.json:
        import json

        json.dump(out, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    dur = meta.duration_us
    rate = meta.rate_hz
    skipped = ", ".join(f"{k} {v}" for k, v in meta.skipped.items()) or "none"
    rows = [
        ("file", meta.path), ("format", meta.format), ("camera", meta.camera),
        ("width", _text(meta.width)), ("height", _text(meta.height)),
        ("events", meta.events), ("on", meta.on), ("off", meta.off),
        ("t_first_us", _text(meta.t_first_us)), ("t_last_us", _text(meta.t_last_us)),
        ("duration", "-" if dur is None else f"{dur * 1e-6:.6g} s"),
        ("rate", "-" if rate is None else f"{rate:.4g} events/s"),
        ("skipped", skipped),
    ]
    rows += [("header " + k, v) for k, v in meta.header.items()]
    rows += [("note", n) for n in meta.notes]
    if plot is not None:
        rows.append(("plot", str(args.plot)))
    width = max(len(k) for k, _ in rows)
    for k, v in rows:
        print(f"{k.ljust(width)}  {v}")
    return 0


def _text(value) -> str:
    return "-" if value is None else str(value)


class _PlotData:
    """Event rate per time bin and ON/OFF counts per pixel, accumulated chunk by chunk."""

    def __init__(self):
        import numpy as np

        self.np = np
        self.t0: int | None = None
        self.bin_us = 1000
        self.rate = np.zeros(0, np.int64)
        self.frames = np.zeros((2, 0, 0), np.int64)  # (OFF/ON, rows, cols)

    def add(self, chunk) -> None:
        np = self.np
        if chunk.size == 0:
            return
        if self.t0 is None:
            self.t0 = int(chunk["t"][0])
        bins = (chunk["t"] - self.t0) // self.bin_us
        while int(bins[-1]) >= _MAX_BINS:
            if self.rate.size % 2:
                self.rate = np.append(self.rate, 0)
            self.rate = self.rate.reshape(-1, 2).sum(axis=1)
            self.bin_us *= 2
            bins = (chunk["t"] - self.t0) // self.bin_us
        counts = np.bincount(bins, minlength=self.rate.size)
        if counts.size > self.rate.size:
            self.rate = np.concatenate([self.rate, np.zeros(counts.size - self.rate.size,
                                                            np.int64)])
        self.rate += counts
        rows = max(self.frames.shape[1], int(chunk["y"].max()) + 1)
        cols = max(self.frames.shape[2], int(chunk["x"].max()) + 1)
        if (rows, cols) != self.frames.shape[1:]:
            grown = np.zeros((2, rows, cols), np.int64)
            grown[:, :self.frames.shape[1], :self.frames.shape[2]] = self.frames
            self.frames = grown
        flat = (chunk["p"] != 0).astype(np.int64) * (rows * cols) \
            + chunk["y"].astype(np.int64) * cols + chunk["x"]
        self.frames += np.bincount(flat, minlength=2 * rows * cols).reshape(2, rows, cols)

    def write(self, path, meta) -> None:
        np = self.np
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        rows = meta.height or self.frames.shape[1]
        cols = meta.width or self.frames.shape[2]
        frames = np.zeros((2, rows, cols), np.int64)
        r, c = min(rows, self.frames.shape[1]), min(cols, self.frames.shape[2])
        frames[:, :r, :c] = self.frames[:, :r, :c]
        fig = Figure(figsize=(11, 4.2), layout="constrained")
        FigureCanvasAgg(fig)
        ax_rate, ax_frame = fig.subplots(1, 2, width_ratios=[1.4, 1])
        # rate panel, at most ~1000 bars
        rate = self.rate
        group = max(1, -(-rate.size // 1000))
        if rate.size % group:
            rate = np.append(rate, np.zeros(group - rate.size % group, np.int64))
        rate = rate.reshape(-1, group).sum(axis=1)
        width_s = self.bin_us * group * 1e-6
        if rate.size:
            ax_rate.step(np.arange(rate.size) * width_s, rate / width_s, where="post", lw=0.8)
        ax_rate.set_xlabel("time since the first event (s)")
        ax_rate.set_ylabel(f"events/s ({width_s * 1e3:g} ms bins)")
        ax_rate.set_title(f"{meta.format}, {meta.camera}: {meta.events} events")
        ax_rate.set_ylim(bottom=0)
        # accumulated frame: ON in green, OFF in magenta, log-scaled
        rgb = np.zeros((rows, cols, 3))
        scale = max(1.0, float(np.log1p(frames).max()))
        off, on = np.log1p(frames[0]) / scale, np.log1p(frames[1]) / scale
        rgb[..., 0] = off
        rgb[..., 1] = on
        rgb[..., 2] = off
        ax_frame.imshow(np.clip(rgb, 0, 1), origin="upper", interpolation="nearest")
        ax_frame.set_title(f"accumulated events, {cols}x{rows}\nON green, OFF magenta")
        ax_frame.set_xlabel("x")
        ax_frame.set_ylabel("y")
        fig.savefig(path, dpi=100)
