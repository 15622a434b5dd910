"""Boards of several chips, memory shared by synapses and neuron state, and the loihi2
profile: placement, hops counted by hand, pricing, and a PilotNet-sized lava-dl network."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from neuroemu import api as ne
from neuroemu.engine import make_stimulus, simulate
from neuroemu.errors import MappingError, ProfileError
from neuroemu.hw import load_profile
from neuroemu.ir import Network, Population, Readout, neuron, projection
from neuroemu.mapping import map_network

ROOT = Path(__file__).resolve().parents[2]


def line(n: int) -> Network:
    """in -> p1 -> ... -> p{n}, one IF neuron each (threshold 1), weights 1."""
    pops = [Population("in", (1,))] + [Population(f"p{i}", (1,), neuron("if", 1, threshold=1))
                                       for i in range(1, n + 1)]
    names = [p.name for p in pops]
    projs = tuple(projection(f"{a}_{b}", a, b, "dense", np.array([[1]]))
                  for a, b in zip(names, names[1:]))
    return Network("line", tuple(pops), projs, input="in", readout=Readout(names[-1], "count"))


def board(chips_x=3, chips_y=2):
    """loihi2 with one neuron per core, chips of 2 x 2 cores, a router per core."""
    return load_profile("loihi2").with_registers(
        neurons_per_core=1, mesh_width=2, mesh_height=2, tile_width=1, tile_height=1,
        chips_x=chips_x, chips_y=chips_y)


def test_the_shipped_loihi2_board():
    p = load_profile("loihi2")
    assert (p.chips, p.cores_per_chip, p.cores) == (8, 128, 1024)
    assert p.neurons_per_core == 8192 and p.synapse_memory_bits == 192 * 1024 * 8
    # the memory holds a neuron's state beside its synapses
    assert p.synapses_per_core == (192 * 1024 * 8 - p.state_bits) // p.w_bits


def test_cores_fill_a_chip_before_the_next_and_hops_are_split_by_hand():
    # 7 neurons on 7 cores (in + p1..p6); chips of 2 x 2 cores on a 3 x 2 board:
    # cores 0-3 on chip (0, 0) at board (0,0) (1,0) (0,1) (1,1); cores 4-6 on chip (1, 0)
    # at (2,0) (3,0) (2,1)
    cfg = map_network(line(6), board())
    np.testing.assert_array_equal(cfg.core_xy, [[0, 0], [1, 0], [0, 1], [1, 1],
                                                [2, 0], [3, 0], [2, 1]])
    src, dst = np.arange(6), np.arange(1, 7)
    # core 3 (1,1) -> core 4 (2,0): 2 steps on the board, one of them across the chip edge
    np.testing.assert_array_equal(cfg.chip_hops(src, dst), [0, 0, 0, 1, 0, 0])
    np.testing.assert_array_equal(cfg.hops(src, dst), [1, 2, 1, 1, 1, 2])


def test_a_run_counts_inter_chip_hops_and_prices_them():
    net, prof = line(6), board()
    cfg = map_network(net, prof)
    stim = make_stimulus([0], [0], 1)
    ref = simulate(cfg, stim, 10, engine="reference")
    ev = simulate(cfg, stim, 10, engine="event")
    for key in ref.counters:
        np.testing.assert_array_equal(ref.counters[key], ev.counters[key], err_msg=key)
    # the spike walks the line once: each packet lands on the next core
    np.testing.assert_array_equal(ev.counters["chip_hops"], [0, 0, 0, 0, 1, 0, 0])
    np.testing.assert_array_equal(ev.counters["hops"], [0, 1, 2, 1, 1, 1, 2])
    res = ne.run(net, ([0], [0]), profile=prof, ticks=10, progress=False)
    e = res.energy()
    assert e.by_category["chip_hops"] == pytest.approx(1 * 37.4e-12, rel=1e-12)
    assert e.by_category["hops"] == pytest.approx(8 * 3.5e-12, rel=1e-12)


def test_shared_memory_sets_the_neurons_per_core():
    # 100 neurons, each with 10 synapses from 10 inputs (8-bit weights) and 64 bits of
    # state: 144 bits a neuron; a memory of 37 * 144 + 5 bits holds 37 of them
    pops = (Population("in", (10,)), Population("a", (100,), neuron("if", 100, threshold=5)))
    net = Network("m", pops, (projection("in_a", "in", "a", "dense",
                                         np.ones((100, 10), np.int64)),), input="in")
    prof = load_profile("loihi2").with_registers(synapse_memory_bits=37 * 144 + 5)
    cfg = map_network(net, prof)
    a = cfg.neurons_of("a")
    per_core = np.bincount(cfg.core_of[a] - cfg.core_of[a].min())
    np.testing.assert_array_equal(per_core, [37, 37, 26])
    # without the state in that memory, 5333 // 80 = 66 fit
    cfg = map_network(net, prof.with_registers(state_bits=0))
    per_core = np.bincount(cfg.core_of[a] - cfg.core_of[a].min())
    np.testing.assert_array_equal(per_core, [66, 34])


def test_one_neuron_that_does_not_fit_names_the_memory():
    pops = (Population("in", (10,)), Population("a", (2,), neuron("if", 2, threshold=5)))
    net = Network("m", pops, (projection("in_a", "in", "a", "dense",
                                         np.ones((2, 10), np.int64)),), input="in")
    prof = load_profile("loihi2").with_registers(synapse_memory_bits=143)
    with pytest.raises(MappingError, match=r"synapse memory bits needed 144, limit 143"):
        map_network(net, prof)


def _profile_file(tmp_path, edit) -> Path:
    text = edit((ROOT / "models" / "loihi2.toml").read_text())
    path = tmp_path / "board.toml"
    path.write_text(text)
    return path


def test_a_board_needs_its_inter_chip_price(tmp_path):
    from neuroemu.energy.costs import load_costs

    path = _profile_file(tmp_path, lambda t: t.replace("chip_hop_pj = 37.4\n", ""))
    with pytest.raises(ProfileError, match=r"missing key \[energy\] chip_hop_pj"):
        load_costs(load_profile(path))


def test_one_chip_refuses_an_inter_chip_price(tmp_path):
    from neuroemu.energy.costs import load_costs

    path = _profile_file(tmp_path, lambda t: t.replace("chips_x = 4", "chips_x = 1").replace(
        "chips_y = 2", "chips_y = 1"))
    with pytest.raises(ProfileError, match=r"chip_hop_pj prices hops between chips"):
        load_costs(load_profile(path))


def test_state_bits_that_leave_no_room_are_refused(tmp_path):
    path = _profile_file(tmp_path, lambda t: t.replace("state_bits = 64", "state_bits = 40000")
                         .replace("synapse_memory_bits = 1572864", "synapse_memory_bits = 30000"))
    with pytest.raises(ProfileError, match=r"state_bits = 40000 leaves no room"):
        load_profile(path)


def test_lava_dl_options_on_run_reproduce_the_chip(shared_data, tmp_path, capsys):
    """One command runs lava-dl's tinynet protocol on loihi2 (reset interval 17: 17 ticks
    plus the depth of 3), and its output spikes are Loihi's (output.npy)."""
    from neuroemu.cli import main

    d = shared_data / "lava-dl" / "tinynet"
    out = tmp_path / "t.h5"
    assert main(["run", str(d / "tiny.net"), "--profile", "loihi2", "--input-bias",
                 str(d / "input_bias.npy"), "--reset-interval", "17", "--out", str(out),
                 "--quiet"]) == 0
    res = ne.load_run(out)
    assert res.ticks == 20
    tick, who, val = res.spikes("layer2", values=True)
    raster = np.zeros((20, 36), np.int64)
    raster[tick, who] = val
    gt = np.load(d / "output.npy")[0]
    gt = gt.reshape(-1, gt.shape[-1]).T
    np.testing.assert_array_equal(raster[2:17], gt[1:16])
    assert gt[1:16].sum() == 92


def test_lava_dl_options_are_refused_for_other_networks(capsys):
    from neuroemu.cli import main

    assert main(["run", str(ROOT / "models" / "nmnist_cnn.h5"), "--reset-interval", "3",
                 "--ticks", "3"]) != 0
    err = capsys.readouterr().err
    assert "--reset-interval: a lava-dl option" in err and "Traceback" not in err


def test_a_pilotnet_sized_lava_dl_network_fills_loihi_and_runs_on_loihi2(tmp_path):
    """PilotNet's layers as a lava-dl file: more than 2,000 cores' worth on Loihi 1 (its
    4,096 input axons per core bind the convolutions), on two chips of the loihi2 board
    as shipped, where it runs with packets crossing between the chips."""
    net_path, bias = tmp_path / "pilotnet.net", tmp_path / "bias.npy"
    subprocess.run([sys.executable, str(ROOT / "tools" / "make_pilotnet_netx.py"),
                    str(net_path), "--bias", str(bias)], check=True, capture_output=True)
    net = ne.load(net_path, input_bias=np.load(bias))
    with pytest.raises(MappingError, match=r"needs (\d+) cores") as exc:
        map_network(net, "loihi")
    needed = int(exc.value.args[0].split("needs ")[1].split(" ")[0])
    assert needed >= 2000
    res = ne.run(net, profile="loihi2", ticks=4, progress=False)
    chips = {tuple(xy) for xy in np.asarray(res.core_xy) // [16, 8]}
    assert len(chips) >= 2 and res.n_cores <= 1024
    assert res.total("chip_hops") > 0 and res.total("synaptic_ops") > 0
    assert res.energy().by_category["chip_hops"] > 0
