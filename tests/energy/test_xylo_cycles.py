"""Xylo latency: Rockpool's cycle-count model, against numbers worked out by hand from it."""

from __future__ import annotations

import numpy as np
import pytest

from neuroemu.energy.xylo_cycles import cycles, xylo_cycles
from neuroemu.hw.profile import load_profile
from neuroemu.ir import network as irn


def _net(isyn2: bool) -> irn.Network:
    hid = irn.neuron("xylo", 4, threshold=10, reset="subtract", max_spikes=31)
    out = irn.neuron("xylo", 2, threshold=10, reset="subtract")
    rec = np.zeros((4, 4), int)
    for s in range(4):  # every hidden neuron reaches two others: fan-out 2
        rec[(s + 1) % 4, s] = rec[(s + 2) % 4, s] = 5
    projs = [irn.projection("in", "input", "hidden", "dense", np.ones((4, 16), int)),
             irn.projection("rec", "hidden", "hidden", "dense", rec),
             irn.projection("out", "hidden", "output", "dense", np.ones((2, 4), int))]
    if isyn2:
        projs.append(irn.projection("in2", "input", "hidden", "dense", np.ones((4, 16), int),
                                    synapse=1))
    return irn.Network("c", (irn.Population("input", (16,)), irn.Population("hidden", (4,), hid),
                             irn.Population("output", (2,), out)), tuple(projs),
                       input="input", readout=irn.Readout("output"))


def test_worst_case_by_hand():
    # input 16 * (4 * 3.5 + 1) = 240; hidden i_syn 4 * (2 * 7 + 3) = 68;
    # output i_syn 4 * (1 + 2 * 8) = 68; hidden spikes 4 * (19 + 3) = 88; output 2 * 12 = 24
    assert cycles(16, 4, 2, 2.0, 1.0, 1.0, 1.0, False) == (488.0, 0.0)
    # second current: 1.5 * 16 * 4 + 5 * 2 * 4 + 4 = 140 operations, no cycles
    assert cycles(16, 4, 2, 2.0, 1.0, 1.0, 1.0, True) == (488.0, 140.0)


def test_from_a_run_by_hand():
    """4 steps; 32 of 64 input entries and 4 of 16 hidden entries hold spikes."""
    net = _net(isyn2=False)
    hidden_spikes = np.array([16, 17, 18, 19])  # one (step, neuron) entry each
    c = xylo_cycles(net, load_profile("xylo"), 4, np.concatenate([hidden_spikes, [20]]), 32)
    # input 16 * (0.5 * 4 * 3.5 + 1) = 128; hidden i_syn 4 * (2 * 7 * 0.25 + 3) = 26;
    # output i_syn 4 * 0.25 * 17 = 17; hidden spikes 4 * (19 + 0.75) = 79; output 24
    assert c.cycles == pytest.approx(274.0)
    assert c.worst_cycles == 488.0
    assert c.step_s == pytest.approx(274.0 / 50e6)
    assert xylo_cycles(_net(isyn2=True), load_profile("xylo"), 4, hidden_spikes, 32).isyn2_ops \
        == pytest.approx(1.5 * 0.5 * 16 * 4 + 5 * 2 * 0.25 * 4 + 4)
