"""What ``neuroemu theory``'s subcommands do (parsed in :mod:`.theory`): library calls,
then printing."""

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
