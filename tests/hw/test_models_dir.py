"""Where the shipped profiles and example networks are found, installed or not."""

from __future__ import annotations

import glob
from pathlib import Path

import neuroemu.hw.profile as profile_mod

try:
    import tomllib
except ModuleNotFoundError:  # Python < 3.11
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[2]


def test_a_source_tree_uses_its_models_folder(monkeypatch):
    monkeypatch.delenv("NEUROEMU_MODELS", raising=False)
    assert profile_mod.models_dir() == ROOT / "models"


def test_an_installed_package_uses_the_installed_copy(tmp_path, monkeypatch):
    """A wheel puts the package in site-packages (no pyproject.toml beside it) and
    models/ under share/neuroemu/models of the prefix."""
    site = tmp_path / "lib" / "site-packages"
    (site / "neuroemu" / "hw").mkdir(parents=True)
    (site / "models").mkdir()  # somebody else's top-level folder: not ours
    shipped = tmp_path / "share" / "neuroemu" / "models"
    shipped.mkdir(parents=True)
    monkeypatch.setattr(profile_mod, "__file__", str(site / "neuroemu" / "hw" / "profile.py"))
    monkeypatch.setattr("sysconfig.get_path", lambda name, *a, **k: str(tmp_path))
    monkeypatch.setattr("site.getuserbase", lambda: str(tmp_path / "user"))
    monkeypatch.delenv("NEUROEMU_MODELS", raising=False)
    assert profile_mod.shipped_models_dir() == shipped
    assert profile_mod.models_dir() == shipped
    monkeypatch.setenv("NEUROEMU_MODELS", str(tmp_path / "mine"))
    assert profile_mod.models_dir() == tmp_path / "mine"
    assert profile_mod.shipped_models_dir() == shipped  # the convention file stays ours


def test_the_wheel_carries_every_file_of_models():
    """pyproject's data-files globs must cover models/ (else a non-editable install
    lacks a profile or a dataset that the code looks up there)."""
    conf = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = conf["tool"]["setuptools"]["data-files"]["share/neuroemu/models"]
    shipped = {Path(p).name for pat in patterns for p in glob.glob(str(ROOT / pat))}
    files = {p.name for p in (ROOT / "models").iterdir()
             if p.is_file() and not p.name.startswith(".")}
    assert "loihi.toml" in files
    assert files <= shipped, files - shipped
