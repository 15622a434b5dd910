"""``neuroemu events info FILE``: what an event-camera recording holds.

Reads the recording once, in chunks (any length, bounded memory), and prints
its format, camera, sensor size, event counts (ON/OFF), time range, mean rate and
the records skipped by kind; ``--json`` prints the same as one JSON object and
``--plot`` draws the event rate over time and the accumulated ON/OFF frame
(:func:`neuroemu.reports.recording.recording_figure`). Nothing heavy is
imported until the command runs (numpy then; matplotlib only for ``--plot``;
never numba).
"""

from __future__ import annotations

import argparse
import sys


def add_parser(sub) -> None:
    """Add the ``events`` subcommand (with its ``info`` action) to ``sub``."""
    p = sub.add_parser("events", help="inspect event-camera recordings (AEDAT, N-MNIST)",
                       description="Inspect event-camera recordings: AEDAT 2.0, 3.1, 4.0 and "
                                   "N-MNIST .bin, recognised by content (N-MNIST, which has no "
                                   "header, by its .bin name or --format nmnist).")
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
    q.add_argument("--format", choices=("nmnist",), default=None,
                   help="read a headerless file as N-MNIST whatever its name (files named .bin "
                        "are read so without it)")
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
    chunk_events = max(1, int(args.chunk_events))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EventWarning)  # the same facts are in meta.notes
        with open_events(args.file, strict=not args.lenient, format=args.format) as rec:
            if args.plot:
                from ..reports.recording import recording_figure

                meta = recording_figure(rec, args.plot, chunk_events=chunk_events)
            else:
                for _ in rec.chunks(chunk_events):  # read to the end: counts, time range
                    pass
                meta = rec.meta
    out = meta.to_dict()
    if args.plot:
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
    if args.plot:
        rows.append(("plot", str(args.plot)))
    width = max(len(k) for k, _ in rows)
    for k, v in rows:
        print(f"{k.ljust(width)}  {v}")
    return 0


def _text(value) -> str:
    return "-" if value is None else str(value)
