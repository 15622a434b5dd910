"""``neuroemu convert`` and ``neuroemu eval`` through main([...]) and once as a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np

from neuroemu.cli import main
from neuroemu.convert import load_ann
from neuroemu.convert.evaluate import load_dataset

MODELS = Path(__file__).resolve().parents[2] / "models"


def test_convert_then_eval_pascal(tmp_path, capsys):
    out = tmp_path / "net.h5"
    ann_path = MODELS / "digits_qcfs_L4.npz"
    assert main(["convert", str(ann_path), "--method", "pascal", "-o", str(out)]) == 0
    text = capsys.readouterr().out
    assert "pascal" in text and "exact:" in text
    assert main(["eval", str(out), "--dataset", "digits", "--limit", "60", "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    ds = load_dataset("digits")
    ann_acc = float(np.mean(load_ann(ann_path).predict(ds.x[:60]) == ds.y[:60]))
    assert res["n"] == 60 and res["T"] == 8 and res["ticks"] == 10
    assert res["accuracy"] == ann_acc
    assert res["synaptic_ops_per_inference"] > 0
    assert res["energy_j_per_inference"]["loihi"] > 0


def test_convert_l4_with_calibration_file(tmp_path, capsys):
    calib = tmp_path / "calib.npz"
    ds = load_dataset("digits-calib")
    np.savez(calib, x=ds.x[:64].astype(np.uint8))
    out = tmp_path / "l4.h5"
    assert main(["convert", str(MODELS / "digits_mlp.npz"), "--method", "l4", "--window", "16",
                 "--calibrate", str(calib), "-o", str(out), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["coding"] == "poisson" and info["T"] == 16 and len(info["scale"]) == 2
    assert main(["convert", str(MODELS / "digits_mlp.npz"), "--method", "l4-bias", "--window",
                 "16", "--calibrate", str(calib), "-o", str(out), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["method"] == "l4-bias" and len(info["shift"]) == 2
    assert main(["eval", str(out), "--limit", "20", "--window", "8"]) == 0
    assert "SNN accuracy" in capsys.readouterr().out


def test_convert_refuses_maxpool(tmp_path, capsys):
    p = tmp_path / "maxpool.npz"
    np.savez(p, format=np.array("neuroemu-ann"), format_version=np.array(1),
             input_shape=np.array([1, 4, 4]), n_layers=np.array(2),
             **{"layer0.kind": np.array("maxpool2d"), "layer1.kind": np.array("dense"),
                "layer1.weight": np.ones((2, 4))})
    assert main(["convert", str(p), "--method", "pascal", "-o", str(tmp_path / "x.h5")]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "maxpool2d" in err[0] and "average pooling" in err[0]
    assert not (tmp_path / "x.h5").exists()


def test_convert_user_errors(tmp_path, capsys):
    ann = str(MODELS / "digits_mlp.npz")
    assert main(["convert", ann, "--method", "maxnorm", "-o", str(tmp_path / "a.h5")]) == 1
    assert "--calibrate" in capsys.readouterr().err
    assert main(["convert", ann, "--method", "pascal", "-o", str(tmp_path / "a.h5")]) == 1
    assert "needs levels" in capsys.readouterr().err
    assert main(["convert", ann, "--method", "qcfs", "--levels", "x", "-o",
                 str(tmp_path / "a.h5")]) == 1
    assert "--levels 'x'" in capsys.readouterr().err


def test_eval_refuses_a_network_not_made_by_convert(capsys):
    assert main(["eval", str(MODELS / "example.h5")]) == 1
    assert "was not made by 'neuroemu convert'" in capsys.readouterr().err


def test_convert_as_subprocess(tmp_path):
    out = tmp_path / "q.h5"
    proc = subprocess.run(
        [sys.executable, "-m", "neuroemu", "convert", str(MODELS / "digits_qcfs_L2.npz"),
         "--method", "qcfs", "-o", str(out), "--json"],
        capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    info = json.loads(proc.stdout)
    assert info["method"] == "qcfs" and info["coding"] == "current" and info["T"] == 2
    assert out.exists()


def test_convert_with_levels_saves_the_ann_it_stands_for(tmp_path, capsys):
    """--levels 4,8 on an L = 8 QCFS ANN: the saved ANN (levels 4, 8) is what PASCAL reproduces."""
    out, ann_out = tmp_path / "p.h5", tmp_path / "ann.npz"
    assert main(["convert", str(MODELS / "digits_qcfs_L8.npz"), "--method", "pascal",
                 "--levels", "4,8", "-o", str(out), "--save-ann", str(ann_out)]) == 0
    capsys.readouterr()
    saved = load_ann(ann_out)
    assert [st.levels for st in saved.stages[:-1]] == [4, 8]
    assert main(["eval", str(out), "--ann", str(ann_out), "--limit", "80", "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert res["T"] == 12 and res["accuracy"] == res["ann_accuracy"]
