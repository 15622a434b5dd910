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
    assert (tn.evidence, tn.scope) == ("measured", "all-in chip average")
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
