"""Which profiles ``neuroemu eval`` prices on, and how ``neuroemu report`` states latency."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from neuroemu.cli import main

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
MODELS = ROOT / "models"


@pytest.fixture(scope="module")
def pascal_net(tmp_path_factory):
    """The digits QCFS ANN converted with PASCAL for loihi (the file suggests loihi)."""
    out = tmp_path_factory.mktemp("eval") / "net.h5"
    assert main(["convert", str(MODELS / "digits_qcfs_L4.npz"), "--method", "pascal",
                 "--profile", "loihi", "-o", str(out), "--json"]) == 0
    return out


def _eval(net, capsys, *extra):
    capsys.readouterr()
    assert main(["eval", str(net), "--dataset", "digits", "--window", "32", "--limit", "4",
                 "--json", *extra]) == 0
    return json.loads(capsys.readouterr().out)


def test_energy_profile_adds_to_the_runs_own(pascal_net, capsys):
    own = _eval(pascal_net, capsys)
    both = _eval(pascal_net, capsys, "--energy-profile", "truenorth")
    assert own["profile"] == both["profile"] == "loihi"
    assert list(own["energy_j_per_inference"]) == ["loihi"]
    assert list(both["energy_j_per_inference"]) == ["loihi", "truenorth"]
    # the same runs: the run's own energy does not change by pricing them elsewhere too
    assert both["energy_j_per_inference"]["loihi"] == own["energy_j_per_inference"]["loihi"]
    # TrueNorth: its marginal energy per synaptic event (the operations level), plus its
    # chip floor over the inference's ticks of 1 ms (the total)
    e = tomllib.loads((MODELS / "truenorth.toml").read_text())["energy"]
    events = both["synaptic_ops_per_inference"] * e["synaptic_op_pj"] * 1e-12
    assert both["operations_energy_j_per_inference"]["truenorth"] == pytest.approx(events,
                                                                                   rel=1e-12)
    assert both["energy_j_per_inference"]["truenorth"] == pytest.approx(
        events + e["static_w"] * both["ticks"] * 1e-3, rel=1e-12)


def test_an_energy_profile_that_cannot_hold_the_network_is_refused(capsys, tmp_path):
    """QCFS weights need a weight exponent TrueNorth does not have (its limit is 0)."""
    net = tmp_path / "qcfs.h5"
    assert main(["convert", str(MODELS / "digits_qcfs_L4.npz"), "--method", "qcfs",
                 "--profile", "loihi", "-o", str(net), "--json"]) == 0
    capsys.readouterr()
    assert main(["eval", str(net), "--dataset", "digits", "--limit", "2", "--energy-profile",
                 "truenorth", "--json"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "energy profile 'truenorth' cannot hold network" in err and "exceeds the limit 0" in err


def test_levels_of_energy_per_inference(pascal_net, capsys):
    r = _eval(pascal_net, capsys)
    total, ops = r["energy_j_per_inference"]["loihi"], \
        r["operations_energy_j_per_inference"]["loihi"]
    assert 0 < ops < total  # Loihi's per-tick costs and static power come on top


def test_each_profile_is_priced_once_in_the_order_asked(pascal_net, capsys):
    r = _eval(pascal_net, capsys, "--energy-profile", "horowitz45nm", "--energy-profile",
              "loihi", "--energy-profile", "truenorth", "--energy-profile", "horowitz45nm")
    assert list(r["energy_j_per_inference"]) == ["loihi", "horowitz45nm", "truenorth"]


def test_eval_text_names_every_profile_and_the_help_says_also(pascal_net, capsys):
    capsys.readouterr()
    assert main(["eval", str(pascal_net), "--window", "32", "--limit", "2",
                 "--energy-profile", "truenorth"]) == 0
    lines = [ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("energy")]
    assert [ln.split()[-1] for ln in lines] == ["loihi", "truenorth"]
    res = subprocess.run([sys.executable, "-m", "neuroemu", "eval", "--help"],
                         capture_output=True, text=True, timeout=120)
    assert "beside the profile they run on" in " ".join(res.stdout.split())


def test_unknown_energy_profile_is_one_line(pascal_net, capsys):
    capsys.readouterr()
    assert main(["eval", str(pascal_net), "--limit", "1", "--energy-profile", "nosuch"]) == 1
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith("neuroemu: error: no hardware profile 'nosuch'")


def test_a_second_profile_with_the_runs_name_is_refused(pascal_net, capsys, tmp_path):
    copy = tmp_path / "my_loihi.toml"
    copy.write_text((MODELS / "loihi.toml").read_text())  # keeps name = "loihi"
    capsys.readouterr()
    assert main(["eval", str(pascal_net), "--limit", "1", "--energy-profile", str(copy)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and "has the name of" in err[0] and "my_loihi.toml" in err[0]


# ----------------------------------------------------------------------------- report latency


@pytest.fixture(scope="module")
def nmnist_trace(tmp_path_factory):
    """The shipped N-MNIST CNN run on its recording with 500 us ticks, saved as a trace."""
    out = tmp_path_factory.mktemp("report") / "run.h5"
    assert main(["run", str(MODELS / "nmnist_cnn.h5"), "--input",
                 str(ROOT / "traces" / "nmnist_4.aedat"), "--tick-us", "500", "--out",
                 str(out), "--quiet"]) == 0
    return out


def _latency_line(trace, profile, capsys) -> str:
    capsys.readouterr()
    assert main(["report", str(trace), "--energy-profile", profile]) == 0
    (line,) = [ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("latency:")]
    return line


@pytest.fixture(scope="module")
def example_trace(tmp_path_factory):
    """The shipped example (4 LIF neurons, fan-in small enough for TrueNorth), saved."""
    out = tmp_path_factory.mktemp("report") / "example.h5"
    assert main(["run", str(MODELS / "example.h5"), "--input",
                 str(ROOT / "traces" / "example_input.npz"), "--out", str(out),
                 "--quiet"]) == 0
    return out


def test_report_latency_sentence_follows_the_profiles_mode(nmnist_trace, example_trace,
                                                           capsys):
    import numpy as np

    import neuroemu as ne

    # horowitz45nm: mode real_time, each tick lasts the run's own 500 us
    line = _latency_line(nmnist_trace, "horowitz45nm", capsys)
    assert "(real time: every tick lasts the run's own 500 us, as profile horowitz45nm has " \
           "no timing data)" in line
    assert "fixed ticks" not in line
    # truenorth: mode fixed_tick, 1 ms whatever the run's tick (a network it can hold)
    line = _latency_line(example_trace, "truenorth", capsys)
    assert "(fixed ticks of 1 ms)" in line and "real time" not in line
    # loihi: per_tick_work, the sum of the parts; the barrier spans the tiles (2 x 2 cores)
    # the run's neuron cores occupy, between Davies et al.'s 113 ns (1 tile) and 465 ns
    # (all 32)
    line = _latency_line(nmnist_trace, "loihi", capsys)
    res = ne.load_run(nmnist_trace)
    xy = np.asarray(res.core_xy)[np.asarray(res.pop_model)[np.asarray(res.core_population)]
                                 != 0]
    tiles = len({(int(x) // 2, int(y) // 2) for x, y in xy})
    barrier = 113 + (465 - 113) * (tiles - 1) / 31
    assert "busiest core" in line and f"barrier {barrier:.4g} ns" in line
    assert "management and host I/O 265 us" in line


def test_report_on_a_chip_that_cannot_hold_the_network_is_refused(nmnist_trace, capsys):
    # TrueNorth's cores take 256 axons; the CNN's composed conv3 needs 384 per neuron:
    # refused in one line naming the limit, as 'neuroemu run --profile truenorth' refuses it
    capsys.readouterr()
    assert main(["report", str(nmnist_trace), "--energy-profile", "truenorth"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "cannot price network 'cnn_sinabs' on profile 'truenorth'" in err
    assert "input axons needed 384, limit 256" in err and str(nmnist_trace) in err
    capsys.readouterr()
    assert main(["run", str(MODELS / "nmnist_cnn.h5"), "--input",
                 str(ROOT / "traces" / "nmnist_4.aedat"), "--profile", "truenorth",
                 "--quiet"]) == 1
    assert "input axons needed 384, limit 256" in capsys.readouterr().err
    # the library refuses it the same way; strict=False prices the run's own placement
    # all the same, and says TrueNorth could not hold it
    import neuroemu as ne

    with pytest.raises(ne.NeuroemuError, match="input axons needed 384, limit 256"):
        ne.load_run(nmnist_trace).energy("truenorth")
    tn = ne.load_run(nmnist_trace).energy("truenorth", strict=False)
    assert any("cannot hold network 'cnn_sinabs'" in n for n in tn.report["notes"])
