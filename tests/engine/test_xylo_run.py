"""A Xylo network from a file, on a real recording: the run command prints the chip's latency
and energy with their sources; the network file keeps the Xylo fields."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import neuroemu as ne
from neuroemu.cli import main
from neuroemu.energy.xylo_cycles import xylo_summary
from neuroemu.networks.network_h5 import read_network, write_network

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "models" / "xylo_example.h5"
RECORDING = ROOT / "traces" / "nmnist_4.aedat"  # a real N-MNIST digit
MAP = ["--profile", "xylo", "--crop", "1,1,32,32", "--downsample", "8", "--polarity", "merge"]


def test_network_file_keeps_xylo_fields(tmp_path):
    net, profile = read_network(EXAMPLE)
    assert profile == "xylo"
    write_network(tmp_path / "x.h5", net, profile="xylo")
    back, _ = read_network(tmp_path / "x.h5")
    for a, b in zip(net.populations[1:], back.populations[1:]):
        for key in ("dash_v", "dash_u", "dash_u2", "threshold", "bias"):
            np.testing.assert_array_equal(getattr(a.neuron, key), getattr(b.neuron, key))
        assert a.neuron.max_spikes == b.neuron.max_spikes
    assert [p.synapse for p in net.projections] == [p.synapse for p in back.projections]
    assert 1 in [p.synapse for p in back.projections]


def test_run_prints_xylo_latency_and_energy(capsys):
    assert main(["run", str(EXAMPLE), "--input", str(RECORDING), *MAP]) == 0
    text = capsys.readouterr().out
    res = ne.run(str(EXAMPLE), str(RECORDING), profile="xylo", crop=(1, 1, 32, 32),
                 downsample=8, polarity="merge", on_overflow="ignore")
    x = xylo_summary(res)
    assert f"{x['cycles_per_step']:.0f} clock cycles per step" in text
    assert "power_cycles_model" in text and "arXiv:2406.15112" in text
    assert x["energy_j"] == pytest.approx(x["power_w"] * res.ticks * res.tick_us * 1e-6)
    assert 0 < x["cycles_per_step"] < x["worst_cycles_per_step"]


def test_run_json_has_xylo(capsys):
    assert main(["run", str(EXAMPLE), "--input", str(RECORDING), *MAP, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["xylo"]["clock_hz"] == 50e6
    assert set(out["xylo"]["sources"]) == {"latency", "power", "inference"}
