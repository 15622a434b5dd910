"""tools/validate_energy.py: predictions beside measured silicon, within the measurement's
own spread where the model claims to be right, and within 2x for the keyword spotter.

Every bound below comes from the measurements (the Blouw logs' run-to-run spread, the
range Merolla et al. publish), never from this code's own output.
"""

from __future__ import annotations

import importlib.util
import json
import math
from pathlib import Path

import numpy as np
import pytest
from energy_nets import MODELS

from neuroemu.energy import anchors as A
from neuroemu.hw import load_profile

ROOT = Path(__file__).resolve().parents[2]


def _tool():
    spec = importlib.util.spec_from_file_location("validate_energy",
                                                  ROOT / "tools" / "validate_energy.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def blouw(request):
    from realdata import DATA

    folder = DATA / "power" / "blouw2019"
    if not (folder / "logs").is_dir():
        pytest.skip(f"Blouw et al. 2019 logs {folder} are absent (set NEUROEMU_DATA)")
    return folder


@pytest.fixture(scope="module")
def result(blouw):
    return _tool().validate(blouw)


def _anchor(result, name, quantity):
    (a,) = [a for a in result["anchors"] if a["name"] == name and a["quantity"] == quantity]
    return a


def test_the_logs_give_the_papers_table(blouw):
    # Blouw et al. 2019, Table 1: idle 0.029 W, running 0.110 W, dynamic 0.081 W, 296 inf/s
    runs = A.read_blouw_logs(blouw)
    kws = [r for r in runs.values() if r.kind == "kws"]
    assert len(kws) == 5 and all(r.inferences == 5000 for r in kws)
    assert np.mean([r.boot_idle_w for r in kws]) == pytest.approx(0.029, abs=0.001)
    assert np.mean([r.running_w for r in kws]) == pytest.approx(0.110, abs=0.001)
    assert np.mean([r.running_w - r.boot_idle_w for r in kws]) == pytest.approx(0.081,
                                                                                abs=0.001)
    assert np.mean([1 / r.time_per_inference_s for r in kws]) == pytest.approx(296, abs=1.5)
    # the paper's ~70 mW of x86 cores staying active after a run
    assert np.mean([r.post_idle_w - r.boot_idle_w for r in kws]) == pytest.approx(0.07,
                                                                                  abs=0.005)
    scaled = [r for r in runs.values() if r.kind == "scaled"]
    assert len(scaled) == 21 and {r.n_copies for r in scaled} == {0, 1, 2, 4, 6, 8, 10}


def test_keyword_spotter_within_2x_on_runs_not_fitted(result, blouw):
    assert result["fit"]["fit_runs"] == list(A.FIT_RUNS)
    assert not set(A.FIT_RUNS) & set(result["fit"]["scored_runs"])
    for quantity in ("total energy per inference", "time per inference",
                     "dynamic energy per inference", "inferences per second"):
        a = _anchor(result, "blouw2019_kws", quantity)
        assert a["runs"] == list(A.SCORE_RUNS)
        assert 0.5 <= a["ratio"] <= 2.0, (quantity, a["ratio"])
        assert a["ratio"] == pytest.approx(a["predicted"] / a["measured"], rel=1e-12)


def test_keyword_spotter_ratios_within_the_runs_spread(result, blouw):
    # The fitted terms reproduce the fit runs; on the scored runs the ratio may then be off
    # by the run-to-run spread of the five runs plus the profile's rounding of its figures
    # (3 significant digits, 0.5 %).
    runs = A.read_blouw_logs(blouw)
    kws = [runs[n] for n in (*A.FIT_RUNS, *A.SCORE_RUNS)]
    for quantity, values in (
            ("time per inference", [r.time_per_inference_s for r in kws]),
            ("total energy per inference", [r.total_j_per_inference for r in kws]),
            ("dynamic energy per inference", [r.dynamic_j_per_inference for r in kws])):
        spread = math.log(max(values) / min(values)) + 0.01
        ratio = _anchor(result, "blouw2019_kws", quantity)["ratio"]
        assert abs(math.log(ratio)) <= spread, (quantity, ratio, spread)


def test_marginal_layer_within_2x_of_the_measured_slope(result, blouw):
    a = _anchor(result, "blouw2019_scaled_layer", "energy per added layer per timestep")
    # the reading of the logs: about 162 nJ per layer per timestep
    assert a["measured"] == pytest.approx(162e-9, rel=0.1)
    assert 0.5 <= a["ratio"] <= 2.0
    assert len(a["runs"]) == 18
    # its rate: nengo's default tuning, about 100 Hz at 1 ms
    assert result["fit"]["layer_rate"] == pytest.approx(0.1, abs=0.01)


def test_out_of_configuration_time_is_reported_as_it_is(result, blouw):
    # The N = 0 scaled network is predicted as the keyword spotter: the ratio is the two
    # measurements' ratio (the fit runs' time over the N = 0 runs' time), whatever it is
    runs = A.read_blouw_logs(blouw)
    kws = np.mean([runs[n].time_per_inference_s for n in A.FIT_RUNS])
    n0 = np.mean([r.time_per_inference_s for r in runs.values()
                  if r.kind == "scaled" and r.n_copies == 0])
    a = _anchor(result, "blouw2019_scaled_N0", "time per inference")
    assert a["ratio"] == pytest.approx(kws / n0, rel=0.01)
    assert "out of configuration" in a["assumptions"]


def test_truenorth_within_the_published_range(result):
    # Merolla et al. 2014: 65-72 mW for a full chip at this operating point
    a = _anchor(result, "merolla2014_truenorth",
                "chip power at 20 Hz and 128 active synapses per neuron")
    assert 0.065 <= a["predicted"] <= 0.072
    assert "caveat" in a["assumptions"] and "same measurement" in a["assumptions"]


def test_profile_figures_are_the_fit(result):
    # a per-operation price, the mapping or the rebuild changed without refitting shows here
    fit = result["fit"]
    assert fit["out_of_date"] == []
    profile = load_profile(MODELS / "loihi.toml")
    assert fit["profile_figures"]["tick_pj"] == profile.tables["energy"]["tick_pj"]
    for key in A.FITTED_TERMS:
        assert fit[key] == pytest.approx(fit["profile_figures"][key], rel=0.01), key


def test_json_layout(blouw, capsys):
    assert _tool().main(["--data", str(blouw), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert len({a["name"] for a in out["anchors"]}) >= 2
    for a in out["anchors"]:
        assert {"name", "quantity", "unit", "predicted", "measured", "ratio", "source",
                "assumptions"} <= set(a)
        assert a["source"] and a["assumptions"]
    assert out["fit"]["fit_runs"] and out["fit"]["scored_runs"]


def test_missing_data_is_one_line(tmp_path, capsys):
    assert _tool().main(["--data", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(tmp_path) in err
