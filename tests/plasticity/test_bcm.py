"""BCM weight adaptation: the event engine equals the dense reference bit for bit with
plasticity on, the fixed-point rule by hand, and what a user sees of it."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from randnet import random_case

import neuroemu as ne
from neuroemu.cli import main
from neuroemu.engine import make_stimulus, simulate
from neuroemu.errors import NeuroemuError
from neuroemu.ir import Network, Population, Readout, neuron, projection
from neuroemu.plasticity import BCM, parse_power_of_two
from neuroemu.plasticity.rule import plan

ROOT = Path(__file__).resolve().parents[2]
NET, REC = ROOT / "models" / "nmnist_cnn.h5", ROOT / "traces" / "nmnist_4.aedat"


def random_rule(rng, pops) -> BCM:
    bits = int(rng.integers(6, 17))
    rate = float(rng.choice([0.02, 0.1, 0.5]))
    if rng.random() < 0.5:  # a target per population
        rate = {p: float(rng.choice([0.01, 0.05, 0.3])) for p in pops if rng.random() < 0.7}
    return BCM(eta=2.0 ** -int(rng.integers(0, 10)), epoch=int(rng.integers(1, 7)),
               tau_rate=int(2 ** rng.integers(0, 6)), tau_theta=int(2 ** rng.integers(0, 8)),
               target_rate=rate, trace_bits=bits)


def same(a, b, where: str) -> None:
    for f in ("spike_tick", "spike_neuron", "spike_value", "v", "u", "count", "weights"):
        np.testing.assert_array_equal(getattr(a, f), getattr(b, f), err_msg=f"{where}: {f}")
    assert set(a.counters) == set(b.counters) and set(a.per_tick) == set(b.per_tick)
    for k in a.counters:
        np.testing.assert_array_equal(a.counters[k], b.counters[k], err_msg=f"{where}: {k}")
    for k in a.per_tick:
        assert a.per_tick[k] == b.per_tick[k], f"{where}: {k}: {a.per_tick[k]}, {b.per_tick[k]}"


@pytest.mark.parametrize("block", range(6))
def test_event_engine_equals_reference_with_plasticity(block):
    """300 random networks (dense, sparse and convolutional projections, delays 1..4,
    several cores and chips) under random rules (epochs 1..6, traces of 6..16 bits,
    learning rates 2^0..2^-9, one target rate or one per population): spikes, registers,
    weights and every counter agree."""
    changed = saturated = 0
    for seed in range(block * 50, (block + 1) * 50):
        cfg, stim, ticks = random_case(np.random.default_rng(seed), max_ticks=60)
        rule = random_rule(np.random.default_rng(10_000 + seed), cfg.pop_names)
        learn = plan(cfg, rule)
        ref = simulate(cfg, stim, ticks, engine="reference", plasticity=learn)
        ev = simulate(cfg, stim, ticks, engine="event", plasticity=learn)
        same(ref, ev, f"seed {seed} {rule}")
        changed += not np.array_equal(ev.weights, cfg.syn_w)
        saturated += ev.total("weight_overflows") > 0
    # the cases must actually move and saturate weights, or agreement proves little
    assert changed >= 25 and saturated >= 10, (changed, saturated)


def one_synapse() -> Network:
    """in (1) -> a (1 IF, threshold 1), weight 3."""
    pops = (Population("in", (1,)), Population("a", (1,), neuron("if", 1, threshold=1)))
    return Network("one", pops, (projection("in_a", "in", "a", "dense", np.array([[3]])),),
                   input="in", readout=Readout("a", "count"))


def test_the_rule_by_hand():
    # B = 8, tau_rate 2 (s = 1: a spike adds 128), tau_theta 1 (r = 0), c0 = 0.25 * 256 = 64,
    # eta = 1 (k = 0), epoch 2. Input spikes at ticks 0 and 1; a fires at tick 1 (3 >= 1).
    # tick 0: x_in = 128.  tick 1: x_in = 128 - 64 + 128 = 192, x_a = 128,
    # theta_a = 128 * 128 // 64 = 256; epoch end: phi_a = (128 * (128 - 256)) >> 8 = -64,
    # dw = (192 * -64 + 128) >> 8 = -12160 >> 8 = -48: w = 3 - 48 = -45.
    rule = BCM(eta=1.0, epoch=2, tau_rate=2, tau_theta=1, target_rate=0.25, trace_bits=8)
    cfg = ne.map_network(one_synapse(), "loihi")
    stim = make_stimulus([0, 1], [0, 0], 1)
    for engine in ("reference", "event"):
        r = simulate(cfg, stim, 2, engine=engine, plasticity=plan(cfg, rule))
        assert r.weights.tolist() == [-45], engine
        assert r.total("trace_updates") == 3 and r.total("weight_updates") == 1, engine
        assert r.per_tick["weight_updates"].per_tick().tolist() == [0, 1], engine
    # an epoch of 1 updates at tick 0 too: phi_a = 0 there, so only a visit
    r = simulate(cfg, stim, 2, engine="event", plasticity=plan(cfg, BCM(
        eta=1.0, epoch=1, tau_rate=2, tau_theta=1, target_rate=0.25, trace_bits=8)))
    assert r.total("weight_updates") == 2 and r.weights.tolist() == [-45]


def test_a_weight_past_its_width_saturates_and_is_counted():
    # as the hand case with a 4-bit weight: 3 - 48 clips at -8
    prof = ne.load_profile("loihi").with_registers(w_bits=4)
    cfg = ne.map_network(one_synapse(), prof)
    r = simulate(cfg, make_stimulus([0, 1], [0, 0], 1), 2, engine="event", plasticity=plan(
        cfg, BCM(eta=1.0, epoch=2, tau_rate=2, tau_theta=1, target_rate=0.25, trace_bits=8)))
    assert r.weights.tolist() == [-8] and r.total("weight_overflows") == 1


def test_without_plasticity_a_run_is_todays_and_a_tiny_rate_changes_nothing():
    base = ne.run(NET, REC, progress=False)
    assert base.weights is None and base.total("weight_updates") == 0
    # eta = 2^-30: every update rounds to 0, so the run is the plain one, plus the visits
    res = ne.run(NET, REC, plasticity=BCM(eta=2.0 ** -30), progress=False)
    np.testing.assert_array_equal(res.spike_neuron, base.spike_neuron)
    np.testing.assert_array_equal(res.spike_tick, base.spike_tick)
    assert res.total("weight_updates") > 0 and res.total("synaptic_ops") == base.total(
        "synaptic_ops")
    np.testing.assert_array_equal(res.weights, res.config.syn_w)


def test_a_plastic_run_prices_its_weight_updates_and_keeps_them_in_its_trace(tmp_path):
    res = ne.run(NET, REC, plasticity=BCM(), progress=False)
    n = res.total("weight_updates")
    assert n > 0
    e = res.energy()
    assert e.by_category["weight_updates"] == pytest.approx(n * 120e-12, rel=1e-12)
    res.save(tmp_path / "run.h5")
    back = ne.load_run(tmp_path / "run.h5")
    assert back.total("weight_updates") == n
    assert back.per_tick["weight_updates"] == res.per_tick["weight_updates"]
    assert back.energy().total_j == pytest.approx(e.total_j, rel=1e-12)
    with pytest.raises(ne.ProfileError, match="no on-chip learning"):
        back.energy("generic", strict=False)


def test_the_adapted_network_saves_and_maps_back_to_its_weights(tmp_path):
    res = ne.run(NET, REC, plasticity=BCM(projections=("conv3->fc1", "fc1->fc2")),
                 progress=False)
    net = res.adapted_network()
    kinds = {p.name: p.kind for p in net.projections}
    assert kinds["fc1->fc2"] == "sparse" and kinds["input->conv1"] == "conv2d"
    ne.save_network(net, tmp_path / "adapted.h5")
    cfg = ne.map_network(ne.load(tmp_path / "adapted.h5"), "loihi")
    for name in ("conv3->fc1", "fc1->fc2"):
        s, t, w = res.adapted_weights(name)
        k = [p.name for p in cfg.network.projections].index(name)
        sel = cfg.syn_proj == k
        got = {(a, b): c for a, b, c in zip(
            cfg.syn_src[sel] - cfg.pop_offset[cfg.pop_index(net.projections[k].source)],
            cfg.syn_tgt[sel] - cfg.pop_offset[cfg.pop_index(net.projections[k].target)],
            cfg.syn_w[sel])}
        assert got == dict(zip(zip(s, t), w))


@pytest.mark.parametrize("args, message", [
    (["--profile", "generic"], "has no on-chip learning"),
    (["--eta", "3"], "--eta '3': expected a power of two"),
    (["--epoch", "0"], "epoch 0"),
    (["--tau-rate", "3"], "tau_rate 3"),
    (["--plastic", "nope"], "plastic projection 'nope'"),
])
def test_bad_plasticity_options_give_one_clear_error(args, message, capsys):
    assert main(["run", str(NET), "--input", str(REC), "--plasticity", "bcm", *args]) != 0
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_run_command_with_plasticity(tmp_path, capsys):
    out = tmp_path / "adapted.h5"
    assert main(["run", str(NET), "--input", str(REC), "--plasticity", "bcm", "--eta", "2^-8",
                 "--epoch", "4", "--tau-rate", "32", "--adapted-out", str(out), "--json"]) == 0
    rep = json.loads(capsys.readouterr().out)
    assert rep["weight_updates"] > 0 and out.is_file()
    assert main(["run", str(NET), "--input", str(REC), "--adapted-out", str(out)]) != 0
    assert "give --plasticity bcm" in capsys.readouterr().err


def test_powers_of_two():
    assert parse_power_of_two("2^-8", "x") == 2 ** -8 == parse_power_of_two("2**-8", "x")
    assert parse_power_of_two("0.25", "x") == 0.25
    for bad in ("0.3", "-2", "two", "0"):
        with pytest.raises(NeuroemuError):
            parse_power_of_two(bad, "x")


def test_a_target_rate_per_population_must_name_populations():
    cfg = ne.map_network(one_synapse(), "loihi")
    with pytest.raises(NeuroemuError, match=r"target_rate for 'b': network 'one' has no such"):
        plan(cfg, BCM(target_rate={"b": 0.1}))
    with pytest.raises(NeuroemuError, match=r"target_rate 2"):
        BCM(target_rate={"a": 2})
    p = plan(cfg, BCM(target_rate={"a": 0.25}, trace_bits=8))
    assert p.c0.tolist() == [13, 64]  # 'in' takes the default 0.05 * 256 = 12.8 -> 13
