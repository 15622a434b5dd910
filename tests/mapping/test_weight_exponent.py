"""Integer weights too wide for ``w_bits``, stored exactly as mantissa << weight exponent."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from neuroemu.cli import main
from neuroemu.engine import make_stimulus, simulate
from neuroemu.errors import MappingError
from neuroemu.hw import load_profile
from neuroemu.ir import Network, Population, neuron, projection
from neuroemu.mapping import map_network, quantize
from neuroemu.networks.network_h5 import read_network, write_network
from neuroemu.networks.netx import read_netx
from neuroemu.networks.nir_export import write_nir
from neuroemu.networks.nir_import import read_nir

LOIHI = load_profile("loihi")  # 8-bit weights (-128..127), weight exponent at most 14


def one_layer(w, weight_exp=0, kind="dense", threshold=1000):
    """Input of w.shape[-1] channels onto an integrate-and-fire layer, integer parameters."""
    w = np.asarray(w, np.int64)
    if kind == "dense":
        n_out, n_in = w.shape
        proj = projection("p", "in", "o", "dense", w, weight_exp=weight_exp)
    else:  # sparse: every (target, source) pair of the same matrix
        n_out, n_in = w.shape
        tgt, src = np.divmod(np.arange(w.size), n_in)
        proj = projection("p", "in", "o", "sparse", w.reshape(-1), src=src, tgt=tgt,
                          weight_exp=weight_exp)
    return Network("x", (Population("in", (n_in,)),
                         Population("o", (n_out,), neuron("if", n_out, threshold=threshold))),
                   (proj,), input="in")


def test_multiples_of_a_power_of_two_become_mantissa_and_exponent():
    # 640 and -1024 need a shift of 3 (127 << 3 = 1016, -128 << 3 = -1024); all share 2**6
    w = np.array([[640, -1024, 0, 192]])
    q = quantize(one_layer(w), LOIHI)
    mant, exp = q.weights["p"]
    np.testing.assert_array_equal(mant, [[80, -128, 0, 24]])
    assert exp == 3 and q.report["o"].weight_error == 0 and q.scales["o"] == 1.0
    np.testing.assert_array_equal(map_network(one_layer(w), LOIHI).syn_w, [640, -1024, 0, 192])


def test_the_smallest_shift_is_taken_and_the_negative_range_is_one_wider():
    # -256 = -128 << 1 fits with one shift; 256 needs two (127 << 1 = 254)
    assert quantize(one_layer([[-256, 2]]), LOIHI).weights["p"][1] == 1
    mant, exp = quantize(one_layer([[256, -256]]), LOIHI).weights["p"]
    assert exp == 2
    np.testing.assert_array_equal(mant, [[64, -64]])


def test_zero_weights_do_not_limit_the_common_factor():
    w = np.zeros((3, 4), np.int64)
    w[1, 2] = 1024
    mant, exp = quantize(one_layer(w, kind="sparse"), LOIHI).weights["p"]
    assert exp == 4 and mant.reshape(-1)[6] == 64 and np.count_nonzero(mant) == 1
    # all zero: fits as it is
    assert quantize(one_layer(np.zeros((2, 2), np.int64)), LOIHI).weights["p"][1] == 0


def test_an_existing_exponent_is_added_to():
    w = np.array([[512, -36, 4]])  # 512 > 127 << 2 needs a shift of 3; 36 and 4 share 2**2
    with pytest.raises(MappingError, match=r"multiple of 2\*\*3, and they share only 2\*\*2"):
        quantize(one_layer(w, weight_exp=5), LOIHI)
    w = np.array([[512, -40, 8]])
    mant, exp = quantize(one_layer(w, weight_exp=5), LOIHI).weights["p"]
    np.testing.assert_array_equal(mant, [[64, -5, 1]])
    assert exp == 8
    np.testing.assert_array_equal(map_network(one_layer(w, weight_exp=5), LOIHI).syn_w,
                                  np.array([512, -40, 8]) << 5)
    # the limit itself is allowed, one more is not
    assert quantize(one_layer(w, weight_exp=11), LOIHI).weights["p"][1] == 14
    with pytest.raises(MappingError) as err:
        quantize(one_layer(w, weight_exp=12), LOIHI)
    assert str(err.value) == (
        "projection 'p': weight 512 does not fit the 8-bit signed weights (-128..127) of "
        "profile 'loihi'; stored exactly as mantissa << exponent, the weights (multiples of "
        "2**3) need weight exponent 12 + 3 = 15, above the profile's limit 14; scale the "
        "network or choose a wider profile")


def test_weights_without_a_common_factor_are_refused_saying_what_is_needed():
    with pytest.raises(MappingError) as err:
        map_network(one_layer([[641, 2, -3]]), "loihi")
    assert str(err.value) == (
        "projection 'p': weight 641 does not fit the 8-bit signed weights (-128..127) of "
        "profile 'loihi'; stored exactly as mantissa << exponent, every weight would have to "
        "be a multiple of 2**3, and they share only 2**0; scale the network or choose a wider "
        "profile")
    # the exponent limit of a narrower profile
    prof = LOIHI.with_registers(max_weight_exp=2)
    with pytest.raises(MappingError, match=r"weight exponent 0 \+ 3 = 3, above the profile's "
                                           r"limit 2"):
        map_network(one_layer([[640, 8]]), prof)


def test_other_refusals_name_the_profile_without_a_stray_quote():
    with pytest.raises(MappingError) as err:
        map_network(one_layer([[1, 2]], weight_exp=16), "loihi")
    assert str(err.value) == ("projection 'p': weight exponent 16 exceeds the limit 14 of "
                              "profile 'loihi'")
    with pytest.raises(MappingError) as err:
        map_network(one_layer([[1]], threshold=1 << 23), "loihi")
    assert str(err.value) == ("population 'o': threshold 8388608 (register units) does not fit "
                              "the 24-bit membrane (-8388607..8388607) of profile 'loihi'")


def test_refusal_on_the_command_line_is_one_line(tmp_path):
    path = tmp_path / "wide.h5"
    write_network(path, one_layer([[641, 2]]), profile="loihi")
    res = subprocess.run([sys.executable, "-m", "neuroemu", "import", str(path)],
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 1 and "Traceback" not in res.stderr
    assert res.stderr.splitlines() == [
        "neuroemu: error: projection 'p': weight 641 does not fit the 8-bit signed weights "
        "(-128..127) of profile 'loihi'; stored exactly as mantissa << exponent, every weight "
        "would have to be a multiple of 2**3, and they share only 2**0; scale the network or "
        "choose a wider profile"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(-200, 200), min_size=1, max_size=12), st.integers(0, 10),
       st.integers(0, 6))
def test_factoring_is_exact_and_refused_only_when_impossible(m, shift, weight_exp):
    """Against the rule written out: the weights are m << shift; the mapped synapse holds
    exactly (m << shift) << weight_exp, or the mapping is refused, and it is refused
    exactly when no k makes every w / 2**k a whole number in -128..127 with
    weight_exp + k <= 14."""
    w = np.array([m], np.int64) << shift
    possible = any(np.all(w % 2**k == 0) and np.all(w // 2**k >= -128)
                   and np.all(w // 2**k <= 127) and weight_exp + k <= 14 for k in range(25))
    net = one_layer(w, weight_exp=weight_exp)
    if not possible:
        with pytest.raises(MappingError, match="does not fit the 8-bit signed weights"):
            map_network(net, LOIHI)
        return
    cfg = map_network(net, LOIHI)
    np.testing.assert_array_equal(cfg.syn_w, w.reshape(-1) << weight_exp)
    mant, exp = cfg.quantization.weights["p"]
    assert mant.min() >= -128 and mant.max() <= 127
    np.testing.assert_array_equal(mant << exp, w << weight_exp)


def test_same_run_as_on_a_profile_wide_enough_to_take_the_weights_as_they_are(rng):
    n_in, n_out, ticks = 20, 15, 30
    w = rng.integers(-100, 128, size=(n_out, n_in)) * 64  # up to 8128: 14 bits
    w[rng.random(w.shape) < 0.3] = 0
    net = one_layer(w, weight_exp=1, threshold=20000)
    wide = LOIHI.with_registers(w_bits=16)
    a, b = map_network(net, LOIHI), map_network(net, wide)
    assert a.quantization.weights["p"][1] == 1 + 6 and b.quantization.weights["p"][1] == 1
    np.testing.assert_array_equal(a.syn_w, b.syn_w)
    tick, chan = np.nonzero(rng.random((ticks, n_in)) < 0.3)
    stim = make_stimulus(tick, chan, n_in)
    ra, rb = (simulate(c, stim, ticks, probes=np.arange(n_in, n_in + n_out)) for c in (a, b))
    assert ra.spike_counts()["o"] > 0
    for x, y in zip(ra.spikes_of("o"), rb.spikes_of("o")):
        np.testing.assert_array_equal(x, y)
    np.testing.assert_array_equal(ra.probe_v, rb.probe_v)


# ----------------------------------------------------------------------------- lava-dl tinynet


def _spikes_equal(a, b, pops=("layer0", "layer1", "layer2")):
    for p in pops:
        for x, y in zip(a.spikes_of(p), b.spikes_of(p)):
            np.testing.assert_array_equal(x, y)


def test_tinynet_through_nir_runs_as_the_original_on_loihi(shared_data, tmp_path, capsys):
    """The user's round trip: `neuroemu export tiny.net --dt 1e-3`, `neuroemu import` (the
    exported weights are multiples of 64 up to 640, not 8-bit), then a run on the loihi
    profile gives the original's spikes and layer-1 currents."""
    d = shared_data / "lava-dl" / "tinynet"
    nir_path, h5 = tmp_path / "tiny.nir", tmp_path / "t.h5"
    assert main(["export", str(d / "tiny.net"), "-o", str(nir_path), "--dt", "1e-3"]) == 0
    capsys.readouterr()
    assert main(["import", str(nir_path), "--dt", "1e-3", "-o", str(h5), "--json"]) == 0
    rep = json.loads(capsys.readouterr().out)
    assert rep["integer"] and all(r["scale"] == 1 and r["weight_error"] == 0
                                  for r in rep["quantization"])
    assert [r["weight_exp"] for r in rep["quantization"]] == [[0], [3], [2]]
    back, profile = read_network(h5)
    assert profile == "loihi"
    orig, trip = map_network(read_netx(d / "tiny.net"), "loihi"), map_network(back, "loihi")
    l1 = orig.neurons_of("layer1")
    probes = np.arange(l1.start, l1.stop)
    ra, rb = (simulate(c, None, 20, probes=probes) for c in (orig, trip))
    assert ra.spike_counts()["layer2"] > 0
    _spikes_equal(ra, rb)
    np.testing.assert_array_equal(ra.probe_u, rb.probe_u)


def test_tinynet_with_its_input_bias_through_nir(shared_data, tmp_path):
    """Every layer firing: the ground truth's input bias, exported and imported in Python."""
    d = shared_data / "lava-dl" / "tinynet"
    net = read_netx(d / "tiny.net", input_bias=np.load(d / "input_bias.npy"))
    write_nir(net, tmp_path / "tb.nir", dt=1e-3)
    back = read_nir(tmp_path / "tb.nir", dt=1e-3)
    ra, rb = (simulate(map_network(n, "loihi"), None, 20) for n in (net, back))
    assert min(ra.spike_counts()[p] for p in ("layer0", "layer1", "layer2")) > 0
    _spikes_equal(ra, rb)
