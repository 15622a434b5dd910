"""A profile file is parsed once per version: an edit is seen, a caller's change is not."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from neuroemu.errors import ProfileError
from neuroemu.hw.profile import load_profile

LOIHI = Path(__file__).resolve().parents[2] / "models" / "loihi.toml"


def _edit(path: Path, old: str, new: str, mtime_ns: int) -> None:
    path.write_text(path.read_text().replace(old, new, 1))
    os.utime(path, ns=(mtime_ns, mtime_ns))


def test_an_edited_profile_is_read_again(tmp_path):
    path = tmp_path / "chip.toml"
    shutil.copy(LOIHI, path)
    stamp = path.stat().st_mtime_ns
    assert load_profile(path).neurons_per_core == 1024
    # the same size, a later time
    _edit(path, "neurons = 1024", "neurons = 2048", stamp + 10**9)
    assert load_profile(path).neurons_per_core == 2048
    # another size, the same time as before
    _edit(path, "neurons = 2048", "neurons = 512", stamp + 10**9)
    assert load_profile(path).neurons_per_core == 512
    _edit(path, "neurons = 512", "neurons = -1", stamp + 2 * 10**9)
    with pytest.raises(ProfileError, match=r"\[core\] neurons = -1"):
        load_profile(path)


def test_changing_a_loaded_profile_tables_changes_no_other_load(tmp_path):
    path = tmp_path / "chip.toml"
    shutil.copy(LOIHI, path)
    first = load_profile(path)
    first.tables["core"]["neurons"] = 7
    first.tables["energy"].clear()
    again = load_profile(path)
    assert again.tables["core"]["neurons"] == 1024
    assert again.tables["energy"]
    assert again == load_profile(path)
