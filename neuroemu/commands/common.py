"""Options and helpers shared by subcommands (no heavy imports)."""

from __future__ import annotations

import json
import sys


def add_network_options(p, profile_default: str | None = None) -> None:
    p.add_argument("network", help="network file: net.h5, .nir or lava-dl .net")
    p.add_argument("--profile", default=profile_default,
                   help="hardware profile name (models/*.toml) or path (default: the file's "
                        "own suggestion, else loihi)")
    p.add_argument("--dt", type=float, default=None,
                   help="seconds per tick: the time step of a NIR import (NIR stores "
                        "continuous time) and, for run, the tick length")


def open_network(args):
    """(network, suggested profile name or None) for the network named on the command line."""
    from ..networks.loader import load_network

    return load_network(args.network, dt=getattr(args, "dt", None))


def open_mapped(args):
    """(network, config) for the network and profile named on the command line."""
    from ..hw import load_profile
    from ..mapping import map_network

    net, suggested = open_network(args)
    profile = load_profile(args.profile or suggested or "loihi")
    return net, map_network(net, profile)


def print_json(obj) -> None:
    json.dump(obj, sys.stdout, indent=2, default=_jsonable)
    sys.stdout.write("\n")


def _jsonable(x):
    import numpy as np

    if isinstance(x, np.integer):
        return int(x)
    if isinstance(x, np.floating):
        return float(x)
    if isinstance(x, np.ndarray):
        return x.tolist()
    raise TypeError(f"not JSON serialisable: {type(x)}")


def table(rows, header) -> str:
    """A plain text table with aligned columns."""
    rows = [[str(c) for c in r] for r in rows]
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h)
              for i, h in enumerate(header)]
    line = lambda r: "  ".join(c.rjust(w) if i else c.ljust(w)
                               for i, (c, w) in enumerate(zip(r, widths)))
    return "\n".join([line(header), line(["-" * w for w in widths])] + [line(r) for r in rows])
