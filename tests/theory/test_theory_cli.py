"""``neuroemu theory`` through main() and once as a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from neuroemu.cli import main


def test_list(capsys):
    assert main(["theory", "list"]) == 0
    out = capsys.readouterr().out
    for name in ("xor", "clock", "boolean", "memory", "parity"):
        assert name in out


def test_verify_xor_json(capsys):
    assert main(["theory", "verify", "xor", "--T", "8", "--json"]) == 0
    r = json.loads(capsys.readouterr().out)
    assert r["construction"] == "xor" and r["cases"] == 65536 and r["mismatches"] == 0
    assert r["neurons"] == 4 and r["weights"] == 7 and r["exhaustive"] is True


def test_verify_boolean_all_json(capsys):
    assert main(["theory", "verify", "boolean", "--d", "3", "--all", "--json"]) == 0
    r = json.loads(capsys.readouterr().out)
    assert r["functions"] == 256 and r["mismatches"] == 0 and r["method"] == "window"
    # honest: trains actually run. The output reads the instant two ticks back and the clock
    # only at the output delay, so one de Bruijn train of the 8 patterns stands for all trains
    assert r["cases"] == 1 and r["all_lengths"] is True
    assert r["T"] == 2 and r["window"] == 2  # T chosen: memory 1 + delay 2 - 1
    assert r["covers"] == 2**6  # of length T, and by the window argument of every length
    assert r["neurons"] == 9 and r["weights"] == 33  # the function true everywhere


def test_verify_broken_clock_exits_1(capsys):
    assert main(["theory", "verify", "clock", "--m", "3", "--w", "1/3", "--T", "8"]) == 1
    out = capsys.readouterr().out
    assert "219 mismatches" in out and "first failure" in out and "#7" in out
    # without --T: the state search, which stops at the shortest failing train
    assert main(["theory", "verify", "clock", "--m", "3", "--w", "1/3"]) == 1
    out = capsys.readouterr().out
    assert "(states)" in out and "input [[1, 1, 1]]" in out and "expected [3], got []" in out


def test_verify_chooses_the_length_and_says_so(capsys):
    assert main(["theory", "verify", "clock", "--m", "5", "--json"]) == 0
    r = json.loads(capsys.readouterr().out)
    assert r["method"] == "states" and r["all_lengths"] and r["exhaustive"]
    assert r["length_from"].startswith(f"T = {r['T']} chosen from the construction")
    assert main(["theory", "verify", "memory", "--d", "2", "--m", "3"]) == 0
    out = capsys.readouterr().out
    assert "covers every train of every length (exhaustive): exact" in out
    assert "T = 5 chosen from the construction: memory 3 + output delay 3 - 1" in out


def test_deliberately_failing_unit_is_listed(capsys):
    assert main(["theory", "list"]) == 0
    out = capsys.readouterr().out
    assert "deliberately failing examples" in out and "  unit: finite h" in out
    assert main(["theory", "verify", "unit"]) == 1
    out = capsys.readouterr().out
    assert "272 mismatches" in out and "a deliberately failing example: finite h" in out


def test_table_from_the_command_line(capsys, tmp_path):
    assert main(["theory", "verify", "table", "--m", "4", "--table", "0x6996", "--json"]) == 0
    r = json.loads(capsys.readouterr().out)
    assert r["construction"] == "table1x4:0x6996" and r["all_lengths"] and r["mismatches"] == 0
    f = tmp_path / "table.txt"
    f.write_text("0x6996\n")
    assert main(["theory", "verify", "table", "--m", "4", "--table", f"@{f}", "--split"]) == 0
    capsys.readouterr()
    assert main(["theory", "verify", "table", "--m", "2", "--table", "0x1ffff"]) == 1
    assert "a function of 2 window bits has a table of at most 4 bits" in capsys.readouterr().err


def test_scaling_writes_table_and_plot(capsys, tmp_path):
    png = tmp_path / "scaling.png"
    assert main(["theory", "scaling", "--d", "1..3", "--m", "1..2", "--plot", str(png),
                 "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert png.stat().st_size > 10_000
    worst = {r["d"]: r["neurons"] for r in rows if r["family"] == "boolean, worst case"}
    assert worst == {1: 3, 2: 5, 3: 9}  # 2**d minterms and the OR
    # every row verified on the chip, for every train of every length
    assert {r["verified"] for r in rows} == {"exact"} and all(r["all_lengths"] for r in rows)
    assert {r["method"] for r in rows} == {"window"}


def test_scaling_verifies_a_table_of_your_own_and_says_what_it_skipped(capsys):
    assert main(["theory", "scaling", "--d", "2", "--m", "2", "--table", "0x8001",
                 "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    mine = {r["family"]: r for r in rows if r["family"].startswith("table")}
    assert set(mine) == {"table, flat", "table, split"}
    assert mine["table, flat"]["neurons"] == 3 and mine["table, flat"]["verified"] == "exact"
    assert mine["table, split"]["verified"] == "exact"
    assert main(["theory", "scaling", "--d", "1", "--m", "3", "--verify-budget", "20"]) == 0
    out = capsys.readouterr().out
    assert "skipped (~" in out and "over the budget of 2.0e+01" in out
    assert main(["theory", "scaling", "--d", "1..2", "--m", "2", "--table", "0x1"]) == 1
    assert "give one --d and one --m" in capsys.readouterr().err


def test_scaling_exits_1_when_a_row_fails(capsys):
    """Loihi's cores take 4,096 input axons: the flat constructions of 13 window bits
    (an OR of up to 8,192 minterms) do not map; the split one does."""
    assert main(["theory", "scaling", "--d", "1", "--m", "13", "--max-bits", "13",
                 "--profile", "loihi", "--json"]) == 1
    rows = {r["family"]: r["verified"] for r in json.loads(capsys.readouterr().out)}
    assert rows["memory, worst case (flat)"] == "does not map"
    assert rows["random, split"] == "exact" and rows["exactly-one, composed"] == "exact"


def test_robustness_json(capsys):
    assert main(["theory", "robustness", "clock", "--m", "3", "--w-bits", "1..4",
                 "--json"]) == 0
    (sweep,) = json.loads(capsys.readouterr().out)
    assert sweep["smallest_exact_w_bits"] == 3 and sweep["exact_w_bits"] == [3, 4]


def test_user_errors(capsys):
    assert main(["theory", "verify", "nosuch"]) == 1
    assert "no construction 'nosuch'" in capsys.readouterr().err
    assert main(["theory", "verify", "boolean", "--d", "3"]) == 1
    assert "--table" in capsys.readouterr().err
    assert main(["theory", "verify", "clock", "--w", "x/y"]) == 1
    assert "--w 'x/y'" in capsys.readouterr().err


def test_subprocess():
    proc = subprocess.run([sys.executable, "-m", "neuroemu", "theory", "verify", "memory",
                           "--d", "2", "--m", "2", "--T", "6", "--json"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    r = json.loads(proc.stdout)
    assert r["construction"] == "exactly-one" and r["mismatches"] == 0 and r["cases"] == 4096


def test_the_library_refuses_what_the_command_refuses():
    """Scaling's and robustness's checks live in the library: a notebook gets the same
    one-line errors as the command line."""
    from neuroemu.errors import InputError
    from neuroemu.theory.robust import robustness, width_sweep
    from neuroemu.theory.scaling import scaling_table

    with pytest.raises(InputError, match="inputs and memories start at 1"):
        scaling_table([0], [1], verify=False)
    with pytest.raises(InputError, match="at most 20"):
        scaling_table([1], [1], max_bits=21, verify=False)
    with pytest.raises(InputError, match="one --d and one --m"):
        scaling_table([1, 2], [1], tables="0110", verify=False)
    with pytest.raises(InputError, match=r"--w-bits 17: expected weight widths within 1\.\.16"):
        width_sweep([], None, [8, 17])
    sweeps = robustness("unit", None, [8], profile="loihi")
    assert [s.rows[0].w_bits for s in sweeps] == [8]
