"""``neuroemu run``: --float without a mapping, --dt as the tick, --probe, --out, --ticks."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from neuroemu import load_run
from neuroemu.cli import main

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = str(ROOT / "models" / "example.h5")
EXAMPLE_INPUT = str(ROOT / "traces" / "example_input.npz")
NMNIST_NET = str(ROOT / "models" / "nmnist_cnn.h5")
NMNIST_DIGIT = str(ROOT / "traces" / "nmnist_4.aedat")


def _one_line_error(capsys, argv, message) -> str:
    """Run ``argv``, expect exit 1 with one ``neuroemu: error:`` line holding ``message``."""
    assert main(argv) == 1, argv
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("neuroemu: error:") and captured.err.count("\n") == 1
    assert message in captured.err, captured.err
    return captured.err


def _wide_net(tmp_path) -> str:
    """An integer network whose odd weight 1001 no 8-bit register holds exactly."""
    from neuroemu.ir import Network, Population, Readout, neuron, projection
    from neuroemu.networks.network_h5 import write_network

    net = Network("wide", (Population("in", (4,)),
                           Population("o", (2,), neuron("if", 2, threshold=1500))),
                  (projection("w", "in", "o", "dense", np.full((2, 4), 1001, np.int64)),),
                  input="in", readout=Readout("o", "count"))
    path = tmp_path / "wide.h5"
    write_network(path, net)
    return str(path)


def _spike_list(tmp_path, tick, channel, name="spikes.npz") -> str:
    path = tmp_path / name
    np.savez(path, tick=np.asarray(tick), channel=np.asarray(channel))
    return str(path)


# 1. --float runs the float equations without mapping onto a profile

def test_float_runs_a_network_the_profile_cannot_hold(capsys, tmp_path):
    net = _wide_net(tmp_path)
    spikes = _spike_list(tmp_path, [0, 1, 2, 3], [0, 1, 2, 3])
    assert main(["run", net, "--input", spikes, "--ticks", "10"]) == 1  # the chip cannot
    assert "1001" in capsys.readouterr().err
    assert main(["run", net, "--input", spikes, "--ticks", "10", "--float", "--json"]) == 0
    r = json.loads(capsys.readouterr().out)
    # each spike adds 1001 to both outputs; they fire (>= 1500) on every second spike
    assert r["mode"] == "float" and r["spikes"]["o"] == 4 and r["readout"]["values"] == [2, 2]


def test_float_runs_an_exported_lava_dl_network(capsys, shared_data, tmp_path):
    nir_file = str(tmp_path / "tiny.nir")
    assert main(["export", str(shared_data / "lava-dl" / "tinynet" / "tiny.net"), "-o", nir_file,
                 "--dt", "1e-3"]) == 0
    capsys.readouterr()
    assert main(["run", nir_file, "--dt", "1e-3", "--float", "--ticks", "50", "--json"]) == 0
    r = json.loads(capsys.readouterr().out)
    assert r["mode"] == "float" and r["ticks"] == 50


def test_float_refuses_a_profile(capsys):
    _one_line_error(capsys, ["run", EXAMPLE, "--input", EXAMPLE_INPUT, "--float",
                             "--profile", "loihi"], "--profile does not apply")


# 2. --float counts the input spikes as the chip run does

def test_float_counts_input_spikes_as_the_chip_does(capsys):
    runs = {}
    for mode in ([], ["--float"]):
        assert main(["run", NMNIST_NET, "--input", NMNIST_DIGIT, "--ticks", "60", "--json",
                     *mode]) == 0
        runs["float" if mode else "chip"] = json.loads(capsys.readouterr().out)
    chip, flt = runs["chip"], runs["float"]
    assert chip["spikes"]["input"] > 0
    assert flt["spikes"]["input"] == chip["spikes"]["input"]
    assert flt["input_events"] == chip["input_events"]


def test_float_input_count_on_a_spike_list(capsys, tmp_path):
    # two spikes on channel 0 in tick 0 merge into one input spike carrying 2 events
    spikes = _spike_list(tmp_path, [0, 0, 1, 5], [0, 0, 1, 2])
    assert main(["run", EXAMPLE, "--input", spikes, "--ticks", "20", "--float", "--json"]) == 0
    r = json.loads(capsys.readouterr().out)
    assert r["spikes"]["sensor"] == 3 and r["input_events"] == 4


# 3. --dt sets the tick length

def test_dt_sets_the_tick(capsys, shared_data):
    nir_file = str(shared_data / "nir" / "lif" / "two_lif_neurons.nir")
    assert main(["run", nir_file, "--dt", "1e-4", "--ticks", "100"]) == 0
    assert "100 ticks of 100 us" in capsys.readouterr().out
    assert main(["run", nir_file, "--dt", "1e-4", "--ticks", "100", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["tick_us"] == 100
    assert main(["run", nir_file, "--dt", "1e-4", "--tick-us", "100", "--ticks", "100",
                 "--json"]) == 0  # both given and equal
    assert json.loads(capsys.readouterr().out)["tick_us"] == 100


def test_dt_and_tick_us_that_disagree_are_refused(capsys, shared_data):
    nir_file = str(shared_data / "nir" / "lif" / "two_lif_neurons.nir")
    err = _one_line_error(capsys, ["run", nir_file, "--dt", "1e-4", "--tick-us", "1000",
                                   "--ticks", "10"], "--tick-us 1000")
    assert "--dt 0.0001" in err


def test_dt_of_a_fraction_of_a_microsecond_cannot_bin_input(capsys):
    _one_line_error(capsys, ["run", EXAMPLE, "--input", EXAMPLE_INPUT, "--dt", "2.5e-6"],
                    "--dt 2.5e-06: a tick of 2.5 us")


def test_dt_bins_a_recording_into_its_ticks(capsys, tmp_path):
    """1 ms between events at --dt 5e-4 (500 us ticks): the events land on ticks 0, 2, 4."""
    ev = np.zeros(3, dtype=[("t", "<i8"), ("x", "<u2"), ("y", "<u2"), ("p", "u1")])
    ev["t"] = [0, 1000, 2000]
    np.savez(tmp_path / "ev.npz", events=ev)
    out = tmp_path / "run.h5"
    assert main(["run", _one_pixel_net(tmp_path), "--input", str(tmp_path / "ev.npz"),
                 "--dt", "5e-4", "--polarity", "merge", "--out", str(out), "--quiet"]) == 0
    assert "ticks of 500 us" in capsys.readouterr().out
    trace = load_run(out)
    assert trace.tick_us == 500
    np.testing.assert_array_equal(np.flatnonzero(trace.per_tick["spikes"].dense()[:, 0]), [0, 2, 4])


# 4. --probe needs --out

def test_probe_without_out_is_refused_before_running(capsys):
    _one_line_error(capsys, ["run", EXAMPLE, "--input", EXAMPLE_INPUT, "--probe", "direction:0"],
                    "--out")


def test_probe_with_out_records(capsys, tmp_path):
    out = tmp_path / "run.h5"
    assert main(["run", EXAMPLE, "--input", EXAMPLE_INPUT, "--probe", "direction:0",
                 "--out", str(out), "--quiet"]) == 0
    assert load_run(out).probe_v.shape[1] == 1


# 5. --out must name a file

def test_out_naming_a_folder_is_refused_up_front(capsys, tmp_path):
    folder = tmp_path / "runs"
    folder.mkdir()
    _one_line_error(capsys, ["run", EXAMPLE, "--input", EXAMPLE_INPUT, "--out", str(folder)],
                    f"--out {folder}: is a folder; give a file name (e.g. {folder / 'run.h5'})")
    assert list(folder.iterdir()) == []  # no temporary file left behind
    _one_line_error(capsys, ["run", EXAMPLE, "--input", EXAMPLE_INPUT,
                             "--out", str(tmp_path / "new") + "/"], "is a folder")
    assert not (tmp_path / "new").exists()


def test_out_below_a_file_is_refused_up_front(capsys, tmp_path):
    blocker = tmp_path / "notes.txt"
    blocker.write_text("a file, not a folder")
    _one_line_error(capsys, ["run", EXAMPLE, "--input", EXAMPLE_INPUT,
                             "--out", str(blocker / "run.h5")], f"{blocker} is a file")


def test_out_creates_missing_folders_as_report_does(capsys, tmp_path):
    out = tmp_path / "a" / "b" / "run.h5"
    report = tmp_path / "c" / "d"
    assert main(["run", EXAMPLE, "--input", EXAMPLE_INPUT, "--out", str(out),
                 "--report", str(report), "--quiet"]) == 0
    assert out.is_file() and (report / "report.json").is_file()


# 6. the --float refusal reads right for one and several options

@pytest.mark.parametrize("extra,message", [
    (["--report", "rep"], "--float runs the float equations, not the chip: --report does not "
                          "apply"),
    (["--out", "x.h5", "--report", "rep"], ": --out and --report do not apply"),
    (["--out", "x.h5", "--report", "rep", "--engine", "reference"],
     ": --out, --report and --engine reference do not apply"),
])
def test_float_refusal_grammar(capsys, extra, message):
    _one_line_error(capsys, ["run", EXAMPLE, "--input", EXAMPLE_INPUT, "--float", *extra],
                    message)


# 7. --ticks counts only the input events that reach the network

def _events_before(path, ticks, tick_us=1000):
    """Events of a recording in its first ``ticks`` ticks, read independently of the run."""
    from neuroemu.recordings import open_events

    with open_events(path) as rec:
        t = np.concatenate([c["t"].astype(np.int64) for c in rec.chunks(1 << 16)])
    return int(np.count_nonzero(t - t[0] < ticks * tick_us)), int(t.size)


@pytest.mark.parametrize("mode", [[], ["--float"], ["--engine", "reference"]])
def test_ticks_counts_the_events_that_reach_the_network(capsys, mode):
    reached, total = _events_before(NMNIST_DIGIT, 50)
    assert 0 < reached < total
    assert main(["run", NMNIST_NET, "--input", NMNIST_DIGIT, "--ticks", "50", "--json",
                 *mode]) == 0
    r = json.loads(capsys.readouterr().out)
    assert r["input_events"] == reached
    # several events on one input in one tick make one input spike
    assert 0 < r["spikes"]["input"] <= reached


def test_ticks_counts_clipped_events_and_spike_lists(capsys, tmp_path):
    ev = np.zeros(5, dtype=[("t", "<i8"), ("x", "<u2"), ("y", "<u2"), ("p", "u1")])
    ev["t"] = [0, 100, 200, 3000, 3100]  # three events in tick 0, two in tick 3
    np.savez(tmp_path / "ev.npz", events=ev)
    net = _one_pixel_net(tmp_path)
    for binning in ("count", "clip"):
        assert main(["run", net, "--input", str(tmp_path / "ev.npz"), "--ticks", "2",
                     "--binning", binning, "--polarity", "merge", "--json"]) == 0
        r = json.loads(capsys.readouterr().out)
        assert (r["input_events"], r["spikes"]["in"]) == (3, 1), binning
    spikes = _spike_list(tmp_path, [0, 1, 2, 30, 31], [0, 1, 2, 3, 4])
    assert main(["run", EXAMPLE, "--input", spikes, "--ticks", "20", "--json"]) == 0
    r = json.loads(capsys.readouterr().out)
    assert r["input_events"] == 3 and r["spikes"]["sensor"] == 3


def test_bad_ticks_is_refused(capsys):
    _one_line_error(capsys, ["run", EXAMPLE, "--input", EXAMPLE_INPUT, "--ticks", "0"],
                    "--ticks 0")


def _one_pixel_net(tmp_path) -> str:
    from neuroemu.ir import Network, Population, neuron, projection
    from neuroemu.networks.network_h5 import write_network

    net = Network("px", (Population("in", (1, 1, 1)),
                         Population("o", (1,), neuron("if", 1, threshold=10**6))),
                  (projection("w", "in", "o", "dense", np.ones((1, 1), np.int64)),),
                  input="in")
    path = tmp_path / "px.h5"
    write_network(path, net)
    return str(path)


def test_a_tied_readout_is_said(capsys, tmp_path):
    from neuroemu.ir import Network, Population, Readout, neuron, projection
    from neuroemu.networks.network_h5 import write_network

    net = Network("pair", (Population("in", (3,)),
                           Population("o", (3,), neuron("if", 3, threshold=1))),
                  (projection("w", "in", "o", "dense", np.eye(3, dtype=np.int64)),),
                  input="in", readout=Readout("o", "count"))
    write_network(tmp_path / "pair.h5", net)
    spikes = tmp_path / "spikes.npz"
    for chans, tie in (([0, 2], "class 0 (a tie: classes 0, 2; the lowest is taken)"),
                       ([2], "class 2 (count")):
        np.savez(spikes, tick=np.zeros(len(chans), np.int64), channel=np.array(chans))
        assert main(["run", str(tmp_path / "pair.h5"), "--input", str(spikes)]) == 0
        assert tie in capsys.readouterr().out


def test_a_report_folder_that_is_a_file_is_refused_before_the_run(capsys, tmp_path):
    taken = tmp_path / "report"
    taken.write_text("notes")
    _one_line_error(capsys, ["run", EXAMPLE, "--input", EXAMPLE_INPUT, "--report", str(taken)],
                    "is a file; give a folder for the report")
    assert taken.read_text() == "notes"


def test_a_network_imported_with_dt_runs_with_that_tick(capsys, shared_data, tmp_path):
    """An imported NIR graph's dt is kept in its net.h5: run uses it as the tick and
    refuses another --dt or --tick-us."""
    net = str(tmp_path / "lif.h5")
    assert main(["import", str(shared_data / "nir" / "lif" / "lif_norse.nir"), "--dt", "1e-4",
                 "-o", net]) == 0
    capsys.readouterr()
    assert main(["run", net, "--ticks", "10", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["tick_us"] == 100
    _one_line_error(capsys, ["run", net, "--ticks", "10", "--dt", "1e-3"],
                    "was made for dt = 0.0001 s")
    _one_line_error(capsys, ["run", net, "--ticks", "10", "--tick-us", "1000"],
                    "--tick-us 1000 and the network's dt 0.0001 (100 us) disagree")


def test_outputs_that_would_replace_an_input_or_sit_below_a_file_are_refused(capsys,
                                                                             tmp_path):
    net = tmp_path / "ex.h5"
    net.write_bytes(Path(EXAMPLE).read_bytes())
    _one_line_error(capsys, ["run", str(net), "--ticks", "3", "--out", str(net)],
                    "is an input of this run")
    assert net.read_bytes() == Path(EXAMPLE).read_bytes()
    blocker = tmp_path / "afile"
    blocker.write_text("x")
    _one_line_error(capsys, ["run", str(net), "--ticks", "3", "--report", str(blocker / "sub")],
                    f"{blocker} is a file, not a folder")


@pytest.mark.parametrize("threads", ["0", "-2"])
def test_bad_threads_is_refused(capsys, threads):
    _one_line_error(capsys, ["run", EXAMPLE, "--input", EXAMPLE_INPUT, "--threads", threads],
                    f"threads {int(threads)}: expected a whole number >= 1")


def test_threads_give_the_same_run(capsys):
    """--threads changes how the work is spread, never the result."""
    outs = []
    for threads in ("1", "2"):
        assert main(["run", NMNIST_NET, "--input", NMNIST_DIGIT, "--json", "--quiet",
                     "--threads", threads]) == 0
        out = json.loads(capsys.readouterr().out)
        outs.append({k: out[k] for k in ("spikes", "synaptic_ops", "neuron_updates", "packets",
                                         "hops", "overflows", "readout")})
    assert outs[0] == outs[1]
    assert sum(outs[0]["spikes"].values()) > 0
