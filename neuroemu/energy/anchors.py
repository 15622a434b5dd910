"""Predictions set beside measured silicon: the anchors of ``tools/validate_energy.py``.

Blouw et al. 2019 (Loihi, Wolf Mountain board, NxSDK 0.7.5; logs and weights in
``shared/data/power/blouw2019``): power sampled on the VDD and VDDM rails
while a network runs, each run's start and end time and its inferences.

What the logs give, per run (:func:`read_blouw_logs`):

* idle power after boot (``logs/idle/<run>.csv``): leakage and the embedded x86
  cores idling;
* running power (the samples between the run's start and end);
* post-run idle (the samples after the run ended): the x86 management cores stay
  active once a model has run (about 70 mW above boot idle, which the paper
  counts as dynamic);
* time per inference (run length / inferences) and, at 10 timesteps per
  inference, time per timestep.

The whole-chip terms of ``models/loihi.toml`` come from these logs
(:func:`fit_loihi`), from the fit runs :data:`FIT_RUNS` (keyword spotter runs
01-03) only:

* ``static_w``: their boot idle (measured, not fitted);
* ``management_w``: their post-run idle less boot idle (measured);
* ``tick_overhead_ns``: their measured time per timestep less the emulated
  keyword spotter's chip time per tick without it (busiest core, routing,
  barrier) — fitted;
* ``tick_pj``: their running power less static and management power, times the
  time per tick, less the emulated operations' energy per tick — fitted.

Host I/O per spike cannot be told apart from the per-tick terms in these logs
(every run of a configuration moves the same I/O), so it stays inside them.
The anchors (:func:`blouw_anchors`) are scored on the other runs: keyword
spotter runs 04-05 (:data:`SCORE_RUNS`), and the scaled networks, whose
marginal cost per added layer uses no fitted term (the per-tick terms cancel
in the difference).

The scaled networks streamed their I/O through 8 input and 8 output
sub-ensembles (the logs' ``run_command``: ``scaled_model_onchip_stream.noprobe.py
--stream 20000``, ``n_sub_ens_inp`` and ``n_sub_ens_out`` 8): a
per-step host round trip the keyword spotter's runs do not have (795 us per
step at N = 0 against 337 us). That is a property of this set-up, not of the
chip, so it is an anchor-level term (:func:`fit_stream`), not a profile figure:
``stream_step_ns`` and ``stream_step_pj``, the N = 0 runs' time and energy per
step beyond the rebuilt keyword spotter's prediction (whose management power
over the longer step is charged by the profile already), fitted on the N = 0
runs and scored on the N >= 1 runs (:func:`stream_anchors`), whose added layers
are priced at the marginal layer's emulated operations.

The keyword spotter rebuilt from ``kws_weights.npz`` (:func:`kws_network`):
390 inputs (15 MFCC frames x 26 coefficients) -> 256 -> 256 -> 29, the
TensorFlow ReLU network's weights and biases converted by max-norm rate coding
(IF neurons, threshold 1, reset by subtraction; weights scaled by
``lambda_{l-1} / lambda_l`` and biases by ``1 / lambda_l``, ``lambda`` the
99.9th percentile of the layer's ReLU activations on the calibration inputs).
The test audio is not public: inputs are standardised MFCC-like features drawn
i.i.d. from N(0, 1) (the same draw calibrates), each encoded on an on and an off
channel (780 input channels, as nengo-loihi encodes a signed input) that spike
on each tick with probability ``|x| / lambda_0`` (``lambda_0`` the 99th
percentile of ``|x|``), 10 timesteps per inference, the inferences back to
back without reset (as the chip streamed them).
"""

from __future__ import annotations

import csv
import json
import math
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

import numpy as np

from ..errors import InputError

#: timesteps per inference of the Blouw runs (the scaled runs streamed 20,000 steps
#: for 2,000 inferences; nengo-loihi's keyword-spotting example presents each frame
#: for 10 steps)
STEPS_PER_INFERENCE = 10
FIT_RUNS = ("loihi_run01", "loihi_run02", "loihi_run03")
SCORE_RUNS = ("loihi_run04", "loihi_run05")
#: the whole-chip terms the logs give (measured or fitted on FIT_RUNS)
FITTED_TERMS = ("static_w", "management_w", "tick_overhead_ns", "tick_pj")
#: seconds after a run's end before its post-run idle is sampled
POST_RUN_SETTLE_S = 1.0
BLOUW_SOURCE = ("Blouw, Choo, Hunsberger, Eliasmith 2019, 'Benchmarking keyword spotting "
                "efficiency on neuromorphic hardware' (NICE '19, arXiv 1812.01739); power logs "
                "of abr/power_benchmarks (shared/data/power/blouw2019/logs)")
_FMT = "%Y-%m-%d_%H:%M:%S.%f"


@dataclass(frozen=True)
class BlouwRun:
    """One logged run (module docstring).

    Attributes
    ----------
    name : str
        The log's stem (``loihi_run01``, ``loihi_I08O08C02L10_run01``).
    kind : {'kws', 'scaled'}
    n_copies, n_layers : int
        Scaled networks: branches and layers per branch (KWS: 0, 0).
    inferences : int
    duration_s : float
    running_w, post_idle_w, boot_idle_w : float
        Mean power while running, after the run ended, and in the boot idle log (W).
    """

    name: str
    kind: str
    n_copies: int
    n_layers: int
    inferences: int
    duration_s: float
    running_w: float
    post_idle_w: float
    boot_idle_w: float

    @property
    def time_per_inference_s(self) -> float:
        return self.duration_s / self.inferences

    @property
    def time_per_tick_s(self) -> float:
        return self.time_per_inference_s / STEPS_PER_INFERENCE

    @property
    def total_j_per_inference(self) -> float:
        return self.running_w * self.time_per_inference_s

    @property
    def dynamic_j_per_inference(self) -> float:
        """Running less boot idle, per inference (the paper's 'dynamic')."""
        return (self.running_w - self.boot_idle_w) * self.time_per_inference_s

    @property
    def layers(self) -> int:
        return self.n_copies * self.n_layers


def _power_rows(path: Path) -> list[tuple[datetime, float]]:
    try:
        with open(path, newline="") as f:
            rows = list(csv.reader(f))
    except OSError as exc:
        raise InputError(f"{path}: cannot read the power log ({exc.strerror})") from None
    out = []
    for i, row in enumerate(rows[1:], start=2):
        try:
            out.append((datetime.strptime(row[0], _FMT), float(row[1])))
        except (ValueError, IndexError):
            raise InputError(f"{path}: line {i}: expected 'time,total power (W),...', found "
                             f"{','.join(row)[:60]!r}") from None
    if not out:
        raise InputError(f"{path}: no power samples")
    return out


def read_blouw_logs(folder) -> dict:
    """Every run of the Blouw logs: name -> :class:`BlouwRun` (module docstring)."""
    logs = Path(folder) / "logs" if (Path(folder) / "logs").is_dir() else Path(folder)
    runs = {}
    for meta_path in sorted(logs.glob("loihi_*.json")):
        name = meta_path.stem
        try:
            meta = json.loads(meta_path.read_text())
            start = datetime.strptime(meta["start_time"], _FMT)
            end = datetime.strptime(meta["end_time"], _FMT)
            inferences = int(meta["n_inferences"])
        except (ValueError, KeyError, TypeError) as exc:
            raise InputError(f"{meta_path}: expected start_time, end_time and n_inferences "
                             f"({exc})") from None
        rows = _power_rows(meta_path.with_suffix(".csv"))
        running = [w for t, w in rows if start <= t <= end]
        post = [w for t, w in rows if (t - end).total_seconds() > POST_RUN_SETTLE_S]
        idle = [w for _, w in _power_rows(logs / "idle" / f"{name}.csv")]
        if not running or not post:
            raise InputError(f"{meta_path.with_suffix('.csv')}: no samples while the run "
                             "lasted or after it ended")
        scaled = "n_layers" in meta
        runs[name] = BlouwRun(
            name=name, kind="scaled" if scaled else "kws",
            n_copies=int(meta.get("n_copies", 0)) if scaled else 0,
            n_layers=int(meta.get("n_layers", 0)) if scaled else 0,
            inferences=inferences, duration_s=(end - start).total_seconds(),
            running_w=float(np.mean(running)), post_idle_w=float(np.mean(post)),
            boot_idle_w=float(np.mean(idle)))
    if not runs:
        raise InputError(f"{logs}: no loihi_*.json run logs")
    return runs


# --------------------------------------------------------------------------- the keyword spotter


def _percentile_scale(a, q: float) -> float:
    v = float(np.percentile(a, q))
    return v if v > 0 else float(np.max(a)) or 1.0


def kws_network(weights_path, calibration: int = 256, seed: int = 0):
    """The keyword spotter as a rate-coded spiking network (module docstring).

    Returns
    -------
    network : neuroemu.ir.Network
        Populations ``input`` (780 on/off channels), ``h1`` (256), ``h2`` (256),
        ``out`` (29, read out by spike count).
    lambda0 : float
        The input scale: a channel spikes with probability ``|x| / lambda0`` per tick.
    """
    from ..ir import Network, Population, Readout, neuron, projection

    try:
        with np.load(weights_path, allow_pickle=False) as d:
            w = {k: np.asarray(d[k], np.float64) for k in d.files}
        w0, b0 = w["char_layer_0/weights"], w["char_layer_0/biases"]
        w1, b1 = w["char_layer_1/weights"], w["char_layer_1/biases"]
        w2, b2 = w["char_output/weights"], w["char_output/biases"]
    except (OSError, ValueError, KeyError) as exc:
        raise InputError(f"{weights_path}: expected the keyword spotter's weights "
                         f"(char_layer_0/weights, ... char_output/biases): {exc}") from None
    x = np.random.default_rng(seed).standard_normal((calibration, w0.shape[0]))
    a1 = np.maximum(x @ w0 + b0, 0)
    a2 = np.maximum(a1 @ w1 + b1, 0)
    a3 = np.maximum(a2 @ w2 + b2, 0)
    lam0 = _percentile_scale(np.abs(x), 99.0)
    lam1, lam2, lam3 = (_percentile_scale(a, 99.9) for a in (a1, a2, a3))
    n_in = w0.shape[0]

    def if_pop(name, n, bias):
        return Population(name, (n,), neuron("if", n, threshold=1.0, bias=bias,
                                             reset="subtract", where=name))

    pops = (Population("input", (2 * n_in,)), if_pop("h1", w0.shape[1], b0 / lam1),
            if_pop("h2", w1.shape[1], b1 / lam2), if_pop("out", w2.shape[1], b2 / lam3))
    projs = (projection("input->h1", "input", "h1", "dense",
                        np.hstack([w0.T, -w0.T]) * (lam0 / lam1)),
             projection("h1->h2", "h1", "h2", "dense", w1.T * (lam1 / lam2)),
             projection("h2->out", "h2", "out", "dense", w2.T * (lam2 / lam3)))
    return Network("kws_blouw2019", pops, projs, input="input",
                   readout=Readout("out", "count")), lam0


def kws_stimulus(n_in: int, lambda0: float, inferences: int, seed: int = 1):
    """On/off Bernoulli spikes of ``inferences`` N(0, 1) feature vectors, each held for
    :data:`STEPS_PER_INFERENCE` ticks: (tick, channel) int64 arrays."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((inferences, n_in))
    p = np.clip(np.hstack([x, -x]) / lambda0, 0.0, 1.0)
    p = np.repeat(p, STEPS_PER_INFERENCE, axis=0)
    tick, channel = np.nonzero(rng.random(p.shape) < p)
    return tick.astype(np.int64), channel.astype(np.int64)


def run_network(network, profile, tick, channel, ticks: int):
    """Map ``network`` on ``profile`` and run the event engine: a Result."""
    from ..engine import make_stimulus, simulate
    from ..mapping import map_network
    from ..results.build import from_chip_run

    cfg = map_network(network, profile)
    n_in = network.population(network.input).size
    raw = simulate(cfg, make_stimulus(tick, channel, n_in), ticks, engine="event")
    return from_chip_run(raw, tick_us=1000.0, settings={"network": network.name})


def emulate_kws(data_dir, profile, inferences: int = 20, seed: int = 0):
    """The rebuilt keyword spotter run for ``inferences`` inferences on ``profile``.

    Returns
    -------
    result : neuroemu.results.Result
    rates : dict
        Spikes per neuron and tick of each population (input included).
    """
    net, lam0 = kws_network(Path(data_dir) / "kws_weights.npz", seed=seed)
    n_in = net.population("input").size // 2
    tick, chan = kws_stimulus(n_in, lam0, inferences, seed=seed + 1)
    ticks = inferences * STEPS_PER_INFERENCE
    res = run_network(net, profile, tick, chan, ticks)
    counts = res.spike_counts()
    rates = {p.name: counts[p.name] / (p.size * ticks) for p in net.populations}
    return res, rates


# --------------------------------------------------------------------------- the fit


def without_chip_terms(profile):
    """``profile`` with its fitted whole-chip terms removed (the base the fit starts from)."""
    tables = {k: (dict(v) if isinstance(v, dict) else v) for k, v in profile.tables.items()}
    for key in ("tick_pj", "management_w", "static_w", "input_spike_pj", "output_spike_pj"):
        tables.get("energy", {}).pop(key, None)
    for key in ("tick_overhead_ns", "input_spike_ns", "output_spike_ns"):
        tables.get("latency", {}).pop(key, None)
    return replace(profile, tables=tables)


def fit_loihi(runs: dict, kws_result, profile, fit_runs=FIT_RUNS) -> dict:
    """The whole-chip terms of the Loihi profile from ``fit_runs`` (module docstring).

    Parameters
    ----------
    runs : dict of name -> BlouwRun
    kws_result : neuroemu.results.Result
        The rebuilt keyword spotter run on ``profile``.
    profile : neuroemu.hw.Profile
        Loihi; its per-operation figures are used, its whole-chip terms ignored.

    Returns
    -------
    dict
        'static_w', 'management_w', 'tick_overhead_ns', 'tick_pj' and 'fit_runs'.
    """
    from .model import price

    chosen = [runs[n] for n in fit_runs]
    static_w = float(np.mean([r.boot_idle_w for r in chosen]))
    management_w = float(np.mean([r.post_idle_w for r in chosen])) - static_w
    tick_s = float(np.mean([r.time_per_tick_s for r in chosen]))
    running_w = float(np.mean([r.running_w for r in chosen]))
    base = price(kws_result, without_chip_terms(profile))
    ticks = int(base["ticks"])
    chip_tick_s = base["latency_s"] / ticks
    ops_j_tick = base["energy_levels_j"]["operations"] / ticks
    return {"static_w": static_w, "management_w": management_w,
            "tick_overhead_ns": max(tick_s - chip_tick_s, 0.0) * 1e9,
            "tick_pj": max((running_w - static_w - management_w) * tick_s - ops_j_tick, 0.0)
            / 1e-12,
            "fit_runs": list(fit_runs)}


def _anchor(name, quantity, unit, predicted, measured, source, assumptions, runs) -> dict:
    return {"name": name, "quantity": quantity, "unit": unit, "predicted": float(predicted),
            "measured": float(measured),
            "ratio": float(predicted) / float(measured) if measured else math.nan,
            "source": source, "assumptions": assumptions, "runs": list(runs)}


def marginal_layer_measured(runs: dict) -> float:
    """Joules per added 256-neuron layer per timestep: the least-squares slope of the
    scaled runs' dynamic energy per timestep against their added layers, over the runs
    with at least one branch (N = 0 runs a timestep 10 % shorter, which would put a
    change of timestep into the slope)."""
    chosen = [r for r in runs.values() if r.kind == "scaled" and r.n_copies >= 1]
    x = np.array([r.layers for r in chosen], np.float64)
    y = np.array([(r.running_w - r.boot_idle_w) * r.time_per_tick_s for r in chosen])
    return float(np.polyfit(x, y, 1)[0])


def layer_network(rate_seed: int = 3):
    """One added layer of the scaled networks: 256 inputs -> 256 IF neurons with random
    uniform weights in [-1, 1] (threshold 4, reset by subtraction)."""
    from ..ir import Network, Population, Readout, neuron, projection

    w = np.random.default_rng(rate_seed).uniform(-1.0, 1.0, (256, 256))
    pops = (Population("input", (256,)),
            Population("layer", (256,), neuron("if", 256, threshold=4.0, reset="subtract")))
    return Network("scaled_layer", pops, (projection("in->layer", "input", "layer", "dense",
                                                     w),),
                   input="input", readout=Readout("layer", "count"))


def nengo_default_rate(dt: float = 1e-3, grid: int = 96) -> float:
    """Mean spikes per neuron and timestep of a nengo ensemble with nengo's default LIF
    tuning (tau_rc 20 ms, tau_ref 2 ms, max rates uniform in 200-400 Hz, intercepts
    uniform in [-1, 1]) over represented values uniform in [-1, 1], at timestep ``dt``:
    the mean of the LIF rate curve over a midpoint grid of the three uniforms."""
    tau_rc, tau_ref = 0.02, 0.002
    u = (np.arange(grid) + 0.5) / grid
    max_rate = (200.0 + 200.0 * u)[:, None, None]
    intercept = (-1.0 + 2.0 * u)[None, :, None]
    x = (-1.0 + 2.0 * u)[None, None, :]
    z = 1.0 / (1.0 - np.exp((tau_ref - 1.0 / max_rate) / tau_rc))
    gain = (1.0 - z) / (intercept - 1.0)
    current = gain * x + (1.0 - gain * intercept)
    on = current > 1.0
    rate = np.zeros(np.broadcast_shapes(max_rate.shape, intercept.shape, x.shape))
    rate[on] = 1.0 / (tau_ref - tau_rc * np.log1p(-1.0 / current[on]))
    return float(rate.mean() * dt)


def marginal_layer_predicted(profile, rate: float, ticks: int = 200, seed: int = 4) -> float:
    """Joules per tick of one added layer (its core's operations) when its 256 inputs
    spike at ``rate`` per tick (Bernoulli)."""
    from .model import price

    net = layer_network()
    rng = np.random.default_rng(seed)
    tick, chan = np.nonzero(rng.random((ticks, 256)) < rate)
    res = run_network(net, profile, tick.astype(np.int64), chan.astype(np.int64), ticks)
    r = price(res, profile)
    return r["energy_levels_j"]["operations"] / ticks


def blouw_anchors(data_dir, profile, inferences: int = 20) -> tuple[list, dict]:
    """The Blouw anchors (module docstring) of ``profile`` (Loihi).

    Returns
    -------
    anchors : list of dict
        One per anchor and quantity: name, quantity, unit, predicted, measured, ratio
        (predicted / measured), source, assumptions, runs.
    fit : dict
        The fit from :data:`FIT_RUNS` (:func:`fit_loihi`), the profile's own figures,
        the runs scored, the rebuilt network's rates.
    """
    from .model import price

    data_dir = Path(data_dir)
    runs = read_blouw_logs(data_dir)
    missing = [n for n in (*FIT_RUNS, *SCORE_RUNS) if n not in runs]
    if missing:
        raise InputError(f"{data_dir}: no log of run(s) {', '.join(missing)}")
    res, rates = emulate_kws(data_dir, profile, inferences=inferences)
    fit = fit_loihi(runs, res, profile)
    r = price(res, profile, inferences=inferences)
    per_inf = r["energy_per_inference_j"]
    hidden = (rates["h1"] + rates["h2"]) / 2
    assumptions = (
        f"keyword spotter rebuilt from kws_weights.npz (390 -> 256 -> 256 -> 29), max-norm rate "
        f"coded IF neurons; inputs: {inferences} standardised feature vectors drawn from "
        f"N(0, 1) (the test audio is not public), each on an on and an off channel spiking "
        f"with probability |x|/lambda0 per tick; {STEPS_PER_INFERENCE} timesteps per "
        f"inference, back to back; emulated rates (spikes per neuron and tick): input "
        f"{rates['input']:.3f}, h1 {rates['h1']:.3f}, h2 {rates['h2']:.3f}, out "
        f"{rates['out']:.3f}"
        + ("" if rates["out"] else " (the output layer stays silent within 10 timesteps at "
           "these rates; it still costs its neuron updates)")
        + f"; whole-chip terms fitted on {', '.join(FIT_RUNS)}")
    score = [runs[n] for n in SCORE_RUNS]
    measured_t = float(np.mean([x.time_per_inference_s for x in score]))
    anchors = [
        _anchor("blouw2019_kws", "total energy per inference", "J", per_inf["total"],
                np.mean([x.total_j_per_inference for x in score]), BLOUW_SOURCE, assumptions,
                SCORE_RUNS),
        _anchor("blouw2019_kws", "dynamic energy per inference", "J", per_inf["dynamic"],
                np.mean([x.dynamic_j_per_inference for x in score]), BLOUW_SOURCE,
                assumptions + "; measured dynamic = running less boot idle, as the paper",
                SCORE_RUNS),
        _anchor("blouw2019_kws", "time per inference", "s", r["latency_per_inference_s"],
                measured_t, BLOUW_SOURCE, assumptions, SCORE_RUNS),
        _anchor("blouw2019_kws", "inferences per second", "1/s",
                1.0 / r["latency_per_inference_s"], 1.0 / measured_t, BLOUW_SOURCE,
                assumptions, SCORE_RUNS),
    ]
    measured_layer = marginal_layer_measured(runs)
    layer_rate = nengo_default_rate()
    predicted_layer = marginal_layer_predicted(profile, layer_rate)
    low, high = (marginal_layer_predicted(profile, q) for q in (0.05, 0.2))
    scaled = sorted(n for n, x in runs.items() if x.kind == "scaled" and x.n_copies >= 1)
    anchors.append(_anchor(
        "blouw2019_scaled_layer", "energy per added layer per timestep", "J", predicted_layer,
        measured_layer, BLOUW_SOURCE,
        f"one added layer of 256 IF neurons with 256 x 256 random uniform weights, its inputs "
        f"spiking at {layer_rate:.3f} per tick: the mean rate of nengo's default LIF tuning "
        f"(max rates 200-400 Hz, intercepts in [-1, 1]) at the 1 ms timestep, as the scaled "
        f"networks' random layers carry no trained tuning (the rebuilt keyword spotter's "
        f"hidden layers fire at {hidden:.3f}; the prediction is {low:.3g} J at 0.05 and "
        f"{high:.3g} J at 0.2); the cores' operations only, no fitted term: the per-tick "
        f"terms are the same with and without the layer; measured: slope of dynamic energy "
        f"per timestep over the added layers of the N >= 1 runs at {STEPS_PER_INFERENCE} "
        f"timesteps per inference", scaled))
    stream = fit_stream(runs, r, profile)
    anchors += stream_anchors(runs, r, profile, stream, predicted_layer)
    from .costs import load_costs

    chip = load_costs(profile).chip
    fit.update(scored_runs=list(SCORE_RUNS) + scaled, stream=stream,
               profile_figures={k: chip.get(k, 0.0) for k in FITTED_TERMS},
               rates=rates, inferences_emulated=inferences, layer_rate=layer_rate,
               measured_fit_runs={n: {"time_per_inference_s": runs[n].time_per_inference_s,
                                      "running_w": runs[n].running_w,
                                      "post_idle_w": runs[n].post_idle_w,
                                      "boot_idle_w": runs[n].boot_idle_w}
                                  for n in FIT_RUNS})
    return anchors, fit


# --------------------------------------------------------------------------- streamed I/O


def fit_stream(runs: dict, kws_priced: dict, profile) -> dict:
    """The scaled networks' streaming set-up, per step, from their N = 0 runs (module
    docstring).

    Parameters
    ----------
    runs : dict of name -> BlouwRun
    kws_priced : dict
        :func:`~neuroemu.energy.model.price` of the rebuilt keyword spotter on ``profile``
        (whole-chip terms included): the N = 0 network is predicted as it.
    profile : neuroemu.hw.Profile
        Loihi, for its static and management power.

    Returns
    -------
    dict
        'stream_step_ns': measured time per step less the prediction's; 'stream_step_pj':
        measured energy per step less static power, less the prediction's dynamic energy per
        step and management power over the extra time; 'fit_runs'; 'without_ratio': the
        predicted over the measured time per step without the term.
    """
    from .costs import load_costs

    zero = [r for _, r in sorted(runs.items()) if r.kind == "scaled" and r.n_copies == 0]
    if not zero:
        raise InputError("the Blouw logs hold no scaled N = 0 run (loihi_I08O08C00L00_*): "
                         "nothing to fit the streaming set-up on")
    chip = load_costs(profile).chip
    ticks = int(kws_priced["ticks"])
    pred_tick_s = kws_priced["latency_s"] / ticks
    pred_dyn_tick = kws_priced["energy_levels_j"]["dynamic"] / ticks
    tick_s = float(np.mean([r.time_per_tick_s for r in zero]))
    running_w = float(np.mean([r.running_w for r in zero]))
    extra_s = tick_s - pred_tick_s
    energy = ((running_w - chip.get("static_w", 0.0)) * tick_s - pred_dyn_tick
              - chip.get("management_w", 0.0) * extra_s)
    return {"stream_step_ns": extra_s * 1e9, "stream_step_pj": energy / 1e-12,
            "fit_runs": [r.name for r in zero], "without_ratio": pred_tick_s / tick_s}


def stream_predict(kws_priced: dict, profile, stream: dict, layers: int,
                   layer_j_per_tick: float) -> dict:
    """Per inference of a scaled network with ``layers`` added layers: predicted
    'time_s', 'dynamic_j' and 'total_j' (the keyword spotter's prediction, plus the
    streaming terms, plus the added layers' operations)."""
    from .costs import load_costs

    chip = load_costs(profile).chip
    ticks = int(kws_priced["ticks"])
    tick_s = kws_priced["latency_s"] / ticks + stream["stream_step_ns"] * 1e-9
    dyn = (kws_priced["energy_levels_j"]["dynamic"] / ticks
           + chip.get("management_w", 0.0) * stream["stream_step_ns"] * 1e-9
           + stream["stream_step_pj"] * 1e-12 + layers * layer_j_per_tick)
    total = dyn + chip.get("static_w", 0.0) * tick_s
    return {k: v * STEPS_PER_INFERENCE for k, v in
            (("time_s", tick_s), ("dynamic_j", dyn), ("total_j", total))}


def stream_anchors(runs: dict, kws_priced: dict, profile, stream: dict,
                   layer_j_per_tick: float) -> list:
    """The scaled networks with the streaming terms: N = 0 (fitted on), N >= 1 (scored)."""
    assumptions = (
        "the keyword spotter's topology (random weights) with its I/O streamed through 8 "
        "input and 8 output sub-ensembles, plus N branches of 10 layers of 256 neurons; "
        "predicted as the rebuilt keyword spotter plus the streaming set-up's per-step terms "
        f"(an assumption of this set-up, not of the loihi profile: "
        f"{stream['stream_step_ns'] / 1e3:.4g} us and {stream['stream_step_pj'] / 1e6:.4g} uJ "
        f"per step, fitted on the N = 0 runs) plus each added layer's emulated operations "
        f"({layer_j_per_tick * 1e9:.4g} nJ per step, the marginal layer above); the added "
        "layers' barrier growth (at most 0.35 us per step) is left out; "
        f"{STEPS_PER_INFERENCE} timesteps per inference")
    fitted = assumptions + (f"; FITTED on these runs: the ratio is 1 by construction "
                            f"(without the streaming terms: {stream['without_ratio']:.3f})")
    zero = stream["fit_runs"]
    p0 = stream_predict(kws_priced, profile, stream, 0, layer_j_per_tick)
    out = [_anchor("blouw2019_scaled_N0", "time per inference", "s", p0["time_s"],
                   np.mean([runs[n].time_per_inference_s for n in zero]), BLOUW_SOURCE, fitted,
                   zero),
           _anchor("blouw2019_scaled_N0", "dynamic energy per inference", "J", p0["dynamic_j"],
                   np.mean([runs[n].dynamic_j_per_inference for n in zero]), BLOUW_SOURCE,
                   fitted + "; measured dynamic = running less boot idle, as the paper", zero)]
    scored = [r for _, r in sorted(runs.items()) if r.kind == "scaled" and r.n_copies >= 1]
    out.append(_anchor(
        "blouw2019_scaled_stream", "time per inference, N >= 1", "s", p0["time_s"],
        np.mean([r.time_per_inference_s for r in scored]), BLOUW_SOURCE,
        assumptions + "; scored on all N >= 1 runs (the prediction is the same for every N)",
        [r.name for r in scored]))
    for n in sorted({r.n_copies for r in scored} & {1, 10}):
        chosen = [r for r in scored if r.n_copies == n]
        p = stream_predict(kws_priced, profile, stream, chosen[0].layers, layer_j_per_tick)
        for quantity, key, attr in (("dynamic energy per inference", "dynamic_j",
                                     "dynamic_j_per_inference"),
                                    ("total energy per inference", "total_j",
                                     "total_j_per_inference")):
            out.append(_anchor(
                "blouw2019_scaled_stream", f"{quantity}, N = {n}", "J", p[key],
                np.mean([getattr(r, attr) for r in chosen]), BLOUW_SOURCE,
                assumptions + f"; scored on the N = {n} runs ({chosen[0].layers} added layers)",
                [r.name for r in chosen]))
    return out
