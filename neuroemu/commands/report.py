"""``neuroemu report TRACE``: price a finished run again, on its own profile or another one."""

from __future__ import annotations


def add_parser(sub) -> None:
    p = sub.add_parser(
        "report", help="energy and latency of a saved run (no re-simulation)",
        description="Price a saved run (a trace written by 'neuroemu run --out') on a hardware "
                    "profile: energy by operation and population, latency, NeuroBench metrics; "
                    "optionally write report.json, report.txt and figures.")
    p.add_argument("trace", help="trace file (HDF5) written by 'neuroemu run --out'")
    p.add_argument("--profile", default=None,
                   help="hardware profile name (models/*.toml) or path (default: the profile "
                        "the run used, as kept in the trace)")
    p.add_argument("--report", default=None, metavar="DIR",
                   help="write report.json, report.txt and figures into DIR")
    p.add_argument("--network", default=None, metavar="FILE",
                   help="the run's network file, for connection sparsity (default: the file "
                        "named in the trace, if it still matches)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(handler=main)


def main(args) -> int:
    from ..energy import price
    from ..energy.costs import profile_of_trace
    from ..hw import load_profile
    from ..reports import format_text, write_report
    from ..results.trace_file import read_trace
    from .common import print_json

    trace = read_trace(args.trace)
    note = ""
    if args.profile:
        profile = load_profile(args.profile)
    else:
        profile, note = profile_of_trace(trace, str(args.trace))
    network = None
    if args.network:
        from ..energy.neurobench import network_matches
        from ..errors import NeuroemuError
        from ..networks.loader import load_network

        network, _ = load_network(args.network)
        if not network_matches(network, trace):
            raise NeuroemuError(
                f"--network {args.network}: network {network.name!r} is not the one the trace "
                f"{args.trace} was run on ({trace.network!r}, populations "
                f"{', '.join(trace.pop_names)})")
    if args.report:
        report = write_report(trace, profile, args.report, network=network)
    else:
        report = price(trace, profile, network=network)
    if note:
        report["notes"].append(note)
    if args.json:
        print_json(report)
        return 0
    print(format_text(report), end="")
    if args.report:
        print(f"\nreport: {args.report}/report.txt, report.json and "
              f"{', '.join(report['files'])}")
    return 0
