"""Conversion measured on real data: scikit-learn's handwritten digits (shipped test split).

The trained ANNs are read from ``models/`` (written by ``tools/train_digits.py``);
nothing is retrained here.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from qcfs_truth import qcfs_counts

from neuroemu.convert import convert, load_ann
from neuroemu.convert.evaluate import evaluate, load_dataset
from neuroemu.convert.qcfs import integer_qcfs
from neuroemu.engine import simulate
from neuroemu.hw import load_profile
from neuroemu.mapping import map_network

MODELS = Path(__file__).resolve().parents[2] / "models"
LOIHI = load_profile("loihi")
QCFS_MODELS = ("digits_qcfs_L2", "digits_qcfs_L4", "digits_qcfs_L8", "digits_qcfs_pascal",
               "digits_cnn_qcfs_L4")


@pytest.fixture(scope="module")
def test_set():
    return load_dataset("digits")


@pytest.fixture(scope="module")
def calib():
    return load_dataset("digits-calib")


def test_shipped_test_split_is_the_digits_layout(test_set):
    """360 real 8x8 scans with pixel values 0..16 and all ten classes."""
    assert test_set.x.shape == (360, 64)
    assert test_set.x.min() == 0 and test_set.x.max() == 16
    np.testing.assert_array_equal(np.unique(test_set.y), np.arange(10))
    with np.load(MODELS / "digits_test.npz") as z:
        assert z["x"].dtype == np.uint8


@pytest.mark.parametrize("model", QCFS_MODELS)
def test_pascal_on_digits_reproduces_the_qcfs_ann(model, test_set):
    """Every hidden layer's net count equals the QCFS ANN's activation on all 360 digits,
    on Loihi's 8-bit fixed point, and so the SNN's accuracy equals the ANN's exactly."""
    ann = load_ann(MODELS / f"{model}.npz")
    conv = convert(ann, "pascal", LOIHI)
    assert all(conv.reference.exact)
    res = evaluate(conv.network, test_set, profile=LOIHI, keep_counts=True)
    counts, scores = qcfs_counts(ann, test_set.x)
    for k in range(len(counts)):
        got = np.array([c[k] for c in res["counts"]])
        np.testing.assert_array_equal(got, counts[k].astype(np.int64), err_msg=f"h{k + 1}")
    ann_pred = np.argmax(scores, axis=1)
    np.testing.assert_array_equal(res["predictions"], ann_pred)
    assert res["accuracy"] == float(np.mean(ann_pred == test_set.y))


def test_pascal_digits_reference_engine_agrees(test_set):
    """The dense reference engine gives the same counts on a few digits."""
    ann = load_ann(MODELS / "digits_qcfs_pascal.npz")
    conv = convert(ann, "pascal", LOIHI)
    cfg = map_network(conv.network, LOIHI)
    from neuroemu.convert.evaluate import stimulus_for

    meta = dict(conv.network.meta)
    T = int(meta["convert.T"])
    for x in test_set.x[:4]:
        stim = stimulus_for(meta, x, T)
        a = simulate(cfg, stim, T + 2, engine="event")
        b = simulate(cfg, stim, T + 2, engine="reference")
        np.testing.assert_array_equal(a.count, b.count)
        np.testing.assert_array_equal(a.v, b.v)


def test_stored_qcfs_models_are_on_the_8_bit_grid():
    """The QCFS ANNs convert exactly to Loihi's 8-bit weights (dyadic, fitting 8 bits)."""
    for model in QCFS_MODELS:
        ref = integer_qcfs(load_ann(MODELS / f"{model}.npz"), 8)
        assert all(ref.exact), model
        assert max(int(np.abs(w).max()) for w in ref.weights) <= 127


def test_plain_qcfs_is_not_exact_on_digits_at_T_equals_L(test_set):
    """With T = L = 4 the second layer's counts miss the ANN's on some digits (uneven input)."""
    ann = load_ann(MODELS / "digits_qcfs_L4.npz")
    conv = convert(ann, "qcfs", LOIHI, ticks=4)
    cfg = map_network(conv.network, LOIHI)
    counts, _ = qcfs_counts(ann, test_set.x[:40])
    meta = dict(conv.network.meta)
    from neuroemu.convert.evaluate import stimulus_for

    first_ok, second_ok = 0, 0
    for i, x in enumerate(test_set.x[:40]):
        res = simulate(cfg, stimulus_for(meta, x, 4), 4 + 3)
        for k, start in ((0, 1), (1, 2)):
            tick, who, val = res.spikes_of(f"h{k + 1}")
            keep = (tick >= start) & (tick < start + 4)
            got = np.bincount(who[keep], weights=val[keep], minlength=counts[k].shape[1])
            ok = np.array_equal(got, counts[k][i])
            first_ok += ok if k == 0 else 0
            second_ok += ok if k == 1 else 0
    assert first_ok == 40  # constant input: layer 1 is exact
    assert second_ok < 40  # uneven spike input: layer 2 is not


def test_shipped_cnn_is_a_residual_conv_qcfs_network():
    """The trained CNN: conv, QCFS, conv + identity shortcut, pooling, conv, dense."""
    ann = load_ann(MODELS / "digits_cnn_qcfs_L4.npz")
    assert ann.input_shape == (1, 8, 8)
    assert [st.kind for st in ann.stages] == ["conv2d", "conv2d", "sparse", "dense"]
    assert [st.skip for st in ann.stages] == [None, 1, None, None]
    assert {st.activation for st in ann.stages[:-1]} == {"qcfs"}


@pytest.mark.parametrize("method", ["maxnorm", "l4", "l4-bias"])
def test_rate_coded_conversion_keeps_accuracy_at_T32(method, test_set, calib):
    """Max-norm and the L4 variants with Poisson input reach the ANN's accuracy within 3
    points at T = 32."""
    ann = load_ann(MODELS / "digits_mlp.npz")
    ann_acc = float(np.mean(ann.predict(test_set.x) == test_set.y))
    conv = convert(ann, method, LOIHI, ticks=32, calibration=calib.x)
    res = evaluate(conv.network, test_set, profile=LOIHI)
    assert res["accuracy"] >= ann_acc - 0.03
    assert res["ticks"] == 32 + 3
    again = evaluate(conv.network, test_set, profile=LOIHI)
    np.testing.assert_array_equal(res["predictions"], again["predictions"])  # seeded input
