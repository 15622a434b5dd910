"""``neuroemu.evaluate`` and ``neuroemu eval --inputs``: rows, labels, errors, summary.

Most tests share one local cluster (the ``client`` fixture, or its address as
``--scheduler``); the tests of worker counts start their own.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from evalcase import N_RECORDINGS as N
from evalcase import NET, ROOT, build_folder, read_rows, rows

import neuroemu as ne
from neuroemu.cli import main


def test_each_row_is_what_run_gives_for_its_recording(reference, net, folder):
    """Not only consistent with itself: a row holds the readout, counts and costs of
    ne.run on its recording, exactly."""
    table = reference.table
    assert table.num_rows == N
    assert table["file"].to_pylist() == sorted(p.relative_to(folder).as_posix()
                                               for p in folder.rglob("*.bin"))
    for row in (table.to_pylist()[i] for i in (0, N - 1)):
        res = ne.run(net, folder / row["file"], progress=False)
        c = res.counters
        assert row["pred"] == res.readout()
        assert row["label"] == int(row["file"].split("/")[0])
        assert (row["ticks"], row["input_events"]) == (res.ticks, res.input_events)
        assert row["synaptic_ops"] == c["synaptic_ops"]
        assert row["neuron_updates"] == c["neuron_updates"]
        assert row["overflows"] == c["overflow_v"] + c["overflow_u"]
        assert {k[7:]: v for k, v in row.items() if k.startswith("spikes_")} == \
            res.spike_counts()
        assert row["energy_j"] == res.energy().total_j
        assert row["latency_s"] == res.energy().latency_s
        assert row["profile"] == "loihi" and row["tick_us"] == 1000.0
        assert row["error"] is None and row["wall_s"] > 0


def test_labels_from_folders_give_accuracy_and_the_confusion_matrix(reference, tmp_path):
    s = reference.summary
    table = reference.table.to_pydict()
    right = sum(p == lab for p, lab in zip(table["pred"], table["label"]))
    assert right >= 1
    assert (s["n"], s["n_labelled"], s["correct"], s["n_errors"]) == (N, N, right, 0)
    assert s["accuracy"] == right / N
    m = np.array(s["confusion"])
    assert m.shape == (10, 11)  # the readout's 10 classes, and a column for no class
    expect = np.zeros((10, 11), np.int64)
    for p, lab in zip(table["pred"], table["label"]):
        expect[lab, 10 if p is None else p] += 1
    np.testing.assert_array_equal(m, expect)
    energy = np.array(table["energy_j"])
    assert s["energy_j"]["mean"] == energy.mean()
    assert s["energy_j"]["p95"] == np.percentile(energy, 95)
    assert s["latency_s"]["p50"] == np.percentile(table["latency_s"], 50)
    assert (s["skipped_done"], s["n_run"]) == (0, N)
    reference.save_figure(tmp_path / "confusion.png")
    assert (tmp_path / "confusion.png").stat().st_size > 5000


def test_the_cli_gives_the_library_rows_and_prints_one_json_object(reference, folder, client,
                                                                   tmp_path, capsys):
    out = tmp_path / "rows" / "results.parquet"
    capsys.readouterr()
    assert main(["eval", str(NET), "--inputs", str(folder), "--scheduler",
                 client.scheduler.address, "--out", str(out), "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert read_rows(out) == rows(reference.table)
    assert not (tmp_path / "rows" / "results.parquet.parts").exists()
    for key in ("n", "accuracy", "skipped_done", "correct", "energy_j", "confusion"):
        assert printed[key] == reference.summary[key], key
    assert printed["wall_s"] > 0 and printed["figure"] == str(
        tmp_path / "rows" / "results_confusion.png")
    assert (tmp_path / "rows" / "results_confusion.png").is_file()
    # the text summary says the same
    assert main(["eval", str(NET), "--inputs", str(folder), "--scheduler",
                 client.scheduler.address, "--quiet"]) == 0
    text = capsys.readouterr().out
    assert f"accuracy:              {reference.summary['accuracy']:.4f}" in text
    assert f"{N} recordings" in text and "errors:                0" in text


def test_a_csv_labels_and_a_glob_has_none(reference, folder, client, tmp_path):
    csv = tmp_path / "test.csv"
    files = reference.table["file"].to_pylist()
    csv.write_text("file,label\n" + "".join(f"{folder / f},{i % 3 or ''}\n"
                                            for i, f in enumerate(files)))
    by_csv = ne.evaluate(NET, csv, client=client, progress=False)
    assert by_csv.table["label"].to_pylist() == [i % 3 or None for i in range(N)]
    same = ["pred", "synaptic_ops", "energy_j"]
    assert by_csv.table.select(same) == reference.table.select(same)
    labelled = [(p, lab) for p, lab in zip(by_csv.table["pred"].to_pylist(),
                                           by_csv.table["label"].to_pylist()) if lab]
    assert by_csv.summary["n_labelled"] == len(labelled) == N - N // 3
    assert by_csv.summary["accuracy"] == sum(p == lab for p, lab in labelled) / len(labelled)
    by_glob = ne.evaluate(NET, str(folder / "*" / "*.bin"), client=client, progress=False)
    assert by_glob.table["label"].null_count == N
    assert by_glob.summary["accuracy"] is None and by_glob.summary["confusion"] is None
    assert by_glob.table.select(same) == reference.table.select(same)


def test_a_damaged_recording_is_an_error_row(net, folder, client, tmp_path, capsys):
    """Truncated and text files among good ones: each gives a row with the reader's
    message; the others run as usual; the command exits 0."""
    root = tmp_path / "Test"
    for name in ("4/00000.bin", "4/00002.bin"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes((folder / name).read_bytes())
    good = (folder / "4/00004.bin").read_bytes()
    (root / "4/00001.bin").write_bytes(good[:-2])  # ends inside an event
    (root / "4/00003.bin").write_text("not a recording\n" * 4)
    ev = ne.evaluate(net, root, client=client, progress=False)
    table = ev.table.to_pylist()
    assert [r["file"] for r in table] == [f"4/0000{i}.bin" for i in range(4)]
    errors = [r["error"] for r in table]
    assert errors[0] is None and errors[2] is None
    assert "truncated" in errors[1] and "00001.bin" in errors[1]
    assert "a text file" in errors[3]
    for r in (table[1], table[3]):
        assert r["pred"] is None and r["synaptic_ops"] is None and r["label"] == 4
    assert (ev.summary["n_errors"], ev.summary["n_labelled"]) == (2, 2)
    assert [f for f, _ in ev.summary["errors"]] == ["4/00001.bin", "4/00003.bin"]
    capsys.readouterr()
    assert main(["eval", str(NET), "--inputs", str(root), "--scheduler",
                 client.scheduler.address, "--quiet"]) == 0
    assert "errors:                2" in capsys.readouterr().out


def test_a_resume_of_another_evaluation_is_refused_before_any_work(reference, folder, client,
                                                                   tmp_path, capsys):
    out = tmp_path / "r.parquet"
    assert main(["eval", str(NET), "--inputs", str(folder), "--scheduler",
                 client.scheduler.address, "--out", str(out), "--limit", "2", "--quiet"]) == 0
    capsys.readouterr()
    assert main(["eval", str(NET), "--inputs", str(folder), "--out", str(out), "--resume",
                 "--tick-us", "500", "--scheduler", "tcp://127.0.0.1:9"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "holds rows of another evaluation" in err
    assert "tick_us" in err
    # the same settings: nothing left to compute, and the rows are kept
    assert main(["eval", str(NET), "--inputs", str(folder), "--out", str(out), "--resume",
                 "--limit", "2", "--json", "--scheduler", "tcp://127.0.0.1:9"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert (printed["skipped_done"], printed["n_run"], printed["n"]) == (2, 0, 2)
    assert read_rows(out) == rows(reference.table)[:2]


@pytest.mark.parametrize("argv,message", [
    (["--inputs", "X", "--window", "4"], "--window applies to --dataset"),
    (["--workers", "2"], "--workers applies to --inputs"),
    (["--dataset", "digits", "--tick-us", "10"], "--tick-us applies to --inputs"),
    (["--inputs", "X", "--dataset", "digits"], "give one dataset"),
    (["--inputs", "X", "--resume"], "--resume continues the rows of --out"),
    (["--inputs", "X", "--workers", "0", "--out", "o.parquet"], "--workers 0: expected"),
])
def test_options_of_the_other_kind_of_dataset_are_refused(argv, message, capsys, tmp_path,
                                                         monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "X").mkdir()
    (tmp_path / "X" / "a.bin").write_bytes((ROOT / "traces" / "nmnist_4.aedat").read_bytes())
    assert main(["eval", str(NET), *argv]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err, err


def test_the_builder_writes_real_events_with_their_labels(tmp_path):
    """The test folders hold the real digit's events (shifted, subsampled), readable as
    N-MNIST, in the folder of their label."""
    made = build_folder(tmp_path, n=3, labels=(4, 1))
    assert made == [("4/00000.bin", 4), ("1/00001.bin", 1), ("4/00002.bin", 4)]
    real, _ = ne.read_events(ROOT / "traces" / "nmnist_4.aedat")
    for name, _ in made:
        ev, meta = ne.read_events(tmp_path / name)
        assert meta.format == "N-MNIST" and (meta.width, meta.height) == (34, 34)
        assert 0.5 * real.size < ev.size < real.size
        assert set(np.unique(ev["t"])) <= set(np.unique(real["t"]))


def test_the_evaluation_api_loads_dask_and_pyarrow_only_when_it_runs():
    from loaded import loaded_after

    code = ("import neuroemu as ne; ne.evaluate; ne.sweep; ne.Evaluation; "
            "from neuroemu.cli import build_parser; build_parser()")
    assert loaded_after(code, ["dask", "distributed", "pyarrow", "numba", "matplotlib"]) == []


def test_pricing_on_a_chip_that_cannot_hold_the_network_is_refused_first(folder, capsys):
    assert main(["eval", str(NET), "--inputs", str(folder), "--energy-profile", "truenorth",
                 "--scheduler", "tcp://127.0.0.1:9"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--energy-profile truenorth" in err
    assert "input axons needed 384, limit 256" in err
