"""``neuroemu sweep NET --inputs PATH --grid KEY=V1,V2 ...``: :func:`neuroemu.sweep`, then
print accuracy, energy and latency at every grid point."""

from __future__ import annotations


def add_parser(sub) -> None:
    from .dataset import add_cluster_options
    from .run import add_input_map_options

    p = sub.add_parser(
        "sweep", help="evaluate a dataset at every point of a grid of run options",
        description="Run a network on every recording of a dataset at every point of a grid "
                    "of run options (profile, tick length, ...), on Dask: one table of rows, "
                    "a summary per point, and a figure of accuracy against energy.")
    p.add_argument("network", help="network file: net.h5, .nir or lava-dl .net")
    p.add_argument("--inputs", required=True, metavar="PATH",
                   help="recordings: a folder of label sub-folders (N-MNIST's Test/<digit>/), "
                        "a CSV of file,label, or a quoted glob (no labels)")
    p.add_argument("--grid", nargs="+", required=True, metavar="KEY=V1,V2",
                   help="the options swept and their values, e.g. profile=loihi,truenorth "
                        "tick_us=500,1000 (every combination is a point); keys: profile, "
                        "tick_us, ticks, engine, seed, downsample, polarity, binning, flip_x, "
                        "flip_y, start_us, duration_us, on_overflow")
    p.add_argument("--profile", default=None,
                   help="the chip, where the grid does not sweep it (default: the file's "
                        "suggestion, else loihi)")
    p.add_argument("--ticks", type=int, default=None,
                   help="each run's length in ticks (default: to the last input tick plus the "
                        "network's depth)")
    p.add_argument("--energy-profile", action="append", default=None, metavar="NAME",
                   help="also price every run on this profile (repeatable)")
    p.add_argument("--seed", type=int, default=0, help="seed of rate-coded input (default 0)")
    p.add_argument("--limit", type=int, default=None, help="only the first N recordings")
    p.add_argument("--engine", choices=("event", "reference"), default="event")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    add_cluster_options(p)
    add_input_map_options(p)
    p.set_defaults(handler=main)


def parse_grid(items) -> dict:
    """``['profile=loihi,generic', 'tick_us=500,1000']`` -> ``{'profile': ['loihi',
    'generic'], 'tick_us': [500.0, 1000.0]}``, each value of its option's type."""
    from ..errors import InputError
    from ..evaluation.tasks import GRID_KEYS, grid_value

    grid = {}
    for item in items:
        key, sep, text = item.partition("=")
        key = key.strip().replace("-", "_")
        if not sep or not key or not text.strip():
            raise InputError(f"--grid {item}: expected KEY=VALUE,VALUE,... (e.g. "
                             "tick_us=500,1000)")
        if key not in GRID_KEYS:
            raise InputError(f"--grid {item}: {key!r} is not an option a sweep varies; one of "
                             f"{', '.join(GRID_KEYS)}")
        if key in grid:
            raise InputError(f"--grid {item}: {key} is given twice")
        values = [grid_value(key, word) for word in text.split(",")]
        grid[key] = values
    return grid


def main(args) -> int:
    from ..evaluation import sweep
    from .common import print_json, table
    from .dataset import check_outputs, cluster_options, run_options

    grid = parse_grid(args.grid)
    figure = check_outputs(args, "accuracy_energy")
    ev = sweep(args.network, args.inputs, grid, profile=args.profile, engine=args.engine,
               seed=args.seed, energy_profiles=args.energy_profile or (), limit=args.limit,
               **run_options(args), **cluster_options(args))
    s = ev.summary
    if figure:
        ev.save_figure(figure)
    if args.json:
        print_json({**s, "figure": figure})
        return 0
    rows = []
    for point in s["points"]:
        e, lat = point["energy_j"], point["latency_s"]
        rows.append([*(_shown(point["settings"][k]) for k in grid), point["n"],
                     "-" if point["accuracy"] is None else f"{point['accuracy']:.4f}",
                     "-" if not e else f"{e['mean']:.4g}", "-" if not lat else f"{lat['mean']:.4g}",
                     point["n_errors"]])
    print(f"{s['network']}: {len(s['points'])} points x {s['n'] // max(len(s['points']), 1)} "
          f"recordings from {args.inputs}" + (f" on {s['workers']}" if s["workers"] else ""))
    print(table(rows, [*grid, "n", "accuracy", "energy_J", "latency_s", "errors"]))
    for point in s["points"]:
        if point["n_errors"] and point["errors"]:
            print(f"errors at {point_text(point['settings'])}: {point['errors'][0][1]}")
    rate = s["n_run"] / s["wall_s"] if s["wall_s"] > 0 else 0.0
    print(f"computed {s['n_run']} runs (skipped, already done: {s['skipped_done']}) in "
          f"{s['wall_s']:.2f} s ({rate:.1f} runs/s)")
    if s.get("note"):
        print(f"note: {s['note']}")
    if s["out"]:
        print(f"rows:   {s['out']}")
    if figure:
        print(f"figure: {figure}")
    return 0


def _shown(value) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def point_text(settings: dict) -> str:
    return " ".join(f"{k}={_shown(v)}" for k, v in settings.items())
