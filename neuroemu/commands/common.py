"""Options and helpers shared by subcommands (no heavy imports)."""

from __future__ import annotations

import json
import sys


def add_network_options(p, profile_default: str | None = None) -> None:
    p.add_argument("network", help="network file: net.h5, .nir or lava-dl .net")
    p.add_argument("--profile", default=profile_default,
                   help="the chip it runs on: a hardware profile name (models/*.toml) or path "
                        "(default: the file's own suggestion, else loihi)")
    p.add_argument("--dt", type=float, default=None,
                   help="seconds per tick: the time step of a NIR import (NIR stores "
                        "continuous time) and, for run, the tick length")


def add_netx_options(p) -> None:
    """The lava-dl import options (``import`` and ``run``)."""
    g = p.add_argument_group("lava-dl options")
    g.add_argument("--input-bias", default=None, metavar="FILE.npy",
                   help="bias mantissa of the input layer, (x, y, c) as Lava holds it")
    g.add_argument("--reset-interval", type=int, default=0,
                   help="reset every layer's u and v every this many ticks (0: never)")
    g.add_argument("--reset-offset", type=int, default=0,
                   help="layer i resets at ticks t with t %% interval == (offset + i) %% interval")


def netx_options(args) -> dict:
    """The lava-dl options given on the command line (empty when none was)."""
    given = {"input_bias": args.input_bias, "reset_interval": args.reset_interval,
             "reset_offset": args.reset_offset}
    return {k: v for k, v in given.items() if v}


def network_or_path(args):
    """``args.network`` as a path, or read with the lava-dl options when any was given
    (refused, naming the option, for a network that is not a lava-dl file)."""
    options = netx_options(args)
    if not options:
        return args.network
    from ..api import load
    from ..errors import InputError
    from ..networks.loader import network_kind

    kind = network_kind(args.network)
    if kind != "netx":
        flag = "--" + next(iter(options)).replace("_", "-")
        raise InputError(f"{flag}: a lava-dl option, and {args.network} is a {kind} network "
                         "file, not a lava-dl .net")
    return load(args.network, dt=getattr(args, "dt", None), **options)


def add_out_option(p, what: str, required: bool = False) -> None:
    """``-o/--out FILE``, the one spelling of an output path (``--output`` still taken)."""
    import argparse

    p.add_argument("-o", "--out", required=required, default=None, metavar="FILE",
                   help=f"{what} (missing folders are made)")
    p.add_argument("--output", dest="out", help=argparse.SUPPRESS)


def open_network(args):
    """The network named on the command line (read with its ``--dt``)."""
    from ..api import load

    return load(args.network, dt=getattr(args, "dt", None))


def open_mapped(args):
    """(network, config) for the network and profile named on the command line."""
    from ..api import map_network

    net = open_network(args)
    return net, map_network(net, args.profile)


def print_warnings(caught) -> None:
    """Say each caught warning once, on stderr, as the CLI says warnings."""
    for message in dict.fromkeys(str(w.message) for w in caught):
        print(f"neuroemu: warning: {message}", file=sys.stderr)


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
