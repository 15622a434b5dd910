"""Profile cost tables: every shipped profile is complete; a broken one names file and key."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from energy_nets import MODELS, chain, prices, run, small_cores

from neuroemu import load_run
from neuroemu.energy import load_costs, price
from neuroemu.energy.costs import ENERGY_KEYS, profile_of_run
from neuroemu.errors import ProfileError
from neuroemu.hw import available_profiles, load_profile

LOIHI = (MODELS / "loihi.toml").read_text()


def write_profile(tmp_path: Path, text: str, name: str = "custom") -> Path:
    path = tmp_path / f"{name}.toml"
    path.write_text(text)
    return path


@pytest.mark.parametrize("name", ["loihi", "truenorth", "horowitz45nm", "generic"])
def test_shipped_profiles_have_costs_with_sources(name):
    costs = load_costs(load_profile(name))
    tables = prices(name)
    for key in ENERGY_KEYS:
        assert costs.energy_pj[key] == tables["energy"][key]
        assert costs.sources[f"energy.{key}"]
    assert costs.evidence in ("measured", "simulated", "derived")


def test_labels_of_the_chips():
    assert (load_costs(load_profile("loihi")).evidence,
            load_costs(load_profile("loihi")).scope) == ("simulated", "per-operation minimum")
    tn = load_costs(load_profile("truenorth"))
    assert (tn.evidence, tn.scope) == ("measured", "chip floor and marginal per event")
    assert tn.latency_mode == "fixed_tick" and tn.latency_ns["tick_ns"] == 1e6


def test_available_profiles_include_the_four():
    assert {"loihi", "truenorth", "horowitz45nm", "generic"} <= set(available_profiles())


@pytest.mark.parametrize("edit, key, expected", [
    (lambda t: re.sub(r"(?m)^hop_pj = .*\n", "", t), "[energy] hop_pj", "missing key"),
    (lambda t: t.replace("packet_pj = 1.7", 'packet_pj = "cheap"'), "[energy] packet_pj",
     "expected a number >= 0"),
    (lambda t: t.replace("neuron_idle_pj = 52.0", "neuron_idle_pj = -52.0"),
     "[energy] neuron_idle_pj", "expected a number >= 0"),
    (lambda t: t.replace('evidence = "simulated"', 'evidence = "guessed"'),
     "[energy] evidence", "expected one of"),
    (lambda t: t.replace('mode = "per_tick_work"', 'mode = "warp"'), "[latency] mode",
     "expected one of"),
    (lambda t: re.sub(r"(?m)^barrier_ns = .*\n", "", t), "[latency] barrier_ns",
     "missing key"),
    (lambda t: re.sub(r'(?m)^"energy\.hop_pj" = .*\n', "", t), "[energy] hop_pj",
     "has no source"),
])
def test_malformed_profile_names_file_and_key(tmp_path, edit, key, expected):
    path = write_profile(tmp_path, edit(LOIHI))
    prof = load_profile(path)  # core, mesh and registers are fine
    with pytest.raises(ProfileError) as err:
        load_costs(prof)
    msg = str(err.value)
    assert str(path) in msg and key in msg and expected in msg


def test_missing_energy_table(tmp_path):
    text = LOIHI.split("# Energy per operation")[0] + "[sources]\n"
    prof = load_profile(write_profile(tmp_path, text))
    with pytest.raises(ProfileError, match=r"missing table \[energy\]"):
        load_costs(prof)


def test_a_user_profile_is_one_file(tmp_path):
    text = LOIHI.replace("synaptic_op_pj = 23.6", "synaptic_op_pj = 10.0")
    prof = load_profile(write_profile(tmp_path, text, "mychip"))
    tr = run(chain(), small_cores("loihi"), 5, [0], [0])
    mine = price(tr, prof.with_registers(neurons_per_core=1, mesh_width=4, mesh_height=4))
    ref = price(tr, small_cores("loihi"))
    assert mine["energy_j"] == pytest.approx(ref["energy_j"] - 2 * (23.6 - 10.0) * 1e-12,
                                             rel=1e-12)


def test_trace_keeps_its_profile(tmp_path):
    # a run on a chip whose file said 10 pJ per synaptic op is re-priced at 10 pJ even
    # though the shipped loihi.toml says 23.6
    text = LOIHI.replace("synaptic_op_pj = 23.6", "synaptic_op_pj = 10.0")
    prof = load_profile(write_profile(tmp_path, text, "loihi"))
    small = prof.with_registers(neurons_per_core=1, mesh_width=4, mesh_height=4)
    tr = run(chain(), small, 5, [0], [0])
    tr.save(tmp_path / "run.h5")
    saved = load_run(tmp_path / "run.h5")
    again, note = profile_of_run(saved, str(tmp_path / "run.h5"))
    assert note == ""
    r = price(saved, again)
    assert r["energy_by_category_j"]["synaptic_ops"] == pytest.approx(2 * 10.0e-12, rel=1e-12)
    assert "run.h5" in again.path


def test_trace_copy_with_a_broken_profile_names_the_trace(tmp_path):
    tr = run(chain(), small_cores("loihi"), 5, [0], [0])
    tr.profile_toml = LOIHI.replace("packet_pj = 1.7", 'packet_pj = "x"')
    prof, _ = profile_of_run(tr, "traces/old.h5")
    with pytest.raises(ProfileError, match=r"traces/old\.h5.*\[energy\] packet_pj"):
        price(tr, prof)


def test_old_trace_without_costs_falls_back_to_the_shipped_profile():
    tr = run(chain(), small_cores("loihi"), 5, [0], [0])
    tr.profile_toml = LOIHI.split("# Energy per operation")[0] + "[sources]\n"
    prof, note = profile_of_run(tr, "traces/old.h5")
    assert "no [energy] table" in note and "traces/old.h5" in note
    assert load_costs(prof).energy_pj["synaptic_op_pj"] == 23.6


# ----------------------------------------------------------------- whole-chip terms, keys


@pytest.mark.parametrize("name", ["loihi", "truenorth", "horowitz45nm", "generic"])
def test_shipped_profiles_give_every_whole_chip_term_with_its_source(name):
    from neuroemu.energy.costs import CHIP_ENERGY_KEYS, CHIP_LATENCY_KEYS

    costs = load_costs(load_profile(name))
    tables = prices(name)
    assert costs.chip_missing == ()
    for key in CHIP_ENERGY_KEYS:
        assert costs.chip[key] == tables["energy"][key]
        assert costs.sources[f"energy.{key}"]
    if costs.latency_mode == "per_tick_work":
        for key in (*CHIP_LATENCY_KEYS, "barrier_min_ns"):
            assert costs.chip[key] == tables["latency"][key]
            assert costs.sources[f"latency.{key}"]


def test_loihi_whole_chip_terms_say_measured_or_fitted():
    src = load_costs(load_profile("loihi")).sources
    for key in ("energy.static_w", "energy.management_w"):
        assert src[key].startswith("MEASURED") and "Blouw" in src[key]
    for key in ("energy.tick_pj", "latency.tick_overhead_ns"):
        assert src[key].startswith("FITTED") and "runs 01-03" in src[key]
        assert "scored on runs 04-05" in src[key]


@pytest.mark.parametrize("edit, message", [
    (lambda t: t.replace('name = "loihi"', 'name = "loihi"\nvoltage = 0.75'),
     "unknown key 'voltage'"),
    (lambda t: t.replace("hop_pj = 3.5", "hop_pj = 3.5\nhop_energy_pj = 3.0"),
     "unknown key [energy] hop_energy_pj"),
    (lambda t: t.replace("width = 16", "width = 16\ndepth = 2"), "unknown key [mesh] depth"),
    (lambda t: t.replace("\n[sources]\n", '\n[sources]\n"energy.hop_cost" = "a paper"\n'),
     "[sources] energy.hop_cost names no key"),
])
def test_unknown_profile_keys_are_refused_naming_key_and_file(tmp_path, edit, message):
    path = write_profile(tmp_path, edit(LOIHI))
    with pytest.raises(ProfileError) as err:
        load_profile(path)
    msg = str(err.value)
    assert str(path) in msg and message in msg and "\n" not in msg


def test_a_tile_must_divide_the_mesh(tmp_path):
    path = write_profile(tmp_path, LOIHI.replace("tile_width = 2", "tile_width = 3"))
    with pytest.raises(ProfileError, match=r"\[mesh\] tile_width = 3, expected a whole number "
                                           r"in 1..16 that divides the mesh width 16"):
        load_profile(path)
    prof = load_profile("loihi")
    assert prof.with_registers(mesh_width=8).tile_width == 2  # still divides
    assert (prof.with_registers(mesh_width=3).tile_width,
            prof.with_registers(mesh_width=3).tile_height) == (1, 1)  # dropped
    with pytest.raises(ProfileError, match="tile 3 x 2 does not divide the mesh 16 x 8"):
        prof.with_registers(tile_width=3)


def test_whole_chip_keys_checked(tmp_path):
    bad = LOIHI.replace("barrier_min_ns = 113.0", "barrier_min_ns = 500.0")
    with pytest.raises(ProfileError, match=r"barrier_min_ns = 500.0 exceeds barrier_ns = 465"):
        load_costs(load_profile(write_profile(tmp_path, bad)))
    tn = (MODELS / "truenorth.toml").read_text().replace(
        "tick_ns = 1000000.0", "tick_ns = 1000000.0\ntick_overhead_ns = 5.0").replace(
        '"latency.tick_ns"', '"latency.tick_overhead_ns" = "x"\n"latency.tick_ns"')
    with pytest.raises(ProfileError, match=r"\[latency\] tick_overhead_ns applies to mode "
                                           r"'per_tick_work' only"):
        load_costs(load_profile(write_profile(tmp_path, tn, "tn")))
    bad = LOIHI.replace("tick_pj = 3870000.0", "tick_pj = -1.0")
    with pytest.raises(ProfileError, match=r"\[energy\] tick_pj = -1.0, expected a number >= 0"):
        load_costs(load_profile(write_profile(tmp_path, bad, "neg")))


def test_a_profile_without_whole_chip_terms_prices_them_at_zero_and_says_so(tmp_path):
    text = re.sub(r"(?m)^(static_w|management_w|tick_pj|tick_overhead_ns) = .*\n", "", LOIHI)
    text = re.sub(r'(?m)^"(energy|latency)\.(static_w|management_w|tick_pj|tick_overhead_ns)"'
                  r' = .*\n', "", text)
    prof = load_profile(write_profile(tmp_path, text, "old"))
    costs = load_costs(prof)
    assert set(costs.chip_missing) == {"energy.static_w", "energy.management_w",
                                       "energy.tick_pj", "latency.tick_overhead_ns"}
    small = prof.with_registers(neurons_per_core=1, mesh_width=4, mesh_height=4)
    r = price(run(chain(), small, 5, [0], [0]), small)
    assert r["energy_levels_j"]["operations"] == r["energy_levels_j"]["total"]
    assert any("no whole-chip figure for energy.static_w" in n for n in r["notes"])
