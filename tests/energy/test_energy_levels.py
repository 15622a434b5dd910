"""Three named levels of energy, per run and per inference, in the library and the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from energy_nets import chain, prices, run, small_cores

from neuroemu.cli import main
from neuroemu.energy import LEVELS, price
from neuroemu.errors import NeuroemuError
from neuroemu.results.result import CHIP_WIDE

PJ = 1e-12
ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "models" / "example.h5"
EXAMPLE_INPUT = ROOT / "traces" / "example_input.npz"


def test_levels_nest_and_name_what_they_hold():
    tr = run(chain(), small_cores("loihi"), 5, [0], [0])
    r = price(tr, small_cores("loihi"))
    lv = r["energy_levels_j"]
    assert list(lv) == list(LEVELS) == ["operations", "dynamic", "total"]
    assert 0 < lv["operations"] < lv["dynamic"] < lv["total"] == r["energy_j"]
    by_level = {level: 0.0 for level in LEVELS}
    for cat, level in r["level_of_category"].items():
        by_level[level] += r["energy_by_category_j"][cat]
    assert by_level["operations"] == pytest.approx(lv["operations"], rel=1e-12)
    assert by_level["operations"] + by_level["dynamic"] == pytest.approx(lv["dynamic"],
                                                                          rel=1e-12)
    assert sum(by_level.values()) == pytest.approx(lv["total"], rel=1e-12)


def test_energy_result_has_every_level_per_run_and_per_inference():
    tr = run(chain(), small_cores("loihi"), 5, [0], [0])
    tr.profile = small_cores("loihi")
    e = tr.energy(inferences=4)
    r = e.report
    assert e.total_j == r["energy_j"] == r["energy_levels_j"]["total"]
    assert e.dynamic_j == r["energy_levels_j"]["dynamic"]
    assert e.operations_j == r["energy_levels_j"]["operations"]
    assert e.static_j == pytest.approx(r["energy_by_category_j"]["static"], rel=1e-12)
    assert e.inferences == r["inferences"] == 4
    per = e.per_inference
    assert per["total_j"] == pytest.approx(e.total_j / 4, rel=1e-15)
    assert per["operations_j"] == pytest.approx(r["energy_per_inference_j"]["operations"],
                                                rel=1e-15)
    assert per["latency_s"] == pytest.approx(r["latency_per_inference_s"], rel=1e-15)
    # by population adds up to the total with the chip-wide share beside the populations
    assert e.by_population[CHIP_WIDE] > 0
    assert sum(e.by_population.values()) == pytest.approx(e.total_j, rel=1e-12)
    # static power is the board's idle power over the chip time
    e_loihi = prices("loihi")["energy"]
    assert e.static_j == pytest.approx(e_loihi["static_w"] * e.latency_s, rel=1e-12)


@pytest.mark.parametrize("bad", [0, -1, 1.5, True])
def test_inferences_must_be_a_whole_number(bad):
    tr = run(chain(), small_cores("loihi"), 5, [0], [0])
    with pytest.raises(NeuroemuError, match="expected a whole number >= 1"):
        price(tr, small_cores("loihi"), inferences=bad)


def test_run_json_keeps_energy_j_as_the_total_and_adds_the_levels(capsys):
    assert main(["run", str(EXAMPLE), "--input", str(EXAMPLE_INPUT), "--profile", "loihi",
                 "--json", "--quiet"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["energy_j"] == pytest.approx(out["energy_dynamic_j"] + out["energy_static_j"],
                                            rel=1e-12)
    assert 0 < out["energy_operations_j"] < out["energy_dynamic_j"] < out["energy_j"]
    assert main(["run", str(EXAMPLE), "--input", str(EXAMPLE_INPUT), "--profile", "loihi",
                 "--quiet"]) == 0
    text = capsys.readouterr().out
    assert "chip dynamic" in text and "cores' operations" in text and "static" in text


def test_report_text_names_the_levels_and_divides_by_inferences(tmp_path, capsys):
    trace = tmp_path / "run.h5"
    assert main(["run", str(EXAMPLE), "--input", str(EXAMPLE_INPUT), "--profile", "loihi",
                 "--out", str(trace), "--quiet"]) == 0
    capsys.readouterr()
    assert main(["report", str(trace), "--inferences", "4", "--json"]) == 0
    r = json.loads(capsys.readouterr().out)
    assert r["inferences"] == 4
    for level in LEVELS:
        assert r["energy_per_inference_j"][level] == pytest.approx(
            r["energy_levels_j"][level] / 4, rel=1e-15)
    assert main(["report", str(trace)]) == 0
    text = capsys.readouterr().out
    for words in ("the cores' operations only", "chip dynamic", "total: dynamic + static",
                  "per inference", "one forward pass (one inference)"):
        assert words in text, words
    assert main(["report", str(trace), "--inferences", "0"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--inferences 0" in err
