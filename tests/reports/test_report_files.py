"""write_report: report.json, report.txt and figures; saved runs price like live ones."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from neuroemu import load_run
from neuroemu.energy import price
from neuroemu.energy.costs import profile_of_run
from neuroemu.engine import make_stimulus, simulate
from neuroemu.hw import load_profile
from neuroemu.ir import Network, Population, Readout, neuron, projection
from neuroemu.mapping import map_network
from neuroemu.networks.network_h5 import write_network
from neuroemu.reports import write_report
from neuroemu.reports.figures import FIGURES
from neuroemu.results.build import from_chip_run

REQUIRED = ("profile", "energy_j", "energy_by_category_j", "energy_by_population_j",
            "ann_equivalent_energy_j", "ann_convention_energy_j", "convention_energy_j",
            "latency_s", "time_to_first_output_s", "time_to_decision_s", "synaptic_ops",
            "effective_acs", "effective_macs", "dense_synaptic_ops", "activation_sparsity",
            "connection_sparsity", "footprint_bytes", "sources", "notes", "files")


def layered_net() -> Network:
    """in (16) -> h (8 LIF) -> out (3 IF), dense random-free weights: enough activity on
    several cores for every figure to show something."""
    w1 = (np.arange(8 * 16).reshape(8, 16) % 5 - 1).astype(np.int64)
    w2 = (np.arange(3 * 8).reshape(3, 8) % 3).astype(np.int64)
    pops = (Population("in", (16,)),
            Population("h", (8,), neuron("lif", 8, threshold=4, decay_v=0.25)),
            Population("out", (3,), neuron("if", 3, threshold=3)))
    projs = (projection("in_h", "in", "h", "dense", w1), projection("h_out", "h", "out",
                                                                     "dense", w2))
    return Network("layered", pops, projs, input="in", readout=Readout("out", "count"))


def live_trace(tmp_path: Path, profile="loihi", ticks=30):
    """Run layered_net (saved to tmp_path/net.h5, named in the settings) on 2-neuron cores."""
    net = layered_net()
    write_network(tmp_path / "net.h5", net)
    prof = load_profile(profile).with_registers(neurons_per_core=4)
    rng = np.random.default_rng(7)
    tick, chan = np.nonzero(rng.random((ticks - 5, 16)) < 0.3)
    cfg = map_network(net, prof)
    result = simulate(cfg, make_stimulus(tick, chan, 16), ticks, engine="event")
    return from_chip_run(result, settings={"network": str(tmp_path / "net.h5")}), prof


def test_report_files(tmp_path):
    trace, prof = live_trace(tmp_path)
    out = tmp_path / "report"
    report = write_report(trace, prof, out, network=trace.network)
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted([*FIGURES, "report.json", "report.txt"])
    saved = json.loads((out / "report.json").read_text())
    assert saved == json.loads(json.dumps(report))
    for key in REQUIRED:
        assert key in saved, key
    assert saved["files"] == list(FIGURES)
    assert saved["connection_sparsity"] is not None  # the network was given
    text = (out / "report.txt").read_text()
    assert "most energy:" in text and saved["dominant_population"] in text


def test_figures_are_valid_and_not_blank(tmp_path):
    import matplotlib.image as mpimg

    trace, prof = live_trace(tmp_path)
    write_report(trace, prof, tmp_path / "r")
    for name in FIGURES:
        path = tmp_path / "r" / name
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", name
        img = mpimg.imread(path)
        assert img.shape[0] > 200 and img.shape[1] > 400, name
        # more than a white page: a good share of pixels differ from the background
        ink = np.any(img[..., :3] < 0.9, axis=-1).mean()
        assert ink > 0.01, f"{name} looks blank ({ink:.4f} of pixels inked)"


def test_failure_leaves_no_half_written_report(tmp_path, monkeypatch):
    from neuroemu.reports import figures

    trace, prof = live_trace(tmp_path)
    out = tmp_path / "r"
    out.mkdir()
    (out / "report.json").write_text('{"old": true}')

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(figures, "energy_breakdown", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        write_report(trace, prof, out)
    assert json.loads((out / "report.json").read_text()) == {"old": True}
    assert sorted(p.name for p in out.iterdir()) == ["report.json"]  # no staging left


def test_saved_trace_prices_exactly_like_the_live_run(tmp_path):
    trace, prof = live_trace(tmp_path, profile="loihi")
    # the run's profile is the modified loihi; keep its text in the trace as a run would
    trace.profile_toml = Path(prof.path).read_text()
    live = price(trace, prof)
    trace.save(tmp_path / "run.h5")
    saved = load_run(tmp_path / "run.h5")
    again, _ = profile_of_run(saved, str(tmp_path / "run.h5"))
    # core limits are not in the saved profile text, but no price depends on them
    repriced = price(saved, again)
    assert json.dumps(repriced, sort_keys=True) == json.dumps(live, sort_keys=True)


def test_pricing_on_another_profile_says_so(tmp_path):
    trace, _ = live_trace(tmp_path)
    r = price(trace, load_profile("truenorth"))
    assert r["profile"] == "truenorth" and r["run_profile"] == "loihi"
    assert any("mapping on 'loihi'" in n for n in r["notes"])
    assert any("marginal energy per event" in n for n in r["notes"])


def test_report_into_a_file_is_an_error(tmp_path):
    from neuroemu.errors import NeuroemuError

    trace, prof = live_trace(tmp_path)
    (tmp_path / "taken").write_text("")
    with pytest.raises(NeuroemuError, match="taken: exists and is not a folder"):
        write_report(trace, prof, tmp_path / "taken")
