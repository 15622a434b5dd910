"""``neuroemu report TRACE``: price a finished run again, on its own profile or another one."""

from __future__ import annotations


def add_parser(sub) -> None:
    import argparse

    p = sub.add_parser(
        "report", help="energy and latency of a saved run (no re-simulation)",
        description="Price a saved run (a trace written by 'neuroemu run --out') on a hardware "
                    "profile: energy at three levels (the cores' operations, chip dynamic, "
                    "total with static power), by category and population, latency, "
                    "NeuroBench metrics; optionally write report.json, report.txt and figures. "
                    "A profile whose chip cannot hold the network is refused, as 'neuroemu "
                    "run --profile' refuses it.")
    p.add_argument("trace", help="trace file (HDF5) written by 'neuroemu run --out'")
    p.add_argument("--energy-profile", default=None, metavar="NAME",
                   help="price on this hardware profile, name (models/*.toml) or path "
                        "(default: the profile the run used, as kept in the trace)")
    p.add_argument("--profile", default=None, help=argparse.SUPPRESS)
    p.add_argument("--report", default=None, metavar="DIR",
                   help="write report.json, report.txt and figures into DIR")
    p.add_argument("--network", default=None, metavar="FILE",
                   help="the run's network file, for connection sparsity (default: the file "
                        "named in the trace, if it still matches)")
    p.add_argument("--inferences", type=int, default=1, metavar="N",
                   help="the run holds N inferences: per-inference figures divide by N "
                        "(default 1)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(handler=main)


def main(args) -> int:
    from ..api import load_run
    from ..errors import InputError
    from ..reports import format_text
    from .common import print_json

    if args.profile:
        raise InputError(f"--profile {args.profile}: --profile is the chip a network runs on; "
                         f"to price this run on another chip give --energy-profile "
                         f"{args.profile}")
    if args.inferences < 1:
        raise InputError(f"--inferences {args.inferences}: expected a whole number >= 1 (the "
                         "inferences the run holds)")
    res = load_run(args.trace, network=args.network)
    # a chip that cannot hold the network is refused (MappingError), as 'run --profile' is
    if args.report:
        report = res.report(args.report, args.energy_profile, inferences=args.inferences,
                            strict=True)
    else:
        report = res.price(args.energy_profile, inferences=args.inferences, strict=True)
    if args.json:
        print_json(report)
        return 0
    print(format_text(report), end="")
    if args.report:
        print(f"\nreport: {args.report}/report.txt, report.json and "
              f"{', '.join(report['files'])}")
    return 0
