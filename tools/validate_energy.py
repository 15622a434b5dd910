"""Set the energy model's predictions beside measured silicon, and refit the fitted terms.

For each published measurement: the network rebuilt from its public weights,
the assumptions stated (input encoding, timesteps per inference, rates),
predicted and measured energy and time, and their ratio (predicted / measured).

* Blouw et al. 2019, Loihi keyword spotter (``shared/data/power/blouw2019``):
  total and dynamic energy per inference, time per inference, inferences per
  second, scored on runs 04-05; the whole-chip terms of ``models/loihi.toml``
  are fitted (or measured) on runs 01-03 and refitted here, so a changed
  per-operation price or mapping shows as a profile figure out of date. The
  scaled networks: marginal energy per added layer per timestep (no fitted
  term); their streamed I/O's per-step terms fitted on the N = 0 runs and
  scored on the N >= 1 runs (time and energy per inference).
* TrueNorth: the profile's floor and energy per synaptic event fitted on two of
  Akopyan et al. 2015's Fig. 17 points (11.58 and 95.93 Hz) and refitted here;
  scored on the third (20.07 Hz), on Merolla et al. 2014's 72 mW at 20 Hz
  (0.775 V), Akopyan's 65 mW (0.75 V) and Merolla's synaptic operations per watt.
* Bos & Muir 2024, Xylo Audio 2: energy per inference and dynamic inference
  power of a network of the keyword spotter's kind rebuilt with random weights
  (the paper's is not public), with the caveat that the profile's energy is the
  same measurement charged over the run; Rockpool's cycle model of the rebuilt
  network beside them (``xylo``).

Output (``--json``)::

    {"anchors": [{"name", "quantity", "unit", "predicted", "measured", "ratio",
                  "source", "assumptions", "runs"}, ...],
     "fit": {"fit_runs", "scored_runs", "static_w", "management_w", "tick_overhead_ns",
             "tick_pj", "profile_figures", "rates", "stream": {"stream_step_ns",
             "stream_step_pj", "fit_runs", ...}, "out_of_date", ...},
     "truenorth_fit": {"static_w", "synaptic_op_pj", "fit_points", "profile_figures",
                       "scored_points", "out_of_date"},
     "xylo": {"network", "steps_per_inference", "rates", "cycles_per_step", "step_s",
              "worst_step_s", "real_time", ...}}

    python tools/validate_energy.py [--data DIR] [--json] [--inferences 20]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# the real data: $NEUROEMU_DATA, else shared/data beside the repository
DATA = Path(os.environ.get("NEUROEMU_DATA") or ROOT.parent / "shared" / "data")
DEFAULT_DATA = DATA / "power" / "blouw2019"
#: a profile figure further than this (relative) from its refit is reported out of date
REFIT_TOLERANCE = 0.01


def validate(data_dir=DEFAULT_DATA, inferences: int = 20, profile="loihi",
             truenorth="truenorth", xylo="xylo") -> dict:
    """Every anchor and the fit (the module docstring's JSON)."""
    from neuroemu.energy import anchors_truenorth as TN
    from neuroemu.energy.anchors import FITTED_TERMS, blouw_anchors
    from neuroemu.energy.anchors_xylo import xylo_anchors
    from neuroemu.hw import load_profile

    anchors, fit = blouw_anchors(data_dir, load_profile(profile), inferences=inferences)
    tn_rows, tn_fit = TN.truenorth_anchors(load_profile(truenorth))
    anchors += tn_rows
    xylo_rows, xylo_details = xylo_anchors(load_profile(xylo))
    anchors += xylo_rows
    stale = [k for k in FITTED_TERMS
             if not math.isclose(fit["profile_figures"][k], fit[k], rel_tol=REFIT_TOLERANCE)]
    fit["out_of_date"] = stale
    tn_fit["out_of_date"] = [k for k in TN.FITTED_TERMS if not math.isclose(
        tn_fit["profile_figures"][k], tn_fit[k], rel_tol=REFIT_TOLERANCE)]
    return {"anchors": anchors, "fit": fit, "truenorth_fit": tn_fit, "xylo": xylo_details}


def format_text(result: dict) -> str:
    rows = [(a["name"], a["quantity"], f"{a['predicted']:.4g} {a['unit']}",
             f"{a['measured']:.4g} {a['unit']}", f"{a['ratio']:.3f}")
            for a in result["anchors"]]
    head = ("anchor", "quantity", "predicted", "measured", "ratio")
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(head)]
    lines = ["  ".join(c.ljust(w) if i < 2 else c.rjust(w)
                       for i, (c, w) in enumerate(zip(r, widths)))
             for r in [head, tuple("-" * w for w in widths), *rows]]
    fit = result["fit"]
    lines += ["", f"whole-chip terms fitted (or measured) on: {', '.join(fit['fit_runs'])}",
              "runs behind each anchor (its assumptions say: fitted on them, or scored):"]
    seen = {}
    for a in result["anchors"]:
        runs = seen.setdefault(a["name"], [])
        runs += [r for r in a["runs"] if r not in runs]
    for name, runs in seen.items():
        shown = ", ".join(runs) if len(runs) <= 3 else f"{len(runs)} runs ({runs[0]} ...)"
        lines.append(f"  {name}: {shown}")
    lines.append("whole-chip terms, refit on the fit runs, beside models/loihi.toml:")
    for key in ("static_w", "management_w", "tick_overhead_ns", "tick_pj"):
        lines.append(f"  {key:<17} refit {fit[key]:.4g}   profile "
                     f"{fit['profile_figures'][key]:.4g}")
    stream = fit["stream"]
    lines.append(f"scaled networks' streamed I/O, fitted on the N = 0 runs: "
                 f"{stream['stream_step_ns'] / 1e3:.4g} us and "
                 f"{stream['stream_step_pj'] / 1e6:.4g} uJ per step")
    tn = result["truenorth_fit"]
    lines.append(f"models/truenorth.toml, refit on {', '.join(tn['fit_points'])}:")
    for key in ("static_w", "synaptic_op_pj"):
        lines.append(f"  {key:<17} refit {tn[key]:.4g}   profile "
                     f"{tn['profile_figures'][key]:.4g}")
    stale = fit["out_of_date"] + tn["out_of_date"]
    if stale:
        lines.append(f"out of date in the profiles (refit differs by more than "
                     f"{REFIT_TOLERANCE:.0%}): {', '.join(stale)}")
    lines += ["", "assumptions:"]
    seen = set()
    for a in result["anchors"]:
        if (a["name"], a["assumptions"]) not in seen:
            seen.add((a["name"], a["assumptions"]))
            lines.append(f"  {a['name']}: {a['assumptions']}")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    from neuroemu.errors import NeuroemuError

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", default=str(DEFAULT_DATA),
                   help="the Blouw et al. 2019 folder (kws_weights.npz, logs/)")
    p.add_argument("--inferences", type=int, default=20,
                   help="inferences of the rebuilt keyword spotter to emulate (default 20)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    args = p.parse_args(argv)
    try:
        if args.inferences < 1:
            raise NeuroemuError(f"--inferences {args.inferences}: expected >= 1")
        result = validate(args.data, inferences=args.inferences)
    except NeuroemuError as exc:
        print(f"validate_energy: error: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(format_text(result), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
