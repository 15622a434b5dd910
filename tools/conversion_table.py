"""What each ANN -> SNN conversion method buys on the emulated chip, measured on real digits.

For each method and T (or L), on the 360 test digits of ``models/digits_test.npz``
(scikit-learn's handwritten digits, fixed split, see ``tools/train_digits.py``):
the ANN's accuracy (float), the SNN's accuracy on the emulator in fixed point
(Loihi profile, event engine), neuron spikes and synaptic operations per
inference, and the energy per inference of those runs priced on two profiles
(``neuroemu.energy.price``; the runs' Loihi mapping priced with each profile's
figures) at two levels: the cores' operations only ("ops") and the chip's total
(operations, per-tick costs and static power over the inference's ticks).

* ``maxnorm``: ``models/digits_mlp.npz`` (ReLU), max-norm with Poisson input;
* ``l4``: the same with the L4-norm noise correction for the row's T;
* ``qcfs``: the QCFS ANNs (``digits_qcfs_L{4,8}.npz``), constant-current input,
  T-tick windows;
* ``pascal``: the QCFS ANNs converted exactly (T = sum of L_l);
  ``pascal [4,8]`` is ``digits_qcfs_pascal.npz`` with PASCAL's layerwise levels.

    python tools/conversion_table.py            # a Markdown table
    python tools/conversion_table.py --json     # the rows as a JSON list
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from neuroemu.convert import convert, load_ann  # noqa: E402
from neuroemu.convert.evaluate import evaluate, holds, load_dataset  # noqa: E402
from neuroemu.hw import load_profile  # noqa: E402

MODELS = ROOT / "models"
# (method, ANN file, T values); T is None for PASCAL (its schedule fixes it)
PLAN = [
    ("maxnorm", "digits_mlp", (8, 16, 32, 64)),
    ("l4", "digits_mlp", (8, 16, 32, 64)),
    ("qcfs", "digits_qcfs_L4", (4, 8, 16)),
    ("qcfs", "digits_qcfs_L8", (8, 16)),
    ("pascal", "digits_qcfs_L2", (None,)),
    ("pascal", "digits_qcfs_L4", (None,)),
    ("pascal", "digits_qcfs_L8", (None,)),
    ("pascal", "digits_qcfs_pascal", (None,)),
]


def rows(profile_names=("loihi", "truenorth"), seed: int = 0, limit: int | None = None,
         progress: bool = True):
    """The table's rows (dicts); a bar on stderr per row while it is evaluated."""
    test = load_dataset("digits")
    calib = load_dataset("digits-calib")
    run_profile = load_profile("loihi")
    eprofs = [load_profile(p) for p in profile_names]
    out = []
    for method, model, Ts in PLAN:
        ann = load_ann(MODELS / f"{model}.npz")
        x, y = (test.x, test.y) if limit is None else (test.x[:limit], test.y[:limit])
        ann_acc = float(np.mean(ann.predict(x) == y))
        for T in Ts:
            conv = convert(ann, method, run_profile, ticks=T, calibration=calib.x,
                           labels=calib.y)
            held = [p for p in eprofs if not holds(conv.network, p)]  # else n/a
            res = evaluate(conv.network, test, ticks=T, profile=run_profile, seed=seed,
                           limit=limit, energy_profiles=held, progress=progress)
            levels = conv.info.get("levels")
            out.append({
                "method": method, "ann": model,
                "L": None if levels is None else (levels[0] if len(set(levels)) == 1
                                                  else list(levels)),
                "T": res["T"], "ticks": res["ticks"],
                "ann_accuracy": ann_acc, "snn_accuracy": res["accuracy"],
                "spikes_per_inference": res["spikes_per_inference"],
                "input_spikes_per_inference": res["input_spikes_per_inference"],
                "synaptic_ops_per_inference": res["synaptic_ops_per_inference"],
                "energy_j_per_inference": {p: res["energy_j_per_inference"].get(p)
                                           for p in profile_names},
                "operations_energy_j_per_inference": {
                    p: res["operations_energy_j_per_inference"].get(p) for p in profile_names},
            })
    return out


def markdown(table: list, profile_names) -> str:
    head = ["method", "ANN", "L", "T", "ticks", "ANN acc.", "SNN acc.", "spikes/inf.",
            "syn. ops/inf."] + [f"E {level}/inf. {p} (µJ)" for p in profile_names
                                for level in ("ops", "total")]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    for r in table:
        L = r["L"]
        cells = [r["method"], r["ann"], "–" if L is None else
                 (",".join(str(v) for v in L) if isinstance(L, list) else str(L)),
                 str(r["T"]), str(r["ticks"]), f"{r['ann_accuracy']:.4f}",
                 f"{r['snn_accuracy']:.4f}", f"{r['spikes_per_inference']:.1f}",
                 f"{r['synaptic_ops_per_inference']:.0f}"]
        for p in profile_names:
            for key in ("operations_energy_j_per_inference", "energy_j_per_inference"):
                e = r[key].get(p)
                cells.append("n/a" if e is None else f"{e * 1e6:.3f}")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--json", action="store_true", help="print the rows as a JSON list")
    ap.add_argument("--profiles", default="loihi,truenorth",
                    help="energy profiles, comma separated (default loihi,truenorth)")
    ap.add_argument("--seed", type=int, default=0, help="Poisson input seed (default 0)")
    ap.add_argument("--limit", type=int, default=None, help="only the first N test digits")
    args = ap.parse_args(argv)
    names = tuple(p for p in args.profiles.split(",") if p)
    start = time.perf_counter()
    table = rows(names, seed=args.seed, limit=args.limit)
    if args.json:
        json.dump(table, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        print(markdown(table, names))
    print(f"conversion_table: {len(table)} rows in {time.perf_counter() - start:.1f} s",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
