"""BCM adaptation (DWAM) on degraded input: firing rates and accuracy with and without it.

Two networks, each on real data, each input degraded three ways:

* ``nmnist_cnn.h5`` on the real N-MNIST "4" (``traces/nmnist_4.aedat``) and
  ``--n`` variants of it (shifted by up to 2 pixels, 80-100 % of its events, as
  ``tools/make_nmnist_folder.py`` makes them); accuracy is the share still read
  as a 4;
* the digits MLP (``models/digits_mlp.npz``) converted by max-norm to a
  Poisson-coded SNN, on the first ``--digits`` of the 360 real test digits.

Degradations: 30 % of the input pixels dead (a fixed random set), half the input
rate (each event or spike kept with probability 0.5), and noise (random events or
spikes on random pixels, half as many again as the input has). The rule: BCM on
the last two projections of each network, eta 2^-6, epoch 4 ticks, tau_rate 32,
tau_theta 256, and as each population's target the rate of its active neurons on
clean input (spikes per firing neuron per tick, measured here first). The
mechanism works when a layer's rate moves back toward its clean value; accuracy
may or may not follow, and the table says which.

    python tools/plasticity_degraded.py [--n 12] [--digits 120] [--plot FIG.png] [--json]

Prints a table (or JSON) and writes the figure: each network's last hidden layer's
firing rate over time under each degradation, without and with adaptation, beside
its clean rate.
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DEGRADATIONS = ("clean", "dead pixels 30%", "half rate", "noise +50%")
RULE = dict(eta=2.0 ** -6, epoch=4, tau_rate=32, tau_theta=256)
POINTS = 32  # points of the rate-over-time figure per run


def _variants(ev, n: int, rng) -> list:
    """The real "4" and ``n - 1`` shifted, subsampled variants of it (34 x 34 sensor)."""
    out = [ev]
    for _ in range(n - 1):
        dx, dy = rng.integers(-2, 3, size=2)
        e = ev[rng.random(ev.size) < rng.uniform(0.8, 1.0)].copy()
        x, y = e["x"].astype(np.int64) + dx, e["y"].astype(np.int64) + dy
        keep = (x >= 0) & (x < 34) & (y >= 0) & (y < 34)
        e = e[keep]
        e["x"], e["y"] = x[keep], y[keep]
        out.append(e)
    return out


def _degrade_events(ev, how: str, rng, dead):
    if how == "dead pixels 30%":
        return ev[~dead[ev["y"], ev["x"]]]
    if how == "half rate":
        return ev[rng.random(ev.size) < 0.5]
    if how == "noise +50%":
        n = ev.size // 2
        z = np.zeros(n, ev.dtype)
        z["t"] = rng.integers(int(ev["t"].min()), int(ev["t"].max()) + 1, n)
        z["x"], z["y"] = rng.integers(0, 34, n), rng.integers(0, 34, n)
        z["p"] = rng.integers(0, 2, n)
        both = np.concatenate([ev, z])
        return both[np.argsort(both["t"], kind="stable")]
    return ev


def _degrade_spikes(stim, how: str, rng, dead, n_in: int, ticks: int):
    from neuroemu import make_stimulus

    t, c = stim.tick, stim.channel
    if how == "dead pixels 30%":
        keep = ~dead[c]
        t, c = t[keep], c[keep]
    elif how == "half rate":
        keep = rng.random(t.size) < 0.5
        t, c = t[keep], c[keep]
    elif how == "noise +50%":
        n = t.size // 2
        t = np.concatenate([t, rng.integers(0, ticks, n)])
        c = np.concatenate([c, rng.integers(0, n_in, n)])
    return make_stimulus(t, c, n_in)


def _rates(res, sizes) -> dict:
    return {k: v / sizes[k] / res.ticks for k, v in res.spike_counts().items() if k in sizes}


def _active_rates(results, hidden) -> dict:
    """Spikes per firing neuron per tick of each population that fires, over clean runs."""
    out = {}
    for name in hidden:
        spikes = active = ticks = 0
        for r in results:
            _, who = r.spikes(name)
            spikes += who.size
            active += np.unique(who).size
            ticks = r.ticks
        if spikes:  # a population silent on clean input keeps the rule's default
            out[name] = float(min(1.0, spikes / active / max(ticks, 1)))
    return out


def _bin(ticks: int) -> int:
    return max(1, ticks // POINTS)


def _over_time(res, population: str, size: int) -> np.ndarray:
    b = _bin(res.ticks)
    tick, _ = res.spikes(population)
    counts = np.bincount(tick // b, minlength=-(-res.ticks // b))
    return counts / size / b


def study(name, net, samples, labels, run_one, degrade, plastic, advance) -> dict:
    """Run every sample clean and degraded, without and with adaptation."""
    import neuroemu as ne

    hidden = [p.name for p in net.populations if p.neuron is not None]
    sizes = {p.name: p.size for p in net.populations}
    clean = [run_one(s, None) for s in samples]
    rule = ne.BCM(**RULE, target_rate=_active_rates(clean, hidden), projections=plastic)
    watch = net.projections[-1].source  # the last hidden layer
    rows, curves = [], {}
    for how in DEGRADATIONS:
        rng = np.random.default_rng(7)
        degraded = [degrade(s, how, rng) for s in samples]
        for adapt in (False, True):
            if how == "clean" and adapt is False:
                runs = clean
            else:
                runs = [run_one(s, rule if adapt else None) for s in degraded]
            advance(len(samples))
            rate = {k: float(np.mean([_rates(r, sizes)[k] for r in runs])) for k in hidden}
            acc = float(np.mean([r.readout() == y for r, y in zip(runs, labels)]))
            rows.append({"network": name, "input": how, "adaptation": adapt,
                         "accuracy": acc, "rates": rate,
                         "weight_updates": int(sum(r.total("weight_updates") for r in runs)),
                         "weight_saturations": int(sum(r.total("weight_overflows")
                                                       for r in runs))})
            curves[(how, adapt)] = np.mean([_over_time(r, watch, sizes[watch])
                                            for r in runs], axis=0)
    return {"rows": rows, "curves": curves, "watch": watch, "rule": rule.describe(),
            "bin": _bin(clean[0].ticks)}


def nmnist(n: int, advance) -> dict:
    import neuroemu as ne

    net = ne.load(ROOT / "models" / "nmnist_cnn.h5")
    ev, _ = ne.read_events(ROOT / "traces" / "nmnist_4.aedat")
    rng = np.random.default_rng(0)
    samples = _variants(ev, n, rng)
    dead = np.random.default_rng(1).random((34, 34)) < 0.3

    def run_one(e, rule):
        return ne.run(net, e, ticks=317, plasticity=rule, progress=False)

    def degrade(e, how, r):
        return _degrade_events(e, how, r, dead)

    return study("nmnist_cnn (real N-MNIST 4)", net, samples, [4] * len(samples), run_one,
                 degrade, ("conv3->fc1", "fc1->fc2"), advance)


def digits(n: int, advance) -> dict:
    import neuroemu as ne
    from neuroemu.convert import convert
    from neuroemu.convert.ann import load_ann
    from neuroemu.convert.build import run_ticks
    from neuroemu.convert.evaluate import load_dataset, stimulus_for

    calib = load_dataset("digits-calib")
    conv = convert(load_ann(ROOT / "models" / "digits_mlp.npz"), "maxnorm", "loihi",
                   calibration=calib.x)
    net = conv.network
    meta = dict(net.meta)
    ds = load_dataset("digits")
    window = 32
    ticks = run_ticks(meta, window)
    n_in = net.population(net.input).size
    rng = np.random.default_rng(0)
    samples = [stimulus_for(meta, x, window, rng) for x in ds.x[:n]]
    dead = np.random.default_rng(1).random(n_in) < 0.3

    def run_one(stim, rule):
        return ne.run(net, stim, ticks=ticks, plasticity=rule, progress=False)

    def degrade(stim, how, r):
        return _degrade_spikes(stim, how, r, dead, n_in, window)

    names = [p.name for p in net.projections]
    return study("digits MLP (max-norm, Poisson)", net, samples, list(ds.y[:n]), run_one,
                 degrade, tuple(names[-2:]), advance)


def figure(studies, path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(len(studies), len(DEGRADATIONS) - 1,
                             figsize=(4 * (len(DEGRADATIONS) - 1), 3 * len(studies)),
                             squeeze=False, sharey="row")
    for i, st in enumerate(studies):
        clean = st["curves"][("clean", False)]
        for j, how in enumerate(DEGRADATIONS[1:]):
            ax = axes[i, j]
            x = np.arange(clean.size) * st["bin"]
            ax.plot(x, clean, "k--", lw=1, label="clean input")
            ax.plot(x, st["curves"][(how, False)], color="#d62728", label="degraded")
            ax.plot(x, st["curves"][(how, True)], color="#1f77b4",
                    label="degraded + BCM")
            ax.set_title(f"{st['rows'][0]['network'].split(' ')[0]}: {how}", fontsize=9)
            ax.set_xlabel("tick")
            if j == 0:
                ax.set_ylabel(f"{st['watch']} spikes / neuron / tick")
    axes[0, 0].legend(fontsize=8)
    fig.tight_layout()
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def table(studies) -> str:
    lines = ["| network | input | BCM | accuracy | last hidden layer rate | "
             "change toward clean | weight updates |", "|---|---|---|---|---|---|---|"]
    for st in studies:
        watch = st["watch"]
        clean = next(r["rates"][watch] for r in st["rows"]
                     if r["input"] == "clean" and not r["adaptation"])
        plain = {r["input"]: r["rates"][watch] for r in st["rows"] if not r["adaptation"]}
        for r in st["rows"]:
            rate = r["rates"][watch]
            move = ""
            if r["adaptation"] and r["input"] != "clean":
                before, after = abs(plain[r["input"]] - clean), abs(rate - clean)
                word = ("same" if abs(after - before) < 5e-5
                        else "closer" if after < before else "farther")
                move = f"{before:.4f} -> {after:.4f} ({word})"
            lines.append(f"| {r['network']} | {r['input']} | {'on' if r['adaptation'] else 'off'}"
                         f" | {r['accuracy']:.3f} | {rate:.4f} | {move} | "
                         f"{r['weight_updates']:,} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=12, help="N-MNIST variants of the real 4")
    ap.add_argument("--digits", type=int, default=120, help="real test digits")
    ap.add_argument("--plot", default=str(ROOT / "docs" / "plasticity_degraded.png"))
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    from neuroemu.progress import Progress

    warnings.simplefilter("ignore")  # overflow warnings of adapted runs are in the rows
    total = 7 * (args.n + args.digits)
    done = [0]
    with Progress(not args.json, desc="runs", unit="run", total=total) as bar:
        def advance(k):
            done[0] += k
            bar(done[0], total)

        studies = [nmnist(args.n, advance), digits(args.digits, advance)]
    figure(studies, args.plot)
    if args.json:
        json.dump({"rule": studies[0]["rule"], "rows": [r for s in studies for r in s["rows"]],
                   "figure": args.plot}, sys.stdout, indent=2)
        print()
    else:
        print(table(studies))
        print(f"figure: {args.plot}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
