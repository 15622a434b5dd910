"""``neuroemu theory``: spike-train representation constructions, verified on the chip.

Subcommands::

    neuroemu theory list
    neuroemu theory verify NAME [--T T] [options]       # emulator vs target, all input trains
    neuroemu theory robustness [NAME] [--w-bits 1..16]  # smallest exact weight width
    neuroemu theory scaling [--d 1..6] [--m 1..3] [--table T] [--plot FILE]

``verify`` and ``robustness`` exit with status 1 when a construction does not
compute its target (mismatches, or it does not map onto the profile).
"""

from __future__ import annotations

import sys


def _range(text: str) -> list[int]:
    """``'3'``, ``'1..6'`` or ``'1,2,5'`` -> list of ints."""
    from ..errors import NeuroemuError

    try:
        out = []
        for part in str(text).split(","):
            if ".." in part:
                lo, hi = part.split("..")
                out.extend(range(int(lo), int(hi) + 1))
            else:
                out.append(int(part))
    except ValueError:
        raise NeuroemuError(f"{text!r}: expected N, A..B or a comma-separated list") from None
    if not out:
        raise NeuroemuError(f"{text!r}: the range is empty")
    return out


def _add_construction_options(p) -> None:
    g = p.add_argument_group("construction options (each construction reads those it needs)")
    g.add_argument("--d", type=int, default=None, help="number of inputs")
    g.add_argument("--k", type=int, default=None, help="at-least threshold count")
    g.add_argument("--m", type=int, default=None, help="CLOCK_m period, or memory in instants")
    g.add_argument("--w", default=None,
                   help="weight(s) in model units, e.g. 1/3 (clock) or 0.6,0.6 (unit)")
    g.add_argument("--h", type=float, default=None, help="memory time constant of a unit")
    g.add_argument("--table", default=None,
                   help="truth table: bit p is the output for pattern p (boolean: 0x96; table: "
                        "an integer, @FILE holding one, or random:SEED)")
    g.add_argument("--all", action="store_true", help="every Boolean function of --d inputs")
    g.add_argument("--routing", choices=("skip", "delay", "naive"), default=None,
                   help="XOR: SKIP units (default), projection delays, or unlayered (breaks)")
    g.add_argument("--flat", action="store_true",
                   help="parity / memory: the flat minterm construction")
    g.add_argument("--split", action="store_true",
                   help="table: the two-level decoder instead of flat minterms")
    g.add_argument("--tight", action="store_true",
                   help="and / atleast / andnot / clock: weights at the closed end of their "
                        "interval (the threshold's strictness decides)")
    g.add_argument("--delay-lines", choices=("projection", "skip"), default=None,
                   help="finite memory: projection delays (default) or chains of SKIP units")
    g.add_argument("--unit-scale", type=int, default=None,
                   help="unit: register scale S of the threshold 1 (default 64)")


def _add_run_options(p, scale_default=None) -> None:
    p.add_argument("--window", "--T", dest="T", type=int, default=None, metavar="T",
                   help="input window: the input trains' length T in instants (default: chosen "
                        "from the construction, its memory plus its delay, so that every "
                        "reachable state is visited)")
    p.add_argument("--method", choices=("auto", "literal", "window", "states", "random"),
                   default="auto",
                   help="every train (literal), the window argument, the state search, or "
                        "random trains (default auto: with --T, literal when small enough; "
                        "without, a method that covers every length)")
    p.add_argument("--profile", default="loihi", help="hardware profile (default loihi)")
    p.add_argument("--scale", type=float, default=scale_default,
                   help="re-quantize with map_network(scale=...) (default: "
                        + ("the integer network as it is" if scale_default is None
                           else f"{scale_default:g}") + ")")
    p.add_argument("--samples", type=int, default=1 << 16,
                   help="trains for the random method (default 65536)")
    p.add_argument("--seed", type=int, default=0, help="seed of the random method")
    p.add_argument("--json", action="store_true", help="print one JSON object")


def add_parser(sub) -> None:
    p = sub.add_parser(
        "theory", help="spike-train representation constructions, verified on the chip",
        description="Build the constructions of spike-train representation theory "
                    "(Hundrieser et al., arXiv 2512.16872) as networks, run them on the "
                    "emulated fixed-point chip and compare with their target functions.")
    tsub = p.add_subparsers(dest="theory_command", metavar="SUBCOMMAND", required=True)

    q = tsub.add_parser("list", help="the constructions and their sizes")
    q.add_argument("--json", action="store_true", help="print JSON")
    q.set_defaults(handler=main_list)

    q = tsub.add_parser(
        "verify", help="run every input train through a construction and compare",
        description="Run the construction on the emulated chip for every input train of "
                    "length T (or an equivalent set, or random trains) and compare the output "
                    "with the target function shifted by the construction's delay. Exit "
                    "status 1 on any mismatch.")
    q.add_argument("name", help="construction (see 'neuroemu theory list'); aliases clock3, "
                                "or3, and3, parity5")
    _add_construction_options(q)
    _add_run_options(q)
    q.add_argument("--w-bits", type=int, default=None,
                   help="weight width of the profile (profile.with_registers(w_bits=...))")
    q.add_argument("--engine", choices=("event", "reference"), default="event",
                   help="event engine (default) or the dense reference (slow)")
    q.set_defaults(handler=main_verify)

    q = tsub.add_parser(
        "robustness", help="smallest weight width at which constructions stay exact",
        description="Verify at each weight width (profile.with_registers(w_bits=k)), "
                    "re-quantizing with map_network(scale=...), and report the smallest width "
                    "from which every wider one is exact. Without NAME: the standard set.")
    q.add_argument("name", nargs="?", default=None, help="construction (default: all standard)")
    _add_construction_options(q)
    _add_run_options(q, scale_default=1.0)
    q.add_argument("--w-bits", default="1..12", help="widths to try (default 1..12)")
    q.set_defaults(handler=main_robustness)

    q = tsub.add_parser(
        "scaling", help="neurons and weights against inputs and memory, verified, with a plot",
        description="Build each construction family for every d (and memory m), count its "
                    "neurons and weights, verify each on the chip (every train of every "
                    "length) unless its estimated work is over the budget, and set the counts "
                    "beside a counting lower bound. Exit status 1 if a verified row "
                    "mismatches.")
    q.add_argument("--d", default="1..6", help="numbers of inputs (default 1..6)")
    q.add_argument("--m", default="1..3", help="memories for the finite-memory families")
    q.add_argument("--max-bits", type=int, default=10,
                   help="largest d*m for the flat (exponential) and random constructions "
                        "(default 10)")
    q.add_argument("--table", default=None,
                   help="also a finite-memory function of your own: its truth table (an "
                        "integer, @FILE or random:SEED; bit p = output for window pattern p, "
                        "bit j*m + k of p = input j at instant t-m+1+k), for the one --d and "
                        "--m given; built flat and split")
    q.add_argument("--profile", default="generic",
                   help="the chip the rows are verified on (default generic: cores large "
                        "enough for the flat constructions)")
    q.add_argument("--verify-budget", type=float, default=None,
                   help="estimated synaptic events above which a row is not verified "
                        "(default 1e10, a few seconds a row; 0 counts only)")
    q.add_argument("--plot", default=None, help="write the plot here (PNG)")
    q.add_argument("--json", action="store_true", help="print the rows as JSON")
    q.set_defaults(handler=main_scaling)


def _options(args) -> dict:
    return {"d": args.d, "k": args.k, "m": args.m, "w": args.w, "h": args.h,
            "table": args.table, "all": args.all, "routing": args.routing, "flat": args.flat,
            "split": args.split, "tight": args.tight, "delay_lines": args.delay_lines,
            "scale_unit": args.unit_scale}


def main_list(args) -> int:
    from ..theory.catalog import catalog_rows
    from .common import print_json, table

    rows = catalog_rows()
    if args.json:
        print_json(rows)
        return 0
    print(table([[r["name"], r["example"], r["inputs"], "yes" if r["clock"] else "-",
                  r["delay"], "inf" if r["memory"] is None else r["memory"], r["neurons"],
                  r["weights"], "departs" if r["expect"] else "exact"] for r in rows],
                ["name", "example", "d", "clock", "delay", "memory", "neurons", "weights",
                 "expected"]))
    print()
    width = max(len(r["name"]) for r in rows)
    for r in rows:
        print(f"{r['name']:<{width}}  {r['description']}")
    failing = [r for r in rows if r["expect"]]
    if failing:
        print()
        print("deliberately failing examples (verify exits 1 on them):")
        for r in failing:
            print(f"  {r['name']}: {r['expect']}")
    return 0


def _profile(args):
    from ..hw import load_profile

    prof = load_profile(args.profile)
    w_bits = getattr(args, "w_bits", None)
    if isinstance(w_bits, int):
        from ..errors import NeuroemuError

        if not 1 <= w_bits <= 16:
            raise NeuroemuError(f"--w-bits {w_bits}: expected 1..16")
        prof = prof.with_registers(w_bits=w_bits)
    return prof


def main_verify(args) -> int:
    from ..theory.catalog import build
    from ..theory.verify import verify
    from .common import print_json

    cons = build(args.name, **_options(args))
    label = None
    if len(cons) > 1:
        label = f"{args.name} d={cons[0].d} (all {len(cons)} functions)"
    r = verify(cons, args.T, method=args.method, profile=_profile(args), scale=args.scale,
               samples=args.samples, seed=args.seed, engine=args.engine, name=label)
    if args.json:
        print_json(r.to_dict())
    else:
        print("\n".join(r.describe()))
    return 0 if r.exact else 1


def main_robustness(args) -> int:
    from ..theory.robust import robustness
    from .common import print_json, table

    widths = _range(args.w_bits)
    prof = _profile(args)

    def said(label, sweep):
        if not args.json:
            print(f"  {label}: smallest exact w_bits {sweep.smallest}", file=sys.stderr)

    sweeps = robustness(args.name, args.T, widths, options=_options(args), progress=said,
                        profile=prof, scale=args.scale, method=args.method,
                        samples=args.samples, seed=args.seed)
    if args.json:
        print_json([s.to_dict() for s in sweeps])
    else:
        header = ["construction", "smallest exact w_bits"] + [f"w{k}" for k in widths]
        rows = [[s.construction, s.smallest if s.smallest is not None else "none"]
                + ["ok" if r.exact else ("map" if r.mapping_error else str(r.mismatches))
                   for r in s.rows] for s in sweeps]
        length = (f"T = {args.T}" if args.T is not None else
                  "trains of every length (window method or state search; T chosen from each "
                  "construction)")
        print(f"profile {prof.name}, scale {args.scale:g}, {length}; cells: 'ok' exact, a "
              "number = mismatching trains among those run, 'map' = does not map")
        print(table(rows, header))
    return 0 if all(s.smallest is not None for s in sweeps) else 1


def main_scaling(args) -> int:
    from ..hw import load_profile
    from ..theory.scaling import VERIFY_BUDGET, plot_scaling, scaling_table
    from .common import print_json, table

    if args.plot:
        from ..reports.figures import check_figure_path

        check_figure_path(args.plot)
    budget = VERIFY_BUDGET if args.verify_budget is None else args.verify_budget
    profile = load_profile(args.profile)
    rows = scaling_table(_range(args.d), _range(args.m), profile=profile,
                         max_bits=args.max_bits, verify=budget > 0, budget=budget,
                         tables=args.table)
    if args.plot:
        plot_scaling(rows, args.plot)
    failed = [r for r in rows if r.get("verified") not in (None, "exact", "skipped")]
    if args.json:
        print_json(rows)
        return 1 if failed else 0

    def verdict(r):
        v = r.get("verified")
        if v is None:
            return "-"
        if v == "skipped":
            return f"skipped (~{r['events']:.1e} events)"
        return f"{v} ({r['method']}, {r['verify_seconds']:.1f} s)"

    print(table([[r["family"], r["d"], r["m"], r["n"], r["neurons"], r["weights"],
                  r["delay"], r["counting_bound_weights"], verdict(r)] for r in rows],
                ["family", "d", "m", "n=d*m", "neurons", "weights", "delay",
                 "counting lower bound, hardest function (weights)", "verified on the chip"]))
    if budget > 0:
        skipped = sum(r.get("verified") == "skipped" for r in rows)
        print(f"profile {profile.name}; verified: every train of every length, by the window "
              "method or the state search"
              + (f"; {skipped} row(s) over the budget of {budget:.1e} estimated synaptic "
                 "events (--verify-budget)" if skipped else ""))
    if args.plot:
        print(f"plot: {args.plot}")
    return 1 if failed else 0
