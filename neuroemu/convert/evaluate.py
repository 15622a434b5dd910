"""Evaluating converted networks on a labelled dataset: accuracy, spikes, operations, energy.

Datasets are integer arrays (``x`` (N, n_inputs) and ``y`` (N,) in an ``.npz``).
``digits`` names the fixed test split of scikit-learn's handwritten digits that
``tools/train_digits.py`` writes to ``models/digits_test.npz`` (360 real 8 x 8
scans, pixels 0..16), so evaluation never needs scikit-learn.

Each sample is one run of the event engine on the mapped network (the
network's ``meta`` says how to encode it, :mod:`neuroemu.convert.build`), for
:func:`~neuroemu.convert.build.run_ticks` ticks; Poisson input is drawn from
``numpy.random.default_rng([seed, i])`` for sample ``i``, so results are
reproducible. Energy comes from :func:`neuroemu.energy.price` on each run's
trace, summed over samples, for each profile asked (the run's own mapping
priced with that profile's figures).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import InputError, MappingError
from .build import run_ticks

DATASETS = {"digits": "digits_test.npz", "digits-calib": "digits_calib.npz"}


@dataclass(frozen=True, eq=False)
class Dataset:
    """Integer inputs ``x`` (N, n) and labels ``y`` (N,)."""

    name: str
    x: np.ndarray
    y: np.ndarray


def load_dataset(spec: str) -> Dataset:
    """``digits`` (the shipped test split), ``digits-calib``, or a path to an ``.npz`` with x, y."""
    from ..hw.profile import models_dir

    path = models_dir() / DATASETS[spec] if spec in DATASETS else Path(spec)
    if not path.exists():
        hint = " (run tools/train_digits.py to write it)" if spec in DATASETS else ""
        raise InputError(f"dataset {spec!r}: {path} not found{hint}")
    try:
        with np.load(path, allow_pickle=False) as z:
            if "x" not in z.files or "y" not in z.files:
                raise InputError(f"dataset {path}: arrays {sorted(z.files)}; expected 'x' "
                                 "(N, n_inputs) integers and 'y' (N,) labels")
            x, y = z["x"], z["y"]
    except (OSError, ValueError) as exc:
        raise InputError(f"dataset {path}: not a readable .npz ({exc})") from None
    if x.dtype.kind not in "iu" or y.dtype.kind not in "iu" or len(x) != len(y):
        raise InputError(f"dataset {path}: 'x' and 'y' must be integer arrays of equal length "
                         f"(got {x.dtype} {x.shape}, {y.dtype} {y.shape})")
    return Dataset(spec, x.reshape(len(x), -1).astype(np.int64), y.astype(np.int64))


def meta_of(net) -> dict:
    meta = dict(net.meta)
    if "convert.coding" not in meta:
        raise InputError(f"network {net.name!r} was not made by 'neuroemu convert' (no "
                         "'convert.coding' in its meta data), so eval does not know how to "
                         "present data to it")
    return meta


def stimulus_for(meta: dict, sample, T: int, rng=None):
    """The input spikes of one integer ``sample`` (n,) for window/schedule ``T``."""
    from ..engine import make_stimulus

    sample = np.asarray(sample, np.int64).reshape(-1)
    n = sample.size
    coding = meta["convert.coding"]
    if coding == "poisson":
        p = np.clip(sample * float(meta["convert.input_gain"]), 0.0, 1.0)
        tick, chan = np.nonzero(rng.random((T, n)) < p)
        return make_stimulus(tick, chan, n)
    chan = np.flatnonzero(sample)
    if coding == "once":
        return make_stimulus(np.zeros(chan.size, np.int64), chan, n, value=sample[chan])
    tick = np.repeat(np.arange(T), chan.size)
    return make_stimulus(tick, np.tile(chan, T), n, value=np.tile(sample[chan], T))


def pricing_profiles(run_profile, extra=()) -> list:
    """The profile a network runs on, then the others asked, each once.

    Raises
    ------
    InputError
        Two different profile files of one name (results are by profile name).
    """
    from ..hw import Profile, load_profile

    out = [run_profile] if run_profile is not None else []
    for name in extra or ():
        prof = name if isinstance(name, Profile) else load_profile(name)
        same = next((p for p in out if p.name == prof.name), None)
        if same is None:
            out.append(prof)
        elif same.path != prof.path:
            raise InputError(f"--energy-profile {name}: profile {prof.name!r} ({prof.path}) "
                             f"has the name of {same.path}; give it another name")
    return out


def holds(network, profile) -> str:
    """'' when ``profile``'s chip holds ``network``, else why not."""
    from ..energy.fits import _mapping_message

    return _mapping_message(network, profile)


def price_run(result, profiles, network=None) -> dict:
    """One engine run priced on each profile: name -> :class:`~neuroemu.results.Energy`
    (``total_j``, ``dynamic_j``, ``operations_j``)."""
    from ..results.build import from_chip_run

    run = from_chip_run(result, network=network)
    return {p.name: run.energy(p) for p in profiles}


def evaluate(net, dataset: Dataset, ticks: int | None = None, profile="loihi",
             energy_profiles=(), seed: int = 0, limit: int | None = None, engine: str = "event",
             keep_counts: bool = False, cfg=None, progress=False) -> dict:
    """Run ``net`` on every sample of ``dataset``; accuracy and per-inference costs.

    Parameters
    ----------
    ticks : int, optional
        T (window or phase schedule); the network's own default when None.
    profile : str or Profile
        The chip the network is mapped on and run.
    energy_profiles : sequence of str or Profile
        Profiles whose energy per inference is reported (empty: no energy).
    keep_counts : bool
        Also return every sample's net spike counts per hidden population.
    progress : bool or neuroemu.progress.Progress
        A bar over the samples on stderr (when it takes more than a second).

    Returns
    -------
    dict with keys ``accuracy``, ``n``, ``T``, ``ticks`` (per inference),
    ``spikes_per_inference`` (neuron spikes), ``input_spikes_per_inference``,
    ``synaptic_ops_per_inference``, ``neuron_updates_per_inference``,
    ``spikes_by_population`` (means), ``energy_j_per_inference`` (profile -> J, the
    total: operations, per-tick costs and static power over each inference's run),
    ``operations_energy_j_per_inference`` (the cores' operations only),
    ``predictions`` (N,), and ``counts`` (list per sample) when asked.
    """
    from ..engine import simulate
    from ..hw import Profile, load_profile
    from ..mapping import map_network

    meta = meta_of(net)
    T = int(ticks if ticks is not None else meta["convert.T"])
    if T < 1:
        raise InputError(f"ticks: {T} found, expected T >= 1")
    n_ticks = run_ticks(meta, T)
    n_in = net.population(net.input).size
    if dataset.x.shape[1] != n_in:
        raise InputError(f"dataset {dataset.name!r} has {dataset.x.shape[1]} inputs per sample, "
                         f"network {net.name!r} takes {n_in}")
    if cfg is None:
        cfg = map_network(net, profile if isinstance(profile, Profile) else load_profile(profile))
    eprofs = [p if isinstance(p, Profile) else load_profile(p) for p in energy_profiles]
    x, y = dataset.x, dataset.y
    if limit is not None:
        x, y = x[:limit], y[:limit]
    names = cfg.pop_names
    hidden = [p for p in names if p not in (net.input, "out")]
    preds = np.zeros(len(x), np.int64)
    totals = {"spikes": 0, "input": 0, "syn": 0, "upd": 0}
    by_pop = dict.fromkeys(names, 0)
    for p in eprofs:
        why = holds(net, p)
        if why:
            raise MappingError(f"energy profile {p.name!r} cannot hold network {net.name!r} "
                               f"({why}); price it on a chip that holds it")
    energy = dict.fromkeys((p.name for p in eprofs), 0.0)
    operations = dict.fromkeys((p.name for p in eprofs), 0.0)
    counts = []
    from ..progress import as_progress

    bar = as_progress(progress, desc="evaluating", unit="sample", total=len(x))
    for i in range(len(x)):
        rng = np.random.default_rng([seed, i])
        stim = stimulus_for(meta, x[i], T, rng)
        res = simulate(cfg, stim, n_ticks, engine=engine)
        cls, values = res.readout()
        preds[i] = -1 if cls is None else cls
        per_pop = res.spike_counts()
        for name, v in per_pop.items():
            by_pop[name] += v
        totals["input"] += per_pop[net.input]
        totals["spikes"] += sum(v for k, v in per_pop.items() if k != net.input)
        totals["syn"] += res.total("synaptic_ops")
        totals["upd"] += res.total("neuron_updates")
        if eprofs:
            for name, e in price_run(res, eprofs, network=net).items():
                energy[name] += e.total_j
                operations[name] += e.operations_j
        if keep_counts:
            counts.append([res.count[cfg.neurons_of(h)].copy() for h in hidden])
        bar(i + 1)
    bar.close()
    n = max(len(x), 1)
    out = {
        "network": net.name, "method": meta.get("convert.method"), "profile": cfg.profile.name,
        "dataset": dataset.name, "n": int(len(x)), "T": T, "ticks": n_ticks, "seed": seed,
        "accuracy": float(np.mean(preds == y)) if len(x) else 0.0,
        "spikes_per_inference": totals["spikes"] / n,
        "input_spikes_per_inference": totals["input"] / n,
        "synaptic_ops_per_inference": totals["syn"] / n,
        "neuron_updates_per_inference": totals["upd"] / n,
        "spikes_by_population": {k: v / n for k, v in by_pop.items()},
        "energy_j_per_inference": {k: v / n for k, v in energy.items()} if eprofs else {},
        "operations_energy_j_per_inference": ({k: v / n for k, v in operations.items()}
                                              if eprofs else {}),
        "predictions": preds,
    }
    if keep_counts:
        out["counts"] = counts
    return out
