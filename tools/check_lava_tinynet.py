"""Run lava-dl's tinynet ground-truth protocol on neuroemu and print the spike errors.

lava-dl's netx test (``tests/lava/lib/dl/netx/test_hdf5.py``) builds ``tiny.net``
(input layer 16x16x3 driven by a per-pixel bias, conv 5x5/2 -> 24x6x6,
conv 5x5/2 -> 36x1x1, Loihi CUBA neurons), sets the input layer's bias to
``input_bias.npy``, resets every layer's u and v every 17 steps (one step later
per layer) and runs 17 + 3 steps. Its output at lava steps 3..17 must equal
``output.npy[0].transpose(2, 1, 0, 3)[..., 1:]`` (Loihi's fixed point).

Here the same network is read with :func:`neuroemu.networks.netx.read_netx`
(``reset_interval=17, reset_offset=0``: layer ``i`` resets before ticks
``i, 17 + i, ...``), mapped onto the Loihi profile at scale 1 and run for 20
ticks. Lava step ``s`` is tick ``s - 1``; the slayer arrays index layer ``i``'s
lava step ``s`` as ``s - i``, so:

* output (layer 2): tick ``t`` against ``output.npy`` index ``t - 1``, t = 2..16
  (the ticks lava-dl's test compares);
* layer 1 spikes: tick ``t`` against ``layer1.npy`` index ``t``, t = 1..15 (index 0
  holds no spikes: at tick 0 layer 1 fires 144 spikes from its bias alone and is
  reset before tick 1);
* layer 1 current: ``u / 64`` at tick ``t`` against ``current.npy`` index ``t``,
  t = 0..15;
* input layer spikes: tick ``t`` against ``input.npy`` index ``t + 1``, t = 0..14.

Errors count differing (neuron, tick) entries (sum of absolute differences).

    python tools/check_lava_tinynet.py [--data DIR] [--engine event|reference]
        [--profile loihi|loihi2] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
# the real data: $NEUROEMU_DATA, else shared/data beside the repository
DATA = Path(os.environ.get("NEUROEMU_DATA") or ROOT.parent / "shared" / "data")
DEFAULT_DATA = DATA / "lava-dl" / "tinynet"
STEPS_PER_SAMPLE = 17


def _raster(result, population: str, n: int, ticks: int) -> np.ndarray:
    tick, who, value = result.spikes_of(population)
    out = np.zeros((ticks, n), np.int64)
    out[tick, who] = value
    return out


def check(data_dir=DEFAULT_DATA, engine: str = "event", profile: str = "loihi") -> dict:
    """Run the protocol; returns the errors and what was compared."""
    from neuroemu.engine import simulate
    from neuroemu.mapping import map_network
    from neuroemu.networks.netx import read_netx

    data = Path(data_dir)
    net = read_netx(data / "tiny.net", input_bias=np.load(data / "input_bias.npy"),
                    reset_interval=STEPS_PER_SAMPLE, reset_offset=0)
    cfg = map_network(net, profile)
    layers = [p.name for p in net.populations if not p.is_input]
    ticks = STEPS_PER_SAMPLE + len(layers)
    l1 = cfg.neurons_of("layer1")
    result = simulate(cfg, None, ticks, engine=engine, probes=np.arange(l1.start, l1.stop))

    def gt(name):  # (1, C, H, W, T) in (c, y, x) order -> (T, n)
        a = np.load(data / f"{name}.npy")[0]
        return a.reshape(-1, a.shape[-1]).T.astype(np.int64)

    out, out_gt = _raster(result, "layer2", 36, ticks), gt("output")
    l1_spk, l1_gt = _raster(result, "layer1", 864, ticks), gt("layer1")
    l0_spk, l0_gt = _raster(result, "layer0", 768, ticks), gt("input")
    cur_gt = gt("current")
    current = result.probe_u // 64
    exact_current = bool(np.all(result.probe_u % 64 == 0))
    errors = {
        "output_spike_error": int(sum(np.abs(out[t] - out_gt[t - 1]).sum() for t in range(2, 17))),
        "layer1_spike_error": int(sum(np.abs(l1_spk[t] - l1_gt[t]).sum() for t in range(1, 16))),
        "current_error": int(sum(np.abs(current[t] - cur_gt[t]).sum() for t in range(0, 16))),
        "input_spike_error": int(sum(np.abs(l0_spk[t] - l0_gt[t + 1]).sum()
                                     for t in range(0, 15))),
    }
    return {
        **errors,
        "current_is_multiple_of_64": exact_current,
        "output_spikes": int(out[2:17].sum()),
        "output_spikes_ground_truth": int(out_gt[1:16].sum()),
        "layer1_spikes": int(l1_spk[1:16].sum()),
        "layer1_spikes_ground_truth": int(l1_gt[1:16].sum()),
        "ticks": ticks, "engine": result.engine, "profile": cfg.profile.name,
        "compared": {"output": "tick t vs output.npy[t-1], t=2..16",
                     "layer1": "tick t vs layer1.npy[t], t=1..15",
                     "current": "u/64 at tick t vs current.npy[t], t=0..15",
                     "input": "tick t vs input.npy[t+1], t=0..14"},
        "data": str(data),
    }


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", default=str(DEFAULT_DATA), help="folder with tiny.net and the .npy")
    p.add_argument("--engine", choices=("event", "reference"), default="event")
    p.add_argument("--profile", default="loihi",
                   help="loihi (default) or loihi2: lava-dl runs the same test on Loihi 2 "
                        "silicon against the same output")
    p.add_argument("--json", action="store_true", help="print one JSON object (the default)")
    args = p.parse_args(argv)
    if not (Path(args.data) / "tiny.net").is_file():
        print(f"check_lava_tinynet: error: {args.data}: no tiny.net there; give --data DIR or "
              "set NEUROEMU_DATA to the folder holding lava-dl/tinynet", file=sys.stderr)
        return 1
    res = check(args.data, args.engine, args.profile)
    json.dump(res, sys.stdout, indent=2)
    sys.stdout.write("\n")
    errors = [k for k in res if k.endswith("_error")]
    return 0 if all(res[k] == 0 for k in errors) else 1


if __name__ == "__main__":
    sys.exit(main())
