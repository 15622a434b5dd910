"""net.h5: round trips and every error path, with messages naming file, path and value."""

from __future__ import annotations

import h5py
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from randnet import random_case

from neuroemu.errors import FormatError
from neuroemu.mapping import map_network
from neuroemu.networks.network_h5 import read_network, write_network


def same_network(a, b):
    assert a.name == b.name and a.input == b.input and a.readout == b.readout
    assert [p.name for p in a.populations] == [p.name for p in b.populations]
    for p, q in zip(a.populations, b.populations):
        assert p.shape == q.shape
        if p.neuron is None:
            assert q.neuron is None
            continue
        for key in ("model", "reset", "fire_on", "v_min", "refractory", "signed",
                    "neg_threshold", "max_count", "reset_interval", "reset_offset"):
            assert getattr(p.neuron, key) == getattr(q.neuron, key), key
        for key in ("threshold", "bias", "v_init", "decay_v", "decay_u", "leak", "scale_k"):
            np.testing.assert_array_equal(getattr(p.neuron, key), getattr(q.neuron, key))
            assert getattr(p.neuron, key).dtype == getattr(q.neuron, key).dtype
    for p, q in zip(a.projections, b.projections):
        for key in ("name", "source", "target", "kind", "delay", "weight_exp", "kernel",
                    "stride", "padding", "dilation", "groups"):
            assert getattr(p, key) == getattr(q, key), key
        np.testing.assert_array_equal(p.weight, q.weight)
        assert p.weight.dtype == q.weight.dtype


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**32 - 1))
def test_round_trip_random_networks(tmp_path, seed):
    if True:
        cfg, _, _ = random_case(np.random.default_rng(seed))
        path = tmp_path / f"n{seed}.h5"
        write_network(path, cfg.network, profile="loihi")
        net, prof = read_network(path)
        same_network(cfg.network, net)
        assert prof == "loihi"
        # the mapped configuration is identical too
        again = map_network(net, cfg.profile)
        for key in ("syn_src", "syn_tgt", "syn_w", "thr", "bias", "v_init", "mul_v"):
            np.testing.assert_array_equal(getattr(cfg, key), getattr(again, key))


def test_example_network_reads(tmp_path):
    from pathlib import Path

    net, prof = read_network(Path(__file__).resolve().parents[2] / "models" / "example.h5")
    assert net.name == "bar_direction" and prof == "loihi"


@pytest.fixture
def saved(tmp_path, rng):
    cfg, _, _ = random_case(rng)
    path = tmp_path / "net.h5"
    write_network(path, cfg.network)
    return path, cfg.network


def edit(path, fn):
    with h5py.File(path, "r+") as f:
        fn(f)


def test_newer_version_is_refused(saved):
    path, _ = saved
    edit(path, lambda f: f.attrs.__setitem__("format_version", 99))
    with pytest.raises(FormatError, match=r"net.h5: /: format_version 99 is newer than this "
                                          r"neuroemu reads \(1\)"):
        read_network(path)


def test_missing_dataset_is_named(saved):
    path, net = saved
    pop = net.populations[1].name
    edit(path, lambda f: f.__delitem__(f"populations/{pop}/threshold"))
    with pytest.raises(FormatError, match=rf"populations/{pop}/threshold: missing dataset"):
        read_network(path)


def test_wrong_shape_and_dtype_are_named(saved):
    path, net = saved
    pop = net.populations[1].name
    n = net.populations[1].size

    def reshape(f):
        del f[f"populations/{pop}/bias"]
        f[f"populations/{pop}/bias"] = np.zeros(n + 1)
    edit(path, reshape)
    with pytest.raises(FormatError, match=rf"populations/{pop}/bias: shape \({n + 1},\), "
                                          rf"expected \({n},\)"):
        read_network(path)

    def stringify(f):
        del f[f"populations/{pop}/bias"]
        f[f"populations/{pop}/bias"] = np.array([b"x"] * n)
    edit(path, stringify)
    with pytest.raises(FormatError, match=rf"populations/{pop}/bias: dtype \|S1, expected"):
        read_network(path)


def test_weight_outside_declared_width(saved):
    path, net = saved
    name = net.projections[0].name

    def widen(f):
        w = f[f"projections/{name}/weight"]
        data = w[()]
        data.reshape(-1)[0] = 1 << 20
        del f[f"projections/{name}/weight"]
        f[f"projections/{name}/weight"] = data
    edit(path, widen)
    with pytest.raises(FormatError, match=rf"/projections/{name}/weight: value 1048576 does "
                                          r"not fit the declared \d+-bit signed width"):
        read_network(path)


def test_truncated_and_foreign_files(tmp_path, saved):
    path, _ = saved
    data = path.read_bytes()
    cut = tmp_path / "cut.h5"
    cut.write_bytes(data[: len(data) // 3])
    with pytest.raises(FormatError, match="cut.h5: not a readable HDF5 network file"):
        read_network(cut)
    text = tmp_path / "text.h5"
    text.write_text("hello")
    with pytest.raises(FormatError, match="text.h5: a text file; expected an HDF5 network file"):
        read_network(text)
    other = tmp_path / "other.h5"
    with h5py.File(other, "w") as f:
        f["x"] = 1
    with pytest.raises(FormatError, match=r"attribute 'format' = None, expected 'neuroemu-net'"):
        read_network(other)


def test_failed_write_leaves_no_file(tmp_path, saved, monkeypatch):
    _, net = saved
    import neuroemu.networks.network_h5 as mod

    def boom(*a, **k):
        raise RuntimeError("disk full")
    target = tmp_path / "out.h5"
    monkeypatch.setattr(mod, "_bits_needed", boom)
    with pytest.raises(RuntimeError):
        write_network(target, net)
    assert not target.exists()
    assert not list(tmp_path.glob(".out.h5.*"))
