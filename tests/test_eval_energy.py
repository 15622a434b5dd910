"""Which profiles ``neuroemu eval`` prices on, and how ``neuroemu report`` states latency."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from neuroemu.cli import main

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
    # TrueNorth is priced at its all-in 26 pJ per synaptic event
    assert both["energy_j_per_inference"]["truenorth"] == pytest.approx(
        both["synaptic_ops_per_inference"] * 26e-12, rel=1e-12)


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


def test_report_latency_sentence_follows_the_profiles_mode(nmnist_trace, capsys):
    # horowitz45nm: mode real_time, each tick lasts the run's own 500 us
    line = _latency_line(nmnist_trace, "horowitz45nm", capsys)
    assert "(real time: every tick lasts the run's own 500 us, as profile horowitz45nm has " \
           "no timing data)" in line
    assert "fixed ticks" not in line
    # truenorth: mode fixed_tick, 1 ms whatever the run's tick
    line = _latency_line(nmnist_trace, "truenorth", capsys)
    assert "(fixed ticks of 1 ms)" in line and "real time" not in line
    # loihi: per_tick_work, the sum of the parts
    line = _latency_line(nmnist_trace, "loihi", capsys)
    assert "busiest core" in line and "barrier 465 ns" in line
