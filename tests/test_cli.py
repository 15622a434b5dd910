"""The command line, through main() and as a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from neuroemu import load_run
from neuroemu.cli import main

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
    trace = load_run(out)
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
    from neuroemu.ir import Network, Population, Readout, neuron, projection
    from neuroemu.networks.network_h5 import write_network

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


def _dvs_net(tmp_path):
    from neuroemu.ir import Network, Population, Readout, neuron, projection
    from neuroemu.networks.network_h5 import write_network

    net = Network("dvs", (Population("in", (1, 32, 32)),
                          Population("o", (2,), neuron("if", 2, threshold=10**6))),
                  (projection("w", "in", "o", "dense", np.ones((2, 1024), np.int64)),),
                  input="in", readout=Readout("o", "count"))
    write_network(tmp_path / "dvs.h5", net)
    return str(tmp_path / "dvs.h5")


def _events(ts, xs):
    ev = np.zeros(len(ts), dtype=[("t", "<i8"), ("x", "<u2"), ("y", "<u2"), ("p", "u1")])
    ev["t"], ev["x"] = ts, xs
    return ev


def test_lenient_runs_a_recording_with_a_backward_timestamp(capsys, tmp_path):
    from neuroemu.recordings.writer import write_aedat2

    rec = tmp_path / "glitch.aedat"
    write_aedat2(rec, _events([0, 1000, 2000, 3000], [0, 4, 8, 12]))
    data = bytearray(rec.read_bytes())  # 8-byte big-endian records after the header
    third = len(data) - 2 * 8
    data[third + 4:third + 8] = (500).to_bytes(4, "big")  # the third event goes back in time
    rec.write_bytes(bytes(data))
    net = _dvs_net(tmp_path)
    assert main(["run", net, "--input", str(rec), "--downsample", "4", "--json"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--lenient" in err
    assert main(["run", net, "--input", str(rec), "--downsample", "4", "--json",
                 "--lenient"]) == 0
    r = json.loads(capsys.readouterr().out)
    assert r["input_events"] == 3  # the backward record is dropped, the others arrive
    assert r["synaptic_ops"] == 2 * 3


def test_os_errors_and_bad_options_are_one_line(capsys, tmp_path):
    cases = [
        (["run", EXAMPLE, "--input", EXAMPLE_INPUT, "--out", str(tmp_path)],
         "is a folder; give a file name"),
        (["info", str(ROOT / "models")], "models"),
        (["run", EXAMPLE, "--input", EXAMPLE_INPUT, "--seed", "-1"], "--seed -1"),
        (["run", EXAMPLE, "--input", EXAMPLE_INPUT, "--tick-us", "1e30"], "--tick-us"),
        (["run", EXAMPLE, "--input", EXAMPLE_INPUT, "--float", "--out", "x.h5"],
         "--out does not apply"),
    ]
    for argv, message in cases:
        assert main(argv) == 1, argv
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and message in err, (argv, err)


@pytest.mark.parametrize("arrays,message", [
    (dict(tick=[0, 1], channel=[0, 1], value=[1]), "2 ticks but 1 values"),
    (dict(tick=[0, 1], channel=[0, 1], value=[0.5, 1.5]), "spike values must be whole numbers"),
    (dict(rates=np.full(64, np.nan)), "'rates' must lie in [0, 1]"),
])
def test_bad_input_arrays_are_refused(capsys, tmp_path, arrays, message):
    path = tmp_path / "in.npz"
    np.savez(path, **{k: np.asarray(v) for k, v in arrays.items()})
    assert main(["run", EXAMPLE, "--input", str(path), "--ticks", "5"]) == 1
    assert message in capsys.readouterr().err


def test_clip_binning_keeps_the_sign():
    from neuroemu.engine import make_stimulus

    stim = make_stimulus([0, 0, 1, 1], [0, 0, 1, 1], 2, value=[-1, -3, 2, 1], binning="clip")
    np.testing.assert_array_equal(stim.value, [-1, 1])
    assert stim.dropped == 2


def test_reference_engine_runs_a_recording(capsys, shared_data, tmp_path):
    net = _dvs_net(tmp_path)
    digit = str(shared_data / "aedat" / "nmnist_sample.bin")
    outs = []
    for engine in ("event", "reference"):
        assert main(["run", net, "--input", digit, "--crop", "1,1,32,32", "--polarity",
                     "merge", "--engine", engine, "--json"]) == 0
        outs.append(json.loads(capsys.readouterr().out))
    assert outs[0]["synaptic_ops"] == outs[1]["synaptic_ops"] > 0
    assert outs[0]["ticks"] == outs[1]["ticks"]


def test_a_failed_report_leaves_no_trace(capsys, tmp_path):
    blocker = tmp_path / "report"
    blocker.write_text("a file where the report folder should go")
    out = tmp_path / "t.h5"
    assert main(["run", EXAMPLE, "--input", EXAMPLE_INPUT, "--out", str(out),
                 "--report", str(blocker)]) == 1
    assert not out.exists()
    assert capsys.readouterr().err.count("\n") == 1


def test_written_files_get_the_usual_permissions(tmp_path):
    import os

    from neuroemu.networks.network_h5 import read_network, write_network

    old = os.umask(0o022)
    try:
        net, _ = read_network(EXAMPLE)
        write_network(tmp_path / "n.h5", net)
    finally:
        os.umask(old)
    assert (tmp_path / "n.h5").stat().st_mode & 0o777 == 0o644


def test_report_refuses_a_network_that_is_not_the_runs(capsys, tmp_path):
    out = tmp_path / "run.h5"
    assert main(["run", EXAMPLE, "--input", EXAMPLE_INPUT, "--out", str(out)]) == 0
    capsys.readouterr()
    other = str(ROOT / "models" / "nmnist_cnn.h5")
    assert main(["report", str(out), "--network", other]) == 1
    assert "is not the one the trace" in capsys.readouterr().err


def test_a_trace_with_a_misplaced_counter_is_refused(tmp_path):
    import h5py

    from neuroemu.errors import FormatError

    out = tmp_path / "run.h5"
    assert main(["run", EXAMPLE, "--input", EXAMPLE_INPUT, "--out", str(out)]) == 0
    with h5py.File(out, "r+") as f:
        core = f["per_tick/spikes/core"][()]
        core[0] = 2  # the example runs on 2 cores
        del f["per_tick/spikes/core"]
        f["per_tick/spikes/core"] = core
    with pytest.raises(FormatError, match=r"per_tick/spikes/core: entry 0 = 2, expected 0..1"):
        load_run(out)
    with h5py.File(out, "r+") as f:  # entry 1 repeats entry 0's (tick, core)
        core[0] = core[1]
        tick = f["per_tick/spikes/tick"][()]
        tick[0] = tick[1]
        for key, arr in (("core", core), ("tick", tick)):
            del f[f"per_tick/spikes/{key}"]
            f[f"per_tick/spikes/{key}"] = arr
    with pytest.raises(FormatError, match=r"per_tick/spikes: entry 1 .* not after entry 0"):
        load_run(out)


def test_a_version_2_trace_with_dense_counters_is_read(tmp_path):
    """Traces of format_version 2 hold per_tick counters as dense (T, C) arrays."""
    import h5py

    from neuroemu.errors import FormatError

    out = tmp_path / "run.h5"
    assert main(["run", EXAMPLE, "--input", EXAMPLE_INPUT, "--out", str(out)]) == 0
    new = load_run(out)
    with h5py.File(out, "r+") as f:
        f.attrs["format_version"] = 2
        for name, counts in new.per_tick.items():
            del f[f"per_tick/{name}"]
            f[f"per_tick/{name}"] = counts.dense().astype(np.int32)
    old = load_run(out)
    assert set(old.per_tick) == set(new.per_tick)
    for name in new.per_tick:
        assert old.per_tick[name] == new.per_tick[name], name
    assert old.energy().total_j == new.energy().total_j
    with h5py.File(out, "r+") as f:
        del f["per_tick/spikes"]
        f["per_tick/spikes"] = np.zeros((1, 1), np.int64)
    with pytest.raises(FormatError, match=r"per_tick/spikes: shape \(1, 1\), expected \(\d+, 2\)"):
        load_run(out)


def test_eval_limit_must_be_positive(capsys):
    assert main(["eval", str(ROOT / "models" / "digits_qcfs_L4.npz"), "--dataset", "digits",
                 "--limit", "0"]) == 1
    assert "--limit 0: expected a number of samples >= 1" in capsys.readouterr().err


def test_a_window_past_the_recording_warns(capsys):
    assert main(["run", str(ROOT / "models" / "nmnist_cnn.h5"), "--input",
                 str(ROOT / "traces" / "nmnist_4.aedat"), "--start-us", "1e7", "--ticks", "3"]) == 0
    err = capsys.readouterr().err
    assert "no input event reached the network" in err and "--start-us" in err


def test_a_spike_list_with_nothing_in_the_run_warns_without_recording_hints(capsys,
                                                                            tmp_path):
    empty = tmp_path / "empty.npz"
    np.savez(empty, tick=np.array([9]), channel=np.array([0]))
    assert main(["run", EXAMPLE, "--input", str(empty), "--ticks", "5"]) == 0
    err = capsys.readouterr().err
    assert "no input event reached" in err and "it has no spike before tick 5" in err
    assert "--start-us" not in err


def test_events_info_on_a_folder_says_so(capsys, tmp_path):
    assert main(["events", "info", str(tmp_path)]) == 1
    assert "is a folder; expected a recording file" in capsys.readouterr().err


def test_a_figure_name_matplotlib_cannot_write_is_refused_first(capsys, tmp_path):
    """--plot with an unknown extension: one line naming the option and the formats,
    before any work, and no file."""
    for argv in (["events", "info", str(ROOT / "traces" / "nmnist_4.aedat")],
                 ["theory", "scaling", "--d", "1..2"]):
        out = tmp_path / "figure.txt"
        assert main(argv + ["--plot", str(out)]) == 1, argv
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "cannot write a figure as .txt" in err, err
        assert ".png" in err and not out.exists()
        assert main(argv + ["--plot", str(tmp_path / "figure.svg")]) == 0
        assert (tmp_path / "figure.svg").read_text().lstrip().startswith("<?xml")
        capsys.readouterr()


def test_an_unknown_option_is_said_with_the_subcommands_usage(capsys):
    for argv, usage in ((["eval", EXAMPLE, "--T", "32"], "usage: neuroemu eval"),
                        (["theory", "verify", "xor", "--X", "3"], "usage: neuroemu theory verify")):
        with pytest.raises(SystemExit) as exc:
            main(argv)
        assert exc.value.code == 2
        err = capsys.readouterr().err
        assert err.startswith(usage) and f"unrecognized arguments: {' '.join(argv[-2:])}" in err
    with pytest.raises(SystemExit):  # before the subcommand: the top level's usage
        main(["--bogus", "info", EXAMPLE])
    err = capsys.readouterr().err
    assert err.startswith("usage: neuroemu [-h]") and "unrecognized arguments: --bogus" in err


def test_every_option_that_writes_a_file_makes_its_folder(tmp_path, capsys):
    models = ROOT / "models"
    d = tmp_path / "a" / "b"
    runs = [
        ["events", "info", str(ROOT / "traces" / "nmnist_4.aedat"), "--plot",
         str(d / "events.png")],
        ["theory", "scaling", "--d", "1..2", "--m", "1", "--plot", str(d / "scaling.png")],
        ["convert", str(models / "digits_qcfs_L4.npz"), "--method", "pascal", "-o",
         str(d / "conv.h5"), "--save-ann", str(d / "ann" / "ann.npz")],
        ["import", str(models / "example.h5"), "-o", str(d / "imported.h5")],
        ["export", str(models / "example.h5"), "-o", str(d / "x.nir"), "--lossy", "--dt", "1e-3"],
        ["run", EXAMPLE, "--input", EXAMPLE_INPUT, "--out", str(d / "run.h5"),
         "--report", str(d / "report"), "--quiet"],
    ]
    for argv in runs:
        assert main(argv) == 0, argv
    capsys.readouterr()
    for name in ("events.png", "scaling.png", "conv.h5", "ann/ann.npz", "imported.h5",
                 "x.nir", "run.h5", "report/report.json"):
        assert (d / name).is_file(), name


def test_plot_of_a_recording_without_events(capsys, shared_data, tmp_path):
    src = shared_data / "aedat" / "malformed_v31_invalid_events.aedat"
    assert main(["events", "info", str(src), "--plot", str(tmp_path / "e.png")]) == 0
    assert "holds no events" in capsys.readouterr().out
    assert (tmp_path / "e.png").stat().st_size > 1000


def test_the_program_returns_mains_status_and_leaves_nothing_for_the_collector_at_exit():
    """``neuroemu`` (and ``python -m neuroemu``) is cli.entry: main's exit status, and every
    object made moved out of the collector's reach, so that exit does not walk them."""
    try:
        import tomllib
    except ModuleNotFoundError:  # Python < 3.11
        import tomli as tomllib

    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["neuroemu"] == "neuroemu.cli:entry"
    probe = ("import gc, sys\nfrom neuroemu import cli\n"
             "sys.argv = ['neuroemu', *sys.argv[1:]]\nstatus = cli.entry()\n"
             "print(status, gc.get_freeze_count())")
    for argv, status in (([str(ROOT / "missing.h5")], 1), ([EXAMPLE], 0)):
        out = subprocess.run([sys.executable, "-c", probe, "info", *argv], capture_output=True,
                             text=True, check=True).stdout.split()
        assert int(out[-2]) == status
        assert int(out[-1]) > 1000
    proc = subprocess.run([sys.executable, "-m", "neuroemu", "info", str(ROOT / "missing.h5")],
                          capture_output=True, text=True)
    assert proc.returncode == 1 and "missing.h5" in proc.stderr
