"""``neuroemu theory`` through main() and once as a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys

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
    assert r["covers"] == 2**24 and r["cases"] == 65  # honest: trains actually run
    assert r["neurons"] == 9 and r["weights"] == 33  # the function true everywhere


def test_verify_broken_clock_exits_1(capsys):
    assert main(["theory", "verify", "clock", "--m", "3", "--w", "1/3"]) == 1
    out = capsys.readouterr().out
    assert "mismatches" in out and "first failure" in out and "#7" in out


def test_scaling_writes_table_and_plot(capsys, tmp_path):
    png = tmp_path / "scaling.png"
    assert main(["theory", "scaling", "--d", "1..3", "--m", "1..2", "--plot", str(png),
                 "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert png.stat().st_size > 10_000
    worst = {r["d"]: r["neurons"] for r in rows if r["family"] == "boolean, worst case"}
    assert worst == {1: 3, 2: 5, 3: 9}  # 2**d minterms and the OR


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
