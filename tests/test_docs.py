"""The README's first Python block and the scripts in examples/ run as written."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _run(args, cwd) -> str:
    done = subprocess.run([sys.executable, *args], cwd=cwd, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    return done.stdout


def test_readme_first_python_block_runs_from_the_repository_root(tmp_path):
    """Run in a copy of the root's layout (models/ linked, traces/ copied, since the block
    writes traces/run.h5), and check what it prints against its own comments."""
    block = re.search(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), re.S).group(1)
    (tmp_path / "models").symlink_to(ROOT / "models")
    shutil.copytree(ROOT / "traces", tmp_path / "traces")
    (tmp_path / "block.py").write_text(block)
    out = _run(["block.py"], tmp_path).splitlines()
    assert out[0] == "4"
    assert out[1].startswith("{'input': 4320, 'conv1': 5142")
    assert out[2] == "2821222"
    assert (tmp_path / "traces" / "run.h5").is_file()


@pytest.mark.parametrize("script,expect", [
    ("run_recording.py", "class: 4"),
    ("compare_profiles.py", "truenorth"),
    ("record_registers.py", "fc1: 256 neurons"),
])
def test_examples_run(script, expect, tmp_path):
    args = [str(ROOT / "examples" / script)]
    if script == "record_registers.py":
        args += ["--plot", str(tmp_path / "v.png")]
    out = _run(args, tmp_path)
    assert expect in out
    if script == "record_registers.py":
        assert (tmp_path / "v.png").stat().st_size > 1000
