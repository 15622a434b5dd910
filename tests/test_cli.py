"""The command line, through main() and as a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from neuroemu.cli import main
from neuroemu.formats.traces import read_trace

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = str(ROOT / "models" / "example.h5")
EXAMPLE_INPUT = str(ROOT / "traces" / "example_input.npz")


def test_info_json(capsys):
    assert main(["info", EXAMPLE, "--json"]) == 0
    s = json.loads(capsys.readouterr().out)
    assert s["network"] == "bar_direction" and s["neurons"] == 68 and s["synapses"] == 256
    assert s["registers"]["v_bits"] == 24 and s["cores"] == 2


def test_run_json_has_the_documented_keys(capsys, tmp_path):
    out = tmp_path / "run.h5"
    assert main(["run", EXAMPLE, "--input", EXAMPLE_INPUT, "--json", "--out", str(out)]) == 0
    r = json.loads(capsys.readouterr().out)
    for key in ("ticks", "input_events", "spikes", "synaptic_ops", "neuron_updates",
                "overflows", "readout", "wall_s"):
        assert key in r, key
    assert r["input_events"] == 3 * 8 * 8
    assert r["readout"]["class"] == 0  # the bar moves right: detector 0
    trace = read_trace(out)
    assert trace.total("synaptic_ops") == r["synaptic_ops"]
    assert trace.readout_class == 0
    # every input spike reaches 4 detectors: 192 spikes x 4 synapses
    assert r["synaptic_ops"] == 192 * 4


def test_run_with_spike_list_input(capsys, tmp_path):
    spikes = tmp_path / "spikes.npz"
    np.savez(spikes, tick=np.array([0, 1, 2]), channel=np.array([0, 1, 2]))
    assert main(["run", EXAMPLE, "--input", str(spikes), "--ticks", "20", "--json"]) == 0
    r = json.loads(capsys.readouterr().out)
    assert r["ticks"] == 20 and r["input_events"] == 3 and r["synaptic_ops"] == 12


@pytest.mark.parametrize("argv,message", [
    (["run", "missing.h5", "--input", EXAMPLE_INPUT], "missing.h5: no such file"),
    (["run", EXAMPLE, "--input", "nope.npz"], "nope.npz: no such input file"),
    (["info", EXAMPLE, "--profile", "zz"], "no hardware profile 'zz'"),
    (["run", EXAMPLE], "without --input, give --ticks"),
])
def test_user_errors_exit_1_with_one_line(capsys, argv, message):
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err and err.startswith("neuroemu: error:")


def test_bad_channel_in_spike_list(capsys, tmp_path):
    spikes = tmp_path / "bad.npz"
    np.savez(spikes, tick=np.array([0]), channel=np.array([64]))
    assert main(["run", EXAMPLE, "--input", str(spikes), "--ticks", "5"]) == 1
    assert "channel 64 found, the input population has 64 channels (0..63)" in \
        capsys.readouterr().err


def test_usage_error_exits_2():
    with pytest.raises(SystemExit) as exc:
        main(["run"])
    assert exc.value.code == 2


def test_subprocess_run_and_help_without_numba(tmp_path):
    r = subprocess.run([sys.executable, "-m", "neuroemu", "run", EXAMPLE, "--input",
                        EXAMPLE_INPUT], capture_output=True, text=True, check=True)
    assert "class 0" in r.stdout
    probe = ("import sys; from neuroemu.cli import main; "
             "code = main(['info', sys.argv[1]]); "
             "assert 'numba' not in sys.modules, 'info imported numba'; sys.exit(code)")
    subprocess.run([sys.executable, "-c", probe, EXAMPLE], check=True, capture_output=True)
    probe = ("import sys; from neuroemu.cli import build_parser; build_parser(); "
             "assert 'numba' not in sys.modules and 'matplotlib' not in sys.modules")
    subprocess.run([sys.executable, "-c", probe], check=True)
    probe = ("import sys; from neuroemu.cli import main; "
             "code = main(['events', 'info', sys.argv[1]]); "
             "assert 'numba' not in sys.modules, 'events info imported numba'; sys.exit(code)")
    subprocess.run([sys.executable, "-c", probe, str(ROOT / "traces" / "nmnist_4.aedat")],
                   check=True, capture_output=True)


def test_run_on_a_recording_counts_its_events(capsys, shared_data, tmp_path):
    """A real N-MNIST digit streamed through a 34x34x2 input: the events are counted."""
    from neuroemu.formats.network_h5 import write_network
    from neuroemu.ir import Network, Population, Readout, neuron, projection

    net = Network("pass", (Population("in", (2, 34, 34)),
                           Population("o", (2,), neuron("if", 2, threshold=10**6))),
                  (projection("w", "in", "o", "dense", np.ones((2, 2 * 34 * 34), np.int64)),),
                  input="in", readout=Readout("o", "count"))
    write_network(tmp_path / "n.h5", net)
    digit = str(shared_data / "aedat" / "nmnist_sample.bin")
    assert main(["run", str(tmp_path / "n.h5"), "--input", digit, "--json"]) == 0
    r = json.loads(capsys.readouterr().out)
    assert r["input_events"] == 4325  # every event of the digit, as the data README lists
    assert r["synaptic_ops"] == 2 * r["spikes"]["in"]


def test_profile_without_costs_runs_and_warns(capsys, tmp_path):
    """A user profile with core and register tables but no [energy] still runs the network."""
    prof = tmp_path / "bare.toml"
    text = (ROOT / "models" / "loihi.toml").read_text()
    prof.write_text(text[: text.index("[energy]")] if "[energy]" in text else text)
    assert main(["run", EXAMPLE, "--input", EXAMPLE_INPUT, "--profile", str(prof)]) == 0
    captured = capsys.readouterr()
    assert "class 0" in captured.out and "energy:" not in captured.out
    assert "warning: no energy figures" in captured.err
    assert main(["run", EXAMPLE, "--input", EXAMPLE_INPUT, "--profile", str(prof),
                 "--report", str(tmp_path / "rep")]) == 1
    assert not (tmp_path / "rep" / "report.json").exists()
