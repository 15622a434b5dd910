"""What each ANN -> SNN conversion method buys on the emulated chip, measured on real digits.

For each method and T (or L), on the 360 test digits of ``models/digits_test.npz``
(scikit-learn's handwritten digits, fixed split, see ``tools/train_digits.py``):
the ANN's accuracy (float), the SNN's accuracy on the emulator in fixed point
(Loihi profile, event engine), neuron spikes and synaptic operations per
inference, and the energy per inference of those runs priced on two profiles
(``neuroemu.energy.price``; the runs' Loihi mapping priced with each profile's
figures) at two levels: the cores' operations only ("ops") and the chip's total
(operations, per-tick costs and static power over the inference's ticks).

Rows with Poisson input (maxnorm, l4, l4-bias) are run once per seed (``--seeds``,
default 10: seeds 0..9) and give the mean ± standard deviation over seeds
(energy: the mean); the other rows are deterministic and run once. A second
table gives each L4 variant's accuracy minus max-norm's, seed by seed (the same
seed draws the same Poisson input for both), as mean ± sd of the paired
differences, and calls a difference a gain or a loss only when the mean exceeds
the sd. PASCAL rows also check every hidden layer's net spike count against the
float QCFS ANN's integer activation on every digit.

* ``maxnorm``: ReLU MLP ``models/digits_mlp.npz`` (and the CNN), max-norm, Poisson input;
* ``l4``: the same with Allred & Roy's L4-norm weight adjustment;
* ``l4-bias``: the same with the L4-sized bias shift for the row's T instead;
* ``qcfs``: the QCFS MLPs (``digits_qcfs_L{4,8}.npz``) and the CNN, constant-current
  input, T-tick windows;
* ``pascal``: the QCFS ANNs converted exactly (T = sum of L_l);
  ``pascal [4,8]`` is ``digits_qcfs_pascal.npz`` with PASCAL's layerwise levels;
* ``digits_cnn_qcfs_L4``: a residual CNN with QCFS activations (conv, conv + identity
  shortcut, average pooling, conv, pooling, dense; ``tools/train_digits_cnn.py``);
  max-norm and L4 treat its QCFS activations as clipped ReLUs.

    python tools/conversion_table.py            # Markdown tables (about 5 minutes)
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
from neuroemu.convert.qcfs import qcfs_reference_counts  # noqa: E402
from neuroemu.hw import load_profile  # noqa: E402
from neuroemu.progress import Progress  # noqa: E402

MODELS = ROOT / "models"
STOCHASTIC = ("maxnorm", "l4", "l4-bias")
# (method, ANN file, T values); T is None for PASCAL (its schedule fixes it)
PLAN = [
    ("maxnorm", "digits_mlp", (8, 16, 32, 64)),
    ("l4", "digits_mlp", (8, 16, 32, 64)),
    ("l4-bias", "digits_mlp", (8, 16, 32, 64)),
    ("qcfs", "digits_qcfs_L4", (4, 8, 16)),
    ("qcfs", "digits_qcfs_L8", (8, 16)),
    ("pascal", "digits_qcfs_L2", (None,)),
    ("pascal", "digits_qcfs_L4", (None,)),
    ("pascal", "digits_qcfs_L8", (None,)),
    ("pascal", "digits_qcfs_pascal", (None,)),
    ("maxnorm", "digits_cnn_qcfs_L4", (16, 32)),
    ("l4", "digits_cnn_qcfs_L4", (16, 32)),
    ("l4-bias", "digits_cnn_qcfs_L4", (16, 32)),
    ("qcfs", "digits_cnn_qcfs_L4", (4, 8)),
    ("pascal", "digits_cnn_qcfs_L4", (None,)),
]


def _counts_exact(res, ann, x) -> int:
    """Digits on which some hidden neuron's net count differs from the QCFS ANN's."""
    ref = qcfs_reference_counts(ann, x)
    bad = np.zeros(len(x), bool)
    for k, r in enumerate(ref):
        got = np.array([c[k] for c in res["counts"]])
        bad |= np.any(got != r.astype(np.int64), axis=1)
    return int(bad.sum())


def rows(profile_names=("loihi", "truenorth"), seeds: int = 10, limit: int | None = None,
         progress: bool = True):
    """The table's rows (dicts); one bar on stderr over every run."""
    test = load_dataset("digits")
    calib = load_dataset("digits-calib")
    run_profile = load_profile("loihi")
    eprofs = [load_profile(p) for p in profile_names]
    x, y = (test.x, test.y) if limit is None else (test.x[:limit], test.y[:limit])
    runs = sum(len(Ts) * (seeds if m in STOCHASTIC else 1) for m, _, Ts in PLAN)
    bar = Progress(progress, desc="conversion table", unit="sample", total=runs * len(x))
    done = 0
    out = []
    for method, model, Ts in PLAN:
        ann = load_ann(MODELS / f"{model}.npz")
        ann_acc = float(np.mean(ann.predict(x) == y))
        for T in Ts:
            conv = convert(ann, method, run_profile, ticks=T, calibration=calib.x,
                           labels=calib.y)
            held = [p for p in eprofs if not holds(conv.network, p)]  # else n/a
            per_seed = []
            for seed in range(seeds if method in STOCHASTIC else 1):
                per_seed.append(evaluate(conv.network, test, ticks=T, profile=run_profile,
                                         seed=seed, limit=limit, energy_profiles=held,
                                         keep_counts=method == "pascal", progress=False))
                done += len(x)
                bar(done)
            res = per_seed[0]
            levels = conv.info.get("levels")

            def stat(key, per_seed=per_seed):
                v = np.array([r[key] for r in per_seed], np.float64)
                return [float(v.mean()), float(v.std(ddof=1)) if len(v) > 1 else None]

            def energy(key, p, per_seed=per_seed):
                vals = [r[key].get(p) for r in per_seed]
                return None if vals[0] is None else float(np.mean(vals))

            out.append({
                "method": method, "ann": model,
                "L": None if levels is None else (levels[0] if len(set(levels)) == 1
                                                  else list(levels)),
                "T": res["T"], "ticks": res["ticks"], "seeds": len(per_seed),
                "ann_accuracy": ann_acc, "snn_accuracy": stat("accuracy"),
                "snn_accuracy_per_seed": [r["accuracy"] for r in per_seed],
                "spikes_per_inference": stat("spikes_per_inference"),
                "input_spikes_per_inference": stat("input_spikes_per_inference"),
                "synaptic_ops_per_inference": stat("synaptic_ops_per_inference"),
                "counts_differ": _counts_exact(res, conv.ann, x) if method == "pascal"
                else None,
                "energy_j_per_inference": {p: energy("energy_j_per_inference", p)
                                           for p in profile_names},
                "operations_energy_j_per_inference": {
                    p: energy("operations_energy_j_per_inference", p) for p in profile_names},
            })
    bar.close()
    return out


def gains(table: list) -> list:
    """Each L4 variant minus max-norm, paired by seed: (ann, method, T, mean, sd, verdict)."""
    base = {(r["ann"], r["T"]): r for r in table if r["method"] == "maxnorm"}
    out = []
    for r in table:
        m = base.get((r["ann"], r["T"]))
        if r["method"] in ("l4", "l4-bias") and m is not None:
            d = np.array(r["snn_accuracy_per_seed"]) - np.array(m["snn_accuracy_per_seed"])
            mean, sd = float(d.mean()), float(d.std(ddof=1)) if d.size > 1 else 0.0
            verdict = "gain" if mean > sd else "loss" if mean < -sd else "within the spread"
            out.append((r["ann"], r["method"], r["T"], mean, sd, verdict))
    return out


def _pm(v, digits: int) -> str:
    mean, sd = v
    return f"{mean:.{digits}f}" if sd is None else f"{mean:.{digits}f} ± {sd:.{digits}f}"


def markdown(table: list, profile_names) -> str:
    head = ["method", "ANN", "L", "T", "ticks", "seeds", "ANN acc.", "SNN acc.",
            "counts = QCFS", "spikes/inf.", "syn. ops/inf."] + [
        f"E {level}/inf. {p} (µJ)" for p in profile_names for level in ("ops", "total")]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    for r in table:
        L = r["L"]
        diff = r["counts_differ"]
        cells = [r["method"], r["ann"], "–" if L is None else
                 (",".join(str(v) for v in L) if isinstance(L, list) else str(L)),
                 str(r["T"]), str(r["ticks"]), str(r["seeds"]), f"{r['ann_accuracy']:.4f}",
                 _pm(r["snn_accuracy"], 4),
                 "–" if diff is None else ("every digit" if diff == 0 else
                                           f"{diff} digits differ"),
                 _pm(r["spikes_per_inference"], 1), f"{r['synaptic_ops_per_inference'][0]:.0f}"]
        for p in profile_names:
            for key in ("operations_energy_j_per_inference", "energy_j_per_inference"):
                e = r[key].get(p)
                cells.append("n/a" if e is None else f"{e * 1e6:.3f}")
        lines.append("| " + " | ".join(cells) + " |")
    g = gains(table)
    if g:
        lines += ["", "| ANN | method | T | SNN acc. minus maxnorm (paired by seed) | verdict |",
                  "|---|---|---|---|---|"]
        for ann, method, T, mean, sd, verdict in g:
            lines.append(f"| {ann} | {method} | {T} | {mean * 100:+.2f} ± {sd * 100:.2f} "
                         f"points | {verdict} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--json", action="store_true", help="print the rows as a JSON list")
    ap.add_argument("--profiles", default="loihi,truenorth",
                    help="energy profiles, comma separated (default loihi,truenorth)")
    ap.add_argument("--seeds", type=int, default=10,
                    help="Poisson input seeds 0..N-1 per stochastic row (default 10)")
    ap.add_argument("--limit", type=int, default=None, help="only the first N test digits")
    args = ap.parse_args(argv)
    if args.seeds < 1:
        ap.error(f"--seeds {args.seeds}: expected at least 1")
    names = tuple(p for p in args.profiles.split(",") if p)
    start = time.perf_counter()
    table = rows(names, seeds=args.seeds, limit=args.limit)
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
