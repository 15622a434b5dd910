"""``neuroemu report`` and ``neuroemu profiles`` on the command line."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from neuroemu.cli import main

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "models" / "example.h5"
EXAMPLE_INPUT = ROOT / "traces" / "example_input.npz"


@pytest.fixture
def saved_run(tmp_path, capsys):
    """The example network run with --report and --out: (trace path, report dir)."""
    trace, rep = tmp_path / "run.h5", tmp_path / "live"
    rc = main(["run", str(EXAMPLE), "--input", str(EXAMPLE_INPUT), "--profile", "loihi",
               "--report", str(rep), "--out", str(trace), "--quiet"])
    capsys.readouterr()
    assert rc == 0
    return trace, rep


def test_run_report_and_report_agree(saved_run, tmp_path, capsys):
    trace, live = saved_run
    assert main(["report", str(trace), "--report", str(tmp_path / "again")]) == 0
    out = capsys.readouterr().out
    assert "most energy:" in out and "report.json" in out
    a = json.loads((live / "report.json").read_text())
    b = json.loads((tmp_path / "again" / "report.json").read_text())
    assert a == b  # the same numbers, field for field, without re-simulating


def test_report_json_on_another_profile(saved_run, capsys):
    trace, live = saved_run
    assert main(["report", str(trace), "--energy-profile", "truenorth", "--json"]) == 0
    r = json.loads(capsys.readouterr().out)
    a = json.loads((live / "report.json").read_text())
    assert r["profile"] == "truenorth" and r["run_profile"] == "loihi"
    assert r["synaptic_ops"] == a["synaptic_ops"]
    assert r["latency_s"] == pytest.approx(r["ticks"] * 1e-3)
    # models/truenorth.toml: 2.30 pJ per synaptic event, and the chip's 64.4 mW floor over
    # the run's ticks of 1 ms
    assert r["energy_levels_j"]["operations"] == pytest.approx(r["synaptic_ops"] * 2.30e-12,
                                                               rel=1e-12)
    assert r["energy_j"] == pytest.approx(r["synaptic_ops"] * 2.30e-12
                                          + 0.0644 * r["ticks"] * 1e-3, rel=1e-12)


def test_run_prints_energy_and_latency(tmp_path, capsys):
    rc = main(["run", str(EXAMPLE), "--input", str(EXAMPLE_INPUT), "--profile", "loihi",
               "--quiet"])
    out = capsys.readouterr().out
    assert rc == 0
    assert re.search(r"energy:\s+[\d.e+-]+ J on loihi\s+latency: [\d.e+-]+ s", out)


def test_report_missing_trace(tmp_path, capsys):
    missing = tmp_path / "nope.h5"
    assert main(["report", str(missing)]) == 1
    err = capsys.readouterr().err
    assert str(missing) in err and "no such file" in err


def test_report_malformed_profile_names_file_and_key(saved_run, tmp_path, capsys):
    trace, _ = saved_run
    text = (ROOT / "models" / "loihi.toml").read_text().replace("hop_pj = 3.5", "hop_pj = []")
    bad = tmp_path / "bad.toml"
    bad.write_text(text)
    assert main(["report", str(trace), "--energy-profile", str(bad)]) == 1
    err = capsys.readouterr().err
    assert str(bad) in err and "[energy] hop_pj" in err
    assert err.count("\n") == 1  # one line, no traceback


def test_report_unknown_profile(saved_run, capsys):
    trace, _ = saved_run
    assert main(["report", str(trace), "--energy-profile", "nochip"]) == 1
    assert "nochip" in capsys.readouterr().err


def test_profiles_json(capsys):
    assert main(["profiles", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    by_name = {p["name"]: p for p in data["profiles"]}
    assert {"loihi", "truenorth", "horowitz45nm", "generic"} <= set(by_name)
    loihi = by_name["loihi"]
    assert loihi["energy"]["synaptic_op_pj"] == 23.6
    assert "Davies" in loihi["sources"]["energy.synaptic_op_pj"]
    assert by_name["truenorth"]["energy"]["scope"] == "chip floor and marginal per event"
    assert by_name["horowitz45nm"]["convention"]["ac_pj"] == 0.9
    assert loihi["core"]["neurons"] == 1024 and loihi["registers"]["w_bits"] == 8


def test_profiles_text(capsys):
    assert main(["profiles"]) == 0
    out = capsys.readouterr().out
    assert "truenorth" in out and "Merolla" in out and "E_MAC 4.6 pJ" in out


def test_profiles_subprocess():
    proc = subprocess.run([sys.executable, "-m", "neuroemu", "profiles", "--json"],
                          capture_output=True, text=True, timeout=120, cwd=ROOT, check=False)
    assert proc.returncode == 0, proc.stderr
    names = [p["name"] for p in json.loads(proc.stdout)["profiles"]]
    assert "loihi" in names and "truenorth" in names


def test_report_profile_says_it_is_the_chip_option(saved_run, capsys):
    """--profile is the chip a network runs on everywhere; report prices with
    --energy-profile and says so when given --profile."""
    trace, _ = saved_run
    assert main(["report", str(trace), "--profile", "truenorth"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--energy-profile truenorth" in err
