"""The library face: ``import neuroemu as ne``; ne.load, ne.run, Result, ne.load_run.

The library and the command line share one implementation: the same network,
input and options give the same counts, class and energy through both.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pytest
from loaded import loaded_after

import neuroemu as ne
from neuroemu.cli import main
from neuroemu.engine import simulate

ROOT = Path(__file__).resolve().parents[1]
NMNIST = ROOT / "models" / "nmnist_cnn.h5"
DIGIT = ROOT / "traces" / "nmnist_4.aedat"
EXAMPLE = ROOT / "models" / "example.h5"
EXAMPLE_INPUT = ROOT / "traces" / "example_input.npz"


@pytest.fixture(scope="module")
def digit_run():
    """The shipped N-MNIST example through the library and through the CLI (JSON)."""
    net = ne.load(NMNIST)
    res = ne.run(net, DIGIT, profile="loihi", progress=False)
    return net, res


def _cli_json(capsys, argv) -> dict:
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def test_library_run_equals_the_cli_on_the_shipped_example(digit_run, capsys):
    net, res = digit_run
    cli = _cli_json(capsys, ["run", str(NMNIST), "--input", str(DIGIT), "--json"])
    assert res.counters["synaptic_ops"] == cli["synaptic_ops"]
    assert res.readout() == cli["readout"]["class"] == 4
    assert res.energy().total_j == cli["energy_j"]
    assert res.latency_s == cli["latency_s"]
    assert res.spike_counts() == cli["spikes"]
    assert res.ticks == cli["ticks"] and res.input_events == cli["input_events"]
    for key in ("neuron_updates", "packets", "hops"):
        assert res.counters[key] == cli[key]


def test_the_default_run_length_drains_the_network(digit_run):
    """Run to the last input tick plus the network's depth: running longer adds no spike."""
    net, res = digit_run
    longer = ne.run(net, DIGIT, ticks=res.ticks + 50, progress=False)
    assert longer.spike_counts() == res.spike_counts()
    shorter = ne.run(net, DIGIT, ticks=res.ticks - 3, progress=False)
    out = net.readout.population
    assert shorter.spike_counts()[out] < res.spike_counts()[out]


def test_spikes_of_a_population_are_its_counted_spikes(digit_run):
    net, res = digit_run
    counts = res.spike_counts()
    for pop in net.populations[1:]:
        tick, neuron = res.spikes(pop.name)
        assert tick.size == counts[pop.name]
        assert np.all(np.diff(tick) >= 0) and (neuron.max(initial=0) < pop.size)
        _, _, value = res.spikes(pop.name, values=True)
        assert np.all(value == 1)
    with pytest.raises(ne.NeuroemuError, match="no population 'nope'"):
        res.spikes("nope")


def test_energy_reprices_on_another_profile_without_running(digit_run):
    _, res = digit_run
    own, tn = res.energy(), res.energy("horowitz45nm")
    assert own.profile == "loihi" and tn.profile == "horowitz45nm"
    assert tn.report["synaptic_ops"] == own.report["synaptic_ops"]
    assert tn.total_j != own.total_j
    assert own.total_j == pytest.approx(sum(own.by_category.values()))
    assert own.total_j == pytest.approx(sum(own.by_population.values()))


def test_save_and_load_run_keep_everything_the_report_needs(digit_run, tmp_path):
    _, res = digit_run
    res.save(tmp_path / "deep" / "run.h5")
    again = ne.load_run(tmp_path / "deep" / "run.h5")
    assert again.counters == res.counters and again.readout() == res.readout()
    assert again.spike_counts() == res.spike_counts()
    assert again.energy().total_j == res.energy().total_j
    assert again.input_events == res.input_events and again.input_kind == "recording"
    np.testing.assert_array_equal(again.spike_tick, res.spike_tick)


def test_record_streams_whole_populations_and_matches_the_probes(tmp_path):
    """Recorded registers equal single-neuron probes of the same neurons, and the saved
    trace keeps them."""
    net = ne.load(EXAMPLE)
    hidden = net.populations[1]
    probes = [f"{hidden.name}:{i}" for i in range(hidden.size)]
    res = ne.run(net, EXAMPLE_INPUT, record=[f"{hidden.name}.v", f"{hidden.name}.u"],
                 probes=probes, progress=False)
    v = res.registers(hidden.name, "v")
    assert v.shape == (res.ticks, hidden.size) and v.dtype == np.int32
    np.testing.assert_array_equal(v, res.probe_v)
    np.testing.assert_array_equal(res.registers(hidden.name, "u"), res.probe_u)
    np.testing.assert_array_equal(v[-1], res.v[res.neurons_of(hidden.name)])
    np.testing.assert_array_equal(res.registers(hidden.name, "v", ticks=slice(2, 5)), v[2:5])
    res.save(tmp_path / "run.h5")
    again = ne.load_run(tmp_path / "run.h5")
    np.testing.assert_array_equal(again.registers(hidden.name, "v"), v)
    streamed = ne.run(net, EXAMPLE_INPUT, record=[f"{hidden.name}.v"], out=tmp_path / "s.h5",
                      progress=False)
    np.testing.assert_array_equal(ne.load_run(tmp_path / "s.h5").registers(hidden.name, "v"),
                                  v)
    assert streamed.registers(hidden.name, "v").shape == v.shape
    with pytest.raises(ne.NeuroemuError, match="was not recorded"):
        streamed.registers(hidden.name, "u")


def test_records_stream_across_kernel_calls(rng):
    """The event kernel hands records over block by block; blocks of 7 ticks give the
    same registers as one block, and the same as the dense reference."""
    from randnet import random_case

    for _ in range(20):
        cfg, stim, ticks = random_case(rng)
        probes = np.arange(cfg.n_neurons)
        blocks: list = []
        r = simulate(cfg, stim, ticks, probes=probes, chunk_ticks=7,
                     probe_sink=lambda v, u, into=blocks: into.append((v.copy(), u.copy())))
        assert r.probe_v.size == 0  # handed to the sink, not kept
        v = np.concatenate([b[0] for b in blocks]) if blocks else np.zeros((0, probes.size))
        u = np.concatenate([b[1] for b in blocks]) if blocks else np.zeros((0, probes.size))
        ref = simulate(cfg, stim, ticks, engine="reference", probes=probes)
        np.testing.assert_array_equal(v, ref.probe_v)
        np.testing.assert_array_equal(u, ref.probe_u)


@pytest.mark.parametrize("engine", ["event", "reference"])
def test_inputs_in_memory_give_the_file_s_run(engine):
    """The events of the example file as an array, and the same spikes as a tuple, a
    Stimulus and a dict, give the run the file gives."""
    net = ne.load(EXAMPLE)
    by_file = ne.run(net, EXAMPLE_INPUT, engine=engine, progress=False)
    events = np.load(EXAMPLE_INPUT)["events"]
    by_array = ne.run(net, events, engine=engine, progress=False)
    assert by_array.counters == by_file.counters
    np.testing.assert_array_equal(by_array.spike_neuron, by_file.spike_neuron)
    tick = (events["t"] - events["t"].min()) // 1000
    chan = events["y"].astype(np.int64) * 8 + events["x"]
    for spikes in ((tick, chan), {"tick": tick, "channel": chan},
                   ne.make_stimulus(tick, chan, 64)):
        r = ne.run(net, spikes, engine=engine, progress=False)
        assert r.counters == by_file.counters and r.input_kind == "spikes"


def test_float_twin_is_the_same_result_type():
    net = ne.load(EXAMPLE)
    res = ne.run(net, EXAMPLE_INPUT, engine="float", progress=False)
    assert isinstance(res, ne.Result) and res.engine == "float" and res.profile_name == ""
    chip = ne.run(net, EXAMPLE_INPUT, progress=False)
    assert res.readout() == chip.readout() == 0
    assert res.spike_counts()[net.input] == chip.spike_counts()[net.input]
    assert res.counters == {}
    with pytest.raises(ne.NeuroemuError, match="no chip operations to price"):
        res.energy()
    with pytest.raises(ne.NeuroemuError, match="no chip trace to save"):
        res.save("never.h5")
    with pytest.raises(ne.InputError, match="not the chip: profile do not apply"):
        ne.run(net, EXAMPLE_INPUT, engine="float", profile="loihi")


def test_profile_fallback_follows_the_network_s_file(tmp_path):
    net = ne.load(EXAMPLE)
    ne.save_network(net, tmp_path / "tn.h5", profile="truenorth")
    res = ne.run(tmp_path / "tn.h5", EXAMPLE_INPUT, progress=False)
    assert res.profile_name == "truenorth"
    assert ne.run(net, EXAMPLE_INPUT, profile="generic", progress=False).profile_name == \
        "generic"
    bare = ne.Network(net.name, net.populations, net.projections, input=net.input,
                      readout=net.readout)
    assert ne.run(bare, EXAMPLE_INPUT, progress=False).profile_name == ne.DEFAULT_PROFILE


def test_overflow_warns_by_default_and_raises_when_asked():
    """Inputs of 100 at ticks 0, 1, 2 reach an 8-bit membrane that never resets at ticks
    1, 2, 3: it saturates at tick 2."""
    pops = (ne.Population("in", (1,)),
            ne.Population("acc", (1,), ne.neuron("if", 1, threshold=127, reset="none")))
    projs = (ne.projection("w", "in", "acc", "dense", np.array([[100]])),)
    net = ne.Network("overflowing", pops, projs, input="in")
    spikes = (np.array([0, 1, 2]), np.zeros(3, np.int64))
    prof = ne.load_profile("loihi").with_registers(v_bits=8)
    with pytest.warns(ne.OverflowWarning, match="register v of neuron 0 of population 'acc' "
                                                "overflowed at tick 2"):
        ne.run(net, spikes, profile=prof, progress=False)
    with pytest.raises(ne.RegisterOverflow):
        ne.run(net, spikes, profile=prof, on_overflow="raise", progress=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ne.run(net, spikes, profile=prof, on_overflow="ignore", progress=False)


def test_no_input_reaching_the_network_is_a_warning():
    net = ne.load(EXAMPLE)
    with pytest.warns(ne.InputWarning, match="no input event reached the network"):
        ne.run(net, (np.array([50]), np.array([3])), ticks=10, progress=False)


@pytest.mark.parametrize("kwargs,message", [
    (dict(record=["direction.w"]), "expected POPULATION.REGISTER"),
    (dict(record=["nope.v"]), "no population 'nope'"),
    (dict(probes=["direction:9"]), "population 'direction' has 4 neurons"),
    (dict(engine="fast"), "engine 'fast'"),
    (dict(on_overflow="loud"), "on_overflow 'loud'"),
    (dict(ticks=0), "--ticks 0"),
])
def test_bad_arguments_are_clear_errors(kwargs, message):
    with pytest.raises(ne.NeuroemuError, match=message):
        ne.run(EXAMPLE, EXAMPLE_INPUT, progress=False, **kwargs)


def test_profiles_and_descriptions():
    names = ne.profiles()
    assert {"loihi", "truenorth", "generic", "horowitz45nm"} <= set(names)
    prof = ne.load_profile("loihi")
    assert ne.describe_profile(prof)["registers"]["v_bits"] == prof.v_bits == 24
    info = ne.describe(ne.load(EXAMPLE))
    assert info["profile"] == "loihi" and info["neurons"] == 68


def test_import_neuroemu_loads_no_engine_plotting_or_readers():
    heavy = ("numba", "matplotlib", "h5py", "nir", "neuroemu.engine", "neuroemu.recordings",
             "neuroemu.networks")
    assert loaded_after("import neuroemu as ne; ne.__version__; ne.run; ne.Result", heavy) == []
    assert loaded_after("import sys, neuroemu as ne; ne.describe(ne.load(sys.argv[1]))",
                        ["numba"], EXAMPLE) == []


def test_a_run_loads_no_graph_library_and_no_hdf5_it_does_not_write():
    """networkx and h5py take longer to import than a small run takes: a run of a network
    built in Python (as an evaluation's workers get theirs) that writes no trace does
    without them."""
    code = ("import neuroemu as ne; net = ne.Network('n', (ne.Population('a', (2,)), "
            "ne.Population('b', (2,), ne.neuron('if', 2))), (ne.projection('w', 'a', 'b', "
            "'dense', [[1, 2], [3, 4]]),), input='a'); ne.run(net, None, ticks=3, "
            "progress=False)")
    assert loaded_after(code, ["networkx", "h5py"]) == []


def test_the_public_names_are_documented():
    for name in ne.__all__:
        obj = getattr(ne, name)
        if callable(obj) and name[0].islower():
            assert obj.__doc__ and len(obj.__doc__) > 40, name
    assert "load" in dir(ne)
    with pytest.raises(AttributeError):
        ne.not_a_name  # noqa: B018


def test_a_second_run_needs_no_compiling():
    from neuroemu.engine.event import kernel_compiles

    ne.run(EXAMPLE, EXAMPLE_INPUT, progress=False)
    assert kernel_compiles() is False


def test_a_run_that_compiles_the_kernel_says_so_first_with_the_measured_time(
        monkeypatch, capsys):
    """The note before a compile names the time ``tools/bench_compile.py`` measures
    (``engine.event.COMPILE_S``, the one place that says it)."""
    from neuroemu.engine import event

    monkeypatch.setattr(event, "_compiles", lambda *a, **k: True)
    ne.run(EXAMPLE, EXAMPLE_INPUT, progress=True)
    err = capsys.readouterr().err
    assert (f"compiling the event kernel (the first run after installing or upgrading, "
            f"about {event.COMPILE_S} s; cached on disk for later runs)") in err
