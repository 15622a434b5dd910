"""Options and output shared by ``neuroemu eval --inputs`` and ``neuroemu sweep`` (no heavy
imports): which recordings, where they run, where rows go, and each run's options."""

from __future__ import annotations

import sys
from pathlib import Path

#: run options on the command line, as evaluate()'s keywords (all from `neuroemu run`)
RUN_OPTIONS = ("ticks", "tick_us", "dt", "on_overflow", "crop", "downsample", "polarity",
               "flip_x", "flip_y", "start_us", "duration_us", "binning", "lenient",
               "input_format")


def add_cluster_options(p) -> None:
    """--inputs aside: where the runs go and where their rows are written."""
    g = p.add_argument_group("dataset of recordings, on Dask")
    g.add_argument("--workers", type=int, default=None, metavar="N",
                   help="worker processes of the local Dask cluster (default: this machine's "
                        "cores; one thread each)")
    g.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="run on an existing Dask cluster instead, by its scheduler's address "
                        "(tcp://HOST:8786); its workers need neuroemu and must see the "
                        "recordings at the same paths")
    g.add_argument("-o", "--out", default=None, metavar="FILE.parquet",
                   help="write one row per recording to this Parquet file, as results "
                        "arrive (while running and after an interruption, the finished rows "
                        "are in FILE.parquet.parts/)")
    g.add_argument("--resume", action="store_true",
                   help="keep the rows --out already holds and compute only the missing ones")
    g.add_argument("--batch-size", type=int, default=None, metavar="N",
                   help="recordings per Dask task (default: about 10 tasks per worker, by "
                        "file size, at most 64 recordings each)")
    g.add_argument("--plot", default=None, metavar="FILE",
                   help="write the figure here (default: beside --out)")
    g.add_argument("--quiet", action="store_true", help="no progress on stderr")
    g.add_argument("--on-overflow", choices=("ignore", "warn", "raise"), default=None,
                   help="what a register overflow does: counted in the row's 'overflows' "
                        "(warn, ignore; the default), or an error row (raise)")
    g.add_argument("--dt", type=float, default=None,
                   help="seconds per tick: the time step of a NIR network (and the tick "
                        "length)")


def run_options(args) -> dict:
    """evaluate()'s run keywords from the parsed command line."""
    return {name: getattr(args, name) for name in RUN_OPTIONS}


def cluster_options(args) -> dict:
    return dict(workers=args.workers, scheduler=args.scheduler, out=args.out,
                resume=args.resume, batch_size=args.batch_size,
                progress=not (args.quiet or args.json))


def check_outputs(args, suffix: str) -> str | None:
    """Refuse unusable output paths before any work; the figure's path (``--plot``, else
    beside ``--out`` with ``suffix``, else None)."""
    from ..errors import InputError
    from ..reports.figures import check_figure_path
    from .run import _check_out

    if args.out:
        _check_out("--out", args.out, False, (args.network,))
    if args.plot:
        check_figure_path(args.plot)
        _check_out("--plot", args.plot, False, (args.network,))
        return args.plot
    if args.resume and not args.out:
        raise InputError("--resume continues the rows of --out; give --out FILE.parquet")
    if args.out:
        out = Path(args.out)
        return str(out.with_name(f"{out.stem}_{suffix}.png"))
    return None


def stats_line(name: str, stats, unit: str) -> str:
    if not stats:
        return f"{name:<22} none (no recording ran)"
    return (f"{name:<22} mean {stats['mean']:.4g} {unit}, p50 {stats['p50']:.4g}, "
            f"p95 {stats['p95']:.4g}")


def note(text: str) -> None:
    print(f"neuroemu: {text}", file=sys.stderr)
