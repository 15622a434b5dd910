"""``neuroemu.sweep`` and ``neuroemu sweep``: a grid of run options through the same machinery."""

from __future__ import annotations

import json

import pyarrow.compute as pc
import pytest
from evalcase import NET, read_rows, rows

import neuroemu as ne
from neuroemu.cli import main
from neuroemu.commands.sweep import parse_grid
from neuroemu.errors import InputError

GRID = {"profile": ["loihi", "generic"], "tick_us": [500, 1000]}


@pytest.fixture(scope="module")
def swept(net, folder, client):
    return ne.sweep(net, folder, GRID, client=client, limit=6, progress=False)


def _point(table, i):
    return table.filter(pc.equal(table["point"], i)).drop_columns(["point"])


def test_every_point_is_the_evaluation_with_its_options(swept, net, folder, client, reference):
    t = swept.table
    assert t.num_rows == 24
    assert t["point"].to_pylist() == [p for p in range(4) for _ in range(6)]
    assert swept.points == [{"profile": "loihi", "tick_us": 500.0},
                            {"profile": "loihi", "tick_us": 1000.0},
                            {"profile": "generic", "tick_us": 500.0},
                            {"profile": "generic", "tick_us": 1000.0}]
    assert rows(_point(t, 1)) == rows(reference.table)[:6]  # loihi at 1000 us: the defaults
    alone = ne.evaluate(net, folder, client=client, limit=6, profile="generic", tick_us=500,
                        progress=False)
    assert rows(_point(t, 2)) == rows(alone.table)
    assert _point(t, 2)["profile"].to_pylist() == ["generic"] * 6
    point = swept.summary["points"][2]
    for key in ("accuracy", "energy_j", "latency_s", "confusion", "n"):
        assert point[key] == alone.summary[key], key
    assert point["settings"] == {"profile": "generic", "tick_us": 500.0}
    # the tick length changes the run: the points differ
    assert _point(t, 0)["ticks"] != _point(t, 1)["ticks"]


def test_the_cli_gives_the_same_table_and_the_figure(swept, folder, client, tmp_path, capsys):
    out = tmp_path / "sweep.parquet"
    capsys.readouterr()
    assert main(["sweep", str(NET), "--inputs", str(folder), "--grid", "profile=loihi,generic",
                 "tick-us=500,1000", "--limit", "6", "--scheduler", client.scheduler.address,
                 "--out", str(out), "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert read_rows(out) == rows(swept.table)
    assert [p["accuracy"] for p in printed["points"]] == [
        p["accuracy"] for p in swept.summary["points"]]
    assert printed["figure"] == str(tmp_path / "sweep_accuracy_energy.png")
    assert (tmp_path / "sweep_accuracy_energy.png").stat().st_size > 5000
    assert main(["sweep", str(NET), "--inputs", str(folder), "--grid", "profile=loihi,generic",
                 "tick-us=500,1000", "--limit", "6", "--scheduler", client.scheduler.address,
                 "--out", str(out), "--resume"]) == 0
    text = capsys.readouterr().out
    assert "4 points x 6 recordings" in text and "skipped, already done: 24" in text
    table = [line.split() for line in text.splitlines()]
    assert ["generic", "500", "6"] == next(r[:3] for r in table if r[:1] == ["generic"])


def test_a_point_whose_profile_the_network_does_not_fit_is_error_rows(net, folder):
    """TrueNorth's cores take 256 axons; conv3's neurons need 384: each row of that point
    says so, and nothing is sent to a cluster (there is none here)."""
    sw = ne.sweep(net, folder, {"profile": ["truenorth"]}, limit=3, progress=False,
                  scheduler="tcp://127.0.0.1:9")
    errors = sw.table["error"].to_pylist()
    assert len(errors) == 3 and all("input axons needed 384, limit 256" in e for e in errors)
    assert sw.summary["points"][0]["n_errors"] == 3 and sw.summary["workers"] is None


def test_grid_values_take_their_options_types():
    assert parse_grid(["profile=loihi,generic", "tick-us=500,1e3", "flip_x=true,no",
                       "downsample=1,2"]) == {
        "profile": ["loihi", "generic"], "tick_us": [500.0, 1000.0], "flip_x": [True, False],
        "downsample": [1, 2]}
    for bad, message in ((["dt=1e-3"], "not an option a sweep varies"),
                         (["downsample=1.5"], "'1.5' is not a int value of downsample"),
                         (["tick_us"], "expected KEY=VALUE"),
                         (["seed=1", "seed=2"], "seed is given twice")):
        with pytest.raises(InputError, match=message):
            parse_grid(bad)
    with pytest.raises(InputError, match="expected distinct values"):
        ne.sweep(NET, ".", {"tick_us": [500, 500.0]})
